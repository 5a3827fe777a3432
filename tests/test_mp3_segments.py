"""MP3 on every core: segments spliced into one stream decode like one encoder's stream.

Segments are made short here (a few frames' worth of seconds) so a test track of a few
seconds has many joins; the product's segments are 2,048 frames.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from mutagen.mp3 import MP3

from generator.output import mp3segments
from generator.output.encoders import LameSettings, Mp3Encoder
from generator.output.mp3frames import side_info, split_frames
from generator.output.mp3joins import EncodedSegment, join_frame, splice
from generator.output.mp3segments import FRAME, SegmentedMp3Encoder

RATE = 44_100


@pytest.fixture(autouse=True)
def short_segments(monkeypatch):
    monkeypatch.setattr(mp3segments, "SEGMENT_FRAMES", 160)


def material(n: int, channels: int = 2, seed: int = 0, strikes: bool = True) -> np.ndarray:
    """Partials under 5 kHz with a swell over a steady faint hiss (so the band above 12 kHz
    has a level to compare with), and (`strikes`) tone bursts that make the encoder switch windows."""
    t = np.arange(n) / RATE
    rng = np.random.default_rng(seed)
    out = np.zeros((n, channels), np.float32)
    for c in range(channels):
        for f in rng.uniform(120, 4000, 6):
            out[:, c] += 0.07 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))
    out *= (0.6 + 0.4 * np.sin(2 * np.pi * 0.4 * t))[:, None]
    out += 0.004 * rng.standard_normal((n, channels)).astype(np.float32)
    for at in range(RATE // 3, n - 2000, RATE // 2) if strikes else ():  # strikes: the encoder switches to short windows
        burst = np.sin(2 * np.pi * 900 * np.arange(2000) / RATE) * np.exp(-np.arange(2000) / 250)
        out[at : at + 2000] += (0.3 * burst)[:, None]
    return out


def encode(path, x, cls=SegmentedMp3Encoder, block=10_000, **options):
    encoder = cls(path, rate=options.pop("rate", RATE), channels=x.shape[1], **options)
    for start in range(0, x.shape[0], block):
        encoder.write(x[start : start + block])
    encoder.close()
    return path


def joins(n: int) -> list[int]:
    """Sample positions (in the decoded track) where segments meet, give or take the join frame chosen."""
    step = mp3segments.SEGMENT_FRAMES * FRAME
    return [k * step - 1105 for k in range(1, n // step + 1) if k * step - 1105 < n]


def high_band_energy(x: np.ndarray, centre: int, width: int = 2048) -> float:
    """Energy above 12 kHz in a window of `width` samples around `centre`."""
    window = x[max(0, centre - width // 2) : centre + width // 2, 0]
    spectrum = np.abs(np.fft.rfft(window * np.hanning(window.size))) ** 2
    freqs = np.fft.rfftfreq(window.size, 1 / RATE)
    return float(spectrum[freqs > 12_000].sum())


@pytest.mark.parametrize("n", [RATE * 9 + 333, 160 * FRAME * 3, 160 * FRAME * 3 + 1, 160 * FRAME * 2 - 700, 5000, 0])
def test_decodes_to_exactly_the_samples_written(tmp_path, n):
    x = material(n)
    path = encode(tmp_path / "seg.mp3", x)
    decoded, rate = sf.read(str(path), dtype="float32", always_2d=True)
    assert rate == RATE and decoded.shape == x.shape
    if n:
        assert MP3(str(path)).info.length == pytest.approx(n / RATE, abs=1e-6)


@pytest.mark.parametrize("options", [{}, {"bitrate": 64}, {"bitrate": 320}, {"vbr_quality": 2}, {"rate": 48_000}, {"rate": 32_000}])
def test_sounds_like_one_encoder_over_the_whole_track(tmp_path, options):
    """The spliced stream's error against the input is the one encoder's, at the joins too."""
    rate = options.get("rate", RATE)
    x = material(rate * 16)
    one = encode(tmp_path / "one.mp3", x, cls=Mp3Encoder, **dict(options))
    spliced = encode(tmp_path / "seg.mp3", x, **dict(options))
    a, _ = sf.read(str(one), dtype="float32", always_2d=True)
    b, _ = sf.read(str(spliced), dtype="float32", always_2d=True)
    assert a.shape == b.shape == x.shape

    def error_db(decoded, where=slice(None)):
        return 10 * np.log10(np.mean((decoded[where] - x[where]) ** 2))

    assert error_db(b) == pytest.approx(error_db(a), abs=1.0)
    step = mp3segments.SEGMENT_FRAMES * FRAME
    for join in range(step, x.shape[0] - step // 2, step):
        near = slice(join - 4096, join + 4096)
        assert error_db(b, near) < error_db(a, near) + 3.0


def test_no_click_at_any_join(tmp_path):
    """On smooth material, energy above 12 kHz around each join is that of its
    neighbourhood (a click is broadband); with strikes, it is what one encoder leaves there."""
    smooth = material(RATE * 20, seed=3, strikes=False)
    decoded, _ = sf.read(str(encode(tmp_path / "smooth.mp3", smooth)), dtype="float32", always_2d=True)
    positions = joins(smooth.shape[0])
    assert len(positions) >= 4
    for at in positions:
        for j in range(0, 34 * FRAME, FRAME // 2):  # the join is one of the first candidates past the segment's end
            around = high_band_energy(decoded, at + j)
            neighbours = [high_band_energy(decoded, at + j + d) for d in (-20_000, -12_000, 12_000, 20_000)]
            assert around <= 4 * np.median(neighbours)  # the band wanders by up to about 2x from window to window
    struck = material(RATE * 20, seed=3)
    spliced, _ = sf.read(str(encode(tmp_path / "struck.mp3", struck)), dtype="float32", always_2d=True)
    one, _ = sf.read(str(encode(tmp_path / "one.mp3", struck, cls=Mp3Encoder)), dtype="float32", always_2d=True)
    for at in positions:
        for j in range(0, 34 * FRAME, FRAME // 2):
            assert high_band_energy(spliced, at + j) <= 4 * high_band_energy(one, at + j)


def test_a_join_without_the_reservoir_bytes_is_caught(tmp_path):
    """The splice carries the next frame's reservoir bytes; without them the join is heard."""
    settings = LameSettings(RATE, 2)
    x = material(RATE * 6, seed=5)
    pcm = settings.pcm(x)
    first = mp3segments.encode_segment(settings, 0, pcm[: 200 * FRAME].tobytes())
    later = mp3segments.encode_segment(settings, 96, pcm[96 * FRAME :].tobytes())
    j = join_frame(first, later, range(160, 192))
    assert j is not None
    assert side_info(later.frame(j)).main_data_begin > 0  # the reservoir is in use at the join
    head, rest = splice(first, later, j)
    broken = [bytes(f) for f in first.frames[: j - first.first]] + later.frames[j - later.first :]
    good = head + rest.frames

    def decoded(frames, name):
        out = settings.file(tmp_path / name)
        for frame in frames:
            out.take(frame)
        out.finish(x.shape[0])
        return sf.read(str(tmp_path / name), dtype="float32", always_2d=True)[0]

    at = j * FRAME - 1105
    near = slice(at - 2048, at + 4096)
    good_error = np.mean((decoded(good, "good.mp3")[near] - x[near]) ** 2)
    broken_error = np.mean((decoded(broken, "broken.mp3")[near] - x[near]) ** 2)
    assert broken_error > 4 * good_error


def test_the_same_bytes_on_any_number_of_cores(tmp_path):
    x = material(RATE * 10)
    files = [encode(tmp_path / f"w{w}.mp3", x, workers=w).read_bytes() for w in (1, 2, 3)]
    assert files[0] == files[1] == files[2]
    block_sizes = encode(tmp_path / "blocks.mp3", x, block=777).read_bytes()
    assert block_sizes == files[0]


def test_a_shorter_warm_up_is_tried_when_no_frame_fits(tmp_path, monkeypatch):
    calls: list[int] = []

    def fussy(earlier, later, candidates):
        calls.append(later.first)
        if len(calls) % 2:  # every first try fails
            return None
        return join_frame(earlier, later, candidates)

    monkeypatch.setattr(mp3segments, "join_frame", fussy)
    x = material(RATE * 9)
    decoded, _ = sf.read(str(encode(tmp_path / "seg.mp3", x)), dtype="float32", always_2d=True)
    assert decoded.shape == x.shape
    step = mp3segments.SEGMENT_FRAMES
    assert calls[0] == step - mp3segments.WARMUP_FRAMES and calls[1] == step - mp3segments.RETRY_WARMUPS[0]


@pytest.mark.parametrize("bitrate", [64, 128])
def test_a_short_warm_up_joins_where_a_long_one_may_not(bitrate):
    """The retries rest on this: a fresh encoder's reservoir starts empty, so after a few
    frames of warm-up it reaches back no further than a long-running encoder's, and the
    join fits at one of the first candidates."""
    settings = LameSettings(RATE, 2, bitrate)
    pcm = settings.pcm(material(RATE * 8, seed=7))
    running = mp3segments.encode_segment(settings, 0, pcm[: 240 * FRAME].tobytes())
    for warm in mp3segments.RETRY_WARMUPS[-2:]:
        fresh = mp3segments.encode_segment(settings, 200 - warm, pcm[(200 - warm) * FRAME :].tobytes())
        j = join_frame(running, fresh, range(200, 200 + mp3segments.JOIN_FRAMES))
        assert j is not None and j < 200 + 4


def test_frames_and_side_info_read_back():
    settings = LameSettings(RATE, 2)
    lame = settings.lame()
    data = bytes(lame.encode(settings.pcm(material(RATE)).tobytes())) + bytes(lame.flush())
    frames = split_frames(data)
    assert sum(map(len, frames)) == len(data)
    infos = [side_info(f) for f in frames]
    assert all(0 <= i.main_data_begin < 512 for i in infos)
    assert all(len(i.windows) == 2 and all(w in (0, 1, 2, 3) for g in i.windows for w in g) for i in infos)
    assert any(i.main_data_begin > 0 for i in infos)
    assert any(2 in g for i in infos for g in i.windows)  # the strikes got short windows


def test_an_encoder_error_surfaces_and_leaves_no_thread(tmp_path, monkeypatch):
    def broken(*args):
        raise RuntimeError("lame fell over")

    monkeypatch.setattr(mp3segments, "encode_segment", broken)
    encoder = SegmentedMp3Encoder(tmp_path / "x.mp3", rate=RATE, channels=2)
    with pytest.raises(RuntimeError, match="lame fell over"):
        for start in range(0, RATE * 12, 8192):
            encoder.write(material(8192))
        encoder.close()
    encoder.close()
    assert encoder._pool._shutdown


def test_mpeg2_rates_are_not_segmented(tmp_path):
    with pytest.raises(ValueError):
        SegmentedMp3Encoder(tmp_path / "x.mp3", rate=22_050, channels=2)

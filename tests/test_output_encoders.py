"""Streamed encoders: files written block by block decode to the right length and content."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from mutagen.mp3 import MP3, BitrateMode

from generator.core.errors import InputError
from generator.output import FORMATS, open_encoder
from generator.output.mp3file import LAME_ENCODER_DELAY
from generator.output.mp3frames import FrameHeader as _Frame

RATE = 44_100


def music(n: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    """Band-limited test material: a few partials with a slow swell, different per channel."""
    t = np.arange(n) / RATE
    rng = np.random.default_rng(seed)
    out = np.zeros((n, channels), np.float32)
    for c in range(channels):
        for f in rng.uniform(150, 3000, 5):
            out[:, c] += 0.08 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))
    return out * (0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t))[:, None]


def write_blocks(path, fmt, x, block=32_768, **options):
    encoder = open_encoder(path, fmt, rate=RATE, channels=x.shape[1], **options)
    for start in range(0, x.shape[0], block):
        encoder.write(x[start : start + block])
    encoder.close()


def best_lag(decoded: np.ndarray, original: np.ndarray, search: int = 2000) -> int:
    """The shift of `decoded` against `original` with the highest correlation."""
    a = decoded[: 20_000 + search, 0].astype(np.float64)
    b = original[search : search + 20_000, 0].astype(np.float64)
    scores = np.correlate(a, b, mode="valid")
    return int(np.argmax(scores)) - search


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [RATE * 4 + 321, 1000])
def test_blocks_decode_to_exact_length_and_content(tmp_path, fmt, n):
    x = music(n)
    path = tmp_path / f"out.{fmt}"
    write_blocks(path, fmt, x, block=7_777)
    decoded, rate = sf.read(str(path), dtype="float32", always_2d=True)
    assert rate == RATE
    assert decoded.shape == x.shape
    correlation = np.corrcoef(decoded[:, 0], x[:, 0])[0, 1]
    assert correlation > (0.999 if fmt in ("wav", "flac") else 0.97)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_delay_is_added(tmp_path, fmt):
    x = music(RATE * 2)
    path = tmp_path / f"out.{fmt}"
    write_blocks(path, fmt, x)
    decoded, _ = sf.read(str(path), dtype="float32", always_2d=True)
    assert best_lag(decoded, x) == 0


@pytest.mark.parametrize("vbr", [None, 2])
def test_mp3_without_the_info_frame_would_be_longer(tmp_path, vbr):
    """The Info frame is what trims LAME's delay and padding: without it, ~1,100 samples more."""
    x = music(RATE * 3 + 5)
    path = tmp_path / "out.mp3"
    write_blocks(path, "mp3", x, vbr_quality=vbr)
    data = path.read_bytes()
    assert data[36:40] == (b"Info" if vbr is None else b"Xing")
    assert data[156:165] == b"LAME3.100"
    stripped = tmp_path / "stripped.mp3"
    stripped.write_bytes(data[_Frame(data[:4]).length :])
    raw, _ = sf.read(str(stripped), always_2d=True)
    exact, _ = sf.read(str(path), always_2d=True)
    assert exact.shape[0] == x.shape[0]
    if vbr is None:
        assert raw.shape[0] - x.shape[0] >= LAME_ENCODER_DELAY + 529
    else:  # without the Xing frame a decoder can only guess a VBR file's length
        assert raw.shape[0] != x.shape[0]


def test_mp3_cbr_and_vbr_headers_read_back(tmp_path):
    x = music(RATE * 6)
    cbr, vbr = tmp_path / "cbr.mp3", tmp_path / "vbr.mp3"
    write_blocks(cbr, "mp3", x, bitrate=160)
    write_blocks(vbr, "mp3", x, vbr_quality=4)
    a, b = MP3(str(cbr)).info, MP3(str(vbr)).info
    assert a.bitrate_mode == BitrateMode.CBR and a.bitrate == 160_000
    assert b.bitrate_mode == BitrateMode.VBR
    assert a.length == pytest.approx(6.0, abs=1e-6)
    assert b.length == pytest.approx(6.0, abs=1e-6)
    # CBR size follows the bitrate: 6 s at 160 kbps is 120 kB, give or take a frame or two.
    assert abs(cbr.stat().st_size - 120_000) < 2_000


@pytest.mark.parametrize("options", [{"bitrate": 64}, {"bitrate": 128}, {"bitrate": 192}, {"bitrate": 320}, {"vbr_quality": 2}])
def test_mp3_keeps_the_level(tmp_path, options):
    """LAME scales CBR input by 0.95 to 1.0 depending on bitrate; the encoder undoes it."""
    n = RATE * 2
    x = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(n) / RATE)).astype(np.float32)[:, None].repeat(2, 1)
    path = tmp_path / "level.mp3"
    write_blocks(path, "mp3", x, **options)
    decoded, _ = sf.read(str(path), always_2d=True)
    ratio = np.sqrt(np.mean(decoded[5_000:-5_000] ** 2) / np.mean(x[5_000:-5_000] ** 2))
    assert 20 * np.log10(ratio) == pytest.approx(0.0, abs=0.05)


def test_mp3_stays_true_stereo(tmp_path):
    """Binaural beats need different channels: the decoded channels differ as the input does."""
    n = RATE * 3
    t = np.arange(n) / RATE
    x = np.stack([0.3 * np.sin(2 * np.pi * 195 * t), 0.3 * np.sin(2 * np.pi * 205 * t)], axis=1).astype(np.float32)
    path = tmp_path / "binaural.mp3"
    write_blocks(path, "mp3", x)
    decoded, _ = sf.read(str(path), always_2d=True)
    for channel, freq in ((0, 195), (1, 205)):
        spectrum = np.abs(np.fft.rfft(decoded[:, channel]))
        assert np.fft.rfftfreq(n, 1 / RATE)[np.argmax(spectrum)] == pytest.approx(freq, abs=0.5)


@pytest.mark.parametrize("rate", [48_000, 32_000, 22_050, 16_000])
@pytest.mark.parametrize("options", [{"bitrate": 32}, {"bitrate": 160}, {"vbr_quality": 0}, {"vbr_quality": 9}])
def test_mp3_exact_length_at_other_rates_and_bitrates(tmp_path, rate, options):
    n = rate * 2 + 77
    x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)[:, None].repeat(2, 1)
    path = tmp_path / "out.mp3"
    encoder = open_encoder(path, "mp3", rate=rate, **options)
    encoder.write(x)
    encoder.close()
    decoded, decoded_rate = sf.read(str(path), always_2d=True)
    assert decoded_rate == rate and decoded.shape == x.shape
    assert MP3(str(path)).info.length == pytest.approx(n / rate, abs=1e-6)


def test_mono(tmp_path):
    x = music(RATE * 2, channels=1)
    for fmt in FORMATS:
        path = tmp_path / f"mono.{fmt}"
        write_blocks(path, fmt, x[:, 0:1])
        info = sf.info(str(path))
        assert info.channels == 1 and info.frames == x.shape[0]


def test_an_empty_track_is_still_a_valid_file(tmp_path):
    # FLAC is left out: libsndfile writes a FLAC header only with the first samples.
    for fmt in ("mp3", "wav", "ogg"):
        path = tmp_path / f"empty.{fmt}"
        open_encoder(path, fmt).close()
        decoded, _ = sf.read(str(path), always_2d=True)
        assert decoded.shape[0] == 0


def test_out_of_range_samples_are_clipped_not_wrapped(tmp_path):
    x = np.full((4_000, 2), 1.5, np.float32)
    path = tmp_path / "hot.wav"
    write_blocks(path, "wav", x)
    decoded, _ = sf.read(str(path), dtype="float32")
    assert decoded.min() > 0.99


def test_bad_requests_are_refused(tmp_path):
    with pytest.raises(InputError, match="unknown format"):
        open_encoder(tmp_path / "x.aac", "aac")
    with pytest.raises(InputError, match="0 .best. to 9"):
        open_encoder(tmp_path / "x.mp3", "mp3", vbr_quality=12)
    with pytest.raises(InputError, match="100 kbps is not an MP3 bitrate at 44100 Hz; choose one of 32, 40"):
        open_encoder(tmp_path / "x.mp3", "mp3", bitrate=100)
    with pytest.raises(InputError, match="192 kbps is not an MP3 bitrate at 22050 Hz"):
        open_encoder(tmp_path / "x.mp3", "mp3", rate=22_050, bitrate=192)
    assert not (tmp_path / "x.mp3").exists()
    encoder = open_encoder(tmp_path / "x.wav", "wav")
    with pytest.raises(ValueError):
        encoder.write(np.zeros((10, 3), np.float32))
    encoder.close()

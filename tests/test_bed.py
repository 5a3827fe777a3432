"""The background bed, measured on what it renders."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

from generator.core import model
from generator.core.audio import SAMPLE_RATE as RATE
from generator.mix.bed import Bed
from generator.core.errors import Position
from generator.sources.files import FileLoopSource
from generator.sources.tones import DRONE_DRIFT_DB, ToneSource
from generator.plan.timeline import Placement, SectionPlan, Timeline
from generator.core.units import Glide

DRIFT = 10 ** (DRONE_DRIFT_DB / 20)
"""A drone's level wanders by up to this factor (see generator.sources.tones)."""

HERE = Position("test.yaml", 1, 1)


def peak_frequency(signal: np.ndarray) -> float:
    """The strongest frequency, refined by parabolic interpolation on a zero-padded FFT."""
    size = 1 << int(np.ceil(np.log2(signal.shape[0] * 4)))
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(signal.shape[0]), n=size))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-30)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * RATE / size


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-20))


def layer(source: model.LayerSource, volume: float = 0.0) -> model.Layer:
    return model.Layer(source, volume, HERE)


def tone(start: float, end: float | None = None) -> model.Tone:
    return model.Tone(Glide(start, start if end is None else end))


def timeline(
    session_bg: model.Background,
    sections: list[tuple[float, model.Background | None]],
    speech: list[tuple[float, float]] = (),
) -> Timeline:
    """Sections of the given lengths (seconds); None means the section uses the session's background.

    `speech` places utterances (start, end in seconds) as the planner would.
    """
    session = model.Session("test", (), Path("test.yaml"), background=session_bg)
    plans, cursor = [], 0
    for number, (seconds, background) in enumerate(sections):
        length = int(seconds * RATE)
        plans.append(SectionPlan(f"s{number}", cursor, cursor + length, (), background or session_bg))
        cursor += length
    said = model.Utterance("Breathe.", model.Voice())
    placements = tuple(
        Placement(int(a * RATE), int(b * RATE) - int(a * RATE), said, voice=True) for a, b in speech
    )
    return Timeline("test", cursor, tuple(plans), placements, session)


def speaking(tl: Timeline) -> np.ndarray:
    """The mixer's voice mask for a timeline."""
    mask = np.zeros(tl.length, dtype=bool)
    for p in tl.placements:
        mask[p.start : p.end] = p.voice
    return mask


def render(bed: Bed, voice: np.ndarray | None = None, blocks: list[int] | None = None) -> np.ndarray:
    """The whole bed, in the mixer's manner: consecutive blocks."""
    total = bed.length
    voice = np.zeros(total, dtype=bool) if voice is None else voice
    sizes = iter(blocks or [])
    out, start = [], 0
    while start < total:
        count = min(next(sizes, 32_768), total - start)
        out.append(bed.render(start, count, voice[start : start + count]))
        start += count
    return np.concatenate(out)


def test_binaural_in_the_bed_keeps_its_frequencies():
    background = model.Background(layers=(layer(model.Binaural(Glide(200, 200), Glide(10, 10))),))
    out = render(Bed(timeline(background, [(10, None)]), Path(".")))
    assert abs(peak_frequency(out[RATE : 9 * RATE, 0]) - 195.0) <= 0.3
    assert abs(peak_frequency(out[RATE : 9 * RATE, 1]) - 205.0) <= 0.3


def test_duck_lowers_the_bed_while_the_voice_speaks():
    background = model.Background(layers=(layer(model.Noise("pink"), -6), layer(tone(150), -6)), duck=6.0)
    # Speech 4 s, pause 4 s, over and over, as sentences with pauses between them.
    tl = timeline(background, [(32, None)], [(s, s + 4) for s in range(4, 32, 8)])
    voice = speaking(tl)
    out = render(Bed(tl, Path(".")), voice)
    speech = rms_db(out[voice])
    pauses = rms_db(out[~voice][4 * RATE :])  # after the opening pause
    assert abs((pauses - speech) - 6.0) <= 1.5
    # Steady state is exact: the last second of a pause sits 6 dB over the first of speech,
    # the bed having dipped ahead of the voice (it knows the plan).
    before, during = out[int(2.5 * RATE) : int(3.5 * RATE)], out[4 * RATE : 5 * RATE]
    assert abs(rms_db(before) - rms_db(during) - 6.0) < 0.3
    undocked = render(Bed(timeline(replace(background, duck=0.0), [(32, None)]), Path(".")))
    first_syllable = slice(4 * RATE, int(4.05 * RATE))
    assert abs(rms_db(undocked[first_syllable]) - rms_db(out[first_syllable]) - 6.0) < 0.05


def test_duck_follows_the_mask_alone_too():
    background = model.Background(layers=(layer(tone(150)),), duck=6.0)
    tl = timeline(background, [(12, None)])
    voice = np.zeros(tl.length, dtype=bool)
    voice[4 * RATE : 8 * RATE] = True
    out = render(Bed(tl, Path(".")), voice)
    assert abs(rms_db(out[3 * RATE : 4 * RATE]) - rms_db(out[5 * RATE : 8 * RATE]) - 6.0) < 0.1


def test_duck_attack_and_release_are_smooth():
    background = model.Background(layers=(layer(tone(100)),), duck=12.0)
    tl = timeline(background, [(6, None)])
    voice = np.zeros(tl.length, dtype=bool)
    voice[2 * RATE : 3 * RATE] = True
    out = render(Bed(tl, Path(".")), voice)[:, 0]
    assert np.abs(np.diff(out)).max() <= 2 * np.pi * 100 / RATE * 1.001 * DRIFT  # a (drifting) unit sine's steepest step
    # Attack: about 0.3 s to the full depth; release: about 1 s back.
    assert rms_db(out[int(2.0 * RATE) : int(2.1 * RATE)]) > rms_db(out[: RATE]) - 3.0
    assert rms_db(out[int(2.32 * RATE) : int(2.9 * RATE)]) < rms_db(out[: RATE]) - 11.5
    assert rms_db(out[int(3.05 * RATE) : int(3.25 * RATE)]) < rms_db(out[: RATE]) - 8.0
    assert abs(rms_db(out[int(4.1 * RATE) : 5 * RATE]) - rms_db(out[:RATE])) < 0.2


def test_empty_layers_are_silent_after_the_crossfade():
    session = model.Background(layers=(layer(tone(220)), layer(model.Noise("brown"), -10)))
    quiet = model.Background(layers=(), crossfade=Fraction(2))
    out = render(Bed(timeline(session, [(6, None), (6, quiet)]), Path(".")))
    boundary = 6 * RATE
    assert rms_db(out[boundary - 2 * RATE : boundary - RATE]) > -6.0
    assert np.abs(out[boundary + RATE :]).max() == 0.0
    # Mid-crossfade, equal power: about 3 dB down, with no step anywhere.
    middle = out[boundary - RATE // 20 : boundary + RATE // 20]
    assert abs(rms_db(middle) - rms_db(out[boundary - 2 * RATE : boundary - RATE]) + 3.0) < 1.0


def test_session_fade_in_and_out():
    background = model.Background(layers=(layer(tone(200)),), fade_in=Fraction(4), fade_out=Fraction(6))
    out = render(Bed(timeline(background, [(20, None)]), Path(".")))[:, 0]
    full = rms_db(out[8 * RATE : 12 * RATE])
    assert np.abs(out[:100]).max() < 1e-4 and np.abs(out[-100:]).max() < 1e-4
    assert abs(rms_db(out[int(1.9 * RATE) : int(2.1 * RATE)]) - (full - 6.0)) < 0.3  # half way in
    assert abs(rms_db(out[int(16.9 * RATE) : int(17.1 * RATE)]) - (full - 6.0)) < 0.3  # half way out
    assert abs(rms_db(out[int(4.2 * RATE) : int(13.8 * RATE)]) - full) < 0.1


def test_sections_on_the_session_background_continue_the_same_layers():
    background = model.Background(layers=(layer(tone(180, 120)),))
    bed = Bed(timeline(background, [(3, None), (4, None), (5, None)]), Path("."))
    out = render(bed)
    expected = ToneSource(Glide(180, 120), span=12 * RATE).render(0, 12 * RATE)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_a_layer_on_both_sides_of_a_boundary_just_carries_on():
    session = model.Background(layers=(layer(model.Noise("pink"), -6), layer(tone(300), -12)))
    section = model.Background(layers=(layer(model.Noise("pink"), -6), layer(tone(90), -12)), crossfade=Fraction(4))
    out = render(Bed(timeline(session, [(8, None), (8, section)]), Path("."), seed=5))
    bed_noise = Bed(timeline(model.Background(layers=(layer(model.Noise("pink"), -6),)), [(16, None)]), Path("."), seed=5)
    noise = render(bed_noise)
    residual = out - noise  # only the tones remain if the noise carried on untouched
    assert rms_db(residual) < rms_db(out) - 3.0
    assert abs(peak_frequency(residual[2 * RATE : 5 * RATE, 0]) - 300.0) < 0.5
    assert abs(peak_frequency(residual[11 * RATE : 15 * RATE, 0]) - 90.0) < 0.5


def test_section_glide_spans_its_section():
    session = model.Background(layers=(layer(tone(100)),))
    section = model.Background(layers=(layer(tone(300, 200)),), crossfade=Fraction(1))
    out = render(Bed(timeline(session, [(5, None), (20, section), (5, None)]), Path(".")))[:, 0]
    # 300 -> 200 Hz over the section's 20 s: 5 Hz less each second from the section start.
    assert abs(peak_frequency(out[int(5.6 * RATE) : int(6.6 * RATE)]) - (300 - 5 * 1.1)) < 0.5
    assert abs(peak_frequency(out[int(23.4 * RATE) : int(24.4 * RATE)]) - (300 - 5 * 18.9)) < 0.5
    assert abs(peak_frequency(out[26 * RATE :]) - 100.0) < 0.5


def test_volume_is_db_relative_to_a_unit_layer():
    loud = render(Bed(timeline(model.Background(layers=(layer(tone(200), 0.0),)), [(3, None)]), Path(".")))
    soft = render(Bed(timeline(model.Background(layers=(layer(tone(200), -20.0),)), [(3, None)]), Path(".")))
    assert abs(rms_db(loud) - rms_db(soft) - 20.0) < 0.01
    assert abs(rms_db(loud) + 3.01) < DRONE_DRIFT_DB + 0.05  # a unit sine, give or take its slow drift


def scenario(tmp_path: Path) -> tuple[Bed, np.ndarray, list[model.Layer]]:
    """A track that exercises every transition: fades, ducking, glides, crossfades, silence, loops."""
    t = np.arange(int(2.5 * 22_050)) / 22_050
    sf.write(tmp_path / "drone.wav", 0.5 * np.sin(2 * np.pi * 82.3 * t) + 0.2 * t / t[-1], 22_050)
    session_layers = (
        layer(model.Binaural(Glide(200, 180), Glide(10, 6)), -6),
        layer(model.Isochronic(Glide(150, 150), Glide(7, 7)), -10),
        layer(model.Noise("brown"), -14),
        layer(tone(136.1), -10),
        layer(model.FileLoop(Path("drone.wav")), -6),
    )
    session = model.Background(
        layers=session_layers, fade_in=Fraction(2), fade_out=Fraction(3), duck=8.0, duck_attack=Fraction(1, 5)
    )
    own_layers = (layer(tone(300, 240), -8), layer(model.Noise("brown"), -8), layer(tone(136.1), -3))
    own = model.Background(layers=own_layers, crossfade=Fraction(1, 2))
    silent = model.Background(layers=(), crossfade=Fraction(0))
    speech = [(1.0, 3.5), (5.0, 7.0), (9.3, 9.6), (14.0, 21.0)]
    tl = timeline(session, [(6, None), (5, own), (4, silent), (5, None), (3, own)], speech)
    return Bed(tl, tmp_path, seed=2), speaking(tl), list(session_layers + own_layers)


def test_rendering_in_blocks_equals_rendering_in_one_piece(tmp_path: Path):
    bed, voice, _ = scenario(tmp_path)
    whole = bed.render(0, bed.length, voice)
    again, _, _ = scenario(tmp_path)
    pieces = render(again, voice, blocks=[1, 999, 7919, 32_768, 4410, 100_003, 17] * 10)
    np.testing.assert_allclose(pieces, whole, atol=2e-6)


def test_no_clicks_across_every_transition(tmp_path: Path):
    bed, voice, layers = scenario(tmp_path)
    out = render(bed, voice).astype(np.float64)
    # Click-free reference: each layer alone at full level, steady; the mix can never
    # legitimately step further in one sample than all of them together.
    reference = 0.0
    for each in layers:
        alone = Bed(timeline(model.Background(layers=(each,)), [(bed.length / RATE, None)]), tmp_path, seed=2)
        reference += np.abs(np.diff(render(alone), axis=0)).max()
    steps = np.abs(np.diff(out, axis=0)).max()
    assert steps <= reference
    # ...and the measure has teeth: one hard level switch anywhere loud exceeds it.
    hard = out.copy()
    hard[int(np.argmax(np.abs(out[:, 0]))) :] *= 0.5
    assert np.abs(np.diff(hard, axis=0)).max() > reference


def test_windows_after_seek_sound_as_the_whole_bed_in_any_order(tmp_path: Path):
    """Seeking forward carries the ducking envelope on, seeking back replays it: either way
    a window sounds exactly as that stretch of a render from the start."""
    bed, voice, _ = scenario(tmp_path)
    whole = bed.render(0, bed.length, voice)
    windows = [(2.0, 3.0), (4.0, 6.5), (6.6, 7.2), (1.0, 2.0), (9.0, 10.0), (15.0, 16.0), (3.2, 3.4)]
    seeker, _, _ = scenario(tmp_path)
    seeker.render(int(20.0 * RATE), 999, voice[int(20.0 * RATE) : int(20.0 * RATE) + 999])  # an unrelated call first
    for a, b in windows:
        start, end = int(a * RATE), int(b * RATE)
        seeker.seek(start)
        np.testing.assert_allclose(seeker.render(start, end - start, voice[start:end]), whole[start:end], atol=2e-6)


def test_a_sibling_bed_shares_the_decoded_files_and_sounds_the_same(tmp_path: Path):
    """The measuring pass's second thread gets a sibling: same sound, the file decoded once."""
    bed, voice, _ = scenario(tmp_path)
    twin = bed.sibling()
    files = [track.source for track in bed.tracks if isinstance(track.source, FileLoopSource)]
    twin_files = [track.source for track in twin.tracks if isinstance(track.source, FileLoopSource)]
    assert files and all(a is b for a, b in zip(files, twin_files))
    noise = [t.source for t in bed.tracks if not isinstance(t.source, FileLoopSource)]
    assert not any(a is b for a in noise for b in (t.source for t in twin.tracks))  # the rest is its own
    start, end = int(7.5 * RATE), int(12.0 * RATE)
    twin.seek(start)
    np.testing.assert_allclose(twin.render(start, end - start, voice[start:end]), bed.render(0, bed.length, voice)[start:end], atol=2e-6)


def test_the_bed_stays_down_across_the_gaps_within_a_paragraph():
    """Sentences 1.5 s apart keep the bed ducked; a 4 s pause lets it come back up."""
    background = model.Background(layers=(layer(model.Noise("pink"), -6),), duck=8.0)
    sentences = [(2, 4), (5.5, 7.5), (9, 11), (15, 17)]  # gaps of 1.5 s, 1.5 s, then 4 s
    tl = timeline(background, [(19, None)], sentences)
    out = render(Bed(tl, Path(".")), speaking(tl))
    ducked = rms_db(out[int(2.5 * RATE) : int(3.5 * RATE)])
    for gap in ((4, 5.5), (7.5, 9)):
        assert abs(rms_db(out[int(gap[0] * RATE) : int(gap[1] * RATE)]) - ducked) < 0.5
    assert rms_db(out[int(13 * RATE) : int(14.5 * RATE)]) - ducked > 7.0
    never = render(Bed(timeline(replace(background, duck_hold=Fraction(0)), [(19, None)], sentences), Path(".")), speaking(tl))
    assert rms_db(never[int(4.6 * RATE) : int(5.4 * RATE)]) - ducked > 2.0  # without the hold it pumps

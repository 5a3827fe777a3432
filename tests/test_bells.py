"""Bells, measured as a producer would: decay times, stereo, strike-to-strike variation,
loudness against the voice in the same track, and the quiet before the first strike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from generator.core import model
from generator.core.audio import SAMPLE_RATE as RATE
from generator.core.errors import InputError, Position
from generator.pipeline.rendering import RenderOptions, render
from generator.sources.bells import BELL_LOUDNESS, BUILTIN_BELLS, STRENGTH_DB, bell_clip, bell_lengths
from generator.sources.loudness import momentary

HERE = Position("test.yaml", 1, 1)


def bell(sound: str, path: Path | None = None) -> model.Bell:
    return model.Bell(sound, HERE, path=path)


def band_envelope_db(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """The level of one band in dB, smoothed over 0.5 s (so the beating averages out)."""
    from scipy.signal import butter, hilbert, sosfiltfilt

    sos = butter(4, [low, high], btype="bandpass", fs=RATE, output="sos")
    env = np.abs(hilbert(sosfiltfilt(sos, x)))
    smooth = np.convolve(env, np.ones(RATE // 2) / (RATE // 2), mode="valid")
    return 20 * np.log10(smooth + 1e-12)


def test_bowl_rings_long_wide_and_inharmonic():
    clip = bell_clip(bell("bowl"), Path(".")).astype(np.float64)
    mono = clip.mean(axis=1)
    # The fundamental's decay time (T60) from its envelope over the first 45 dB of decay.
    env = band_envelope_db(mono, 180, 212)
    t = np.arange(env.size) / RATE
    use = (t > 1.0) & (env > env.max() - 45)
    t60 = -60.0 / np.polyfit(t[use], env[use], 1)[0]
    assert t60 >= 20.0, f"fundamental T60 {t60:.1f} s"
    # The clip runs until the bell is inaudible: its last half second is 60 dB under the strike.
    strike = float(np.max(momentary(clip)))
    assert float(momentary(clip[-RATE // 2 :]).max()) < strike - 60
    # A stereo room: left and right related, far from identical.
    correlation = np.corrcoef(clip[:, 0], clip[:, 1])[0, 1]
    assert 0.0 < correlation < 0.9, correlation
    # The second mode well away from any harmonic of the fundamental.
    spectrum = np.abs(np.fft.rfft(mono[: RATE * 2] * np.hanning(RATE * 2)))
    freqs = np.fft.rfftfreq(RATE * 2, 1 / RATE)
    band = (freqs > 450) & (freqs < 650)
    assert abs(freqs[band][np.argmax(spectrum[band])] / 196.0 - 2.76) < 0.05


def test_bowl_beats_slowly_and_not_like_a_metronome():
    from scipy.signal import butter, find_peaks, hilbert, sosfiltfilt

    clip = bell_clip(bell("bowl"), Path(".")).astype(np.float64)
    sos = butter(4, [180, 212], btype="bandpass", fs=RATE, output="sos")
    env = np.abs(hilbert(sosfiltfilt(sos, clip[: RATE * 16, 0])))[::100]  # 441 Hz envelope
    t = np.arange(env.size) / (RATE / 100)
    trend = np.exp(np.polyval(np.polyfit(t[441:], np.log(env[441:]), 1), t))
    beating = env / trend
    assert beating[441:].max() / beating[441:].min() > 1.5  # it swells and fades
    peaks, _ = find_peaks(beating, distance=int(0.3 * RATE / 100), prominence=0.05)
    gaps = np.diff(peaks) / (RATE / 100)
    assert gaps.size >= 4 and 0.3 < np.median(gaps) < 3.0  # slow beating, about 1 Hz
    assert gaps.std() / gaps.mean() > 0.03  # the pair's spacing wanders: not strictly periodic


@pytest.mark.parametrize("name", sorted(BUILTIN_BELLS))
def test_builtin_bells_are_levelled_by_loudness_and_start_softly(name: str):
    clip = bell_clip(bell(name), Path("."))
    assert clip.dtype == np.float32 and clip.shape[1] == 2
    assert abs(float(momentary(clip).max()) - BELL_LOUDNESS) < 0.1  # loudness, not peak
    assert np.abs(clip).max() <= 10 ** (-3 / 20)
    assert np.abs(clip[0]).max() < 1e-4 and np.abs(clip[-1]).max() < 1e-4  # no click in or out
    if name != "woodblock":  # a knock is a knock; the rest are struck with soft mallets:
        attack = np.abs(clip[: int(0.003 * RATE)]).max()  # the first 3 ms are not the loudest
        assert attack < 0.8 * np.abs(clip).max()
    ring, hold = bell_lengths(bell(name), Path("."))
    assert ring == clip.shape[0] and 0 < hold <= ring


@pytest.mark.parametrize("name", ["bowl", "chime"])
def test_no_two_strikes_alike_yet_each_reproducible(name: str):
    first, second = bell_clip(bell(name), Path("."), 0), bell_clip(bell(name), Path("."), 1)
    assert first.shape == second.shape  # the same ring, so the plan does not depend on the strike
    difference = np.sqrt(np.mean((first.astype(np.float64) - second) ** 2)) / np.sqrt(np.mean(first.astype(np.float64) ** 2))
    assert difference > 0.1  # clearly another strike
    loudness = float(momentary(second).max()) - float(momentary(first).max())
    assert abs(loudness) <= STRENGTH_DB + 0.05  # but the same bell, as hard within half a dB
    np.testing.assert_array_equal(second, bell_clip(bell(name), Path("."), 1))


def test_file_bell_levelled_like_a_builtin_and_held_until_it_fades(tmp_path: Path):
    (tmp_path / "sounds").mkdir()
    t = np.arange(3 * 22050) / 22050
    sf.write(tmp_path / "sounds" / "ding.wav", 0.5 * np.sin(2 * np.pi * 600 * t) * np.exp(-t / 0.4), 22050)
    clip = bell_clip(bell("sounds/ding.wav"), tmp_path)
    assert abs(clip.shape[0] - 3 * RATE) < 10
    assert abs(float(momentary(clip).max()) - BELL_LOUDNESS) < 0.1
    np.testing.assert_array_equal(clip, bell_clip(bell("ding", path=Path("sounds/ding.wav")), tmp_path))
    ring, hold = bell_lengths(bell("sounds/ding.wav"), tmp_path)
    # An exponential decay of 0.4 s falls 20 dB in 0.92 s (plus the 400 ms block it ends).
    assert ring == clip.shape[0] and 1.0 * RATE < hold < 1.6 * RATE
    with pytest.raises(InputError, match="nowhere.wav"):
        bell_clip(bell("nowhere.wav"), tmp_path)


# --- in a track ---------------------------------------------------------------------------

TRACK = """
title: Bells under the voice
sections:
  - title: One
    steps:
      - bell: bowl
      - say: Welcome. Let the sound of the bowl settle around you, and breathe gently.
      - bell: chime
      - say: Notice the body resting on the ground. Notice the breath moving by itself.
      - bell: woodblock
      - say: Stay here with the breath for a while, without changing anything.
      - bell: {sound: gong, strikes: 2, every: 9s}
"""


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bells")
    script = folder / "bells.yaml"
    script.write_text(TRACK, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDITATE_FAKE_TTS", "1")
        result = render(script, RenderOptions(output=folder / "bells.wav", format="wav", cache_dir=folder / "cache"))
    samples, rate = sf.read(folder / "bells.wav", dtype="float64")
    assert rate == RATE
    return samples, result.timeline


def blocks_within(entries, length: int) -> np.ndarray:
    """Indices of the 400 ms momentary blocks (100 ms apart) lying wholly inside the entries."""
    keep = np.zeros(length, dtype=bool)
    for entry in entries:
        first = int(np.ceil(entry.start / (RATE / 10)))
        last = int(np.floor((entry.end - 0.4 * RATE) / (RATE / 10)))
        keep[first : last + 1] = True
    return np.nonzero(keep)[0]


@pytest.mark.slow
def test_each_bell_sits_about_10_lu_under_the_voice(track):
    samples, timeline = track
    loudness = momentary(samples)
    entries = timeline.entries()
    voice = np.percentile(loudness[blocks_within([e for e in entries if e.kind == "say"], loudness.size)], 95)
    under = []
    for entry in (e for e in entries if e.kind == "bell"):
        strike = float(momentary(samples[entry.start : entry.end]).max())  # the track there, from the strike
        under.append(voice - strike)
    print("\nbells under the voice's loudest speech (LU):", [f"{u:.1f}" for u in under])
    assert len(under) == 5 and all(8.0 <= u <= 12.0 for u in under)


@pytest.mark.slow
def test_the_track_does_not_open_on_a_strike_and_bells_ring_on(track):
    samples, timeline = track
    entries = timeline.entries()
    assert entries[0].kind == "pause" and entries[1].kind == "bell"
    assert abs(entries[1].start / RATE - 2.0) < 1e-9  # the lead-in
    assert np.abs(samples[: int(1.5 * RATE)]).max() < 1e-4  # no background here: silence
    # The bowl's step lasts its hold; the bowl rings on under the words that follow.
    bowl, words = entries[1], entries[2]
    assert bowl.length == bell_lengths(bell("bowl"), Path("."))[1] and words.start == bowl.end
    from generator.kinds.placing import BellStrike

    strikes = [p for p in timeline.placements if isinstance(p.sound, BellStrike)]
    assert strikes[0].end > words.end
    assert [p.sound.index for p in strikes if p.sound.bell.sound == "gong"] == [0, 1]
    # The last gong rings out in full before the track ends.
    assert strikes[-1].end == timeline.length == entries[-1].end

"""Beds that breathe, brown noise without sub-bass, and the breathing tone under the voice."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import welch

from generator.core.audio import SAMPLE_RATE as RATE
from generator.load.loader import load_script
from generator.core.errors import ScriptErrors
from generator.pipeline.rendering import RenderOptions, render
from generator.sources.noise import HOP, LEVEL_DRIFT_DB, NoiseSource
from generator.sources.tones import DRONE_DRIFT_DB, BinauralSource, ToneSource
from generator.core.units import Glide


def second_levels(x: np.ndarray) -> np.ndarray:
    """RMS in dB of every whole second of a stereo block."""
    seconds = x.shape[0] // RATE
    frames = x[: seconds * RATE].astype(np.float64).reshape(seconds, RATE, -1)
    return 10 * np.log10(np.mean(frames**2, axis=(1, 2)))


def slope(x: np.ndarray) -> float:
    freqs, power = welch(x, RATE, nperseg=8192)
    band = (freqs >= 100) & (freqs <= 8000)
    return float(np.polyfit(np.log2(freqs[band]), 10 * np.log10(power[band]), 1)[0])


def test_brown_noise_is_high_passed_around_40_hz():
    block = NoiseSource("brown", seed=5).render(RATE * 30, RATE * 20)
    freqs, power = welch(block[:, 0].astype(np.float64), RATE, nperseg=RATE * 2)
    sub = power[(freqs > 5) & (freqs < 30)].mean()
    body = power[(freqs >= 60) & (freqs <= 200)].mean()
    assert 10 * np.log10(sub / body) < -10  # was +11 dB: most of the power lay below 30 Hz
    assert 40 <= freqs[np.argmax(power)] <= 80  # the strongest energy is audible rumble


@pytest.mark.slow
@pytest.mark.parametrize("color, nominal", [("white", 0.0), ("pink", -3.0), ("brown", -6.0)])
def test_a_noise_bed_moves_in_level_but_keeps_its_colour(color: str, nominal: float):
    minutes = 6
    moving = NoiseSource(color, seed=11).render(0, RATE * 60 * minutes)
    still = NoiseSource(color, seed=11, drift=False).render(0, RATE * 60 * minutes)
    levels, before = second_levels(moving), second_levels(still)
    print(f"\n{color}: level over 1 s windows, std {before.std():.2f} dB without movement, {levels.std():.2f} dB with")
    assert levels.std() > 0.3 and levels.std() > 2 * before.std()  # it breathes
    assert levels.max() - levels.min() < 2 * LEVEL_DRIFT_DB + 1.5  # within about +-1.5 dB
    assert abs(levels.mean() - before.mean()) < 0.6  # around its written level
    for channel in (0, 1):  # the long-term colour is the colour's own
        assert abs(slope(moving[:, channel]) - nominal) < 0.3


@pytest.mark.slow
def test_a_drone_drifts_slightly_in_level():
    tone = ToneSource(Glide(136.1, 136.1), span=RATE)
    levels = second_levels(tone.render(0, RATE * 240)) - 10 * np.log10(0.5)  # re a unit sine
    assert levels.std() > 0.1 and np.abs(levels).max() <= DRONE_DRIFT_DB + 0.05


@settings(max_examples=20, deadline=None)
@given(start=st.integers(-HOP, RATE * 3600), count=st.integers(1, 3 * HOP), cut=st.integers(0, 3 * HOP))
def test_moving_beds_render_any_window_exactly(start: int, count: int, cut: int):
    cut = min(cut, count)
    for make in (
        lambda: NoiseSource("brown", seed=2),
        lambda: ToneSource(Glide(136.1, 110), span=RATE * 600),
        lambda: BinauralSource(Glide(200, 200), Glide(10, 6), span=RATE * 600),
    ):
        whole = make().render(start, count)
        fresh = make()  # another source, rendering the window in two parts, later part first
        later = fresh.render(start + cut, count - cut)
        parts = np.concatenate([fresh.render(start, cut), later])
        np.testing.assert_array_equal(whole, parts)


# --- the breathing tone against the voice ----------------------------------------------------

BREATH = """
title: Breath level
sections:
  - title: A
    steps:
      - say: Let us breathe together now, slowly and gently, in and out, at an easy pace.
      - breathe: {pattern: 4-6, cycles: 2, cues: tone}
      - breathe: {pattern: 4-6, cycles: 1, cues: tone, volume: -6dB}
"""


def voiced_rms_db(x: np.ndarray) -> float:
    """RMS over the voiced 50 ms frames, as speech is levelled."""
    frames = x[: x.shape[0] // 2205 * 2205].reshape(-1, 2205, x.shape[1])
    rms = np.sqrt(np.mean(frames**2, axis=(1, 2)))
    voiced = rms[rms > rms.max() * 10 ** (-30 / 20)]
    return float(20 * np.log10(np.sqrt(np.mean(voiced**2))))


@pytest.mark.slow
def test_the_breathing_tone_sits_about_10_db_under_the_voice(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDITATE_FAKE_TTS", "1")
    script = tmp_path / "breath.yaml"
    script.write_text(BREATH, encoding="utf-8")
    result = render(script, RenderOptions(output=tmp_path / "b.wav", format="wav", cache_dir=tmp_path / "cache"))
    samples, _ = sf.read(tmp_path / "b.wav", dtype="float64")
    entries = result.timeline.entries()
    say = next(e for e in entries if e.kind == "say")
    voice = voiced_rms_db(samples[say.start : say.end])
    moving = [e for e in entries if e.kind in ("inhale", "exhale")]
    under = []
    for entry in moving:  # the tone at full swell, away from its swells in and out
        tone = samples[entry.start + RATE : entry.end - int(1.3 * RATE)]
        under.append(20 * np.log10(np.sqrt(np.mean(tone**2))) - voice)
    print("\nbreathing tone re the voice's RMS (dB):", [f"{u:.1f}" for u in under])
    assert all(-11.5 <= u <= -8.5 for u in under[:4])
    assert all(abs(u - under[0] + 6.0) < 0.5 for u in under[4:])  # `volume: -6dB`


def test_breathe_volume_is_checked(write_script):
    path = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - breathe: {pattern: box, cycles: 1, volume: loud}\n")
    with pytest.raises(ScriptErrors, match="volume"):
        load_script(path)

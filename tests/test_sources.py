"""Sound sources, measured on the audio they produce."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import welch

from generator.core import model
from generator.core.audio import SAMPLE_RATE as RATE
from generator.core.errors import InputError, Position
from generator.sources.breath import breath_tone
from generator.sources.files import FileLoopSource, load_sound
from generator.sources.noise import NOISE_RMS, NoiseSource
from generator.sources.tones import BinauralSource, IsochronicSource, ToneSource, pulse_gate
from generator.core.audio import VOICE_RMS_DB
from generator.core.units import Glide

HERE = Position("test.yaml", 1, 1)


def peak_frequency(signal: np.ndarray, rate: int = RATE) -> float:
    """The strongest frequency, refined by parabolic interpolation on a zero-padded FFT."""
    size = 1 << int(np.ceil(np.log2(signal.shape[0] * 4)))
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(signal.shape[0]), n=size))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-30)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * rate / size


def slope_db_per_octave(signal: np.ndarray) -> float:
    freqs, power = welch(signal, RATE, nperseg=8192)
    band = (freqs >= 100) & (freqs <= 8000)
    return float(np.polyfit(np.log2(freqs[band]), 10 * np.log10(power[band]), 1)[0])


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-20))


# --- tones ------------------------------------------------------------------------------


def test_binaural_peaks_at_carrier_minus_and_plus_half_the_beat():
    source = BinauralSource(Glide(200, 200), Glide(10, 10), span=RATE * 60)
    block = source.render(RATE * 1234, RATE * 8)  # deep into the track: phase stays exact
    assert abs(peak_frequency(block[:, 0]) - 195.0) <= 0.3
    assert abs(peak_frequency(block[:, 1]) - 205.0) <= 0.3


def test_binaural_glide_reaches_its_end_and_holds_it():
    span = RATE * 20
    source = BinauralSource(Glide(200, 180), Glide(10, 6), span=span)
    early = source.render(0, RATE // 2)
    late = source.render(span + RATE, RATE * 4)
    assert abs(peak_frequency(early[:, 0]) - 195.0) < 1.0
    assert abs(peak_frequency(late[:, 0]) - 177.0) <= 0.3
    assert abs(peak_frequency(late[:, 1]) - 183.0) <= 0.3


def test_glide_end_is_phase_continuous():
    span = RATE * 2
    tone = ToneSource(Glide(300, 150), span=span, drift=False).render(0, span * 2)[:, 0]  # the bare oscillator
    steps = np.abs(np.diff(tone))
    around_end = steps[span - 200 : span + 200]
    # A sine's largest step is 2*pi*f/rate; at the end of the glide f is 150 Hz.
    assert around_end.max() <= 2 * np.pi * 150 / RATE * 1.01
    assert steps.max() <= 2 * np.pi * 300 / RATE * 1.01


@settings(max_examples=25, deadline=None)
@given(start=st.integers(-RATE, RATE * 3600 * 3), count=st.integers(1, 5000), cut=st.integers(0, 5000))
def test_tone_windows_render_independently(start: int, count: int, cut: int):
    source = IsochronicSource(Glide(180, 140), Glide(7, 4), span=RATE * 600)
    cut = min(cut, count)
    whole = source.render(start, count)
    parts = np.concatenate([source.render(start, cut), source.render(start + cut, count - cut)])
    np.testing.assert_array_equal(whole, parts)


def test_isochronic_gate_is_smooth_and_pulses_at_the_rate():
    phase = np.linspace(0, 1, 100_001)
    gate = pulse_gate(phase)
    assert gate.min() == 0.0 and gate.max() == 1.0
    # Raised-cosine edges: the gate's slope is bounded (a hard on/off would be a step).
    assert np.abs(np.diff(gate)).max() < 5e-4
    assert abs(gate[0] - gate[-1]) < 1e-9  # one period joins the next

    carrier, pulse = 180.0, 7.0
    block = IsochronicSource(Glide(carrier, carrier), Glide(pulse, pulse), span=RATE).render(RATE * 10, RATE * 4)
    left = block[:, 0].astype(np.float64)
    period = int(RATE / carrier)
    envelope = np.convolve(np.abs(left), np.ones(period) / period, mode="same")
    assert abs(peak_frequency(envelope - envelope.mean()) - pulse) < 0.2
    # No step larger than the carrier's own plus the gate's steepest edge.
    edge = np.pi / 2 / (0.15 * RATE / pulse)
    assert np.abs(np.diff(left)).max() <= 2 * np.pi * carrier / RATE + edge


# --- noise ------------------------------------------------------------------------------


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", -3.0), ("brown", -6.0)])
def test_noise_slopes(color: str, slope: float):
    block = NoiseSource(color, seed=7).render(RATE * 100, RATE * 20)
    for channel in (0, 1):
        assert abs(slope_db_per_octave(block[:, channel]) - slope) <= 0.8


def test_noise_is_reproducible_random_access_and_stereo():
    a = NoiseSource("pink", seed=3)
    b = NoiseSource("pink", seed=3)
    whole = a.render(50_000, 100_000)
    np.testing.assert_array_equal(b.render(120_000, 30_000), whole[70_000:])
    np.testing.assert_array_equal(b.render(50_000, 10_000), whole[:10_000])  # going back works too
    assert not np.array_equal(NoiseSource("pink", seed=4).render(50_000, 1000), whole[:1000])
    assert abs(np.corrcoef(whole[:, 0], whole[:, 1])[0, 1]) < 0.05


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_noise_level_is_stable_everywhere(color: str):
    source = NoiseSource(color, seed=1)
    target = 20 * np.log10(NOISE_RMS)
    for start in (0, RATE * 7, RATE * 3600 * 5 + 12345):  # also five hours in
        block = source.render(start, RATE * 3)
        for second in range(3):
            assert abs(rms_db(block[second * RATE : (second + 1) * RATE]) - target) < 1.5


# --- files ------------------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_load_sound_reads_resamples_and_makes_stereo(tmp_path: Path, ext: str):
    t = np.arange(48_000) / 48_000
    path = tmp_path / f"tone.{ext}"
    sf.write(path, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 48_000)
    samples = load_sound(path)
    assert samples.dtype == np.float32 and samples.ndim == 2 and samples.shape[1] == 2
    assert abs(samples.shape[0] - RATE) < 3000  # MP3 adds encoder padding
    middle = samples[10_000:30_000, 0]
    assert abs(peak_frequency(middle) - 440.0) < 0.5
    np.testing.assert_array_equal(samples[:, 0], samples[:, 1])


def test_load_sound_errors_name_the_file(tmp_path: Path):
    with pytest.raises(InputError, match="missing.wav"):
        load_sound(tmp_path / "missing.wav")
    junk = tmp_path / "notes.wav"
    junk.write_text("this is not audio")
    with pytest.raises(InputError, match="notes.wav"):
        load_sound(junk)


def test_file_loop_seam_has_no_jump(tmp_path: Path):
    # 3.3 s of a 61.7 Hz tone plus a slow drift: a plain wrap would jump at the seam.
    n = int(3.3 * 32_000)
    t = np.arange(n) / 32_000
    signal = 0.6 * np.sin(2 * np.pi * 61.7 * t) + 0.2 * t / t[-1]
    path = tmp_path / "loop.flac"
    sf.write(path, signal.astype(np.float32), 32_000)
    raw = load_sound(path)[:, 0]
    largest_own_step = np.abs(np.diff(raw[1000:-1000])).max()  # away from the file's own edges
    assert abs(raw[-1] - raw[0]) > 5 * largest_own_step  # the test can tell a click

    loop = FileLoopSource(path)
    out = loop.render(0, loop.period * 3 + 500)[:, 0]
    for seam in (loop.period, 2 * loop.period, 3 * loop.period):
        around = out[seam - 2000 : seam + 2000]
        assert np.abs(np.diff(around)).max() <= largest_own_step * 1.05
    # Random access across a seam equals the same samples rendered in one go.
    np.testing.assert_array_equal(loop.render(loop.period - 100, 300)[:, 0], out[loop.period - 100 : loop.period + 200])
    np.testing.assert_array_equal(loop.render(loop.period * 7 + 5, 50)[:, 0], out[5:55])


# --- breath -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind, rising", [("inhale", True), ("exhale", False)])
def test_breath_tone_follows_the_breath(kind: str, rising: bool):
    samples = RATE * 4
    tone = breath_tone(kind, samples)
    assert tone.shape == (samples, 2) and tone.dtype == np.float32
    # At full swell its RMS is the voice's level; the planner sets it under the voice.
    assert abs(rms_db(tone[RATE : 2 * RATE]) - VOICE_RMS_DB) < 1.0
    first = peak_frequency(tone[RATE // 4 : RATE, 0].astype(np.float64))
    last = peak_frequency(tone[3 * RATE : samples - RATE // 4, 0].astype(np.float64))
    assert (last > first * 1.2) if rising else (first > last * 1.2)
    assert 200 < min(first, last) and max(first, last) < 350
    assert np.abs(tone[0]).max() < 1e-3 and np.abs(tone[-1]).max() < 1e-3  # swells in and out
    np.testing.assert_array_equal(tone, breath_tone(kind, samples))  # the same every time


def test_breath_tone_is_soft_and_warm():
    """A sine, a touch of the octave below, soft breath noise: no upper harmonics."""
    tone = breath_tone("hold", RATE * 4)[RATE : 3 * RATE, 0].astype(np.float64)  # steady at 330 Hz
    freqs, power = welch(tone, RATE, nperseg=16384)

    def band_db(low: float, high: float) -> float:
        return float(10 * np.log10(power[(freqs >= low) & (freqs <= high)].sum()))

    main = band_db(320, 340)
    assert -20 < band_db(160, 170) - main < -10  # the low octave, for warmth
    for harmonic in (2, 3):  # no hard harmonics
        assert band_db(330 * harmonic - 10, 330 * harmonic + 10) - main < -35
    assert -32 < band_db(400, 2500) - main < -15  # breath noise, far under the tone
    assert abs(np.corrcoef(*breath_tone("inhale", RATE * 2)[:, :].T)[0, 1]) > 0.95  # centred

"""Loudness meter against pyloudnorm; the true-peak limiter holds its ceiling and is transparent below it."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from generator.output import open_encoder
from generator.sources.metering import LoudnessMeter, TruePeakLimiter, true_peak_db

RATE = 44_100


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def pink(n: int, channels: int = 2, seed: int = 1) -> np.ndarray:
    """Pink noise by Paul Kellet's economy filter, scaled to about 0.1 RMS."""
    white = rng(seed).normal(size=(n, channels))
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1, -2.494956002, 2.017265875, -0.522189400]
    out = signal.lfilter(b, a, white, axis=0)
    return out / np.sqrt(np.mean(out**2)) * 0.1


def speech_like(n: int, seed: int = 2) -> np.ndarray:
    """Band-passed noise in syllable-rate bursts with pauses between phrases."""
    noise = rng(seed).normal(size=n)
    sos = signal.butter(4, [200, 4000], btype="band", fs=RATE, output="sos")
    voiced = signal.sosfilt(sos, noise)
    t = np.arange(n) / RATE
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
    phrases = (np.sin(2 * np.pi * 0.15 * t) > -0.3).astype(float)
    mono = 0.3 * voiced * syllables * phrases
    return np.stack([mono, mono], axis=1)


def bells(n: int, level: float = 1.8) -> np.ndarray:
    """Loud struck partials every three seconds: far above any ceiling at their attack."""
    t = np.arange(n) / RATE
    env = np.zeros(n)
    for start in range(0, n, 3 * RATE):
        env[start:] += np.exp(-2.0 * t[: n - start])
    tone = np.sin(2 * np.pi * 528 * t) + 0.5 * np.sin(2 * np.pi * 1398 * t + 0.4)
    return np.stack([level * env * tone, 0.8 * level * env * tone], axis=1)


def measure(x: np.ndarray, block: int = 32_768) -> float:
    meter = LoudnessMeter(RATE, 1 if x.ndim == 1 else x.shape[1])
    for start in range(0, x.shape[0], block):
        meter.add(x[start : start + block].astype(np.float32))
    return meter.integrated()


def limit(x: np.ndarray, block: int = 32_768, **options) -> tuple[np.ndarray, list[int]]:
    limiter = TruePeakLimiter(RATE, x.shape[1], **options)
    parts = [limiter.process(x[start : start + block]) for start in range(0, x.shape[0], block)]
    parts.append(limiter.flush())
    return np.concatenate(parts), [p.shape[0] for p in parts]


# --- the meter ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, make",
    [
        ("white noise", lambda: rng().normal(0, 0.1, (RATE * 12, 2))),
        ("pink noise", lambda: pink(RATE * 12)),
        ("sine", lambda: np.stack([0.5 * np.sin(2 * np.pi * 997 * np.arange(RATE * 9) / RATE)] * 2, axis=1)),
        ("mono sine", lambda: 0.25 * np.sin(2 * np.pi * 100 * np.arange(RATE * 7 + 1234) / RATE)),
        ("speech-like bursts", lambda: speech_like(RATE * 30)),
        ("mostly silence", lambda: np.concatenate([speech_like(RATE * 4), 1e-4 * pink(RATE * 40)])),
    ],
)
def test_meter_agrees_with_pyloudnorm(name, make):
    x = make()
    reference = pyloudnorm.Meter(RATE).integrated_loudness(x)
    assert measure(x) == pytest.approx(reference, abs=0.01), name


@pytest.mark.parametrize("rate", [48_000, 22_050])
def test_meter_agrees_at_other_rates(rate):
    x = rng(5).normal(0, 0.05, (rate * 6, 2)) * np.linspace(0.2, 1.0, rate * 6)[:, None]
    meter = LoudnessMeter(rate, 2)
    for start in range(0, x.shape[0], 4_000):
        meter.add(x[start : start + 4_000])
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(rate).integrated_loudness(x), abs=0.01)


def test_meter_does_not_depend_on_block_size():
    x = speech_like(RATE * 10)
    assert measure(x, 333) == pytest.approx(measure(x, 65_536), abs=1e-9)


def test_a_gain_moves_loudness_by_as_much():
    x = pink(RATE * 8)
    assert measure(x * 2.0) - measure(x) == pytest.approx(20 * np.log10(2.0), abs=1e-6)


def test_silence_and_near_silence_are_minus_infinity():
    assert measure(np.zeros((RATE * 3, 2))) == float("-inf")
    assert measure(1e-6 * pink(RATE * 3)) == float("-inf")  # below the -70 LUFS gate
    assert LoudnessMeter(RATE, 2).integrated() == float("-inf")  # nothing measured


# --- true peak ---------------------------------------------------------------------------------


def test_true_peak_sees_between_samples():
    # A quarter-rate sine sampled at 45 degrees: every sample is 0.707 of the real peak.
    # (Faded in and out: an abrupt start would ring in any interpolator.)
    x = 0.9 * np.sin(2 * np.pi * (RATE / 4) * np.arange(RATE) / RATE + np.pi / 4) * signal.windows.tukey(RATE, 0.2)
    sample_peak = 20 * np.log10(np.max(np.abs(x)))
    assert sample_peak == pytest.approx(20 * np.log10(0.9 * np.sqrt(0.5)), abs=0.01)
    assert true_peak_db(x, RATE) == pytest.approx(20 * np.log10(0.9), abs=0.05)
    assert true_peak_db(np.zeros(100), RATE) == float("-inf")


# --- the limiter --------------------------------------------------------------------------------

HOT = {
    "bells over pink noise": lambda: pink(RATE * 12) * 2 + bells(RATE * 12),
    "square wave": lambda: np.repeat(1.4 * np.sign(np.sin(2 * np.pi * 110 * np.arange(RATE * 4) / RATE))[:, None], 2, 1),
    "inter-sample overs": lambda: np.repeat(
        (0.97 * np.sin(2 * np.pi * (RATE / 4) * np.arange(RATE * 2) / RATE + np.pi / 4))[:, None], 2, 1
    ),
    "speech pushed 12 dB": lambda: speech_like(RATE * 10) * 4,
}


@pytest.mark.parametrize("name", list(HOT))
def test_limiter_holds_the_ceiling(name):
    x = HOT[name]().astype(np.float32)
    assert true_peak_db(x, RATE) > -0.5
    y, sizes = limit(x)
    assert y.shape == x.shape and y.dtype == np.float32
    assert true_peak_db(y, RATE) <= -1.0, name


def test_limiter_keeps_length_and_order_with_any_block_size():
    x = (pink(RATE * 5) * 2 + bells(RATE * 5)).astype(np.float32)
    y1, sizes = limit(x, block=32_768)
    y2, _ = limit(x, block=1_001)
    assert sum(sizes) == x.shape[0]
    assert sizes[0] < 32_768  # the look-ahead holds some back at first, flush gives it back
    np.testing.assert_array_equal(y1, y2)
    # Order preserved: output is the input times a positive gain, sample for sample.
    gain = y1[np.abs(x) > 0.05] / x[np.abs(x) > 0.05]
    assert gain.min() > 0 and gain.max() <= 1.0 + 1e-6


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=3_000), min_size=1, max_size=12), hot=st.booleans())
def test_limiter_output_does_not_depend_on_how_input_is_cut(sizes, hot):
    n = sum(sizes)
    x = (pink(n, seed=n) * (8.0 if hot else 1.0)).astype(np.float32) if n else np.zeros((0, 2), np.float32)
    whole, _ = limit(x, block=max(n, 1))
    limiter = TruePeakLimiter(RATE, 2)
    parts, at = [], 0
    for size in sizes:
        parts.append(limiter.process(x[at : at + size]))
        at += size
    parts.append(limiter.flush())
    pieces = np.concatenate(parts)
    assert pieces.shape == x.shape
    np.testing.assert_array_equal(pieces, whole)


def test_limiter_is_transparent_below_the_ceiling():
    x = (speech_like(RATE * 6) * 0.8).astype(np.float32)
    assert true_peak_db(x, RATE) < -1.5
    y, _ = limit(x, block=4_096)
    np.testing.assert_array_equal(y, x)


def test_limiter_gain_is_smooth():
    """A loud tone entering abruptly: the gain glides (no step that would click) and recovers."""
    n = RATE * 3
    t = np.arange(n) / RATE
    amplitude = np.where((t > 1.0) & (t < 1.5), 2.0, 0.3)
    x = np.repeat((amplitude * np.sin(2 * np.pi * 220 * t))[:, None], 2, 1).astype(np.float32)
    y, _ = limit(x)
    where = np.nonzero(np.abs(x[:, 0]) > 0.1)[0]
    gain = y[where, 0] / x[where, 0]
    slope = np.abs(np.diff(gain)) / np.diff(where)
    assert slope.max() < 0.01  # at most 1 % per sample: a glide over milliseconds, no step
    assert gain.min() < 0.5  # it did limit
    assert gain[t[where] > 2.8].min() > 0.99  # and let go again after the release


def test_limited_mp3_keeps_true_peak_after_decoding(tmp_path):
    x = (pink(RATE * 8) * 2 + bells(RATE * 8)).astype(np.float32)
    y, _ = limit(x)
    path = tmp_path / "limited.mp3"
    encoder = open_encoder(path, "mp3")
    for start in range(0, y.shape[0], 32_768):
        encoder.write(y[start : start + 32_768])
    encoder.close()
    decoded, _ = sf.read(str(path), always_2d=True)
    assert decoded.shape == x.shape
    assert true_peak_db(decoded, RATE) <= -0.5


def test_normalise_then_limit_lands_on_target():
    """The renderer's two passes in miniature: measure, one gain, limit; loudness within 1 LU."""
    x = (speech_like(RATE * 20) * 0.2 + 0.3 * bells(RATE * 20)).astype(np.float32)
    target = -16.0
    gain = 10 ** ((target - measure(x)) / 20)
    y, _ = limit(x * gain)
    assert measure(y) == pytest.approx(target, abs=1.0)
    assert true_peak_db(y, RATE) <= -1.0


@pytest.mark.parametrize(
    "name, level_db",
    [("pink and bells", -12.0), ("pink and bells", -3.0), ("pink and bells", 0.0), ("overs between samples", -1.0)],
)
def test_detector_filters_only_where_a_peak_could_reach_the_level(name, level_db):
    """Skipping the filter where the bound says so never changes a peak at or above the level."""
    from generator.sources.metering import InterSamplePeaks

    if name == "overs between samples":  # samples at 0.69, the waveform between them at 0.97, half the time
        t = np.arange(RATE * 4)
        x = np.repeat((0.97 * np.sin(np.pi / 2 * t + np.pi / 4) * (t % RATE < RATE // 2))[:, None], 2, 1)
    else:
        x = (pink(RATE * 4) * 1.5 + bells(RATE * 4, level=0.6)).astype(np.float64)
    level = 10 ** (level_db / 20)
    full, selective = InterSamplePeaks(2), InterSamplePeaks(2)
    exact = np.concatenate([full(x[i : i + 5_000]) for i in range(0, x.shape[0], 5_000)])
    quick = np.concatenate([selective(x[i : i + 5_000], skip_below=level) for i in range(0, x.shape[0], 5_000)])
    loud = exact > level
    assert loud.any() and not loud.all()
    np.testing.assert_array_equal(quick[loud], exact[loud])
    assert np.all(quick[~loud] <= level)
    assert np.all(quick <= exact)  # sample peaks where it skipped, never more

"""Building blocks for the procedural soundscapes made by `make_audio_assets.py`.

Every sound is synthesized as one period of a periodic signal, so it loops without a
seam: noise is shaped in the frequency domain of the whole loop (an inverse FFT is
periodic), slow controls are Fourier series with a whole number of cycles per loop,
events that run past the end wrap round to the start, and reverberation is a circular
convolution. Nothing is crossfaded, nothing is cut.
"""

from __future__ import annotations

import numpy as np

RATE = 44_100


def seconds(n: int) -> np.ndarray:
    """Times of `n` samples in seconds."""
    return np.arange(n) / RATE


def lfo(n: int, rng: np.random.Generator, cycles: tuple[int, int], tilt: float = 1.0) -> np.ndarray:
    """A smooth random control in [-1, 1] that is periodic over the loop.

    A sum of sines with `cycles[0]..cycles[1]` whole cycles per loop, random phases,
    amplitudes falling as 1/k**tilt; evaluated at 1/100 s and interpolated (cheap).
    """
    control = max(64, n // 441)
    u = np.arange(control) / control
    out = np.zeros(control)
    for k in range(cycles[0], cycles[1] + 1):
        out += rng.normal() / k**tilt * np.sin(2 * np.pi * (k * u + rng.random()))
    out /= np.max(np.abs(out)) or 1.0
    return stretch(out, n)


def stretch(control: np.ndarray, n: int) -> np.ndarray:
    """A periodic control of any length interpolated to `n` samples (wrapping at the end)."""
    m = control.shape[0]
    positions = np.arange(n) * (m / n)
    return np.interp(positions, np.arange(m + 1), np.concatenate([control, control[:1]]))


def log_bands(low: float, high: float, per_octave: float) -> np.ndarray:
    """Centre frequencies spaced `1/per_octave` octave apart."""
    count = int(np.floor(np.log2(high / low) * per_octave)) + 1
    return low * 2.0 ** (np.arange(count) / per_octave)


def band_masks(n: int, centres: np.ndarray) -> np.ndarray:
    """Power-complementary raised-cosine bands on a log-frequency axis, shape (bands, n//2+1).

    Neighbouring bands overlap so that the squares of all masks sum to one between the
    first and the last centre: shaped with equal gains, the bands rebuild the noise.
    """
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    octave = np.log2(np.maximum(freqs, 1.0))
    spacing = np.log2(centres[1] / centres[0])
    masks = np.zeros((centres.shape[0], freqs.shape[0]), dtype=np.float32)
    for i, centre in enumerate(np.log2(centres)):
        u = np.clip((octave - centre) / spacing, -1.0, 1.0)
        mask = np.cos(0.5 * np.pi * u)
        if i == 0:
            mask[octave < centre] = 1.0
        if i == centres.shape[0] - 1:
            mask[octave > centre] = 1.0
        masks[i] = mask
    return masks


def banded_noise(n: int, rng: np.random.Generator, centres: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Periodic noise whose spectrum moves: band `b` sounds at `gains[b]`.

    `gains` is a (bands, controls) array of amplitudes over one loop, interpolated to
    samples. This is a time-varying filter built as a filter bank: white noise split into
    overlapping bands, each band scaled by its own control, summed.
    """
    masks = band_masks(n, centres)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    out = np.zeros(n)
    for b in range(centres.shape[0]):
        band = np.fft.irfft(spectrum * masks[b], n)
        out += band * stretch(gains[b], n)
    return out


def control_times(n: int, step: float = 0.01) -> np.ndarray:
    """Times (s) of the control points used by `banded_noise` gains: every `step` seconds."""
    count = int(round(n / RATE / step))
    return np.arange(count) * (n / RATE / count)


def sparse_impulses(n: int, rng: np.random.Generator, rate: float, density: np.ndarray | None = None) -> np.ndarray:
    """Poisson impulses with log-normal amplitudes (capped, so no single grain jumps out)
    and random signs: the raw grain of patter, foam or rustle; `density` (a periodic
    control in [0, 1]) thins them."""
    count = rng.poisson(rate * n / RATE)
    where = rng.integers(0, n, count)
    if density is not None:
        where = where[rng.random(count) < stretch(density, n)[where]]
    out = np.zeros(n)
    np.add.at(out, where, np.minimum(rng.lognormal(0.0, 0.6, where.shape[0]), 4.0) * rng.choice([-1.0, 1.0], where.shape[0]))
    return out


def shaped_noise(n: int, rng: np.random.Generator, response) -> np.ndarray:
    """Periodic Gaussian noise with magnitude response `response(freqs)`."""
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n)) * response(freqs)
    return np.fft.irfft(spectrum, n)


def pink(freqs: np.ndarray) -> np.ndarray:
    return 1.0 / np.sqrt(np.maximum(freqs, 20.0))


def lowpass(freqs: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    return 1.0 / np.sqrt(1.0 + (freqs / cutoff) ** (2 * order))


def highpass(freqs: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    f = np.maximum(freqs, 1e-3)
    return 1.0 / np.sqrt(1.0 + (cutoff / f) ** (2 * order))


def circular_filter(signal: np.ndarray, response) -> np.ndarray:
    """Filter a periodic signal (1-D or (n, c)) by a zero-phase magnitude response."""
    n = signal.shape[0]
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    gain = response(freqs)
    if signal.ndim == 2:
        gain = gain[:, None]
    return np.fft.irfft(np.fft.rfft(signal, axis=0) * gain, n, axis=0)


def add_wrapped(buffer: np.ndarray, start: int, event: np.ndarray) -> None:
    """Add `event` into the periodic `buffer` from sample `start`, wrapping past the end."""
    n = buffer.shape[0]
    start %= n
    length = event.shape[0]
    first = min(length, n - start)
    buffer[start : start + first] += event[:first]
    rest = length - first
    while rest > 0:
        take = min(rest, n)
        buffer[:take] += event[first : first + take]
        first += take
        rest -= take


def pan(mono: np.ndarray, position: float) -> np.ndarray:
    """Constant-power pan, `position` from -1 (left) to 1 (right), as (n, 2)."""
    angle = 0.25 * np.pi * (position + 1.0)
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)], axis=1)


def reverb(signal: np.ndarray, rng: np.random.Generator, decay: float, brightness: float = 4000.0) -> np.ndarray:
    """A diffuse room/outdoor tail by circular convolution with decaying stereo noise.

    `decay` is the RT60 in seconds; the tail darkens as it decays (high frequencies die
    faster), which is what makes a synthetic reverb sound like air rather than metal.
    """
    n = signal.shape[0]
    length = int(decay * RATE)
    t = np.arange(length) / RATE
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    out = np.zeros_like(signal)
    for ch in range(2):
        early = rng.standard_normal(length) * 10 ** (-3 * t / decay)
        dark = rng.standard_normal(length) * 10 ** (-3 * t / (0.5 * decay))
        ir = np.zeros(n)
        ir[:length] = 0.5 * early + 0.5 * dark  # a crude two-rate tail
        ir[: int(0.01 * RATE)] *= np.linspace(0, 1, int(0.01 * RATE))
        ir /= np.sqrt(np.sum(ir**2))
        response = np.fft.rfft(ir) * lowpass(freqs, brightness, 1)
        source = signal[:, ch] if signal.ndim == 2 else signal
        out[:, ch] = np.fft.irfft(np.fft.rfft(source) * response, n)
    return out


def decaying_burst(rng: np.random.Generator, tau: float, centre: float, q: float, length: float) -> np.ndarray:
    """A short noise burst with an exponential decay, band-passed around `centre` Hz, peak 1.

    An impact on a surface: a broadband excitation filtered by what was hit. The
    band-pass is a two-pole resonator (scipy), so each burst has its own colour.
    """
    from scipy.signal import lfilter

    n = max(8, int(length * RATE))
    t = np.arange(n) / RATE
    excitation = rng.standard_normal(n) * np.exp(-t / tau)
    r = np.exp(-np.pi * centre / q / RATE)
    theta = 2 * np.pi * centre / RATE
    b = [1 - r, 0, -(1 - r)]
    a = [1, -2 * r * np.cos(theta), r * r]
    out = lfilter(b, a, excitation)
    fade = min(n, int(0.002 * RATE))
    out[-fade:] *= np.linspace(1, 0, fade)
    return out / (np.max(np.abs(out)) or 1.0)


def bubble(f0: float, amplitude: float, rise: float, rate: float = RATE) -> np.ndarray:
    """One resonating bubble (van den Doel's model): a sine whose pitch rises as it decays.

    Minnaert frequency f0 = 3.26/r; the damping d = 0.043 f0 + 0.0014 f0**1.5 (viscous,
    thermal and radiation losses), and the frequency rises as f0 (1 + rise d t) while the
    bubble nears the surface. Fades in over 0.3 ms so the onset is a soft knock, not a click.
    """
    d = 0.043 * f0 + 0.0014 * f0**1.5
    length = min(0.25, 7.0 / d)
    t = np.arange(int(length * rate)) / rate
    freq = f0 * (1.0 + rise * d * t)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    env = np.exp(-d * t)
    attack = max(2, int(0.0003 * rate * (1 + 2000 / f0)))
    env[:attack] *= np.sin(0.5 * np.pi * np.arange(attack) / attack) ** 2
    env[-32:] *= np.linspace(1, 0, min(32, env.shape[0]))
    return amplitude * env * np.sin(phase)

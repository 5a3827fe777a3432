"""Test takes: speech-like recordings with a lead-in, a steady room noise, any format and rate.

A "word" is two syllables of a voiced sound (a 130-180 Hz glide with eleven harmonics,
raised-cosine envelopes), words are separated by 350 ms pauses, and a second of room
precedes and follows the speech. The room is steady low-passed noise, so the spectral
gate has something real to remove and the gaps between words can be measured.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORD_GAP = 0.35
SYLLABLE = 0.25
LEAD = 1.0


def speech_like(words: int, rate: int, seed: int) -> np.ndarray:
    """Voiced syllables in words, at an RMS of 1 over the voiced part (no room yet)."""
    rng = np.random.default_rng(seed)
    parts = []
    for index in range(words):
        if index:
            parts.append(np.zeros(int(WORD_GAP * rate)))
        for _ in range(2):
            n = int(SYLLABLE * rate)
            t = np.arange(n) / rate
            f0 = 130 + 20 * rng.random() + 30 * t
            phase = 2 * np.pi * np.cumsum(f0) / rate
            voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
            parts.append(voiced * np.sin(np.pi * t / SYLLABLE) ** 2)
    speech = np.concatenate(parts)
    return speech / np.sqrt(np.mean(speech[np.abs(speech) > 1e-3] ** 2))


def take(words: int, rate: int, *, level_db: float, noise_db: float, seed: int = 1) -> np.ndarray:
    """A mono take: a second of room, the words at `level_db` RMS, a second of room, noise at `noise_db`."""
    from scipy.signal import lfilter

    speech = speech_like(words, rate, seed) * 10 ** (level_db / 20)
    pad = np.zeros(int(LEAD * rate))
    signal = np.concatenate([pad, speech, pad])
    noise = lfilter([1.0], [1.0, -0.9], np.random.default_rng(seed + 100).standard_normal(signal.size))
    noise *= 10 ** (noise_db / 20) / noise.std()
    return (signal + noise).astype(np.float32)


def write_take(path: Path, samples: np.ndarray, rate: int, *, stereo: bool = False) -> Path:
    """Write a take as WAV, FLAC or OGG (by the suffix), mono or stereo."""
    import soundfile

    data = np.stack([samples, samples * 0.9], axis=1) if stereo else samples
    subtype = {".wav": "PCM_16", ".flac": "PCM_16", ".ogg": "VORBIS"}[path.suffix]
    soundfile.write(str(path), data, rate, subtype=subtype)
    return path


def levels_db(samples: np.ndarray, rate: int, window: float = 0.02) -> np.ndarray:
    """RMS of consecutive windows, in dB."""
    n = max(1, int(window * rate))
    count = samples.shape[0] // n
    frames = samples[: count * n].astype(np.float64).reshape(count, n)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)

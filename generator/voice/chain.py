"""The voice chain: what a producer puts on a narration take before it meets the mix.

A function over samples, so synthesized speech and recorded takes go through the same
chain. It runs where utterances are prepared (its result is cached; CHAIN_VERSION is in
the cache key), between two levellings: the input is brought to the voice level first, so
the thresholds below mean the same for every engine and every take.

- **High-pass** at 85 Hz, 12 dB/octave (two first-order stages): rumble and breath pops
  under the voice's fundamental only cost headroom and muddy the bed.
- **Compression**, 2.5:1 over -18 dBFS with a slow 20 ms attack and 150 ms release:
  evens loud syllables by a few dB without flattening the phrase.
- **De-essing**: the 5 to 9 kHz band is split off (a band-pass made from a peaking
  filter), compressed hard (6:1, 10 ms attack, 100 ms release) on its own, and only the
  difference is added back:
  ``out = x + (compressed(band) - band)``, so where nothing is sibilant the voice passes
  untouched and the filters' phase never reaches the rest of the spectrum. A faster
  attack (1 ms) spreads the gain changes into clicks above 12 kHz (about 55 dB under the
  voice's peak, visible as streaks on a spectrogram); at 10 ms they stay 70 dB under it.
- **Presence**, +1.5 dB around 4 kHz, and **air**, a +2.5 dB shelf from 10 kHz: clarity
  at the low levels meditation tracks are played at.

Nothing here has latency (no look-ahead), so the clip keeps its exact length.

After the last levelling, :func:`peak_limited` holds the utterance's true peak at
VOICE_TRUE_PEAK_DB, the last stage of a narration chain: the track's loudness is
anchored on the voice (generator.master.speechlevel), and a voice whose rare plosives peak 19
dB over its loudness would otherwise meet the track's true-peak limiter by 3 dB at -16
LUFS, squeezing the bed with it. Held here, on the dry voice alone, only those peaks are
touched (a few ms each, released over VOICE_RELEASE_MS) and the track's limiter leaves
the voice alone.
"""

from __future__ import annotations

import numpy as np

from generator.core.audio import BLOCK_SAMPLES, SAMPLE_RATE
from generator.sources.metering import TruePeakLimiter

CHAIN_VERSION = "2"
"""Bump when the chain's sound changes, so cached utterances are prepared again."""

HIGH_PASS_HZ = 85.0
COMPRESSOR_THRESHOLD_DB = -18.0
"""Against a voice levelled to -20 dBFS RMS, only the loudest syllables go over it (by up
to about 8 dB): at 2.5:1 they come down by about 2 to 5 dB, the phrase keeps its shape."""
DE_ESS_BAND = (5_000.0, 9_000.0)
DE_ESS_THRESHOLD_DB = -38.0
"""Against a voice levelled to -20 dBFS RMS: the band of plain vowels stays under it, an 's' goes over."""


VOICE_TRUE_PEAK_DB = -5.0
"""A levelled utterance (voiced RMS at -20 dBFS) measures about -18 LUFS in the stereo
mix; peaks held 13 dB over that reach -3 dBTP at -16 LUFS, under the MP3 and Ogg
ceilings (-2, -2.5 dBTP) with room for the bed. Levelled speech peaked up to 19 dB over
its loudness, measured over the library's sentences."""

VOICE_RELEASE_MS = 60.0
"""Short enough that the syllable after a plosive is not turned down with it."""


def peak_limited(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono speech with its true peak held at VOICE_TRUE_PEAK_DB (same length, aligned)."""

    x = np.asarray(samples, dtype=np.float32)
    if x.size == 0:
        return x
    limiter = TruePeakLimiter(rate, 1, ceiling_db=VOICE_TRUE_PEAK_DB, release_ms=VOICE_RELEASE_MS)
    # In blocks: the limiter oversamples, so a whole long utterance at once would hold
    # several times its own size (a 20-minute sentence took 2 GB); it keeps its state between blocks.
    parts = [limiter.process(x[i : i + BLOCK_SAMPLES, None]) for i in range(0, x.size, BLOCK_SAMPLES)]
    out = np.concatenate([*parts, limiter.flush()])[:, 0]
    return out.astype(np.float32)


def voice_chain(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono speech (levelled to the voice level) through high-pass, compressor, de-esser, presence and air."""
    from pedalboard import Compressor, HighpassFilter, HighShelfFilter, PeakFilter, Pedalboard

    x = np.asarray(samples, dtype=np.float32)
    if x.size == 0:
        return x
    x = Pedalboard(
        [
            HighpassFilter(HIGH_PASS_HZ),
            HighpassFilter(HIGH_PASS_HZ),
            Compressor(threshold_db=COMPRESSOR_THRESHOLD_DB, ratio=2.5, attack_ms=20.0, release_ms=150.0),
        ]
    )(x, rate)
    x = de_ess(x, rate)
    x = Pedalboard(
        [
            PeakFilter(4_000.0, gain_db=1.5, q=0.8),
            HighShelfFilter(10_000.0, gain_db=2.5, q=0.7),
        ]
    )(x, rate)
    return np.asarray(x, dtype=np.float32)


def de_ess(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Turn down the 5 to 9 kHz band only while it is loud (a split-band de-esser).

    The band is split off exactly: a peaking filter's output minus its input is a
    second-order band-pass (RBJ: ``H - 1 = (A^2 - 1) * bandpass`` with ``Q' = A * Q``),
    of unity gain and zero phase at the band's centre, so removing part of it removes
    that part of the 's' and nothing else.
    """
    from pedalboard import Compressor, PeakFilter

    low, high = DE_ESS_BAND
    centre = float(np.sqrt(low * high))
    boost = 10 ** (_SPLIT_DB / 40)  # the RBJ filter's A
    q = centre / (high - low) / boost
    band = (PeakFilter(centre, gain_db=_SPLIT_DB, q=q)(samples, rate) - samples) / (boost**2 - 1)
    squeezed = Compressor(threshold_db=DE_ESS_THRESHOLD_DB, ratio=6.0, attack_ms=10.0, release_ms=100.0)(
        band.astype(np.float32), rate
    )
    return (samples + (squeezed - band)).astype(np.float32)


_SPLIT_DB = 12.0
"""Any boost works for the split (it is divided out); a clear one keeps rounding small."""

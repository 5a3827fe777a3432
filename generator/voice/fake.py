"""A fake engine for tests and benchmarks: speech-like noise whose length follows the text.

It is fully deterministic (the text seeds the noise) and needs no model, so the whole
pipeline can be exercised in milliseconds. Select it with MEDITATE_FAKE_TTS=1.
"""

from __future__ import annotations

import hashlib

import numpy as np

from generator.core.audio import Clip
from generator.core.model import Voice

RATE = 22_050
SECONDS_PER_CHARACTER = 0.06


class FakeEngine:
    name = "fake"
    offline = True
    reads_phonemes = True

    def voice_id(self, voice: Voice) -> str:
        return f"fake:{voice.engine}:{voice.name}:{voice.speaker}"

    def synthesize(self, text: str, voice: Voice) -> Clip:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        rng = np.random.default_rng(seed)
        seconds = max(0.3, len(text) * SECONDS_PER_CHARACTER / voice.speed)
        n = int(seconds * RATE)
        t = np.arange(n) / RATE
        # Syllable-rate amplitude modulation over band-limited noise sounds (and measures) like speech.
        envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2
        carrier = np.sin(2 * np.pi * 160 * t) * 0.6 + rng.standard_normal(n) * 0.15
        pad = np.zeros(int(0.1 * RATE))
        samples = np.concatenate([pad, carrier * envelope * 0.5, pad]).astype(np.float32)
        return Clip(samples, RATE)

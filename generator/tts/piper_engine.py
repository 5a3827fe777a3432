"""Piper, the offline default engine: the bundled voice, installed voices, or any .onnx voice.

Which file a voice name means is decided in :mod:`generator.tts.voice_store`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from generator.audio import Clip
from generator.errors import EngineError, InputError
from generator.model import Voice
from generator.tts.voice_store import BUILTIN_VOICE, VOICE_NAME, builtin_voice_path, model_path

__all__ = ["BUILTIN_VOICE", "PiperEngine", "builtin_voice_path", "voice_path"]


def voice_path(name: str) -> Path:
    path = model_path(name)
    if not path.is_file():
        hint = f" (install it with: meditate voices --get {name})" if VOICE_NAME.fullmatch(name) else ""
        raise InputError(f"piper voice '{name}' not found{hint}")
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

    def __init__(self) -> None:
        self._voices: dict[Path, object] = {}

    def voice_id(self, voice: Voice) -> str:
        """The model's and its config's content (the config picks the phonemes), and the speaker:
        the same files under two names share cache entries, a changed file never does."""
        path = voice_path(voice.name)
        digests = []
        for part in (path, Path(f"{path}.json")):
            stat = part.stat() if part.is_file() else None
            digests.append(_file_digest(str(part), stat.st_size, stat.st_mtime_ns)[:16] if stat else "none")
        speaker = "" if voice.speaker is None else f":speaker={voice.speaker}"
        return f"piper:{digests[0]}:{digests[1]}{speaker}"

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
        config = SynthesisConfig(speaker_id=voice.speaker, length_scale=1.0 / voice.speed, normalize_audio=False)
        chunks = [chunk.audio_float_array for chunk in piper_voice.synthesize(text, config)]
        rate = piper_voice.config.sample_rate
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return Clip(samples.astype(np.float32), rate)

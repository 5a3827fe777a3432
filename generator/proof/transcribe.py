"""The recogniser: Whisper through faster-whisper, offline, one sentence at a time.

faster-whisper is an optional extra (`pip install 'meditate[proof]'`): without it, or
without a model, the proof stops with one line saying how to get them (exit 1). A model
is a name (faster-whisper fetches it once when the machine is online, then keeps it in
its cache) or a folder holding a CTranslate2 Whisper model (`model.bin`, `config.json`,
`tokenizer.json`), which works on a machine that is never online.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from generator.core.errors import MeditateError

RATE = 16_000
"""Whisper hears 16 kHz mono."""

DEFAULT_MODEL = "tiny.en"
"""The model measured in docs/proof.md: small (75 MB) and quick on two cores; its mistakes
are mostly homophones, which the comparison by sound forgives."""

INSTALL_HINT = "pip install 'meditate[proof]'"


class ProofUnavailable(MeditateError):
    """The recogniser or its model is missing: one line saying how to get them (exit 1)."""

    exit_code = 1


_NOISE = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*")
"""What Whisper writes for non-speech: [Music], (upbeat music), *sighs*."""


class Recogniser:
    """A Whisper model loaded once, transcribing short clips of 16 kHz mono float32."""

    def __init__(self, model: str | Path = DEFAULT_MODEL, language: str = "en", threads: int = 0):
        try:
            from faster_whisper import WhisperModel  # heavy (CTranslate2, tokenizers): only when proofing
        except ImportError:
            raise ProofUnavailable(f"proof-listening needs the speech recogniser: {INSTALL_HINT}") from None
        self.model_name = str(model)
        self.language = language.split("_")[0].split("-")[0] or "en"
        where = Path(model).expanduser()
        looks_like_folder = where.is_dir() or any(sep in str(model) for sep in "/\\")
        if looks_like_folder and not (where / "model.bin").is_file():
            raise ProofUnavailable(
                f"{model}: not a CTranslate2 Whisper model folder (no model.bin); give a model name "
                f"such as {DEFAULT_MODEL} or a converted model's folder"
            )
        try:
            self._model = WhisperModel(
                str(where) if looks_like_folder else str(model), device="cpu", compute_type="int8", cpu_threads=threads
            )
        except Exception as exc:  # huggingface_hub, ctranslate2 and OS errors alike: no model to hear with
            raise ProofUnavailable(
                f"cannot load the speech-recognition model '{model}' ({type(exc).__name__}); connect once to "
                f"download it, or give --model DIR (a CTranslate2 Whisper model folder)"
            ) from None

    def transcribe(self, samples: np.ndarray) -> str:
        """What was heard in `samples` (16 kHz mono float32), without non-speech labels."""
        segments, _ = self._model.transcribe(
            np.ascontiguousarray(samples, dtype=np.float32),
            language=self.language,
            beam_size=5,
            condition_on_previous_text=False,  # each sentence alone: no drift from the one before
            without_timestamps=True,
            vad_filter=False,
        )
        text = " ".join(segment.text.strip() for segment in segments)
        return " ".join(_NOISE.sub(" ", text).split())

"""The speech engines: one table, one entry per engine.

Everything the rest of the program asks about an engine is in its entry: its default
voice, whether it works offline, how a script's `voice: name` is checked (at `check`
time, with the script's folder for relative paths), how the engine is made, and the
lines `meditate voices` shows for it. The loader, the speech bank, `meditate voices` and
the command line's `--engine` choices read this table; none of them names an engine.

Adding an engine is one entry here and one module in this package with the engine class
(see :class:`generator.voice.base.Engine`) and its voice check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from yaml.nodes import Node

from generator.core.model import Voice
from generator.script.yamlnodes import NodeReader
from generator.voice import gtts_engine, piper_engine, recorded_engine
from generator.voice.base import Engine
from generator.core.errors import InputError
from generator.voice.fake import FakeEngine


@dataclass(frozen=True)
class EngineKind:
    """One speech engine and everything the program needs to know about it."""

    name: str
    default_voice: str
    offline: bool
    make: Callable[[], Engine]
    """The engine, made once per run (models load lazily on first use)."""
    check_voice: Callable[[str, Path], str]
    """(name as written, the script's folder) -> the voice name to use; raises VoiceNameError."""
    check_speaker: Callable[[str, str, Path], int]
    """(voice name, speaker as written, the script's folder) -> the speaker's number; raises VoiceNameError."""
    check_language: Callable[[Voice, Path], "tuple[str, str] | None"]
    """("error" | "warning", message) when the voice cannot speak its language well, else None."""
    voice_rows: Callable[[], list[tuple[str, ...]]]
    """Rows for `meditate voices`: engine, voice, language, quality, speakers, works, licence."""
    synthetic: bool = True
    """Speaks any text (so `--engine` and a recorded voice's `fallback` may choose it)."""
    voice_keys: tuple[str, ...] = ()
    """`voice:` keys only this engine takes; each is also a field of the model's Voice."""
    read_keys: Callable[[NodeReader, Path, Mapping[str, Node], Mapping[str, "EngineKind"], Voice, Node | None], dict] | None = None
    """(loader, the voice's entries, engine kinds, the voice in force, the voice node) -> changes
    to the Voice, for `voice_keys` (see generator.voice.recorded_engine.read_voice_keys)."""


ENGINES: dict[str, EngineKind] = {
    kind.name: kind
    for kind in (
        EngineKind(
            "piper", piper_engine.BUILTIN_VOICE, True, piper_engine.PiperEngine,
            piper_engine.check_voice_name, piper_engine.check_speaker, piper_engine.check_language,
            piper_engine.voice_rows,
        ),
        EngineKind(
            "gtts", gtts_engine.DEFAULT_ACCENT, False, gtts_engine.GttsEngine,
            gtts_engine.check_voice_name, gtts_engine.check_speaker, gtts_engine.check_language,
            gtts_engine.voice_rows,
        ),
        EngineKind(  # the practitioner's own takes; `name` is the fallback's voice (piper's unless said)
            "recorded", piper_engine.BUILTIN_VOICE, True, recorded_engine.RecordedEngine,
            piper_engine.check_voice_name, piper_engine.check_speaker, recorded_engine.check_language,
            recorded_engine.voice_rows,
            synthetic=False, voice_keys=recorded_engine.VOICE_KEYS, read_keys=recorded_engine.read_voice_keys,
        ),
    )
}
"""Every speech engine by name; the first is the default."""

DEFAULT_ENGINE = next(iter(ENGINES))

SYNTHETIC_ENGINES = tuple(name for name, kind in ENGINES.items() if kind.synthetic)
"""The engines that speak any text: `--engine` choices and a recorded voice's fallbacks."""


def make_engine(name: str) -> Engine:
    """An engine by name. MEDITATE_FAKE_TTS=1 swaps every synthetic engine for the test engine
    (recordings are real input: they are never faked)."""
    kind = ENGINES.get(name)
    if os.environ.get("MEDITATE_FAKE_TTS") and (kind is None or kind.synthetic):

        return FakeEngine()

    if kind is None:
        raise InputError(f"unknown engine '{name}'; choose one of {', '.join(ENGINES)}")
    return kind.make()

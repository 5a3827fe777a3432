"""Every recorded line has a good take, or a fallback voice, before anything is rendered.

Run when a script is loaded (so `check`, `plan` and `render` all see it): a line whose
take is missing becomes an error naming the text and the file `meditate takes` gives it,
unless its voice has a `fallback`, whose engine then speaks that line (the utterance
simply gets the fallback voice, so the planner and the speech bank need nothing special).
A take that exists but cannot serve (unreadable, empty, silent, only noise, far too long)
is an error either way: a fallback would hide a recording the practitioner believes is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from generator.core import model
from generator.core.errors import Position, ScriptError, ScriptErrors, display_path
from generator.kinds.steps import STEP_KINDS, utterances
from generator.voice.takequality import take_problem
from generator.voice.takesheet import Sheet, read_sheet, updated

RECORDED = "recorded"
"""The engine that speaks from takes (its entry is in generator.voice.engines)."""


def fallback_voice(voice: model.Voice) -> model.Voice:
    """The synthetic voice that speaks a recorded voice's missing lines (same pace and pauses).

    The loader keeps the fallback engine's voice name in a recorded voice's `name`."""
    return replace(voice, engine=voice.fallback or "piper", takes=None, fallback=None)


def recorded_texts(session: model.Session, folder: Path) -> list[str]:
    """The texts of the session spoken from `folder`'s takes, in speaking order."""
    return [u.text for u in utterances(session) if u.voice.engine == RECORDED and u.voice.takes == folder]


@dataclass
class _Resolver:
    session: model.Session
    errors: list[ScriptError]
    script: str
    sheets: dict[Path, Sheet | None] = field(default_factory=dict)
    expected: dict[Path, dict[str, str]] = field(default_factory=dict)
    reported: set[tuple[Path, str]] = field(default_factory=set)

    def sheet(self, folder: Path) -> Sheet | None:
        if folder not in self.sheets:
            try:
                self.sheets[folder] = read_sheet(folder)
            except ScriptErrors as exc:
                self.errors.extend(exc.errors)
                self.sheets[folder] = None
        return self.sheets[folder]

    def usable(self, text: str, voice: model.Voice, position: Position) -> bool:
        """Whether the line has a good take; reports what is wrong (once per text and folder)."""
        assert voice.takes is not None
        sheet = self.sheet(voice.takes)
        if sheet is None:
            return True  # the sheet's own errors are reported; do not add one per line
        row = sheet.row_for(text)
        recording = sheet.recording(row) if row else None
        first = (voice.takes, text) not in self.reported
        self.reported.add((voice.takes, text))
        if recording is None:
            if voice.fallback is None and first:
                self.errors.append(ScriptError(self._missing(text, voice.takes, row.file if row else None), position))
            return False
        problem = take_problem(recording, text)
        if problem and first:
            self.errors.append(ScriptError(problem, position))
        return True

    def _missing(self, text: str, folder: Path, named: str | None) -> str:
        if named is None:
            if folder not in self.expected:
                rows = updated(self.sheet(folder) or Sheet(folder), recorded_texts(self.session, folder))
                self.expected[folder] = {row.text: row.file for row in rows}
            named = self.expected[folder].get(" ".join(text.split()), "?")
        where = display_path(folder)
        return (
            f"no take for \"{text}\" (expected {where}/{named}; "
            f"run meditate takes {self.script} --folder {where}, or add fallback: piper to the voice)"
        )

    def voice_for(self, text: str, voice: model.Voice, position: Position) -> model.Voice:
        if voice.engine != RECORDED or voice.takes is None:
            return voice
        return voice if self.usable(text, voice, position) else fallback_voice(voice)

    def step(self, step: Any) -> Any:
        """The step with every utterance it holds revoiced; a step that speaks with one voice
        of its own (a breathing pacer's cues) falls back as a whole when one line lacks a take."""
        position = getattr(step, "position", None)
        changes = {
            f.name: self.within(getattr(step, f.name), position)
            for f in fields(step) if isinstance(getattr(step, f.name), (tuple, model.Utterance))
        }
        voice = getattr(step, "voice", None)
        if isinstance(voice, model.Voice) and voice.engine == RECORDED:
            said = [u for u in STEP_KINDS.of(step).utterances(step) if u.voice == voice]
            if any(self.voice_for(u.text, voice, position) != voice for u in said):
                changes["voice"] = fallback_voice(voice)
        return replace(step, **changes) if changes else step

    def within(self, value: Any, position: Position) -> Any:
        if isinstance(value, model.Utterance):
            return replace(value, voice=self.voice_for(value.text, value.voice, position))
        if isinstance(value, tuple):
            return tuple(self.within(item, position) for item in value)
        return value


def resolve_takes(session: model.Session, errors: list[ScriptError]) -> model.Session:
    """`session` with every recorded line checked; lines without a take get the fallback voice."""
    if not any(u.voice.engine == RECORDED for u in utterances(session)):
        return session
    resolver = _Resolver(session, errors, display_path(session.path))
    sections = tuple(
        replace(section, steps=tuple(resolver.step(step) for step in section.steps)) for section in session.sections
    )
    return replace(session, sections=sections)


def take_files(session: model.Session) -> tuple[Path, ...]:
    """Every file in the takes folders the session speaks from (its sheet and recordings):
    inputs no command may write over (generator.output.targets)."""
    folders = {u.voice.takes for u in utterances(session) if u.voice.engine == RECORDED and u.voice.takes}
    return tuple(sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()))

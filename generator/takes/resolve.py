"""Every recorded line has a good take, or a fallback voice, before anything is rendered.

Run when a script is loaded (so `check`, `plan` and `render` all see it): a line whose
take is missing becomes an error naming the text and the file `meditate takes` gives it,
unless its voice has a `fallback`, whose engine then speaks that line (the utterance
simply gets the fallback voice, so the planner and the speech bank need nothing special).
A take that exists but cannot serve (unreadable, empty, silent, only noise, far too long)
is an error either way: a fallback would hide a recording the practitioner believes is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from generator import model
from generator.errors import Position, ScriptError, ScriptErrors, display_path
from generator.takes.quality import take_problem
from generator.takes.sheet import Sheet, read_sheet, updated

RECORDED = "recorded"


def fallback_voice(voice: model.Voice) -> model.Voice:
    """The synthetic voice that speaks a recorded voice's missing lines (same pace and pauses).

    The loader keeps the fallback engine's voice name in a recorded voice's `name`."""
    return replace(voice, engine=voice.fallback or "piper", takes=None, fallback=None)


def recorded_texts(session: model.Session, folder: Path) -> list[str]:
    """The texts of the session spoken from `folder`'s takes, in speaking order."""
    return [u.text for u in session.utterances() if u.voice.engine == RECORDED and u.voice.takes == folder]


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

    def step(self, step: model.Step) -> model.Step:
        if isinstance(step, model.Say):
            parts = tuple(
                replace(part, voice=self.voice_for(part.text, part.voice, step.position))
                if isinstance(part, model.Utterance) else part
                for part in step.parts
            )
            return replace(step, parts=parts)
        if isinstance(step, model.Breathe) and step.voice.engine == RECORDED and step.cues in ("voice", "both"):
            kinds = {phase.kind for cycle in step.cycles for phase in cycle if phase.seconds > 0}
            voices = [self.voice_for(word, step.voice, step.position) for kind, word in step.words if kind in kinds]
            if any(v != step.voice for v in voices):  # one voice speaks all of a pacer's cues
                return replace(step, voice=fallback_voice(step.voice))
        return step


def resolve_takes(session: model.Session, errors: list[ScriptError]) -> model.Session:
    """`session` with every recorded line checked; lines without a take get the fallback voice."""
    if not any(u.voice.engine == RECORDED for u in session.utterances()):
        return session
    resolver = _Resolver(session, errors, display_path(session.path))
    sections = tuple(
        replace(section, steps=tuple(resolver.step(step) for step in section.steps)) for section in session.sections
    )
    return replace(session, sections=sections)

"""`meditate watch SCRIPT`: check on every save, and re-render the section being edited.

The loop is split so it can be tested by steps, without a clock:

- :func:`snapshot` reads the modification stamps of the script and its includes;
- :meth:`Watcher.step` takes one snapshot and returns what happened (nothing, the
  errors found, or the section it rendered), calling the `render` function it was given;
- :func:`run` is the loop around them: snapshot, step, wait, until Ctrl-C.

Which section is "being edited": the one given with `--section`; otherwise the section
holding the first changed line of the script (or, for a changed include, the first
section that uses it). Polling the stamps twice a second costs nothing, works on every
file system (network folders included) and needs no extra dependency.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from generator.core import model
from generator.core.errors import MeditateError, ScriptErrors, display_path, one_line
from generator.core.units import format_duration
from generator.load.loader import load_script
from generator.pipeline.rendering import RenderOptions
from generator.pipeline.rendering import render as render_track
from generator.plan.sectionpick import pick_section

Snapshot = Mapping[Path, "tuple[int, int] | None"]
"""Each watched file's (modification time in ns, size), or None while it is missing."""

POLL_SECONDS = 0.5


def snapshot(paths: set[Path] | list[Path]) -> dict[Path, tuple[int, int] | None]:
    """The stamps of `paths` now (an editor that saves by renaming changes them too)."""
    out: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            stat = path.stat()
            out[path] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            out[path] = None
    return out


@dataclass
class Outcome:
    """What one step did: `kind` is 'unchanged', 'errors', 'checked' or 'rendered'."""

    kind: str
    lines: list[str] = field(default_factory=list)
    section: str | None = None


@dataclass
class Watcher:
    """The state between two saves: the files watched, their stamps and texts, the last session."""

    script: Path
    load: Callable[[Path, set[Path]], model.Session]
    """Loads the script and adds the included files to the set (raises ScriptErrors)."""
    render: Callable[[str], str] | None
    """Renders one section by title, returning a line to show; None only checks."""
    section: str | None = None
    stamps: dict = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)
    files: set[Path] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.script = Path(self.script).resolve()
        self.files = {self.script}

    def watched(self) -> set[Path]:
        return set(self.files)

    def step(self, now: Snapshot) -> Outcome:
        """React to one snapshot: nothing if no watched file changed since the last one."""
        changed = [path for path in sorted(now) if now[path] != self.stamps.get(path, "unseen")]
        if not changed:
            return Outcome("unchanged")
        self.stamps.update(now)
        edited_lines = {path: self._changed_line(path) for path in changed}
        includes: set[Path] = set()
        try:
            session = self.load(self.script, includes)
        except ScriptErrors as exc:
            self.files = {self.script} | includes
            return Outcome("errors", [str(e) for e in exc.errors])
        except MeditateError as exc:
            return Outcome("errors", [f"error: {one_line(str(exc))}"])
        finally:
            self._watch({self.script} | (includes or self.files))
        title = self.section or _edited_section(session, self.script, edited_lines)
        steps = sum(len(s.steps) for s in session.sections)
        ok = f"{display_path(self.script)}: ok ({len(session.sections)} sections, {steps} steps)"
        if self.render is None or title is None:
            return Outcome("checked", [ok])
        try:
            return Outcome("rendered", [ok, self.render(title)], title)
        except ScriptErrors as exc:
            return Outcome("errors", [str(e) for e in exc.errors], title)
        except MeditateError as exc:
            return Outcome("errors", [f"error: {one_line(str(exc))}"], title)

    def _watch(self, files: set[Path]) -> None:
        """Watch `files` from now on; a newly included file's current state is the baseline."""
        new = files - set(self.stamps)
        self.stamps.update(snapshot(new))
        for path in new:
            self._changed_line(path)
        self.files = files

    def _changed_line(self, path: Path) -> int | None:
        """The first line (1-based) that differs from the text seen before, if any was seen."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        before = self.texts.get(path)
        self.texts[path] = text
        if before is None:
            return None
        matcher = difflib.SequenceMatcher(None, before.splitlines(), text.splitlines(), autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                return j1 + 1
        return None


def _edited_section(session: model.Session, script: Path, edited: dict[Path, int | None]) -> str | None:
    """The section holding the first changed line: in the script by its line, in an
    include by the first section with a step from that file. None if no line is known
    (the first run, or a change outside any section, such as the title)."""
    shown_script = display_path(script)
    for path, line in edited.items():
        if line is None:
            continue
        if path == script:
            chosen = None
            for section in session.sections:
                if section.position.path == shown_script and section.position.line <= line:
                    chosen = section.title
            if chosen is not None:
                return chosen
            continue
        shown = display_path(path)
        for section in session.sections:
            if any(getattr(step, "position", None) and step.position.path == shown for step in section.steps):
                return section.title
    return None


def script_watcher(
    script: Path,
    variables: Mapping[str, str],
    *,
    engine: str | None = None,
    section: str | None = None,
    output: Path | None = None,
    render: bool = True,
    use_cache: bool = True,
    cache_dir: Path | None = None,
) -> Watcher:
    """A Watcher that loads with the script's real loader and renders real previews
    (to `output`, default `<script stem>-preview.mp3` in the working folder)."""
    script = Path(script)
    preview = output or Path(f"{script.stem}-preview.mp3")
    required = tuple(variables)

    def load(path: Path, includes: set[Path]) -> model.Session:
        session = load_script(path, variables, engine=engine, required=required, files=includes)
        if section:
            pick_section([s.title for s in session.sections], section)  # a wrong --section: told at once
        return session

    def render_section(title: str) -> str:
        result = render_track(script, RenderOptions(
            output=preview, variables=variables, required_variables=required, engine=engine,
            section=title, use_cache=use_cache, cache_dir=cache_dir,
        ))
        shown = result.timeline.sections[0].title if result.timeline.sections else title
        return f"rendered '{shown}' to {result.path} ({format_duration(result.timeline.seconds)})"

    return Watcher(script, load, render_section if render else None, section)


def run(
    watcher: Watcher,
    echo: Callable[[str], None],
    wait: Callable[[], None],
    take: Callable[[set[Path]], Snapshot] = snapshot,
) -> None:
    """Watch until `wait` raises KeyboardInterrupt (Ctrl-C), showing each outcome."""
    while True:
        outcome = watcher.step(take(watcher.watched()))
        for line in outcome.lines:
            echo(line)
        wait()


def watch_until_stopped(watcher: Watcher, echo: Callable[[str, bool], None]) -> None:
    """The command's loop: each outcome's lines (errors to stderr), a look every
    POLL_SECONDS, until Ctrl-C (which ends it normally: exit code 0)."""
    import time

    echo(f"watching {display_path(watcher.script)} (Ctrl-C stops)", True)
    try:
        run(watcher, lambda line: echo(line, " error: " in line or line.startswith("error:")), lambda: time.sleep(POLL_SECONDS))
    except KeyboardInterrupt:
        echo("stopped watching", True)

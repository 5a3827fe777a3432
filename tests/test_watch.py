"""`meditate watch`, step by step: each save is a snapshot given to Watcher.step, and the
outcome says what was checked and rendered. File stamps are set explicitly (os.utime),
so nothing depends on a clock."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.load.loader import load_script
from generator.watch import Watcher, run, snapshot

pytestmark = pytest.mark.usefixtures("fake_tts")

SCRIPT = """
    title: T
    sections:
      - title: Arriving
        steps:
          - say: Hello.
      - title: Body Scan
        steps:
          - say: Feet.
          - include: parts/end.yaml
"""


def save(path: Path, text: str, stamp: int) -> None:
    """Write `text` as an editor would, with modification time `stamp` seconds."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    os.utime(path, ns=(stamp * 10**9, stamp * 10**9))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parts").mkdir()
    save(tmp_path / "parts" / "end.yaml", "steps:\n  - say: Rest.\n", 1)
    save(tmp_path / "s.yaml", SCRIPT, 1)
    return tmp_path


def make_watcher(folder: Path, section: str | None = None) -> tuple[Watcher, list[str]]:
    rendered: list[str] = []

    def load(path: Path, includes: set) -> object:
        return load_script(path, files=includes)

    def render(title: str) -> str:
        rendered.append(title)
        return f"rendered {title}"

    return Watcher(folder / "s.yaml", load, render, section), rendered


def step(watcher: Watcher):
    return watcher.step(snapshot(watcher.watched()))


def test_first_look_checks_and_watches_the_includes(folder):
    watcher, rendered = make_watcher(folder)
    outcome = step(watcher)
    assert outcome.kind == "checked" and outcome.lines[0].endswith("ok (2 sections, 3 steps)")
    assert rendered == []  # nothing edited yet, no section asked for
    assert watcher.watched() == {(folder / "s.yaml").resolve(), (folder / "parts" / "end.yaml").resolve()}
    assert step(watcher).kind == "unchanged"


def test_an_edit_re_renders_the_section_holding_the_changed_line(folder):
    watcher, rendered = make_watcher(folder)
    step(watcher)
    save(folder / "s.yaml", SCRIPT.replace("Feet.", "Feet and ankles."), 2)
    outcome = step(watcher)
    assert outcome.kind == "rendered" and outcome.section == "Body Scan"
    save(folder / "s.yaml", SCRIPT.replace("Hello.", "Welcome."), 3)
    assert step(watcher).section == "Arriving"
    assert rendered == ["Body Scan", "Arriving"]
    assert step(watcher).kind == "unchanged" and rendered == ["Body Scan", "Arriving"]


def test_an_edited_include_re_renders_the_section_using_it(folder):
    watcher, rendered = make_watcher(folder)
    step(watcher)
    save(folder / "parts" / "end.yaml", "steps:\n  - say: Rest now.\n", 2)
    assert step(watcher).section == "Body Scan"
    assert rendered == ["Body Scan"]


def test_a_mistake_shows_the_errors_and_the_fix_renders_again(folder):
    watcher, rendered = make_watcher(folder, section="body scan")
    assert step(watcher).kind == "rendered"  # a section was asked for: rendered at once
    save(folder / "s.yaml", SCRIPT.replace("say: Feet.", "say: Feet: toes"), 2)
    outcome = step(watcher)
    assert outcome.kind == "errors"
    assert outcome.lines[0].startswith("s.yaml:8:18: error: a colon inside the text of 'say'")
    assert rendered == ["body scan"]
    # the include is still watched while the script does not parse
    save(folder / "s.yaml", SCRIPT, 3)
    assert step(watcher).kind == "rendered"
    assert rendered == ["body scan", "body scan"]


def test_the_loop_shows_each_outcome_and_stops_on_ctrl_c(folder):
    watcher, rendered = make_watcher(folder)
    shown: list[str] = []
    edits = iter([lambda: save(folder / "s.yaml", SCRIPT.replace("Feet.", "Toes."), 5)])

    def wait() -> None:  # one edit between the first and second look, then Ctrl-C
        edit = next(edits, None)
        if edit is None:
            raise KeyboardInterrupt
        edit()

    with pytest.raises(KeyboardInterrupt):
        run(watcher, shown.append, wait)
    assert shown[0].endswith("ok (2 sections, 3 steps)")
    assert shown[-1] == "rendered Body Scan" and rendered == ["Body Scan"]


def test_the_command_renders_the_section_and_exits_0_on_ctrl_c(folder, monkeypatch):
    """The real command: one look, a real preview of the section, then Ctrl-C."""
    import time

    from generator.cli import cli

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupt)
    result = CliRunner(mix_stderr=False).invoke(cli, ["watch", "s.yaml", "--section", "2", "-o", "preview.wav"])
    assert result.exit_code == 0, result.stderr
    assert "stopped watching" in result.stderr
    assert result.output.splitlines()[-1].startswith("rendered 'Body Scan' to preview.wav")
    import json

    import soundfile

    timeline = json.loads((folder / "preview.json").read_text(encoding="utf-8"))
    assert [s["title"] for s in timeline["sections"]] == ["Body Scan"]
    assert soundfile.info(str(folder / "preview.wav")).duration == pytest.approx(timeline["duration"], abs=0.01)

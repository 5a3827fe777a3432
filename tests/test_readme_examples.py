"""The README's examples work as written.

Every `meditate ...` command in the README's fenced blocks is run, in order, in a fresh
folder holding a copy of `scripts/`, with the fake voice; each must exit 0. A ```csv
block is written to the file the line before it names, and the ```python block is run
too. The installation itself (`python3 -m venv ... && pip install ...`) is the
environment these tests already run in: only the `meditate` part of such a line is run.

Two kinds of example cannot run unattended, and are handled so: a script the README uses
as a stand-in for the reader's own (`evening.yaml`, not in `scripts/`) is first written
from the `minimal` template, and `meditate record` (a page waiting for a person at a
microphone; its own tests drive it) is left out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


WAITS_FOR_A_PERSON = {"record"}


def _run(args: list[str], cwd: Path, env: dict) -> None:
    done = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def blocks(text: str) -> list[tuple[str, list[str], str]]:
    """(info string, lines, the last non-blank line before the block) of each fenced block."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            info = lines[i][3:].strip()
            before = next((l for l in reversed(lines[:i]) if l.strip()), "")
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append((info, lines[i + 1 : j], before))
            i = j + 1
        else:
            i += 1
    return out


def commands(text: str) -> list[str]:
    """The `meditate` commands of the shell blocks, in order (the part after an install's `&&`)."""
    found = []
    for info, lines, _ in blocks(text):
        if info not in ("", "sh", "shell", "bash"):
            continue
        for line in lines:
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("meditate "):
                    found.append(part)
    return found


def test_the_readme_names_its_examples_and_how_to_come_back_to_the_command():
    text = README.read_text(encoding="utf-8")
    found = commands(text)
    assert "meditate render scripts/welcome.yaml -o welcome.mp3" in found
    assert any("--section" in c for c in found)
    assert any(lines == [". .venv/bin/activate"] for _, lines, _ in blocks(text))
    assert "new terminal" in text


def test_every_section_named_in_a_readme_example_exists():
    """The cheap half of the slow test below: each --section of the README picks a real section."""
    from generator.load.loader import load_script
    from generator.plan.sectionpick import pick_section

    for command in commands(README.read_text(encoding="utf-8")):
        args = shlex.split(command, comments=True)
        if "--section" in args:
            script = ROOT / args[2]
            titles = [s.title for s in load_script(script).sections]
            pick_section(titles, args[args.index("--section") + 1])


@pytest.mark.slow
def test_the_readme_examples_run_as_written(tmp_path):
    text = README.read_text(encoding="utf-8")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    for info, lines, before in blocks(text):
        if info == "csv":
            name = re.findall(r"`([^`]+\.csv)`", before)
            assert name, f"a csv block without its file name before it: {before!r}"
            (tmp_path / name[-1]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1", "PYTHONPATH": str(ROOT)}
    for command in commands(text):
        args = shlex.split(command, comments=True)
        if args[1] in WAITS_FOR_A_PERSON:
            continue
        script = tmp_path / args[2]
        if args[2].endswith(".yaml") and args[1] != "new" and not script.exists():
            _run(["new", "minimal", args[2]], tmp_path, env)  # the reader's own script
        done = subprocess.run(
            [sys.executable, "-m", "generator", *args[1:]], cwd=tmp_path, env=env,
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr and "error:" not in done.stderr, done.stderr
    for info, lines, _ in blocks(text):
        if info == "python":
            done = subprocess.run(
                [sys.executable, "-c", "\n".join(lines)], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
    preview = json.loads((tmp_path / "preview.json").read_text(encoding="utf-8"))
    assert [s["title"] for s in preview["sections"]] == ["Following the Pacer"]
    assert (tmp_path / "tracks" / "ana-relaxation.mp3").is_file() and (tmp_path / "tracks" / "ben-relaxation.mp3").is_file()
    assert (tmp_path / "my-back-session.yaml").is_file() and (tmp_path / "welcome.mp3").is_file()

"""`meditate takes`: the recording sheet, written, updated and merged over a roster."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.voice.takesheet import Row, Sheet, updated

SCRIPT = """
title: Evening
voice: {engine: recorded, takes: takes}
variables: {name: friend}
sections:
  - title: Arriving
    steps:
      - say: |
          Welcome, {name}. [pause 2s]
          Let your eyes gently close.
      - say: Let your eyes gently close.
      - breathe: {pattern: relax, cycles: 1, cues: voice}
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def rows(folder: Path) -> list[tuple[str, str]]:
    with open(folder / "takes.csv", newline="", encoding="utf-8") as handle:
        return [(row["file"], row["text"]) for row in csv.DictReader(handle)]


def test_takes_writes_one_row_per_distinct_line_in_speaking_order(write_script, tmp_path, monkeypatch):
    script = write_script(SCRIPT)
    monkeypatch.chdir(tmp_path)
    result = run("takes", str(script), "--folder", "takes", "--set", "name=Ana")
    assert result.exit_code == 0, result.output
    assert rows(tmp_path / "takes") == [
        ("001-welcome-ana.wav", "Welcome, Ana."),
        ("002-let-your-eyes-gently-close.wav", "Let your eyes gently close."),
        ("003-breathe-in.wav", "Breathe in"),
        ("004-breathe-out.wav", "Breathe out"),
    ]
    assert "4 of 4 takes missing:" in result.output
    assert "takes/001-welcome-ana.wav  Welcome, Ana." in result.output


def test_takes_keeps_existing_rows_and_names_new_lines_between_them(write_script, tmp_path, monkeypatch):
    script = write_script(SCRIPT)
    monkeypatch.chdir(tmp_path)
    assert run("takes", str(script)).exit_code == 0  # the folder comes from the script
    before = rows(tmp_path / "takes")
    (tmp_path / "takes" / "001-welcome-friend.wav").write_bytes(b"recorded")
    (tmp_path / "takes" / "002-let-your-eyes-gently-close.wav").write_bytes(b"recorded")
    edited = SCRIPT.replace("Welcome, {name}.", "Welcome, dear {name}.").replace(
        "      - say: Let your eyes gently close.\n",
        "      - say: Let your eyes gently close.\n      - say: Feel the ground beneath you.\n",
    )
    write_script(edited)
    result = run("takes", str(script), "--folder", "takes")
    assert result.exit_code == 0, result.output
    after = rows(tmp_path / "takes")
    assert after == [
        ("000a-welcome-dear-friend.wav", "Welcome, dear friend."),
        before[1],
        ("002a-feel-the-ground-beneath-you.wav", "Feel the ground beneath you."),
        before[2],
        before[3],
        before[0],  # the earlier recording of the old text is kept
    ]
    assert [name for name, _ in after[:5]] == sorted(name for name, _ in after[:5])  # still in speaking order
    assert "4 of 5 takes missing" in result.output
    again = run("takes", str(script), "--folder", "takes")
    assert "unchanged: takes/takes.csv" in again.output and rows(tmp_path / "takes") == after


def test_roster_lines_with_names_get_their_own_rows(write_script, tmp_path, monkeypatch):
    script = write_script(SCRIPT)
    roster = tmp_path / "clients.csv"
    roster.write_text("name,output\nAna,ana.mp3\nBen,ben.mp3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("takes", str(script), "--folder", "takes", "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert [text for _, text in rows(tmp_path / "takes")] == [
        "Welcome, Ana.", "Welcome, Ben.", "Let your eyes gently close.", "Breathe in", "Breathe out",
    ]  # fmt: skip


def test_a_script_without_a_recorded_voice_lists_all_its_lines(write_script, tmp_path, monkeypatch):
    script = write_script(SCRIPT.replace("voice: {engine: recorded, takes: takes}\n", ""))
    monkeypatch.chdir(tmp_path)
    assert run("takes", str(script)).exit_code == 2  # no folder named anywhere
    result = run("takes", str(script), "--folder", "mine")
    assert result.exit_code == 0, result.output
    assert len(rows(tmp_path / "mine")) == 4


def test_a_hand_edited_sheet_with_bad_rows_is_reported_with_its_lines(write_script, tmp_path, monkeypatch):
    script = write_script(SCRIPT)
    (tmp_path / "takes").mkdir()
    (tmp_path / "takes" / "takes.csv").write_text(
        'file,text\n../escape.wav,"Welcome, friend."\nnotes.txt,Breathe in\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = run("check", str(script))
    assert result.exit_code == 2
    assert "takes/takes.csv:2:1: error: '../escape.wav' must be a plain file name" in result.output
    assert "takes/takes.csv:3:1: error: 'notes.txt' is not an audio file name" in result.output


def test_updated_never_renames_and_sorts_new_names_between_neighbours():
    sheet = Sheet(Path("."), (Row("001-a.wav", "A."), Row("002-b.wav", "B."), Row("002a-c.wav", "C."), Row("003-d.wav", "D.")))
    new = updated(sheet, ["W.", "A.", "B.", "C.", "Y.", "D.", "Z."])
    names = [row.file for row in new]
    assert names == ["000a-w.wav", "001-a.wav", "002-b.wav", "002a-c.wav", "002aa-y.wav", "003-d.wav", "007-z.wav"]
    assert names == sorted(names)
    squeezed = [row.file for row in updated(sheet, ["A.", "B.", "X.", "C.", "D."])]
    assert squeezed[:3] == ["001-a.wav", "002-b.wav", "002b-x.wav"] and squeezed[3:] == ["002a-c.wav", "003-d.wav"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_record_command_serves_the_page_on_loopback_until_stopped(write_script, tmp_path):
    script = write_script(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "record", str(script), "--folder", str(tmp_path / "takes"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        lines = [process.stdout.readline() for _ in range(7)]
        url = next(line.split()[2] for line in lines if line.startswith("recording page:"))
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "sheet") as reply:
            state = json.load(reply)
        assert [line["text"] for line in state["lines"]][:2] == ["Welcome, friend.", "Let your eyes gently close."]
        with urllib.request.urlopen(url) as reply:
            assert b"getUserMedia" in reply.read()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in out


def test_batch_with_takes_re_renders_only_the_rows_whose_take_changed(write_script, tmp_path, monkeypatch, fake_tts):
    from takes_audio import take, write_take

    script = write_script(
        "title: For {name}\nvariables: {name: friend}\nvoice: {engine: recorded, takes: takes}\n"
        "sections:\n  - title: One\n    steps:\n      - say: Welcome, {name}.\n      - say: Rest here.\n"
    )
    clients = tmp_path / "clients.csv"
    clients.write_text("name\nAna\nBen\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run("takes", str(script), "--roster", str(clients)).exit_code == 0
    names = [name for name, _ in rows(tmp_path / "takes")]
    assert names == ["001-welcome-ana.wav", "002-welcome-ben.wav", "003-rest-here.wav"]
    for seed, name in enumerate(names, start=1):
        write_take(tmp_path / "takes" / name, take(2, 48_000, level_db=-20, noise_db=-60, seed=seed), 48_000)
    first = CliRunner(mix_stderr=False).invoke(cli, ["batch", str(script), "--roster", str(clients), "-o", "out", "-j", "1"])
    assert first.exit_code == 0, first.stderr
    write_take(tmp_path / "takes" / names[1], take(3, 48_000, level_db=-20, noise_db=-60, seed=7), 48_000)
    again = CliRunner(mix_stderr=False).invoke(cli, ["batch", str(script), "--roster", str(clients), "-o", "out", "-j", "1"])
    assert again.exit_code == 0, again.stderr
    status = {line.split()[1]: line.split()[2] for line in again.stdout.splitlines()[1:3]}
    assert status == {"script-ana.mp3": "skipped", "script-ben.mp3": "rendered"}, again.stdout

"""`meditate batch`: one track per roster row, skipping what is up to date, failing rows alone."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from generator.batch.run import MANIFEST
from generator.script.roster import read_roster, safe_name
from generator.cli import cli
from generator.core.errors import ScriptErrors

SCRIPT = """
title: Evening for {name}
variables: {name: friend, place: the garden}
sections:
  - title: Arriving
    steps:
      - say: "Welcome, {name}. [pause 1s] Let your eyes close."
      - pause: 1s
  - title: Resting
    steps:
      - say: Rest here, in {place}.
"""


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


@pytest.fixture
def script(write_script):
    return write_script(SCRIPT, "evening.yaml")


def roster(tmp_path, text: str, name: str = "clients.csv", bom: bool = False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def table_rows(output: str) -> dict[str, list[str]]:
    """The summary table's lines by output name: [row, status, length, message]."""
    rows = {}
    for line in output.splitlines()[1:]:
        if not line.strip():
            break
        cells = line.split(None, 4)
        rows[cells[1]] = [cells[0], *cells[2:]]
    return rows


def test_three_rows_give_three_tracks_whose_sidecars_name_the_client_then_nothing_to_do(script, tmp_path, fake_tts):
    clients = roster(tmp_path, "name,place,output\nAna,the forest,\nBen,,ben-evening.wav\nCleo,the sea,\n", bom=True)
    out = tmp_path / "out"
    first = run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "2")
    assert first.exit_code == 0, first.output + first.stderr
    rows = table_rows(first.stdout)
    assert set(rows) == {"evening-ana.mp3", "ben-evening.wav", "evening-cleo.mp3"}
    assert [r[1] for r in rows.values()] == ["rendered"] * 3
    assert first.stdout.endswith("\n3 rendered, 0 skipped, 0 failed\n")
    for track, name, place in [("evening-ana", "Ana", "the forest"), ("ben-evening", "Ben", "the garden"), ("evening-cleo", "Cleo", "the sea")]:
        timeline = json.loads((out / f"{track}.json").read_text(encoding="utf-8"))
        assert timeline["title"] == f"Evening for {name}"
        spoken = [s["text"] for sec in timeline["sections"] for s in sec["steps"] if s["kind"] == "say"]
        assert spoken == [f"Welcome, {name}.", "Let your eyes close.", f"Rest here, in {place}."]
        captions = (out / f"{track}.vtt").read_text(encoding="utf-8")
        assert f"Welcome, {name}." in captions
    assert (out / "ben-evening.wav").read_bytes()[:4] == b"RIFF"
    assert (out / "evening-ana.mp3").stat().st_size > 10_000

    again = run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "2")
    assert again.exit_code == 0, again.stderr
    assert [r[1] for r in table_rows(again.stdout).values()] == ["skipped"] * 3
    assert again.stdout.endswith("\nnothing to render: all 3 tracks are up to date\n")
    assert "rendered" not in again.stderr


def test_only_changed_rows_render_again(script, tmp_path, fake_tts):
    clients = roster(tmp_path, "name\nAna\nBen\n")
    out = tmp_path / "out"
    assert run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "1").exit_code == 0
    before = (out / "evening-ben.mp3").stat().st_mtime_ns

    clients.write_text("name,place\nAna,the hills\nBen,\n", encoding="utf-8")  # Ana's row changed
    (out / "evening-ana.json").unlink()  # and a sidecar gone would be reason enough too
    result = run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.stderr
    rows = table_rows(result.stdout)
    assert rows["evening-ana.mp3"][1] == "rendered" and rows["evening-ben.mp3"][1] == "skipped"
    assert (out / "evening-ben.mp3").stat().st_mtime_ns == before
    assert "Rest here, in the hills." in (out / "evening-ana.vtt").read_text(encoding="utf-8")

    script.write_text(script.read_text() + "      - pause: 1s\n", encoding="utf-8")  # the script changed
    rows = table_rows(run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "1").stdout)
    assert [r[1] for r in rows.values()] == ["rendered", "rendered"]

    forced = run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "1", "--force")
    assert [r[1] for r in table_rows(forced.stdout).values()] == ["rendered", "rendered"]
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["tracks"]) == {"evening-ana.mp3", "evening-ben.mp3"}


def test_a_row_with_a_bad_value_fails_alone_with_exit_1(script, tmp_path, fake_tts):
    clients = roster(tmp_path, "name\nAna\n[pause ten]\nCleo\n")
    out = tmp_path / "out"
    result = run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "2")
    assert result.exit_code == 1
    rows = table_rows(result.stdout)
    assert rows["evening-ana.mp3"][1] == "rendered" and rows["evening-cleo.mp3"][1] == "rendered"
    assert rows["evening-pause-ten.mp3"][:2] == ["3", "failed"]
    assert "an inline pause must be a duration" in rows["evening-pause-ten.mp3"][3]
    assert f"{clients}:3: evening-pause-ten.mp3 failed: {script}:" in result.stderr
    assert result.stdout.endswith("\n2 rendered, 0 skipped, 1 failed\n")
    assert sorted(p.name for p in out.glob("*.mp3")) == ["evening-ana.mp3", "evening-cleo.mp3"]


def test_utf8_names_become_readable_safe_file_names(script, tmp_path, fake_tts):
    clients = roster(tmp_path, "name,output\nZoë Brontë,\n张伟,\nJosé,../../etc/josé\n")
    out = tmp_path / "out"
    result = run("batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir() if p.suffix == ".mp3")
    assert names == sorted(["evening-zoë-brontë.mp3", "evening-张伟.mp3", "etc-josé.mp3"])
    assert json.loads((out / "evening-张伟.json").read_text(encoding="utf-8"))["title"] == "Evening for 张伟"
    assert not list(tmp_path.glob("etc*"))


def test_safe_name_strips_separators_and_unsafe_characters():
    assert safe_name("  ../a/b\\c:d*e?  ", lower=False) == "a-b-c-d-e"
    assert safe_name("Mary O'Neil", lower=True) == "mary-o-neil"
    assert safe_name("..", lower=True) == ""
    assert len(safe_name("ü" * 300, lower=True).encode("utf-8")) <= 120


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("name\nAna\nana\n", 3, "file 'evening-ana.mp3' is also the file of the row on line 2"),
        ("name,output\nAna,x.mp3\nBen,x\n", 3, "file 'x.mp3' is also the file of the row on line 2"),
        ("name\nAna,extra\n", 2, "this row has 2 values but the header names 1 columns"),
        ("First Name\nAna\n", 1, "column 'First Name' is not a variable name"),
        ("name,name\nAna,Ben\n", 1, "column 'name' appears 2 times"),
        ("name\n", 1, "the roster has a header but no rows"),
        ("", 1, "the roster is empty"),
    ],
)
def test_a_bad_roster_is_exit_2_naming_the_file_and_line(script, tmp_path, text, line, message):
    clients = roster(tmp_path, text)
    result = run("batch", str(script), "--roster", str(clients), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{clients}:{line}:1: error: ") and message in first
    assert not (tmp_path / "out").exists()


def test_roster_that_is_not_utf8_or_missing_is_exit_2(script, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nAna\nZo\xeb\n".encode("latin-1"))
    result = run("batch", str(script), "--roster", str(latin), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"{latin}:3:1: error: the roster is not UTF-8 text" in result.stderr
    missing = run("batch", str(script), "--roster", str(tmp_path / "none.csv"), "-o", str(tmp_path / "out"))
    assert missing.exit_code == 2 and "no such roster file" in missing.stderr


def test_a_script_broken_for_every_row_is_exit_2_before_any_work(write_script, tmp_path):
    broken = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - sya: hi\n", "broken.yaml")
    clients = roster(tmp_path, "name\nAna\nBen\n")
    result = run("batch", str(broken), "--roster", str(clients), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.count(f"{broken}:5:9: error: unknown step 'sya'") == 1
    assert not list((tmp_path / "out").glob("*.mp3"))


def test_semicolon_rosters_and_blank_lines_are_read(script, tmp_path):
    clients = roster(tmp_path, "name;place;output\n\nAna;the sea;\n\"Ben; Jr\";;ben\n")
    table = read_roster(clients, script)
    assert [(r.line, r.variables, r.output) for r in table.rows] == [
        (3, {"name": "Ana", "place": "the sea"}, "evening-ana.mp3"),
        (4, {"name": "Ben; Jr"}, "ben.mp3"),
    ]
    with pytest.raises(ScriptErrors):
        read_roster(roster(tmp_path, "name\nA\na\n", "dup.csv"), script)


def test_no_cache_batch_leaves_no_speech_cache_behind(script, tmp_path, fake_tts, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("MEDITATE_CACHE_DIR", str(cache))
    clients = roster(tmp_path, "name\nAna\nBen\n")
    result = run("batch", str(script), "--roster", str(clients), "-o", str(tmp_path / "out"), "-j", "1", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert not cache.exists() or not any(os.scandir(cache))


def test_a_column_the_script_does_not_use_is_warned_about(script, tmp_path, fake_tts):
    clients = roster(tmp_path, "nmae\nAna\n")
    result = run("batch", str(script), "--roster", str(clients), "-o", str(tmp_path / "out"), "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert f"warning: {clients}:1: column 'nmae' is not used by {script} (did you mean 'name'?)" in result.stderr
    used = run("batch", str(script), "--roster", str(roster(tmp_path, "name,place\nAna,x\n", "ok.csv")), "-o", str(tmp_path / "o2"), "-j", "1")
    assert "warning" not in used.stderr


def test_a_row_is_keyed_on_the_takes_of_the_breathing_cue_words(write_script, tmp_path, fake_tts):
    """A pacer keeps its cue words as plain text (not utterances): replacing the take of one
    of them still makes the row's track out of date, and an unchanged folder keeps its key."""
    from generator.batch.run import row_key
    from generator.load.loader import load_script
    from generator.pipeline.rendering import RenderOptions
    from takes_audio import take, write_take

    folder = tmp_path / "takes"
    folder.mkdir()
    rows = ["file,text"]
    for seed, text in enumerate(("Breathe in", "Breathe out"), start=1):
        name = f"00{seed}-{text.lower().replace(' ', '-')}.wav"
        write_take(folder / name, take(1, 48_000, level_db=-20, noise_db=-60, seed=seed), 48_000)
        rows.append(f"{name},{text}")
    (folder / "takes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = write_script(
        "title: Breath\nvoice: {engine: recorded, takes: takes}\nsections:\n"
        "  - title: One\n    steps:\n      - breathe: {pattern: relax, cycles: 2, cues: voice}\n"
    )
    before = row_key(load_script(path), RenderOptions())
    assert row_key(load_script(path), RenderOptions()) == before
    write_take(folder / "002-breathe-out.wav", take(1, 48_000, level_db=-20, noise_db=-60, seed=9), 48_000)
    assert row_key(load_script(path), RenderOptions()) != before

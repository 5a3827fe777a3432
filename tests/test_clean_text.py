"""Text that leaves the program is clean, and every user mistake about text is exit 2.

Control characters written into a script (through YAML's escapes) are refused at their
place; values from `--set` and rosters are cleaned (line breaks and tabs become a space,
other control characters go), and bytes that are not UTF-8 are refused. A feed built
from tracks tagged by other programs stays well-formed XML.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import mutagen
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.cleantext import clean_out, clean_value, forbidden_at
from generator.cli import cli

CONTROL = "".join(chr(c) for c in [*range(9), *range(11, 32), *range(0x7F, 0xA0)]) + "\ud800\udfff"


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("escape", "shown"),
    [
        ("\\v", "U+000B (vertical tab)"),
        ("\\e", "U+001B (escape)"),
        ("\\a", "U+0007 (bell)"),
        ("\\0", "U+0000 (NUL)"),
        ("\\x7f", "U+007F (delete)"),
        ("\\N", "U+0085 (next line)"),
        ("\\x9b", "U+009B (a control character)"),
        ("\\ud800", "U+D800 (half of a surrogate pair: not a character)"),
    ],
)
def test_a_control_character_in_a_script_is_refused_at_its_place(tmp_path, fake_tts, escape, shown):
    path = write(tmp_path, f'title: "Evening{escape}"\nsections:\n  - title: A\n    steps:\n      - say: "Hi{escape} there."\n')
    for command in (["check", str(path)], ["render", str(path), "-o", str(tmp_path / "t.mp3")]):
        result = run(*command)
        assert result.exit_code == 2, result.stderr
        lines = result.stderr.splitlines()
        assert lines[0] == f"{path}:1:8: error: title holds the invisible character {shown} at character 8; remove it" + (
            " (write a line break as a real new line)" if escape in ("\\v", "\\N") else ""
        )
        assert lines[1].startswith(f"{path}:5:14: error: say holds the invisible character {shown} at character 3")
    assert not (tmp_path / "t.mp3").exists()


def test_tabs_and_new_lines_in_text_are_fine(tmp_path, fake_tts):
    path = write(tmp_path, 'title: "A\\tB"\nsections:\n  - title: A\n    steps:\n      - say: "One.\\nTwo."\n')
    assert run("check", str(path)).exit_code == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('!!bool "Evening"', "title: 'Evening' is not a valid !!bool value"),
        ("!!int x", "title: 'x' is not a valid !!int value"),
        ("!!float fast", "title: 'fast' is not a valid !!float value"),
        ("!!null nothing", "title: 'nothing' is not a valid !!null value"),
    ],
)
def test_a_tag_that_does_not_fit_its_text_is_exit_2_at_its_place(tmp_path, value, message):
    path = write(tmp_path, f"title: {value}\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{path}:1:8: error: {message}"]


@pytest.mark.parametrize("key", ["pause", "volume", "fade_in", "duration"])
def test_five_thousand_digits_are_one_clean_line(tmp_path, key):
    digits = "9" * 5000
    step = f"pause: {digits}" if key == "pause" else f"play: {{file: x.wav, {key}: {digits}}}"
    path = write(tmp_path, f"title: T\nsections:\n  - title: A\n    steps:\n      - {step}\n")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "Exceeds the limit" not in result.stderr and "set_int_max_str_digits" not in result.stderr
    assert "is 5000 characters long: not a value this tool can use" in result.stderr


def test_set_values_are_cleaned_before_they_reach_tags_captions_and_sidecars(tmp_path, fake_tts):
    path = write(tmp_path, "title: For {name}\nvariables: {name: you}\nsections:\n  - title: A\n    steps:\n      - say: Welcome, {name}.\n")
    out = tmp_path / "t.mp3"
    result = run("render", str(path), "-o", str(out), "--set", "name=Ana\x0bMaria\x1b[31m\x00")
    assert result.exit_code == 0, result.stderr
    assert mutagen.File(out)["TIT2"].text == ["For Ana Maria[31m"]
    for sidecar in (out.with_suffix(".json"), out.with_suffix(".vtt")):
        text = sidecar.read_text(encoding="utf-8")
        assert forbidden_at(text.replace("\n", "")) is None and "Ana Maria[31m" in text


def test_bytes_that_are_not_utf8_are_refused_in_set_and_fine_in_a_file_name(tmp_path):
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1"}
    name = os.fsencode(tmp_path) + b"/caf\xe9.yaml"
    Path(os.fsdecode(name)).write_text("title: T\nvariables: {n: x}\nsections:\n  - title: A\n    steps:\n      - say: Hi {n}.\n")
    base = [sys.executable, "-m", "generator"]
    bad = subprocess.run([*base, b"check", name, b"--set", b"n=Jos\xe9"], env=env, capture_output=True, timeout=600, check=False)
    assert bad.returncode == 2 and bad.stderr == b"error: --set n: the value holds bytes that are not UTF-8 text\n"
    checked = subprocess.run([*base, b"check", name], env=env, capture_output=True, timeout=600, check=False)
    assert checked.returncode == 0 and checked.stdout.endswith(b": ok (1 section, 1 step)\n"), checked.stderr
    out = os.fsencode(tmp_path) + b"/t\xe9.mp3"
    rendered = subprocess.run([*base, b"render", name, b"-o", out], env=env, capture_output=True, timeout=600, check=False)
    assert rendered.returncode == 0, rendered.stderr
    assert os.path.isfile(out) and b"Traceback" not in rendered.stderr


def test_a_feed_of_tracks_tagged_elsewhere_stays_well_formed(tmp_path, fake_tts):
    path = write(tmp_path, "title: T\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n")
    tracks = tmp_path / "tracks"
    tracks.mkdir()
    assert run("render", str(path), "-o", str(tracks / "one.mp3")).exit_code == 0
    from mutagen.id3 import ID3, TALB, TIT2, TPE1

    tags = ID3(tracks / "one.mp3")
    tags.add(TIT2(encoding=3, text="Evening\x0bRest\x1b\x07"))
    tags.add(TPE1(encoding=3, text="Dr\x0cLi"))
    tags.add(TALB(encoding=3, text="Course\x7f\x85"))
    tags.save()
    result = run("publish", str(tracks), "-o", str(tmp_path / "site"), "--description", "Calm\x0b\x1bdays")
    assert result.exit_code == 0, result.stderr
    feed = (tmp_path / "site" / "feed.xml").read_text(encoding="utf-8")
    root = ET.fromstring(feed)  # raises on a control character
    assert root.find("channel/item/title").text == "Evening Rest"
    assert root.find("channel/description").text == "Calm days"
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert forbidden_at(page.replace("\n", "").replace("\t", "")) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(CONTROL) + list("ab \t\n\u2028é")), max_size=60))
def test_cleaning_leaves_no_control_character(text):
    cleaned = clean_value(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
    assert forbidden_at(cleaned) is None and "\n" not in cleaned and "\t" not in cleaned
    out = clean_out(text)
    assert forbidden_at(out) is None
    ET.fromstring(f"<a>{out.replace('&', '').replace('<', '')}</a>".encode("utf-8", "surrogatepass"))

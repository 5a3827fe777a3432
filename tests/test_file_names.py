"""A script whose file name is not UTF-8 (Latin-1 `café.yaml` on a UTF-8 system) is
checked, planned and rendered, and its name is shown as `caf\\xe9.yaml`: never a
UnicodeEncodeError from a stdout that refuses the name's undecodable byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import soundfile
from click.testing import CliRunner

from generator.cli import cli
from generator.core.errors import one_line

GOOD = b"title: T\nsections:\n  - title: A\n    steps:\n      - say: Hello.\n"
BAD = b"title: T\nsections:\n  - title: A\n    steps:\n      - sya: Hello.\n"


def latin1_named(folder: Path, body: bytes, stem: bytes = b"caf\xe9") -> str:
    """A script written under a name that is not UTF-8; returned as Python carries it."""
    name = os.fsencode(folder) + b"/" + stem + b".yaml"
    with open(name, "wb") as handle:
        handle.write(body)
    return os.fsdecode(name)


def test_the_command_line_checks_plans_and_renders_it(tmp_path, fake_tts):
    """CliRunner's stdout is strict UTF-8, as Python's is under a UTF-8 locale."""
    script = latin1_named(tmp_path, GOOD)
    runner = CliRunner(mix_stderr=False)
    checked = runner.invoke(cli, ["check", script])
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout_bytes == os.fsencode(tmp_path) + b"/caf\\xe9.yaml: ok (1 section, 1 step)\n"
    planned = runner.invoke(cli, ["plan", script])
    assert planned.exit_code == 0 and "say  Hello." in planned.stdout, planned.stderr
    out = tmp_path / "t.wav"
    rendered = runner.invoke(cli, ["render", script, "-o", str(out)])
    assert rendered.exit_code == 0, rendered.stderr
    assert soundfile.info(str(out)).duration > 0.3


def test_the_default_output_takes_the_undecodable_name(tmp_path, fake_tts, monkeypatch):
    script = latin1_named(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    rendered = CliRunner(mix_stderr=False).invoke(cli, ["render", script])
    assert rendered.exit_code == 0, rendered.stderr
    assert rendered.stdout.startswith("wrote caf\\xe9.mp3 (")
    assert os.path.isfile(b"caf\xe9.mp3")


def test_its_errors_are_file_line_col_and_exit_2(tmp_path):
    script = latin1_named(tmp_path, BAD, b"bad\xe9")
    result = CliRunner(mix_stderr=False).invoke(cli, ["check", script])
    assert result.exit_code == 2
    shown = str(tmp_path) + "/bad\\xe9.yaml"
    assert result.stderr == f"{shown}:5:9: error: unknown step 'sya' (did you mean 'say'?)\n"


def test_a_strict_utf8_stdout_in_a_real_process(tmp_path):
    """As under en_US.UTF-8: Python's stdout refuses surrogates unless told otherwise."""
    script = os.fsencode(latin1_named(tmp_path, GOOD))
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1", "PYTHONIOENCODING": "utf-8:strict"}
    base = [sys.executable, "-m", "generator"]
    for args in ([b"check", script], [b"plan", script], [b"render", script, b"-o", os.fsencode(tmp_path / "o.wav")]):
        done = subprocess.run([*base, *args], env=env, capture_output=True, timeout=600, check=False, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert b"internal error" not in done.stderr and b"Traceback" not in done.stderr


def test_one_line_shows_an_undecodable_byte_as_the_byte():
    assert one_line(os.fsdecode(b"caf\xe9.yaml")) == "caf\\xe9.yaml"
    assert one_line("a\nb\ud800") == "a\\nb\\ud800"  # other escapes as before

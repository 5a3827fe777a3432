"""Atomic output: however a render ends, the target holds the earlier file or the new one.

A failure, an exception in the middle of encoding, Ctrl-C and SIGTERM must leave no file
at a new target, leave an earlier track and its sidecars byte for byte as they were, and
remove every temporary file. A real `meditate render` process is killed mid-write too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.mix import mixer as mixer_module
from generator.cli import cli
from generator.output import formats

SCRIPT = """
title: Atomic
background:
  layers:
    - noise: pink
      volume: -30dB
sections:
  - title: One
    steps:
      - say: Settle in. Let the breath slow down.
      - pause: 6s
  - title: Two
    steps:
      - say: Rest here.
      - pause: 4s
"""

OLD = {"track.mp3": b"an earlier good track", "track.json": b'{"earlier": true}\n', "track.vtt": b"WEBVTT\n\nearlier\n"}


@pytest.fixture
def folder(tmp_path, write_script, fake_tts):
    """A script, and an output folder holding an earlier render of it."""
    script = write_script(SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    for name, data in OLD.items():
        (out / name).write_bytes(data)
    return script, out


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def raising_after(count: int, exc: BaseException, *, seen: list[str], out: Path):
    """A Mixer.blocks that yields `count` real blocks of the write pass, then raises `exc`.

    The write pass is recognised by its temporary file being present, so the measuring
    passes before it run normally and the failure lands mid-encode."""
    real = mixer_module.Mixer.blocks

    def blocks(self, *args, **kwargs):
        writing = 0
        for block in real(self, *args, **kwargs):
            if any(name.endswith(".partial") for name in partials(out)):
                seen.extend(partials(out))
                if writing >= count:
                    raise exc
                writing += 1
            yield block

    return blocks


def test_a_clean_render_replaces_track_and_sidecars_together(folder):
    script, out = folder
    result = run("render", str(script), "-o", str(out / "track.mp3"))
    assert result.exit_code == 0, result.stderr
    assert sorted(contents(out)) == ["track.json", "track.mp3", "track.vtt"]
    assert json.loads((out / "track.json").read_text())["title"] == "Atomic"
    assert (out / "track.mp3").read_bytes() != OLD["track.mp3"]
    assert oct((out / "track.mp3").stat().st_mode & 0o777) == oct(0o644)
    assert oct((out / "track.json").stat().st_mode & 0o777) == oct(0o644)


def test_an_encoder_failing_mid_way_changes_nothing(folder, monkeypatch):
    script, out = folder
    mp3 = formats.FORMATS["mp3"]
    real_open = mp3.open
    written: list[int] = []

    class Failing:
        def __init__(self, inner):
            self.inner = inner

        def write(self, block):
            if len(written) == 3:
                raise OSError(28, "No space left on device")
            written.append(block.shape[0])
            self.inner.write(block)

        def close(self):
            self.inner.close()

    monkeypatch.setitem(formats.FORMATS, "mp3", dataclasses.replace(mp3, open=lambda *a, **k: Failing(real_open(*a, **k))))
    result = run("render", str(script), "-o", str(out / "track.mp3"))
    assert result.exit_code == 1
    assert len(written) == 3  # it really was writing
    assert result.stderr.strip() == (
        f"error: {out}: the disk is full (no space left on device); nothing was replaced, any earlier track there is unchanged"
    )
    assert contents(out) == OLD


def test_a_new_target_is_never_created_by_a_failed_render(tmp_path, write_script, fake_tts, monkeypatch):
    script = write_script(SCRIPT)
    out = tmp_path / "empty"
    out.mkdir()
    broken = dataclasses.replace(formats.FORMATS["mp3"], tag=lambda *a, **k: (_ for _ in ()).throw(RuntimeError("tagging broke")))
    monkeypatch.setitem(formats.FORMATS, "mp3", broken)
    result = run("render", str(script), "-o", str(out / "new.mp3"))
    assert result.exit_code == 1 and "tagging broke" in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("exc, code, message", [(KeyboardInterrupt(), 130, "interrupted"), (RuntimeError("bug"), 1, "internal error")])
def test_ctrl_c_or_a_crash_mid_mix_changes_nothing(folder, monkeypatch, exc, code, message):
    script, out = folder
    seen: list[str] = []
    monkeypatch.setattr(mixer_module.Mixer, "blocks", raising_after(5, exc, seen=seen, out=out))
    result = run("render", str(script), "-o", str(out / "track.mp3"))
    assert result.exit_code == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert any(name.startswith(".track.mp3.") for name in seen), "the failure did not land mid-write"
    assert any(name.startswith(".track.json.") for name in seen), "sidecars are staged before the track is written"
    assert contents(out) == OLD


def test_a_render_refused_while_planning_keeps_earlier_files(folder, write_script):
    _, out = folder
    short = write_script("title: T\nlength: 1s\nsections:\n  - title: A\n    steps: [{say: A sentence too long for one second.}, {pause: fill}]\n", "short.yaml")
    result = run("render", str(short), "-o", str(out / "track.mp3"))
    assert result.exit_code == 2 and "is shorter than the fixed content" in result.stderr
    assert contents(out) == OLD


def test_the_output_may_not_overwrite_the_script(write_script, fake_tts, tmp_path):
    script = write_script(SCRIPT, "evening.yaml")
    before = script.read_bytes()
    result = run("render", str(script), "-o", str(script), "--format", "wav")
    assert result.exit_code == 2 and "would overwrite the script" in result.stderr
    assert script.read_bytes() == before
    json_script = write_script(SCRIPT, "evening.json")  # a track's sidecar would replace it
    result = run("render", str(json_script), "-o", str(tmp_path / "evening.wav"))
    assert result.exit_code == 2 and "would overwrite the script" in result.stderr


def test_a_track_named_like_its_sidecar_is_refused(write_script, fake_tts, tmp_path):
    script = write_script(SCRIPT)
    result = run("render", str(script), "-o", str(tmp_path / "track.json"), "--format", "wav")
    assert result.exit_code == 2 and "replaced by its own sidecar" in result.stderr
    assert not (tmp_path / "track.json").exists()
    assert run("render", str(script), "-o", str(tmp_path / "track.json"), "--format", "wav", "--no-sidecars").exit_code == 0


def test_a_folder_in_the_way_of_a_sidecar_is_refused_before_rendering(folder, write_script):
    script, out = folder
    (out / "other.vtt").mkdir()
    result = run("render", str(script), "-o", str(out / "other.mp3"))
    assert result.exit_code == 2 and "a folder is in the way" in result.stderr
    assert not (out / "other.mp3").exists() and partials(out) == []


LONG_SCRIPT = """
title: Long
background:
  layers:
    - noise: pink
      volume: -30dB
    - binaural: {carrier: 200, beat: 10 -> 6}
      volume: -26dB
sections:
  - title: One
    steps:
      - say: Settle in.
      - pause: 5m
"""


def _hooked(tmp_path: Path, command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    """Start `command` with the test hook (generator.core.testhook) set to stop it mid-write."""
    go = tmp_path / "hook.fifo"
    os.mkfifo(go)
    env = {**env, "MEDITATE_TEST_HOOK": f"render:{go}"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, go


def _wait_for_hook(process: subprocess.Popen) -> None:
    """Block until the process reports it stopped mid-write (no clock: a line, or its end)."""
    line = process.stdout.readline()
    assert line == "meditate-test-hook: render\n", f"never reached the write: {line!r} {process.communicate()}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_real_process_killed_mid_write_leaves_the_earlier_files(tmp_path, write_script, signum):
    """`meditate render` in its own process, signalled while it holds its temporary file:
    the test hook stops it after the first block is encoded, so the signal always lands
    mid-write, whatever the machine's load."""
    script = write_script(LONG_SCRIPT, "long.yaml")
    out = tmp_path / "out"
    out.mkdir()
    for name, data in OLD.items():
        (out / name).write_bytes(data)
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1"}
    process, _ = _hooked(
        tmp_path, [sys.executable, "-m", "generator", "render", str(script), "-o", str(out / "track.mp3")], env
    )
    try:
        _wait_for_hook(process)
        assert any(name.startswith(".track.mp3.") and name.endswith(".partial") for name in partials(out))
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=600)  # a hang guard only
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.strip() == "interrupted: no file was left half-written"
    assert contents(out) == OLD


BATCH_SCRIPT = """
title: Long for {name}
variables: {name: friend}
background:
  layers:
    - noise: brown
      volume: -30dB
sections:
  - title: One
    steps:
      - say: Settle in, {name}.
      - pause: 1m
"""


def test_a_batch_killed_mid_row_leaves_only_whole_tracks(tmp_path, write_script):
    """SIGTERM to `meditate batch` while rows are being written: every track in the folder
    is then either the earlier file, untouched, or a complete new one with its sidecars."""
    import soundfile

    script = write_script(BATCH_SCRIPT, "long.yaml")
    roster = tmp_path / "clients.csv"
    roster.write_text("name,output\nAna,ana.wav\nBo,bo.wav\nCy,cy.wav\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "bo.wav").write_bytes(b"an earlier good track")
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1", "MEDITATE_CACHE_DIR": str(tmp_path / "cache")}
    process, go = _hooked(
        tmp_path,
        [sys.executable, "-m", "generator", "batch", str(script), "--roster", str(roster), "-o", str(out), "-j", "2"],
        env,
    )
    try:
        _wait_for_hook(process)  # one row's worker is stopped mid-write: the batch cannot be done
        assert any(name.endswith(".partial") for name in partials(out))
        process.send_signal(signal.SIGTERM)
        with open(go, "wb"):  # let the stopped row go on: the batch finishes its running rows
            pass
        _, stderr = process.communicate(timeout=600)  # a hang guard only
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted: no file was left half-written"
    assert [name for name in partials(out) if name != ".meditate-batch.json"] == []
    for track in out.glob("*.wav"):
        if track.name == "bo.wav" and track.read_bytes() == b"an earlier good track":
            continue
        plan = json.loads(track.with_suffix(".json").read_text())
        assert soundfile.info(str(track)).frames == round(plan["duration"] * 44_100)
        assert track.with_suffix(".vtt").read_text().startswith("WEBVTT")

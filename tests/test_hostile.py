"""Hostile inputs and faults, tried from outside: bounded memory, strict rosters, a cache
that verifies before it trusts, a full disk, and leftovers of a killed render.

Peak memory is measured on a child process (`os.wait4` gives its rusage): a size bound,
never a time bound.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.output import leftovers
from generator.voice.cache import SpeechCache, cache_key
from tests.childmem import peak

PEAK_MB = 450
"""The most a refused or bounded hostile input may take (a plain render takes about 160 MB)."""

VOICE_PEAK_MB = 560
"""A render with the real voice of the longest piece it is given at once: measured 495 MB
(a short sentence: 301 MB; 2,000 characters at once took about 2 GB)."""

SCRIPT = "title: T\nvariables: {name: you}\nsections:\n  - title: A\n    steps:\n      - say: Hello {name}.\n      - pause: 2s\n"


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def hostile_files(folder: Path) -> None:
    from tests.test_bounds import one_hertz_wav

    one_hertz_wav(folder / "tiny.wav")
    (folder / "onehz.yaml").write_text("title: T\nsections:\n  - title: A\n    steps:\n      - play: tiny.wav\n")
    layers = "".join("    - noise: pink\n" for _ in range(2000))
    (folder / "layers.yaml").write_text("title: T\nbackground:\n  layers:\n" + layers + "sections:\n  - title: A\n    steps:\n      - say: Hi.\n")
    (folder / "inc.yaml").write_text("steps:\n  - pause: 1s\n")
    lines = ["title: T", "sections:", "  - title: A", "    steps:", "      - &s0 {include: inc.yaml}"]
    for level in range(1, 6):
        lines.append(f"      - &s{level} {{repeat: {{times: 1, steps: [{', '.join([f'*s{level - 1}'] * 9)}]}}}}")
    (folder / "includes.yaml").write_text("\n".join(lines) + "\n")
    (folder / "long_say.yaml").write_text(
        "title: T\nsections:\n  - title: A\n    steps:\n      - say: " + " ".join(["and breathe"] * 1500) + "\n"
    )
    (folder / "v.yaml").write_text(SCRIPT)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["render", "onehz.yaml", "-o", "o.mp3"], 2, "claims a sample rate of 1 Hz"),
        (["check", "layers.yaml"], 2, "a background may have at most 8 layers, this one has 2000"),
        (["check", "includes.yaml"], 2, "reaches more than 500 includes"),
        (["batch", "v.yaml", "--roster", "/dev/zero", "-o", "out"], 2, "the roster is larger than 1000000 bytes"),
        (["render", "long_say.yaml", "-o", "o.wav"], 0, ""),
    ],
)
def test_hostile_inputs_take_bounded_memory(tmp_path, args, code, message):
    hostile_files(tmp_path)
    returned, megabytes, stderr = peak(args, tmp_path)
    assert returned == code, stderr
    assert message in stderr and "Traceback" not in stderr
    assert megabytes < PEAK_MB, f"{args}: {megabytes} MB"


@pytest.mark.slow
@pytest.mark.piper
def test_the_real_voice_speaks_the_longest_piece_in_bounded_memory(tmp_path):
    """A render whose one sentence is the longest piece the voice is given at once
    (MAX_UTTERANCE_CHARS), with the real voice, in a child process."""
    from generator.script.bounds import MAX_UTTERANCE_CHARS

    text = " ".join(["breathing slowly and gently"] * 40)[:MAX_UTTERANCE_CHARS].rsplit(" ", 1)[0]
    (tmp_path / "one.yaml").write_text(f"title: T\nsections:\n  - title: A\n    steps:\n      - say: {text}\n")
    code, megabytes, stderr = peak(["render", "one.yaml", "-o", "one.wav", "--no-cache"], tmp_path, {"MEDITATE_FAKE_TTS": ""})
    assert code == 0, stderr
    assert megabytes < VOICE_PEAK_MB


# --- rosters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('name,output\nAna,"ana.mp3\nBo,bo.mp3\n', 2, "not a readable CSV line (unexpected end of data; is a quote left open?)"),
        ('name,output\n"Ana,ana.mp3\nBo",bo.mp3\n', 2, "this row runs on over the next line: a quote is not closed"),
        ("name,output\nAna\nBo,bo.mp3\n", 2, "this row has 1 values but the header names 2 columns (add the missing cells"),
        ("name,output\nAna,a.mp3,x\n", 2, "this row has 3 values but the header names 2 columns"),
    ],
)
def test_a_roster_is_parsed_strictly(tmp_path, fake_tts, text, line, message):
    (tmp_path / "v.yaml").write_text(SCRIPT)
    roster = tmp_path / "r.csv"
    roster.write_text(text)
    result = run("batch", str(tmp_path / "v.yaml"), "--roster", str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert any(ln.startswith(f"{roster}:{line}:1: error: ") and message in ln for ln in result.stderr.splitlines()), result.stderr
    assert not (tmp_path / "out").exists()


def test_a_roster_cell_from_a_word_processor_is_cleaned(tmp_path, fake_tts):
    import mutagen

    (tmp_path / "v.yaml").write_text(SCRIPT.replace("title: T", "title: For {name}"))
    roster = tmp_path / "r.csv"
    roster.write_text('name,output\n"Ana\x0bSmith\x07",ana.mp3\n')
    result = run("batch", str(tmp_path / "v.yaml"), "--roster", str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert mutagen.File(tmp_path / "out" / "ana.mp3")["TIT2"].text == ["For Ana Smith"]


# --- the speech cache ----------------------------------------------------------------------


def _plan_seconds(script: Path, cache: Path) -> float:
    import json

    result = run("plan", str(script), "--json", "--cache-dir", str(cache))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["duration"]


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "speech").rglob("*.pcm"))


def test_a_cache_header_claiming_three_times_its_length_is_not_trusted(tmp_path, fake_tts):
    import struct

    script = tmp_path / "v.yaml"
    script.write_text(SCRIPT)
    cache = tmp_path / "cache"
    honest = _plan_seconds(script, cache)
    (entry,) = _entries(cache)
    data = bytearray(entry.read_bytes())
    count = struct.unpack_from("<Q", data, 8)[0]
    struct.pack_into("<Q", data, 8, count * 3)
    data += bytes(8 * count)  # the size agrees with the header; the checksum does not
    entry.write_bytes(bytes(data))
    assert _plan_seconds(script, cache) == honest
    assert SpeechCache(cache).length(entry.stem) == count  # made again, verified


def test_a_fifo_in_the_cache_is_ignored_and_replaced(tmp_path):
    """In a child process, so a read that blocked would show as a hang guard failing."""
    script = tmp_path / "v.yaml"
    script.write_text(SCRIPT)
    cache = tmp_path / "cache"
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1", "MEDITATE_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-m", "generator", "render", str(script), "-o", str(tmp_path / "a.mp3")], env=env, capture_output=True, timeout=600, check=False)
    assert first.returncode == 0
    (entry,) = _entries(cache)
    entry.unlink()
    os.mkfifo(entry)
    again = subprocess.run(
        [sys.executable, "-m", "generator", "render", str(script), "-o", str(tmp_path / "b.mp3")],
        env=env, capture_output=True, timeout=600, check=False,  # a hang guard only
    )
    assert again.returncode == 0, again.stderr
    assert entry.is_file() and SpeechCache(cache).load(entry.stem) is not None


def test_a_cache_folder_that_is_a_file_warns_and_renders_without_it(tmp_path, fake_tts):
    script = tmp_path / "v.yaml"
    script.write_text(SCRIPT)
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    result = run("render", str(script), "-o", str(tmp_path / "t.mp3"), "--cache-dir", str(blocker))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"warning: speech cache at {blocker}/speech is not usable")
    assert (tmp_path / "t.mp3").is_file() and blocker.read_text() == "not a folder"


def test_cache_keys_are_stable():
    assert cache_key("fake", "v", 1.0, 44_100, "Hi.") == cache_key("fake", "v", 1.0, 44_100, "Hi.")


# --- a full disk ----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 300 kB tmpfs (needs root and permission to mount; skipped otherwise)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True, check=False)


@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg"])
def test_a_full_disk_is_one_line_and_exit_1_with_the_old_track_intact(small_disk, tmp_path, fake_tts, fmt):
    script = tmp_path / "long.yaml"
    script.write_text("title: Long\nsections:\n  - title: A\n    steps:\n      - say: Hello.\n      - pause: 30s\n")
    track = small_disk / f"t.{fmt}"
    track.write_bytes(b"the earlier good track")
    result = run("render", str(script), "-o", str(track))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {small_disk}: the disk is full (no space left on device); nothing was replaced, any earlier track there is unchanged"
    ]
    assert track.read_bytes() == b"the earlier good track"
    assert sorted(p.name for p in small_disk.iterdir()) == [track.name]


# --- leftovers of a killed render -----------------------------------------------------------


def test_the_next_render_removes_stale_unlocked_partials_only(tmp_path, fake_tts):
    script = tmp_path / "v.yaml"
    script.write_text(SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    old = time.time() - 3600  # a file's age is set, not waited for
    stale = [out / ".t.mp3.abc123.partial", out / ".t.json.def456.partial", out / ".t.vtt.0a1b2c.partial"]
    fresh = out / ".t.mp3.fresh1.partial"
    held = out / ".t.mp3.held01.partial"
    other = out / ".other.mp3.zzz999.partial"
    for path in [*stale, fresh, held, other]:
        path.write_bytes(b"half a track")
        if path is not fresh:
            os.utime(path, (old, old))
    holder = os.open(held, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_SH)  # a render still writing it
    try:
        result = run("render", str(script), "-o", str(out / "t.mp3"))
    finally:
        os.close(holder)
    assert result.exit_code == 0, result.stderr
    left = sorted(p.name for p in out.iterdir() if p.name.endswith(".partial"))
    assert left == sorted([fresh.name, held.name, other.name])


def test_a_render_holds_its_own_temporary_files(tmp_path):
    temp = tmp_path / ".t.mp3.x.partial"
    temp.write_bytes(b"x")
    os.utime(temp, (0, 0))
    leftovers.hold(temp)
    try:
        assert leftovers.sweep(tmp_path / "t.mp3") == []
    finally:
        leftovers.release()
    assert leftovers.sweep(tmp_path / "t.mp3") == [temp] and not temp.exists()

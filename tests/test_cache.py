"""The speech cache: reuse, damage detection, concurrent writers, unusable folders."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
import os
import warnings

import numpy as np
import pytest

from generator.core.model import Utterance, Voice
from generator.voice.bank import SpeechBank
from generator.voice.cache import SpeechCache


@pytest.fixture
def utterance(fake_tts):
    return Utterance("Let your shoulders soften.", Voice())


def test_second_bank_synthesizes_nothing(tmp_path, utterance):
    first = SpeechBank(tmp_path)
    assert first.prepare([utterance]) == 1
    second = SpeechBank(tmp_path)
    assert second.prepare([utterance]) == 0
    assert second.synthesized == 0
    assert np.array_equal(first.samples(utterance), second.samples(utterance))


def test_key_depends_on_text_speed_and_voice(tmp_path, fake_tts):
    bank = SpeechBank(tmp_path)
    keys = {
        bank.key(Utterance("Rest.", Voice())),
        bank.key(Utterance("Rest now.", Voice())),
        bank.key(Utterance("Rest.", Voice(speed=1.0))),
        bank.key(Utterance("Rest.", Voice(engine="gtts", name="com"))),
    }
    assert len(keys) == 4


def test_truncated_and_corrupted_entries_are_made_again(tmp_path, utterance):
    bank = SpeechBank(tmp_path)
    bank.prepare([utterance])
    good = bank.samples(utterance).copy()
    entry = bank.cache._path(bank.key(utterance))
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])  # truncated
    fresh = SpeechBank(tmp_path)
    assert fresh.cached_length(utterance) is None
    assert fresh.prepare([utterance]) == 1
    flipped = bytearray(entry.read_bytes())
    flipped[-100] ^= 0xFF  # same length, wrong checksum
    entry.write_bytes(bytes(flipped))
    again = SpeechBank(tmp_path)
    assert np.array_equal(again.samples(utterance), good)
    assert again.synthesized == 1


def _fill(args):
    root, text = args
    os.environ["MEDITATE_FAKE_TTS"] = "1"
    bank = SpeechBank(Path(root))
    utterance = Utterance(text, Voice())
    bank.prepare([utterance])
    return bank.samples(utterance).shape[0]


def test_two_processes_writing_the_same_entries_both_succeed(tmp_path, fake_tts):
    texts = [f"Sentence number {i}." for i in range(20)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        lengths = pool.map(_fill, [(str(tmp_path), t) for t in texts + texts])
    assert lengths[:20] == lengths[20:]
    bank = SpeechBank(tmp_path)
    assert bank.missing([Utterance(t, Voice()) for t in texts]) == []
    assert not list(tmp_path.rglob(".tmp-*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; see the unwritable-path test")
def test_read_only_cache_degrades_with_a_warning(tmp_path, utterance):
    tmp_path.chmod(0o500)
    try:
        bank = SpeechBank(tmp_path / "cache")
        with pytest.warns(UserWarning, match="continuing without it"):
            bank.prepare([utterance])
        assert bank.samples(utterance).size > 0
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_cache_path_degrades_with_a_warning(tmp_path, utterance):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    bank = SpeechBank(blocker / "cache")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bank.prepare([utterance])
    assert any("continuing without it" in str(w.message) for w in caught)
    assert bank.samples(utterance).size > 0
    assert bank.length(utterance) == bank.samples(utterance).shape[0]


def test_no_cache_leaves_nothing_behind(tmp_path, utterance):
    bank = SpeechBank(tmp_path / "unused", use_cache=False)
    bank.prepare([utterance])
    temp_root = bank.cache.folder.parent
    assert temp_root.exists()
    bank.close()
    assert not temp_root.exists()
    assert not (tmp_path / "unused").exists()


def test_cache_header_length_matches_samples(tmp_path):
    cache = SpeechCache(tmp_path)
    cache.store("ab" * 32, np.arange(10, dtype=np.float32))
    assert cache.length("ab" * 32) == 10
    assert np.array_equal(cache.load("ab" * 32), np.arange(10, dtype=np.float32))


def full_disk(monkeypatch, root: Path) -> None:
    """Make every write into a cache entry under `root` fail with ENOSPC (a full disk)."""
    import errno

    from generator.voice import cache as cache_module

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        in_cache = os.readlink(f"/proc/self/fd/{fd}").startswith(str(root))
        return FullDisk(handle) if in_cache else handle

    monkeypatch.setattr(cache_module.os, "fdopen", fdopen)


def test_a_full_disk_degrades_to_no_cache_and_leaves_no_temporary_file(tmp_path, utterance, monkeypatch):
    """ENOSPC while writing an entry: a warning, the speech kept in memory, no .tmp- left."""
    root = tmp_path / "cache"
    full_disk(monkeypatch, root)
    bank = SpeechBank(root)
    with pytest.warns(UserWarning, match="No space left on device"):
        bank.prepare([utterance])
    assert not bank.cache.writable
    assert bank.samples(utterance).shape[0] == bank.length(utterance) > 0
    assert not [p for p in root.rglob("*") if p.is_file()]


def test_a_full_disk_cache_still_renders_through_the_command(tmp_path, write_script, fake_tts, monkeypatch):
    from click.testing import CliRunner

    from generator.cli import cli

    full_disk(monkeypatch, tmp_path / "c")
    script = write_script("title: T\nsections:\n  - title: A\n    steps: [{say: Hello there. Rest now.}, {pause: 1s}]\n")
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["render", str(script), "-o", str(tmp_path / "t.wav"), "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("warning: speech cache at") == 1 and "continuing without it" in result.stderr
    assert (tmp_path / "t.wav").stat().st_size > 44_100
    assert not [p for p in (tmp_path / "c").rglob("*") if p.is_file()]


@pytest.mark.slow
def test_two_renders_of_the_same_script_at_once_both_succeed(tmp_path, write_script):
    """Two `meditate render` processes share a cold cache and even the same target."""
    import subprocess
    import sys

    import soundfile

    texts = " ".join(f"Sentence number {i} rests here." for i in range(12))
    script = write_script(f"title: T\nsections:\n  - title: A\n    steps: [{{say: {texts}}}, {{pause: 1s}}]\n")
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1", "MEDITATE_CACHE_DIR": str(tmp_path / "cache")}
    targets = [tmp_path / "a.wav", tmp_path / "same.wav", tmp_path / "same.wav"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "generator", "render", str(script), "-o", str(target)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for target in targets
    ]
    outputs = [run.communicate(timeout=600) for run in runs]  # a hang guard only
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    a, _ = soundfile.read(tmp_path / "a.wav")
    same, _ = soundfile.read(tmp_path / "same.wav")
    assert np.array_equal(a, same)
    assert not list(tmp_path.glob(".*partial")) and not list((tmp_path / "cache").rglob(".tmp-*"))
    bank = SpeechBank(tmp_path / "cache")
    assert bank.cache.length(next(iter(bank.cache.folder.rglob("*.pcm"))).stem) is not None

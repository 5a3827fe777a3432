"""Once a render's speech is cached, the engines drop their models before the mixing starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from generator.core.model import Utterance, Voice
from generator.voice.bank import SpeechBank


def test_prepare_releases_the_engines_and_the_speech_stays_readable(fake_tts, tmp_path):
    bank = SpeechBank(tmp_path)
    utterance = Utterance("Let the shoulders soften.", Voice())
    engine = bank.engine(utterance.voice)
    released: list[int] = []
    engine.release = lambda: released.append(1)  # type: ignore[attr-defined]
    assert bank.prepare([utterance]) == 1
    assert released == [1]
    samples = bank.samples(utterance)  # read back from the cache, no model needed
    assert samples.size > 1000 and np.abs(samples).max() > 0.01
    assert bank.prepare([utterance]) == 0 and released == [1]  # nothing synthesized, nothing to release


def test_the_piper_engine_forgets_its_models_when_released():
    from generator.voice.piper_engine import PiperEngine

    engine = PiperEngine()
    engine._voices[object()] = object()
    engine.release()
    assert engine._voices == {}


def test_a_stopped_bank_synthesizes_nothing_more(fake_tts, tmp_path):
    from generator.voice.bank import SynthesisStopped

    voice = Voice(engine="fake")
    bank = SpeechBank(tmp_path / "cache")
    assert bank.prepare([Utterance("One.", voice)]) == 1
    bank.stop()
    with pytest.raises(SynthesisStopped):
        bank.prepare([Utterance("Two.", voice), Utterance("Three.", voice)])
    assert bank.synthesized == 1
    assert bank.samples(Utterance("One.", voice)).size > 0  # what is cached stays readable


INTERRUPTED = """
title: Interrupted
sections:
  - title: One
    steps:
      - say: The first sentence.
      - say: The second sentence.
      - say: The third sentence.
      - say: The fourth sentence.
      - say: The fifth sentence.
      - say: The sixth sentence.
"""


def test_ctrl_c_during_synthesis_stops_after_the_utterance_under_way(tmp_path, write_script):
    """Speech is synthesized on a thread of its own; Ctrl-C lands on the main thread, which
    then waited for every utterance left (19.6 s for the relaxation session) before it
    exited. The test hook holds the synthesis after its first utterance until the main
    thread has stopped it: the render must end with that one in the cache, not all six
    (no clock is read; without the stop, the hook would hold it until the hang guard)."""
    script = write_script(INTERRUPTED, "interrupted.yaml")
    go = tmp_path / "hook.fifo"
    os.mkfifo(go)
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1", "MEDITATE_TEST_HOOK": f"speech:{go}"}
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "generator", "render", str(script), "-o", str(tmp_path / "out.mp3"), "--cache-dir", str(cache)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line == "meditate-test-hook: speech\n", f"never reached the speech: {line!r} {process.communicate()}"
        process.send_signal(signal.SIGINT)  # the hook lets go once the render has stopped its synthesis
        _, stderr = process.communicate(timeout=120)  # a hang guard only (the render takes a few seconds)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.strip() == "interrupted: no file was left half-written"
    assert len(list((cache / "speech").rglob("*.pcm"))) == 1
    assert not (tmp_path / "out.mp3").exists()

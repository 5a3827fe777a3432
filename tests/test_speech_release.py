"""Once a render's speech is cached, the engines drop their models before the mixing starts."""

from __future__ import annotations

import numpy as np

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

"""Sound lengths for the planner: speech from the speech bank, bells and files from their audio.

The planner (:mod:`generator.plan.timeline`) needs every sound's length in samples before it
can place anything; these classes answer it. :class:`EstimatedLengths` guesses speech
from word counts, for `plan --estimate`, without synthesizing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from generator.core import model
from generator.core.audio import SAMPLE_RATE, to_samples
from generator.kinds.placing import BellLength
from generator.voice.bank import SpeechBank
from generator.sources.bells import bell_lengths
from generator.sources.files import load_sound

WORDS_PER_MINUTE = 157
"""Narration pace at speed 1 for `plan --estimate`: the offline voice measured over the
session library (bench/pace.py) speaks 141 words a minute inside `say` entries at the
default speed 0.9, pauses at commas included, sentence pauses not: 157 at speed 1."""


HEAVY_IMPORTS = threading.Lock()
"""Held while scipy's modules are first imported: the render's output thread imports them
while the planner may import the bells, and scipy's lazy submodules are not safe to
import from two threads at once (an intermittent `KeyError: 'scipy'`)."""


class BankLengths:
    """Sound lengths for the planner: speech from the bank, bells and files from their audio."""

    def __init__(self, speech: SpeechBank, base_dir: Path):
        self.speech_bank = speech
        self.base_dir = base_dir
        self._bells: dict[tuple, BellLength] = {}

    def speech(self, utterance: model.Utterance) -> int:
        return self.speech_bank.length(utterance)

    def bell(self, bell: model.Bell) -> BellLength:
        """How long the bell rings, and how long its step holds the timeline."""
        key = (bell.sound, bell.path)
        if key not in self._bells:
            with HEAVY_IMPORTS:  # a file bell is measured with scipy's filters

                self._bells[key] = BellLength(*bell_lengths(bell, self.base_dir))
        return self._bells[key]

    def file(self, play: model.Play) -> int:
        import soundfile

        try:
            info = soundfile.info(str(play.path))
            frames = round(info.frames * SAMPLE_RATE / info.samplerate)
        except Exception:  # not a libsndfile format: decode it the long way

            frames = int(load_sound(play.path).shape[0])
        if play.duration is not None:
            frames = min(frames, to_samples(play.duration))
        return frames


class EstimatedLengths(BankLengths):
    """Speech lengths guessed from word counts, for planning without synthesizing."""

    def speech(self, utterance: model.Utterance) -> int:
        known = self.speech_bank.cached_length(utterance)
        if known is not None:
            return known
        words = max(1, len(utterance.text.split()))
        seconds = words / (WORDS_PER_MINUTE * utterance.voice.speed / 60.0)
        return to_samples(round(seconds, 3))

"""Speech: engines, the shared cache, and the bank of utterances one render speaks.

`SpeechBank` is what the rest of the program sees: it knows every utterance's length
(for the planner) and hands the mixer an utterance's samples on demand, so a long
session never holds all its speech in memory at once.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from generator.core.audio import SAMPLE_RATE
from generator.core.model import Utterance, Voice
from generator.voice.pronounce import spoken_text
from generator.voice.base import Engine
from generator.voice.cache import SpeechCache, cache_key, default_cache_dir
from generator.voice.delivery import shaped_clip, speak
from generator.voice.engines import make_engine
from generator.core import testhook
from generator.core.heap import give_back

Progress = Callable[[int, int], None]
"""Called with (utterances done, utterances in all) while synthesizing."""


class SynthesisStopped(Exception):
    """Synthesis was stopped (SpeechBank.stop): the render it served was interrupted."""


class SpeechBank:
    """The utterances of one run: synthesized (or found in the cache) once, read on demand."""

    def __init__(self, cache_dir: Path | None = None, *, use_cache: bool = True, keep_in_memory: int = 6):
        self._engines: dict[str, Engine] = {}
        self._temp: tempfile.TemporaryDirectory | None = None
        if not use_cache:
            self._temp = tempfile.TemporaryDirectory(prefix="meditate-speech-")
            cache_dir = Path(self._temp.name)
        self.cache = SpeechCache(cache_dir or default_cache_dir())
        self._keys: dict[Utterance, str] = {}
        self._lengths: dict[Utterance, int] = {}
        self._recent: OrderedDict[Utterance, np.ndarray] = OrderedDict()
        self._pinned: dict[Utterance, np.ndarray] = {}
        self._keep = keep_in_memory
        self._lock = threading.Lock()  # the measuring pass reads samples from two threads
        self._stopped = threading.Event()
        self.synthesized = 0

    def close(self) -> None:
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None

    def stop(self) -> None:
        """End a synthesis running on another thread after its current utterance: an
        interrupt lands on the main thread, which would otherwise wait for all of them."""
        self._stopped.set()

    def engine(self, voice: Voice) -> Engine:
        if voice.engine not in self._engines:
            self._engines[voice.engine] = make_engine(voice.engine)
        return self._engines[voice.engine]

    def spoken(self, utterance: Utterance) -> str:
        """The text the engine reads: the written text with its pronunciations applied."""
        engine = self.engine(utterance.voice)
        reads_phonemes = bool(getattr(engine, "reads_phonemes", False))
        return spoken_text(utterance.text, utterance.voice.pronounce, phonemes=reads_phonemes)

    def key(self, utterance: Utterance) -> str:
        if utterance not in self._keys:
            voice = utterance.voice
            engine = self.engine(voice)
            # An engine that speaks from files (recorded) keys each text on its file's content too.
            text_id = getattr(engine, "text_id", None)
            text = text_id(utterance.text, voice) if text_id else self.spoken(utterance)
            self._keys[utterance] = cache_key(engine.name, engine.voice_id(voice), voice.speed, SAMPLE_RATE, text)
        return self._keys[utterance]

    def cached_length(self, utterance: Utterance) -> int | None:
        """The length if the utterance is already known or cached, without synthesizing."""
        if utterance in self._lengths:
            return self._lengths[utterance]
        length = self.cache.length(self.key(utterance))
        if length is not None:
            self._lengths[utterance] = length
        return length

    def missing(self, utterances: Iterable[Utterance]) -> list[Utterance]:
        return [u for u in dict.fromkeys(utterances) if self.cached_length(u) is None]

    def prepare(self, utterances: Iterable[Utterance], progress: Progress | None = None) -> int:
        """Synthesize whatever is not cached yet; returns how many were synthesized.

        Offline engines run one after another: two Piper syntheses at once were no faster
        than one after the other on two cores (16 sentences: 5.0 s in two threads, 4.2 s in
        one), since onnxruntime already spreads one synthesis over the cores. The online
        engine's requests overlap, since they mostly wait on the network.
        """
        todo = self.missing(utterances)
        total = len(todo)
        if progress:
            progress(0, total)
        online = [u for u in todo if not self.engine(u.voice).offline]
        offline = [u for u in todo if self.engine(u.voice).offline]
        done = 0
        for utterance in offline:
            self._synthesize(utterance)
            done += 1
            if progress:
                progress(done, total)
        if online:
            with ThreadPoolExecutor(max_workers=4) as pool:
                for _ in pool.map(self._synthesize, online):
                    done += 1
                    if progress:
                        progress(done, total)
        if total:
            self.release_engines()
        return total

    def release_engines(self) -> None:
        """Let the engines drop their models once the speech is cached (loaded again if ever needed),
        and give the memory back, so the mixing passes do not sit on top of the synthesis's peak."""

        for engine in self._engines.values():
            release = getattr(engine, "release", None)
            if release is not None:
                release()
        give_back()

    def _synthesize(self, utterance: Utterance) -> np.ndarray:
        if self._stopped.is_set():
            raise SynthesisStopped("speech synthesis was stopped")
        engine = self.engine(utterance.voice)
        if getattr(engine, "text_id", None):  # a recording of the written text: no respelling, no clauses
            samples = shaped_clip(engine.synthesize(utterance.text, utterance.voice))
        else:
            samples = speak(engine, self.spoken(utterance), utterance.voice)
        if samples.size == 0:
            samples = np.zeros(1, dtype=np.float32)
        self.cache.store(self.key(utterance), samples)
        if not self.cache.writable:
            self._pinned[utterance] = samples  # no cache to read back from: keep it
        self._lengths[utterance] = int(samples.shape[0])
        self.synthesized += 1
        testhook.reached("speech", until=self._stopped.is_set)  # tests interrupt a render here
        return samples

    def length(self, utterance: Utterance) -> int:
        """Samples in the utterance, synthesizing it if needed."""
        known = self.cached_length(utterance)
        if known is not None:
            return known
        return int(self._synthesize(utterance).shape[0])

    def samples(self, utterance: Utterance) -> np.ndarray:
        """The utterance's samples, from memory, the cache, or synthesis (safe from several threads)."""
        with self._lock:
            return self._samples(utterance)

    def _samples(self, utterance: Utterance) -> np.ndarray:
        if utterance in self._pinned:
            return self._pinned[utterance]
        if utterance in self._recent:
            self._recent.move_to_end(utterance)
            return self._recent[utterance]
        samples = self.cache.load(self.key(utterance))
        if samples is None:
            samples = self._synthesize(utterance)
        self._recent[utterance] = samples
        while len(self._recent) > self._keep:
            self._recent.popitem(last=False)
        return samples

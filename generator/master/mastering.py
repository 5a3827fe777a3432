"""Mastering: the one loudness gain for the whole track, and the true-peak limiter.

The renderer measures first, in a pass that writes nothing (:func:`loudness_gain`), then
writes through :func:`mastered` (the mix times that gain, through the limiter). Long
tracks are measured through :mod:`generator.master.measuring`'s plan: every busy moment exactly,
the steady bed between them in weighted sample windows, on two threads when there are two
cores. The limiter's effect on loudness is predicted from the measuring pass's chunk
profile instead of being measured again.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from generator.core.audio import SAMPLE_RATE, to_samples
from generator.mix.mixer import Mixer
from generator.plan.timeline import Timeline
from generator.voice.bank import SpeechBank

if TYPE_CHECKING:
    from generator.master.speechlevel import Levels

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total): stages are 'speech', 'measure' and 'render'."""

LIMITER_STEPS = 8
"""At most this many secant steps (predictions, not passes) to correct the loudness gain for the limiter."""

LOUDNESS_TOLERANCE = 0.2
"""LU: close enough to the target to stop correcting the gain."""


@dataclass(frozen=True)
class Mastering:
    """How the mix becomes the delivered signal: channels and the true-peak ceiling."""

    mono: bool = False
    true_peak: float = -1.0
    progress: Progress | None = None

    @property
    def channels(self) -> int:
        return 1 if self.mono else 2


def _mixed(
    timeline: Timeline,
    speech: SpeechBank,
    mono: bool,
    start: int = 0,
    end: int | None = None,
    *,
    mixer: Mixer | None = None,
    edge_fade: int = 0,
) -> Iterator[np.ndarray]:
    """The mix of samples ``start .. end`` of `timeline`, block by block (one channel if `mono`)."""
    mixer = mixer or Mixer(timeline, speech)
    for block in mixer.blocks(start, end, edge_fade=edge_fade):
        if mono:
            block = block.mean(axis=1, keepdims=True)
        yield block


class Limited:
    """The write pass's gain and true-peak limiter, as one stage the measuring pass can reuse."""

    def __init__(self, gain_db: float, channels: int, ceiling_db: float) -> None:
        from generator.sources.metering import TruePeakLimiter

        self.gain = np.float32(10 ** (gain_db / 20))
        self.limiter = TruePeakLimiter(SAMPLE_RATE, channels, ceiling_db=ceiling_db)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        return self.limiter.process(block * self.gain)

    def flush(self) -> np.ndarray:
        return self.limiter.flush()


def measure_loudness(
    timeline: Timeline,
    speech: SpeechBank,
    master: Mastering,
    gain_db: float | None = None,
    *,
    mixer: Mixer | None = None,
) -> tuple[float, float]:
    """A pass that writes nothing: integrated loudness (BS.1770) and sample peak (dBFS).

    With `gain_db`, the mix is measured after that gain and the true-peak limiter, as
    it will be written; without, the raw mix is measured. Long tracks are measured
    through generator.master.measuring's plan: every busy moment exactly, the steady bed
    between them in weighted sample windows, which costs a fraction of a full mix.
    """
    from generator.master import measuring

    spans = measuring.plan(timeline)
    return measuring.loudness(_listen(timeline, speech, master, spans, gain_db, mixer or Mixer(timeline, speech)))


def _listen(
    timeline: Timeline,
    speech: SpeechBank,
    master: Mastering,
    spans: list,
    gain_db: float | None,
    mixer: Mixer,
    *,
    profile: bool = False,
) -> list:
    """generator.master.measuring.listen over `spans` of the mix (after the gain and limiter when
    `gain_db`; with each span's profile when `profile`).

    The spans are independent, so with two cores the second half of them is rendered
    on a second thread with a mixer of its own (sharing the decoded background files):
    mixing and metering are numpy and scipy work on large blocks, which releases the GIL.
    """
    from generator.master import measuring

    channels = 1 if master.mono else 2
    total = sum(measuring.hop_edge(s.last - s.first + 3, SAMPLE_RATE) for s in spans) or 1
    done = 0
    lock = threading.Lock()
    stop = threading.Event()  # set when one half failed: the other need not finish

    def renderer(part_mixer: Mixer) -> Callable[[int, int], Iterator[np.ndarray]]:
        def render(start: int, end: int) -> Iterator[np.ndarray]:
            nonlocal done
            for block in _mixed(timeline, speech, master.mono, start, end, mixer=part_mixer):
                if stop.is_set():
                    return
                yield block
                with lock:
                    done += block.shape[0]
                    if master.progress:
                        master.progress("measure", min(done, total), total)

        return render

    stage = (lambda: Limited(gain_db, channels, master.true_peak)) if gain_db is not None else (lambda: None)

    def listen(part: list, part_mixer: Mixer) -> list:
        return measuring.listen(
            part, SAMPLE_RATE, channels, timeline.length, renderer(part_mixer), stage, profile=profile
        )

    first, second = _halves(spans)
    if not second or available_cores() < 2:
        return listen(spans, mixer)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="meditate-measure") as pool:
        later = pool.submit(listen, second, mixer.sibling())
        try:
            heard = listen(first, mixer)
        except BaseException:
            stop.set()
            raise
        return heard + later.result()


def _halves(spans: list) -> tuple[list, list]:
    """`spans` cut in two contiguous runs of about the same rendering work."""
    if len(spans) < 2:
        return spans, []
    from generator.master.measuring import PREROLL_HOPS

    # A span also renders its preroll and the three hops that finish its last block.
    sizes = np.cumsum([s.last - s.first + PREROLL_HOPS + 3 for s in spans])
    cut = int(np.searchsorted(sizes, sizes[-1] / 2)) + 1
    cut = min(max(cut, 1), len(spans) - 1)
    return spans[:cut], spans[cut:]


def available_cores() -> int:
    """CPUs this process may run on (what the measuring threads and batch jobs are sized by)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def loudness_gain(
    timeline: Timeline, speech: SpeechBank, master: Mastering, target: float, *, mixer: Mixer | None = None
) -> tuple[float, float]:
    """The mix's loudness before the gain, and the one gain (dB) :func:`levels` chose."""
    chosen = levels(timeline, speech, master, target, mixer=mixer)
    return chosen.mix_lufs, chosen.gain_db


def levels(
    timeline: Timeline, speech: SpeechBank, master: Mastering, target: float, *, mixer: Mixer | None = None
) -> "Levels":
    """The one linear gain for the track, and the loudness it gives (generator.master.speechlevel).

    With speech, the gain brings the speech stem to `target` (held lower where the
    limiter would take more than a dB off the voice). Without, it brings the whole
    track to `target` through the limiter (:func:`_mix_gain`). Either way the measuring
    pass keeps a coarse profile of every piece it hears, so the track's loudness after
    the gain and the limiter is predicted (generator.master.measuring.limited) without
    rendering anything again.
    """
    from generator.master import measuring, speechlevel
    from generator.sources.metering import TruePeakLimiter

    mixer = mixer or Mixer(timeline, speech)
    raw = _listen(timeline, speech, master, measuring.plan(timeline), None, mixer, profile=True)
    measured, _ = measuring.loudness(raw)
    voice = speechlevel.speech_loudness(timeline, mixer, master.channels)
    if not math.isfinite(measured):
        return speechlevel.Levels(0.0, measured, voice, measured, "mix")
    limiter = TruePeakLimiter(SAMPLE_RATE, master.channels, ceiling_db=master.true_peak)

    def through_limiter(gain_db: float) -> float:
        gain = 10 ** (gain_db / 20)
        return measuring.loudness([measuring.limited(h, gain, limiter.coarse_reduction, SAMPLE_RATE) for h in raw])[0]

    if math.isfinite(voice):
        peak = speechlevel.speech_peak(timeline, raw, SAMPLE_RATE)
        gain_db, held = speechlevel.anchored_gain(voice, target, peak, limiter.ceiling)
        return speechlevel.Levels(gain_db, measured, voice + gain_db, through_limiter(gain_db), "speech", held)
    gain_db = _mix_gain(measured, target, through_limiter)
    return speechlevel.Levels(gain_db, measured, voice, through_limiter(gain_db), "mix")


def _mix_gain(measured: float, target: float, through_limiter: Callable[[float], float]) -> float:
    """The gain that brings the whole mix to `target` LUFS through the limiter.

    When that gain pushes peaks into the limiter, the limiter takes a little loudness
    away, so the gain is corrected by the secant method on the predicted loudness until
    it is within LOUDNESS_TOLERANCE.
    """
    gain_db = target - measured
    previous: tuple[float, float] | None = None  # (gain, loudness) of the last try
    for _ in range(LIMITER_STEPS):
        limited = through_limiter(gain_db)
        error = target - limited
        if not math.isfinite(limited) or abs(error) <= LOUDNESS_TOLERANCE:
            break
        slope = 1.0
        if previous is not None and limited != previous[1]:
            slope = (gain_db - previous[0]) / (limited - previous[1])  # secant: dB of gain per LU
        previous = (gain_db, limited)
        gain_db += error * min(max(slope, 1.0), 4.0)
    return gain_db


PREVIEW_EDGE_FADE = 0.5
"""Seconds over which a section preview fades the bed in and out where it cuts the track."""


def mastered(
    source: Timeline,
    speech: SpeechBank,
    master: Mastering,
    gain_db: float,
    *,
    window: tuple[int, int] | None = None,
    mixer: Mixer | None = None,
) -> Iterator[np.ndarray]:
    """The write pass's signal: the mix of `window` of `source` (default the whole track)
    times the loudness gain, through the true-peak limiter, block by block, ending with
    the limiter's flush. A window that is not the whole track fades the bed at its cut
    edges (a section preview); `master.progress` hears ('render', done, total)."""
    start, end = window or (0, source.length)
    stage = Limited(gain_db, master.channels, master.true_peak)
    fade = to_samples(PREVIEW_EDGE_FADE) if window else 0
    done = 0
    for block in _mixed(source, speech, master.mono, start, end, mixer=mixer, edge_fade=fade):
        yield stage(block)
        done += block.shape[0]
        if master.progress:
            master.progress("render", done, end - start)
    yield stage.flush()

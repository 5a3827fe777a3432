"""MP3 on every core: the track cut into segments at frame boundaries, each encoded by a
LAME of its own, spliced into one gapless stream.

One LAME encoder is the slowest stage of a render, and it uses one core. Here segment
*k* owns track frames ``k * SEGMENT_FRAMES`` up to the next segment's; its encoder
starts WARMUP_FRAMES earlier (so its analysis, windows and overlap are those of a stream
already running) and runs JOIN_FRAMES + SETTLE_FRAMES past its end (so the next segment
has frames to take over at). Every encoder starts on a multiple of 1,152 samples, so
frame *j* of each stands for the same samples as frame *j* of one encoder over the whole
track; :mod:`generator.output.mp3joins` picks the frame where the next segment takes
over and carries its bit-reservoir bytes across. The spliced stream decodes to exactly
the samples written (the Info frame says the delay and padding), and the same samples
give the same bytes on any number of cores: segments are cut by frame count, not by
timing.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from generator.output.encoders import LameEncoder, LameSettings
from generator.output.mp3frames import split_frames
from generator.output.mp3joins import EncodedSegment, join_frame, splice

FRAME = 1152
"""Samples per MPEG-1 layer III frame."""

SEGMENT_FRAMES = 1024
"""Frames a segment owns (26.7 s at 44.1 kHz): long enough that the warm-up and the
overlap cost about 8 %, short enough that both cores stay busy to the end of a short
track, and that the samples waiting for the encoders (about 5 MB a segment) stay small."""

WARMUP_FRAMES = 64
"""Frames a segment's encoder codes before its own and drops (1.7 s). Fewer leave the
fresh encoder's bit reservoir emptier than a running one's at the join: at 64 kbps, 16
frames of warm-up left 2 to 5 dB more coding noise in the frames after a join; with 64
the noise there is the one encoder's (within 0.5 dB), at 128 kbps too."""

JOIN_FRAMES = 16
"""Frames past a segment's end where the next may take over (the first that fits is used;
after a 64-frame warm-up it is nearly always the first)."""

SETTLE_FRAMES = 4
"""Frames coded past the last join candidate, so the encoder's flush touches none of them."""

RETRY_WARMUPS = (32, 16, 8, 4)
"""Shorter warm-ups to try, in order, when no frame fits. Two encoders that have run a
while can settle into reservoirs a byte or two apart for many frames (the library's
breathing session: the later one fuller at all 16 candidates, and still so after warm-ups
of 80 to 128 frames); a fresh encoder's reservoir starts empty and fills over its first
frames, so a shorter warm-up leaves it emptier than the running one's, which is what a
join needs. The few frames after such a join are coded a little less well (above)."""


FEED_BYTES = 64 * FRAME * 2 * 2
"""PCM handed to LAME per call (64 frames of 16-bit stereo, 128 of mono): lameenc's buffers grow with
what one call hands it (a whole segment at once held 7 MB more per encoder); the bytes
it makes are the same however the samples are fed."""


def encode_segment(settings: LameSettings, first: int, pcm: bytes) -> EncodedSegment:
    """A fresh LAME over `pcm`; its first frame stands for track frame `first`."""
    lame = settings.lame()
    view = memoryview(pcm)
    data = bytearray()
    for start in range(0, max(len(pcm), 1), FEED_BYTES):  # once at least: LAME flushes only what it began
        data += lame.encode(bytes(view[start : start + FEED_BYTES]))
    data += lame.flush()
    return EncodedSegment(first, split_frames(bytes(data)))


class SegmentedMp3Encoder(LameEncoder):
    """The MP3 encoder of the renderer at MPEG-1 rates: LAME on `workers` threads
    (lameenc releases the GIL while it encodes), one segment each, spliced in order as
    they finish. At most `workers + 1` segments are in flight: memory stays flat."""

    def __init__(
        self,
        path: Path,
        *,
        rate: int,
        channels: int,
        bitrate: int = 128,
        vbr_quality: int | None = None,
        quality: int = 3,
        workers: int = 2,
    ) -> None:
        if rate < 32_000:
            raise ValueError("segmented MP3 is MPEG-1 only (32 kHz and up)")
        super().__init__(path, LameSettings(rate, channels, bitrate, vbr_quality, quality))
        self._frame_bytes = FRAME * channels * 2
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="meditate-lame")
        self._in_flight = max(1, workers) + 1
        self._pcm = bytearray()  # samples from frame `_pcm_first` on, not yet handed to a segment
        self._pcm_first = 0
        self._next = 0  # the next segment to submit
        self._jobs: deque[tuple[int, bytes, Future[EncodedSegment]]] = deque()
        self._joined: EncodedSegment | None = None  # frames from the last join on

    def write_prepared(self, prepared: np.ndarray) -> None:
        if prepared.shape[0] == 0:
            return
        self.samples_in += prepared.shape[0]
        self._pcm += prepared.tobytes()
        try:
            while self._pcm_first + len(self._pcm) // self._frame_bytes >= self._stop(self._next):
                self._submit(self._next, self._stop(self._next))
            self._splice(wait=False)
        except BaseException:
            self._give_up()
            raise

    @staticmethod
    def _start(k: int) -> int:
        return max(0, k * SEGMENT_FRAMES - WARMUP_FRAMES)

    @staticmethod
    def _stop(k: int) -> int:
        return (k + 1) * SEGMENT_FRAMES + JOIN_FRAMES + SETTLE_FRAMES

    def _submit(self, k: int, stop: int | None) -> None:
        """Hand segment `k` (its samples up to frame `stop`, or all that are left) to a worker."""
        begin = self._start(k)
        cut = (begin - self._pcm_first) * self._frame_bytes
        pcm = bytes(self._pcm[cut:] if stop is None else self._pcm[cut : (stop - self._pcm_first) * self._frame_bytes])
        self._jobs.append((k, pcm, self._pool.submit(encode_segment, self.settings, begin, pcm)))
        self._next = k + 1
        keep = self._start(k + 1)
        del self._pcm[: (keep - self._pcm_first) * self._frame_bytes]
        self._pcm_first = keep
        self._splice(wait=len(self._jobs) > self._in_flight)

    def _splice(self, *, wait: bool) -> None:
        """Splice finished segments, in order, into the file (waiting for the oldest if `wait`)."""
        while self._jobs and (wait or self._jobs[0][2].done()):
            k, pcm, job = self._jobs.popleft()
            wait = False
            segment = job.result()
            if self._joined is None:
                self._joined = segment
                continue
            j, segment = self._join(k, pcm, segment)
            head, self._joined = splice(self._joined, segment, j)
            self._out.take(b"".join(head))

    def _join(self, k: int, pcm: bytes, segment: EncodedSegment) -> tuple[int, EncodedSegment]:
        """The frame where segment `k` takes over (and the segment: re-encoded from its
        samples `pcm` with a shorter warm-up when no frame fits)."""
        assert self._joined is not None
        begin = k * SEGMENT_FRAMES
        candidates = range(begin, begin + JOIN_FRAMES)
        j = join_frame(self._joined, segment, candidates)
        for warm in RETRY_WARMUPS:
            if j is not None:
                return j, segment
            first = begin - min(warm, begin)
            samples = pcm[(first - self._start(k)) * self._frame_bytes :]
            segment = encode_segment(self.settings, first, samples)
            j = join_frame(self._joined, segment, candidates)
        if j is None:
            raise RuntimeError(f"no frame near {begin} joins two MP3 segments")
        return j, segment

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._submit(self._next, None)  # the last segment: the rest of the samples, to the end
            while self._jobs:
                self._splice(wait=True)
            if self._joined is not None:
                self._out.take(b"".join(self._joined.frames))
        except BaseException:
            self._give_up()
            raise
        self._pool.shutdown(wait=True)
        self._out.finish(self.samples_in)

    def _give_up(self) -> None:
        """After a failure: no more encoding, no Info frame (the caller deletes the file)."""
        self._closed = True
        self._jobs.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._out.close()

"""Splicing two LAME streams of one track into one stream a decoder plays as if one
encoder had made it.

Both encoders coded the frames around the join from the same samples (the later one
started some frames early to warm up, the earlier one ran some frames past its end), and
both started on a multiple of 1,152 samples, so frame *j* of each covers the same
samples. A frame *j* is a safe place to switch from the earlier stream to the later when:

- **the windows agree**: the later encoder's frame *j-1* ended in the same block types as
  the earlier's (the decoder overlaps frame *j*'s first granule with that one, and the
  aliasing cancels only between matching windows);
- **the reservoir fits**: frame *j*'s main data begins `b` bytes before its payload (the
  bit reservoir). Those `b` bytes are copied from the later stream into the last `b`
  payload bytes of the earlier stream's frames before *j*, which is safe only where the
  earlier encoder's own frame *j* reached back at least as far (bytes its earlier frames
  left unused).

The first frame after the warm-up that passes both is the join.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.output.mp3frames import FrameHeader, side_info


@dataclass
class EncodedSegment:
    """One encoder's frames; `first` is the track frame its first frame stands for."""

    first: int
    frames: list[bytes]

    @property
    def end(self) -> int:
        """The track frame after its last."""
        return self.first + len(self.frames)

    def frame(self, index: int) -> bytes:
        return self.frames[index - self.first]


def join_frame(earlier: EncodedSegment, later: EncodedSegment, candidates: range) -> int | None:
    """The first track frame in `candidates` where `later` can take over from `earlier`, if any."""
    for j in candidates:
        if not (earlier.first < j < earlier.end and later.first < j < later.end):
            continue
        if side_info(later.frame(j - 1)).last_windows != side_info(earlier.frame(j - 1)).last_windows:
            continue
        if side_info(later.frame(j)).main_data_begin <= side_info(earlier.frame(j)).main_data_begin:
            return j
    return None


def splice(earlier: EncodedSegment, later: EncodedSegment, j: int) -> tuple[list[bytes], EncodedSegment]:
    """`earlier`'s frames before track frame `j`, carrying `later`'s reservoir bytes for
    frame `j` at their end, and `later` from frame `j` on."""
    head = [bytearray(f) for f in earlier.frames[: j - earlier.first]]
    reach = side_info(later.frame(j)).main_data_begin
    source = later.frames[: j - later.first]
    _put(head, _tail_bytes(source, reach))
    return [bytes(f) for f in head], EncodedSegment(j, later.frames[j - later.first :])


def _payload_slices(frames: list, count: int) -> list[tuple[int, int, int]]:
    """(frame, start, stop) slices holding the last `count` payload bytes of `frames`, in stream order."""
    slices: list[tuple[int, int, int]] = []
    index = len(frames) - 1
    while count > 0:
        if index < 0:
            raise ValueError("a frame's reservoir reaches before the stream")
        frame = frames[index]
        start = FrameHeader(bytes(frame[:4])).payload_start
        take = min(count, len(frame) - start)
        slices.append((index, len(frame) - take, len(frame)))
        count -= take
        index -= 1
    return slices[::-1]


def _tail_bytes(frames: list[bytes], count: int) -> bytes:
    return b"".join(frames[i][a:b] for i, a, b in _payload_slices(frames, count))


def _put(frames: list[bytearray], data: bytes) -> None:
    at = 0
    for i, a, b in _payload_slices(frames, len(data)):
        frames[i][a:b] = data[at : at + b - a]
        at += b - a

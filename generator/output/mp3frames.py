"""MPEG audio layer III frames as bytes: where each frame starts, its header, and the side
information a join between two encoders' streams must respect.

A layer III frame is a header, side information, then "main data" (the coded samples).
Main data is a byte stream of its own, running through the frames' payloads: a frame's
main data may begin up to 511 bytes *before* its own payload (`main_data_begin`, the bit
reservoir), inside the payloads of the frames before it. Splicing two streams is safe only
where that back-pointer finds the right bytes, which :mod:`generator.output.mp3joins` sees to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

BITRATES = {  # kbps by bitrate index, MPEG-1 and MPEG-2/2.5 layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}
MPEG1_RATES = RATES[3]


class FrameHeader:
    """The fields of one MPEG audio frame header that matter here."""

    def __init__(self, header: bytes) -> None:
        if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
            raise ValueError("LAME produced a stream that does not start on a frame header")
        self.version_bits = (header[1] >> 3) & 3  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
        self.mpeg1 = self.version_bits == 3
        self.protected = not (header[1] & 1)  # a 16-bit CRC follows the header
        self.bitrate_index = header[2] >> 4
        self.rate = RATES[self.version_bits][(header[2] >> 2) & 3]
        self.padding = (header[2] >> 1) & 1
        self.mono = (header[3] >> 6) == 3
        self.bitrate = BITRATES[1 if self.mpeg1 else 2][self.bitrate_index] * 1000
        self.samples = 1152 if self.mpeg1 else 576
        self.length = (144 if self.mpeg1 else 72) * self.bitrate // self.rate + self.padding

    @property
    def side_info(self) -> int:
        if self.mpeg1:
            return 17 if self.mono else 32
        return 9 if self.mono else 17

    @property
    def payload_start(self) -> int:
        """Bytes from the frame's first byte to its payload (the main data area)."""
        return 4 + (2 if self.protected else 0) + self.side_info


def whole_frames(data: bytes | bytearray, lengths: dict[bytes, int]) -> Iterator[tuple[int, int]]:
    """(offset, length) of each whole frame at the start of `data`, back to back, up to the
    first frame that is not all there; `lengths` caches frame lengths by header (a stream
    uses only a few)."""
    at = 0
    while len(data) - at >= 4:
        header = bytes(data[at : at + 4])
        length = lengths.get(header)
        if length is None:
            length = lengths[header] = FrameHeader(header).length
        if len(data) - at < length:
            return
        yield at, length
        at += length


def split_frames(data: bytes | bytearray) -> list[bytes]:
    """`data` (whole frames, back to back) cut into its frames."""
    frames = [bytes(data[at : at + length]) for at, length in whole_frames(data, {})]
    left = len(data) - sum(map(len, frames))
    if left:
        raise ValueError(f"{left} bytes at the end are not a whole frame")
    return frames


@dataclass(frozen=True)
class SideInfo:
    """What a join looks at in an MPEG-1 layer III frame's side information."""

    main_data_begin: int
    """Bytes before this frame's payload where its main data begins (0: it uses no reservoir)."""
    windows: tuple[tuple[int, ...], ...]
    """Per granule, per channel: the block type (0 long, 1 start, 2 short, 3 stop)."""

    @property
    def last_windows(self) -> tuple[int, ...]:
        """The second granule's block types: what the next frame's first granule overlaps."""
        return self.windows[-1]


class _Bits:
    def __init__(self, data: bytes, at: int) -> None:
        self.value = int.from_bytes(data, "big")
        self.width = len(data) * 8
        self.at = at * 8

    def read(self, count: int) -> int:
        self.at += count
        return (self.value >> (self.width - self.at)) & ((1 << count) - 1)


def side_info(frame: bytes) -> SideInfo:
    """The main-data back-pointer and block types of an MPEG-1 layer III frame."""
    header = FrameHeader(frame[:4])
    if not header.mpeg1:
        raise ValueError("only MPEG-1 layer III frames are parsed here")
    channels = 1 if header.mono else 2
    bits = _Bits(frame[: header.payload_start], header.payload_start - header.side_info)
    main_data_begin = bits.read(9)
    bits.read(5 if channels == 1 else 3)  # private bits
    bits.read(4 * channels)  # scale factor selection
    windows = []
    for _granule in range(2):
        types = []
        for _channel in range(channels):
            bits.read(12 + 9 + 8 + 4)  # part2_3_length, big_values, global_gain, scalefac_compress
            if bits.read(1):  # window switching
                types.append(bits.read(2))
                bits.read(1 + 10 + 9)  # mixed block flag, table selects, subblock gains
            else:
                types.append(0)
                bits.read(15 + 4 + 3)  # table selects, region counts
            bits.read(3)  # preflag, scalefac_scale, count1table_select
        windows.append(tuple(types))
    return SideInfo(main_data_begin, tuple(windows))

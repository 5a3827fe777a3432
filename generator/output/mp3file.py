"""An MP3 file written frame by frame, with its Xing/LAME "Info" frame put in front last.

LAME puts 576 samples of encoder delay in front of the audio and pads the last frame, and
``lameenc`` writes no header that says so; a decoder would then return about 1,100
samples too many. So the file keeps its first frame free and, when finished, writes an
Info frame there with the frame count, a seek table, and the exact delay and padding:
gapless decoders (mpg123, which is what libsndfile uses, ffmpeg, Apple's) then return
exactly the samples that were encoded. Both the one-encoder and the segmented MP3
encoders write through this.
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path
from typing import BinaryIO

from generator.output.mp3frames import BITRATES, FrameHeader, whole_frames

LAME_ENCODER_DELAY = 576
"""Samples LAME 3.100 puts before the audio (lame_get_encoder_delay); decoders add 529 of their own."""

_TAG_BYTES = 120 + 36  # Xing part with every field, then the LAME extension


def crc16(data: bytes) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), the checksum of the LAME tag."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


class Mp3File:
    """Encoded bytes go to the file as they come (whole frames or not); `finish` writes the Info frame."""

    def __init__(
        self, path: Path, *, rate: int, channels: int, bitrate: int, vbr_quality: int | None, quality: int
    ) -> None:
        self.rate = rate
        self.channels = channels
        self.bitrate = bitrate
        self.vbr_quality = vbr_quality
        self.quality = quality
        self._file: BinaryIO = open(path, "wb")
        self._reserved = self._reserve_size()
        self._file.write(bytes(self._reserved))
        self._pending = bytearray()  # encoded bytes not yet split into whole frames
        self._lengths: dict[bytes, int] = {}  # frame length by header (a stream uses only a few)
        self._offsets = array("Q")  # byte offset of each audio frame, after the Info frame
        self._audio_bytes = 0
        self._first: bytes | None = None

    def _reserve_size(self) -> int:
        """Room for the Info frame: the smallest frame at this rate that holds the tag (CBR: the stream's size)."""
        mpeg1 = self.rate >= 32_000
        table = BITRATES[1 if mpeg1 else 2]
        side = (17 if self.channels == 1 else 32) if mpeg1 else (9 if self.channels == 1 else 17)
        need = 4 + side + _TAG_BYTES
        wanted = self.bitrate if self.vbr_quality is None else 0
        for kbps in table[1:]:
            size = (144 if mpeg1 else 72) * kbps * 1000 // self.rate
            if kbps >= wanted and size >= need:
                self._tag_bitrate_index = table.index(kbps)
                return size
        raise ValueError(f"no MP3 frame at {self.rate} Hz is large enough for the Info tag")

    def take(self, data: bytes) -> None:
        """Write encoded bytes through, noting where each frame starts (for the seek table)."""
        if not data:
            return
        self._file.write(data)
        pending = self._pending
        pending += data
        taken = 0
        for at, length in whole_frames(pending, self._lengths):
            if self._first is None:
                self._first = bytes(pending[at : at + 4])
            self._offsets.append(self._audio_bytes)
            self._audio_bytes += length
            taken = at + length
        del pending[:taken]

    def finish(self, samples: int) -> None:
        """Put the Info frame for `samples` encoded samples in front, and close the file."""
        try:
            if self._pending:
                raise ValueError(f"LAME left {len(self._pending)} bytes that are not a whole frame")
            if self._first is not None:
                self._file.seek(0)
                self._file.write(self._info_frame(samples))
        finally:
            self._file.close()

    def close(self) -> None:
        """Close without the Info frame (a failed render's file, deleted by its caller)."""
        self._file.close()

    def _info_frame(self, samples: int) -> bytes:
        """The Xing/LAME Info frame: frame count, byte count, seek table, delay and padding."""
        assert self._first is not None
        first = FrameHeader(self._first)
        frames = len(self._offsets)
        total_bytes = self._reserved + self._audio_bytes
        padding = frames * first.samples - LAME_ENCODER_DELAY - samples
        if not 0 <= padding < 4096 or LAME_ENCODER_DELAY >= 4096:
            raise ValueError(f"unexpected MP3 padding {padding} for {samples} samples in {frames} frames")

        header = bytearray(self._first)
        header[2] = (self._tag_bitrate_index << 4) | (header[2] & 0x0C) | (header[2] & 0x01)  # no padding bit
        header[1] |= 0x01  # no CRC in the tag frame
        out = bytearray(self._reserved)
        out[0:4] = header
        at = 4 + first.side_info
        cbr = self.vbr_quality is None
        toc = bytes(
            min(255, (self._reserved + self._offsets[min(frames - 1, i * frames // 100)]) * 256 // total_bytes)
            for i in range(100)
        )
        vbr_scale = 100 - 10 * (4 if cbr else self.vbr_quality) - self.quality  # as LAME computes it
        xing = (b"Info" if cbr else b"Xing") + struct.pack(">III", 0x0F, frames, total_bytes) + toc
        xing += struct.pack(">I", vbr_scale)
        source_rate = {44_100: 1, 48_000: 2}.get(self.rate, 0 if self.rate < 44_100 else 3)
        stereo_mode = {0: 1, 1: 3, 2: 2, 3: 0}[self._first[3] >> 6]  # header's channel mode in the tag's numbering
        lame = bytearray(b"LAME3.100")
        lame += bytes([(0 << 4) | (1 if cbr else 4), 0])  # tag revision 0, VBR method; lowpass unknown
        lame += bytes(8)  # replay gain: not computed here (the renderer normalises loudness itself)
        lame += bytes([0, min(255, self.bitrate) if cbr else 0])  # encoding flags / ATH; bitrate
        lame += bytes(
            [LAME_ENCODER_DELAY >> 4, ((LAME_ENCODER_DELAY & 0x0F) << 4) | (padding >> 8), padding & 0xFF]
        )
        lame += bytes([(source_rate << 6) | (stereo_mode << 2), 0]) + struct.pack(">H", 0)  # misc, gain, preset
        lame += struct.pack(">IH", total_bytes, 0)  # music length; music CRC left unset (decoders ignore it)
        tag = xing + lame
        out[at : at + len(tag)] = tag
        end = at + len(tag)
        out[end : end + 2] = struct.pack(">H", crc16(bytes(out[:end])))
        return bytes(out)

"""Streamed encoders: float blocks in, a finished audio file out, in fixed memory.

Every format takes the same float32 ``(n, channels)`` blocks in [-1, 1] and writes them
to disk as they come, so a 30-minute session never sits in memory whole.

MP3 goes through LAME in-process (``lameenc``). LAME puts 576 samples of encoder delay
in front of the audio and pads the last frame, and ``lameenc`` writes no header that
says so; a decoder would then return about 1,100 samples too many. So the encoder keeps
the first frame free and, on close, writes a Xing/LAME "Info" frame there with the frame
count, a seek table, and the exact delay and padding: gapless decoders (mpg123, which is
what libsndfile uses, ffmpeg, Apple's) then return exactly the samples that were written.
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from generator.core.errors import InputError

OGG_CHUNK = 4096
"""libsndfile's Vorbis writer slows down and can fail on very large writes; feed it this much at a time."""


class Encoder(Protocol):
    """What the renderer writes to: blocks in order, then close (which finishes the file).

    `write(block)` is `write_prepared(prepare(block))`: the split lets a caller that
    encodes on another thread convert the samples (clip, scale, round to integers) on
    its own thread, and leave only the encoding itself to the encoder's.
    """

    def prepare(self, block: np.ndarray) -> np.ndarray: ...

    def write_prepared(self, prepared: np.ndarray) -> None: ...

    def write(self, block: np.ndarray) -> None: ...

    def close(self) -> None: ...


def _checked(block: np.ndarray, channels: int) -> np.ndarray:
    """The block as float32 (n, channels), clipped to [-1, 1] so integer formats never wrap."""
    block = np.asarray(block, dtype=np.float32)
    if block.ndim == 1 and channels == 1:
        block = block[:, None]
    if block.ndim != 2 or block.shape[1] != channels:
        raise ValueError(f"expected a block of shape (n, {channels}), got {block.shape}")
    return np.clip(block, -1.0, 1.0)


class _Closing:
    """Context-manager support shared by the encoders: closing finishes the file."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- WAV, FLAC, OGG ---------------------------------------------------------------------------

_SOUNDFILE_FORMATS = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS")}

DITHER_SEED = 0x44495448
"""Dither is noise: a fixed seed keeps two renders of the same script identical to the bit."""


def dithered_pcm16(block: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Float samples in [-1, 1] to 16-bit integers with TPDF dither of one LSB peak.

    Rounding alone turns the quiet end of a fade or a reverb tail into distortion that
    follows the signal (and cuts a long decay off into digital silence); adding the
    difference of two uniform random values before rounding makes the error a steady,
    signal-independent hiss at about -96 dBFS instead.
    """
    noise = rng.random(block.shape, dtype=np.float32) - rng.random(block.shape, dtype=np.float32)
    scaled = np.floor(block * np.float32(32767.0) + noise + np.float32(0.5))
    return np.clip(scaled, -32768, 32767).astype("<i2")


class SoundFileEncoder(_Closing):
    """WAV (16-bit PCM), FLAC (16-bit) and OGG Vorbis through libsndfile; 16-bit is dithered."""

    def __init__(self, path: Path, fmt: str, *, rate: int, channels: int) -> None:
        import soundfile

        container, subtype = _SOUNDFILE_FORMATS[fmt]
        self.path = path
        self.channels = channels
        self.frames = 0
        self._chunk = OGG_CHUNK if fmt == "ogg" else 1 << 20
        self._dither = np.random.default_rng(DITHER_SEED) if subtype == "PCM_16" else None
        self._file = soundfile.SoundFile(
            str(path), "w", samplerate=rate, channels=channels, format=container, subtype=subtype
        )

    def prepare(self, block: np.ndarray) -> np.ndarray:
        """The block as written: dithered 16-bit integers (WAV, FLAC) or float (OGG). Call in order."""
        checked = _checked(block, self.channels)
        return dithered_pcm16(checked, self._dither) if self._dither is not None else checked

    def write_prepared(self, prepared: np.ndarray) -> None:
        for start in range(0, prepared.shape[0], self._chunk):
            self._file.write(prepared[start : start + self._chunk])
        self.frames += prepared.shape[0]

    def write(self, block: np.ndarray) -> None:
        self.write_prepared(self.prepare(block))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


# --- MP3 ------------------------------------------------------------------------------------

LAME_CBR_SCALE = {192: 0.97, 224: 0.98, 256: 1.0, 320: 1.0}
"""LAME's CBR presets scale the input down (0.95 up to 160 kbps) to leave the codec headroom.

That would leave a CBR track 0.45 dB below the loudness the renderer aimed at, so the
encoder divides it back out before LAME sees the samples (VBR applies no scale). A track
limited to -1 dBTP (0.89) stays below full scale after the division.
"""

LAME_ENCODER_DELAY = 576
"""Samples LAME 3.100 puts before the audio (lame_get_encoder_delay); decoders add 529 of their own."""

_BITRATES = {  # kbps by bitrate index, MPEG-1 and MPEG-2/2.5 layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}
_TAG_BYTES = 120 + 36  # Xing part with every field, then the LAME extension


def mp3_bitrates(rate: int) -> tuple[int, ...]:
    """The constant bitrates (kbps) MP3 allows at `rate`: MPEG-1 from 32 kHz up, MPEG-2 below."""
    if rate not in (r for rates in _RATES.values() for r in rates):
        raise InputError(f"MP3 cannot be written at {rate} Hz")
    return _BITRATES[1 if rate >= 32_000 else 2][1:]


class _Frame:
    """The fields of one MPEG audio frame header that matter here."""

    def __init__(self, header: bytes) -> None:
        if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
            raise ValueError("LAME produced a stream that does not start on a frame header")
        self.version_bits = (header[1] >> 3) & 3  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
        self.mpeg1 = self.version_bits == 3
        self.bitrate_index = header[2] >> 4
        self.rate = _RATES[self.version_bits][(header[2] >> 2) & 3]
        self.padding = (header[2] >> 1) & 1
        self.mono = (header[3] >> 6) == 3
        self.bitrate = _BITRATES[1 if self.mpeg1 else 2][self.bitrate_index] * 1000
        self.samples = 1152 if self.mpeg1 else 576
        self.length = (144 if self.mpeg1 else 72) * self.bitrate // self.rate + self.padding

    @property
    def side_info(self) -> int:
        if self.mpeg1:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


def _crc16(data: bytes) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), the checksum of the LAME tag."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


class Mp3Encoder(_Closing):
    """LAME in-process; encoded bytes go to the file as they come, the Info frame goes in last."""

    def __init__(
        self, path: Path, *, rate: int, channels: int, bitrate: int = 128, vbr_quality: int | None = None, quality: int = 3
    ) -> None:
        import lameenc

        self.path = path
        self.channels = channels
        self.rate = rate
        self.bitrate = bitrate
        self.vbr_quality = vbr_quality
        self.quality = quality
        self.samples_in = 0
        self._unscale = 1.0 if vbr_quality is not None else 1.0 / LAME_CBR_SCALE.get(bitrate, 0.95)
        self._lame = lameenc.Encoder()
        self._lame.set_in_sample_rate(rate)
        self._lame.set_out_sample_rate(rate)
        self._lame.set_channels(channels)
        self._lame.set_quality(quality)
        if vbr_quality is None:
            allowed = mp3_bitrates(rate)
            if bitrate not in allowed:
                raise InputError(
                    f"{bitrate} kbps is not an MP3 bitrate at {rate} Hz; choose one of {', '.join(map(str, allowed))}"
                )
            self._lame.set_bit_rate(bitrate)
        else:
            if not 0 <= vbr_quality <= 9:
                raise InputError(f"VBR quality must be 0 (best) to 9, got {vbr_quality}")
            self._lame.set_vbr(4)  # vbr_mtrh, LAME's default VBR method since 3.98
            self._lame.set_vbr_quality(vbr_quality)
        self._file: BinaryIO = open(path, "wb")
        self._reserved = self._reserve_size()
        self._file.write(bytes(self._reserved))
        self._pending = bytearray()  # encoded bytes not yet split into whole frames
        self._lengths: dict[bytes, int] = {}  # frame length by header (a stream uses only a few)
        self._offsets = array("Q")  # byte offset of each audio frame, after the Info frame
        self._audio_bytes = 0
        self._first: bytes | None = None
        self._closed = False

    def _reserve_size(self) -> int:
        """Room for the Info frame: the smallest frame at this rate that holds the tag (CBR: the stream's size)."""
        mpeg1 = self.rate >= 32_000
        table = _BITRATES[1 if mpeg1 else 2]
        side = (17 if self.channels == 1 else 32) if mpeg1 else (9 if self.channels == 1 else 17)
        need = 4 + side + _TAG_BYTES
        wanted = self.bitrate if self.vbr_quality is None else 0
        for kbps in table[1:]:
            size = (144 if mpeg1 else 72) * kbps * 1000 // self.rate
            if kbps >= wanted and size >= need:
                self._tag_bitrate_index = table.index(kbps)
                return size
        raise ValueError(f"no MP3 frame at {self.rate} Hz is large enough for the Info tag")

    def prepare(self, block: np.ndarray) -> np.ndarray:
        """16-bit PCM, (n, channels), undoing LAME's CBR input scale."""
        block = _checked(block, self.channels)
        if self._unscale != 1.0:
            block = np.clip(block * np.float32(self._unscale), -1.0, 1.0)
        return np.round(block * 32767.0).astype("<i2")

    def write_prepared(self, prepared: np.ndarray) -> None:
        if prepared.shape[0] == 0:
            return
        self.samples_in += prepared.shape[0]
        self._take(bytes(self._lame.encode(prepared.tobytes())))

    def write(self, block: np.ndarray) -> None:
        self.write_prepared(self.prepare(block))

    def _take(self, data: bytes) -> None:
        """Write encoded bytes through, noting where each frame starts (for the seek table)."""
        if not data:
            return
        self._file.write(data)
        pending = self._pending
        pending += data
        at = 0
        while len(pending) - at >= 4:
            header = bytes(pending[at : at + 4])
            length = self._lengths.get(header)
            if length is None:
                length = self._lengths[header] = _Frame(header).length
            if len(pending) - at < length:
                break
            if self._first is None:
                self._first = header
            self._offsets.append(self._audio_bytes)
            self._audio_bytes += length
            at += length
        del pending[:at]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.samples_in == 0:
                self._lame.encode(b"")  # lameenc refuses to flush an encoder that never encoded
            self._take(bytes(self._lame.flush()))
            if self._pending:
                raise ValueError(f"LAME left {len(self._pending)} bytes that are not a whole frame")
            if self._first is not None:
                self._file.seek(0)
                self._file.write(self._info_frame())
        finally:
            self._file.close()

    def _info_frame(self) -> bytes:
        """The Xing/LAME Info frame: frame count, byte count, seek table, delay and padding."""
        assert self._first is not None
        first = _Frame(self._first)
        frames = len(self._offsets)
        total_bytes = self._reserved + self._audio_bytes
        padding = frames * first.samples - LAME_ENCODER_DELAY - self.samples_in
        if not 0 <= padding < 4096 or LAME_ENCODER_DELAY >= 4096:
            raise ValueError(f"unexpected MP3 padding {padding} for {self.samples_in} samples in {frames} frames")

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
        out[end : end + 2] = struct.pack(">H", _crc16(bytes(out[:end])))
        return bytes(out)

"""Streamed encoders: float blocks in, a finished audio file out, in fixed memory.

Every format takes the same float32 ``(n, channels)`` blocks in [-1, 1] and writes them
to disk as they come, so a 30-minute session never sits in memory whole.

MP3 goes through LAME in-process (``lameenc``), written through
:class:`generator.output.mp3file.Mp3File`, which puts the Xing/LAME Info frame in front
so gapless decoders return exactly the samples written. At MPEG-1 rates the track is cut
into segments encoded on every core and spliced into one stream
(:mod:`generator.output.mp3segments`); :class:`Mp3Encoder` is one LAME over the whole track.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from generator.core.errors import InputError
from generator.output.mp3file import Mp3File
from generator.output.mp3frames import BITRATES, RATES

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
    """What the encoders share: `write` is `write_prepared(prepare(block))`, and
    context-manager support (closing finishes the file)."""

    def prepare(self, block: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def write_prepared(self, prepared: np.ndarray) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def write(self, block: np.ndarray) -> None:
        self.write_prepared(self.prepare(block))

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


def mp3_bitrates(rate: int) -> tuple[int, ...]:
    """The constant bitrates (kbps) MP3 allows at `rate`: MPEG-1 from 32 kHz up, MPEG-2 below."""
    if rate not in (r for rates in RATES.values() for r in rates):
        raise InputError(f"MP3 cannot be written at {rate} Hz")
    return BITRATES[1 if rate >= 32_000 else 2][1:]


@dataclass(frozen=True)
class LameSettings:
    """How LAME encodes: every encoder of one track (one, or one per segment) is made alike."""

    rate: int
    channels: int
    bitrate: int = 128
    vbr_quality: int | None = None
    quality: int = 3

    def check(self) -> None:
        """InputError for a bitrate or VBR quality MP3 does not have."""
        if self.vbr_quality is None:
            allowed = mp3_bitrates(self.rate)
            if self.bitrate not in allowed:
                raise InputError(
                    f"{self.bitrate} kbps is not an MP3 bitrate at {self.rate} Hz; choose one of {', '.join(map(str, allowed))}"
                )
        elif not 0 <= self.vbr_quality <= 9:
            raise InputError(f"VBR quality must be 0 (best) to 9, got {self.vbr_quality}")
        else:
            mp3_bitrates(self.rate)

    def lame(self):
        """A new lameenc encoder with these settings."""
        import lameenc

        lame = lameenc.Encoder()
        lame.set_in_sample_rate(self.rate)
        lame.set_out_sample_rate(self.rate)
        lame.set_channels(self.channels)
        lame.set_quality(self.quality)
        if self.vbr_quality is None:
            lame.set_bit_rate(self.bitrate)
        else:
            lame.set_vbr(4)  # vbr_mtrh, LAME's default VBR method since 3.98
            lame.set_vbr_quality(self.vbr_quality)
        return lame

    def file(self, path: Path) -> Mp3File:
        return Mp3File(
            path, rate=self.rate, channels=self.channels, bitrate=self.bitrate, vbr_quality=self.vbr_quality, quality=self.quality
        )

    def pcm(self, block: np.ndarray) -> np.ndarray:
        """16-bit PCM, (n, channels), undoing LAME's CBR input scale."""
        block = _checked(block, self.channels)
        unscale = 1.0 if self.vbr_quality is not None else 1.0 / LAME_CBR_SCALE.get(self.bitrate, 0.95)
        if unscale != 1.0:
            block = np.clip(block * np.float32(unscale), -1.0, 1.0)
        return np.round(block * 32767.0).astype("<i2")


class LameEncoder(_Closing):
    """What both MP3 encoders share: one checked LameSettings for every LAME they make, the
    file (with its Info frame), and the 16-bit PCM they are fed."""

    def __init__(self, path: Path, settings: LameSettings) -> None:
        settings.check()
        self.settings = settings
        self.path = path
        self.channels = settings.channels
        self.samples_in = 0
        self._out = settings.file(path)
        self._closed = False

    def prepare(self, block: np.ndarray) -> np.ndarray:
        return self.settings.pcm(block)


class Mp3Encoder(LameEncoder):
    """One LAME encoder in-process over the whole track; bytes go to the file as they come.

    The renderer writes MPEG-1 rates through :class:`generator.output.mp3segments.SegmentedMp3Encoder`
    (segments on both cores); this one serves the MPEG-2 rates and is the reference it is tested against.
    """

    def __init__(
        self, path: Path, *, rate: int, channels: int, bitrate: int = 128, vbr_quality: int | None = None, quality: int = 3
    ) -> None:
        super().__init__(path, LameSettings(rate, channels, bitrate, vbr_quality, quality))
        self._lame = self.settings.lame()

    def write_prepared(self, prepared: np.ndarray) -> None:
        if prepared.shape[0] == 0:
            return
        self.samples_in += prepared.shape[0]
        self._out.take(bytes(self._lame.encode(prepared.tobytes())))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.samples_in == 0:
                self._lame.encode(b"")  # lameenc refuses to flush an encoder that never encoded
            self._out.take(bytes(self._lame.flush()))
        except BaseException:
            self._out.close()
            raise
        self._out.finish(self.samples_in)

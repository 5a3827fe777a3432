"""Sound files: loading them whole (bells, `play`) and looping them under the session.

Reading goes through libsndfile (WAV, FLAC, OGG, MP3 and more). Anything it cannot read
is handed to pydub, which needs ffmpeg; pydub is imported only then, because it warns at
import time when ffmpeg is missing. Everything comes back as float32 stereo at the
mixing rate: mono is doubled, more than two channels keep the first two.

A looped file (and a `play` file, see generator.sources.played) is decoded and
resampled once, in blocks, into an anonymous temporary file (a DiskClip) that is read
back block by block. Its memory therefore stays bounded however long the recording (an
hour of rain is 635 MB decoded: it lives on disk). Files that only pydub can read are
decoded whole first.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from generator.core.audio import SAMPLE_RATE, resample
from generator.core.errors import InputError, display_path

SEAM_SECONDS = 2.0
"""Length of the crossfade where a loop wraps round (shorter for short files)."""

_BLOCK = 65_536


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise InputError(f"sound file not found: {display_path(path)}")
    if not path.is_file():
        raise InputError(f"not a sound file (it is a folder): {display_path(path)}")


def _stereo(samples: np.ndarray) -> np.ndarray:
    """(n,), (n,1), (n,2) or (n,c) to float32 (n,2)."""
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[1] == 1:
        samples = np.repeat(samples, 2, axis=1)
    return np.ascontiguousarray(samples[:, :2], dtype=np.float32)


def _unreadable(path: Path, why: object) -> InputError:
    return InputError(
        f"cannot read sound file {display_path(path)}: not a supported audio file "
        f"(WAV, FLAC, OGG and MP3 work everywhere; other formats need ffmpeg) ({why})"
    )


def _read_with_pydub(path: Path) -> tuple[np.ndarray, int]:
    """The whole file via pydub/ffmpeg, as float32 (n, channels) and its rate."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydub warns about ffmpeg and audioop at import
            from pydub import AudioSegment

            segment = AudioSegment.from_file(str(path))
    except Exception as exc:  # pydub raises many kinds (missing ffmpeg, decode errors)
        raise _unreadable(path, exc) from None
    scale = float(1 << (8 * segment.sample_width - 1))
    data = np.array(segment.get_array_of_samples(), dtype=np.float32) / scale
    return data.reshape(-1, segment.channels), int(segment.frame_rate)


def _blocks(path: Path) -> Iterator[tuple[np.ndarray, int]]:
    """Decoded float32 (n, channels) blocks and the file's rate, read a block at a time."""
    import soundfile as sf

    try:
        handle = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        data, rate = _read_with_pydub(path)
        yield data, rate
        return
    with handle:
        rate = handle.samplerate
        while True:
            try:
                block = handle.read(_BLOCK, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise _unreadable(path, exc) from None
            if block.shape[0] == 0:
                return
            yield block, rate


def load_sound(path: Path) -> np.ndarray:
    """A whole sound file as float32 stereo (n, 2) at 44.1 kHz; InputError if it cannot be read."""
    path = Path(path)
    _check_exists(path)
    parts: list[np.ndarray] = []
    rate = SAMPLE_RATE
    for block, rate in _blocks(path):
        parts.append(block)
    if not parts or sum(p.shape[0] for p in parts) == 0:
        raise InputError(f"sound file is empty: {display_path(path)}")
    samples = _stereo(np.concatenate(parts, axis=0))
    return _stereo(resample(samples, rate, SAMPLE_RATE))


class DiskClip:
    """Decoded float32 stereo frames in an unlinked temporary file, read back with pread.

    Nothing is memory-mapped: blocks are read through the page cache, which the kernel
    may drop at will, so a long recording never grows the process (a mapped hour of rain
    grew it by up to 635 MB as the mixer walked through it). pread keeps no file
    position, so the measuring threads may read one clip at once.
    """

    _FRAME = 8  # two float32 channels

    def __init__(self, handle, frames: int):
        self._handle = handle
        self._fd = handle.fileno()
        self.frames = frames

    @classmethod
    def decode(cls, path: Path, prefix: str = "meditate-sound-") -> DiskClip:
        """`path` decoded and resampled block by block to the mixing rate, to disk."""
        import soxr

        handle = tempfile.TemporaryFile(prefix=prefix)  # noqa: SIM115 - kept open: it holds the clip
        stream = None
        frames = 0
        for block, rate in _blocks(path):
            block = _stereo(block)
            if rate != SAMPLE_RATE:
                if stream is None:
                    stream = soxr.ResampleStream(rate, SAMPLE_RATE, 2, dtype="float32", quality="VHQ")
                block = stream.resample_chunk(block, last=False)
            handle.write(np.ascontiguousarray(block, dtype=np.float32).tobytes())
            frames += block.shape[0]
        if stream is not None:
            tail = stream.resample_chunk(np.zeros((0, 2), dtype=np.float32), last=True)
            handle.write(np.ascontiguousarray(tail, dtype=np.float32).tobytes())
            frames += tail.shape[0]
        handle.flush()
        return cls(handle, frames)

    @classmethod
    def of(cls, samples: np.ndarray, prefix: str = "meditate-sound-") -> DiskClip:
        """`samples` (float32 (n, 2)) written to disk: the array may be dropped after."""
        handle = tempfile.TemporaryFile(prefix=prefix)  # noqa: SIM115 - kept open: it holds the clip
        handle.write(np.ascontiguousarray(samples, dtype=np.float32).data)  # no copy of the bytes
        handle.flush()
        return cls(handle, int(samples.shape[0]))

    def read(self, start: int, count: int) -> np.ndarray:
        """Frames ``start .. start+count`` (within the clip) as a new float32 (count, 2) array."""
        data = os.pread(self._fd, count * self._FRAME, start * self._FRAME)
        return np.frombuffer(data, dtype=np.float32).reshape(-1, 2).copy()

    def write(self, start: int, frames: np.ndarray) -> None:
        os.pwrite(self._fd, np.ascontiguousarray(frames, dtype=np.float32).tobytes(), start * self._FRAME)

    def close(self) -> None:
        self._handle.close()


def read_window(
    clip: DiskClip, frames: int, start: int, count: int, shape: Callable[[int, np.ndarray], np.ndarray]
) -> np.ndarray:
    """Samples ``start .. start+count`` of the first `frames` of `clip` as float32 (count, 2),
    silent outside them; `shape(lo, samples)` shapes each read (fades, gain) before it is placed."""
    out = np.zeros((count, 2), dtype=np.float32)
    lo, hi = max(start, 0), min(start + count, frames)
    if hi <= lo:
        return out
    samples = shape(lo, clip.read(lo, hi - lo))
    out[lo - start : lo - start + samples.shape[0]] = samples
    return out


def _decode_to_disk(path: Path) -> DiskClip:
    """`path` decoded to disk for looping (at least two frames)."""
    clip = DiskClip.decode(path, prefix="meditate-loop-")
    if clip.frames < 2:
        clip.close()
        raise InputError(f"sound file is empty or too short to loop: {display_path(path)}")
    return clip


class FileLoopSource:
    """A sound file repeated for ever, the end of each pass crossfaded into the next.

    The loop's period is ``n - seam``: its first `seam` samples are the file's head fading
    in (equal power) under the file's tail fading out, so playing sample ``period - 1`` then
    sample 0 is exactly the file's own continuation and the wrap never jumps.
    """

    def __init__(self, path: Path, seam_seconds: float = SEAM_SECONDS):
        path = Path(path)
        _check_exists(path)
        self.path = path
        data = _decode_to_disk(path)
        frames = data.frames
        seam = min(int(seam_seconds * SAMPLE_RATE), frames // 4)
        self.period = frames - seam
        if seam > 0:
            ramp = (np.arange(seam, dtype=np.float64) + 0.5) / seam
            fade_in = np.sin(0.5 * np.pi * ramp)[:, None]
            fade_out = np.cos(0.5 * np.pi * ramp)[:, None]
            data.write(0, data.read(0, seam) * fade_in + data.read(self.period, seam) * fade_out)
        self._data = data

    def render(self, start: int, count: int) -> np.ndarray:
        out = np.empty((count, 2), dtype=np.float32)
        done = 0
        position = start % self.period
        while done < count:  # contiguous reads from the decoded file
            take = min(count - done, self.period - position)
            out[done : done + take] = self._data.read(position, take)
            done += take
            position = 0
        return out

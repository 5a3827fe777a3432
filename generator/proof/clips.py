"""Cutting sentences out of a rendered track, as the recogniser wants them (16 kHz mono).

The track is read through libsndfile (WAV, FLAC, OGG, and MP3 on libsndfile 1.1 and
later), seeking to each sentence, so an 18-minute track is never decoded whole. A file
libsndfile cannot open is decoded whole through pydub (ffmpeg), as sound files are
elsewhere in the program.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from generator.core.errors import InputError, display_path
from generator.proof.transcribe import RATE
from generator.sources.files import _read_with_pydub


class TrackAudio:
    """One rendered track, open for reading stretches of it."""

    def __init__(self, path: Path):
        import soundfile as sf

        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{display_path(self.path)}: no such track")
        self._whole: np.ndarray | None = None
        try:
            self._file = sf.SoundFile(str(self.path))
            self.rate = self._file.samplerate
            self.frames = self._file.frames
        except (sf.LibsndfileError, RuntimeError, TypeError):

            self._file = None
            whole, self.rate = _read_with_pydub(self.path)
            self._whole = whole.mean(axis=1).astype(np.float32)
            self.frames = len(self._whole)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    def cut(self, start: float, end: float) -> np.ndarray:
        """The stretch from `start` to `end` seconds, mono float32 at 16 kHz (empty past the end)."""
        import soxr

        first = max(0, int(start * self.rate))
        last = min(self.frames, int(np.ceil(end * self.rate)))
        if last <= first:
            return np.zeros(0, dtype=np.float32)
        if self._whole is not None:
            mono = self._whole[first:last]
        else:
            import soundfile as sf

            try:
                self._file.seek(first)
                block = self._file.read(last - first, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise InputError(f"{display_path(self.path)}: cannot read the track ({exc})") from None
            mono = block.mean(axis=1)
        return soxr.resample(mono, self.rate, RATE).astype(np.float32)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

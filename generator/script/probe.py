"""How long a sound file lasts, read from its header, without decoding it.

The loader asks before anything is synthesized, so a text file named `.wav` is refused at
its place in the script and a file's length counts toward the length check.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path


def probe_seconds(path: Path) -> Fraction | None:
    """The file's duration from libsndfile's header, or ffprobe's for what libsndfile
    cannot read; None when neither can read it."""
    import soundfile

    try:
        info = soundfile.info(str(path))
    except Exception:  # libsndfile raises several types for unreadable files
        return _ffprobe_seconds(path)
    return Fraction(info.frames, info.samplerate) if info.samplerate > 0 else Fraction(0)


def _ffprobe_seconds(path: Path) -> Fraction | None:
    """A file's duration by ffprobe (what decodes what libsndfile cannot); None if unreadable."""
    if not shutil.which("ffprobe"):
        return None
    import subprocess

    try:
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
            capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return Fraction(done.stdout.strip()) if done.returncode == 0 else None
    except ValueError:
        return None

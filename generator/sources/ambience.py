"""Ambiences: the shipped recordings (rain, a stream, the sea ...) looped under the session.

Each file in `audio_assets/` is one period of a seamless loop (it was synthesized as a
periodic signal, see `tools/make_audio_assets.py`), so it loops end to start with no
crossfade at all: the file loop is used with a seam of zero. The decoded file is shared
(memory-mapped, like any looped file); each layer adds only its own starting offset and
gain.

The offset comes from the layer's identity (the bed's seed, the ambience's name, and how
many layers of the same ambience came before it), so two `rain` layers are not in phase
and never sum into one louder copy, while the same layer renders the same samples
wherever it is asked for.

Level: every file was normalised to a fixed integrated loudness (its manifest says which),
and is brought here to PINK_LUFS, the loudness of the pink noise layer at the same
volume. So `ambience: rain` at `volume: -24dB` is as loud as `noise: pink` at -24 dB.
"""

from __future__ import annotations

import zlib

import numpy as np

from generator.assets import ambience, asset_path
from generator.sources import Source
from generator.sources.files import FileLoopSource

PINK_LUFS = 0.6
"""Integrated loudness (BS.1770, stereo) of the pink noise layer at full scale (RMS 0.707 in
each ear, independent ears): the level every ambience is brought to before `volume`."""


def loop_for(name: str) -> FileLoopSource:
    """The decoded loop of the shipped recording `name` (no seam: the file is one period)."""
    return FileLoopSource(asset_path(name), seam_seconds=0.0)


class AmbienceSource:
    """A shipped recording as a layer: looped, from an offset of its own, at the pink noise level."""

    def __init__(self, name: str, identity: str, loop: Source | None = None):
        sound = ambience(name)
        self.loop = loop if loop is not None else loop_for(name)
        self.period = int(self.loop.period)
        self.offset = zlib.crc32(f"{identity}/{name}".encode()) % self.period
        self.gain = np.float32(10 ** ((PINK_LUFS - sound.loudness) / 20))

    def render(self, start: int, count: int) -> np.ndarray:
        out = self.loop.render(start + self.offset, count)
        out *= self.gain
        return out

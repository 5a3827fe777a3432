"""Audio file types: the suffix a track's file ends in and the MIME type it is announced as.

One table for the facts several stages share: the output formats
(:mod:`generator.output.formats`) take their suffix and MIME type from it, publish lists a
folder's tracks by it, and a batch roster keeps a file name that ends in a suffix the
program writes. It sits in core because the roster (in ``script``) is below the output
stage; a test keeps the `written` entries and the formats table one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AudioType:
    """One kind of audio file, by its suffix."""

    suffix: str
    mime: str
    written: bool
    """Whether the program renders to it (one of the output formats)."""


AUDIO_TYPES: dict[str, AudioType] = {
    t.suffix: t
    for t in (
        AudioType(".mp3", "audio/mpeg", written=True),
        AudioType(".m4a", "audio/mp4", written=False),
        AudioType(".ogg", "audio/ogg", written=True),
        AudioType(".oga", "audio/ogg", written=False),
        AudioType(".opus", "audio/ogg", written=False),
        AudioType(".flac", "audio/flac", written=True),
        AudioType(".wav", "audio/wav", written=True),
    )
}
"""Every audio file type the program lists or writes, by suffix, in the order publish
prefers them when one name exists in several (the feed wants MP3 first)."""

WRITTEN_SUFFIXES = tuple(suffix for suffix, kind in AUDIO_TYPES.items() if kind.written)
"""The suffixes of the files the program renders."""

DEFAULT_SUFFIX = ".mp3"
"""The suffix of the default output format (generator.output.formats.DEFAULT_FORMAT)."""

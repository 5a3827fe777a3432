"""An MP3 copy of a track for the feed, when the practitioner rendered FLAC, WAV or OGG.

Apple Podcasts plays MP3 and AAC only, and a lossless file is ten times the download, so
such tracks are published as MP3 (128 kbps, LAME), with their title, artist, cover and
chapters carried over as ID3 tags. The loudness is left as it was rendered.
"""

from __future__ import annotations

from pathlib import Path

from generator.publish.catalog import Track
from generator.output import open_encoder
from generator.output.formats import by_suffix
from generator.output.tags import Id3Text, add_id3_frames, time_ordered

BITRATE = 128
RECIPE = f"mp3-{BITRATE}-v1"
_MP3_RATES = (32_000, 44_100, 48_000)
_BLOCK = 1 << 16


def needs_mp3(suffix: str) -> bool:
    """Whether a track in this format must become an MP3 for podcast apps: the output
    formats table says which of ours every app plays; AAC in M4A (not one of ours) plays
    everywhere too; anything else (FLAC, WAV, OGG, Opus) does not play in Apple Podcasts."""

    if suffix.lower() == ".m4a":
        return False
    fmt = by_suffix(suffix)
    return not (fmt is not None and fmt.podcast_ready)


def to_mp3(track: Track, dest: Path) -> None:
    """Encode `track` as MP3 into `dest`. Raises on audio soundfile cannot read."""
    import soundfile

    with soundfile.SoundFile(str(track.audio)) as source:
        channels = min(source.channels, 2)
        rate = source.samplerate if source.samplerate in _MP3_RATES else 48_000
        resampler = None
        if rate != source.samplerate:
            import soxr

            resampler = soxr.ResampleStream(source.samplerate, rate, channels, dtype="float32")
        encoder = open_encoder(dest, "mp3", rate=rate, channels=channels, bitrate=BITRATE)
        try:
            while True:
                block = source.read(_BLOCK, dtype="float32", always_2d=True)
                last = len(block) < _BLOCK
                block = block[:, :channels]
                if resampler is not None:
                    block = resampler.resample_chunk(block, last=last)
                if len(block):
                    encoder.write(block)
                if last:
                    break
        finally:
            encoder.close()
    _tag(track, dest)


def _tag(track: Track, dest: Path) -> None:
    """Title, artist, album, description, cover and chapters, as the renderer tags MP3s."""
    from mutagen.id3 import ID3

    tags = time_ordered(ID3())
    chapters = tuple((c.title, round(c.start * 1000), round(c.end * 1000)) for c in track.chapters)
    text = Id3Text(track.title, track.artist, track.album, track.description, chapters=chapters)
    cover = track.cover
    add_id3_frames(tags, text, cover.data if cover is not None else None, cover.mime if cover is not None else "image/png")
    tags.save(str(dest), v2_version=4)

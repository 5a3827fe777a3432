"""An MP3 copy of a track for the feed, when the practitioner rendered FLAC, WAV or OGG.

Apple Podcasts plays MP3 and AAC only, and a lossless file is ten times the download, so
such tracks are published as MP3 (128 kbps, LAME), with their title, artist, cover and
chapters carried over as ID3 tags. The loudness is left as it was rendered.
"""

from __future__ import annotations

from pathlib import Path

from generator.publish.catalog import Track

BITRATE = 128
RECIPE = f"mp3-{BITRATE}-v1"
_MP3_RATES = (32_000, 44_100, 48_000)
_BLOCK = 1 << 16


def needs_mp3(suffix: str) -> bool:
    """Whether a track in this format must become an MP3 for podcast apps: the output
    formats table says which of ours every app plays; AAC in M4A (not one of ours) plays
    everywhere too; anything else (FLAC, WAV, OGG, Opus) does not play in Apple Podcasts."""
    from generator.output.formats import by_suffix

    if suffix.lower() == ".m4a":
        return False
    fmt = by_suffix(suffix)
    return not (fmt is not None and fmt.podcast_ready)


def to_mp3(track: Track, dest: Path) -> None:
    """Encode `track` as MP3 into `dest`. Raises on audio soundfile cannot read."""
    import soundfile

    from generator.output import open_encoder

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
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TIT2, TPE1, CTOCFlags, PictureType

    from generator.output.tags import time_ordered

    tags = time_ordered(ID3())
    tags.add(TIT2(encoding=3, text=[track.title]))
    if track.artist:
        tags.add(TPE1(encoding=3, text=[track.artist]))
    if track.album:
        tags.add(TALB(encoding=3, text=[track.album]))
    if track.description:
        tags.add(COMM(encoding=3, lang="XXX", desc="", text=[track.description]))
    if track.cover is not None:
        tags.add(APIC(encoding=3, mime=track.cover.mime, type=PictureType.COVER_FRONT, desc="Cover", data=track.cover.data))
    ids = [f"chp{n}" for n in range(len(track.chapters))]
    for element, chapter in zip(ids, track.chapters):
        tags.add(
            CHAP(
                element_id=element,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=[chapter.title])],
            )
        )
    if ids:
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids))
    tags.save(str(dest), v2_version=4)

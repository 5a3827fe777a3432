"""Title, artist, cover and chapters, written into the finished file with mutagen.

Podcast apps and phones read ID3v2.4 in MP3 (and in WAV, as an ``id3`` chunk): text
frames, an APIC front cover, and one CHAP frame per section listed by a CTOC table, which
is what makes the sections show up as chapters. FLAC and OGG carry Vorbis comments
instead, with the picture block and the ``CHAPTERnnn`` convention that players such as
VLC, foobar2000 and Kodi read.
"""

from __future__ import annotations

import base64
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.images import image_mime, image_size
from generator.core.languages import three_letter_code as language_code
from generator.plan.timeline import Timeline

GENRE = "Meditation"
PLACEHOLDER_NAMES = frozenset({"your practitioner", "practitioner"})
"""Names the templates stand in for the practitioner's own (casefolded): never for a client's eyes."""


def release_year() -> int:
    """This year, or the year of SOURCE_DATE_EPOCH so reproducible builds get identical tags."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else time.time()
    return time.gmtime(seconds).tm_year


def to_ms(samples: int, rate: int) -> int:
    """Samples to whole milliseconds, rounded half up in exact integer arithmetic."""
    return (samples * 1000 + rate // 2) // rate


def chapter_stamp(ms: int) -> str:
    """Milliseconds as ``hh:mm:ss.mmm``, the form of Vorbis CHAPTERnnn comments and WebVTT."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def tag_id3_file(path: Path, timeline: Timeline, cover: bytes | None, cover_mime: str = "image/png") -> None:
    """An ID3v2.4 tag at the head of an MP3 file."""
    from mutagen.id3 import ID3

    tags = time_ordered(ID3())
    _id3_frames(tags, timeline, cover, _cover_mime(cover, cover_mime))
    tags.save(str(path), v2_version=4)


def tag_wave(path: Path, timeline: Timeline, cover: bytes | None, cover_mime: str = "image/png") -> None:
    """An ID3v2.4 tag in a WAV file's ``id3`` chunk."""
    from mutagen.wave import WAVE

    audio = WAVE(str(path))
    if audio.tags is None:
        audio.add_tags()
    audio.tags = time_ordered(audio.tags)
    _id3_frames(audio.tags, timeline, cover, _cover_mime(cover, cover_mime))
    audio.save(v2_version=4)


def tag_flac(path: Path, timeline: Timeline, cover: bytes | None, cover_mime: str = "image/png") -> None:
    """Vorbis comments, a picture block and CHAPTERnnn chapters in a FLAC file."""
    _vorbis(path, "flac", timeline, cover, _cover_mime(cover, cover_mime))


def tag_ogg(path: Path, timeline: Timeline, cover: bytes | None, cover_mime: str = "image/png") -> None:
    """Vorbis comments, a picture and CHAPTERnnn chapters in an OGG Vorbis file."""
    _vorbis(path, "ogg", timeline, cover, _cover_mime(cover, cover_mime))


def _cover_mime(cover: bytes | None, declared: str) -> str:
    return image_mime(cover, declared) if cover is not None else declared


def _check_artist(timeline: Timeline) -> None:
    """Warn when the templates' placeholder name is about to reach a client."""
    artist = (timeline.session.artist or "").strip()
    if artist.casefold() in PLACEHOLDER_NAMES:
        warnings.warn(
            f"the artist tag and the default cover say '{artist}', the templates' placeholder name: "
            "set `practitioner` in the script (or --set practitioner='Your Name') before sending the track",
            stacklevel=3,
        )


def time_ordered(tags: Any) -> Any:
    """The same ID3 tag, but saved with its CHAP frames in time order.

    mutagen writes frames sorted by size, so chapters land in the file shuffled. Apps
    that follow the CTOC do not mind, but ffprobe and ffmpeg take chapters in file order,
    and converting the track (to MKA or M4A) then keeps one chapter or the wrong ones.
    The tag's class is swapped for a subclass whose frame order is: the usual text
    frames, the CTOC, the chapters by start time, the pictures last.
    """
    base = type(tags)
    if getattr(base, "_time_ordered", False):
        return tags
    tags.__class__ = type(f"TimeOrdered{base.__name__}", (_TimeOrderedFrames, base), {})
    return tags


class _TimeOrderedFrames:
    """Mixin over mutagen's ID3 classes: overrides the frame-order step of `save`."""

    _time_ordered = True

    def _write(self, config: Any) -> bytearray:
        from mutagen.id3._tags import save_frame

        def key(frame: Any) -> tuple[int, int, int]:
            if frame.FrameID == "CHAP":
                return (2, frame.start_time, frame.end_time)
            if frame.FrameID == "CTOC":
                return (1, 0, 0)
            return (3 if frame.FrameID == "APIC" else 0, 0, 0)

        frames = sorted(self.values(), key=key)  # stable: insertion order within a group
        return bytearray().join(save_frame(f, config=config) for f in frames)


@dataclass(frozen=True)
class Id3Text:
    """What an ID3 tag says of a track: its texts and its chapters as (title, start ms, end ms)."""

    title: str
    artist: str | None = None
    album: str | None = None
    description: str | None = None
    language: str = "und"
    chapters: tuple[tuple[str, int, int], ...] = ()
    extra: tuple = ()
    """More frames (the renderer's year, genre and language)."""


def add_id3_frames(tags, text: Id3Text, cover: bytes | None, cover_mime: str) -> None:
    """Text frames, cover, one CHAP per chapter and the CTOC that orders them: the renderer's
    MP3 and WAV tags and publish's transcoded MP3s are written by this one function."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, TALB, TIT2, TPE1, CTOCFlags, PictureType

    tags.add(TIT2(encoding=3, text=[text.title]))
    if text.artist:
        tags.add(TPE1(encoding=3, text=[text.artist]))
    if text.album:
        tags.add(TALB(encoding=3, text=[text.album]))
    if text.description:
        tags.add(COMM(encoding=3, lang=text.language if text.language != "und" else "XXX", desc="", text=[text.description]))
    for frame in text.extra:
        tags.add(frame)
    if cover is not None:
        tags.add(APIC(encoding=3, mime=cover_mime, type=PictureType.COVER_FRONT, desc="Cover", data=cover))
    ids = [f"chp{number}" for number in range(len(text.chapters))]
    for element, (title, start, end) in zip(ids, text.chapters):
        tags.add(
            CHAP(
                element_id=element,
                start_time=start,
                end_time=end,
                start_offset=0xFFFFFFFF,  # "use the times", as the ID3 chapter spec says
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=[title])],
            )
        )
    if ids:
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=[text.title])],
            )
        )


def _id3_frames(tags, timeline: Timeline, cover: bytes | None, cover_mime: str) -> None:
    """The rendered track's ID3 frames (shared by MP3 and WAV)."""
    from mutagen.id3 import TCON, TDRC, TLAN

    _check_artist(timeline)
    session = timeline.session
    lang = language_code(session.language)
    chapters = tuple(
        (section.title, to_ms(section.start, timeline.rate), to_ms(section.end, timeline.rate)) for section in timeline.sections
    )
    extra = (TDRC(encoding=3, text=[str(release_year())]), TCON(encoding=3, text=[GENRE]), TLAN(encoding=3, text=[lang]))
    text = Id3Text(timeline.title, session.artist, session.album, session.description, lang, chapters, extra)
    add_id3_frames(tags, text, cover, cover_mime)


def _vorbis(path: Path, fmt: str, timeline: Timeline, cover: bytes | None, cover_mime: str) -> None:
    """Vorbis comments, the picture and CHAPTERnnn chapters for FLAC and OGG Vorbis."""
    from mutagen.flac import FLAC, Picture
    from mutagen.id3 import PictureType

    _check_artist(timeline)
    from mutagen.oggvorbis import OggVorbis

    audio = FLAC(str(path)) if fmt == "flac" else OggVorbis(str(path))
    if audio.tags is None:
        audio.add_tags()
    session = timeline.session
    comments: dict[str, str] = {
        "TITLE": timeline.title,
        "DATE": str(release_year()),
        "GENRE": GENRE,
        "LANGUAGE": session.language,
    }
    if session.artist:
        comments["ARTIST"] = session.artist
    if session.album:
        comments["ALBUM"] = session.album
    if session.description:
        comments["DESCRIPTION"] = session.description
        comments["COMMENT"] = session.description
    for number, section in enumerate(timeline.sections, start=1):
        comments[f"CHAPTER{number:03d}"] = chapter_stamp(to_ms(section.start, timeline.rate))
        comments[f"CHAPTER{number:03d}NAME"] = section.title
    for key, value in comments.items():
        audio[key] = [value]
    if cover is not None:
        picture = Picture()
        picture.type = PictureType.COVER_FRONT
        picture.mime = cover_mime
        picture.desc = "Cover"
        picture.data = cover
        size = image_size(cover)
        if size:
            picture.width, picture.height = size
            picture.depth = 24
        if fmt == "flac":
            audio.clear_pictures()
            audio.add_picture(picture)
        else:
            audio["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()

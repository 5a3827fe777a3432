"""Read rendered tracks into plain values: tags first, then sidecars, then the file itself.

A track folder may hold tracks from older renders, other formats, or files a practitioner
made by hand, so every field has a fallback: the timeline `NAME.json` when a tag is
missing, the file name when there is no title, the audio's own length when there is no
timeline. A file that cannot be read as audio at all is skipped with a note, never fatal.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator.core.audiotypes import AUDIO_TYPES
from generator.core.images import image_mime
from generator.core.errors import InputError, display_path
from generator.core.languages import two_letter_code
from generator.kinds.steps import STEP_KINDS
from generator.publish.captions import Cue, parse_timestamp, parse_vtt
from generator.output.variants import VARIANTS, variant_of

_SPOKEN = frozenset(entry for kind in STEP_KINDS.values() for entry in kind.spoken_entries)
"""The plan entry kinds whose text is words spoken: a track without captions gets them from its timeline."""
IMAGE_TYPES: dict[str, str] = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}

@dataclass(frozen=True)
class Chapter:
    """A section of a track: where it starts (seconds) and what it is called."""

    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Cover:
    """An image's bytes and type, from a tag or a file beside the track."""

    data: bytes
    mime: str

    @property
    def suffix(self) -> str:
        return {"image/png": ".png", "image/webp": ".webp"}.get(self.mime, ".jpg")


@dataclass(frozen=True)
class Track:
    """Everything the page and the feed say about one rendered track."""

    audio: Path
    title: str
    duration: float
    mime: str
    size: int
    artist: str = ""
    album: str = ""
    description: str = ""
    year: str = ""
    language: str = ""
    chapters: tuple[Chapter, ...] = ()
    cues: tuple[Cue, ...] = ()
    captions: Path | None = None
    cover: Cover | None = None
    mixes: tuple[tuple[str, Path], ...] = ()  # other backgrounds rendered beside it: ("softer", path)

    @property
    def name(self) -> str:
        """The file name without its suffix: the key a track keeps across re-publishing."""
        return self.audio.stem


@dataclass
class Catalog:
    """The tracks of one folder, in file-name order, and what was noticed while reading."""

    tracks: list[Track]
    notes: list[str] = field(default_factory=list)
    folder_cover: Cover | None = None


def read_catalog(folder: Path) -> Catalog:
    """Every audio track directly inside `folder` (not below it)."""
    if not folder.is_dir():
        raise InputError(f"{display_path(folder)}: no such folder")
    notes: list[str] = []
    chosen: dict[str, Path] = {}
    order = list(AUDIO_TYPES)
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in AUDIO_TYPES or not path.is_file() or path.name.startswith("."):
            continue
        other = chosen.get(path.stem)
        if other is None or order.index(suffix) < order.index(other.suffix.lower()):
            if other is not None:
                notes.append(f"{display_path(other)}: skipped, {path.name} has the same name")
            chosen[path.stem] = path
        else:
            notes.append(f"{display_path(path)}: skipped, {other.name} has the same name")
    mixes = _mixes_of(chosen)
    tracks: list[Track] = []
    for stem in sorted(chosen, key=str.casefold):
        track = read_track(chosen[stem], notes)
        if track is not None:
            tracks.append(replace(track, mixes=mixes.get(stem, ())))
    return Catalog(tracks, notes, _folder_cover(folder))


def _mixes_of(chosen: dict[str, Path]) -> dict[str, tuple[tuple[str, Path], ...]]:
    """Take the other mixes of a track (`evening.softer.mp3` beside `evening.mp3`) out of
    the tracks: they are the same track with another background, not tracks of their own."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for stem, path in list(chosen.items()):
        named = variant_of(path)
        if named is not None and named[0] in chosen and path.suffix.lower() == chosen[named[0]].suffix.lower():
            found.setdefault(named[0], []).append((named[1], chosen.pop(stem)))
    order = list(VARIANTS)
    return {stem: tuple(sorted(mixes, key=lambda m: order.index(m[0]))) for stem, mixes in found.items()}


def read_track(path: Path, notes: list[str]) -> Track | None:
    """One track, or None (with a note) when the file is not readable audio."""
    import mutagen

    try:
        audio = mutagen.File(path)
    except Exception as exc:  # mutagen raises many types for damaged files
        notes.append(f"{display_path(path)}: skipped, not readable audio ({exc})")
        return None
    duration = float(getattr(getattr(audio, "info", None), "length", 0) or 0)
    if audio is None or duration <= 0:
        duration = _soundfile_length(path)
    if duration <= 0:
        notes.append(f"{display_path(path)}: skipped, not readable audio")
        return None
    tags = _read_tags(audio) if audio is not None else {}
    timeline = _read_timeline(path.with_suffix(".json"), notes)
    captions = path.with_suffix(".vtt")
    cues = parse_vtt(captions.read_text(encoding="utf-8", errors="replace")) if captions.is_file() else []
    if not cues:
        cues = _cues_from_timeline(timeline)
    chapters = _chapters_from_timeline(timeline, duration) or _clip(tags.get("chapters", []), duration)
    return Track(
        audio=path,
        title=tags.get("title") or str(timeline.get("title") or "") or _title_from_name(path.stem),
        duration=duration,
        mime=AUDIO_TYPES[path.suffix.lower()].mime,
        size=path.stat().st_size,
        artist=tags.get("artist", ""),
        album=tags.get("album", ""),
        description=tags.get("description", ""),
        year=tags.get("year", ""),
        language=two_letter_code(tags.get("language", "")),
        chapters=tuple(chapters),
        cues=tuple(cues),
        captions=captions if captions.is_file() else None,
        cover=tags.get("cover") or _image_beside(path),
    )


# --- tags -------------------------------------------------------------------------------


def _read_tags(audio: Any) -> dict[str, Any]:
    """Title, artist, album, description, year, language, cover, chapters, whatever exists."""
    from mutagen.id3 import ID3

    tags = getattr(audio, "tags", None)
    if isinstance(tags, ID3):
        return _id3_tags(tags)
    if tags is not None and hasattr(tags, "get") and type(tags).__name__ == "MP4Tags":
        return _mp4_tags(audio, tags)
    if tags is not None and hasattr(tags, "get"):
        return _vorbis_tags(audio, tags)
    return {}


def _id3_tags(tags: Any) -> dict[str, Any]:
    def text(frame_id: str) -> str:
        frame = tags.get(frame_id)
        return str(frame.text[0]).strip() if frame is not None and frame.text else ""

    comments = [c for c in tags.getall("COMM") if c.text and str(c.text[0]).strip()]
    comments.sort(key=lambda c: (c.desc != "", c.desc))  # the plain comment first
    pictures = sorted(tags.getall("APIC"), key=lambda p: p.type != 3)  # front cover first
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    return {
        "title": text("TIT2"),
        "artist": text("TPE1"),
        "album": text("TALB"),
        "description": str(comments[0].text[0]).strip() if comments else "",
        "year": str(tags.get("TDRC").text[0])[:4] if tags.get("TDRC") and tags.get("TDRC").text else "",
        "language": text("TLAN"),
        "cover": Cover(pictures[0].data, _image_mime(pictures[0].mime, pictures[0].data)) if pictures else None,
        "chapters": [
            Chapter(_chap_title(c, i), c.start_time / 1000, c.end_time / 1000)
            for i, c in enumerate(chapters, 1)
        ],
    }


def _chap_title(chap: Any, number: int) -> str:
    sub = chap.sub_frames.get("TIT2")
    return str(sub.text[0]).strip() if sub is not None and sub.text else f"Chapter {number}"


def _vorbis_tags(audio: Any, tags: Any) -> dict[str, Any]:
    def text(*keys: str) -> str:
        for key in keys:
            values = tags.get(key) or tags.get(key.upper())
            if values and str(values[0]).strip():
                return str(values[0]).strip()
        return ""

    from mutagen.flac import Picture

    pictures = list(getattr(audio, "pictures", []) or [])
    for encoded in tags.get("metadata_block_picture", []) or []:
        try:
            pictures.append(Picture(base64.b64decode(encoded)))
        except Exception:
            continue
    pictures.sort(key=lambda p: p.type != 3)
    chapters: list[Chapter] = []
    for n in range(1, 1000):
        start = text(f"chapter{n:03d}")
        if not start:
            break
        try:
            chapters.append(Chapter(text(f"chapter{n:03d}name") or f"Chapter {n}", parse_timestamp(start), 0.0))
        except ValueError:
            break
    return {
        "title": text("title"),
        "artist": text("artist"),
        "album": text("album"),
        "description": text("description", "comment"),
        "year": text("date", "year")[:4],
        "language": text("language"),
        "cover": Cover(pictures[0].data, _image_mime(pictures[0].mime, pictures[0].data)) if pictures else None,
        "chapters": chapters,
    }


def _mp4_tags(audio: Any, tags: Any) -> dict[str, Any]:
    def text(key: str) -> str:
        values = tags.get(key)
        return str(values[0]).strip() if values else ""

    covers = tags.get("covr") or []
    chapters = [
        Chapter(str(c.title) or f"Chapter {i}", float(c.start), 0.0)
        for i, c in enumerate(getattr(audio, "chapters", None) or [], 1)
    ]
    return {
        "title": text("\xa9nam"),
        "artist": text("\xa9ART"),
        "album": text("\xa9alb"),
        "description": text("desc") or text("\xa9cmt"),
        "year": text("\xa9day")[:4],
        "cover": Cover(bytes(covers[0]), _image_mime("", bytes(covers[0]))) if covers else None,
        "chapters": chapters,
    }


# --- sidecars and fallbacks ---------------------------------------------------------------


def _read_timeline(path: Path, notes: list[str]) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        notes.append(f"{display_path(path)}: ignored, not a timeline ({exc})")
        return {}
    return data if isinstance(data, dict) else {}


def _chapters_from_timeline(timeline: dict[str, Any], duration: float) -> list[Chapter]:
    chapters = []
    for i, section in enumerate(timeline.get("sections") or [], 1):
        try:
            start = float(section["start"])
            end = float(section.get("end", duration))
        except (KeyError, TypeError, ValueError):
            continue
        chapters.append(Chapter(str(section.get("title") or f"Chapter {i}"), start, end))
    return _clip(chapters, duration)


def _clip(chapters: list[Chapter], duration: float) -> list[Chapter]:
    """Chapters inside the track, in order, each ending where the next begins."""
    inside = sorted((c for c in chapters if 0 <= c.start < duration), key=lambda c: c.start)
    result = []
    for i, chapter in enumerate(inside):
        following = inside[i + 1].start if i + 1 < len(inside) else duration
        end = chapter.end if 0 < chapter.end <= following else following
        result.append(Chapter(chapter.title, chapter.start, end))
    return result


def _cues_from_timeline(timeline: dict[str, Any]) -> list[Cue]:
    cues = []
    for section in timeline.get("sections") or []:
        for step in section.get("steps") or []:
            if step.get("kind") in _SPOKEN and step.get("text"):
                try:
                    cues.append(Cue(float(step["start"]), float(step["end"]), str(step["text"])))
                except (KeyError, TypeError, ValueError):
                    continue
    return cues


def _soundfile_length(path: Path) -> float:
    try:
        import soundfile

        info = soundfile.info(str(path))
        return info.frames / info.samplerate if info.samplerate else 0.0
    except Exception:
        return 0.0


def _image_beside(path: Path) -> Cover | None:
    for suffix, mime in IMAGE_TYPES.items():
        image = path.with_suffix(suffix)
        if image.is_file():
            return Cover(image.read_bytes(), mime)
    return None


def _folder_cover(folder: Path) -> Cover | None:
    for stem in ("cover", "folder"):
        for suffix, mime in IMAGE_TYPES.items():
            image = folder / f"{stem}{suffix}"
            if image.is_file():
                return Cover(image.read_bytes(), mime)
    return None


def _image_mime(declared: str, data: bytes) -> str:
    """The real type from the bytes' signature; tags often say `image/jpg` or nothing."""
    return image_mime(data, declared if declared in IMAGE_TYPES.values() else "image/jpeg")


def _title_from_name(stem: str) -> str:
    words = stem.replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or stem
    return text[:1].upper() + text[1:]

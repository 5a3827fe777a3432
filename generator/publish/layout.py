"""Where each track's files sit in the site and how they are addressed: shared by page and feed.

Both outputs must point at the very same files, so the paths and URLs are decided once,
here, and handed to the writers as plain values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from generator.publish.catalog import Track

MEDIA = "media"
PAGE = "index.html"
FEED = "feed.xml"
MANIFEST = "manifest.webmanifest"
WORKER = "sw.js"


@dataclass(frozen=True)
class Channel:
    """The site as a whole: what the page header and the feed's channel say."""

    title: str
    author: str
    description: str
    language: str
    base_url: str | None  # the site root as the world sees it, token included; None = relative
    cover: str | None = None  # site-relative path of the channel image (1400 px, for apps)
    thumbs: tuple[str, ...] = ()  # the channel image for the page header: 1x, 2x
    guid: str | None = None  # podcast:guid, kept for the life of the feed
    icons: tuple[tuple[str, int], ...] = ()  # app icons: path, pixels per side

    def url(self, rel: str) -> str:
        """An address for a site file: absolute under the base URL, else relative."""
        path = quote(rel)
        return f"{self.base_url}/{path}" if self.base_url else path


@dataclass(frozen=True)
class Entry:
    """One track as published: its files in the site and its lasting identity."""

    track: Track
    slug: str
    audio: str
    guid: str
    published: datetime
    chapters: str | None = None
    captions: str | None = None
    cover: str | None = None  # the full-size cover, for podcast apps
    thumbs: tuple[str, ...] = ()  # the cover as the page shows it: 1x, 2x
    mime: str = "audio/mpeg"  # of the published audio file (an MP3 made from FLAC, say)
    size: int = 0
    in_feed: bool = True  # False when no format podcast apps play could be made
    mixes: tuple[tuple[str, str], ...] = ()  # the other backgrounds on the page: (mix, path), e.g. ("softer", "media/x.softer.mp3")


def media_path(name: str, suffix: str) -> str:
    """The site-relative path of one of a track's files, e.g. `media/evening.vtt`."""
    return f"{MEDIA}/{name}{suffix}"


def slugify(text: str, taken: set[str]) -> str:
    """An HTML id from a track name: ASCII, lower case, unique on the page."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "track"
    if base[0].isdigit():
        base = f"t-{base}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def clock(seconds: float) -> str:
    """`m:ss` or `h:mm:ss`, as a player shows times."""
    total = int(seconds + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def length_words(seconds: float) -> str:
    """A track's length as people say it: `20 min`, `1 h 5 min`, `45 s`."""
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration for `<time datetime>`: `PT20M3S`."""
    total = int(seconds + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"

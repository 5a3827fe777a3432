"""The show as a whole: its words, its image, its app icons and its web app manifest.

The channel image is what every podcast app shows as the show's tile, so it is the
practitioner's own `cover.jpg` beside the tracks, or else one made for the show from its
title and author; never one episode's cover.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable

from generator.publish.catalog import Catalog, Cover
from generator.publish.pictures import ICON_SIZES, Picture, icon, show_image, thumbnail
from generator.publish.layout import PAGE, Channel
from generator.publish.site import SiteWriter

HEADER_PIXELS = 80  # CSS pixels of the header image; thumbnails are made at 1x and 2x
THEME = "#2c5a51"
BACKGROUND = "#f5f2eb"


def build_channel(
    catalog: Catalog,
    writer: SiteWriter,
    site_url: str | None,
    guid: str | None,
    *,
    title: str | None,
    author: str | None,
    description: str | None,
) -> Channel:
    """The channel's words (options first, then what the tracks agree on) and its pictures."""
    tracks = catalog.tracks
    author = author or common(t.artist for t in tracks)
    title = title or common(t.album for t in tracks) or (f"Meditations by {author}" if author else "Meditations")
    if not description:
        count = f"{len(tracks)} guided meditation{'s' if len(tracks) != 1 else ''}"
        description = f"{count} by {author}." if author else f"{count}."
    language = common(t.language for t in tracks) or "en"
    cover_path, thumbs, icons = _place_cover(writer, catalog.folder_cover, title, author), (), ()
    if cover_path is not None:
        cover = _Lazy(writer, cover_path)
        thumbs = place_thumbnails(writer, "cover", cover, HEADER_PIXELS)
        icons = _place_icons(writer, cover)
    return Channel(title, author, description, language, site_url, cover_path, thumbs, guid, icons)


def _place_cover(writer: SiteWriter, given: Cover | None, title: str, author: str) -> str | None:
    """The channel image's path: the folder's own cover, else one drawn for the show."""
    if given is not None:
        writer.write("cover" + given.suffix, given.data)
        return "cover" + given.suffix
    key = _digest(f"show-v1\n{title}\n{author}".encode())

    def draw() -> bytes | None:
        image = show_image(title, author)
        return image.data if image else None

    return "cover.jpg" if writer.generate("cover.jpg", key, draw) else None


class _Lazy:
    """A placed picture, read from the site only when something must be made from it."""

    def __init__(self, writer: SiteWriter, rel: str):
        self._path = writer.root / rel

    @property
    def data(self) -> bytes:
        return self._path.read_bytes()

    def digest(self) -> str:
        return _digest(self.data)


def place_thumbnails(writer: SiteWriter, stem: str, cover: Picture, pixels: int) -> tuple[str, ...]:
    """`stem-N.jpg` at the shown size and twice it; () when the picture cannot be read."""
    source = _digest(cover.data)
    placed = []
    for size in (pixels, pixels * 2):
        rel = f"{stem}-{size}.jpg"

        def make(size: int = size) -> bytes | None:
            small = thumbnail(cover, size)
            return small.data if small else None

        if not writer.generate(rel, f"thumb-v1-{size}-{source}", make):
            return ()
        placed.append(rel)
    return tuple(placed)


def _place_icons(writer: SiteWriter, cover: _Lazy) -> tuple[tuple[str, int], ...]:
    placed = []
    for pixels in ICON_SIZES:
        rel = f"icon-{pixels}.png"
        if not writer.generate(rel, f"icon-v1-{pixels}-{cover.digest()}", lambda p=pixels: icon(cover, p)):
            return ()
        placed.append((rel, pixels))
    return tuple(placed)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def manifest(channel: Channel) -> bytes:
    """The web app manifest: what a phone needs to put the page on its home screen."""
    data = {
        "name": channel.title,
        "short_name": channel.title if len(channel.title) <= 24 else channel.title[:23].rstrip() + "…",
        "description": channel.description,
        "lang": channel.language,
        "start_url": f"./{PAGE}",
        "scope": "./",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": [
            {"src": rel, "sizes": f"{pixels}x{pixels}", "type": "image/png", "purpose": "any"}
            for rel, pixels in channel.icons
        ],
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def common(values: Iterable[str]) -> str:
    """The most frequent non-empty value (the first seen on a tie), or ''."""
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else ""

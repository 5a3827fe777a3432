"""The site's pictures: the show's own image, small thumbnails for the page, app icons.

A podcast app shows the channel image as the show's tile, so it is made for the show (its
title and author), never borrowed from one episode. The page shows covers at 80 to 96 CSS
pixels, so it gets thumbnails at those sizes (and twice that for sharp screens) instead of
the 1400-pixel covers the feed needs: opening the page then costs kilobytes, not megabytes.
"""

from __future__ import annotations

import functools
import io
from typing import Protocol

from generator.publish.catalog import Cover
from generator.output.cover import default_cover


class Picture(Protocol):
    """Anything with an image's bytes: a Cover, or a picture already placed in the site."""

    @property
    def data(self) -> bytes: ...

THUMB_QUALITY = 82
FEED_QUALITY = 88
ICON_SIZES = (192, 512)


@functools.lru_cache(maxsize=8)
def show_image(title: str, author: str) -> Cover | None:
    """A 1400-pixel JPEG with the show's title and author (None without Pillow).
    Remembered per title and author: drawing takes a second or two, and publishing a
    practitioner's clients one after another draws the same image again and again."""

    png = default_cover(title, author or None)
    if png is None:
        return None
    return Cover(_encode(_open(png), "JPEG", FEED_QUALITY), "image/jpeg")


def thumbnail(cover: Picture, pixels: int) -> Cover | None:
    """The cover cropped square and scaled to `pixels` per side, as a small JPEG.

    None when the picture cannot be read (the page then shows no cover).
    """
    try:
        image = _open(cover.data, pixels)
    except Exception:  # Pillow raises many types for damaged pictures
        return None
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    if side > pixels:
        from PIL import Image

        image = image.resize((pixels, pixels), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return Cover(_encode(image, "JPEG", THUMB_QUALITY), "image/jpeg")


def icon(cover: Picture, pixels: int) -> bytes | None:
    """A square PNG app icon (home screen, task switcher) from the show's image."""
    small = thumbnail(cover, pixels)
    if small is None:
        return None
    image = _open(small.data)  # already the size: decoded whole
    from PIL import Image

    if image.size != (pixels, pixels):
        image = image.resize((pixels, pixels), Image.Resampling.LANCZOS)
    # 128 dithered colours: a third of the bytes of full colour, no banding to see.
    image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)
    return _encode(image, "PNG", 0)


def _open(data: bytes, pixels: int = 0):  # type: ignore[no-untyped-def]
    """The picture as RGB; a JPEG meant for `pixels` per side is decoded at a reduced
    scale (still at least twice that), which is several times faster."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if pixels and image.format == "JPEG":
        image.draft("RGB", (pixels * 2, pixels * 2))
    image.load()
    if image.mode != "RGB":
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    return image


def _encode(image, kind: str, quality: int) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()

"""A plain, calm cover for sessions that bring none: a soft gradient with the title on it.

Podcast apps show an empty grey square when a track has no picture; this is a quiet
default instead. It needs Pillow to draw the lettering; without Pillow there is no default
cover (the track is still tagged, just without a picture), so Pillow stays optional.
"""

from __future__ import annotations

import io

import numpy as np
from generator.core.images import image_mime

SIZE = 1400
"""Pixels per side: the minimum Apple Podcasts asks for (1400 to 3000)."""

TOP = (38, 52, 84)  # deep evening blue
BOTTOM = (146, 130, 170)  # soft lavender
GLOW = (250, 232, 205)  # a faint warm light behind the title
INK = (250, 248, 244)


def _background(size: int) -> np.ndarray:
    """A vertical gradient with a soft round glow above the centre, as RGB uint8.

    Built one channel at a time from broadcast row and column vectors, so it needs a few
    size x size float32 planes rather than a dozen (this runs beside the renderer).
    """
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    y, x = axis[:, None], axis[None, :]
    glow = np.hypot(x - 0.5, y - 0.42)
    glow /= 0.28
    np.square(glow, out=glow)
    np.negative(glow, out=glow)
    np.exp(glow, out=glow)
    glow *= 0.22
    out = np.empty((size, size, 3), dtype=np.uint8)
    for channel, (top, bottom, light) in enumerate(zip(TOP, BOTTOM, GLOW)):
        gradient = top * (1 - y) + bottom * y  # a column: the same across each row
        plane = gradient * (1 - glow) + light * glow
        out[..., channel] = np.clip(plane + 0.5, 0, 255)
    return out


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Greedy word wrap by measured width (a long single word stays on its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def default_cover(title: str, subtitle: str | None = None) -> bytes | None:
    """A 1400x1400 PNG with `title` centred (and `subtitle`, e.g. the artist, below); None without Pillow."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    image = Image.fromarray(_background(SIZE), "RGB")
    draw = ImageDraw.Draw(image)
    width = int(SIZE * 0.78)
    size = 120
    while True:  # the largest lettering at which the title fits in four lines
        font = ImageFont.load_default(size=size)
        lines = _wrap(draw, title, font, width)
        widest = max((draw.textlength(line, font=font) for line in lines), default=0)
        if (len(lines) <= 4 and widest <= width) or size <= 36:
            break
        size -= 6
    spacing = int(size * 0.3)
    block = "\n".join(lines)
    box = draw.multiline_textbbox((0, 0), block, font=font, spacing=spacing, align="center")
    sub_font = ImageFont.load_default(size=max(28, size // 2))
    sub_height = 0
    if subtitle:
        sub_box = draw.textbbox((0, 0), subtitle, font=sub_font)
        sub_height = sub_box[3] - sub_box[1] + size
    top = (SIZE - (box[3] - box[1]) - sub_height) // 2 - box[1]
    draw.multiline_text(
        ((SIZE - (box[2] - box[0])) // 2 - box[0], top), block, font=font, fill=INK, spacing=spacing, align="center"
    )
    if subtitle:
        sub_box = draw.textbbox((0, 0), subtitle, font=sub_font)
        draw.text(
            ((SIZE - (sub_box[2] - sub_box[0])) // 2 - sub_box[0], top + box[3] + size - sub_box[1]),
            subtitle,
            font=sub_font,
            fill=INK,
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def cover_art(session) -> tuple[bytes | None, str]:
    """The script's cover and its MIME type, or a generated calm one with the title when
    the script names none (None without Pillow)."""

    if session.cover is not None:
        data = session.cover.read_bytes()
        return data, image_mime(data, "image/jpeg")
    return default_cover(session.title, session.artist), "image/png"

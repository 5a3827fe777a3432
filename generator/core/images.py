"""Cover pictures: what kind of image a file holds and how large it is, from its first bytes.

ID3, Vorbis pictures and web pages all want the real type of a picture, whatever its
file name says; players accept PNG and JPEG.
"""

from __future__ import annotations

import struct
from pathlib import Path

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8"
WEBP_MAGIC = (b"RIFF", b"WEBP")


def image_mime(data: bytes, fallback: str = "image/png") -> str:
    """The picture's real type from its first bytes, so a mislabelled cover is still tagged right."""
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if data[:4] == WEBP_MAGIC[0] and data[8:12] == WEBP_MAGIC[1]:
        return "image/webp"
    return fallback


def is_cover_image(path: Path) -> bool:
    """Whether a file starts like a PNG or a JPEG (what ID3 and players accept as cover art)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return image_mime(head, "") in ("image/png", "image/jpeg")


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or baseline/progressive JPEG, read from its header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 < len(data):
            if data[at] != 0xFF:
                return None
            marker = data[at + 1]
            length = struct.unpack(">H", data[at + 2 : at + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[at + 5 : at + 9])
                return width, height
            at += 2 + length
    return None

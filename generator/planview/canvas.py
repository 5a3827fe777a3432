"""The plan picture's drawing surface: seconds to pixels, and labels fitted to their room."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 1320
LEFT = 128  # the lane labels' column
RIGHT = 20
PLOT = WIDTH - LEFT - RIGHT
CHAR = 6.1  # px per character at the 11 px label size (a calm estimate, for fitting labels)


@dataclass
class Canvas:
    """Seconds to pixels for one timeline, and the SVG elements drawn so far."""

    seconds: float
    parts: list[str]
    y: float = 0.0

    def x(self, seconds: float) -> float:
        return LEFT + PLOT * (seconds / self.seconds if self.seconds > 0 else 0.0)

    def add(self, text: str) -> None:
        self.parts.append(text)


def first_fitting(texts: tuple[str, ...], room: float) -> str:
    """The first of `texts` that fits `room` px whole, else the last (to be shortened)."""
    return next((t for t in texts if len(t) * CHAR <= room), texts[-1])


def fitted(text: str, x: float, y: float, room: float, cls: str) -> str:
    """`text` shortened with an ellipsis to fit `room` px (nothing when there is no room)."""
    per_char = CHAR * (1.25 if cls == "section-title" else 1.0)
    fits = int(room / per_char)
    if fits < 3:
        return ""
    if len(text) > fits:
        text = text[: fits - 1].rstrip() + "…"
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}">{escape(text)}</text>'


def attr(text: str) -> str:
    """Text for an HTML attribute."""
    return escape(text, quote=True)

"""WebVTT captions: read the renderer's `.vtt` into cues, and write cues back out.

The page shows the transcript as plain HTML (a `<track>` element cannot be read from
`file://` pages in Chromium), so the cues are parsed here once, in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.cleantext import clean_out

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s+-->\s+"
    r"(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cue:
    """One caption: what is said between two moments of the track, in seconds."""

    start: float
    end: float
    text: str


def parse_timestamp(value: str) -> float:
    """`hh:mm:ss.ttt` or `mm:ss.ttt` to seconds."""
    parts = value.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def parse_vtt(text: str) -> list[Cue]:
    """Every cue of a WebVTT document, in file order; notes, styles and regions skipped.

    Tolerant on purpose: a malformed block is skipped rather than failing the publish.
    """
    cues: list[Cue] = []
    blocks = re.split(r"\r?\n\s*\r?\n", text.lstrip("\ufeff"))
    for block in blocks:
        lines = [line for line in block.splitlines()]
        for i, line in enumerate(lines):
            match = _TIMING.match(line)
            if not match:
                continue
            body = " ".join(_TAG.sub("", part).strip() for part in lines[i + 1 :])
            body = _unescape(" ".join(body.split()))
            if body:
                cues.append(
                    Cue(parse_timestamp(match["start"]), parse_timestamp(match["end"]), body)
                )
            break
    return cues


def format_timestamp(seconds: float) -> str:
    """Seconds to a WebVTT timestamp `hh:mm:ss.ttt`."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def write_vtt(cues: list[Cue]) -> str:
    """A WebVTT document for cues (used when a track has a timeline but no `.vtt`)."""
    out = ["WEBVTT", ""]
    for cue in cues:
        text = clean_out(cue.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out += [f"{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}", text, ""]
    return "\n".join(out)


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u00a0")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&amp;", "&")
    )

"""WebVTT captions: read the renderer's `.vtt` into cues, and write cues back out.

The page shows the transcript as plain HTML (a `<track>` element cannot be read from
`file://` pages in Chromium), so the cues are parsed here once, in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.core.cleantext import clean_out

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
        text = clean_out(cue.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")
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


LINE_WIDTH = 65
"""Characters per caption line: the usual guidance for readable subtitles."""
LINES = 2
_SENTENCE_END = (".", "?", "!", "…")
_CLAUSE_END = (",", ";", ":", "—", "–")


def readable_cues(cues: list[Cue], width: int = LINE_WIDTH, lines: int = LINES) -> list[Cue]:
    """Cues cut to at most `lines` lines of `width` characters, split at sentence, clause or
    word boundaries; each piece gets a share of its cue's time by its number of characters.

    A long spoken line read as one caption runs to 130 characters and more, which a
    listener following along on a phone cannot take in; pieces of two short lines can be.
    """
    out: list[Cue] = []
    for cue in cues:
        pieces = _pieces(cue.text.split(), width, lines)
        total = sum(len(" ".join(p)) + 1 for p in pieces)
        start = cue.start
        for i, piece in enumerate(pieces):
            text = " ".join(piece)
            end = cue.end if i == len(pieces) - 1 else start + (cue.end - cue.start) * (len(text) + 1) / total
            out.append(Cue(start, end, "\n".join(_lines(piece, width))))
            start = end
    return out


def _fits(words: list[str], width: int, lines: int) -> bool:
    return len(_lines(words, width)) <= lines


def _lines(words: list[str], width: int) -> list[str]:
    """Words in as few lines as fit `width`; two lines are balanced, not greedy."""
    text = " ".join(words)
    if len(text) <= width or len(words) < 2:
        return [text] if words else []
    best: list[str] | None = None
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        fits = len(first) <= width and len(second) <= width
        if fits and (best is None or max(len(first), len(second)) < max(map(len, best))):
            best = [first, second]
    if best is not None:
        return best
    import textwrap

    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def _pieces(words: list[str], width: int, lines: int) -> list[list[str]]:
    """Words grouped into captions that fit, preferring to end a caption at a sentence or clause."""
    pieces: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if not current or _fits(current + [word], width, lines):
            current.append(word)
            continue
        cut = _best_cut(current, width * lines)
        pieces.append(current[:cut])
        current = current[cut:] + [word]
        while len(current) > 1 and not _fits(current, width, lines):
            pieces.append(current[:-1])
            current = current[-1:]
    if current:
        pieces.append(current)
    return pieces


def _best_cut(words: list[str], capacity: int) -> int:
    """Where to end a full caption: after the last sentence end, else the last clause end,
    if that leaves at least a third of a caption; else after the last word."""
    for marks in (_SENTENCE_END, _CLAUSE_END):
        for cut in range(len(words) - 1, 0, -1):
            if words[cut - 1].endswith(marks) and len(" ".join(words[:cut])) >= capacity / 3:
                return cut
    return len(words)

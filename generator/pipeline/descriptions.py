"""Descriptions that stay true: a length written in a script's description ("A 10-minute
practice", "20 minutes") is compared with the track's planned length.

A client sees the description beside the player's own clock, so a claim that is off by
more than a tenth is a `check` warning at its place in the file. The planned length is
the estimate `meditate plan --estimate` gives (real lengths for speech already in the
cache, a words-per-minute guess for the rest), so nothing is synthesized to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode

from generator.core import model
from generator.core.errors import MeditateError, Position, display_path
from generator.pipeline.rendering import plan_timeline
from generator.voice.bank import SpeechBank

TOLERANCE = 0.10
"""How far a written length may be from the track's (a share of the written length)."""

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-five": 25, "thirty": 30,
    "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}
_NUMBER = r"(?P<number>\d{1,3}(?:\.\d+)?|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_CLAIM = re.compile(
    r"(?<![\w.])" + _NUMBER + r"(?:[\s-]+)(?P<unit>minutes?|mins?|hours?|hrs?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """A length written in the description and where it stands in the file."""

    text: str
    seconds: float
    position: Position


def claims(path: Path) -> list[Claim]:
    """Every length the top-level `description` of the script at `path` states."""
    source = Path(path).read_text(encoding="utf-8-sig")
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # the loader has reported it
    if not isinstance(root, MappingNode):
        return []
    node = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "description"), None)
    if not isinstance(node, ScalarNode):
        return []
    start, end = node.start_mark.index, node.end_mark.index
    raw = source[start:end]  # as written, so a place in a folded block is the real line and column
    found = []
    for match in _CLAIM.finditer(raw):
        number = match["number"].lower()
        value = float(_WORDS.get(number, 0) or number)
        seconds = value * (3600 if match["unit"].lower().startswith("h") else 60)
        at = start + match.start()
        line = source.count("\n", 0, at) + 1
        column = at - (source.rfind("\n", 0, at) + 1) + 1
        found.append(Claim(" ".join(match.group(0).split()), seconds, Position(display_path(path), line, column)))
    return found


def untrue_lengths(path: Path, length: float) -> list[str]:
    """Warnings (`path:line:col: warning: ...`) for each written length more than
    TOLERANCE away from `length` seconds."""
    out = []
    for claim in claims(path):
        if abs(length - claim.seconds) > TOLERANCE * claim.seconds:
            out.append(
                f"{claim.position}: warning: the description says '{claim.text}', but the track lasts about "
                f"{_clock(length)} (planned); write its length as it is (about {round(length / 60)} minutes)"
            )
    return out


def _clock(seconds: float) -> str:
    """`11:43` or `1:05:00`, as the player's clock shows a length."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def description_warnings(session: model.Session) -> list[str]:
    """`check`'s warnings for a loaded script: its planned length against its description."""
    if not claims(session.path):
        return []

    speech = SpeechBank(None)
    try:
        timeline = plan_timeline(session, speech, estimate=True)
    except MeditateError:
        return []  # a script too long or empty: render and plan say so
    finally:
        speech.close()
    return untrue_lengths(session.path, timeline.seconds)

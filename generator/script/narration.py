"""Narration text: variables, inline pauses, paragraphs and sentences.

A `say` text becomes utterances (one sentence each, so the speech cache keeps every
sentence on its own and an edit re-synthesizes only what changed) separated by gaps.
Between two utterances there is exactly one gap: an inline pause where one is written,
otherwise the paragraph pause at a blank line, otherwise the sentence pause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Union

from generator.script.bounds import CLAUSE_PAUSE, MAX_UTTERANCE_CHARS, pieces
from generator.core.model import Gap, Utterance, Voice
from generator.core.units import DURATION_HINT, parse_duration

_VARIABLE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_INLINE_PAUSE = re.compile(
    r"\[\s*pause\s+([^\]]*?)\s*\]|<\s*break\s+time\s*=\s*[\"']([^\"']*)[\"']\s*/?\s*>", re.IGNORECASE
)
_PAUSE_LIKE = re.compile(
    r"\[\s*(?:pause|break|silence)\b[^\]\n]*\]?|<\s*/?\s*(?:break|pause)\b[^>\n]*>?", re.IGNORECASE
)
"""Markers that look like an inline pause but are not one (`[pause]`, `[pause: 2s]`,
`<break>`): without this they would be spoken aloud, word for word."""
_ANY_DURATION = re.compile(r"\d+(?:\.\d+)?\s*(?:ms|s|sec|secs|seconds?|m|min|mins|minutes?)?(?![A-Za-z])", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])[」』”’）)\]]*\s*")
"""A sentence ends at . ! ? … before a space, or at Chinese and Japanese 。！？ (written
without a space after them), with any closing quotes or brackets kept on the sentence."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

MAX_TEXT_CHARS = 20_000
"""One `say` longer than this is almost certainly a mistake (a pasted file)."""


@dataclass(frozen=True)
class TextProblem:
    """A problem inside a text, at a character offset of the original string."""

    offset: int
    message: str


def substitute(
    text: str, variables: Mapping[str, str], used: set[str] | None = None
) -> tuple[str, list[TextProblem]]:
    """Replace `{name}` with its value; `{{` and `}}` are literal braces. The names met
    are added to `used` (so a `--set` no text uses can be refused)."""
    problems: list[TextProblem] = []
    out: list[str] = []
    last = 0
    for match in _VARIABLE.finditer(text):
        out.append(text[last : match.start()])
        last = match.end()
        token = match.group(0)
        if token == "{{":
            out.append("{")
        elif token == "}}":
            out.append("}")
        elif token in "{}":
            problems.append(TextProblem(match.start(), f"a lone '{token}': write '{token * 2}' for a literal brace"))
        else:
            name = match.group(1).strip()
            if used is not None and _NAME.fullmatch(name):
                used.add(name)
            if not _NAME.fullmatch(name):
                problems.append(TextProblem(match.start(), f"'{{{match.group(1)}}}' is not a variable name"))
            elif name not in variables:
                from generator.core.suggest import did_you_mean

                known = ", ".join(sorted(variables)) or "none are defined"
                problems.append(
                    TextProblem(
                        match.start(),
                        f"unknown variable '{name}'{did_you_mean(name, list(variables))} (known: {known})",
                    )
                )
            else:
                out.append(str(variables[name]))
    out.append(text[last:])
    return "".join(out), problems


def _pieces(sentence: str, text: str, problems: list[TextProblem]) -> list[str]:
    """A sentence as the voice is given it: split when too long (generator.script.bounds.pieces),
    refused (a problem at the long word) when one word alone is too long."""
    if len(sentence) <= MAX_UTTERANCE_CHARS:
        return [sentence]
    cut = pieces(sentence)
    if cut is not None:
        return cut
    word = max(sentence.split(), key=len)
    problems.append(TextProblem(
        max(text.find(word), 0),
        f"a word of {len(word)} characters without a space; the voice takes at most {MAX_UTTERANCE_CHARS} at once",
    ))
    return []


def split_narration(text: str, voice: Voice) -> tuple[tuple[Union[Utterance, Gap], ...], list[TextProblem]]:
    """Text (variables already substituted) to alternating utterances and gaps."""
    problems: list[TextProblem] = []
    parts: list[Union[Utterance, Gap]] = []
    pending: Fraction | None = None  # an explicit inline pause waiting to be placed
    pending_paragraph = False

    def add_gap(seconds: Fraction) -> None:
        nonlocal pending
        pending = (pending or Fraction(0)) + seconds

    def add_sentences(chunk: str) -> None:
        nonlocal pending, pending_paragraph
        paragraphs = re.split(r"\n\s*\n", chunk)
        for p_index, paragraph in enumerate(paragraphs):
            if p_index > 0:
                pending_paragraph = True
            flat = " ".join(paragraph.split())
            if not flat:
                continue
            for sentence in _SENTENCE_END.split(flat):
                sentence = sentence.strip()
                if not sentence:
                    continue
                if parts:
                    if pending is not None:
                        parts.append(Gap(pending))
                    elif pending_paragraph:
                        parts.append(Gap(voice.paragraph_pause))
                    else:
                        parts.append(Gap(voice.sentence_pause))
                elif pending is not None:
                    parts.append(Gap(pending))
                pending = None
                pending_paragraph = False
                for index, piece in enumerate(_pieces(sentence, text, problems)):
                    if index:
                        parts.append(Gap(CLAUSE_PAUSE))
                    parts.append(Utterance(piece, voice))

    problems.extend(_pause_lookalikes(text))
    last = 0
    for match in _INLINE_PAUSE.finditer(text):
        add_sentences(text[last : match.start()])
        last = match.end()
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        try:
            add_gap(parse_duration(raw))
        except ValueError:
            suggestion = _duration_suggestion(raw)
            fix = f": write it as [pause {suggestion}]" if suggestion else ""
            problems.append(TextProblem(match.start(), f"an inline pause must be {DURATION_HINT}, got '{raw}'{fix}"))
    add_sentences(text[last:])
    if pending is not None:
        parts.append(Gap(pending))
    return tuple(parts), problems


def _duration_suggestion(raw: str) -> str:
    from generator.core.units import DurationError

    try:
        parse_duration(raw)
    except DurationError as exc:
        return exc.suggestion
    return ""


def _pause_lookalikes(text: str) -> list[TextProblem]:
    """An error at each marker that looks like a pause but is not one, with the fix."""
    valid = [(m.start(), m.end()) for m in _INLINE_PAUSE.finditer(text)]
    problems = []
    for match in _PAUSE_LIKE.finditer(text):
        if any(start <= match.start() < end for start, end in valid):
            continue
        marker = match.group(0)
        length = _marker_length(marker)
        if length:
            fix = f"write '[pause {length}]' or '<break time=\"{length}\"/>'"
        else:
            fix = "give it a length, as in '[pause 2s]' or '<break time=\"2s\"/>'"
        problems.append(TextProblem(match.start(), f"'{marker}' is not a pause and would be spoken aloud: {fix}"))
    return problems


def _marker_length(marker: str) -> str:
    """The length written inside a pause-like marker, in the script's spelling, or ''."""
    from generator.core.units import compact_duration

    found = _ANY_DURATION.search(marker)
    if not found:
        return ""
    try:
        return compact_duration(parse_duration(found.group(0).strip()))
    except ValueError:
        return ""

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

from generator.model import Gap, Utterance, Voice
from generator.units import DURATION_HINT, parse_duration

_VARIABLE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_INLINE_PAUSE = re.compile(
    r"\[\s*pause\s+([^\]]*?)\s*\]|<\s*break\s+time\s*=\s*[\"']([^\"']*)[\"']\s*/?\s*>", re.IGNORECASE
)
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


def substitute(text: str, variables: Mapping[str, str]) -> tuple[str, list[TextProblem]]:
    """Replace `{name}` with its value; `{{` and `}}` are literal braces."""
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
            if not _NAME.fullmatch(name):
                problems.append(TextProblem(match.start(), f"'{{{match.group(1)}}}' is not a variable name"))
            elif name not in variables:
                from generator.yamlnodes import did_you_mean

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
                parts.append(Utterance(sentence, voice))

    last = 0
    for match in _INLINE_PAUSE.finditer(text):
        add_sentences(text[last : match.start()])
        last = match.end()
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        try:
            add_gap(parse_duration(raw))
        except ValueError:
            problems.append(TextProblem(match.start(), f"an inline pause must be {DURATION_HINT}, got '{raw}'"))
    add_sentences(text[last:])
    if pending is not None:
        parts.append(Gap(pending))
    return tuple(parts), problems

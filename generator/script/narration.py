"""Narration text: variables, inline pauses, paragraphs and sentences.

A `say` text becomes utterances (one sentence each, so the speech cache keeps every
sentence on its own and an edit re-synthesizes only what changed) separated by gaps.
Between two utterances there is exactly one gap: an inline pause where one is written,
otherwise the paragraph pause at a blank line, otherwise the sentence pause.

It is done in two steps, each testable alone: :func:`tokenize` reads the text into
sentences, inline pauses and paragraph breaks (and finds every problem, at its place),
then :func:`join` applies the rule above to those tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Union

from generator.script.bounds import CLAUSE_PAUSE, MAX_UTTERANCE_CHARS, pieces
from generator.core.model import Gap, Utterance, Voice
from generator.core.units import DURATION_HINT, parse_duration
from generator.core.suggest import did_you_mean
from generator.core.units import DurationError
from generator.core.units import compact_duration

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


@dataclass(frozen=True)
class Sentence:
    """A sentence of the text, its whitespace collapsed, with the pieces the voice is given
    it in: one, several when it is too long (cut at a comma or a space), none when a word
    alone is too long (that is a problem of the text)."""

    text: str
    pieces: tuple[str, ...]


@dataclass(frozen=True)
class Pause:
    """An inline pause written in the text (`[pause 2s]`, `<break time="2s"/>`)."""

    seconds: Fraction


@dataclass(frozen=True)
class ParagraphBreak:
    """A blank line between two paragraphs."""


Token = Union[Sentence, Pause, ParagraphBreak]
"""What a text reads as, in order: the joiner needs nothing else to place the gaps."""


def split_narration(text: str, voice: Voice) -> tuple[tuple[Union[Utterance, Gap], ...], list[TextProblem]]:
    """Text (variables already substituted) to alternating utterances and gaps."""
    tokens, problems = tokenize(text)
    return join(tokens, voice), problems


def tokenize(text: str) -> tuple[list[Token], list[TextProblem]]:
    """The sentences, inline pauses and paragraph breaks of `text`, in order, and every
    problem found on the way (each at its offset in `text`, in the order met)."""
    problems = _pause_lookalikes(text)
    tokens: list[Token] = []
    last = 0
    for match in _INLINE_PAUSE.finditer(text):
        tokens.extend(_prose_tokens(text[last : match.start()], text, problems))
        last = match.end()
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        try:
            tokens.append(Pause(parse_duration(raw)))
        except ValueError:
            suggestion = _duration_suggestion(raw)
            fix = f": write it as [pause {suggestion}]" if suggestion else ""
            problems.append(TextProblem(match.start(), f"an inline pause must be {DURATION_HINT}, got '{raw}'{fix}"))
    tokens.extend(_prose_tokens(text[last:], text, problems))
    return tokens, problems


def _prose_tokens(chunk: str, text: str, problems: list[TextProblem]) -> list[Token]:
    """The sentences and paragraph breaks of `chunk`, a stretch of `text` between inline pauses."""
    tokens: list[Token] = []
    for index, paragraph in enumerate(re.split(r"\n\s*\n", chunk)):
        if index > 0:
            tokens.append(ParagraphBreak())
        for sentence in _SENTENCE_END.split(" ".join(paragraph.split())):
            sentence = sentence.strip()
            if sentence:
                tokens.append(Sentence(sentence, tuple(_pieces(sentence, text, problems))))
    return tokens


def join(tokens: Iterable[Token], voice: Voice) -> tuple[Union[Utterance, Gap], ...]:
    """Tokens to utterances and gaps. Between two sentences there is exactly one gap: the
    inline pauses written there (added up), else the paragraph pause after a blank line,
    else the sentence pause; an inline pause before the first sentence or after the last
    is kept where it is. A sentence cut in pieces has the clause pause between them."""
    parts: list[Union[Utterance, Gap]] = []
    pending: Fraction | None = None  # inline pauses written since the last sentence
    paragraph = False  # a blank line since the last sentence
    for token in tokens:
        if isinstance(token, Pause):
            pending = (pending or Fraction(0)) + token.seconds
        elif isinstance(token, ParagraphBreak):
            paragraph = True
        else:
            if pending is not None:
                parts.append(Gap(pending))
            elif parts:
                parts.append(Gap(voice.paragraph_pause if paragraph else voice.sentence_pause))
            pending, paragraph = None, False
            for index, piece in enumerate(token.pieces):
                if index:
                    parts.append(Gap(CLAUSE_PAUSE))
                parts.append(Utterance(piece, voice))
    if pending is not None:
        parts.append(Gap(pending))
    return tuple(parts)


def _duration_suggestion(raw: str) -> str:

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

    found = _ANY_DURATION.search(marker)
    if not found:
        return ""
    try:
        return compact_duration(parse_duration(found.group(0).strip()))
    except ValueError:
        return ""

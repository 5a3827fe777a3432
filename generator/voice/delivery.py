"""Delivery: how one utterance is spoken, phrased and finished before it is cached.

An engine reads a sentence in one breath, at a newsreader's pace, with barely a break at a
comma. A guided meditation is spoken slower and in phrases, so the sentence is split into
clauses at commas, semicolons, colons and dashes; each clause is synthesized on its own
(it keeps its punctuation, so the voice still ends it on a rising, unfinished note) and
the clauses are joined with a short silence inside the one utterance clip. The timeline
keeps one `say` entry per sentence, and a caption still covers the whole sentence.

Then the clip goes through the voice chain (generator.voice.chain) and is levelled.
"""

from __future__ import annotations

import re

import numpy as np

from generator.core.audio import SAMPLE_RATE, Clip, to_samples
from generator.core.model import Voice
from generator.voice.pronounce import punctuation_inside
from generator.voice.base import Engine, level, shape_raw
from generator.voice.chain import peak_limited, voice_chain

CLAUSE_PAUSE = 0.30
"""Seconds of silence after a comma inside a sentence, at the default speed."""

BREAK_PAUSE = 0.36
"""Seconds after a semicolon, colon or dash: a slightly longer break than a comma."""

PHRASING_VERSION = "1"
"""Bump when the clause split or its pauses change (part of the speech cache key)."""

_CLAUSE_END = re.compile(r"(?P<mark>[,;:])(?P<close>\0*)\s+|\s*[—–]\s*|\s+-{1,2}\s+")
_PHONEME_BLOCK = re.compile(r"\[\[(.*?)([,;:.!?]*)\]\]", re.DOTALL)
_SPEAKABLE = re.compile(r"[^\W_]|\[\[")


def clauses(text: str) -> list[tuple[str, float]]:
    """The clauses of `text`, each with the seconds of silence after it (0 after the last).

    A clause keeps its comma, semicolon or colon; one that ended at a dash ends with a
    comma instead, so the voice does not drop its pitch as at a full stop. Text inside
    `[[ ]]` is never split, but a mark at its very end (where generator.voice.pronounce puts
    the punctuation after a word said in phonemes) ends a clause like any other.
    """
    masked = _PHONEME_BLOCK.sub(
        lambda m: "\0" * (len(m.group(1)) + 2) + m.group(2) + "\0\0", text
    )
    pieces: list[tuple[str, float]] = []
    last = 0
    for match in _CLAUSE_END.finditer(masked):
        mark = match.group("mark")
        cut = match.end("close") if mark else match.start()
        piece = text[last:cut].strip()
        if not _SPEAKABLE.search(piece):
            continue
        pieces.append((piece if mark else punctuation_inside(piece + ","), CLAUSE_PAUSE if mark == "," else BREAK_PAUSE))
        last = match.end()
    tail = text[last:].strip()
    if _SPEAKABLE.search(tail) or not pieces:
        pieces.append((tail or text, 0.0))
    else:
        pieces[-1] = (pieces[-1][0], 0.0)
    return pieces


def speak(engine: Engine, text: str, voice: Voice) -> np.ndarray:
    """`text` (already respelled for pronunciation) as a finished utterance clip at SAMPLE_RATE."""
    parts: list[np.ndarray] = []
    for clause, pause in clauses(text):
        parts.append(shape_raw(engine.synthesize(clause, voice)))
        if pause:
            parts.append(np.zeros(to_samples(pause / max(voice.speed / 0.9, 0.5)), dtype=np.float32))
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return finish(samples)


def finish(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Level, run the voice chain, level again, hold the peaks: the last steps every utterance takes."""
    if samples.size == 0 or not np.any(samples):
        return samples.astype(np.float32)
    return peak_limited(level(voice_chain(level(samples), rate)), rate)


def shaped_clip(clip: Clip) -> np.ndarray:
    """A recorded or synthesized clip, whole, through trimming, the chain and levelling."""
    return finish(shape_raw(clip))

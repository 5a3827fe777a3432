"""Text to the voice's phonemes, word by word: what both sides of a proof are compared in.

The phonemizer is the one the Piper voice speaks with (espeak-ng through piper), so a
word the recogniser spells another way but the voice would say the same ("compliment"
for "complement", "10" for "ten") turns into the same phonemes. A run of plain words is
phonemized together (espeak reads "a" in context as /ɐ/, alone as /eɪ/) and split back
into words at espeak's spaces; when the counts disagree (a number read as two words, a
hyphenated compound read as one), each word of the run is phonemized alone.

The phonemes are then made coarser, because the proof asks "was this the word?", not
"was this the accent?": stress and length marks go, weak vowels that espeak writes
several ways (ɐ, ᵻ) become their plain forms, a flap or glottal stop counts as /t/.
Words in a pronunciation table (the built-in Qigong terms, and the script's own entries
when comparing with what the voice was told) take the table's phonemes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from generator.core import model
from generator.voice.pronounce import is_phonemes
from generator.voice.piper_engine import PiperEngine

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
"""A word as shown and marked: letters or digits, with inner apostrophes."""

_MERGED = ("tʃ", "dʒ", "aɪ", "eɪ", "oʊ", "aʊ", "ɔɪ")
"""Sequences that are one sound: counted as one symbol, so one wrong diphthong is one error."""

_PLAIN = str.maketrans({"ɐ": "ə", "ᵻ": "ɪ", "ɾ": "t", "ʔ": "t", "ɚ": "əɹ", "ɝ": "ɜɹ", "ɫ": "l"})
_DROP = re.compile(r"[ˈˌːˑ\s\W\d_]", re.UNICODE)

MAX_KEY_WORDS = 3
"""The longest table key, in words ("Chi Kung", "Zhan Zhuang"): matching tries this many first."""


@dataclass(frozen=True)
class Word:
    """One word of a sentence: where it stands in the text and the sounds it makes."""

    start: int
    end: int
    sounds: tuple[str, ...]


def symbols(ipa: str) -> tuple[str, ...]:
    """espeak IPA as comparable symbols: no stress, length or punctuation, weak vowels plain."""
    text = _DROP.sub("", ipa.translate(_PLAIN))
    out: list[str] = []
    index = 0
    while index < len(text):
        pair = text[index : index + 2]
        if pair in _MERGED:
            out.append(pair)
            index += 2
        else:
            out.append(text[index])
            index += 1
    return tuple(out)


class Phonemizer:
    """The words of a text with their phonemes, as the voice reads them."""

    def __init__(self, voice: model.Voice | None = None):

        voice = voice or model.Voice()
        # another engine has no phonemizer of its own: espeak's English stands in for "how it sounds"
        self.voice = voice if voice.engine == "piper" else model.Voice()
        self._engine = PiperEngine()
        self._ipa = lru_cache(maxsize=4096)(self._phonemize)

    def _phonemize(self, text: str) -> str:
        return self._engine.phonemes(text, self.voice)

    def words(self, text: str, table: dict[str, str] | None = None) -> list[Word]:
        """Every word of `text` with its sounds; `table` maps lower-case words to a respelling or [[phonemes]]."""
        table = table or {}
        found = list(_WORD.finditer(text))
        out: list[Word] = []
        plain: list[re.Match] = []
        index = 0
        while index < len(found):
            size, said = _table_match(found, index, table)
            if said is None:
                plain.append(found[index])
                index += 1
                continue
            out += self._run(text, plain)
            plain = []
            ipa = said[2:-2] if is_phonemes(said) else self._ipa(said)
            out.append(Word(found[index].start(), found[index + size - 1].end(), symbols(ipa)))
            index += size
        return out + self._run(text, plain)

    def _run(self, text: str, run: list[re.Match]) -> list[Word]:
        """Consecutive plain words, phonemized together when espeak keeps them apart."""
        if not run:
            return []
        groups = self._ipa(" ".join(m.group() for m in run)).split()
        if len(groups) != len(run):
            groups = [self._ipa(m.group()) for m in run]
        return [Word(m.start(), m.end(), symbols(ipa)) for m, ipa in zip(run, groups)]


def _table_match(found: list[re.Match], index: int, table: dict[str, str]) -> tuple[int, str | None]:
    """The longest table entry starting at word `index`: (its length in words, how it is said)."""
    for size in range(min(MAX_KEY_WORDS, len(found) - index), 0, -1):
        key = " ".join(m.group().lower() for m in found[index : index + size])
        if key in table:
            return size, table[key]
    return 1, None

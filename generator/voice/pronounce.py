"""How the voice says words it would get wrong: built-in Qigong terms and a script's `pronounce:`.

The engine's own letter-to-sound rules (espeak's, for Piper) read Chinese terms as English
words: Qi comes out as "kai", Qigong as "KIG-ong", Dantian as "DAN-shun". So the text
sent to the engine is rewritten first, on whole words and ignoring case, while the
timeline, captions, tags and page keep the text as written.

A pronunciation is either a respelling ("chee gung"), which any engine can read, or
phonemes in double brackets ("[[tʃˈiːɡˌʌŋ]]"), which Piper speaks exactly as written
(espeak's IPA, as `meditate say TEXT --phonemes` prints it). The built-in terms carry
both: phonemes for Piper, since espeak respells several of them wrongly again ("hway"
becomes "aitch-way"), and a respelling for engines that read only text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

BUILTIN: dict[str, tuple[str, str]] = {
    # term: (respelling for text-only engines, espeak IPA for Piper)
    "Qi": ("chee", "tʃˈiː"),
    "Chi": ("chee", "tʃˈiː"),
    "Qigong": ("chee gung", "tʃˈiːɡˌʌŋ"),
    "Chi Kung": ("chee gung", "tʃˈiː ɡˌʌŋ"),
    "Dantian": ("dahn tyen", "dˈɑːntjˌɛn"),
    "Dan Tian": ("dahn tyen", "dˈɑːn tjˌɛn"),
    "Tan Tien": ("dahn tyen", "dˈɑːn tjˌɛn"),
    "Laogong": ("lao gong", "lˈaʊɡˌɔŋ"),
    "Baihui": ("bye hway", "bˈaɪhwˌeɪ"),
    "Yongquan": ("yong chwen", "jˈɔŋtʃwˌɛn"),
    "Huiyin": ("hway yin", "hwˈeɪjˌɪn"),
    "Mingmen": ("ming mun", "mˈɪŋmˌʌn"),
    "Taiji": ("tie jee", "tˈaɪdʒˌiː"),
    "Tai Chi": ("tie chee", "tˈaɪ tʃˈiː"),
    "Daoyin": ("dow yin", "dˈaʊjˌɪn"),
    "Zhan Zhuang": ("jahn jwahng", "dʒˈɑːn dʒwˈɑːŋ"),
    "Wei Qi": ("way chee", "wˈeɪ tʃˈiː"),
    "Xu": ("shoo", "ʃˈuː"),
    "Yang": ("yahng", "jˈɑːŋ"),
    "Shen": ("shun", "ʃˈʌn"),
}
"""Common Qigong and Chinese-medicine terms, as practitioners say them."""

_PHONEMES = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)*")
MAX_ENTRIES = 500


def is_phonemes(value: str) -> bool:
    """True for a `[[ ... ]]` pronunciation."""
    return bool(_PHONEMES.fullmatch(value.strip()))


def word_problem(word: str) -> str | None:
    """Why `word` cannot be a `pronounce:` key, or None when it can."""
    if not _WORD.fullmatch(word.strip()):
        return f"pronounce: '{word}' must be a word or words (letters, spaces, hyphens, apostrophes)"
    return None


def value_problem(word: str, value: str) -> str | None:
    """Why `value` cannot be how `word` is said, or None when it can."""
    value = value.strip()
    if not value:
        return f"pronounce: '{word}' needs a respelling or [[phonemes]]"
    if "[[" in value or "]]" in value:
        if not is_phonemes(value) or not _PHONEMES.fullmatch(value).group(1).strip():
            return f"pronounce: phonemes for '{word}' go alone inside [[ ]], like \"[[tʃˈiː]]\""
        return None
    if any(ch in value for ch in "[]{}<>"):
        return f"pronounce: the respelling of '{word}' may not hold brackets or braces"
    return None


def table(overrides: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """The built-in phoneme pronunciations with a script's entries added or replacing them (lower-case keys)."""
    out = {word.lower(): f"[[{phonemes}]]" for word, (_, phonemes) in BUILTIN.items()}
    for word, value in overrides:
        out[" ".join(word.lower().split())] = value.strip()
    return out


def spoken_text(text: str, overrides: Iterable[tuple[str, str]] = (), *, phonemes: bool = True) -> str:
    """`text` as the engine should read it: every known word replaced by its pronunciation.

    Text already inside `[[ ]]` is left alone. Punctuation right after a word said in
    phonemes moves inside its brackets: Piper would drop it there, and with it the pause
    and the pitch it gives. Without `phonemes` (an engine that reads only
    text), built-in terms take their respelling and a script's phoneme entries are skipped.
    """
    return _speller(tuple(overrides), phonemes)(text)


@lru_cache(maxsize=64)
def _speller(overrides: tuple[tuple[str, str], ...], phonemes: bool):
    words = table(overrides)
    if not phonemes:
        respelled = {word.lower(): respelling for word, (respelling, _) in BUILTIN.items()}
        words = {w: (respelled.get(w, v) if is_phonemes(v) else v) for w, v in words.items()}
        words = {w: v for w, v in words.items() if not is_phonemes(v)}
    if not words:
        return lambda text: text
    alternatives = sorted(words, key=len, reverse=True)  # "Wei Qi" before "Qi"
    pattern = re.compile(
        r"(?<![\w\[])(?P<word>"
        + "|".join(r"\s+".join(map(re.escape, w.split())) for w in alternatives)
        + r")(?![\w\]])(?P<mark>[,;:.!?]*)",
        re.IGNORECASE,
    )

    def replace(match: re.Match) -> str:
        said = words[" ".join(match.group("word").lower().split())]
        return said + match.group("mark")

    def spell(text: str) -> str:
        parts = _PHONEMES.split(text)  # odd parts are phonemes already written inline
        return punctuation_inside(
            "".join(f"[[{part}]]" if index % 2 else pattern.sub(replace, part) for index, part in enumerate(parts))
        )

    return spell


_AFTER_BLOCK = re.compile(r"\]\]([,;:.!?]+)")


def punctuation_inside(text: str) -> str:
    """Move punctuation that follows a `[[ ]]` block inside it: Piper drops it there otherwise."""
    return _AFTER_BLOCK.sub(lambda m: m.group(1) + "]]", text)

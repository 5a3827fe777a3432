"""What was written against what was heard: phoneme alignment and a score per sentence.

Both sides are word lists with their sounds (:mod:`.phonemes`). The sounds are laid end
to end, word boundaries dropped, so "finger tips" and "fingertips", "along" and "a long"
align without a single error. The alignment is the classic edit distance (a substitution,
deletion or insertion costs 1, a sound heard as one of its kind or a weak vowel half); the score is the phoneme error rate, errors over the
written phonemes. Each error is traced back to the word it falls in, on either side, so
a report can mark the words that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.proof.phonemes import Word


@dataclass(frozen=True)
class Comparison:
    """How far the heard sounds are from the written ones, and where."""

    errors: float  # weighted: a near sound counts half
    length: float  # the written phonemes, weighted as losing them would cost
    written: frozenset[int] = field(default_factory=frozenset)  # indexes of written words that differ
    heard: frozenset[int] = field(default_factory=frozenset)  # indexes of heard words that differ
    word_errors: tuple[float, ...] = ()  # per written word: the errors that fall in it

    @property
    def score(self) -> float:
        """Phoneme error rate: 0 when the sounds agree, 1 when nothing of the sentence was heard (capped at 1)."""
        if self.length == 0:
            return 0.0 if self.errors == 0 else 1.0
        return min(1.0, self.errors / self.length)

    def wrong_words(self, words: list[Word], least: float, share: float) -> list[int]:
        """The written words heard as another word: at least `least` errors, and `share` of their sounds."""
        return [
            index for index, (word, errors) in enumerate(zip(words, self.word_errors))
            if errors >= least and errors >= share * len(word.sounds)
        ]


def _flat(words: list[Word]) -> tuple[list[str], list[int]]:
    sounds: list[str] = []
    owner: list[int] = []
    for index, word in enumerate(words):
        sounds += word.sounds
        owner += [index] * len(word.sounds)
    return sounds, owner


_CLASSES = (
    "i ɪ e ɛ æ a ɑ ɒ ɔ o ʊ u ʌ ə ɜ ɨ y aɪ eɪ oʊ aʊ ɔɪ",  # vowels
    "p b t d k ɡ g",  # stops
    "f v θ ð s z ʃ ʒ h x ç",  # fricatives
    "tʃ dʒ",  # affricates
    "m n ŋ ɲ",  # nasals
    "l ɹ r w j ʍ",  # liquids and glides
)
_CLASS = {sound: index for index, members in enumerate(_CLASSES) for sound in members.split()}

NEAR_COST = 0.5
"""A sound heard as one of its kind (a vowel for a vowel, /f/ for /ð/) is half an error:
that is how accent and recogniser slips differ, while another word differs in kinds too."""

_SCHWA_COST = 0.5
"""A weak vowel heard or lost ("lower" as "lore") is half an error, too."""


def cost(x: str, y: str) -> float:
    """What hearing `y` for `x` costs: 0 the same sound, NEAR_COST one of its kind, else 1."""
    if x == y:
        return 0.0
    kind = _CLASS.get(x)
    return NEAR_COST if kind is not None and kind == _CLASS.get(y) else 1.0


def _gap(sound: str) -> float:
    return _SCHWA_COST if sound == "ə" else 1.0


def distances(a: list[str], b: list[str]) -> list[list[float]]:
    """The weighted edit-distance table between `a` and `b` (rows: a prefix, columns: b prefix)."""
    first = [0.0]
    for y in b:
        first.append(first[-1] + _gap(y))
    table = [first]
    for i, x in enumerate(a, 1):
        above = table[-1]
        row = [above[0] + _gap(x)] + [0.0] * len(b)
        for j, y in enumerate(b, 1):
            row[j] = min(above[j - 1] + cost(x, y), above[j] + _gap(x), row[j - 1] + _gap(y))
        table.append(row)
    return table


def compare(written: list[Word], heard: list[Word]) -> Comparison:
    """Align the two sentences by sound; count the errors and find the words they fall in."""
    a, a_word = _flat(written)
    b, b_word = _flat(heard)
    table = distances(a, b)
    marked_a: set[int] = set()
    marked_b: set[int] = set()
    per_word = [0.0] * len(written)
    i, j = len(a), len(b)
    while i > 0 or j > 0:
        here = table[i][j]
        if i > 0 and j > 0 and _same(here, table[i - 1][j - 1] + cost(a[i - 1], b[j - 1])):
            if a[i - 1] != b[j - 1]:
                marked_a.add(a_word[i - 1])
                marked_b.add(b_word[j - 1])
                per_word[a_word[i - 1]] += cost(a[i - 1], b[j - 1])
            i, j = i - 1, j - 1
        elif i > 0 and _same(here, table[i - 1][j] + _gap(a[i - 1])):
            marked_a.add(a_word[i - 1])  # written, not heard
            per_word[a_word[i - 1]] += _gap(a[i - 1])
            i -= 1
        else:
            marked_b.add(b_word[j - 1])  # heard, not written
            if a:
                per_word[a_word[max(i - 1, 0)]] += _gap(b[j - 1])  # counted in the written word it follows
            j -= 1
    length = sum(_gap(sound) for sound in a)
    return Comparison(table[len(a)][len(b)], length, frozenset(marked_a), frozenset(marked_b), tuple(per_word))


def _same(x: float, y: float) -> bool:
    return abs(x - y) < 1e-9


def mark(text: str, words: list[Word], marked: frozenset[int], left: str = "[", right: str = "]") -> str:
    """`text` with the marked words bracketed (neighbouring marked words share one pair)."""
    out: list[str] = []
    position = 0
    spans = [(w.start, w.end) for index, w in enumerate(words) if index in marked]
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and not any(ch.isalnum() for ch in text[merged[-1][1] : start]):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    for start, end in merged:
        out += [text[position:start], left, text[start:end], right]
        position = end
    out.append(text[position:])
    return "".join(out)

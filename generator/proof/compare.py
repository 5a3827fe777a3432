"""What was written against what was heard: phoneme alignment and a score per sentence.

Both sides are word lists with their sounds (:mod:`.phonemes`). The sounds are laid end
to end, word boundaries dropped, so "finger tips" and "fingertips", "along" and "a long"
align without a single error. The alignment is the classic edit distance (substitution,
deletion, insertion each cost 1); the score is the phoneme error rate, errors over the
written phonemes. Each error is traced back to the word it falls in, on either side, so
a report can mark the words that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.proof.phonemes import Word


@dataclass(frozen=True)
class Comparison:
    """How far the heard sounds are from the written ones, and where."""

    errors: int
    length: int  # written phonemes
    written: frozenset[int] = field(default_factory=frozenset)  # indexes of written words that differ
    heard: frozenset[int] = field(default_factory=frozenset)  # indexes of heard words that differ
    word_errors: tuple[int, ...] = ()  # per written word: the errors that fall in it

    @property
    def score(self) -> float:
        """Phoneme error rate: 0 when the sounds agree, 1 when nothing of the sentence was heard (capped at 1)."""
        if self.length == 0:
            return 0.0 if self.errors == 0 else 1.0
        return min(1.0, self.errors / self.length)

    def wrong_words(self, words: list[Word], least: int) -> list[int]:
        """The written words heard as another word: at least `least` errors, and half their sounds or more."""
        return [
            index for index, (word, errors) in enumerate(zip(words, self.word_errors))
            if errors >= least and 2 * errors >= len(word.sounds)
        ]


def _flat(words: list[Word]) -> tuple[list[str], list[int]]:
    sounds: list[str] = []
    owner: list[int] = []
    for index, word in enumerate(words):
        sounds += word.sounds
        owner += [index] * len(word.sounds)
    return sounds, owner


def distances(a: list[str], b: list[str]) -> list[list[int]]:
    """The edit-distance table between `a` and `b` (rows: a prefix, columns: b prefix)."""
    table = [list(range(len(b) + 1))]
    for i, x in enumerate(a, 1):
        row = [i] + [0] * len(b)
        above = table[-1]
        for j, y in enumerate(b, 1):
            row[j] = min(above[j - 1] + (x != y), above[j] + 1, row[j - 1] + 1)
        table.append(row)
    return table


def compare(written: list[Word], heard: list[Word]) -> Comparison:
    """Align the two sentences by sound; count the errors and find the words they fall in."""
    a, a_word = _flat(written)
    b, b_word = _flat(heard)
    table = distances(a, b)
    marked_a: set[int] = set()
    marked_b: set[int] = set()
    per_word = [0] * len(written)
    i, j = len(a), len(b)
    while i > 0 or j > 0:
        here = table[i][j]
        if i > 0 and j > 0 and here == table[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if a[i - 1] != b[j - 1]:
                marked_a.add(a_word[i - 1])
                marked_b.add(b_word[j - 1])
                per_word[a_word[i - 1]] += 1
            i, j = i - 1, j - 1
        elif i > 0 and here == table[i - 1][j] + 1:
            marked_a.add(a_word[i - 1])  # written, not heard
            per_word[a_word[i - 1]] += 1
            i -= 1
        else:
            marked_b.add(b_word[j - 1])  # heard, not written
            if a:
                per_word[a_word[max(i - 1, 0)]] += 1  # counted in the written word it follows
            j -= 1
    return Comparison(table[len(a)][len(b)], len(a), frozenset(marked_a), frozenset(marked_b), tuple(per_word))


def mark(text: str, words: list[Word], marked: frozenset[int], left: str = "[", right: str = "]") -> str:
    """`text` with the marked words bracketed (neighbouring marked words share one pair)."""
    out: list[str] = []
    position = 0
    spans = [(w.start, w.end) for index, w in enumerate(words) if index in marked]
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and text[merged[-1][1] : start].strip() == "":
            merged[-1][1] = end
        else:
            merged.append([start, end])
    for start, end in merged:
        out += [text[position:start], left, text[start:end], right]
        position = end
    out.append(text[position:])
    return "".join(out)

"""Proofing one track: its sentences, cut, heard, and compared with what was written.

Where the sentences are and what they say comes from the track's timeline: the
`<track>.json` sidecar that render writes beside it, or the script planned again
(`--script`, which also gives the voice and its `pronounce:` entries).

**What the written side is.** The written text is phonemized as the voice reads it by
default, with the built-in Qigong terms as the program tells the voice to say them (the
recogniser's "chee gung" and the script's "Qigong" then agree). A script's own
`pronounce:` entries are *not* applied to that reading: an entry that makes the voice say
another word ("elbows" for "shoulders") must be heard as a difference. An entry that only
mends how a word sounds (its phonemes within half of the word's default ones, such as a
name's vowel) is applied to a second reading, and a sentence counts as right when either
reading matches. And where a sentence holds an entry that says another word, the heard
text is also compared with the sentence as the voice was told it: when that is the
closer one, the voice said the entry's word, and the sentence is flagged whatever its
score. Sentences that contain a script entry carry a note saying so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from generator.core import model
from generator.core.errors import InputError, Position, ScriptError, ScriptErrors, display_path
from generator.voice.pronounce import table
from generator.proof.compare import compare, mark
from generator.proof.phonemes import Phonemizer
from generator.load.loader import load_script
from generator.pipeline.rendering import plan_timeline
from generator.proof.clips import TrackAudio
from generator.proof.transcribe import DEFAULT_MODEL, Recogniser
from generator.voice.bank import SpeechBank

THRESHOLD = 0.25
"""A sentence is worth a listen when more than this share of its phonemes differ. On the
clean library the recogniser's slips stay below it in 19 sentences of 20 or more; a wrong
word, a cut sentence or one drowned by the bed lands above it (docs/proof.md)."""

WORD_ERRORS = (3.5, 0.5)
"""A sentence is also worth a listen when one written word is heard as another: this many
phoneme errors in it, and this share of its sounds or more (one wrong word in a long
sentence moves the sentence's score only a little)."""

NEAR = 0.5
"""A `pronounce:` entry within this phoneme error rate of the word's default reading mends
its sound; further away, it says another word."""

MARGIN = (0.15, 0.35)
"""Seconds of track kept before and after each sentence: the room's tail holds the last sound."""

WIDE_MARGIN = (0.5, 0.6)
"""The margins of the second hearing of a flagged sentence."""


@dataclass(frozen=True)
class Sentence:
    """One spoken sentence of the timeline."""

    start: float
    end: float
    text: str
    section: str = ""


@dataclass(frozen=True)
class SentenceProof:
    """What was heard of one sentence and how far it is from what was written."""

    sentence: Sentence
    heard: str
    score: float
    flagged: bool
    written_marked: str
    heard_marked: str
    note: str = ""


@dataclass
class TrackProof:
    """One track's proof: every sentence, the flagged ones worth a listen."""

    track: Path
    model: str
    threshold: float
    seconds: float
    sentences: list[SentenceProof] = field(default_factory=list)

    @property
    def flagged(self) -> list[SentenceProof]:
        return [s for s in self.sentences if s.flagged]


# --- the timeline ----------------------------------------------------------------------------


def sidecar_sentences(track: Path) -> tuple[list[Sentence], float]:
    """The spoken sentences of `<track>.json` and the timeline's length; exit 2 when it is missing or bad."""
    path = Path(track).with_suffix(".json")
    if not path.is_file():
        raise InputError(
            f"{display_path(path)}: no timeline beside the track (render writes one); give --script SCRIPT instead"
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScriptErrors([ScriptError(f"not a timeline: {exc.msg}", Position(str(path), exc.lineno, exc.colno))]) from None
    return timeline_sentences(data, str(path))


def timeline_sentences(data: object, where: str) -> tuple[list[Sentence], float]:
    """The `say` entries of a timeline in the contract's JSON form."""
    try:
        sentences = [
            Sentence(float(step["start"]), float(step["end"]), str(step["text"]), str(section.get("title", "")))
            for section in data["sections"]
            for step in section["steps"]
            if step.get("kind") == "say" and str(step.get("text", "")).strip()
        ]
        return sentences, float(data.get("duration", 0.0))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ScriptErrors([ScriptError(f"not a meditate timeline ({problem})", Position(where))]) from None


def script_sentences(script: Path, variables: dict[str, str], cache_dir: Path | None = None) -> tuple[list[Sentence], float, model.Voice]:
    """The script planned again (speech from the cache, synthesized when missing): sentences, length, voice."""

    session = load_script(script, variables, required=tuple(variables))
    speech = SpeechBank(cache_dir)
    try:
        timeline = plan_timeline(session, speech)
    finally:
        speech.close()
    sentences, seconds = timeline_sentences(timeline.to_json(), str(script))
    return sentences, seconds, session.voice


# --- hearing and comparing -----------------------------------------------------------------


class Judge:
    """Compares a written sentence with a heard one, by sound, for one voice and its entries."""

    def __init__(self, voice: model.Voice, phonemizer: Phonemizer | None = None):
        self.phonemizer = phonemizer or Phonemizer(voice)
        self.default = table()
        self.entries = voice.pronounce
        mends = [(word, said) for word, said in voice.pronounce if self._mends(word, said)]
        self.mended = table(mends) if mends else None
        self.other_words = [(word, said) for word, said in voice.pronounce if (word, said) not in mends]
        self.told = table(voice.pronounce) if self.other_words else None

    def _mends(self, word: str, said: str) -> bool:
        """True when the entry changes the word's sound by less than NEAR of it."""
        as_written = self.phonemizer.words(word, self.default)
        as_told = self.phonemizer.words(word, table([(word, said)]))
        return compare(as_written, as_told).score <= NEAR

    def judge(self, sentence: Sentence, heard: str, threshold: float) -> SentenceProof:
        """Score the heard text against the written one (the better of its readings) and flag it or not."""
        heard_words = self.phonemizer.words(heard, self.default)
        readings = [self.default] + ([self.mended] if self.mended else [])
        scored = []
        for reading in readings:
            written = self.phonemizer.words(sentence.text, reading)
            scored.append((compare(written, heard_words), written))
        result, written = min(scored, key=lambda pair: pair[0].score)
        flagged = result.score > threshold or bool(result.wrong_words(written, *WORD_ERRORS))
        note = self._note(sentence.text)
        if self.told is not None and any(_contains(sentence.text, word) for word, _ in self.other_words):
            told = compare(self.phonemizer.words(sentence.text, self.told), heard_words)
            if told.score < result.score:  # heard as the entry says, not as written
                flagged = True
                note = f"heard as the script's pronounce: entry says, not as written ({self._used(sentence.text)})"
        return SentenceProof(
            sentence, heard, round(result.score, 3), flagged,
            mark(sentence.text, written, result.written), mark(heard, heard_words, result.heard), note,
        )

    def _used(self, text: str) -> str:
        return "; ".join(f"{word}: {said}" for word, said in self.entries if _contains(text, word))

    def _note(self, text: str) -> str:
        used = self._used(text)
        return f"the script's pronounce: entry ({used}) applies here" if used else ""


def _contains(text: str, word: str) -> bool:
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, word.split())) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def proof_track(
    track: Path,
    *,
    script: Path | None = None,
    variables: dict[str, str] | None = None,
    model_name: str | Path | None = None,
    voice: model.Voice | None = None,
    recogniser=None,
    judge: Judge | None = None,
    threshold: float = THRESHOLD,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TrackProof:
    """Hear every sentence of `track` and judge it against its timeline (see the module docstring).

    `voice` is the voice (and `pronounce:` entries) a timeline-only proof assumes (default:
    the default voice); `recogniser` and `judge` may be given to reuse a loaded model and
    phonemizer across tracks.
    """

    track = Path(track)
    audio = TrackAudio(track)
    try:
        if script is not None:
            sentences, seconds, voice = script_sentences(Path(script), dict(variables or {}), cache_dir)
        else:
            (sentences, seconds), voice = sidecar_sentences(track), voice or model.Voice()
        if seconds > audio.seconds + 1.0:
            raise InputError(
                f"{display_path(track)} lasts {audio.seconds:.1f} s but its timeline {seconds:.1f} s: "
                "not the track this timeline was rendered into"
            )
        recogniser = recogniser or Recogniser(model_name or DEFAULT_MODEL, voice.language)
        judge = judge or Judge(voice)
        result = TrackProof(track, recogniser.model_name, threshold, audio.seconds)
        for index, sentence in enumerate(sentences):
            result.sentences.append(_hear(audio, sentences, index, recogniser, judge, threshold))
            if progress:
                progress(index + 1, len(sentences))
        return result
    finally:
        audio.close()


def _hear(audio, sentences: list[Sentence], index: int, recogniser, judge: Judge, threshold: float) -> SentenceProof:
    """One sentence heard and judged; a flagged one is heard once more with more of the track
    around it (the recogniser guesses a clipped first word from context), and the better
    hearing stands: a real mistake is wrong both times, a slip of the recogniser seldom is."""
    sentence = sentences[index]
    verdict: SentenceProof | None = None
    for margins, share in ((MARGIN, 0.5), (WIDE_MARGIN, 0.6)):
        before, after = _margins(sentences, index, margins, share)
        heard = recogniser.transcribe(audio.cut(sentence.start - before, sentence.end + after))
        again = judge.judge(sentence, heard, threshold)
        if verdict is None or (again.flagged, again.score) < (verdict.flagged, verdict.score):
            verdict = again
        if not verdict.flagged:
            break
    return verdict


def _margins(sentences: list[Sentence], index: int, margins: tuple[float, float], share: float) -> tuple[float, float]:
    """`margins` around a sentence, never reaching further than `share` of the gap to a neighbour."""
    here = sentences[index]
    before, after = margins
    if index > 0:
        before = min(before, max(0.0, (here.start - sentences[index - 1].end) * share))
    if index + 1 < len(sentences):
        after = min(after, max(0.0, (sentences[index + 1].start - here.end) * share))
    return before, after

"""Narration text in two steps: tokenize (sentences, inline pauses, paragraph breaks and
the problems found at their places), then join (the one gap between two utterances)."""

from fractions import Fraction

import pytest

from generator.core.model import Gap, Utterance, Voice
from generator.script.bounds import CLAUSE_PAUSE, MAX_UTTERANCE_CHARS
from generator.script.narration import ParagraphBreak, Pause, Sentence, join, split_narration, tokenize

VOICE = Voice(sentence_pause=Fraction(8, 10), paragraph_pause=Fraction(2))
SENTENCE, PARAGRAPH = Gap(VOICE.sentence_pause), Gap(VOICE.paragraph_pause)


def said(text: str) -> Utterance:
    return Utterance(text, VOICE)


def one(text: str) -> Sentence:
    return Sentence(text, (text,))


# --- tokenize ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("", []),
        ("   \n\n  ", [ParagraphBreak()]),
        ("Breathe in. Breathe out!  Rest?", [one("Breathe in."), one("Breathe out!"), one("Rest?")]),
        ("Then stop…  Now", [one("Then stop…"), one("Now")]),
        ("a\n  b.\tc", [one("a b."), one("c")]),
        ("One.\n\nTwo.\n \nThree", [one("One."), ParagraphBreak(), one("Two."), ParagraphBreak(), one("Three")]),
        ("你好。请闭上眼睛！「慢慢地」。", [one("你好。"), one("请闭上眼睛！"), one("「慢慢地」。")]),
        ("Rest [pause 2s] here", [one("Rest"), Pause(Fraction(2)), one("here")]),
        ("[pause 1s]<break time='500ms'/>Go", [Pause(Fraction(1)), Pause(Fraction(1, 2)), one("Go")]),
        ("3.5 breaths", [one("3.5 breaths")]),
    ],
)
def test_tokenize_reads_sentences_pauses_and_paragraphs(text, tokens):
    assert tokenize(text) == (tokens, [])


def test_a_blank_line_across_a_pause_is_not_a_paragraph():
    assert tokenize("One.\n[pause 1s]\nTwo.")[0] == [one("One."), Pause(Fraction(1)), one("Two.")]


def test_tokenize_cuts_a_long_sentence_into_pieces():
    sentence = ", ".join(["a quiet breath"] * 40) + "."
    (token,), problems = tokenize(sentence)
    assert problems == [] and token.text == sentence and len(token.pieces) > 1
    assert all(len(piece) <= MAX_UTTERANCE_CHARS for piece in token.pieces)
    assert " ".join(token.pieces) == sentence


def test_tokenize_places_each_problem_where_it_is_written():
    text = "Rest. [pause soon] Then [pause] and " + "x" * (MAX_UTTERANCE_CHARS + 1) + "."
    tokens, problems = tokenize(text)
    assert [(p.offset, text[p.offset : p.offset + 6]) for p in problems] == [
        (text.index("[pause]"), "[pause"),  # look-alikes are found first
        (text.index("[pause soon]"), "[pause"),
        (text.index("xxx"), "xxxxxx"),
    ]
    assert "inline pause must be" in problems[1].message and "'soon'" in problems[1].message
    assert f"a word of {MAX_UTTERANCE_CHARS + 2} characters" in problems[2].message
    assert tokens[-1] == Sentence("Then [pause] and " + "x" * (MAX_UTTERANCE_CHARS + 1) + ".", ())
    assert not any(isinstance(t, Pause) for t in tokens)  # a refused pause is no pause


# --- join -------------------------------------------------------------------------------


def test_join_puts_the_sentence_pause_between_sentences():
    assert join([one("A."), one("B.")], VOICE) == (said("A."), SENTENCE, said("B."))


def test_join_puts_the_paragraph_pause_after_a_blank_line():
    assert join([one("A."), ParagraphBreak(), ParagraphBreak(), one("B.")], VOICE) == (said("A."), PARAGRAPH, said("B."))


def test_an_inline_pause_replaces_the_other_gaps_and_pauses_add_up():
    tokens = [one("A."), Pause(Fraction(1)), ParagraphBreak(), Pause(Fraction(1, 2)), one("B.")]
    assert join(tokens, VOICE) == (said("A."), Gap(Fraction(3, 2)), said("B."))


def test_pauses_before_the_first_and_after_the_last_sentence_stay_there():
    tokens = [ParagraphBreak(), Pause(Fraction(2)), one("A."), Pause(Fraction(3))]
    assert join(tokens, VOICE) == (Gap(Fraction(2)), said("A."), Gap(Fraction(3)))
    assert join([Pause(Fraction(1)), Pause(Fraction(0))], VOICE) == (Gap(Fraction(1)),)


def test_a_zero_pause_is_still_the_gap_written():
    assert join([one("A."), Pause(Fraction(0)), one("B.")], VOICE) == (said("A."), Gap(Fraction(0)), said("B."))


def test_join_puts_the_clause_pause_between_the_pieces_of_a_sentence():
    tokens = [one("A."), Sentence("B, c.", ("B,", "c."))]
    assert join(tokens, VOICE) == (said("A."), SENTENCE, said("B,"), Gap(CLAUSE_PAUSE), said("c."))


def test_a_refused_sentence_keeps_its_gap_and_speaks_nothing():
    assert join([one("A."), Sentence("zzz", ()), one("B.")], VOICE) == (said("A."), SENTENCE, SENTENCE, said("B."))


def test_join_of_nothing_is_nothing():
    assert join([], VOICE) == () and join([ParagraphBreak()], VOICE) == ()


# --- both steps -------------------------------------------------------------------------


def test_split_narration_is_tokenize_then_join():
    text = "Settle in.\n\nBreathe [pause 4s] and let go. [break] Rest."
    tokens, problems = tokenize(text)
    assert split_narration(text, VOICE) == (join(tokens, VOICE), problems)
    assert split_narration(text, VOICE)[0] == (
        said("Settle in."), PARAGRAPH, said("Breathe"), Gap(Fraction(4)), said("and let go."),
        SENTENCE, said("[break] Rest."),
    )
    assert [p.offset for p in problems] == [text.index("[break]")]

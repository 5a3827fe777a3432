"""The planner: exact sample arithmetic, fills, breathing boundaries, section previews."""

from fractions import Fraction

import pytest

from generator.core import model
from generator.core.errors import ScriptErrors
from generator.load.loader import load_script
from generator.kinds.placing import SILENCE, BellLength, Draft, DraftEntry
from generator.kinds.steps import utterances
from generator.plan.timeline import LEAD_IN, FillAt, _settle_fills, plan

RATE = 44_100


class Lengths:
    """Speech lasts 0.05 s per character; bells ring 9 s and hold 6 s; files 3 s."""

    def speech(self, utterance):
        return round(len(utterance.text) * 0.05 * RATE)

    def bell(self, bell):
        return BellLength(9 * RATE, 6 * RATE)

    def file(self, play):
        return 3 * RATE


def test_entries_are_contiguous_and_total_is_their_sum(write_script):
    path = write_script(
        """
        title: T
        sections:
          - title: A
            steps:
              - bell: bowl
              - say: "One. [pause 2s] Two three."
              - pause: 10s
          - title: B
            steps:
              - say: Four.
              - bell: {sound: chime, strikes: 3, every: 5s}
        """
    )
    timeline = plan(load_script(path), Lengths())
    entries = timeline.entries()
    assert entries[0].start == 0
    for before, after in zip(entries, entries[1:]):
        assert before.end == after.start
    assert entries[-1].end == timeline.length
    kinds = [e.kind for e in entries]
    assert kinds == ["pause", "bell", "say", "pause", "say", "pause", "say", "bell", "bell", "bell"]
    assert entries[0].length == LEAD_IN * RATE  # the track does not open on the strike
    # Each strike holds the timeline for its hold (or `every`); the last one ends the
    # track, so it lasts its whole ring.
    assert [e.length for e in entries if e.kind == "bell"] == [6 * RATE, 5 * RATE, 5 * RATE, 9 * RATE]
    bells = [p for p in timeline.placements if p.sound.__class__.__name__ == "BellStrike"]
    assert [p.length for p in bells] == [9 * RATE] * 4  # every strike rings in full
    assert [p.sound.index for p in bells] == [0, 0, 1, 2]  # counted per bell over the session
    assert bells[0].end > entries[2].start  # the bowl rings on under the words
    pause = entries[5]
    assert pause.length == 10 * RATE
    assert timeline.sections[1].start == timeline.sections[0].end


def test_json_matches_the_contract_shape(write_script):
    path = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - say: Welcome, friend.\n      - pause: 2s\n")
    data = plan(load_script(path), Lengths()).to_json()
    assert data == {
        "title": "T",
        "duration": 2.8,
        "sections": [
            {
                "title": "A",
                "start": 0.0,
                "end": 2.8,
                "steps": [
                    {"kind": "say", "start": 0.0, "end": 0.8, "text": "Welcome, friend."},
                    {"kind": "pause", "start": 0.8, "end": 2.8},
                ],
            }
        ],
    }


def test_fill_makes_the_track_exactly_length(write_script):
    path = write_script(
        """
        title: T
        length: 1m
        sections:
          - title: A
            steps: [{say: Hello there.}, {pause: fill}]
          - title: B
            steps: [{pause: fill}, {say: Bye.}, {pause: fill}]
        """
    )
    timeline = plan(load_script(path), Lengths())
    assert timeline.length == 60 * RATE
    fills = [e.length for e in timeline.entries() if e.kind == "pause"]
    assert max(fills) - min(fills) <= 1 and len(fills) == 3


def test_length_shorter_than_content_says_by_how_much(write_script):
    path = write_script("title: T\nlength: 5s\nsections:\n  - title: A\n    steps: [{pause: 8s}, {pause: fill}]\n")
    with pytest.raises(ScriptErrors) as info:
        plan(load_script(path), Lengths())
    (error,) = info.value.errors
    assert str(error).endswith(":2:9: error: length 0:05.0 is shorter than the fixed content (0:08.0) by 0:03.0")


def test_fill_without_length_is_an_error(write_script):
    path = write_script("title: T\nsections:\n  - title: A\n    steps: [{pause: fill}]\n")
    with pytest.raises(ScriptErrors) as info:
        load_script(path)
    assert "pause: fill needs the script's length" in str(info.value)


def test_breathing_boundaries_never_drift(write_script):
    path = write_script(
        "title: T\nsections:\n  - title: A\n    steps:\n      - breathe: {pattern: coherent, cycles: 30, cues: tone}\n"
    )
    timeline = plan(load_script(path), Lengths())
    entries = timeline.entries()
    assert [e.kind for e in entries[:2]] == ["inhale", "exhale"]
    assert entries[-1].end == 30 * 11 * RATE
    for k, entry in enumerate(entries):
        assert entry.start == round(Fraction(11, 2) * k * RATE)
    assert {e.cycle for e in entries} == set(range(1, 31))


def test_478_then_box_phase_lengths(write_script):
    path = write_script(
        """
        title: T
        sections:
          - title: A
            steps:
              - breathe: {pattern: 4-7-8, cycles: 3, cues: none}
              - breathe: {pattern: box, cycles: 2, cues: none}
        """
    )
    timeline = plan(load_script(path), Lengths())
    seconds = [e.length / RATE for e in timeline.entries()]
    assert seconds == [4, 7, 8] * 3 + [4, 4, 4, 4] * 2
    assert [e.kind for e in timeline.entries()][9:13] == ["inhale", "hold", "exhale", "hold"]
    assert timeline.length == (19 * 3 + 16 * 2) * RATE


def test_voice_cue_longer_than_phase_is_an_error(write_script):
    path = write_script(
        """
        title: T
        sections:
          - title: A
            steps:
              - breathe:
                  pattern: 1-1
                  cycles: 3
                  words: {inhale: Breathe in slowly through the nose and fill the belly}
        """
    )
    with pytest.raises(ScriptErrors) as info:
        plan(load_script(path), Lengths())
    assert "longer than its inhale phase of 1s" in str(info.value)
    assert ":5:9: error:" in str(info.value)
    assert len(info.value.errors) == 1


def test_only_section_starts_at_zero(write_script):
    path = write_script(
        "title: T\nsections:\n  - title: A\n    steps: [{pause: 3s}]\n  - title: B\n    steps: [{say: Hello.}, {pause: 2s}]\n"
    )
    timeline = plan(load_script(path), Lengths()).only_section("B")
    assert timeline.length == round(0.3 * RATE) + 2 * RATE
    assert timeline.sections[0].start == 0 and timeline.placements[0].start == 0


def test_only_the_cue_words_a_pattern_uses_are_spoken(write_script):
    path = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - breathe: {pattern: relax, cycles: 2}\n")
    assert [u.text for u in utterances(load_script(path))] == ["Breathe in", "Breathe out"]


def test_spoken_breathing_cues_carry_their_words(write_script):
    from generator.output.sidecars import webvtt

    path = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - breathe: {pattern: box, cycles: 1, cues: voice}\n")
    timeline = plan(load_script(path), Lengths())
    assert [(e.kind, e.text) for e in timeline.entries()] == [
        ("inhale", "Breathe in"), ("hold", "Hold"), ("exhale", "Breathe out"), ("hold", "Rest"),
    ]
    captions = webvtt(timeline)
    assert "00:00:04.000 --> 00:00:08.000\nHold" in captions and captions.count("-->") == 4
    tone_only = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - breathe: {pattern: box, cycles: 1, cues: tone}\n", "t.yaml")
    assert all(e.text is None for e in plan(load_script(tone_only), Lengths()).entries())


def _whole_units(unit: int):
    """A fill made of whole `unit`-sample entries, as a breathing pacer's cycles are."""
    return lambda share: [DraftEntry("inhale", unit)] * (share // unit)


def test_fills_settle_by_place_and_leave_the_drafts_alone():
    first = Draft("A", model.Background())
    first.entry("say", 100)
    first.fill(SILENCE)
    first.fill(SILENCE, _whole_units(30))
    second = Draft("B", model.Background())
    second.fill(SILENCE)
    items = [list(first.items), list(second.items)]

    settled = _settle_fills([first, second], [50, 100, 7])

    assert [first.items, second.items] == items
    assert set(settled) == {FillAt(0, 1), FillAt(0, 2), FillAt(1, 0)}
    # three whole cycles of 30 take 90 of the 100; the 10 left go to the plain fills, 5 each
    assert [e.length for e in settled[FillAt(0, 2)].entries] == [30, 30, 30]
    assert settled[FillAt(0, 1)].length == 55
    assert settled[FillAt(1, 0)].length == 12
    assert sum(s.length for s in settled.values()) == 50 + 100 + 7


def test_a_unit_fill_alone_keeps_its_remainder_and_an_empty_share_places_nothing():
    draft = Draft("A", model.Background())
    draft.fill(SILENCE, _whole_units(30))
    assert [(e.kind, e.length) for e in _settle_fills([draft], [100])[FillAt(0, 0)].entries] == [
        ("inhale", 30), ("inhale", 30), ("inhale", 30), (SILENCE, 10)
    ]
    plain = Draft("B", model.Background())
    plain.fill(SILENCE)
    assert _settle_fills([plain], [0])[FillAt(0, 0)].entries == ()


def test_fills_and_shares_must_pair_up():
    draft = Draft("A", model.Background())
    draft.fill(SILENCE)
    with pytest.raises(ValueError):
        _settle_fills([draft], [1, 2])

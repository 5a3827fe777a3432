"""`breathe`: a breathing pacer, with spoken cues, a soft tone, or both.

Patterns (presets, `inhale-hold-exhale[-hold]` seconds, lists and `A -> B` glides) are
expanded by :mod:`generator.script.patterns`; here each phase is placed back to back on exact
sample boundaries, with its voice cue starting on the phase's first sample and its tone
exactly as long as the phase.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from yaml.nodes import MappingNode, Node, ScalarNode

from generator.script import bounds, limits, patterns
from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import ScriptError
from generator.core.languages import CUE_KINDS, cue_words, language_name
from generator.kinds.placing import SILENCE, BreathCue, Draft, DraftEntry, Sound, SoundLengths
from generator.core.units import format_duration
from generator.kinds.steps._kind import EntryStyle, LoadContext, SoundContext, StepKind
from generator.script.yamlnodes import iter_items
from generator.core.suggest import did_you_mean
from generator.sources.breath import breath_tone

CUES = ("voice", "tone", "both", "none")
BREATH_WORDS = ("inhale", "hold", "exhale", "rest")

BREATH_TONE_DB = -10.0
"""The pacer's tone through an inhale or exhale, relative to the voice: at full swell its
RMS sits 10 dB under the voice's RMS (its loudest moments 10 to 13 LU under the voice's
loudest speech), a guide felt under the words, never competing with them. A `breathe`
step's `volume` moves it from here."""

HOLD_TONE_DB = -16.0
"""Through a hold the tone stays at the pitch the breath reached, 6 dB softer still: a
listener with closed eyes hears that the breath is held, not that the pacer stopped."""


def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> model.Breathe | None:
    r = ctx.read
    entries = r.mapping(node, "breathe", ("pattern", "cycles", "duration", "cues", "words", "volume"), required=("pattern",))
    if entries is None or "pattern" not in entries:
        return None
    fields: dict = {"voice": voice}
    cycles = duration = None
    if "cycles" in entries and "duration" in entries:
        r.error(entries["duration"][0], "breathe takes cycles or duration, not both")
    elif "cycles" in entries:
        cycles = r.integer(entries["cycles"][1], "cycles", 1, 10_000)
    elif "duration" in entries and _is_fill(entries["duration"][1]):
        pass  # planned from the fill: see _fill below
    elif "duration" in entries:
        limit = limits.max_total_seconds()
        duration = r.duration(entries["duration"][1], "duration", limit, limits.written_limit(limit))
    if "cues" in entries:
        cues = r.text(entries["cues"][1], "cues")
        if cues is not None and cues not in CUES:
            r.error(entries["cues"][1], f"unknown cues '{cues}'{did_you_mean(cues, CUES)}; choose voice, tone, both or none")
        elif cues is not None:
            fields["cues"] = cues
    if "volume" in entries:
        volume = r.volume(entries["volume"][1])
        if volume is not None:
            fields["volume"] = volume
    fields["words"] = _words(ctx, entries.get("words", (None, None))[1], voice, key, fields.get("cues", "both"))
    if "duration" in entries and "cycles" not in entries and _is_fill(entries["duration"][1]):
        return _fill(ctx, entries, fields, key)
    counted = "cycles" in entries or "duration" in entries
    all_cycles = _cycles(ctx, node, entries["pattern"][1], cycles, duration, counted)
    if all_cycles is None:
        return None
    if not all_cycles:
        r.error(node, "not even one breathing cycle fits in that duration")
        return None
    if len(all_cycles) > patterns.MAX_CYCLES:
        r.error(node, f"that is {len(all_cycles)} breathing cycles; at most {patterns.MAX_CYCLES} in one step")
        return None
    return model.Breathe(tuple(all_cycles), r.pos(key), **fields)


def _is_fill(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value == "fill" and not node.style


def _fill(ctx: LoadContext, entries: dict, fields: dict, key: Node) -> model.Breathe | None:
    """`breathe: {pattern: P, duration: fill}`: one pattern, repeated by the planner over
    this step's share of the fill, in whole cycles (see :func:`draft`)."""
    r = ctx.read
    fill_node = entries["duration"][1]
    if not r.visit(fill_node):
        return None
    pattern_node = entries["pattern"][1]
    text = r.text(pattern_node, "pattern") if isinstance(pattern_node, ScalarNode) else None
    if text is None or "->" in text:
        r.error(pattern_node, "duration: fill takes one pattern (not a list or a glide); give a glide cycles or a duration")
        return None
    try:
        phases = patterns.parse_phases(text)
    except patterns.PatternError as exc:
        r.error(pattern_node, str(exc))
        return None
    ctx.note_fill(fill_node, "duration: fill")
    return model.Breathe((phases,), r.pos(key), fill=True, **fields)


def _words(
    ctx: LoadContext, node: Node | None, voice: model.Voice, key: Node, cues: str
) -> tuple[tuple[str, str], ...]:
    """The cue words: the built-in ones of the script's language (generator.core.languages),
    with any `words:` written over them. A language without built-in words speaks English
    cues, with one warning."""
    words = cue_words(voice.language)
    written = dict(iter_items(ctx.read.mapping(node, "words", BREATH_WORDS) or {})) if node is not None else {}
    if words is None and cues in ("voice", "both") and len(written) < len(CUE_KINDS):
        ctx.warn(
            key,
            f"there are no built-in breathing cue words in {language_name(voice.language)}, so the pacer says them "
            "in English; give your own with words: {inhale: ..., hold: ..., exhale: ..., rest: ...}",
            once="cue language",
        )
    chosen = dict(words or model.Breathe.__dataclass_fields__["words"].default)
    for word_key, word_node in written.items():
        text = ctx.read.text(word_node, f"the {word_key} word")
        if text is not None:
            word = ctx.substitute(text, word_node)
            if len(word) > bounds.MAX_UTTERANCE_CHARS:  # the voice speaks a cue in one go
                ctx.read.error(word_node, f"the {word_key} word is {len(word)} characters long; at most {bounds.MAX_UTTERANCE_CHARS}")
            else:
                chosen[word_key] = word
    return tuple(chosen.items())


def _cycles(
    ctx: LoadContext, step: Node, node: Node, cycles: int | None, duration: Fraction | None, counted: bool
) -> list[tuple[model.BreathPhase, ...]] | None:
    """The cycles of a `breathe` pattern: one pattern or glide, or a list played in order.
    None when something was wrong (already reported at its place)."""
    r = ctx.read
    if not isinstance(node, ScalarNode):
        return _listed_cycles(ctx, node, cycles, duration, counted)
    text = r.text(node, "pattern")
    if text is None:
        return None
    if not counted:
        try:
            patterns.expand(text, cycles=1, duration=None)  # still report a bad pattern
        except patterns.PatternError as exc:
            r.error(node, str(exc))
        r.error(step, "breathe needs cycles or duration")
        return None
    if cycles is None and duration is None:
        return None  # a bad cycles/duration value, already reported
    try:
        return patterns.expand(text, cycles=cycles, duration=duration)
    except patterns.PatternError as exc:
        r.error(node, str(exc))
        return None


def _listed_cycles(
    ctx: LoadContext, node: Node, cycles: int | None, duration: Fraction | None, counted: bool
) -> list[tuple[model.BreathPhase, ...]] | None:
    """A list of patterns played in order; an entry may carry its own `cycles` (the
    step's `cycles` is the default), so `pattern: [{pattern: 4-4, cycles: 4}, ...]` needs
    nothing more."""
    r = ctx.read
    items = r.sequence(node, "pattern")
    if items is None:
        return None
    if duration is not None:
        r.error(node, "a list of patterns plays 'cycles' of each; use cycles rather than duration")
        return None
    if not items:
        r.error(node, "the list of patterns is empty")
        return None
    out: list[tuple[model.BreathPhase, ...]] = []
    failed = False
    for item in items:
        item_cycles, pattern_node, own_cycles = cycles, item, False
        if isinstance(item, MappingNode):
            entries = r.mapping(item, "a pattern", ("pattern", "cycles"), required=("pattern",))
            if not entries or "pattern" not in entries:
                failed = True
                continue
            pattern_node = entries["pattern"][1]
            if "cycles" in entries:
                own_cycles = True
                item_cycles = r.integer(entries["cycles"][1], "cycles", 1, patterns.MAX_CYCLES)
        text = r.text(pattern_node, "pattern")
        if text is None:
            failed = True
            continue
        try:
            out.extend(patterns.expand(text, cycles=item_cycles or 1, duration=None))
        except patterns.PatternError as exc:
            r.error(pattern_node, str(exc))
            failed = True
            continue
        if item_cycles is None:
            if not counted and not own_cycles:
                r.error(item, f"pattern '{text}' needs cycles: here ({{pattern: {text}, cycles: N}}) or on the breathe step")
            failed = True  # otherwise a bad cycles value, already reported
    return None if failed else out


def least_seconds(step: model.Breathe, probed: Callable[[Path], Fraction]) -> tuple[Fraction, Fraction]:
    if step.fill:
        return Fraction(0), Fraction(0)
    return Fraction(0), sum((patterns.cycle_seconds(c) for c in step.cycles), Fraction(0))


def draft(step: model.Breathe, lengths: SoundLengths, rate: int, draft: Draft, errors: list[ScriptError]) -> None:
    """The step's phases; for `duration: fill`, a fill that becomes whole cycles."""
    if not step.fill:
        _draft_cycles(step, lengths, rate, draft, errors)
        return

    def settle(share: int) -> list[DraftEntry]:
        """As many whole cycles as fit in `share` samples (the planner gives the rest to
        the `pause: fill`s, or leaves it as a pause after the breathing)."""
        count = int(Fraction(share, rate) // patterns.cycle_seconds(step.cycles[0]))
        if not 1 <= count <= patterns.MAX_CYCLES:
            amount = "less than one breathing cycle" if count < 1 else f"{count} breathing cycles; at most {patterns.MAX_CYCLES}"
            errors.append(ScriptError(f"duration: fill gets {format_duration(share / rate)} here, {amount}", step.position))
            return []
        cycles = Draft(draft.title, draft.background)
        _draft_cycles(replace(step, cycles=(step.cycles[0],) * count, fill=False), lengths, rate, cycles, errors)
        return [item for item in cycles.items if isinstance(item, DraftEntry)]

    draft.fill(SILENCE, settle)


def _draft_cycles(step: model.Breathe, lengths: SoundLengths, rate: int, draft: Draft, errors: list[ScriptError]) -> None:
    """Phases placed back to back on exact sample boundaries (no drift over many cycles).

    Each phase gets its voice cue (starting on the phase's first sample) and its tone
    (exactly as long as the phase). A voice cue that does not fit its phase is one error
    per cue word, naming the cue's length and the shortest phase it was given.
    """
    # Phase boundaries are computed from the running exact sum of seconds, so rounding
    # never accumulates: boundary k is round(sum of the first k phases * rate).
    elapsed = Fraction(0)
    cue_voice = step.cues in ("voice", "both")
    cue_tone = step.cues in ("tone", "both")
    too_long: dict[str, tuple[int, str, int, int]] = {}  # cue text -> (cue length, kind, shortest phase, count)
    for number, cycle in enumerate(step.cycles, start=1):
        for phase in cycle:
            start = to_samples(elapsed, rate)
            elapsed += phase.seconds
            length = to_samples(elapsed, rate) - start
            if length <= 0:
                continue
            kind = "hold" if phase.kind == "rest" else phase.kind
            sounds: list[Sound] = []
            if cue_voice:
                cue = model.Utterance(step.word(phase.kind), step.voice)
                cue_length = lengths.speech(cue)
                if cue_length > length:
                    _, _, shortest, count = too_long.get(cue.text, (0, kind, length, 0))
                    too_long[cue.text] = (cue_length, kind, min(shortest, length), count + 1)
                sounds.append(Sound(0, min(cue_length, length), cue, 0.0, True))
            if cue_tone:
                gain = (BREATH_TONE_DB if kind in ("inhale", "exhale") else HOLD_TONE_DB) + step.volume
                sounds.append(Sound(0, length, BreathCue(phase.kind, length, number), gain, False))
            spoken = step.word(phase.kind) if cue_voice else None  # in the plan and the captions
            draft.entry(kind, length, spoken, number, tuple(sounds))
    for text, (cue_length, kind, shortest, count) in too_long.items():
        more = f" ({count} phases are too short for it)" if count > 1 else ""
        errors.append(
            ScriptError(
                f"the voice cue '{text}' lasts {_seconds(cue_length, rate)}s, longer than its {kind} phase of "
                f"{_seconds(shortest, rate)}s{more}; lengthen the phase or choose a shorter word",
                step.position,
            )
        )


def _seconds(samples: int, rate: int) -> str:
    """Seconds for a message, to the hundredth, without trailing zeros (4s, 4.5s, 4.33s)."""
    return f"{samples / rate:.2f}".rstrip("0").rstrip(".")


def utterances(step: model.Breathe) -> Iterable[model.Utterance]:
    """The cue words this pattern speaks (only the phases it has)."""
    if step.cues not in ("voice", "both"):
        return ()
    kinds = {phase.kind for cycle in step.cycles for phase in cycle if phase.seconds > 0}
    return [model.Utterance(word, step.voice) for kind, word in step.words if kind in kinds]


def tone(cue: BreathCue, mixer: SoundContext) -> np.ndarray:
    """The pacer's tone for one phase (made once per phase kind and length)."""

    return mixer.cached(("breath", cue.kind, cue.samples), lambda: breath_tone(cue.kind, cue.samples))


KIND = StepKind(
    "breathe",
    parse,
    model.Breathe,
    draft,
    weight=lambda step: sum(len(cycle) for cycle in step.cycles),
    options=("pattern", "cycles", "duration", "cues", "words", "volume"),
    least_seconds=least_seconds,
    utterances=utterances,
    cue_words=lambda step: [word for _, word in step.words],
    sounds={BreathCue: tone},
    entries=(
        EntryStyle("inhale", "inhale", "#6aa99b", "Breathing", "rise"),
        EntryStyle("hold", "hold", "#d8c690", "Breathing", "band"),
        EntryStyle("exhale", "exhale", "#9b8fc0", "Breathing", "fall"),
    ),
)

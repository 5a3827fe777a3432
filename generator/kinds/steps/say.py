"""`say`: narration, split into utterances and the timed gaps between them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable

from yaml.nodes import MappingNode, Node

from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import ScriptError
from generator.script.narration import MAX_TEXT_CHARS, split_narration
from generator.kinds.placing import SILENCE, Draft, Sound, SoundLengths
from generator.kinds.steps._kind import EntryStyle, LoadContext, SoundContext, StepKind

SPEECH_CHARS_PER_SECOND = 40
"""A lower bound on how long speech lasts: no voice speaks faster than this at speed 1
(a calm narrator speaks about 13 characters a second), so the up-front length check
never refuses a script that would fit."""


def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> model.Say | None:
    r = ctx.read
    text_node = node
    if isinstance(node, MappingNode):
        entries = r.mapping(node, "say", ("text", "voice"), required=("text",))
        if entries is None or "text" not in entries:
            return None
        text_node = entries["text"][1]
        if "voice" in entries:
            voice = ctx.voice(entries["voice"][1], voice)
    raw = r.text(text_node, "say")
    if raw is None:
        return None
    if len(raw) > MAX_TEXT_CHARS:
        r.error(text_node, f"this text is {len(raw)} characters long; one say may hold at most {MAX_TEXT_CHARS}")
        return None
    text = ctx.substitute(raw, text_node)
    if len(text) > MAX_TEXT_CHARS:
        r.error(text_node, f"with its variables filled in this text is {len(text)} characters long; one say may hold at most {MAX_TEXT_CHARS}")
        return None
    parts, problems = split_narration(text, voice)
    ctx.report(problems, text, text_node)
    if not any(isinstance(p, model.Utterance) for p in parts) and not problems:
        r.error(text_node, "say has nothing to speak")
        return None
    return model.Say(parts, r.pos(key))


def least_seconds(step: model.Say, probed: Callable[[Path], Fraction]) -> tuple[Fraction, Fraction]:
    speech = gaps = Fraction(0)
    for part in step.parts:
        if isinstance(part, model.Gap):
            gaps += part.seconds
        else:
            speech += Fraction(len(part.text)) / (SPEECH_CHARS_PER_SECOND * Fraction(part.voice.speed))
    return speech, gaps


def draft(step: model.Say, lengths: SoundLengths, rate: int, draft: Draft, errors: list[ScriptError]) -> None:
    for part in step.parts:
        if isinstance(part, model.Gap):
            draft.entry(SILENCE, to_samples(part.seconds, rate))
        else:
            length = lengths.speech(part)
            draft.entry("say", length, part.text, sounds=(Sound(0, length, part, part.voice.level, True),))


def utterances(step: model.Say) -> Iterable[model.Utterance]:
    return (part for part in step.parts if isinstance(part, model.Utterance))


def speech(utterance: model.Utterance, mixer: SoundContext):
    """An utterance's samples, from the speech bank (memory, the cache or synthesis)."""
    return mixer.speech.samples(utterance)


KIND = StepKind(
    "say",
    parse,
    model.Say,
    draft,
    options=("text", "voice"),
    weight=lambda step: len(step.parts),
    least_seconds=least_seconds,
    utterances=utterances,
    sounds={model.Utterance: speech},
    in_room=(model.Utterance,),
    entries=(EntryStyle("say", "speech", "#6f8fb3", "Voice"),),
    spoken_entries=("say",),
)

"""`play`: a sound file in the foreground, with its volume, fades and duration."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
from yaml.nodes import MappingNode, Node

from generator import limits, model
from generator.audio import raised_cosine, to_samples
from generator.errors import ScriptError
from generator.placing import Draft, Sound, SoundLengths
from generator.steps._kind import EntryStyle, LoadContext, SoundContext, StepKind

def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> model.Play | None:
    r = ctx.read
    fields: dict = {}
    file_node = node
    if isinstance(node, MappingNode):
        entries = r.mapping(node, "play", ("file", "volume", "fade_in", "fade_out", "duration"), required=("file",))
        if entries is None or "file" not in entries:
            return None
        file_node = entries["file"][1]
        if "volume" in entries:
            volume = r.volume(entries["volume"][1])
            if volume is not None:
                fields["volume"] = volume
        limit = limits.max_total_seconds()
        for name in ("fade_in", "fade_out", "duration"):
            if name in entries:
                value = r.duration(entries[name][1], name.replace("_", " "), limit, limits.written_limit(limit))
                if value is not None:
                    fields[name] = value
    path = ctx.audio_file(file_node, "play")
    return None if path is None else model.Play(path, r.pos(key), **fields)


def least_seconds(step: model.Play, probed: Callable[[Path], Fraction]) -> tuple[Fraction, Fraction]:
    seconds = probed(step.path)
    return Fraction(0), min(seconds, step.duration) if step.duration is not None else seconds


def draft(step: model.Play, lengths: SoundLengths, rate: int, draft: Draft, errors: list[ScriptError]) -> None:
    length = lengths.file(step)
    draft.entry("play", length, sounds=(Sound(0, length, step, step.volume, False),), startles=True)


def play_sound(play: model.Play, mixer: SoundContext) -> np.ndarray:
    """A foreground file with its duration and fades applied (fades are raised-cosine)."""
    from generator.sources.files import load_sound

    samples = load_sound(play.path)
    if play.duration is not None:
        samples = samples[: to_samples(play.duration)]
    samples = samples.copy()
    for seconds, at_start in ((play.fade_in, True), (play.fade_out, False)):
        n = min(to_samples(seconds), samples.shape[0])
        if n > 1:
            ramp = raised_cosine(np.linspace(0.0, 1.0, n)).astype(np.float32)[:, None]
            if at_start:
                samples[:n] *= ramp
            else:
                samples[-n:] *= ramp[::-1]
    return samples


KIND = StepKind(
    "play",
    parse,
    model.Play,
    draft,
    options=("file", "volume", "fade_in", "fade_out", "duration"),
    least_seconds=least_seconds,
    sounds={model.Play: play_sound},
    entries=(EntryStyle("play", "sound", "#b07f86", "Sounds"),),
)

"""`bell`: a built-in bell (bowl, chime, gong, woodblock) or a sound file, struck N times."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
from yaml.nodes import MappingNode, Node

from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import ScriptError
from generator.kinds.placing import BellStrike, Draft, Sound, SoundLengths
from generator.kinds.steps._kind import EntryStyle, LoadContext, SoundContext, StepKind
from generator.core.suggest import did_you_mean
from generator.core.units import parse_duration
from generator.sources.bells import bell_clip, builtin_strike, is_builtin
from generator.sources.strikes import StrikeSource, cut_fade

BELL_STRIKE_MIN_SECONDS = Fraction(1, 5)
"""The shortest built-in bell (woodblock) rings about 0.21 s: a lower bound per strike."""


def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> model.Bell | None:

    r = ctx.read
    fields: dict = {}
    sound_node = node
    if isinstance(node, MappingNode):
        entries = r.mapping(node, "bell", ("sound", "strikes", "every", "volume"), required=("sound",))
        if entries is None or "sound" not in entries:
            return None
        sound_node = entries["sound"][1]
        if "strikes" in entries:
            strikes = r.integer(entries["strikes"][1], "strikes", 1, 100)
            if strikes is not None:
                fields["strikes"] = strikes
        if "every" in entries:
            every = r.convert(entries["every"][1], "every", parse_duration)
            if every is not None:
                if not 0 < every <= 600:
                    r.error(entries["every"][1], "every must be between 0s and 10m")
                else:
                    fields["every"] = every
        if "volume" in entries:
            volume = r.volume(entries["volume"][1])
            if volume is not None:
                fields["volume"] = volume
    sound = r.text(sound_node, "bell")
    if sound is None:
        return None
    if sound in model.BELL_NAMES:
        return model.Bell(sound, r.pos(key), **fields)
    if "." in sound or "/" in sound:
        path = ctx.audio_file(sound_node, "bell")
        return None if path is None else model.Bell(sound, r.pos(key), path=path, **fields)
    r.error(sound_node, f"unknown bell '{sound}'{did_you_mean(sound, model.BELL_NAMES)}; built-in bells are {', '.join(model.BELL_NAMES)}, or give a sound file")
    return None


def least_seconds(step: model.Bell, probed: Callable[[Path], Fraction]) -> tuple[Fraction, Fraction]:
    """Every strike but the last lasts `every` (or at least the ring); the last rings on."""
    if step.every is not None:
        per_strike = step.every
    elif step.path is not None:
        per_strike = probed(step.path)
    else:
        per_strike = BELL_STRIKE_MIN_SECONDS
    return Fraction(0), per_strike * (step.strikes - 1)


def draft(step: model.Bell, lengths: SoundLengths, rate: int, draft: Draft, errors: list[ScriptError]) -> None:
    """Each strike holds the timeline for the bell's hold (or `every`) and rings on in
    full under what follows (the planner numbers the strikes over the session)."""
    ring, hold = lengths.bell(step)
    every = to_samples(step.every, rate) if step.every is not None else hold
    for strike in range(step.strikes):
        last = strike == step.strikes - 1
        draft.entry("bell", hold if last else every, sounds=(Sound(0, ring, BellStrike(step), step.volume, False),), startles=True)


def bell_sound(strike: BellStrike, mixer: SoundContext) -> np.ndarray | StrikeSource:
    """The strike's samples: a built-in's read from disk a block at a time (a bowl rings
    for half a minute), a file's levelled clip whole; a ring the track's end cuts short
    fades out over its last second."""

    if is_builtin(strike.bell):
        return StrikeSource(builtin_strike(strike.bell.sound, strike.index), strike.cut)
    samples = bell_clip(strike.bell, mixer.base_dir, strike.index)
    if strike.cut is None or strike.cut >= samples.shape[0]:
        return samples
    samples = samples[: strike.cut].copy()
    fade = cut_fade(strike.cut)
    if fade is not None:
        samples[strike.cut - fade.shape[0] :] *= fade[:, None]
    return samples


KIND = StepKind(
    "bell",
    parse,
    model.Bell,
    draft,
    options=("sound", "strikes", "every", "volume"),
    weight=lambda step: step.strikes,
    least_seconds=least_seconds,
    sounds={BellStrike: bell_sound},
    made_ahead=(BellStrike,),
    entries=(EntryStyle("bell", "bell", "#c9953c", "Bells", "dot"),),
)

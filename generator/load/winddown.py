"""Wind-down: a voice that slows and softens as the listener settles.

    voice:
      wind_down: on                          # the defaults: 90 % of the pace, 2 dB softer
      wind_down: {rate: 88%, level: -3dB}    # or how far
      wind_down: off                         # the default for a script of one's own

A voice that becomes gradually slower and softer over a progressive relaxation helped
listeners release more muscle tension than a conversational one (Knowlton and Larkin,
2006). Each `say` utterance spoken by a winding-down voice gets its own speed and level
from its place in the script, measured in characters of narration before it (known
before anything is synthesized, so the plan's lengths stay exact: the speed is part of
the utterance's cache key like any `speed:`). Both follow one raised-cosine ramp from
the first utterance to the start of the last third, then hold: the last third is spoken
at `rate` times the starting pace and `level` dB under the starting level.

The pitch is left alone. A semitone down through pedalboard's PitchShift on a sentence
of the built-in voice moved the fundamental as asked (median 90.5 to 86.2 Hz by
autocorrelation) but moved the formants down with it (a different, larger speaker, not
a lower-pitched one), smeared the onsets of stops on the spectrogram and took 4.6 dB off
the 8 to 16 kHz band where the consonants' air is: it sounds processed.

Speeds are rounded to thousandths and levels to tenths of a dB, so a sentence repeated
close by is synthesized once.
"""

from __future__ import annotations

import math
from dataclasses import replace

from yaml.nodes import MappingNode, Node, ScalarNode

from generator.core import model

DEFAULT = model.WindDown()
HOLD_FROM = 2 / 3
"""Where in the script (by characters of narration) the ramp arrives and holds."""

_ON = ("on", "yes", "true")
_OFF = ("off", "no", "false", "none")


def ramp(position: float) -> float:
    """0 at the start of the script, 1 from HOLD_FROM on, a raised cosine between."""
    x = min(max(position / HOLD_FROM, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * x)


def read_wind_down(r, node: Node) -> model.WindDown | None:
    """The `wind_down:` key: on, off, or a mapping of `rate` (a percentage of the starting
    pace, 50% to 100%) and `level` (dB, -12dB to 0dB)."""
    if isinstance(node, ScalarNode):
        value = r.scalar(node, "wind_down")
        text = str(value).strip().lower() if value is not None else "off"
        if value is True or text in _ON:
            return DEFAULT
        if value is False or text in _OFF:
            return None
        r.error(node, f"wind_down must be on, off or a mapping like {{rate: 90%, level: -2dB}}, got '{node.value}'")
        return None
    if not isinstance(node, MappingNode):
        r.error(node, "wind_down must be on, off or a mapping like {rate: 90%, level: -2dB}")
        return None
    entries = r.mapping(node, "wind_down", ("rate", "level")) or {}
    out = DEFAULT
    if "rate" in entries:
        rate = _percentage(r, entries["rate"][1])
        if rate is not None:
            out = replace(out, rate=rate)
    if "level" in entries:
        level = r.volume(entries["level"][1], "wind_down level")
        if level is not None and not -12 <= level <= 0:
            r.error(entries["level"][1], f"wind_down level must be between -12dB and 0dB, got {level:g}dB")
        elif level is not None:
            out = replace(out, level=level)
    return out


def _percentage(r, node: Node) -> float | None:
    """A rate written as `90%` or `0.9`, between 50 % and 100 %."""
    value = r.scalar(node, "wind_down rate")
    text = str(value).strip()
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        rate = math.nan
    if isinstance(value, bool) or not 0.5 <= rate <= 1.0:
        r.error(node, f"wind_down rate must be between 50% and 100% of the starting pace, got '{text}'")
        return None
    return rate


def wound_down(session: model.Session) -> model.Session:
    """The session with each utterance of a winding-down voice given its speed and level."""
    says = [u for s in session.sections for step in s.steps if isinstance(step, model.Say) for u in _spoken(step)]
    if not any(u.voice.wind_down for u in says):
        return session
    total = sum(len(u.text) for u in says) or 1
    done = 0
    places: list[float] = []
    for u in says:
        places.append((done + len(u.text) / 2) / total)
        done += len(u.text)
    place = iter(places)
    sections = []
    for section in session.sections:
        steps = []
        for step in section.steps:
            if isinstance(step, model.Say):
                parts = tuple(_slowed(p, next(place)) if isinstance(p, model.Utterance) else p for p in step.parts)
                step = replace(step, parts=parts)
            steps.append(step)
        sections.append(replace(section, steps=tuple(steps)))
    return replace(session, sections=tuple(sections))


def _spoken(step: model.Say) -> list[model.Utterance]:
    return [p for p in step.parts if isinstance(p, model.Utterance)]


def _slowed(utterance: model.Utterance, position: float) -> model.Utterance:
    """The utterance as a winding-down voice says it at `position` (0 to 1) of the script."""
    wind = utterance.voice.wind_down
    if wind is None:
        return utterance
    amount = ramp(position)
    speed = round(utterance.voice.speed * (1.0 - (1.0 - wind.rate) * amount), 3)
    level = round(wind.level * amount, 1) + 0.0  # no -0.0
    return replace(utterance, voice=replace(utterance.voice, speed=speed, level=level))

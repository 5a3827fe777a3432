"""What a step kind is: everything the program asks about one kind of step, in one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol

import numpy as np
from yaml.nodes import Node

from generator.core import model
from generator.core.errors import ScriptError
from generator.script.narration import TextProblem
from generator.kinds.placing import Draft, SoundLengths
from generator.script.yamlnodes import NodeReader


class LoadContext(Protocol):
    """What a step kind's parser may ask of the loader (:class:`generator.load.loader.Loader`)."""

    @property
    def read(self) -> NodeReader:
        """The reader of the file being read (positions in that file)."""
        ...

    def substitute(self, raw: str, node: Node) -> str:
        """`raw` with `{variables}` filled in; problems are reported at their place."""
        ...

    def report(self, problems: list[TextProblem], text: str, node: Node) -> None:
        """Report text problems at their line and column inside `node`."""
        ...

    def voice(self, node: Node, base: model.Voice) -> model.Voice:
        """A `voice:` mapping over `base`."""
        ...

    def audio_file(self, node: Node, what: str) -> Path | None:
        """A sound file the script names, checked to be readable audio (None: reported)."""
        ...

    def note_fill(self, node: Node, label: str = "pause: fill") -> None:
        """A `fill` was written here (an error later, named by `label`, if the script has no `length`)."""
        ...

    def warn(self, node: Node | None, message: str, *, once: str | None = None) -> None:
        """A warning at `node` (only the first time for a given `once` key)."""
        ...

    def weigh(self, steps: list[model.Step]) -> int:
        """How many timeline events these steps expand to (each kind weighs its own)."""
        ...

    def steps(self, node: Node, voice: model.Voice) -> list[model.Step] | None:
        """A list of steps (for steps that hold steps)."""
        ...

    def nested_steps(self, node: Node, voice: model.Voice, key: Node) -> list[model.Step] | None:
        """A list of steps one repeat deeper (None: too deep, reported)."""
        ...

    def count(self, events: int, node: Node) -> bool:
        """Add `events` to the script's expanded size; False (reported once) past the limit."""
        ...

    def include(self, node: Node, voice: model.Voice, what: str) -> list[model.Step]:
        """The steps of the file `node` names."""
        ...


class SoundContext(Protocol):
    """What a step kind's sound maker may ask of the mixer."""

    speech: Any  # generator.voice.bank.SpeechBank
    base_dir: Path

    def cached(self, key: object, make: Callable[[], np.ndarray]) -> np.ndarray:
        """A sound made once per mixer."""
        ...


Parser = Callable[[LoadContext, Node, model.Voice, Node], "model.Step | list[model.Step] | None"]
"""(loader, value node, the voice in force, key node) -> a step, the steps it expands to, or None (reported)."""

Drafter = Callable[[Any, SoundLengths, int, Draft, list[ScriptError]], None]
"""(step, sound lengths, sample rate, the section's draft, errors) -> None: writes the step's entries."""

SoundMaker = Callable[[Any, SoundContext], np.ndarray]
"""(placed sound, mixer) -> its samples, float32 (n, 2) or (n,)."""


@dataclass(frozen=True)
class EntryStyle:
    """How `plan --html` draws one kind of plan entry."""

    kind: str
    """The entry's kind in the plan (`say`, `pause`, `inhale` ...)."""
    label: str
    """Its name in the legend."""
    colour: str
    lane: str
    """The foreground lane it is drawn in (Voice, Bells, Breathing, Sounds)."""
    shape: str = "bar"
    """bar | line | dot | rise | fall | band (see generator.planview.html)."""


def _no_utterances(step: Any) -> Iterable[model.Utterance]:
    return ()


def _one(step: Any) -> int:
    return 1


@dataclass(frozen=True)
class StepKind:
    """One kind of step and everything the rest of the program needs to know about it."""

    name: str
    parse: Parser
    model: type | None = None
    """The model class its steps are; None for steps that only expand into others (repeat, include)."""
    draft: Drafter | None = None
    weight: Callable[[Any], int] = _one
    """How many plan entries a step becomes (the unit of the loader's MAX_EVENTS)."""
    least_seconds: Callable[[Any, Callable[[Path], Fraction]], "tuple[Fraction, Fraction]"] | None = None
    """Lower bounds on the step's length as (speech, everything else), given the probed
    lengths of sound files: the up-front length check (generator.script.limits) adds them up."""
    utterances: Callable[[Any], Iterable[model.Utterance]] = _no_utterances
    """Everything the step will have synthesized."""
    sounds: Mapping[type, SoundMaker] = field(default_factory=dict)
    """How the mixer makes each kind of sound the step places."""
    entries: tuple[EntryStyle, ...] = ()
    made_ahead: tuple[type, ...] = ()
    """The sounds it places that are costly to make (a bell's synthesis holds some 60 MB
    for a moment): the mixer makes them before its passes, while little else is held."""
    in_room: tuple[type, ...] = ()
    """The sounds it places that are heard in the script's room (generator.mix.room): the voice
    is; bells carry the room they were recorded in, tones and played files none."""
    options: tuple[str, ...] = ()
    """The keys of the step's mapping form (named when one is written beside the step)."""
    spoken_entries: tuple[str, ...] = ()
    """The kinds of its plan entries whose text is the words spoken (publish makes captions of them)."""
    cue_words: Callable[[Any], list[str]] | None = None
    """Words the step speaks with its voice that it keeps as plain text, not utterances (a
    breathing pacer's cue words, every one): a batch keys a row on a recorded voice's takes
    of them, as it does for the utterances."""


class StepTable(dict):
    """Step kinds by name, also found by the model class of a step."""

    def __init__(self, kinds: Iterable[StepKind]) -> None:
        super().__init__((kind.name, kind) for kind in kinds)
        self._by_model = {kind.model: kind for kind in self.values() if kind.model is not None}

    def of(self, step: object) -> StepKind:
        """The kind of a step of the model."""
        return self._by_model[type(step)]

    def sound_maker(self, sound: object) -> SoundMaker:
        """How the mixer makes a placed sound, whichever kind placed it."""
        for kind in self.values():
            maker = kind.sounds.get(type(sound))
            if maker is not None:
                return maker
        raise TypeError(f"no step kind makes a {type(sound).__name__}")

    def cue_words(self, value: object) -> list[str] | None:
        """The plain cue words of a step whose kind keeps some (see StepKind.cue_words), else None."""
        kind = self._by_model.get(type(value))
        return kind.cue_words(value) if kind is not None and kind.cue_words is not None else None

    def made_ahead(self, sound: object) -> bool:
        """Whether a placed sound is made before the mixing passes (see StepKind.made_ahead)."""
        return any(isinstance(sound, kind.made_ahead) for kind in self.values() if kind.made_ahead)

    def heard_in_room(self, sound: object) -> bool:
        """Whether a placed sound is sent to the room, whichever kind placed it."""
        return any(isinstance(sound, kind.in_room) for kind in self.values() if kind.in_room)

    def entry_styles(self) -> dict[str, EntryStyle]:
        """How every plan entry kind is drawn, in the order the kinds are listed."""
        return {style.kind: style for kind in self.values() for style in kind.entries}

"""The script model: frozen dataclasses for what a script says, each with its position.

The loader builds these from YAML; the planner reads them. Variables are already
substituted and `include`/`repeat` already expanded by the time a model exists, so the
planner never needs to know about them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Union

from generator.core.errors import Position
from generator.core.units import Glide


@dataclass(frozen=True)
class Voice:
    """How narration is spoken. Defaults follow the contract."""

    engine: str = "piper"
    name: str = "en_US-joe-medium"
    speed: float = 0.9
    sentence_pause: Fraction = Fraction(8, 10)
    paragraph_pause: Fraction = Fraction(2)
    language: str = "en"  # the script's language (a voice's own language is in its config)
    speaker: int | None = None  # a multi-speaker Piper voice's speaker id
    takes: Path | None = None  # engine "recorded": the folder holding takes.csv and the recordings
    fallback: str | None = None  # engine "recorded": the engine that speaks lines without a take
    pronounce: tuple[tuple[str, str], ...] = ()
    """The script's `pronounce:` entries (word, respelling or [[phonemes]]); built-ins apply anyway."""
    wind_down: WindDown | None = None
    """`wind_down:`: slower and softer over the track (generator.load.winddown); None when off."""
    level: float = 0.0
    """dB on this utterance in the mix: set per utterance by the wind-down, 0 otherwise."""


@dataclass(frozen=True)
class WindDown:
    """How far a winding-down voice goes by the last third of the script."""

    rate: float = 0.9
    """The pace there, over the pace at the start."""
    level: float = -2.0
    """dB there, against the level at the start."""


ROOM_SIZES: dict[str, tuple[float, float]] = {
    # size: (reverberation time RT60 in seconds at mid frequencies, pre-delay in seconds)
    "small": (0.8, 0.006),
    "medium": (1.2, 0.012),
    "hall": (2.2, 0.024),
}
"""The rooms a script can choose (`room: {size: ...}`); generator.mix.room builds them."""


@dataclass(frozen=True)
class Room:
    """The room voice and bells are heard in: a reverb whose tail runs on into the pauses."""

    size: str = "small"  # small | medium | hall
    mix: float = -17.0  # dB: the reverb's level against the sound sent to it


# --- narration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    """One piece of text spoken in one go (a sentence or several)."""

    text: str
    voice: Voice


@dataclass(frozen=True)
class Gap:
    """A timed silence inside narration: an inline `[pause 2s]`, a sentence or paragraph pause."""

    seconds: Fraction


BELL_NAMES = ("bowl", "chime", "gong", "woodblock")
"""The bells every installation has; the synthesis lives in generator.sources.bells."""


# --- steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Narration, already split into utterances and the gaps between them."""

    parts: tuple[Union[Utterance, Gap], ...]
    position: Position


@dataclass(frozen=True)
class Pause:
    """Silence in the voice; `seconds is None` means `pause: fill`."""

    seconds: Fraction | None
    position: Position

    @property
    def fill(self) -> bool:
        return self.seconds is None


@dataclass(frozen=True)
class Bell:
    """A bell: a built-in name (`bowl`, `chime`, `gong`, `woodblock`) or a sound file."""

    sound: str
    position: Position
    strikes: int = 1
    every: Fraction | None = None
    volume: float = 0.0
    path: Path | None = None


@dataclass(frozen=True)
class BreathPhase:
    """One phase of a breathing pattern."""

    kind: str  # "inhale" | "hold" | "exhale" | "rest" (the hold after the exhale)
    seconds: Fraction


@dataclass(frozen=True)
class Breathe:
    """A breathing pacer: cycles of phases, already expanded from presets and progressions."""

    cycles: tuple[tuple[BreathPhase, ...], ...]
    position: Position
    cues: str = "both"  # voice | tone | both | none
    words: tuple[tuple[str, str], ...] = (
        ("inhale", "Breathe in"),
        ("hold", "Hold"),
        ("exhale", "Breathe out"),
        ("rest", "Rest"),
    )
    voice: Voice = field(default_factory=Voice)
    fill: bool = False
    """`duration: fill`: `cycles` holds the pattern once; the planner repeats it as many
    times as fit in this step's share of the script's `length`."""
    volume: float = 0.0
    """dB: the pacer tone's level relative to its default (see generator.kinds.steps.breathe)."""

    def word(self, kind: str) -> str:
        return dict(self.words)[kind]


@dataclass(frozen=True)
class Play:
    """A sound file in the foreground."""

    path: Path
    position: Position
    volume: float = 0.0
    fade_in: Fraction = Fraction(0)
    fade_out: Fraction = Fraction(0)
    duration: Fraction | None = None


Step = Union[Say, Pause, Bell, Breathe, Play]


# --- background -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tone:
    frequency: Glide


@dataclass(frozen=True)
class Binaural:
    carrier: Glide
    beat: Glide


@dataclass(frozen=True)
class Isochronic:
    carrier: Glide
    pulse: Glide


@dataclass(frozen=True)
class Noise:
    color: str  # white | pink | brown


@dataclass(frozen=True)
class FileLoop:
    path: Path


@dataclass(frozen=True)
class Ambience:
    """A shipped recording (rain, stream, ocean, ...), by its name in `audio_assets/`."""

    name: str


LayerSource = Union[Tone, Binaural, Isochronic, Noise, FileLoop, Ambience]


@dataclass(frozen=True)
class Layer:
    """One sound under the session, at `volume` dB relative to the voice."""

    source: LayerSource
    volume: float
    position: Position


@dataclass(frozen=True)
class Background:
    """The bed under the voice: the session's, or a section's replacement."""

    layers: tuple[Layer, ...] = ()
    fade_in: Fraction = Fraction(0)
    fade_out: Fraction = Fraction(0)
    duck: float = 0.0  # dB
    duck_attack: Fraction = Fraction(3, 10)
    duck_release: Fraction = Fraction(1)
    duck_hold: Fraction = Fraction(5, 2)
    """Gaps in the voice shorter than this keep the bed down (no pumping between sentences)."""
    crossfade: Fraction = Fraction(3)
    position: Position | None = None


# --- the whole ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    title: str
    steps: tuple[Step, ...]
    position: Position
    background: Background | None = None


@dataclass(frozen=True)
class Session:
    """A whole script, ready to plan."""

    title: str
    sections: tuple[Section, ...]
    path: Path
    voice: Voice = field(default_factory=Voice)
    artist: str | None = None
    album: str | None = None
    description: str | None = None
    cover: Path | None = None
    language: str = "en"
    length: Fraction | None = None
    length_position: Position | None = None
    background: Background = field(default_factory=Background)
    loudness: float = -16.0
    room: Room | None = field(default_factory=Room)
    variables: tuple[tuple[str, str], ...] = ()
    inputs: tuple[Path, ...] = field(default=(), compare=False)
    """Every file the loader read or will read: the script, its includes, sound files,
    the cover and voice files (generator.output.targets keeps outputs off them)."""

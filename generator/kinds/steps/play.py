"""`play`: a sound file in the foreground, with its volume, fades and duration."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from yaml.nodes import MappingNode, Node

from generator.script import limits
from generator.core import model
from generator.core.errors import ScriptError
from generator.kinds.placing import Draft, Sound, SoundLengths
from generator.kinds.steps._kind import EntryStyle, LoadContext, SoundContext, StepKind
from generator.sources.files import DiskClip
from generator.sources.played import PlayedSource

if TYPE_CHECKING:
    from generator.sources.played import PlayedSource

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


def play_sound(play: model.Play, mixer: SoundContext) -> PlayedSource:
    """A foreground file, decoded once per render to a file on disk and read a block at a
    time, with its duration, raised-cosine fades and gain applied per block
    (generator.sources.played): a long recording never sits whole in memory."""

    clip = mixer.cached(("play", play.path), lambda: DiskClip.decode(play.path, prefix="meditate-play-"))
    return PlayedSource(play, clip)


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

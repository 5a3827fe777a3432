"""The settings a script gives its sound: the voice (engine, name, speed, pauses) and the
background (fades, ducking, crossfade and layers), read for :class:`generator.load.loader.Loader`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol

from yaml.nodes import Node

from generator.script import bounds
from generator.core import model
from generator.core.errors import ScriptError
from generator.kinds.layers import LAYER_KINDS
from generator.voice.engines import ENGINES
from generator.voice.base import VoiceNameError
from generator.core.units import parse_gain_db
from generator.script.yamlnodes import _MISSING
from generator.core.suggest import did_you_mean
from generator.kinds.steps import utterances
from generator.load.winddown import read_wind_down



class SettingsContext(bounds.BoundsContext, Protocol):
    """What the settings readers ask of the loader (generator.load.loader.Loader is one)."""

    @property
    def base(self) -> Path:
        """The folder of the file being read: relative paths start here."""
        ...

    errors: list[ScriptError]
    engine_override: str | None
    """`--engine`: every voice uses this engine."""
    voice_nodes: dict[tuple[str, str], Node | None]
    """Where each (engine, voice) was chosen, for the language check's message."""
    language_node: Node | None

    def warn(self, node: Node | None, message: str, *, once: str | None = None) -> None:
        """A warning at `node` (only the first time for a given `once` key)."""
        ...

VOICE_KEYS = ("engine", "name", "speaker", "speed", "sentence_pause", "paragraph_pause", "wind_down")
ENGINE_VOICE_KEYS = {key: kind.name for kind in ENGINES.values() for key in kind.voice_keys}
"""Keys that belong to one engine's voices (a recorded voice's `takes`), by key."""
BACKGROUND_KEYS = ("fade_in", "fade_out", "duck", "duck_attack", "duck_release", "duck_hold", "crossfade", "layers")
SECTION_BACKGROUND_KEYS = ("crossfade", "layers")



def read_voice(loader: SettingsContext, node: Node | None, base: model.Voice) -> model.Voice:
    """A `voice:` mapping over the voice in force (the script's, a section's)."""
    r = loader.read
    changes: dict = {}
    entries = (r.mapping(node, "voice", VOICE_KEYS + tuple(ENGINE_VOICE_KEYS)) if node is not None else {}) or {}
    if "engine" in entries:
        engine = r.text(entries["engine"][1], "voice engine")
        if engine is not None:
            if engine not in ENGINES:
                r.error(entries["engine"][1], f"unknown engine '{engine}'{did_you_mean(engine, ENGINES)}; choose {' or '.join(ENGINES)}")
            else:
                changes["engine"] = engine
    engine = loader.engine_override or changes.get("engine", base.engine)
    changes["engine"] = engine
    if engine != base.engine:
        changes["name"] = ENGINES[engine].default_voice
    changes.update(_engine_keys(loader, entries, engine, base, node))
    speaking = changes.get("fallback", base.fallback) or engine  # a recorded voice's name is its fallback's
    if "name" in entries:
        name = r.text(entries["name"][1], "voice name")
        if name is not None and not _another_engines_voice(loader, name, speaking):
            try:
                changes["name"] = ENGINES[speaking].check_voice(name, loader.base)
            except VoiceNameError as exc:
                r.error(entries["name"][1], str(exc))
    if changes.get("name", base.name) != base.name or engine != base.engine:
        changes["speaker"] = None  # a speaker belongs to the voice it was chosen for
    if "speaker" in entries:
        _speaker(loader, entries["speaker"][1], speaking, changes.get("name", base.name), changes)
    if "speed" in entries:
        speed = r.number(entries["speed"][1], "voice speed", 0.5, 2.0)
        if speed is not None:
            changes["speed"] = speed
    for key in ("sentence_pause", "paragraph_pause"):
        if key in entries:
            value = r.duration(entries[key][1], key.replace("_", " "), 600, "10m")
            if value is not None:
                changes[key] = value
    if "wind_down" in entries:

        changes["wind_down"] = read_wind_down(r, entries["wind_down"][1])
    voice = replace(base, **changes)
    chosen_at = entries.get("name", entries.get("engine", (None, None)))[1]
    loader.voice_nodes.setdefault((voice.engine, voice.name), chosen_at)
    return voice


def _another_engines_voice(loader: SettingsContext, name: str, engine: str) -> bool:
    """A voice name written for another engine, which `--engine` overrode: that engine's
    default voice speaks instead, so `--engine piper` works on a script written for gtts."""
    if not loader.engine_override:
        return False
    for other, kind in ENGINES.items():
        if other == engine:
            continue
        try:
            kind.check_voice(name, loader.base)
        except VoiceNameError:
            continue
        return True
    return False


def _speaker(loader: SettingsContext, node: Node, engine: str, name: str, changes: dict) -> None:
    """A multi-speaker voice's speaker (by name or number), checked against the voice."""
    value = loader.read.scalar(node, "speaker")
    if value is None or value is _MISSING:
        return
    try:
        changes["speaker"] = ENGINES[engine].check_speaker(name, str(value).strip(), loader.base)
    except VoiceNameError as exc:
        if not loader.engine_override:
            loader.read.error(node, str(exc))


def check_languages(loader: SettingsContext, session: model.Session) -> None:
    """Each voice that speaks, once, asked whether it speaks the script's language: an
    error where it cannot (gTTS), a warning naming both where it would read with another
    language's sounds (a Piper voice of another language)."""

    for voice in dict.fromkeys(u.voice for u in utterances(session)):
        problem = ENGINES[voice.engine].check_language(voice, loader.base)
        if problem is not None and (problem[0] == "error" or not loader.errors):  # a failed name speaks no voice
            node = loader.voice_nodes.get((voice.engine, voice.name))
            where = loader.language_node if not ENGINES[voice.engine].offline or node is None else node
            (loader.read.error if problem[0] == "error" else loader.warn)(where, problem[1])


def _engine_keys(loader: SettingsContext, entries: dict, engine: str, base: model.Voice, node: Node | None) -> dict:
    """The voice keys of the engine in force; those of other engines are reset (and an error
    when written without that engine, unless `--engine` replaced it)."""
    changes: dict = {}
    for key, owner in ENGINE_VOICE_KEYS.items():
        if owner != engine:
            changes[key] = None
            if key in entries and not loader.engine_override:
                loader.read.error(entries[key][0], f"{key} belongs to a {owner} voice: add 'engine: {owner}'")
    kind = ENGINES[engine]
    if kind.read_keys is not None:
        changes.update(kind.read_keys(loader.read, loader.base, entries, ENGINES, base, node))
    return changes


def read_background(loader: SettingsContext, node: Node, *, section: bool) -> model.Background | None:
    """The session's `background:`, or a section's (which takes only crossfade and layers)."""
    r = loader.read
    keys = SECTION_BACKGROUND_KEYS if section else BACKGROUND_KEYS
    entries = r.mapping(node, "a section's background" if section else "background", keys)
    if entries is None:
        return None
    fields: dict = {"position": r.pos(node)}
    for key in ("fade_in", "fade_out", "duck_attack", "duck_release", "duck_hold", "crossfade"):
        if key in entries:
            value = r.duration(entries[key][1], key.replace("_", " "), 3600, "1h")
            if value is not None:
                fields[key] = value
    if "duck" in entries:
        duck = r.convert(entries["duck"][1], "duck", parse_gain_db)
        if duck is not None:
            if duck > 60:
                r.error(entries["duck"][1], "duck must be at most 60dB")
            else:
                fields["duck"] = duck
    items = (r.sequence(entries["layers"][1], "layers") or []) if "layers" in entries else []
    if items and not bounds.layers_fit(loader, entries["layers"][1], len(items)):
        items = []  # too many (generator.script.bounds), reported
    layers = [read_layer(loader, item) for item in items]
    fields["layers"] = tuple(layer for layer in layers if layer is not None)
    return model.Background(**fields)

def read_layer(loader: SettingsContext, node: Node) -> model.Layer | None:
    """One layer: exactly one kind from generator.kinds.layers, and its volume."""
    r = loader.read
    entries = r.mapping(node, "a layer", tuple(LAYER_KINDS) + ("volume",))
    if entries is None:
        return None
    kinds = [k for k in LAYER_KINDS if k in entries]
    if len(kinds) != 1:
        r.error(node, f"a layer needs exactly one of {', '.join(LAYER_KINDS)}")
        return None
    volume = -30.0
    if "volume" in entries:
        value = r.volume(entries["volume"][1])
        if value is not None:
            volume = value
    source = LAYER_KINDS[kinds[0]].parse(loader, entries[kinds[0]][1])
    return None if source is None else model.Layer(source, volume, r.pos(node))

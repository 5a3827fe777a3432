"""The loader's reading of two session keys about how the voice sounds: `pronounce:` and `room:`.

    pronounce:                  # word or words: a respelling, or Piper phonemes in [[ ]]
      Qigong: chee gung
      Dantian: "[[dˈɑːntjˈɛn]]"
    room: {size: small, mix: -17dB}   # small | medium | hall; or `room: off`

Every problem is reported at its place, like the rest of the loader's.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from generator.core import model
from generator.voice.pronounce import MAX_ENTRIES, value_problem, word_problem
from generator.script.yamlnodes import NodeReader, describe
from generator.core.suggest import did_you_mean

_ROOM_KEYS = ("size", "mix")
_OFF = ("off", "none", "no", "false")


def read_pronounce(r: NodeReader, node: Node) -> tuple[tuple[str, str], ...]:
    """The `pronounce:` mapping as (word, pronunciation) pairs, in the order written."""
    if not isinstance(node, MappingNode):
        r.error(node, f"pronounce must be a mapping of words to how they are said, got {describe(node)}")
        return ()
    entries = r.mapping(node, "pronounce", tuple(str(k.value) for k, _ in node.value if isinstance(k, ScalarNode)))
    out: list[tuple[str, str]] = []
    for word, (key_node, value_node) in (entries or {}).items():
        problem = word_problem(word)
        if problem is not None:
            r.error(key_node, problem)
            continue
        value = r.text(value_node, f"pronunciation of '{word}'")
        problem = value_problem(word, value) if value is not None else None
        if problem is not None:
            r.error(value_node, problem)
        if value is None or problem is not None:
            continue
        out.append((word, value))
    if len(out) > MAX_ENTRIES:
        r.error(node, f"pronounce holds {len(out)} words; at most {MAX_ENTRIES}")
        return ()
    return tuple(out)


def read_room(r: NodeReader, node: Node) -> model.Room | None:
    """The `room:` key: a mapping of size and mix, or `off` for a dry voice."""
    if isinstance(node, ScalarNode):
        value = r.scalar(node, "room")
        if value is False or (isinstance(value, str) and value.strip().lower() in _OFF):
            return None
        if isinstance(value, str) and value.strip().lower() in model.ROOM_SIZES:
            return model.Room(size=value.strip().lower())
        r.error(node, f"room must be off, a size ({', '.join(model.ROOM_SIZES)}) or a mapping like {{size: small, mix: -17dB}}, got '{node.value}'")
        return model.Room()
    entries = r.mapping(node, "room", _ROOM_KEYS)
    if entries is None:
        return model.Room()
    room = model.Room()
    if "size" in entries:
        size = r.text(entries["size"][1], "room size")
        if size is not None and size.strip().lower() not in model.ROOM_SIZES:
            r.error(entries["size"][1], f"unknown room size '{size}'{did_you_mean(size, tuple(model.ROOM_SIZES))}; choose {', '.join(model.ROOM_SIZES)}")
        elif size is not None:
            room = model.Room(size=size.strip().lower(), mix=room.mix)
    if "mix" in entries:
        mix = r.volume(entries["mix"][1], "room mix")
        if mix is not None and mix > 0:
            r.error(entries["mix"][1], f"room mix must be at most 0dB (the reverb as loud as the voice), got {mix:g}dB")
        elif mix is not None:
            room = model.Room(size=room.size, mix=mix)
    return room

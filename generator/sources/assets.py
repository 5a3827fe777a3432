"""The sounds that ship with the tool: the ambiences and music beds in `audio_assets/`,
and the synthesized bells.

The recordings live in the repository's top-level `audio_assets/` folder, which the
build maps into the package as `generator/audio_assets`, so an installed wheel carries
them. A source checkout (or an editable install) has no such folder inside the package,
so the top-level one is used instead. Each folder holds a `manifest.json` written by
`tools/make_audio_assets.py`: name, kind, length, licence, description and the loudness
each file was normalised to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator.core.errors import InputError
from generator.core.model import BELL_NAMES
from generator.core.units import format_duration
from generator.core.suggest import did_you_mean

__all__ = ["Sound", "ambience", "ambience_names", "asset_path", "assets_dir", "list_sounds", "sound_rows", "unknown_sound"]

_PACKAGED = Path(__file__).resolve().parents[1] / "audio_assets"
_CHECKOUT = Path(__file__).resolve().parents[2] / "audio_assets"
LICENCE = "GPL-3.0-or-later"


@dataclass(frozen=True)
class Sound:
    """One built-in sound, as `meditate sounds` lists it."""

    name: str
    kind: str  # ambience | music | bell
    seconds: float
    licence: str
    description: str = ""
    file: str = ""
    loudness: float | None = None  # integrated LUFS the file was normalised to (recordings only)


def assets_dir() -> Path:
    """The folder holding the shipped recordings and their manifest."""
    for folder in (_PACKAGED, _CHECKOUT):
        if (folder / "manifest.json").is_file():
            return folder
    raise InputError(f"the built-in sounds are missing (no manifest.json in {_PACKAGED} or {_CHECKOUT}); reinstall meditate")


@lru_cache(maxsize=1)
def _recordings() -> dict[str, Sound]:
    folder = assets_dir()
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {
        entry["name"]: Sound(
            entry["name"], entry["kind"], float(entry["seconds"]), entry["licence"], entry.get("description", ""),
            entry["file"], float(entry["loudness_lufs"]),
        )
        for entry in data["sounds"]
    }


def ambience_names() -> tuple[str, ...]:
    """Names usable as `ambience: NAME`: every shipped recording (ambiences and music beds)."""
    return tuple(_recordings())


def unknown_sound(name: str) -> str:
    """The message for a name that is not a shipped recording, with a did-you-mean."""
    names = ambience_names()
    return f"unknown ambience '{name}'{did_you_mean(name, names)}; choose {', '.join(names)}"


def ambience(name: str) -> Sound:
    """The shipped recording called `name`; InputError (with a did-you-mean) if there is none."""
    sound = _recordings().get(name)
    if sound is None:
        raise InputError(unknown_sound(name))
    return sound


def asset_path(name: str) -> Path:
    """The file of the shipped recording called `name`."""
    return assets_dir() / ambience(name).file


def list_sounds() -> list[Sound]:
    """Every built-in sound: the recordings, then the synthesized bells."""
    from generator.sources.bells import bell_seconds  # here: it pulls in scipy, which the loader need not

    bells = [Sound(name, "bell", bell_seconds(name), LICENCE, "synthesized at first use") for name in BELL_NAMES]
    return list(_recordings().values()) + bells


def sound_rows() -> list[str]:
    """`meditate sounds`: one line per built-in sound (name, kind, length, licence)."""
    return [f"{s.name:<10} {s.kind:<9} {format_duration(s.seconds):>7}  {s.licence}" for s in list_sounds()]

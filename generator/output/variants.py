"""The background mixes a listener can choose between: the track as made, softer, voice only.

Each is the same timeline mixed again with only the background layers' gain changed, so
the voice, the bells, the played files and the breathing tone are sample for sample the
same, and each gets the main mix's loudness gain (not its own), so the voice sits at the
same level in all three. They lie beside the track as `<stem>.softer.<suffix>` and
`<stem>.voice.<suffix>`, where `publish` finds them.
"""

from __future__ import annotations

from pathlib import Path

SOFTER_DB = -8.0
"""How much lower the bed is in the softer mix (listeners asked for about 8 dB)."""

VARIANTS: dict[str, float | None] = {"softer": SOFTER_DB, "voice": None}
"""Each mix's name (the part before the suffix) and the bed's change in dB; None mutes it."""


def variant_path(track: Path, name: str) -> Path:
    """Where mix `name` of `track` goes: `evening.mp3` -> `evening.softer.mp3`."""
    track = Path(track)
    return track.with_name(f"{track.stem}.{name}{track.suffix}")


def variant_of(path: Path) -> tuple[str, str] | None:
    """(the track's stem, the mix's name) when `path` is named as a mix, else None."""
    stem, dot, name = Path(path).stem.rpartition(".")
    return (stem, name) if dot and stem and name in VARIANTS else None

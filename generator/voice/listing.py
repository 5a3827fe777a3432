"""What `meditate voices` lists: the voices here, or those the Piper voice repository offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.core.languages import language_name
from generator.voice.engines import ENGINES
from generator.voice.voice_download import available
from generator.voice.voice_store import installed_names

if TYPE_CHECKING:
    from generator.voice.voice_download import Installed

def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1]).rstrip() for row in rows]


def available_voices() -> list[str]:
    """Lines of text, one per voice here: engine, name, language, quality, speakers, offline or
    online, and the licence its model card names (each engine lists its own, generator.voice.engines)."""

    rows: list[tuple[str, ...]] = [("engine", "voice", "language", "quality", "speakers", "works", "licence")]
    for kind in ENGINES.values():
        rows += kind.voice_rows()
    return _table(rows)


def repository_voices(base_url: str, language: str | None = None) -> list[str]:
    """Lines of text, one per voice the repository offers (fetched now), with its size."""

    here = set(installed_names())
    rows: list[tuple[str, ...]] = [("voice", "language", "quality", "speakers", "size", "")]
    for v in available(base_url, language):
        size = f"{v.size / 1_000_000:.0f} MB"
        rows.append((v.name, language_name(v.language), v.quality, str(v.num_speakers), size, "installed" if v.name in here else ""))
    if len(rows) == 1:
        return [f"no voices{f' in language {language!r}' if language else ''} at {base_url}"]
    return _table(rows)


def installed_report(result: Installed) -> list[str]:
    """What `voices --get` says after installing: where, what it is, and how to use it."""
    info = result.info
    state = f"installed ({result.downloaded / 1_000_000:.1f} MB)" if result.downloaded else "already installed and unchanged"
    return [
        f"{info.name}: {state} in {info.model.parent}",
        f"  {language_name(info.language)}, {info.quality or '?'} quality, {info.num_speakers} speaker(s), licence: {info.licence}",
        f"  use it with: voice: {{name: {info.name}}}",
    ]

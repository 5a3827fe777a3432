"""What `meditate voices` lists: each engine's voices and whether they work offline."""

from __future__ import annotations

from generator.tts.engines import ENGINES


def available_voices() -> list[str]:
    """Lines of text, one per voice, with the engine, whether it is installed and offline."""
    return [row for kind in ENGINES.values() for row in kind.voice_rows()]

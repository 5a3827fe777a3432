"""What a render is told (`RenderOptions`) and what it made (`RenderResult`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from generator.master.mastering import Progress
from generator.master.speechlevel import Levels, summary
from generator.plan.timeline import Timeline


@dataclass(frozen=True)
class RenderOptions:
    """Everything `meditate render` can be told; a Python caller sets the same fields.

    Every field shapes the delivered track unless it is named in :attr:`NOT_IN_THE_TRACK`,
    so :meth:`track_key` (what batch fingerprints to skip rows that are up to date) covers
    a new option without anyone remembering to add it.
    """

    output: Path | None = None
    format: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    engine: str | None = None
    section: str | None = None
    use_cache: bool = True
    cache_dir: Path | None = None
    loudness: float | None = None
    true_peak: float = -1.0
    bitrate: int = 128
    vbr_quality: int | None = None
    mono: bool = False
    sidecars: bool = True
    variants: bool = False
    """Also write the softer and voice-only mixes beside the track (generator.output.variants)."""
    progress: Progress | None = field(default=None, compare=False)
    required_variables: tuple[str, ...] = ()
    """`--set` names: each must be used by the script (else a script error, exit 2)."""

    NOT_IN_THE_TRACK = frozenset({"output", "section", "use_cache", "cache_dir", "progress", "required_variables"})
    """Fields that change where or how fast a track is made, never what it holds."""

    def track_key(self) -> tuple[tuple[str, Any], ...]:
        """Every field that shapes the track, as one hashable value (variables sorted)."""
        out = []
        for f in dataclasses.fields(self):
            if f.name in self.NOT_IN_THE_TRACK:
                continue
            value = getattr(self, f.name)
            out.append((f.name, tuple(sorted(value.items())) if isinstance(value, Mapping) else value))
        return tuple(out)


@dataclass(frozen=True)
class RenderResult:
    """What a render made: the file, its timeline and sidecars, and how it got there."""

    path: Path
    timeline: Timeline
    sidecars: list[Path]
    measured_lufs: float
    """Integrated loudness of the mix before the gain (LUFS)."""
    gain_db: float
    """The one gain applied to reach the target loudness."""
    synthesized: int
    """Utterances synthesized by this render (0 when the cache had them all)."""
    wall_seconds: float
    """How long the render took (wall-clock time, not the track's length)."""
    levels: Levels | None = None
    """The loudness stage's decision: the speech's and the whole track's loudness after the gain."""

    @property
    def loudness_summary(self) -> str:
        """render's line about the voice's loudness and the whole track's."""
        return summary(self.levels)

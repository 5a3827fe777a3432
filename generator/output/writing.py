"""The write stage: a render's files staged beside their targets, then put in place together.

The track is encoded to a temporary file beside the target (on a second core, through
:class:`~generator.output.pipeline.EncoderFeed`), tagged, and only then renamed into
place, together with its sidecars, with signals held for the renames: a failed or
interrupted render leaves no file behind and never replaces an earlier good track, and a
new track never stands beside old sidecars (or the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from generator.core import testhook
from generator.core.atomic import replace_together, temporary_beside
from generator.core.audio import SAMPLE_RATE
from generator.output import leftovers
from generator.output.formats import OutputFormat
from generator.output.pipeline import EncoderFeed
from generator.output.sidecars import sidecar_paths, timeline_json, webvtt
from generator.plan.timeline import Timeline


@dataclass(frozen=True)
class Delivery:
    """What the finished file is: its format and coding, the timeline it describes (its
    length, chapters and tags) and its cover picture."""

    timeline: Timeline
    format: OutputFormat
    channels: int = 2
    bitrate: int = 128
    vbr_quality: int | None = None
    cover: bytes | None = None
    cover_mime: str = "image/png"


def stage_sidecars(output: Path, timeline: Timeline, extra: dict | None = None) -> list[tuple[Path, Path]]:
    """`<track>.json` and `<track>.vtt` written to temporary files beside the track, as
    (temporary, final) pairs for :func:`write_track` to rename together with the track."""
    staged: list[tuple[Path, Path]] = []
    try:
        for final, text in zip(sidecar_paths(output), (timeline_json(timeline, extra), webvtt(timeline))):
            temp = temporary_beside(final)
            staged.append((temp, final))
            leftovers.hold(temp)  # a later render's sweep leaves it alone while this one lives
            temp.write_text(text, encoding="utf-8", newline="\n")
    except BaseException:
        discard(staged)
        raise
    return staged


def discard(staged: Iterable[tuple[Path, Path]]) -> None:
    """Remove staged temporary files (those not renamed into place)."""
    for temp, _ in staged:
        temp.unlink(missing_ok=True)


def write_track(
    blocks: Iterable[np.ndarray],
    output: Path,
    delivery: Delivery,
    companions: Iterable[tuple[Path, Path]] = (),
    *,
    open_feed: Callable = EncoderFeed,
) -> None:
    """Encode the mastered `blocks` into a temporary file beside `output`, tag it, and
    only then rename it into place, together with the already written `companions`
    (temporary, final) such as the sidecars."""
    temp: Path | None = None
    try:
        temp = temporary_beside(output)
        leftovers.hold(temp)
        fmt = delivery.format
        encoder = fmt.open(
            temp, rate=SAMPLE_RATE, channels=delivery.channels, bitrate=delivery.bitrate, vbr_quality=delivery.vbr_quality
        )
        feed = open_feed(encoder)
        try:
            for index, block in enumerate(blocks):
                feed.write(block)
                if index == 0:
                    testhook.reached("render")  # tests interrupt a render here, mid-write
            feed.finish()
        finally:
            feed.abort()
            encoder.close()
        fmt.tag(temp, delivery.timeline, delivery.cover, delivery.cover_mime)
        replace_together([(temp, output), *companions])
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise

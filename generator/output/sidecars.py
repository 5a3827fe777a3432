"""The files beside a track: its timeline as JSON and its words as WebVTT captions.

``evening.mp3`` gets ``evening.json`` (exactly what ``meditate plan --json`` prints) and
``evening.vtt`` (one cue per spoken utterance, at the time it is heard). Both are written
to a temporary file in the same folder and renamed into place, so a reader never sees
half a file and an earlier good sidecar survives a failed write.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.output.tags import chapter_stamp, to_ms
from generator.plan.timeline import Timeline


def timeline_json(timeline: Timeline, extra: dict | None = None) -> str:
    """The contract's timeline JSON, with a final newline (the same text as `plan --json`);
    a rendered track's sidecar adds `extra` keys (its measured `loudness`)."""
    return json.dumps({**timeline.to_json(), **(extra or {})}, indent=2, ensure_ascii=False) + "\n"


def vtt_escape(text: str) -> str:
    """Cue text made safe for WebVTT: entities for &, < and >, no blank lines inside a cue."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def webvtt(timeline: Timeline) -> str:
    """WebVTT captions: one numbered cue per spoken entry (narration and the breathing
    pacer's spoken cues, shown for their phase), at its real start and end."""
    out = ["WEBVTT", ""]
    number = 0
    for entry in timeline.entries():
        if not entry.text:
            continue
        text = vtt_escape(entry.text)
        if not text:
            continue
        number += 1
        start = chapter_stamp(to_ms(entry.start, timeline.rate))
        end = chapter_stamp(to_ms(entry.end, timeline.rate))
        out += [str(number), f"{start} --> {end}", text, ""]
    return "\n".join(out)


def sidecar_paths(track: Path) -> tuple[Path, Path]:
    """Where the JSON and VTT of `track` go: its name with the suffix replaced."""
    track = Path(track)
    return track.with_suffix(".json"), track.with_suffix(".vtt")

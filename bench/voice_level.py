"""The voice's loudness in every library track: render each script with the real voice,
then measure the speech windows the sidecar timeline names (the `say` entries, cut from
the finished track and measured together with pyloudnorm), the whole track, and, where
the voice winds down, the speech and the pace in the first and last third.

    python bench/voice_level.py [OUT_DIR] [SCRIPT ...]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyloudnorm as pyln
import soundfile as sf

from generator import RenderOptions, render

LIBRARY = sorted(Path(__file__).resolve().parent.parent.glob("scripts/*.yaml"))


def says(timeline: dict) -> list[dict]:
    return [s for sec in timeline["sections"] for s in sec["steps"] if s["kind"] == "say"]


def speech_loudness(x: np.ndarray, rate: int, entries: list[dict]) -> float:
    """Integrated loudness of the say windows, joined with 0.5 s of silence between them."""
    gap = np.zeros((rate // 2, x.shape[1]))
    parts = [np.concatenate([x[int(s["start"] * rate) : int(s["end"] * rate)], gap]) for s in entries]
    return pyln.Meter(rate).integrated_loudness(np.concatenate(parts)) if parts else float("-inf")


def words_per_minute(entries: list[dict]) -> float:
    words = sum(len(s["text"].split()) for s in entries)
    return 60 * words / sum(s["end"] - s["start"] for s in entries)


def measure(track: Path) -> dict:
    x, rate = sf.read(track, always_2d=True)
    timeline = json.loads(track.with_suffix(".json").read_text(encoding="utf-8"))
    entries = says(timeline)
    third = len(entries) // 3
    first, last = entries[:third], entries[-third:]
    return {
        "speech": speech_loudness(x, rate, entries),
        "track": pyln.Meter(rate).integrated_loudness(x),
        "speech_first_third": speech_loudness(x, rate, first),
        "speech_last_third": speech_loudness(x, rate, last),
        "wpm_first_third": words_per_minute(first),
        "wpm_last_third": words_per_minute(last),
        "reported": timeline.get("loudness"),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="voice-level-"))
    scripts = [Path(a) for a in sys.argv[2:]] or LIBRARY
    speech = []
    for script in scripts:
        track = out / f"{script.stem}.wav"
        render(script, RenderOptions(output=track))
        m = measure(track)
        speech.append(m["speech"])
        print(
            f"{script.stem:12s} speech {m['speech']:6.2f} LUFS  track {m['track']:6.2f}  "
            f"thirds {m['speech_first_third']:6.2f} -> {m['speech_last_third']:6.2f}  "
            f"wpm {m['wpm_first_third']:5.1f} -> {m['wpm_last_third']:5.1f}",
            flush=True,
        )
    print(f"speech spread across tracks: {max(speech) - min(speech):.2f} LU")


if __name__ == "__main__":
    main()

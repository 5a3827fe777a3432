"""Generated benchmark sessions: the same shape at any length.

Every session has three background layers (a gliding binaural beat, pink noise and an
isochronic pulse), ducking under the voice, session fades, two sections and the same 12
utterances, spread over the length with `pause: fill`. The texts are fixed, so every
length shares one speech cache and the cold runs synthesize exactly the same speech.
"""

from __future__ import annotations

from pathlib import Path

TEXTS = (
    "Welcome: find a comfortable position, and let your eyes gently close.",
    "Notice where your body meets the ground, and let it be held.",
    "Breathe in slowly through the nose, and let the breath go without effort.",
    "With each breath out, let the shoulders soften a little more.",
    "There is nothing to do now, and nowhere to be.",
    "If the mind wanders, simply notice where it went, and come back to the breath.",
    "Let the face relax: the forehead, the eyes, the jaw.",
    "Feel the whole body breathing, from the crown of the head to the soles of the feet.",
    "Rest in this stillness for a while.",
    "Begin to notice the sounds around you again.",
    "Gently move the fingers and the toes.",
    "When you are ready, open your eyes, and carry this calm with you.",
)
"""Twelve utterances, each its own `say` step (one sentence each, so one utterance each)."""


def session_yaml(minutes: float, engine: str = "piper", utterances: int = len(TEXTS)) -> str:
    """The script of a `minutes`-long benchmark session (fewer utterances for tiny test runs)."""
    texts = TEXTS[: max(2, utterances)]
    half = len(texts) // 2
    first, second = texts[:half], texts[half:]

    def steps(texts: tuple[str, ...]) -> str:
        lines = []
        for text in texts:
            lines.append(f"      - say: {text!r}")
            lines.append("      - pause: fill")
        return "\n".join(lines)

    return f"""\
title: Benchmark {minutes:g} minutes
artist: meditate bench
length: {minutes * 60:g}s
voice:
  engine: {engine}
background:
  fade_in: 8s
  fade_out: 12s
  duck: 6dB
  layers:
    - binaural: {{carrier: 200, beat: 10 -> 6}}
      volume: -26dB
    - noise: pink
      volume: -34dB
    - isochronic: {{carrier: 180, pulse: 7}}
      volume: -30dB
sections:
  - title: Settling
    steps:
{steps(first)}
  - title: Resting
    steps:
{steps(second)}
"""


def write_session(folder: Path, minutes: float, engine: str = "piper", utterances: int = len(TEXTS)) -> Path:
    """Write the session script into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{minutes:g}m.yaml"
    path.write_text(session_yaml(minutes, engine, utterances), encoding="utf-8")
    return path

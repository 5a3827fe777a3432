"""The real voice's delivery: its pace inside sentences and the room after them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from conftest import dbfs, render_script

LIBRARY = Path(__file__).resolve().parent.parent / "scripts"

pytestmark = pytest.mark.piper

PARAGRAPH = """\
Let your eyes gently close, and allow your body to settle into the support beneath you.
Notice the places where your body meets the chair, the floor, or the bed.
There is nothing you need to do right now, and nowhere you need to be.
Breathe in slowly through the nose, and let the breath go without effort.
With each breath out, let the shoulders soften a little more.
"""
"""Sentences in the library's style, each ending differently: the room is measured after them."""

SCRIPT = f"""
title: Pace and room
sections:
  - title: One
    steps:
      - say: |
{''.join('          ' + line + chr(10) for line in PARAGRAPH.splitlines())}
      - pause: 2s
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice")
    out = {}
    for name, extra in (("room", ""), ("dry", "room: off\n")):
        audio, rate, plan = render_script(folder, extra + SCRIPT, name)
        says = [e for s in plan["sections"] for e in s["steps"] if e["kind"] == "say"]
        out[name] = (audio.mean(axis=1), rate, says)
    return out


def test_pace_inside_sentences_is_calm():
    """Words a minute inside the `say` entries of a library session (sentence pauses not
    counted, pauses at commas counted): a calm 125 to 155, where the voice's own is 200."""
    from generator.load.loader import load_script
    from generator.pipeline.rendering import plan_timeline
    from generator.voice.bank import SpeechBank

    timeline = plan_timeline(load_script(LIBRARY / "welcome.yaml"), SpeechBank())
    says = [e for e in timeline.entries() if e.kind == "say"]
    words = sum(len(e.text.split()) for e in says)
    seconds = sum(e.length for e in says) / timeline.rate
    assert len(says) == 6
    assert 125 <= words / seconds * 60 <= 155


def tails(audio: np.ndarray, rate: int, says: list[dict]) -> list[float]:
    """The voice band 50 to 250 ms after each sentence, in dB against the sentence."""
    voice = sosfiltfilt(butter(4, [150, 5000], btype="bandpass", fs=rate, output="sos"), audio)
    out = []
    for e in says:
        start, end = int(e["start"] * rate), int(e["end"] * rate)
        out.append(dbfs(voice[end + int(0.05 * rate) : end + int(0.25 * rate)]) - dbfs(voice[start:end]))
    return out


def test_each_sentence_ends_in_a_room_that_is_not_wet(rendered):
    room = tails(*rendered["room"])
    dry = tails(*rendered["dry"])
    assert all(-50 <= level <= -25 for level in room), room
    assert -40 <= float(np.median(room)) <= -28, room
    assert all(r > d + 20 for r, d in zip(room, dry)), (room, dry)
    assert all(level < -60 for level in dry), dry

"""`render --section` sounds exactly like that stretch of the whole track.

The session's binaural beat glides over the whole session and the bed fades in at the
start of the track: a preview made from a re-based copy of the section would glide over
the section alone (different frequencies), start faded and use its own loudness gain.
The preview must instead be the full track's samples in that window (same glide, same
ducking, same gain), with only the bed faded in and out at the cut edges, while its
length, chapters and sidecars are those of the section alone.
"""

from __future__ import annotations

import json

import numpy as np
import soundfile

from generator.core.audio import SAMPLE_RATE
from generator.master.mastering import PREVIEW_EDGE_FADE
from generator.pipeline.rendering import RenderOptions, render

SCRIPT = """
title: Preview
background:
  fade_in: 4s
  fade_out: 4s
  duck: 6dB
  layers:
    - binaural: {carrier: 200, beat: 10 -> 4}
      volume: -20dB
    - noise: pink
      volume: -30dB
sections:
  - title: Arriving
    steps:
      - say: Welcome, and settle in.
      - pause: 6s
  - title: Middle
    steps:
      - pause: 2s
      - say: Notice the breath.
      - pause: 5s
      - say: Rest here.
      - pause: 3s
  - title: Closing
    steps:
      - say: Slowly come back.
      - pause: 5s
"""


def test_section_preview_is_that_window_of_the_full_track(write_script, fake_tts, tmp_path):
    script = write_script(SCRIPT)
    full = render(script, RenderOptions(output=tmp_path / "full.wav"))
    preview = render(script, RenderOptions(output=tmp_path / "middle.wav", section="Middle"))
    whole, rate = soundfile.read(tmp_path / "full.wav", dtype="float32")
    part, _ = soundfile.read(tmp_path / "middle.wav", dtype="float32")
    section = next(s for s in full.timeline.sections if s.title == "Middle")
    assert rate == SAMPLE_RATE
    assert part.shape[0] == section.end - section.start  # the preview is the section's length
    assert preview.gain_db == full.gain_db  # the whole track's loudness gain, not the section's own

    window = whole[section.start : section.end]
    edge = int((PREVIEW_EDGE_FADE + 0.3) * rate)  # past the bed's edge fades and the limiter's settling
    inside = slice(edge, part.shape[0] - edge)
    assert np.max(np.abs(part[inside] - window[inside])) <= 2 / 32768  # the same samples (to an LSB or two)
    assert np.sqrt(np.mean(window[inside] ** 2)) > 1e-3  # ...and there is sound to compare

    # The bed is faded in at the cut: the first milliseconds are far quieter than the track there.
    head = slice(0, int(0.01 * rate))
    assert np.sqrt(np.mean(part[head] ** 2)) < 0.1 * np.sqrt(np.mean(window[head] ** 2))

    # Chapters and sidecars describe the section alone, from zero.
    plan = json.loads((tmp_path / "middle.json").read_text())
    assert [s["title"] for s in plan["sections"]] == ["Middle"]
    assert plan["sections"][0]["start"] == 0.0
    assert plan["duration"] == round(part.shape[0] / rate, 6)
    says = [e for e in plan["sections"][0]["steps"] if e["kind"] == "say"]
    assert says[0]["start"] == round(2.0, 6)


def test_preview_of_the_first_section_starts_with_the_session_fade(write_script, fake_tts, tmp_path):
    """At the track's own start there is no cut: the session's fade-in is what is heard."""
    script = write_script(SCRIPT)
    render(script, RenderOptions(output=tmp_path / "full.wav"))
    render(script, RenderOptions(output=tmp_path / "first.wav", section="Arriving"))
    whole, rate = soundfile.read(tmp_path / "full.wav", dtype="float32")
    part, _ = soundfile.read(tmp_path / "first.wav", dtype="float32")
    inside = slice(0, part.shape[0] - int((PREVIEW_EDGE_FADE + 0.3) * rate))
    assert np.max(np.abs(part[inside] - whole[: part.shape[0]][inside])) <= 2 / 32768

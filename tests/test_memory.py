"""Memory stays flat in the track's length: a 10-minute pause costs no more than a 1-minute one.

Each render runs in its own process and its peak resident set is read from the operating
system (ru_maxrss of that child), so imports and caches count the same way for both and
only what grows with the track could tell them apart. Not a timing test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from pathlib import Path

SCRIPT = """
title: Long pause
background:
  fade_in: 5s
  fade_out: 5s
  duck: 6dB
  layers:
    - binaural: {{carrier: 200, beat: 10 -> 6}}
      volume: -26dB
    - noise: pink
      volume: -34dB
    - isochronic: {{carrier: 180, pulse: 7}}
      volume: -30dB
sections:
  - title: Only
    steps:
      - say: Welcome. Let the body settle.
      - pause: {pause}
      - say: Slowly come back.
"""

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from generator.pipeline.rendering import RenderOptions, render
    render(sys.argv[1], RenderOptions(output=Path(sys.argv[2]), cache_dir=Path(sys.argv[3])))
    """
)


def peak_rss_mb(tmp_path: Path, pause: str) -> float:
    script = tmp_path / f"pause-{pause}.yaml"
    script.write_text(SCRIPT.format(pause=pause), encoding="utf-8")
    env = dict(os.environ, MEDITATE_FAKE_TTS="1")
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(script), str(tmp_path / f"pause-{pause}.wav"), str(tmp_path / "cache")],
        env=env,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]
    return usage.ru_maxrss / 1024.0


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_pause(tmp_path):
    short = peak_rss_mb(tmp_path, "1m")
    long = peak_rss_mb(tmp_path, "10m")
    assert (tmp_path / "pause-10m.wav").stat().st_size > 9 * (tmp_path / "pause-1m.wav").stat().st_size
    assert long <= short * 1.2, f"1-minute pause: {short:.0f} MB, 10-minute pause: {long:.0f} MB"

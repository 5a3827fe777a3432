"""The real offline voice, end to end: render an MP3, decode it, measure it against the plan."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import dbfs, render_script
from generator.cli import cli

pytestmark = [pytest.mark.piper, pytest.mark.slow]

SCRIPT = """
title: Piper check
voice: {speed: 0.9}
room: off
sections:
  - title: One
    steps:
      - say: Welcome. Let your eyes gently close.
      - pause: 3s
      - say: Notice your breath.
      - pause: 2s
  - title: Two
    steps:
      - say: Rest here for a while.
      - pause: 2.5s
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("piper")
    audio, rate, plan = render_script(folder, SCRIPT, "check", ".mp3", dtype="float32")
    return audio, rate, plan, folder


def test_length_matches_the_plan(rendered):
    audio, rate, plan, _ = rendered
    assert abs(audio.shape[0] / rate - plan["duration"]) < 0.05


def test_pauses_are_silent_and_speech_is_not(rendered):
    audio, rate, plan, _ = rendered
    mono = audio.mean(axis=1)
    entries = [e for s in plan["sections"] for e in s["steps"]]
    says = [e for e in entries if e["kind"] == "say"]
    pauses = [e for e in entries if e["kind"] == "pause"]
    assert len(says) == 4 and len(pauses) == 4  # 3 written pauses and one sentence pause
    for pause in pauses:
        window = mono[int((pause["start"] + 0.03) * rate) : int((pause["end"] - 0.03) * rate)]
        assert dbfs(window) < -55, pause
    for say in says:
        start = int(say["start"] * rate)
        assert dbfs(mono[start : start + int(0.15 * rate)]) > -50, say


def test_second_render_synthesizes_nothing(rendered):
    _, _, _, folder = rendered
    result = CliRunner().invoke(cli, ["render", str(folder / "check.yaml"), "-o", str(folder / "again.mp3")])
    assert result.exit_code == 0, result.output
    assert "0 utterances synthesized" in result.output

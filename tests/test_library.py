"""The session library in scripts/: every script passes `check` and plans, and a
`render --section` preview is exactly as long as that section in the full plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile
from click.testing import CliRunner

from generator.cli import cli
from generator.load.loader import load_script as load
from generator.pipeline.rendering import plan_timeline
from generator.voice.bank import SpeechBank

SCRIPTS = sorted((Path(__file__).resolve().parent.parent / "scripts").glob("*.yaml"))


def test_the_library_has_the_four_sessions_of_issue_6():
    assert {"relaxation", "breathing", "integration", "back-care"} <= {p.stem for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_library_script_passes_check_and_plans(script, fake_tts):
    checked = CliRunner().invoke(cli, ["check", str(script)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"{script}: ok (")
    planned = CliRunner().invoke(cli, ["plan", str(script)])
    assert planned.exit_code == 0, planned.output
    timeline = _plan(script)
    assert timeline.length > 0 and timeline.sections
    assert timeline.sections[-1].end == timeline.length
    if timeline.session.length is not None:  # `pause: fill` makes it exact
        assert timeline.length == round(timeline.session.length * timeline.rate)


def _plan(script: Path):
    speech = SpeechBank()
    try:
        return plan_timeline(load(script), speech)
    finally:
        speech.close()


def test_render_section_is_exactly_that_sections_length(fake_tts, tmp_path):
    script = next(p for p in SCRIPTS if p.stem == "breathing")
    timeline = _plan(script)
    section = min(timeline.sections, key=lambda s: s.end - s.start)  # the shortest: a quick render
    out = tmp_path / "preview.wav"
    result = CliRunner().invoke(cli, ["render", str(script), "--section", section.title, "-o", str(out)])
    assert result.exit_code == 0, result.output
    info = soundfile.info(str(out))
    assert info.samplerate == timeline.rate and info.channels == 2
    assert info.frames == section.end - section.start

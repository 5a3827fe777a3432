"""`check` warns when a script's description states a length its track does not have."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.pipeline.descriptions import claims

SCRIPT = """
title: Lengths
description: >-
  A calm start for the day.
  A 10-minute practice, {words}.
sections:
  - title: One
    steps:
      - pause: {pause}
"""


@pytest.mark.parametrize(("pause", "warned"), [("8m", True), ("11m30s", True), ("9m30s", False), ("10m50s", False)])
def test_a_length_in_the_description_is_checked_at_its_place(write_script, fake_tts, pause: str, warned: bool) -> None:
    script = write_script(SCRIPT.format(pause=pause, words="sitting"))
    run = CliRunner().invoke(cli, ["check", str(script)])
    assert run.exit_code == 0, run.output  # a warning, not an error
    warnings = [line for line in run.output.splitlines() if ": warning: " in line]
    if warned:
        assert warnings == [f"{script}:4:5: warning: the description says '10-minute', but the track lasts about "
                            f"{ {'8m': '8:00', '11m30s': '11:30'}[pause] } (planned); write its length as it is "
                            f"(about { {'8m': 8, '11m30s': 12}[pause] } minutes)"]
    else:
        assert warnings == []


def test_lengths_are_found_however_they_are_written(write_script) -> None:
    script = write_script(SCRIPT.format(pause="1m", words="or twenty minutes,\n  or 1 hour, or ten\n  minutes, not 3.5 apples"))
    found = [(c.text, c.seconds, c.position.line, c.position.column) for c in claims(script)]
    assert found == [("10-minute", 600, 4, 5), ("twenty minutes", 1200, 4, 28), ("1 hour", 3600, 5, 6),
                     ("ten minutes", 600, 5, 17)]


def test_the_library_describes_its_tracks_truly(fake_tts) -> None:
    """The shipped scripts and templates: no description disagrees with its planned length
    (estimated here; the lengths they state were taken from `meditate plan` with the real voice)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "scripts").glob("*.yaml")) + sorted((root / "generator/templates").glob("*.yaml"))
    run = CliRunner().invoke(cli, ["check", *map(str, files)])
    assert run.exit_code == 0, run.output
    assert [line for line in run.output.splitlines() if "warning: the description says" in line] == []

"""A number thousands of digits long, wherever a script can write one, is refused at its
place (`file:line:col: error: ...`, exit 2), never `internal error: ValueError: Exceeds
the limit (4300 digits)`: every parser of numbers in text shares units.NUMBER, which
holds a number to MAX_NUMBER_DIGITS digits a side."""

from __future__ import annotations

from fractions import Fraction

import pytest
from click.testing import CliRunner

from generator.script import patterns
from generator.core import units
from generator.cli import cli

BIG = "9" * 5000
HEAD = "title: T\nsections:\n  - title: A\n    steps:\n"

CASES = {  # name: (script, line:col of the error, what the error says)
    "pattern": (HEAD + f"      - breathe: {{pattern: 4-{BIG}-8, cycles: 2}}\n", "5:28", "pattern must be"),
    "glide pattern": (HEAD + f"      - breathe: {{pattern: 4-4 -> 4-{BIG}, cycles: 2}}\n", "5:28", "pattern must be"),
    "glide written with to": (HEAD + f"      - breathe: {{pattern: 4-4 to 4-{BIG}, cycles: 2}}\n", "5:28", "pattern must be"),
    "inline pause": (HEAD + f"      - say: Hello [pause {BIG}s] there.\n", "5:20", "an inline pause must be"),
    "inline pause decimals": (HEAD + f"      - say: Hello [pause 1.{BIG}s] there.\n", "5:20", "an inline pause must be"),
    "inline pause clock": (HEAD + f"      - say: Hello [pause {BIG}:30] there.\n", "5:20", "an inline pause must be"),
    "inline pause words": (HEAD + f"      - say: Hello [pause {BIG} minutes] there.\n", "5:20", "an inline pause must be"),
    "break tag": (HEAD + f"      - say: Hello <break time=\"{BIG}ms\"/> there.\n", "5:20", "an inline pause must be"),
    "pause lookalike": (HEAD + f"      - say: \"Hello [pause: {BIG}s] there.\"\n", "5:21", "is not a pause and would be spoken aloud"),
    "pause": (HEAD + f"      - pause: {BIG}s\n", "5:16", "pause is 5001 characters long"),
    "breathe duration": (HEAD + f"      - breathe: {{pattern: 4-4, duration: {BIG}s}}\n", "5:43", "duration is 5001 characters long"),
    "volume": ("title: T\nbackground:\n  layers:\n    - noise: pink\n      volume: -" + BIG + "dB\n" + HEAD[9:] + "      - say: Hi.\n", "5:15", "volume is 5003 characters long"),
    "frequency": ("title: T\nbackground:\n  layers:\n    - binaural: {carrier: " + BIG + ", beat: 6}\n" + HEAD[9:] + "      - say: Hi.\n", "4:27", "binaural carrier is 5000 characters long"),
    "strikes": (HEAD + f"      - bell: {{sound: bowl, strikes: {BIG}}}\n", "5:38", "strikes must be a whole number"),
}


def check(tmp_path, body: str, *extra: str):
    path = tmp_path / "s.yaml"
    path.write_text(body, encoding="utf-8")
    return path, CliRunner(mix_stderr=False).invoke(cli, ["check", str(path), *extra])


@pytest.mark.parametrize("name", CASES)
def test_a_five_thousand_digit_number_is_an_error_at_its_place(tmp_path, name):
    body, where, says = CASES[name]
    path, result = check(tmp_path, body)
    assert result.exit_code == 2, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert any(line.startswith(f"{path}:{where}: error: ") and says in line for line in result.stderr.splitlines()), result.stderr[:400]


def test_a_set_value_that_writes_a_long_pause_is_an_error_at_its_use(tmp_path):
    body = "title: T\nvariables: {n: x}\n" + HEAD[9:] + "      - say: Hi {n}.\n"
    path, result = check(tmp_path, body, "--set", f"n=[pause {BIG}s]")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:6:17: error: an inline pause must be a duration like '10s' or '1m30s'"), result.stderr[:300]


def test_numbers_up_to_the_limit_read_as_before():
    """No value any script could write before is read differently: 100 digits a side."""
    whole, decimals = "1" + "0" * (units.MAX_NUMBER_DIGITS - 1), "5" * units.MAX_NUMBER_DIGITS
    assert units.parse_duration(f"{whole}s") == Fraction(whole)
    assert units.parse_duration(f"0.{decimals}") == Fraction(f"0.{decimals}")
    assert units.parse_duration(f"{whole}:30") == Fraction(whole) * 60 + 30
    assert units.parse_duration("1m30s") == 90 and units.parse_duration("1:02:03.5") == Fraction(7447, 2)
    with pytest.raises(units.DurationError):
        units.parse_duration(f"1{whole}s")
    with pytest.raises(units.DurationError):
        units.parse_duration(f"1:00:00.{decimals}5")
    assert [p.seconds for p in patterns.parse_phases(f"4-0.{decimals}-8")] == [4, Fraction(f"0.{decimals}"), 8]
    with pytest.raises(patterns.PatternError):
        patterns.parse_phases(f"4-1{whole}-8")

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.audio import to_samples
from generator.core.units import Glide, parse_duration, parse_glide, parse_volume


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("500ms", Fraction(1, 2)),
        ("3s", Fraction(3)),
        ("1.5s", Fraction(3, 2)),
        ("2m", Fraction(120)),
        ("1m30s", Fraction(90)),
        ("1h", Fraction(3600)),
        ("1h2m3s", Fraction(3723)),
        ("1m 30s", Fraction(90)),
        (12, Fraction(12)),
        (0.25, Fraction(1, 4)),
        ("7", Fraction(7)),
    ],
)
def test_durations_parse_exactly(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["ten", "-3s", -1, "3x", "s", "1s1m", "", True, None, [1], "1.2.3s", float("nan")])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_duration_becomes_exact_samples():
    assert to_samples(parse_duration("10s")) == 441_000
    assert to_samples(parse_duration("1.5s")) == 66_150
    # 30 cycles of 5.5 s land exactly on 330 s: no float accumulation
    assert sum([parse_duration("5.5")] * 60, Fraction(0)) * 44_100 == 330 * 44_100


@pytest.mark.parametrize("text, db", [("-26dB", -26.0), ("-26 dB", -26.0), (-3, -3.0), ("+2db", 2.0), ("0", 0.0)])
def test_volumes(text, db):
    assert parse_volume(text) == db


@pytest.mark.parametrize("text", ["loud", "-26 dBFS", None, True, "inf"])
def test_bad_volumes(text):
    with pytest.raises(ValueError):
        parse_volume(text)


def test_glides():
    assert parse_glide("10 -> 6") == Glide(10.0, 6.0)
    assert parse_glide(136.1) == Glide(136.1, 136.1)
    assert parse_glide("200Hz").constant
    with pytest.raises(ValueError):
        parse_glide("0")
    with pytest.raises(ValueError):
        parse_glide("10 -> ")


@given(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=59), st.integers(min_value=0, max_value=59),
       st.integers(min_value=0, max_value=999))
def test_composed_durations_add_up(h, m, s, ms):
    text = f"{h}h{m}m{s}s{ms}ms"
    assert parse_duration(text) == h * 3600 + m * 60 + s + Fraction(ms, 1000)


@given(st.text(max_size=12))
def test_duration_parser_never_crashes(text):
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert value >= 0

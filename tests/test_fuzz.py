"""Property-based tests and fuzzing: parsers, the loader, the planner and the mixer.

The budget is small by default so the suite stays fast on a shared machine; set
MEDITATE_FUZZ_EXAMPLES (for example 2000) to run a larger campaign by hand. Every
property here held for the budget reported in docs/safety.md.
"""

from __future__ import annotations

import math
import os
import string
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import InputError, ScriptError, ScriptErrors
from generator.load.loader import load_script
from generator.kinds.placing import BellLength
from generator.plan.timeline import plan
from generator.core.units import parse_duration, parse_glide, parse_volume

BUDGET = int(os.environ.get("MEDITATE_FUZZ_EXAMPLES", "0")) or None


def budget(default: int):
    """Hypothesis settings: `default` examples (or MEDITATE_FUZZ_EXAMPLES), no deadline."""
    return settings(
        max_examples=BUDGET or default,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=10**300, max_value=10**400).flatmap(lambda n: st.sampled_from([n, -n])),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)

# --- parsers ---------------------------------------------------------------------------


@budget(300)
@given(ANYTHING)
def test_duration_parser_accepts_or_refuses_with_a_value_error(value):
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(seconds, Fraction) and seconds >= 0
    assert isinstance(to_samples(seconds), int)


@budget(200)
@given(
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["", " "]),
)
def test_decimal_durations_are_exact(whole, millis, extra, space):
    """`W.MMMs` is exactly W + MMM/1000 seconds, and `Xms` exactly X/1000: no float rounding."""
    assert parse_duration(f"{whole}.{millis:03d}{space}s") == whole + Fraction(millis, 1000)
    assert parse_duration(f"{extra}ms") == Fraction(extra, 1000)
    assert parse_duration(f"{whole}m{space}{millis}ms") == whole * 60 + Fraction(millis, 1000)


@budget(300)
@given(ANYTHING)
def test_volume_parser_accepts_or_refuses_with_a_value_error(value):
    try:
        db = parse_volume(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(db, float) and math.isfinite(db)


@budget(200)
@given(st.floats(min_value=-200, max_value=200, allow_nan=False), st.sampled_from(["dB", " dB", "db", "", " DB"]))
def test_volume_text_round_trips(db, unit):
    text = f"{db:.3f}{unit}"
    assert parse_volume(text) == float(f"{db:.3f}")


@budget(200)
@given(st.one_of(ANYTHING, st.builds(lambda a, b: f"{a} -> {b}", st.floats(), st.floats())))
def test_glide_parser_accepts_or_refuses_with_a_value_error(value):
    try:
        glide = parse_glide(value)
    except ValueError:
        return
    assert glide.start > 0 and glide.end > 0 and math.isfinite(glide.start) and math.isfinite(glide.end)


# --- the loader on generated scripts ---------------------------------------------------

WORDS = st.text(alphabet=string.ascii_letters + " .,{}[]'", min_size=0, max_size=40)
DURATION = st.one_of(
    st.sampled_from(["1s", "500ms", "1m30s", "fill", "-2s", "ten", "1h", "13h", ".5s", "2m1m", 3, 0, -1, 1.5]),
    ANYTHING,
)
VOLUME = st.one_of(st.sampled_from(["-26dB", "-6 dB", "loud", "300dB", -12, "nan"]), ANYTHING)
JUNK = st.recursive(ANYTHING, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)


def maybe_junk(strategy):
    return st.one_of(strategy, strategy, strategy, JUNK)


def step_strategy(depth: int = 0):
    say = st.one_of(WORDS, st.fixed_dictionaries({"text": WORDS}, optional={"voice": st.fixed_dictionaries({}, optional={"speed": maybe_junk(st.floats(0, 3)), "engine": st.sampled_from(["piper", "gtts", "nope"])})}))
    bell = st.one_of(
        st.sampled_from(["bowl", "chime", "gong", "woodblock", "bwol", "sounds/x.wav"]),
        st.fixed_dictionaries({"sound": st.sampled_from(["bowl", "gong", "x"])}, optional={"strikes": maybe_junk(st.integers(-2, 200)), "every": DURATION, "volume": VOLUME}),
    )
    breathe = st.fixed_dictionaries(
        {"pattern": maybe_junk(st.sampled_from(["box", "4-7-8", "coherent", "relax", "4-2-6-2", "boxx", "0-1", "4-6 -> 5-7", "4-4-4 -> 4-4"]))},
        optional={"cycles": maybe_junk(st.integers(-1, 30)), "duration": DURATION, "cues": st.sampled_from(["voice", "tone", "both", "none", "loud"]), "words": JUNK},
    )
    kinds = {
        "say": say,
        "pause": DURATION,
        "bell": bell,
        "breathe": breathe,
        "play": st.sampled_from(["missing.wav", "", 3]),
        "include": st.sampled_from(["missing.yaml", "script.yaml", ""]),
        "sya": WORDS,
    }
    single = st.sampled_from(sorted(kinds)).flatmap(lambda kind: kinds[kind].map(lambda value: {kind: value}))
    if depth >= 2:
        return maybe_junk(single)
    repeat = st.fixed_dictionaries(
        {"repeat": st.fixed_dictionaries({"times": maybe_junk(st.integers(-1, 5)), "steps": st.lists(step_strategy(depth + 1), max_size=3)})}
    )
    return maybe_junk(st.one_of(single, single, repeat))


SECTION = st.fixed_dictionaries(
    {"title": maybe_junk(st.text(min_size=1, max_size=10)), "steps": maybe_junk(st.lists(step_strategy(), max_size=4))},
    optional={"background": JUNK, "voice": JUNK, "extra": JUNK},
)
SCRIPT = st.fixed_dictionaries(
    {"title": maybe_junk(st.text(min_size=1, max_size=12)), "sections": maybe_junk(st.lists(SECTION, max_size=3))},
    optional={
        "length": DURATION,
        "voice": st.one_of(st.fixed_dictionaries({}, optional={"engine": st.sampled_from(["piper", "gtts", "x"]), "speed": JUNK, "sentence_pause": DURATION}), JUNK),
        "variables": st.one_of(st.dictionaries(st.sampled_from(["name", "place", "bad name", "x"]), st.one_of(WORDS, JUNK), max_size=3), JUNK),
        "background": st.one_of(
            st.fixed_dictionaries({}, optional={"duck": VOLUME, "fade_in": DURATION, "layers": st.lists(st.one_of(
                st.fixed_dictionaries({"noise": st.sampled_from(["pink", "white", "purple"])}, optional={"volume": VOLUME}),
                st.fixed_dictionaries({"tone": maybe_junk(st.sampled_from([136.1, "200 -> 100", 5, "x"]))}),
                st.fixed_dictionaries({"binaural": JUNK}),
                JUNK,
            ), max_size=3)}),
            JUNK,
        ),
        "cover": st.sampled_from(["cover.png", "missing.jpg", ""]),
        "loudness": JUNK,
        "language": st.sampled_from(["en", "en-GB", "english", ""]),
        "titel": JUNK,
    },
)


def check_outcome(path: Path) -> None:
    """A Session, or ScriptErrors whose every line is `file[:line:col]: error: message`."""
    try:
        session = load_script(path)
    except ScriptErrors as exc:
        assert exc.errors
        for error in exc.errors:
            assert isinstance(error, ScriptError) and error.position is not None
            line = str(error)
            assert "\n" not in line and ": error: " in line, line
        return
    except InputError:  # only for settings outside the script (none are set here)
        raise
    assert isinstance(session, model.Session) and session.sections


@budget(150)
@given(SCRIPT)
def test_the_loader_never_crashes_on_generated_scripts(tmp_path_factory, script):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "script.yaml"
    path.write_text(yaml.safe_dump(script, allow_unicode=True), encoding="utf-8")
    check_outcome(path)


@budget(150)
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_loader_never_crashes_on_arbitrary_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "script.yaml"
    path.write_bytes(data)
    check_outcome(path)


@budget(150)
@given(SCRIPT, st.data())
def test_the_loader_never_crashes_on_mangled_yaml(tmp_path_factory, script, data):
    """Valid-looking YAML with characters deleted, duplicated or swapped in."""
    text = yaml.safe_dump(script, allow_unicode=True)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, max(0, len(text) - 1)))
        piece = data.draw(st.sampled_from(["", ":", "- ", "[", "]", "{", "&a ", "*a", "!!python/object:os.system ", "\t", "\n  ", "'", '"', "? ", "<<: "]))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + piece + text[at + cut :]
    path = tmp_path_factory.mktemp("mangled") / "script.yaml"
    path.write_text(text, encoding="utf-8")
    check_outcome(path)


# --- the planner's invariants ----------------------------------------------------------

RATE = 44_100


class Lengths:
    """Deterministic sound lengths: speech by characters, bells and files fixed."""

    def speech(self, utterance):
        return 1 + round(len(utterance.text) * 0.05 * RATE)

    def bell(self, bell):
        return BellLength(3 * RATE + 5, 2 * RATE + 17)

    def file(self, play):
        return RATE


SENTENCE = st.text(alphabet=string.ascii_lowercase + " ", min_size=1, max_size=20).map(lambda s: s.strip() + ".").filter(lambda s: len(s) > 1)
SECONDS = st.fractions(min_value=0, max_value=20, max_denominator=1000)


def valid_step():
    return st.one_of(
        st.lists(SENTENCE, min_size=1, max_size=3).map(lambda ss: {"say": " ".join(ss)}),
        SECONDS.map(lambda s: {"pause": f"{float(s):.3f}s"}),
        st.just({"pause": "fill"}),
        st.builds(lambda strikes, every: {"bell": {"sound": "bowl", "strikes": strikes, **({"every": every} if every else {})}},
                  st.integers(1, 4), st.sampled_from([None, "1s", "3.3s"])),
        st.builds(lambda p, n, cues: {"breathe": {"pattern": p, "cycles": n, "cues": cues}},
                  st.sampled_from(["box", "4-7-8", "coherent", "relax", "1.1-0-2.3", "3-4 -> 5-6"]), st.integers(1, 4), st.sampled_from(["tone", "none"])),
        st.builds(lambda n, s: {"repeat": {"times": n, "steps": [s]}}, st.integers(1, 3), SECONDS.map(lambda s: {"pause": f"{float(s):.3f}s"})),
    )


VALID_SCRIPT = st.builds(
    lambda sections, length: {"title": "T", **({"length": length} if length else {}), "sections": [
        {"title": f"S{i}", "steps": steps} for i, steps in enumerate(sections)
    ]},
    st.lists(st.lists(valid_step(), min_size=1, max_size=5), min_size=1, max_size=3),
    st.sampled_from([None, "10m", "1h", "2m30.5s", "7m13.123s"]),
)


@budget(150)
@given(VALID_SCRIPT)
def test_the_plan_is_contiguous_sums_up_and_fills_exactly(tmp_path_factory, script):
    has_fill = any(step == {"pause": "fill"} for section in script["sections"] for step in section["steps"])
    if has_fill and "length" not in script:
        script["length"] = "30m"
    path = tmp_path_factory.mktemp("plan") / "script.yaml"
    path.write_text(yaml.safe_dump(script), encoding="utf-8")
    session = load_script(path)
    try:
        timeline = plan(session, Lengths())
    except ScriptErrors as exc:  # only ever: the fixed content does not fit the length
        assert all("is shorter than the fixed content" in str(e) for e in exc.errors), exc
        return
    cursor = 0
    total = 0
    for section in timeline.sections:
        assert section.start == cursor
        for entry in section.entries:
            assert entry.start == cursor and entry.end >= entry.start
            cursor = entry.end
            total += entry.length
        assert section.end == cursor
    assert timeline.length == cursor == total
    assert all(0 <= p.start and p.end <= timeline.length for p in timeline.placements)
    if has_fill:
        assert timeline.length == to_samples(session.length)


# --- the mixer's length ----------------------------------------------------------------


SHORT_SCRIPT = st.builds(
    lambda steps, bg, length: {"title": "T", **({"length": length} if length else {}), "background": bg, "sections": [{"title": "A", "steps": steps}]},
    st.lists(
        st.one_of(
            SENTENCE.map(lambda s: {"say": s}),
            st.fractions(0, 2, max_denominator=1000).map(lambda s: {"pause": f"{float(s):.3f}s"}),
            st.just({"bell": "woodblock"}),
            st.just({"breathe": {"pattern": "0.5-0.25-0.7", "cycles": 1, "cues": "tone"}}),
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([
        {"layers": []},
        {"fade_in": "0.5s", "fade_out": "0.5s", "duck": "6dB", "layers": [{"noise": "pink", "volume": -30}]},
        {"layers": [{"binaural": {"carrier": 200, "beat": "10 -> 6"}, "volume": -26}, {"tone": 136.1}]},
    ]),
    st.sampled_from([None, "9.99999s"]),
)


@budget(25)
@given(SHORT_SCRIPT)
def test_the_mix_is_exactly_as_long_as_the_plan(tmp_path_factory, monkeypatch_session, script):
    from generator.mix.mixer import Mixer
    from generator.voice.bank import SpeechBank

    if script.get("length"):
        script["sections"][0]["steps"].append({"pause": "fill"})
    folder = tmp_path_factory.mktemp("mix")
    path = folder / "script.yaml"
    path.write_text(yaml.safe_dump(script), encoding="utf-8")
    from generator.plan.lengths import BankLengths

    bank = SpeechBank(folder / "cache")
    try:
        session = load_script(path)
        try:
            timeline = plan(session, BankLengths(bank, folder))
        except ScriptErrors:
            return  # the content did not fit the length: nothing to mix
        mixer = Mixer(timeline, bank)
        lengths = [block.shape for block in mixer.blocks()]
        section = timeline.sections[0]
        cut = (section.start + section.end) // 3  # a window starting mid-track, as a preview mixes
        window = sum(block.shape[0] for block in mixer.blocks(cut, section.end, edge_fade=441))
    finally:
        bank.close()
    assert sum(shape[0] for shape in lengths) == timeline.length
    assert all(shape[1] == 2 for shape in lengths)
    assert window == section.end - cut
    if script.get("length"):
        assert timeline.length == to_samples(Fraction("9.99999"))


@pytest.fixture(scope="module")
def monkeypatch_session():
    """The fake engine for the whole module (hypothesis reuses one fixture across examples)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDITATE_FAKE_TTS", "1")
        yield patch


# --- hostile text: control characters, rosters ------------------------------------------

HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(list("ab .,{}") + ["\x0b", "\x1b", "\x00", "\x07", "\x7f", "\x85", "\x9b", "\ud800", "\t", "\n", "é"]),
    min_size=1,
    max_size=40,
)


def _texts(session: model.Session) -> list[str]:
    out = [session.title, session.artist or "", session.album or "", session.description or ""]
    for section in session.sections:
        out.append(section.title)
        for step in section.steps:
            out += [p.text for p in getattr(step, "parts", ()) if isinstance(p, model.Utterance)]
    from generator.kinds.steps import utterances

    out += [u.text for u in utterances(session)]
    return out


@budget(200)
@given(HOSTILE_TEXT, HOSTILE_TEXT, st.dictionaries(st.sampled_from(["name", "place"]), HOSTILE_TEXT, max_size=2))
def test_no_control_character_survives_the_loader(tmp_path_factory, title, say, overrides):
    """Texts with control characters (through YAML's escapes) and `--set`-like values:
    the loader refuses them at their place or cleans them; nothing it returns holds one."""
    from generator.core.cleantext import forbidden_at

    document = {"title": title, "variables": {"name": "x", "place": "y"}, "sections": [{"title": "A", "steps": [{"say": say + " {name} {place}"}]}]}
    path = tmp_path_factory.mktemp("control") / "script.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=False), encoding="utf-8")
    try:
        session = load_script(path, overrides)
    except ScriptErrors as exc:
        assert all(": error: " in str(e) and "\n" not in str(e) for e in exc.errors)
        return
    for text in _texts(session):
        assert forbidden_at(text.replace("\n", "").replace("\t", "")) is None, repr(text)


@budget(200)
@given(st.text(alphabet=st.sampled_from(list('ab,;"\n\r\t ') + ["\x0b", "\x00", "\ud800"]), max_size=80))
def test_a_roster_is_rows_or_clean_errors(tmp_path_factory, text):
    from generator.core.cleantext import forbidden_at
    from generator.script.roster import read_roster

    path = tmp_path_factory.mktemp("roster") / "r.csv"
    path.write_bytes(("name,output\n" + text).encode("utf-8", "surrogatepass"))
    try:
        roster = read_roster(path, Path("s.yaml"))
    except ScriptErrors as exc:
        assert exc.errors and all(str(e).startswith(f"{path}:") for e in exc.errors)
        return
    for row in roster.rows:
        assert row.line >= 2
        for value in row.variables.values():
            assert forbidden_at(value) is None and "\n" not in value and "\t" not in value

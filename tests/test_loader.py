"""The loader: every problem found, each with its exact place and message."""

from fractions import Fraction

import pytest

from generator.core import model
from generator.core.errors import ScriptErrors
from generator.load.loader import load_script


def errors_of(path, **kwargs) -> list[str]:
    with pytest.raises(ScriptErrors) as info:
        load_script(path, **kwargs)
    return [str(e).replace(str(path), "S") for e in info.value.errors]


def test_contract_example_errors(write_script):
    path = write_script(
        """
        title: Evening
        sections:
          - title: One
            steps:
              - sya: hello
              - pause: ten
        """
    )
    assert errors_of(path) == [
        "S:5:9: error: unknown step 'sya' (did you mean 'say'?)",
        "S:6:16: error: pause must be a duration like '10s' or '1m30s', got 'ten'",
    ]


def test_all_errors_reported_at_once(write_script):
    path = write_script(
        """
        title: Evening
        voice:
          speeed: 0.9
          engine: pipr
        sections:
          - title: One
            steps:
              - say: |
                  Hello {nmae}.
                  Rest [pause abc] now.
              - bell: bwol
              - breathe: {pattern: 4-x, cycles: 2}
              - pause: 3s
                extra: 1
        title: again
        """
    )
    assert errors_of(path) == [
        "S:3:3: error: unknown key 'speeed' in voice (did you mean 'speed'?); valid keys: engine, name, speaker, speed, sentence_pause, paragraph_pause, wind_down, takes, fallback",
        "S:4:11: error: unknown engine 'pipr' (did you mean 'piper'?); choose piper or gtts or recorded",
        "S:9:17: error: unknown variable 'nmae' (known: none are defined)",
        "S:10:16: error: an inline pause must be a duration like '10s' or '1m30s', got 'abc'",
        "S:11:15: error: unknown bell 'bwol' (did you mean 'bowl'?); built-in bells are bowl, chime, gong, woodblock, or give a sound file",
        "S:12:28: error: pattern must be a preset (box, 4-7-8, coherent, relax), seconds like '4-7-8' or '4-2-6-2', or a glide like '4-4 -> 4-8', got '4-x'",
        "S:14:9: error: unknown key 'extra' beside 'pause': put a step's options under it (pause takes no options)",
        "S:15:1: error: duplicate key 'title' in the script (first given at line 1)",
    ]


def test_unknown_variable_suggests_a_known_one(write_script):
    path = write_script(
        """
        title: Hi
        variables: {name: friend}
        sections:
          - title: One
            steps:
              - say: "Welcome, {nmae}."
        """
    )
    assert errors_of(path) == ["S:6:24: error: unknown variable 'nmae' (did you mean 'name'?) (known: name)"]


def test_say_splits_into_sentences_inline_pauses_and_paragraphs(write_script):
    path = write_script(
        """
        title: Evening {name}
        variables: {name: friend}
        voice: {sentence_pause: 0.5s, paragraph_pause: 3s}
        sections:
          - title: Arriving
            steps:
              - say: |
                  Welcome, {name}. [pause 2s]
                  Let your eyes gently close. Breathe.

                  Notice the ground. <break time="1.5s"/> Rest.
        """
    )
    session = load_script(path, {"name": "Ana"})
    assert session.title == "Evening Ana"
    (say,) = session.sections[0].steps
    shown = [p.text if isinstance(p, model.Utterance) else float(p.seconds) for p in say.parts]
    assert shown == [
        "Welcome, Ana.", 2.0, "Let your eyes gently close.", 0.5, "Breathe.", 3.0, "Notice the ground.", 1.5, "Rest.",
    ]


def test_literal_braces_and_overrides(write_script):
    path = write_script(
        """
        title: T
        variables: {name: friend}
        sections:
          - title: One
            steps:
              - say: "Hello {name}, {{this}} stays."
        """
    )
    session = load_script(path, {"name": "Bo"})
    assert session.sections[0].steps[0].parts[0].text == "Hello Bo, {this} stays."


def test_defaults_and_voice_override(write_script):
    path = write_script(
        """
        title: T
        sections:
          - title: One
            steps:
              - say: {text: Quick., voice: {speed: 1.2}}
              - pause: 1m30s
        """
    )
    session = load_script(path)
    say, pause = session.sections[0].steps
    assert session.voice == model.Voice()
    assert say.parts[0].voice.speed == 1.2
    assert pause.seconds == Fraction(90)


def test_engine_override_picks_that_engines_default_voice(write_script):
    path = write_script(
        """
        title: T
        sections: [{title: One, steps: [{say: Hi.}]}]
        """
    )
    session = load_script(path, engine="gtts")
    assert (session.voice.engine, session.voice.name) == ("gtts", "com")


def test_repeat_and_include(write_script, tmp_path):
    write_script("steps:\n  - say: Included words.\n  - pause: 2s\n", name="parts/common.yaml")
    path = write_script(
        """
        title: T
        sections:
          - title: One
            steps:
              - include: parts/common.yaml
              - repeat: {times: 3, steps: [{pause: 1s}]}
        """
    )
    steps = load_script(path).sections[0].steps
    assert [type(s).__name__ for s in steps] == ["Say", "Pause", "Pause", "Pause", "Pause"]


def test_include_cycle_is_an_error(write_script):
    write_script("steps:\n  - include: a.yaml\n", name="b.yaml")
    write_script("steps:\n  - include: b.yaml\n", name="a.yaml")
    path = write_script("title: T\nsections:\n  - title: One\n    steps:\n      - include: a.yaml\n")
    (message,) = errors_of(path)
    assert "include cycle" in message and "a.yaml -> " in message


def test_yaml_syntax_error_has_position(write_script):
    path = write_script("title: T\nsections:\n  - title: [unclosed\n")
    (message,) = errors_of(path)
    assert message == "S:3:12: error: this '[' is never closed: end it with ']', or quote the value if it is text"


def test_python_tags_are_refused(write_script):
    path = write_script('title: !!python/object/apply:os.system ["echo hi"]\nsections: []\n')
    messages = errors_of(path)
    assert messages[0] == "S:1:8: error: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system': scripts may only hold plain values"


def test_alias_bomb_is_refused_quickly(write_script):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("title: T\nvariables: {bomb: *a11}\nsections: []")
    path = write_script("\n".join(lines) + "\n")
    messages = errors_of(path)
    assert any("unknown key 'a0'" in m for m in messages)
    assert any("too large" in m or "must be a single value" in m for m in messages)


def test_empty_binary_and_bad_utf8_files(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"title: caf\xe9\n")
    assert errors_of(empty) == ["S: error: the file is empty"]
    assert errors_of(binary) == ["S: error: this is a binary file, not a YAML script"]
    assert errors_of(latin) == ["S:1:11: error: the file is not valid UTF-8 text"]


def test_fill_and_background(write_script):
    path = write_script(
        """
        title: T
        length: 2m
        background:
          fade_in: 8s
          duck: 6dB
          layers:
            - binaural: {carrier: 200, beat: 10 -> 6}
              volume: -26dB
            - noise: pink
        sections:
          - title: One
            background: {crossfade: 4s, layers: []}
            steps: [{pause: fill}]
        """
    )
    session = load_script(path)
    assert session.length == 120
    binaural, noise = session.background.layers
    assert binaural.source.beat.start == 10 and binaural.source.beat.end == 6 and binaural.volume == -26
    assert noise.volume == -30
    assert session.sections[0].background.layers == ()
    assert session.sections[0].steps[0].fill


def test_breathe_patterns(write_script):
    path = write_script(
        """
        title: T
        sections:
          - title: One
            steps:
              - breathe: {pattern: 4-7-8, cycles: 3, cues: tone}
              - breathe: {pattern: [box, {pattern: relax, cycles: 1}], cycles: 2}
              - breathe: {pattern: 4-4 -> 4-8, cycles: 3}
              - breathe: {pattern: coherent, duration: 1m}
        """
    )
    a, b, c, d = load_script(path).sections[0].steps
    assert [float(p.seconds) for p in a.cycles[0]] == [4, 7, 8] and len(a.cycles) == 3
    assert len(b.cycles) == 3 and [float(p.seconds) for p in b.cycles[2]] == [4, 6]
    assert [float(c.cycles[i][1].seconds) for i in range(3)] == [4, 6, 8]
    assert len(d.cycles) == 5


def test_after_an_include_errors_point_into_the_including_file_again(write_script):
    """The include's reader and folder are the top of the loader's places only while it is read."""
    write_script("steps:\n  - pause: nope\n", name="parts/common.yaml")
    path = write_script(
        "title: T\nsections:\n  - title: One\n    steps:\n      - include: parts/common.yaml\n"
        "      - pause: never\n      - play: missing.wav\n"
    )
    included, pause, play = errors_of(path)
    assert included.startswith(str(path.parent / "parts" / "common.yaml") + ":2:12: error: pause must be")
    assert pause.startswith("S:6:16: error: pause must be") and "'never'" in pause
    assert play.startswith("S:7:15: error: play file 'missing.wav' not found")
    assert play.endswith(f"(looked in {path.parent})")  # the script's folder again, not parts/


def test_the_readers_of_included_files_share_one_node_budget(tmp_path):
    from generator.script.yamlnodes import NodeReader, compose

    errors: list = []
    outer = NodeReader(tmp_path / "a.yaml", "a.yaml", errors)
    inner = outer.reading(tmp_path / "b.yaml", "b.yaml")
    (tmp_path / "b.yaml").write_text("[1, 2, 3]\n", encoding="utf-8")
    node = compose(tmp_path / "b.yaml", "b.yaml", errors)
    assert inner.visit(node) and outer.visit(node)
    assert outer.visits == inner.visits == 2 and inner.errors is outer.errors
    assert inner.pos(node).path == "b.yaml" and outer.pos(node).path == "a.yaml"

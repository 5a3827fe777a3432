"""The `recorded` voice in a script: its keys, their errors, and how sections inherit it."""

from __future__ import annotations

import pytest

from generator.core.errors import ScriptErrors
from generator.load.loader import load_script

BODY = """
sections:
  - title: One
    steps:
      - say: Hello there.
"""


def errors(path) -> list[str]:
    with pytest.raises(ScriptErrors) as caught:
        load_script(path)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    "voice, message",
    [
        ("{engine: recorded}", "a recorded voice needs its folder of recordings"),
        ("{engine: piper, takes: takes}", "takes belongs to a recorded voice"),
        ("{engine: recorded, takes: takes, fallback: pipr}", "unknown fallback 'pipr' (did you mean 'piper'?)"),
        ("{engine: recorded, takes: script.yaml}", "takes must be a folder"),
        ("{engine: recorded, takes: takes, fallback: gtts, name: en_US-joe-medium}", "a gtts voice name is an accent"),
    ],
)
def test_recorded_voice_errors(write_script, voice, message):
    path = write_script(f"title: T\nvoice: {voice}\n" + BODY)
    found = errors(path)
    assert any(message in line and "script.yaml:2:" in line for line in found), found


def test_fallback_voice_carries_name_speed_and_pauses(write_script, tmp_path):
    path = write_script(
        "title: T\nvoice: {engine: recorded, takes: takes, fallback: gtts, name: co.uk, speed: 1.2, sentence_pause: 1s}\n" + BODY
    )
    session = load_script(path)  # no take at all: every line falls back
    voice = session.sections[0].steps[0].parts[0].voice
    assert (voice.engine, voice.name, voice.speed, voice.takes, voice.fallback) == ("gtts", "co.uk", 1.2, None, None)
    raw = load_script(path, takes=False).sections[0].steps[0].parts[0].voice
    assert (raw.engine, raw.takes, raw.fallback) == ("recorded", tmp_path / "takes", "gtts")


def test_a_section_may_switch_back_to_a_synthetic_voice(write_script, tmp_path):
    path = write_script(
        "title: T\nvoice: {engine: recorded, takes: takes, fallback: piper}\nsections:\n"
        "  - title: One\n    voice: {engine: piper}\n    steps:\n      - say: Hello.\n"
        "  - title: Two\n    voice: {speed: 1.1}\n    steps:\n      - say: {text: Bye., voice: {engine: recorded, takes: other}}\n"
    )
    session = load_script(path, takes=False)
    one = session.sections[0].steps[0].parts[0].voice
    two = session.sections[1].steps[0].parts[0].voice
    assert (one.engine, one.takes, one.fallback) == ("piper", None, None)
    assert (two.engine, two.takes, two.fallback, two.speed) == ("recorded", tmp_path / "other", "piper", 1.1)


def test_engine_override_replaces_the_recorded_voice(write_script):
    path = write_script("title: T\nvoice: {engine: recorded, takes: takes}\n" + BODY)
    voice = load_script(path, engine="piper").sections[0].steps[0].parts[0].voice
    assert (voice.engine, voice.takes) == ("piper", None)

"""The script's language: the words the product adds, and the checks that the voice speaks it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.core.languages import CUE_KINDS, CUE_WORDS, base_language, cue_words, three_letter_code, two_letter_code

REQUIRED = ("de", "es", "fr", "it", "pt", "nl", "pl", "ru", "zh", "ja")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def plan_json(output: str) -> dict:
    """The JSON printed by `plan --json`, after any warnings (stderr is mixed in here)."""
    lines = output.splitlines()
    return json.loads("\n".join(lines[lines.index("{") :]))


def breathing_script(language: str, words: str = "") -> str:
    return f"""
title: Breath
language: {language}
sections:
  - title: One
    steps:
      - breathe: {{pattern: 4-2-6-2, cycles: 1, cues: both{words}}}
"""


def test_every_required_language_has_all_four_cue_words_of_its_own():
    english = set(CUE_WORDS["en"].values())
    for language in REQUIRED:
        words = cue_words(language)
        assert words is not None and set(words) == set(CUE_KINDS), language
        assert all(w.strip() for w in words.values()) and not english & set(words.values()), language
    assert cue_words("de-AT") == cue_words("de") and cue_words("pt_BR") == cue_words("pt")
    assert cue_words("sw") is None


def test_one_table_for_language_codes():
    assert base_language("en-GB") == base_language("en_US") == base_language("eng") == "en"
    assert base_language("nb") == base_language("no") and base_language("iw") == "he"
    assert three_letter_code("de-AT") == "deu" and three_letter_code("??") == "und"
    assert two_letter_code(three_letter_code("fr")) == "fr" and two_letter_code("ger") == "de"


@pytest.mark.parametrize(
    "language, words",
    [
        ("de", ["Einatmen", "Halten", "Ausatmen", "Ruhen"]),
        ("es", ["Inhala", "Mantén", "Exhala", "Descansa"]),
        ("fr", ["Inspirez", "Retenez", "Expirez", "Pause"]),
    ],
)
def test_cue_words_follow_the_script_language_in_plan_and_captions(language, words, write_script, fake_tts, tmp_path):
    script = write_script(breathing_script(language))
    planned = run("plan", str(script), "--json")
    assert planned.exit_code == 0, planned.output
    phases = plan_json(planned.output)["sections"][0]["steps"]
    assert [p["text"] for p in phases] == words
    out = tmp_path / "breath.wav"
    rendered = run("render", str(script), "-o", str(out))
    assert rendered.exit_code == 0, rendered.output
    captions = out.with_suffix(".vtt").read_text(encoding="utf-8")
    blocks = captions.strip().split("\n\n")[1:]  # after the WEBVTT header: number, times, text
    cue_texts = [block.splitlines()[-1] for block in blocks]
    assert all("-->" in block for block in blocks)
    assert cue_texts == words
    assert "Breathe in" not in captions


def test_words_still_override_the_built_in_ones(write_script, fake_tts):
    script = write_script(breathing_script("de", ", words: {inhale: Tief einatmen}"))
    planned = run("plan", str(script), "--json", "--estimate")
    assert planned.exit_code == 0, planned.output
    phases = plan_json(planned.output)["sections"][0]["steps"]
    assert [p["text"] for p in phases] == ["Tief einatmen", "Halten", "Ausatmen", "Ruhen"]


def test_a_language_without_cue_words_warns_once(write_script):
    script = write_script(breathing_script("sw") + "      - breathe: {pattern: relax, cycles: 1}\n")
    result = run("check", str(script))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if ": warning: " in line and "cue words" in line]
    assert warnings == [
        f"{script}:6:9: warning: there are no built-in breathing cue words in Swahili (sw), so the pacer says "
        "them in English; give your own with words: {inhale: ..., hold: ..., exhale: ..., rest: ...}"
    ]


def test_a_piper_voice_of_another_language_is_a_warning_naming_both(write_script):
    script = write_script(breathing_script("de"))
    result = run("check", str(script))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{script}:2:11: warning: the voice en_US-joe-medium speaks English (en_US) but the script's language "
        "is German (de); install one with 'meditate voices --get de_DE-thorsten-medium', then use "
        "voice: {engine: piper, name: de_DE-thorsten-medium}"
    )
    assert lines[1] == f"{script}: ok (1 section, 1 step)"


def test_a_regional_variant_is_the_same_language(write_script):
    for language in ("en", "en-GB", "en_AU"):
        result = run("check", str(write_script(breathing_script(language))))
        assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_unknown_gtts_language_is_an_error_at_check(write_script):
    script = write_script(
        "title: T\nlanguage: xx\nvoice: {engine: gtts}\nsections:\n  - title: A\n    steps:\n      - say: Hello.\n"
    )
    result = run("check", str(script))
    assert result.exit_code == 2
    assert result.output.startswith(f"{script}:2:11: error: the gtts engine cannot speak 'xx'; it speaks af, am, ")
    piper_script = write_script(breathing_script("qq").replace("breathe", "say: Hello.\n      - breathe"), "p.yaml")
    overridden = run("check", str(piper_script), "--engine", "gtts")
    assert overridden.exit_code == 2 and "p.yaml:2:11: error: the gtts engine cannot speak 'qq'" in overridden.output


@pytest.mark.parametrize("language", ["pt-BR", "pt-PT", "zh-TW", "he", "nb", "de"])
def test_gtts_languages_it_knows_pass_check(language, write_script):
    script = write_script(
        f"title: T\nlanguage: {language}\nvoice: {{engine: gtts}}\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n"
    )
    result = run("check", str(script))
    assert result.exit_code == 0, result.output


def test_engine_piper_overrides_a_gtts_accent(write_script):
    """The advice 'use --engine piper' works on a script written for gtts with an accent."""
    script = write_script("title: T\nvoice: {engine: gtts, name: co.uk}\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n")
    result = run("check", str(script), "--engine", "piper")
    assert result.exit_code == 0, result.output


@pytest.fixture
def no_translate(monkeypatch, closed_port):
    """gTTS pointed at a closed port on 127.0.0.1: the online engine cannot be reached."""
    import gtts.tts

    from generator.voice import gtts_engine

    port = closed_port
    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    monkeypatch.setattr(gtts_engine, "BACKOFF_SECONDS", 0.0)


def test_online_failure_suggests_an_offline_voice_of_the_script_language(no_translate, tmp_path, monkeypatch):
    from generator.core.errors import EngineError
    from generator.core.model import Voice
    from generator.voice.gtts_engine import GttsEngine

    monkeypatch.setenv("MEDITATE_DATA_DIR", str(tmp_path / "data"))
    engine = GttsEngine()
    with pytest.raises(EngineError) as german:
        engine.synthesize("Hallo.", Voice(engine="gtts", name="com", language="de"))
    assert str(german.value).endswith(
        "to render offline, install one with 'meditate voices --get de_DE-thorsten-medium', "
        "then use voice: {engine: piper, name: de_DE-thorsten-medium}"
    )
    with pytest.raises(EngineError) as english:
        engine.synthesize("Hello.", Voice(engine="gtts", name="com", language="en-GB"))
    assert str(english.value).endswith("; use --engine piper to render offline")
    with pytest.raises(EngineError) as swahili:
        engine.synthesize("Jambo.", Voice(engine="gtts", name="com", language="sw"))
    assert "meditate voices --available --language sw" in str(swahili.value)


def test_online_failure_names_an_installed_voice_of_the_script_language(no_translate, tmp_path, monkeypatch):
    import shutil

    from generator.core.errors import EngineError
    from generator.core.model import Voice
    from generator.voice.gtts_engine import GttsEngine
    from generator.voice.voice_store import builtin_voice_path

    folder = tmp_path / "data" / "voices" / "de_DE-local-medium"
    folder.mkdir(parents=True)
    (folder / "de_DE-local-medium.onnx").symlink_to(builtin_voice_path())
    config = json.loads(builtin_voice_path().with_suffix(".onnx.json").read_text())
    config["language"] = {"code": "de_DE", "family": "de"}
    (folder / "de_DE-local-medium.onnx.json").write_text(json.dumps(config))
    monkeypatch.setenv("MEDITATE_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(EngineError) as german:
        GttsEngine().synthesize("Hallo.", Voice(engine="gtts", name="com", language="de"))
    assert str(german.value).endswith("; use --engine piper and voice: {name: de_DE-local-medium} to render offline")
    shutil.rmtree(folder)


def test_chinese_and_japanese_sentences_are_split_at_their_own_full_stops():
    from fractions import Fraction

    from generator.core.model import Gap, Utterance, Voice
    from generator.script.narration import split_narration

    voice = Voice(language="zh")
    parts, problems = split_narration("你好。请闭上眼睛！「慢慢地」。Rest here. Now", voice)
    assert not problems
    assert [p.text for p in parts if isinstance(p, Utterance)] == ["你好。", "请闭上眼睛！", "「慢慢地」。", "Rest here.", "Now"]
    assert [p.seconds for p in parts if isinstance(p, Gap)] == [Fraction(8, 10)] * 4


def test_batch_shows_the_language_warning_once_not_per_row(write_script, tmp_path, fake_tts):
    script = write_script("title: T\nlanguage: de\nsections:\n  - title: A\n    steps:\n      - say: Hallo {name}.\n")
    roster = tmp_path / "clients.csv"
    roster.write_text("name\nAna\nBen\n", encoding="utf-8")
    import subprocess
    import sys

    # A real process: the rows render in worker processes that write to the real stderr.
    result = subprocess.run(
        [sys.executable, "-m", "generator", "batch", str(script), "--roster", str(roster), "-o", str(tmp_path / "out"), "-j", "2"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"{script}:2:11: warning: the voice en_US-joe-medium speaks English")

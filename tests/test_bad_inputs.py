"""The bad-input corpus: every malformed script is refused cleanly, by `check` and `render`.

Each file in tests/bad_inputs/ is one mistake a practitioner (or a hostile shared script)
could make. For each, `meditate check` and `meditate render` into an empty folder must
exit 2, print only `file[:line:col]: error: ...` lines (or `error: ...` where no file
applies), include the expected message at the expected place, show no traceback, finish
and write nothing. How much work a refusal may take is bounded by steps and memory
(tests/test_hostile.py measures a child process's peak memory), never by a clock. A few cases are built here instead of committed
(binary, invalid UTF-8, oversized, a folder, a missing file).

Cases marked "plan" are only detectable with real speech lengths: `check` accepts them
and `render` must refuse them, still before writing anything.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.script.yamlnodes import MAX_SCRIPT_BYTES

CORPUS = Path(__file__).parent / "bad_inputs"
LINE = re.compile(r"^(?:(?P<file>[^\s:][^:]*?)(?P<pos>:\d+:\d+)?: )?error: .+$")


class Case(NamedTuple):
    where: str
    """`L:C` in the case's own file, `path:L:C` in another file, or `` for the file alone."""
    fragment: str
    stage: str = "load"
    env: tuple[tuple[str, str], ...] = ()


CASES: dict[str, Case] = {
    # YAML itself
    "yaml_syntax_unclosed_bracket.yaml": Case("3:12", "this '[' is never closed: end it with ']', or quote the value"),
    "yaml_syntax_unclosed_quote.yaml": Case("1:8", "this quote is never closed"),
    "yaml_syntax_bad_indentation.yaml": Case("6:6", "wrong indentation: '- pause: 2s' is indented 5 spaces; indent it 6 spaces, like '- say: Hi.' on line 5"),
    "yaml_syntax_tab_indentation.yaml": Case("3:1", "a tab in the indentation: indent with spaces"),
    "yaml_colon_in_text.yaml": Case("5:22", "a colon inside the text of 'say' (YAML reads it as a new key): quote the text, as in 'say: \"Remember: your body knows\"', or write 'say: |' and the text on the next lines"),
    "yaml_missing_colon.yaml": Case("4:10", "'steps' needs a colon after it: write 'steps:'"),
    "yaml_value_begins_with_brace.yaml": Case("1:8", "a value beginning with '{' is read as a mapping, not text: quote it: 'title: \"{name}'s Evening\"'"),
    "artist_braced_variable.yaml": Case("2:9", "artist must be a single value, got a mapping: a value beginning with '{' is read as a mapping; quote it: 'artist: \"{practitioner}\"'"),
    "yaml_two_documents.yaml": Case("3:1", "expected a single document"),
    "empty.yaml": Case("", "the file is empty"),
    "only_comments.yaml": Case("", "the file is empty"),
    "deep_nesting.yaml": Case("", "nest too deeply"),
    "key_is_a_list.yaml": Case("2:3", "keys in the script must be plain words"),
    "duplicate_keys.yaml": Case("2:1", "duplicate key 'title' in the script (first given at line 1)"),
    "yaml_merge_key.yaml": Case("4:5", "YAML merge keys ('<<') are not supported"),
    "alias_bomb.yaml": Case("7:196", "too large or nests aliases too deeply (over 200000 nodes)"),
    "alias_bomb_in_steps.yaml": Case("14:34", "expands to more than 200000 steps"),
    # tags that would construct objects
    "python_tag_object_apply.yaml": Case("1:8", "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    "python_tag_name.yaml": Case("3:12", "unsupported YAML tag 'tag:yaml.org,2002:python/name:os.system'"),
    "python_tag_module.yaml": Case("2:16", "unsupported YAML tag 'tag:yaml.org,2002:python/module:subprocess'"),
    "custom_tag.yaml": Case("5:9", "unsupported YAML tag '!include'"),
    "yaml_binary_tag.yaml": Case("1:8", "unsupported YAML tag 'tag:yaml.org,2002:binary'"),
    "yaml_set_tag.yaml": Case("2:12", "unsupported YAML tag 'tag:yaml.org,2002:set'"),
    # the script's shape
    "top_level_list.yaml": Case("1:1", "the script must be a mapping of keys to values, got a list"),
    "top_level_text.yaml": Case("1:1", "the script must be a mapping of keys to values, got 'Welcome"),
    "missing_title.yaml": Case("1:1", "the script needs 'title'"),
    "missing_sections.yaml": Case("1:1", "the script needs 'sections'"),
    "unknown_top_level_key.yaml": Case("1:1", "unknown key 'titel' in the script (did you mean 'title'?); valid keys: title, artist, album"),
    "title_is_list.yaml": Case("1:8", "title must be a single value, got a list"),
    "title_is_null.yaml": Case("1:7", "title must be text, got nothing"),
    "title_too_long.yaml": Case("1:8", "title is 380 characters long; at most 300"),
    "description_too_long.yaml": Case("2:14", "description is 5000 characters long; at most 4000"),
    "sections_empty_list.yaml": Case("2:11", "sections must list at least one section"),
    "sections_is_text.yaml": Case("2:11", "sections must be a list, got 'relax'"),
    "section_is_text.yaml": Case("3:5", "a section must be a mapping of keys to values"),
    "section_missing_steps.yaml": Case("3:5", "a section needs 'steps'"),
    "section_without_steps.yaml": Case("4:12", "section 'A' has no steps"),
    "section_steps_is_mapping.yaml": Case("4:12", "steps must be a list, got a mapping"),
    "duplicate_section_titles.yaml": Case("5:12", "two sections are titled 'A' (first at line 3)"),
    "variables_is_list.yaml": Case("2:12", "variables must be a mapping of keys to values, got a list"),
    "variable_bad_name.yaml": Case("2:24", "'my name' is not a valid variable name"),
    "loudness_absurd.yaml": Case("2:11", "loudness (LUFS) must be between -40 and -5, got 10"),
    "language_bad.yaml": Case("2:11", "language must be a code like 'en'"),
    "numbers_hundreds_of_digits.yaml": Case("6:890", "cycles must be between 1 and 10000, got 999999999999999999999999999999999999999…"),
    "many_errors_at_once.yaml": Case("7:16", "pause must be a duration like '10s' or '1m30s', got 'ten'"),
    # steps
    "unknown_step.yaml": Case("5:9", "unknown step 'sya' (did you mean 'say'?)"),
    "step_with_two_kinds.yaml": Case("5:9", "a step has exactly one kind"),
    "step_is_a_word.yaml": Case("5:9", "step 'breathe' needs a value after a colon"),
    "step_is_null.yaml": Case("5:9", "an empty step"),
    "step_extra_key.yaml": Case("6:9", "unknown key 'volume' beside 'say': put a step's options under it (say takes text, voice)"),
    "say_empty.yaml": Case("5:14", "say must not be empty"),
    "say_only_pauses.yaml": Case("5:14", "say has nothing to speak"),
    "say_unknown_variable.yaml": Case("6:23", "unknown variable 'nmae' (did you mean 'name'?)"),
    "say_lone_brace.yaml": Case("5:23", "a lone '{'"),
    "say_bad_inline_pause.yaml": Case("5:27", "an inline pause must be a duration like '10s' or '1m30s', got 'ten'"),
    "say_pause_without_length.yaml": Case("5:26", "'[pause]' is not a pause and would be spoken aloud: give it a length, as in '[pause 2s]'"),
    "say_pause_with_colon.yaml": Case("5:27", "'[pause: 2s]' is not a pause and would be spoken aloud: write '[pause 2s]'"),
    "say_break_without_time.yaml": Case("5:26", "'<break>' is not a pause and would be spoken aloud: give it a length"),
    "say_too_long.yaml": Case("5:14", "this text is 22000 characters long; one say may hold at most 20000"),
    "say_too_long_after_variables.yaml": Case("7:14", "with its variables filled in this text is 26401 characters long"),
    "say_voice_unknown_key.yaml": Case("5:37", "unknown key 'speeed' in voice (did you mean 'speed'?)"),
    # durations
    "pause_words.yaml": Case("5:16", "pause must be a duration like '10s' or '1m30s', got 'ten'"),
    "pause_words_with_unit.yaml": Case("5:16", "pause must be a duration like '10s' or '1m30s', got 'twelve minutes': write it as 12m"),
    "pause_negative.yaml": Case("5:16", "never negative, got '-5s'"),
    "pause_negative_number.yaml": Case("5:16", "never negative, got '-5'"),
    "pause_units_out_of_order.yaml": Case("5:16", "got '30s2m'"),
    "pause_infinite.yaml": Case("5:16", "got '.inf'"),
    "pause_absurd.yaml": Case("5:16", "pause must be at most 12h"),
    "pause_is_list.yaml": Case("5:16", "pause must be a single value, got a list"),
    "pause_fill_without_length.yaml": Case("6:16", "pause: fill needs the script's length"),
    "length_negative.yaml": Case("2:9", "length must be a duration like '10s' or '1m30s', never negative"),
    "length_zero.yaml": Case("2:9", "length must be more than 0s and at most 12h"),
    "length_over_limit.yaml": Case("2:9", "length must be more than 0s and at most 12h"),
    "length_too_short.yaml": Case("2:9", "length 0:05.0 is shorter than the fixed content (0:08.0) by 0:03.0", "plan"),
    "length_too_short_for_speech.yaml": Case("2:9", "length 0:02.0 is shorter than the fixed content", "plan"),
    "empty_track.yaml": Case("", "the track would last 0s: every step is empty", "plan"),
    # the length limit, on every path
    "total_over_12h_repeat.yaml": Case("1:1", "the script lasts at least 13:00:00.0"),
    "total_over_12h_sections.yaml": Case("1:1", "the script lasts at least 15:00:00.0"),
    "total_over_12h_breathing.yaml": Case("1:1", "a track may last at most 12h"),
    "total_over_12h_bell_strikes.yaml": Case("1:1", "the script lasts at least 16:30:00.0"),
    "total_over_12h_speech.yaml": Case("1:1", "of speech); a track may last at most 12h"),
    "total_over_12h_include.yaml": Case("1:1", "the script lasts at least 14:00:00.0"),
    "planned_total_over_limit.yaml": Case(
        "", "the planned track lasts 0:15.0; a track may last at most 0:12.0", "plan", (("MEDITATE_MAX_LENGTH", "12s"),)
    ),
    # voices and engines
    "voice_speed_words.yaml": Case("2:16", "voice speed must be a number, got 'fast'"),
    "voice_speed_absurd.yaml": Case("2:16", "voice speed must be between 0.5 and 2, got 50"),
    "voice_sentence_pause_negative.yaml": Case("2:25", "sentence pause must be a duration"),
    "voice_is_list.yaml": Case("2:8", "voice must be a mapping of keys to values, got a list"),
    "unknown_engine.yaml": Case("2:17", "unknown engine 'pipr' (did you mean 'piper'?)"),
    "unknown_piper_voice.yaml": Case("2:15", "unknown piper voice 'en_US-joe-medum' (did you mean 'en_US-joe-medium'?)"),
    "missing_piper_voice_file.yaml": Case("2:15", "piper voice file 'voices/missing.onnx' not found"),
    "gtts_bad_accent.yaml": Case("2:29", "a gtts voice name is an accent's domain"),
    # breathing
    "breathe_unknown_preset.yaml": Case("5:28", "unknown breathing preset 'boxx' (did you mean 'box'?)"),
    "breathe_bad_pattern.yaml": Case("5:28", "got '4-x-8'"),
    "breathe_phase_absurd.yaml": Case("5:28", "has a phase longer than 120s"),
    "breathe_no_cycles.yaml": Case("5:18", "breathe needs cycles or duration"),
    "breathe_cycles_and_duration.yaml": Case("5:44", "breathe takes cycles or duration, not both"),
    "breathe_cycles_zero.yaml": Case("5:41", "cycles must be between 1 and 10000, got 0"),
    "breathe_cycles_fraction.yaml": Case("5:41", "cycles must be a whole number, got '2.5'"),
    "breathe_unknown_cues.yaml": Case("5:50", "unknown cues 'loud'"),
    "breathe_glide_written_with_to.yaml": Case("5:28", "or a glide like '4-4 -> 4-8', got '4-4 to 4-8': write it as '4-4 -> 4-8'"),
    "breathe_words_unknown_key.yaml": Case("5:52", "unknown key 'in' in words; valid keys: inhale, hold, exhale, rest"),
    "breathe_fill_glide.yaml": Case("6:28", "duration: fill takes one pattern (not a list or a glide)"),
    "breathe_fill_without_length.yaml": Case("5:43", "duration: fill needs the script's length"),
    "breathe_fill_too_short.yaml": Case("6:9", "duration: fill gets 0:05.0 here, less than one breathing cycle", "plan"),
    # bells
    "bell_unknown.yaml": Case("5:15", "unknown bell 'bwol' (did you mean 'bowl'?)"),
    "bell_strikes_absurd.yaml": Case("5:38", "strikes must be between 1 and 100, got 1000"),
    "bell_every_negative.yaml": Case("5:48", "never negative, got '-5s'"),
    "bell_volume_words.yaml": Case("5:37", "volume must be a volume like '-26dB', got 'loud'"),
    "bell_volume_absurd.yaml": Case("5:37", "volume must be between -120dB and 12dB, got 300dB"),
    "bell_missing_file.yaml": Case("5:15", "bell file 'sounds/missing.wav' not found"),
    "bell_not_audio.yaml": Case("5:15", "bell file 'not_audio.wav' is not an audio file"),
    # files
    "play_missing_file.yaml": Case("5:15", "play file 'sounds/stream.ogg' not found"),
    "play_not_audio.yaml": Case("5:22", "play file 'not_audio.wav' is not an audio file"),
    "play_empty_audio.yaml": Case("5:15", "play file 'empty.wav' holds no sound"),
    "play_folder.yaml": Case("5:15", "play file 'files' not found"),
    "play_fade_negative.yaml": Case("5:48", "fade in must be a duration like '10s' or '1m30s', never negative"),
    "cover_missing.yaml": Case("2:8", "cover file 'art/cover.png' not found"),
    "cover_not_an_image.yaml": Case("2:8", "cover 'fake_cover.png' is not a PNG or JPEG image"),
    "cover_wrong_kind.yaml": Case("2:8", "cover must be one of .png, .jpg, .jpeg"),
    "cover_too_large.yaml": Case("2:8", "cover 'huge_cover.png' is larger than 16 MB"),
    # background
    "layer_missing_file.yaml": Case("4:13", "layer file 'sounds/rain.ogg' not found"),
    "layer_not_audio.yaml": Case("4:13", "layer file 'not_audio.wav' is not an audio file"),
    "layer_unknown_noise.yaml": Case("4:14", "unknown noise 'purple'"),
    "layer_two_sources.yaml": Case("4:7", "a layer needs exactly one of tone, binaural"),
    "layer_tone_inaudible.yaml": Case("4:13", "tone must be between 20 and 20000 Hz, got 5"),
    "layer_volume_absurd.yaml": Case("5:15", "volume must be between -120dB and 12dB, got -500dB"),
    "layer_binaural_beat_too_fast.yaml": Case("4:38", "binaural beat must be at most 40 Hz, got 100"),
    "layer_binaural_missing_beat.yaml": Case("4:17", "binaural needs 'beat'"),
    "background_duck_words.yaml": Case("3:9", "duck must be a volume like '-26dB', got 'a lot'"),
    "background_unknown_key.yaml": Case("3:3", "unknown key 'fadein' in background (did you mean 'fade_in'?); valid keys: fade_in, fade_out, duck"),
    "background_fade_absurd.yaml": Case("3:12", "fade in must be at most 1h"),
    # includes and repeats
    "include_missing.yaml": Case("5:18", "included file 'parts/middle.yaml' not found"),
    "include_misspelt.yaml": Case("5:18", "included file 'file/has_unknown_step.yaml' not found (did you mean 'files/has_unknown_step.yaml'?)"),
    "include_self.yaml": Case("5:18", "include cycle: include_self.yaml -> include_self.yaml"),
    "include_cycle.yaml": Case("files/cycle_b.yaml:3:14", "include cycle: include_cycle.yaml -> files/cycle_a.yaml -> files/cycle_b.yaml"),
    "include_with_an_error.yaml": Case("files/has_unknown_step.yaml:3:5", "unknown step 'breath' (did you mean 'breathe'?)"),
    "symlink_loops.yaml": Case("5:23", "included file 'files/loop.yaml' not found"),
    "include_not_a_script.yaml": Case("files/not_audio.wav:1:1", "an included file must be a mapping of keys to values"),
    "repeat_times_zero.yaml": Case("5:25", "times must be between 1 and 1000, got 0"),
    "repeat_times_absurd.yaml": Case("5:25", "times must be between 1 and 1000, got 1000000"),
    "repeat_without_steps.yaml": Case("5:17", "repeat needs 'steps'"),
    "repeat_bomb.yaml": Case("9:24", "the script expands to more than 200000 steps"),
    "repeat_nested_too_deep.yaml": Case("5:850", "repeats nest deeper than 30 levels"),
    "include_alias_bomb.yaml": Case("5:23", "the script reaches more than 500 includes (repeats and aliases counted)"),
    # text that would leave the program: control characters, surrogates, tags, huge numbers
    "say_control_character.yaml": Case("5:14", "say holds the invisible character U+001B (escape) at character 12"),
    "title_lone_surrogate.yaml": Case("1:8", "title holds the invisible character U+D800"),
    "title_vertical_tab.yaml": Case("1:8", "title holds the invisible character U+000B (vertical tab)"),
    "bool_tag_on_text.yaml": Case("1:8", "title: 'Evening' is not a valid !!bool value"),
    "pause_5000_digits.yaml": Case("5:16", "pause is 5000 characters long: not a value this tool can use"),
    # resources bounded before any synthesis
    "sections_256.yaml": Case("3:3", "a script may have at most 255 sections"),
    "layers_too_many.yaml": Case("4:5", "a background may have at most 8 layers, this one has 9"),
    "say_word_too_long.yaml": Case("5:18", "a word of 300 characters without a space; the voice takes at most 150"),
    "breathe_word_too_long.yaml": Case("5:60", "the exhale word is 279 characters long; at most 150"),
    "play_one_hertz.yaml": Case("5:15", "play file 'one_hertz.wav' claims a sample rate of 1 Hz"),
}

GENERATED: dict[str, tuple[bytes | None, Case]] = {
    "binary.yaml": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, Case("", "this is a binary file, not a YAML script")),
    "invalid_utf8.yaml": ("title: Café\n".encode("latin-1") + b"sections: []\n", Case("1:11", "the file is not valid UTF-8 text")),
    "utf16.yaml": ("title: T\nsections: []\n".encode("utf-16"), Case("", "this is a binary file")),
    "too_large.yaml": (b"title: T\n" + b"# padding padding padding padding\n" * (MAX_SCRIPT_BYTES // 34 + 10), Case("", "the file is too large for a script")),
    "folder.yaml": (None, Case("", "is a folder, not a script file")),
    "does_not_exist.yaml": (b"", Case("", "no such file")),
}

ALL = sorted(CASES) + sorted(GENERATED)


def test_the_corpus_is_complete():
    """Every committed case has an expectation, and the corpus is as large as promised."""
    committed = {p.name for p in CORPUS.glob("*.yaml")}
    assert committed == set(CASES), committed.symmetric_difference(CASES)
    assert len(ALL) >= 40


@pytest.fixture
def corpus(tmp_path, monkeypatch, fake_tts):
    """A private copy of the corpus as the working folder, plus an empty output folder."""
    root = tmp_path / "in"
    shutil.copytree(CORPUS, root)
    for name, (data, _) in GENERATED.items():
        if name == "folder.yaml":
            (root / name).mkdir()
        elif name != "does_not_exist.yaml":
            (root / name).write_bytes(data or b"")
    for loop in ("loop.yaml", "loop.wav", "loop.png"):  # symbolic links to themselves
        (root / "files" / loop).symlink_to(loop)
    with open(root / "files" / "huge_cover.png", "wb") as huge:  # a PNG header, then 17 MB of nothing
        huge.write(b"\x89PNG\r\n\x1a\n")
        huge.truncate(17_000_000)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(root)
    return root, out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_clean_refusal(name: str, case: Case, result) -> None:
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.output}{result.stderr}"
    assert "Traceback" not in result.stderr + result.output
    assert lines, "no error printed"
    for line in lines:
        match = LINE.match(line)
        assert match, f"not a clean error line: {line!r}"
        if match.group("file"):
            assert match.group("file") == name or Path(match.group("file")).is_file(), line
    if not case.where:
        prefix = f"{name}: error: "
    elif ".yaml" in case.where or "/" in case.where:
        prefix = f"{case.where}: error: "
    else:
        prefix = f"{name}:{case.where}: error: "
    assert any(line.startswith(prefix) and case.fragment in line for line in lines), (
        f"expected a line starting {prefix!r} with {case.fragment!r}, got:\n" + "\n".join(lines)
    )


def invoke(*args: str, env: tuple[tuple[str, str], ...] = ()):
    return CliRunner(mix_stderr=False).invoke(cli, list(args), env=dict(env))


@pytest.mark.parametrize("name", ALL)
def test_bad_input_is_refused_cleanly(name, corpus):
    root, out = corpus
    case = CASES[name] if name in CASES else GENERATED[name][1]
    before = snapshot(root)

    checked = invoke("check", name, env=case.env)
    if case.stage == "plan":
        assert checked.exit_code == 0, checked.stderr  # only real speech lengths show it
    else:
        assert_clean_refusal(name, case, checked)

    rendered = invoke("render", name, "-o", str(out / "track.mp3"), env=case.env)
    assert_clean_refusal(name, case, rendered)
    assert list(out.iterdir()) == [], "render left something in the output folder"
    assert snapshot(root) == before, "render wrote beside the script"


@pytest.mark.parametrize(
    "name", ["python_tag_object_apply.yaml", "alias_bomb.yaml", "deep_nesting.yaml", "length_too_short.yaml"]
)
def test_a_real_process_prints_no_traceback(name, tmp_path):
    """The installed command, in its own process: nothing reaches stderr but the error lines."""
    import os
    import subprocess
    import sys

    shutil.copytree(CORPUS, tmp_path / "in")
    env = {**os.environ, "MEDITATE_FAKE_TTS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "render", name, "-o", str(tmp_path / "x.mp3")],
        cwd=tmp_path / "in", env=env, capture_output=True, text=True, timeout=600,  # a hang guard only
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert all(LINE.match(line) for line in done.stderr.splitlines()), done.stderr
    assert not (tmp_path / "x.mp3").exists() and not list(tmp_path.glob(".x.mp3*"))


def test_a_bad_length_limit_setting_is_refused(corpus):
    result = invoke("check", "unknown_step.yaml", env=(("MEDITATE_MAX_LENGTH", "forever"),))
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: MEDITATE_MAX_LENGTH must be a duration like '12h' or '90m' (at most 1000h), got 'forever'"


def test_a_raised_length_limit_lets_a_long_script_through(corpus):
    result = invoke("check", "total_over_12h_repeat.yaml", env=(("MEDITATE_MAX_LENGTH", "14h"),))
    assert result.exit_code == 0, result.stderr

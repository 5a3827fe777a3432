"""Writing a session without getting stuck: the mistakes people make, each refused at its
place with the fix (exit 2), the spellings people write accepted with the right lengths,
and no silent wrong track (`--set`, roster columns, pause look-alikes)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli

pytestmark = pytest.mark.usefixtures("fake_tts")


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def refused(path: Path, *args: str) -> list[str]:
    result = run("check", str(path), *args)
    assert result.exit_code == 2, result.output + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


# --- YAML mistakes in the product's words --------------------------------------------------


YAML_MISTAKES = {
    "colon in spoken text": (
        "title: T\nsections:\n  - title: A\n    steps:\n      - say: Remember: your body knows\n",
        "5:22", ["quote the text", "'say: |' and the text on the next lines"],
    ),
    "tab": ("title: T\nsections:\n  - title: A\n    steps:\n\t  - say: Hi.\n", "5:1", ["indent with spaces"]),
    "missing colon": ("title: T\nsections:\n  - title: A\n    steps\n      - say: Hi.\n", "4:10", ["'steps' needs a colon", "'steps:'"]),
    "missing colon at the top": ("title: T\nsections\n  - title: A\n", "2:9", ["'sections:'"]),
    "value beginning with a brace": (
        "title: {name}'s Evening\nvariables: {name: Ana}\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n"
        "      - pause: 2s\n      - say: Bye.\n",
        "1:8", ["quote it: 'title: \"{name}'s Evening\"'"],
    ),
    "a mapping where a value was expected": (
        "title: T\nartist: {practitioner}\nvariables: {practitioner: Lee}\nsections:\n  - title: A\n    steps: [{say: Hi.}]\n",
        "2:9", ["artist must be a single value, got a mapping", "quote it: 'artist: \"{practitioner}\"'"],
    ),
    "list item indented one space less": (
        "title: T\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n     - pause: 2s\n",
        "6:6", ["'- pause: 2s' is indented 5 spaces; indent it 6 spaces, like '- say: Hi.' on line 5"],
    ),
    "key indented one space more": (
        "title: T\nsections:\n  - title: A\n     steps:\n      - say: Hi.\n",
        "4:6", ["'steps:' is indented 5 spaces; indent it 4 spaces, like 'title' on line 3"],
    ),
    "step without its dash": (
        "title: T\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n      pause: 2s\n",
        "6:7", ["to start a new item, write '- pause:'", "indent it 8 like 'say'"],
    ),
}


@pytest.mark.parametrize("name", sorted(YAML_MISTAKES))
def test_a_yaml_mistake_is_explained_at_its_place_with_the_fix(name, tmp_path):
    text, where, fixes = YAML_MISTAKES[name]
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    lines = refused(path)
    line = next((l for l in lines if l.startswith(f"{path}:{where}: error: ")), None)
    assert line is not None, lines
    for fix in fixes:
        assert fix in line, line
    assert "invalid YAML" not in line and "<block end>" not in line


def test_every_line_level_yaml_mistake_is_reported_at_once(tmp_path):
    """The parser stops at the first; the colons and tabs after it are found too."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "title: T\nsections:\n  - title: A\n    steps:\n      - say: Remember: your body knows\n"
        "\t  - pause: 2s\n      - say: |\n          Note: inside a block this is fine.\n"
        "      - say: And here: too\n",
        encoding="utf-8",
    )
    lines = refused(path)
    assert [l.split(": error: ")[0] for l in lines] == [f"{path}:5:22", f"{path}:6:1", f"{path}:9:22"]
    assert "indent with spaces" in lines[1]
    assert "'say: \"And here: too\"'" in lines[2]


def test_a_valid_script_with_colons_and_braces_in_the_right_places_passes(tmp_path):
    path = write(tmp_path, """
        title: "{name}'s Evening: rest"
        variables: {name: Ana}
        sections:
          - title: A
            steps:
              - say: |
                  Remember: your body knows.
              - say: "Time: now"
              - breathe: {pattern: 4-6, cycles: 1}
    """)
    result = run("check", str(path))
    assert result.exit_code == 0, result.stderr


# --- durations as people write them -------------------------------------------------------------


@pytest.mark.parametrize(
    "written, seconds",
    [
        ("12 min", 720), ("12 mins", 720), ("10 sec", 10), ("10 seconds", 10), ("2sec", 2), ("90 seconds", 90),
        ("1 minute", 60), ("2 hours", 7200), ("'1:30'", 90), ("1:30", 90), ("1h 2m", 3720), ("1 minute 30 seconds", 90),
        ("500 ms", 0.5), ("1.5 secs", 1.5), ("'1:02:03'", 3723), ("2 m", 120),
    ],
)
def test_the_spellings_people_write_give_the_right_length(written, seconds, tmp_path):
    path = write(tmp_path, f"""
        title: T
        sections:
          - title: A
            steps:
              - pause: {written}
    """)
    result = run("plan", str(path), "--json", "--estimate")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.output)
    assert plan["duration"] == pytest.approx(seconds, abs=1e-6)
    entry = plan["sections"][0]["steps"][0]
    assert entry["end"] - entry["start"] == pytest.approx(seconds, abs=1e-6)


@pytest.mark.parametrize(
    "written, fix",
    [("twelve minutes", "write it as 12m"), ("10 minuets", "write it as 10m"), ("30s 2m", "write it as 2m30s"),
     ("twenty five seconds", "write it as 25s"), ("1 hour 90 secondz", "write it as 1h1m30s")],
)
def test_a_refused_duration_suggests_the_nearest_accepted_spelling(written, fix, tmp_path):
    path = write(tmp_path, f"""
        title: T
        sections:
          - title: A
            steps:
              - pause: {written}
    """)
    lines = refused(path)
    assert lines == [f"{path}:5:16: error: pause must be a duration like '10s' or '1m30s', got '{written}': {fix}"]


# --- no silent wrong track ------------------------------------------------------------------


GREETING = """
    title: T
    variables: {name: friend}
    sections:
      - title: A
        steps:
          - say: Hello {name}.
"""


def test_set_of_a_variable_the_script_never_uses_is_an_error_with_did_you_mean(tmp_path):
    path = write(tmp_path, GREETING)
    out = tmp_path / "out.mp3"
    for command in (["check", str(path)], ["plan", str(path), "--estimate"], ["render", str(path), "-o", str(out)]):
        result = run(*command, "--set", "Name=Maria")
        assert result.exit_code == 2, (command, result.output, result.stderr)
        assert result.stderr.strip() == (
            f"{path}: error: --set Name: no text of the script uses '{{Name}}' (did you mean 'name'?); "
            "the variables it uses: name"
        )
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_set_of_a_variable_used_only_in_an_include_is_accepted(tmp_path):
    (tmp_path / "parts").mkdir()
    write(tmp_path, "steps:\n  - say: Goodbye {client}.\n", "parts/end.yaml")
    path = write(tmp_path, """
        title: T
        variables: {client: friend}
        sections:
          - title: A
            steps:
              - include: parts/end.yaml
    """)
    result = run("plan", str(path), "--estimate", "--json", "--set", "client=Maria")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.output)["sections"][0]["steps"][0]["text"] == "Goodbye Maria."


def test_a_roster_column_differing_only_in_case_is_an_error_before_any_track(tmp_path):
    path = write(tmp_path, GREETING)
    roster = tmp_path / "clients.csv"
    roster.write_text("output,Name\nana.mp3,Ana\nbo.mp3,Bo\n", encoding="utf-8")
    out = tmp_path / "tracks"
    result = run("batch", str(path), "--roster", str(roster), "-o", str(out), "-j", "1")
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.strip() == (
        f"{roster}:1:8: error: column 'Name' would leave '{{name}}' at its default "
        "(variable names are matched exactly): name the column 'name'"
    )
    assert not out.exists() or not any(p.suffix == ".mp3" for p in out.iterdir())


def test_a_pause_written_in_another_case_is_still_a_pause(tmp_path):
    path = write(tmp_path, """
        title: T
        sections:
          - title: A
            steps:
              - say: One. [Pause 2s] Two.
    """)
    result = run("plan", str(path), "--json", "--estimate")
    assert result.exit_code == 0, result.stderr
    steps = json.loads(result.output)["sections"][0]["steps"]
    assert [s["kind"] for s in steps] == ["say", "pause", "say"]
    assert steps[1]["end"] - steps[1]["start"] == pytest.approx(2.0)
    assert [s.get("text") for s in steps if s["kind"] == "say"] == ["One.", "Two."]


@pytest.mark.parametrize(
    "marker, column, fix",
    [("[pause]", 20, "give it a length"), ("[pause: 2s]", 20, "write '[pause 2s]'"), ("<break>", 20, "give it a length"),
     ("<break time=3s/>", 20, "write '[pause 3s]' or '<break time=\"3s\"/>'"), ("[break 1.5 sec]", 20, "write '[pause 1.5s]'")],
)
def test_a_marker_that_looks_like_a_pause_is_an_error_at_its_place(marker, column, fix, tmp_path):
    path = tmp_path / "s.yaml"
    quoted = marker.replace("'", "''")
    path.write_text(f"title: T\nsections:\n  - title: A\n    steps:\n      - say: 'One. {quoted} Two.'\n", encoding="utf-8")
    lines = refused(path)
    assert len(lines) == 1 and lines[0].startswith(f"{path}:5:{column}: error: '{marker}' is not a pause"), lines
    assert fix in lines[0]


# --- --section, keys, patterns, includes ---------------------------------------------------------


SECTIONS = """
    title: T
    sections:
      - title: Arriving
        steps: [{say: Hello.}]
      - title: Body Scan
        steps: [{say: Feet.}, {pause: 3s}]
"""


@pytest.mark.parametrize("wanted", ["Body Scan", "body scan", "BODY  SCAN", "2"])
def test_section_by_title_in_any_case_or_by_number(wanted, tmp_path):
    path = write(tmp_path, SECTIONS)
    result = run("plan", str(path), "--estimate", "--json", "--section", wanted)
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.output)
    assert [s["title"] for s in plan["sections"]] == ["Body Scan"]


@pytest.mark.parametrize(
    "wanted, message",
    [("3", "there is no section 3: the script has 2; give a title or a number: 1 'Arriving', 2 'Body Scan'"),
     ("bodyscan", "no section titled 'bodyscan' (did you mean 'Body Scan'?); give a title or a number")],
)
def test_a_section_that_is_not_there_is_refused_before_any_work(wanted, message, tmp_path):
    path = write(tmp_path, SECTIONS)
    out = tmp_path / "x.mp3"
    result = run("render", str(path), "-o", str(out), "--section", wanted)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert not out.exists()


def test_a_section_preview_by_number_renders_that_section(tmp_path):
    path = write(tmp_path, SECTIONS)
    out = tmp_path / "x.wav"
    result = run("render", str(path), "-o", str(out), "--section", "2")
    assert result.exit_code == 0, result.stderr
    timeline = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [s["title"] for s in timeline["sections"]] == ["Body Scan"]
    import soundfile

    assert soundfile.info(str(out)).duration == pytest.approx(timeline["duration"], abs=0.01)


def test_unknown_keys_list_the_valid_ones(tmp_path):
    path = write(tmp_path, """
        title: T
        voice: {sped: 1}
        sections:
          - title: A
            steps:
              - breathe: {pattern: box, cycles: 1, words: {in: Now}}
              - bell: {sound: bowl, times: 2}
    """)
    lines = refused(path)
    assert "unknown key 'sped' in voice (did you mean 'speed'?); valid keys: engine, name, speaker, speed" in lines[0]
    assert lines[1].endswith("unknown key 'in' in words; valid keys: inhale, hold, exhale, rest")
    assert lines[2].endswith("unknown key 'times' in bell (did you mean 'strikes'?); valid keys: sound, strikes, every, volume")


# --- breathe: {duration: fill} ---------------------------------------------------------------


def plan_of(path: Path) -> dict:
    result = run("plan", str(path), "--json", "--estimate")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.output)


def test_breathing_fill_takes_whole_cycles_of_its_share_and_the_pause_fill_the_rest(tmp_path):
    path = write(tmp_path, """
        title: T
        length: 2m
        sections:
          - title: A
            steps:
              - breathe: {pattern: 4-7-8, duration: fill, cues: tone}
              - pause: fill
              - bell: {sound: bowl, strikes: 1}
    """)
    plan = plan_of(path)
    assert plan["duration"] == pytest.approx(120.0, abs=1 / 44100)
    steps = plan["sections"][0]["steps"]
    breaths = [s for s in steps if s["kind"] in ("inhale", "hold", "exhale")]
    bell = steps[-1]
    share = (120 - (bell["end"] - bell["start"])) / 2  # two fills share what the bell leaves
    cycles = int(share // 19)
    assert len(breaths) == 3 * cycles
    assert breaths[-1]["end"] == pytest.approx(19 * cycles, abs=1 / 44100)
    pause = steps[len(breaths)]
    assert pause["kind"] == "pause"
    assert pause["end"] - pause["start"] == pytest.approx(120 - (bell["end"] - bell["start"]) - 19 * cycles, abs=1 / 44100)


def test_breathing_fill_that_fits_exactly_has_no_trailing_pause(tmp_path):
    path = write(tmp_path, """
        title: T
        length: 1m
        sections:
          - title: A
            steps:
              - breathe: {pattern: 4-6, duration: fill, cues: tone}
    """)
    plan = plan_of(path)
    steps = plan["sections"][0]["steps"]
    assert plan["duration"] == pytest.approx(60.0)
    assert [s["kind"] for s in steps] == ["inhale", "exhale"] * 6


def test_breathing_fill_alone_ends_with_the_silence_its_cycles_leave(tmp_path):
    path = write(tmp_path, """
        title: T
        length: 65s
        sections:
          - title: A
            steps:
              - breathe: {pattern: 4-6, duration: fill, cues: tone}
    """)
    steps = plan_of(path)["sections"][0]["steps"]
    assert [s["kind"] for s in steps[-2:]] == ["exhale", "pause"]
    assert steps[-1]["end"] - steps[-1]["start"] == pytest.approx(5.0)
    assert len([s for s in steps if s["kind"] == "inhale"]) == 6


def test_a_say_beginning_with_a_variable_in_braces_is_told_to_quote_it(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("title: T\nvariables: {name: A}\nsections:\n  - title: A\n    steps:\n      - say: {name}\n", encoding="utf-8")
    assert refused(path) == [
        f"{path}:6:14: error: say got a mapping instead of text: a value beginning with '{{' is read as a mapping; "
        "quote it: 'say: \"{name}\"'"
    ]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=" \t:-{}[]'\"|>#,ab\n", max_size=24), max_size=8))
def test_yaml_hints_never_crash_and_point_inside_the_file(lines):
    import yaml

    from generator.script.yamlhints import hints

    text = "title: T\nsections:\n" + "\n".join(lines)
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        found, _ = hints(text, exc)
        count = text.count("\n") + 1
        for hint in found:
            assert 1 <= hint.line <= count and hint.column >= 1, hint
            assert hint.message
    except yaml.YAMLError:
        pass

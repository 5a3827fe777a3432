"""The command line: exact output and exit codes, and nothing left behind on failure."""

from __future__ import annotations

import pytest

import json

import numpy as np
import soundfile
from click.testing import CliRunner

from generator.cli import cli

SCRIPT = """
title: Evening {name}
variables: {name: friend}
sections:
  - title: Arriving
    steps:
      - say: "Welcome, {name}. [pause 2s] Let your eyes close."
      - pause: 3s
  - title: Resting
    steps:
      - say: Rest here.
      - pause: 2s
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_ok_and_errors(write_script):
    good = write_script(SCRIPT, "good.yaml")
    bad = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - sya: hi\n", "bad.yaml")
    result = run("check", str(good), str(bad))
    assert result.exit_code == 2
    assert f"{good}: ok (2 sections, 4 steps)" in result.output
    assert f"{bad}:5:9: error: unknown step 'sya' (did you mean 'say'?)" in result.output


def test_missing_script_is_exit_2_with_its_name(tmp_path):
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.output.strip() == f"{tmp_path / 'nope.yaml'}: error: no such file"


def test_bad_set_option_is_exit_2(write_script):
    result = run("plan", str(write_script(SCRIPT)), "--set", "novalue", "--estimate")
    assert result.exit_code == 2
    assert "expected NAME=VALUE" in result.output


def test_plan_json_is_the_contract_timeline(write_script, fake_tts):
    script = write_script(SCRIPT)
    result = run("plan", str(script), "--json", "--set", "name=Ana")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "Evening Ana"
    kinds = [s["kind"] for s in data["sections"][0]["steps"]]
    assert kinds == ["say", "pause", "say", "pause"]
    assert data["sections"][0]["steps"][0]["text"] == "Welcome, Ana."
    pause = data["sections"][0]["steps"][1]
    assert round(pause["end"] - pause["start"], 6) == 2.0
    assert data["duration"] == data["sections"][-1]["end"]


def test_plan_table_and_estimate(write_script):
    result = run("plan", str(write_script(SCRIPT)), "--estimate")
    assert result.exit_code == 0, result.output
    assert "== Arriving ==" in result.output and "(speech estimated)" in result.output
    assert "say  Welcome, friend." in result.output


def test_render_writes_track_and_sidecars(write_script, fake_tts, tmp_path):
    script = write_script(SCRIPT)
    out = tmp_path / "evening.wav"
    result = run("render", str(script), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (")
    timeline = json.loads((tmp_path / "evening.json").read_text())
    audio, rate = soundfile.read(out)
    assert rate == 44_100 and audio.shape[1] == 2
    assert audio.shape[0] == round(timeline["duration"] * rate)
    assert (tmp_path / "evening.vtt").read_text().startswith("WEBVTT")


def test_render_default_output_is_script_stem_mp3(write_script, fake_tts, tmp_path, monkeypatch):
    script = write_script(SCRIPT, "evening.yaml")
    monkeypatch.chdir(tmp_path)
    result = run("render", str(script), "--no-sidecars")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "evening.mp3").exists()
    assert not (tmp_path / "evening.json").exists()


def test_section_preview_is_exactly_that_section(write_script, fake_tts, tmp_path):
    script = write_script(SCRIPT)
    plan = json.loads(run("plan", str(script), "--json").output)
    resting = plan["sections"][1]
    out = tmp_path / "part.wav"
    result = run("render", str(script), "--section", "Resting", "-o", str(out))
    assert result.exit_code == 0, result.output
    frames = soundfile.info(out).frames
    assert frames == round((resting["end"] - resting["start"]) * 44_100)


def test_unknown_section_suggests(write_script, fake_tts, tmp_path):
    result = run("render", str(write_script(SCRIPT)), "--section", "Restng", "-o", str(tmp_path / "x.mp3"))
    assert result.exit_code == 2
    assert "no section titled 'Restng' (did you mean 'Resting'?)" in result.output
    assert not (tmp_path / "x.mp3").exists()


def test_failed_render_keeps_the_earlier_good_file(write_script, fake_tts, tmp_path):
    out = tmp_path / "track.mp3"
    out.write_bytes(b"an earlier good track")
    bad = write_script("title: T\nsections:\n  - title: A\n    steps:\n      - pause: ten\n")
    result = run("render", str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert out.read_bytes() == b"an earlier good track"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.yaml", "track.mp3"]


def test_voices_lists_offline_piper():
    result = run("voices")
    assert result.exit_code == 0
    joe = next(line for line in result.output.splitlines() if "en_US-joe-medium" in line).split()
    assert joe[0] == "piper" and "offline" in joe and "CC0" in joe  # licence from its model card
    assert "English" in joe and "medium" in joe
    assert "gtts" in result.output and "online" in result.output


def test_python_m_generator_runs():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "generator", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "meditate" in done.stdout


def test_mono_refuses_binaural(write_script, fake_tts, tmp_path):
    script = write_script(
        "title: T\nbackground:\n  layers:\n    - binaural: {carrier: 200, beat: 10}\nsections:\n  - title: A\n    steps: [{say: Hi.}]\n"
    )
    result = run("render", str(script), "--mono", "-o", str(tmp_path / "m.mp3"))
    assert result.exit_code == 2
    assert ":4:7: error: binaural beats need two channels" in result.output
    assert np.all([not p.name.endswith(".mp3") for p in tmp_path.iterdir()])


def test_check_notes_binaural_for_mono(write_script):
    script = write_script(
        "title: T\nbackground:\n  layers:\n    - binaural: {carrier: 200, beat: 10}\nsections:\n  - title: A\n    steps: [{say: Hi.}]\n"
    )
    plain = run("check", str(script))
    assert plain.exit_code == 0 and "note:" not in plain.output
    mono = run("check", "--mono", str(script))
    assert mono.exit_code == 0
    assert f"{script}:4:7: note: binaural beats need stereo" in mono.output


def test_check_counts_in_words(write_script):
    script = write_script("title: T\nsections:\n  - title: A\n    steps: [{say: Hi.}]\n")
    assert run("check", str(script)).output == f"{script}: ok (1 section, 1 step)\n"


@pytest.mark.slow
def test_lossy_formats_keep_decoded_peaks_under_the_ceiling(write_script, fake_tts, tmp_path):
    """MP3 and OGG are limited 1 dB lower, so the decoded track stays at or under -1 dBTP."""
    from generator.sources.metering import true_peak_db

    script = write_script(
        # No speech, bells over a quiet bed: the loudness gain (on the whole track) pushes the
        # strikes into the limiter. (With speech the gain is set on the voice, which the
        # limiter spares: tests/test_voice_level.py.)
        "title: T\nbackground:\n  layers:\n    - noise: white\n      volume: -40dB\n"
        "sections:\n  - title: A\n    steps: [{pause: 2s}, {bell: woodblock}, {pause: 20s}, {bell: woodblock}, {pause: 20s}]\n"
    )
    peaks = {}
    for fmt in ("mp3", "ogg", "wav"):
        out = tmp_path / f"t.{fmt}"
        assert run("render", str(script), "-o", str(out), "--no-sidecars").exit_code == 0
        audio, rate = soundfile.read(out, dtype="float32")
        peaks[fmt] = true_peak_db(audio, rate)
    assert peaks["mp3"] <= -1.0 and peaks["ogg"] <= -1.0
    assert -1.2 <= peaks["wav"] <= -1.0

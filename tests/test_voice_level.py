"""The voice at one level (the track's loudness anchored on the speech), never squeezed by
the limiter, a check for backgrounds too close to it, and the wind-down, all measured on
rendered audio: pyloudnorm over the say windows the sidecar names, a 50 Hz band's RMS in
the pauses and under the voice, and words per minute from the timeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyloudnorm as pyln
import pytest
import soundfile as sf
from click.testing import CliRunner
from scipy import signal

from generator import RenderOptions, render
from generator.cli import cli

LOUD_BED = """
    title: Loud bed
    ROOM
    background:
      duck: 6dB
      fade_in: 1s
      fade_out: 1s
      layers:
        - binaural: {carrier: 200, beat: 8}
          volume: VOLUME
        - tone: 50
          volume: VOLUME
        - noise: pink
          volume: VOLUME
    sections:
      - title: One
        steps:
          - pause: 6s
          - say: Let your shoulders soften, and let the breath find its own easy rhythm.
          - pause: 6s
"""


def loud_bed(volume: str = "-20dB", room: str = "room: off") -> str:
    """The issue's short script. The fake voice is a steady 160 Hz buzz, which the room's
    answer colours as it never colours speech (a steady tone interferes with its own
    reverb), so the fake-voice tests leave the room out; the real voice keeps it."""
    return LOUD_BED.replace("VOLUME", volume).replace("ROOM", room)


def says(track: Path) -> list[dict]:
    timeline = json.loads(track.with_suffix(".json").read_text(encoding="utf-8"))
    return [s for sec in timeline["sections"] for s in sec["steps"] if s["kind"] == "say"]


def speech_lufs(x: np.ndarray, rate: int, entries: list[dict]) -> float:
    """pyloudnorm over the say windows of the track, joined with silence between them."""
    gap = np.zeros((rate // 2, x.shape[1]))
    parts = [np.concatenate([x[round(s["start"] * rate) : round(s["end"] * rate)], gap]) for s in entries]
    return pyln.Meter(rate).integrated_loudness(np.concatenate(parts))


def band_db(x: np.ndarray, rate: int, low: float, high: float) -> np.ndarray:
    sos = signal.butter(4, [low, high], "bandpass", fs=rate, output="sos")
    return signal.sosfiltfilt(sos, x[:, 0])


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x)))))


def rendered(path: Path) -> tuple[Path, np.ndarray, int]:
    track = path.with_suffix(".wav")
    render(path, RenderOptions(output=track))
    x, rate = sf.read(track, always_2d=True)
    return track, x, rate


def test_the_sentence_reaches_the_target_over_a_loud_background(fake_tts, write_script):
    track, x, rate = rendered(write_script(loud_bed()))
    sentence = says(track)[0]
    assert speech_lufs(x, rate, [sentence]) == pytest.approx(-16.0, abs=0.5)
    report = json.loads(track.with_suffix(".json").read_text(encoding="utf-8"))["loudness"]
    assert report["anchor"] == "speech"
    assert report["speech_lufs"] == pytest.approx(-16.0, abs=0.05)
    assert report["speech_below_target_db"] == 0.0
    # The whole track's loudness is reported as the track measures it.
    assert report["track_lufs"] == pytest.approx(pyln.Meter(rate).integrated_loudness(x), abs=0.5)
    # The background stays where the script put it against the voice: in the pauses it
    # measures well under the sentence, not pushed up towards it.
    pause = x[2 * rate : round((sentence["start"] - 0.5) * rate)]
    assert pyln.Meter(rate).integrated_loudness(pause) < -16.0 - 12.0


def test_ducking_is_what_the_script_asks_under_a_loud_background(fake_tts, write_script):
    track, x, rate = rendered(write_script(loud_bed()))
    sentence = says(track)[0]
    hum = band_db(x, rate, 45, 55)
    pause = hum[2 * rate : round((sentence["start"] - 0.5) * rate)]
    under = hum[round((sentence["start"] + 0.5) * rate) : round((sentence["end"] - 0.2) * rate)]
    assert rms_db(pause) - rms_db(under) == pytest.approx(6.0, abs=1.0)


def test_the_voice_alone_measures_the_target(fake_tts, write_script):
    """Without a bed or room the track is the speech stem: the meter and pyloudnorm agree."""
    script = write_script("""
        title: Voice only
        room: off
        sections:
          - title: One
            steps:
              - say: Let your shoulders soften. Let the breath find its own easy rhythm.
              - pause: 3s
              - say: Rest here for a while, with nothing to do.
    """)
    track, x, rate = rendered(script)
    assert pyln.Meter(rate).integrated_loudness(x) == pytest.approx(-16.0, abs=0.15)


def test_a_track_without_speech_is_normalised_on_its_bells(fake_tts, write_script):
    script = write_script("""
        title: Bells
        background:
          layers:
            - noise: brown
              volume: -30dB
        sections:
          - title: Sit
            steps:
              - bell: bowl
              - pause: 20s
              - bell: bowl
    """)
    track, x, rate = rendered(script)
    report = json.loads(track.with_suffix(".json").read_text(encoding="utf-8"))["loudness"]
    assert report["anchor"] == "mix" and report["speech_lufs"] is None
    assert pyln.Meter(rate).integrated_loudness(x) == pytest.approx(-16.0, abs=0.5)


def test_render_reports_the_speech_and_the_track(fake_tts, write_script, tmp_path):
    script = write_script(loud_bed())
    result = CliRunner().invoke(cli, ["render", str(script), "-o", str(tmp_path / "t.wav")])
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[1]
    assert line.startswith("loudness: speech -16.0 LUFS; the whole track -")


@pytest.mark.piper
@pytest.mark.slow
def test_the_real_voice_reaches_the_target_and_the_limiter_spares_it(write_script):
    track, x, rate = rendered(write_script(loud_bed(room="room: small")))
    sentence = says(track)[0]
    assert speech_lufs(x, rate, [sentence]) == pytest.approx(-16.0, abs=0.5)
    report = json.loads(track.with_suffix(".json").read_text(encoding="utf-8"))["loudness"]
    assert report["speech_below_target_db"] == 0.0
    hum = band_db(x, rate, 45, 55)
    pause = hum[2 * rate : round((sentence["start"] - 0.5) * rate)]
    under = hum[round((sentence["start"] + 0.5) * rate) : round((sentence["end"] - 0.2) * rate)]
    assert rms_db(pause) - rms_db(under) == pytest.approx(6.0, abs=1.0)


@pytest.mark.slow
def test_the_library_voices_sit_within_half_a_lu(fake_tts, tmp_path):
    """Every library session's speech measures the target, its first section heard as
    the whole track mixes it (a preview has the whole track's gain). The fake voice's
    steady buzz interferes with its own reverb as speech never does, so the copies leave
    the room out (the real voice, room and all: bench/voice_level.py), and the wind-down,
    which puts a first section over the track's average by design."""
    library = sorted((Path(__file__).resolve().parent.parent / "scripts").glob("*.yaml"))
    levels = []
    for script in library:
        copy = tmp_path / script.name
        text = script.read_text(encoding="utf-8").replace("wind_down: on", "wind_down: off")
        copy.write_text(text + "\nroom: off\n", encoding="utf-8")
        track = tmp_path / f"{script.stem}.wav"
        render(copy, RenderOptions(output=track, section="1"))
        x, rate = sf.read(track, always_2d=True)
        levels.append(speech_lufs(x, rate, says(track)))
    assert max(levels) - min(levels) <= 0.5, dict(zip([s.stem for s in library], levels))
    assert all(abs(level + 16.0) <= 0.5 for level in levels), dict(zip([s.stem for s in library], levels))


WIND = """
    title: Settling
    room: off
    voice:
      wind_down: WIND
    sections:
      - title: One
        steps:
"""


def wind_script(write_script, wind: str) -> Path:
    lines = [WIND.replace("WIND", wind)]
    for n in range(18):
        lines.append(f"          - say: This is sentence number {n} of the settling, slow and easy.\n")
        lines.append("          - pause: 1s\n")
    return write_script("".join(lines))


def thirds(entries: list[dict]) -> tuple[list[dict], list[dict]]:
    third = len(entries) // 3
    return entries[:third], entries[-third:]


def words_per_minute(entries: list[dict]) -> float:
    return 60 * sum(len(s["text"].split()) for s in entries) / sum(s["end"] - s["start"] for s in entries)


def test_wind_down_slows_and_softens_the_voice(fake_tts, write_script):
    track, x, rate = rendered(wind_script(write_script, "on"))
    first, last = thirds(says(track))
    assert words_per_minute(last) / words_per_minute(first) == pytest.approx(0.91, abs=0.03)
    drop = speech_lufs(x, rate, first) - speech_lufs(x, rate, last)
    assert drop == pytest.approx(1.8, abs=0.5)


def test_without_wind_down_the_voice_stays_even(fake_tts, write_script):
    track, x, rate = rendered(wind_script(write_script, "off"))
    first, last = thirds(says(track))
    assert words_per_minute(last) / words_per_minute(first) == pytest.approx(1.0, abs=0.02)
    assert speech_lufs(x, rate, first) - speech_lufs(x, rate, last) == pytest.approx(0.0, abs=0.3)


def test_the_plan_knows_the_slower_speech(fake_tts, write_script):
    plain = wind_script(write_script, "off")
    plan = CliRunner().invoke(cli, ["plan", str(plain), "--json"])
    wound = write_script(plain.read_text(encoding="utf-8").replace("wind_down: off", "wind_down: {rate: 80%, level: -3dB}"), "wound.yaml")
    slower = CliRunner().invoke(cli, ["plan", str(wound), "--json"])
    before, after = says_of(plan.output), says_of(slower.output)
    assert after[0]["end"] - after[0]["start"] == pytest.approx(before[0]["end"] - before[0]["start"], rel=0.02)
    assert (after[-1]["end"] - after[-1]["start"]) / (before[-1]["end"] - before[-1]["start"]) == pytest.approx(1.25, rel=0.05)


def says_of(text: str) -> list[dict]:
    return [s for sec in json.loads(text)["sections"] for s in sec["steps"] if s["kind"] == "say"]


def test_wind_down_refuses_what_it_cannot_do(write_script):
    script = write_script("""
        title: W
        voice:
          wind_down: {rate: 40%, level: 3dB}
        sections:
          - title: One
            steps:
              - say: Hello there.
    """)
    result = CliRunner().invoke(cli, ["check", str(script)])
    assert result.exit_code == 2
    assert "script.yaml:3:21: error: wind_down rate must be between 50% and 100%" in result.output
    assert "script.yaml:3:33: error: wind_down level must be between -12dB and 0dB" in result.output


def test_check_warns_about_a_layer_close_to_the_voice(write_script):
    loud = write_script(loud_bed("-14dB"), "loud.yaml")
    result = CliRunner().invoke(cli, ["check", str(loud)])
    assert result.exit_code == 0
    warned = [line for line in result.output.splitlines() if "warning:" in line]
    assert any("loud.yaml:12:7: warning: this noise layer sits 12." in line for line in warned), warned
    noise = next(line for line in warned if "noise layer" in line)
    assert "volume: -21dB would put it 20 LU under" in noise
    quiet = write_script(loud_bed("-32dB"), "quiet.yaml")
    result = CliRunner().invoke(cli, ["check", str(quiet)])
    assert result.exit_code == 0 and "warning" not in result.output


def test_the_advised_volume_puts_the_layer_twenty_lu_under(write_script):
    """The volume the warning names, measured: the layer lands 20 LU under the voice."""
    from generator.master.layerlevel import against_voice
    from generator.load.loader import load_script

    session = load_script(write_script(loud_bed("-14dB").replace("volume: -14dB", "volume: -21dB", 3)))
    noise = session.background.layers[2]
    assert against_voice(noise, session.path.parent) == pytest.approx(-20.0, abs=0.6)


def test_the_plan_picture_shows_each_layer_against_the_voice(fake_tts, write_script, tmp_path):
    page = tmp_path / "plan.html"
    result = CliRunner().invoke(cli, ["plan", str(write_script(loud_bed())), "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    levels = [float(v) for v in re.findall(r'data-voice-lu="([-0-9.]+)"', html)]
    assert len(levels) == 3 and all(-26 < v < -16 for v in levels)
    assert "LU vs voice" in html

"""The breathing pacer, measured on the rendered audio.

Tracks are rendered to WAV with the fake engine (speech-like noise whose length follows
the text) and no background unless a test adds one, so whatever sounds inside a phase
is the pacer's own cue. Figures worth quoting are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from conftest import dbfs
from generator.cli import cli
from generator.pipeline.rendering import RenderOptions, render
from generator.voice.delivery import CLAUSE_PAUSE

RATE = 44_100
PHASES = ("inhale", "hold", "exhale")


# --- helpers ----------------------------------------------------------------------------


class Track:
    """A rendered track: mono samples, its plan JSON (the sidecar) and the render result."""

    def __init__(self, folder: Path, script_text: str, **options):
        self.script = folder / "pacer.yaml"
        self.script.write_text(textwrap.dedent(script_text).lstrip("\n"), encoding="utf-8")
        out = folder / "pacer.wav"
        self.result = render(self.script, RenderOptions(output=out, format="wav", cache_dir=folder / "cache", **options))
        audio, self.rate = soundfile.read(out, dtype="float64")
        self.frames = audio.shape[0]
        self.mono = audio.mean(axis=1)
        self.plan = json.loads(out.with_suffix(".json").read_text())

    def phases(self) -> list[dict]:
        return [e for s in self.plan["sections"] for e in s["steps"] if e["kind"] in PHASES]

    def window(self, start: float, end: float) -> np.ndarray:
        return self.mono[round(start * self.rate) : round(end * self.rate)]


def rendered(tmp_path_factory, name: str, script_text: str, **options) -> Track:
    """Render with the fake engine (a module-scoped fixture cannot use `fake_tts`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDITATE_FAKE_TTS", "1")
        return Track(tmp_path_factory.mktemp(name), script_text, **options)


def peak_hz(x: np.ndarray, rate: int = RATE, low: float = 150.0, high: float = 450.0) -> float:
    """The strongest frequency in `x` between `low` and `high` (Hann window, zero-padded 8x)."""
    n = 8 * x.size
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size), n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    band = (freqs >= low) & (freqs <= high)
    return float(freqs[band][np.argmax(spectrum[band])])


def onset(x: np.ndarray, threshold: float) -> int | None:
    """The first sample louder than `threshold`, or None."""
    loud = np.nonzero(np.abs(x) > threshold)[0]
    return int(loud[0]) if loud.size else None


# --- 4-7-8 then box, with the tone --------------------------------------------------------

TONE_SCRIPT = """
    title: Pacer tone
    sections:
      - title: Settle
        steps:
          - pause: 2s
      - title: Breathe
        steps:
          - breathe: {pattern: 4-7-8, cycles: 3, cues: tone}
          - breathe: {pattern: box, cycles: 2, cues: tone}
    """

SETTLE = 2.0
EXPECTED_478_BOX = [4, 7, 8] * 3 + [4, 4, 4, 4] * 2


@pytest.fixture(scope="module")
def tone_track(tmp_path_factory) -> Track:
    return rendered(tmp_path_factory, "tone", TONE_SCRIPT)


def test_478_then_box_phases_are_exact_in_plan_json(tone_track: Track, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDITATE_FAKE_TTS", "1")
    result = CliRunner().invoke(cli, ["plan", "--json", str(tone_track.script)])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    sidecar = dict(tone_track.plan)
    assert sidecar.pop("loudness")["anchor"] in ("speech", "mix")  # the render adds what it measured
    assert plan == sidecar  # `plan --json` and the render's sidecar agree on the timeline
    phases = [e for s in plan["sections"] for e in s["steps"] if e["kind"] in PHASES]
    assert [e["end"] - e["start"] for e in phases] == EXPECTED_478_BOX
    assert [e["kind"] for e in phases[:3]] == ["inhale", "hold", "exhale"]
    assert [e["kind"] for e in phases[9:13]] == ["inhale", "hold", "exhale", "hold"]  # the rest is a hold
    assert [e["cycle"] for e in phases] == [1, 1, 1, 2, 2, 2, 3, 3, 3] + [1] * 4 + [2] * 4
    for before, after in zip(phases, phases[1:]):
        assert after["start"] == before["end"]  # back to back, no gaps
    assert plan["duration"] == SETTLE + sum(EXPECTED_478_BOX) == 91.0
    assert tone_track.frames == 91 * RATE


def test_plan_table_counts_cycles_per_step(tone_track: Track, monkeypatch):
    monkeypatch.setenv("MEDITATE_FAKE_TTS", "1")
    result = CliRunner().invoke(cli, ["plan", str(tone_track.script)])
    assert result.exit_code == 0, result.output
    assert result.output.count("(3 breathing cycles)") == 1
    assert result.output.count("(2 breathing cycles)") == 1
    lines = result.output.splitlines()
    counts = [i for i, line in enumerate(lines) if "breathing cycles)" in line]
    # each count closes its own step, right after that step's last phase
    assert [lines[i - 1].split()[2:] for i in counts] == [["exhale", "(cycle", "3)"], ["hold", "(cycle", "2)"]]


def test_tone_sounds_in_every_inhale_and_exhale(tone_track: Track):
    floor = dbfs(tone_track.window(0.2, SETTLE - 0.2))  # the pause before the pacer
    levels = {}
    for phase in tone_track.phases():
        level = dbfs(tone_track.window(phase["start"], phase["end"]))
        levels.setdefault(phase["kind"], []).append(level)
        if phase["kind"] in ("inhale", "exhale"):
            assert level > -40 and level > floor + 60, (phase, level, floor)
    print(f"\nsilence floor {floor:.1f} dBFS; tone RMS per phase kind:",
          {k: f"{min(v):.1f}..{max(v):.1f} dBFS" for k, v in levels.items()})
    # holds keep a steady tone, softer than the moving phases but far from silence
    assert min(levels["hold"]) > floor + 40
    assert max(levels["hold"]) < min(levels["inhale"] + levels["exhale"]) - 3


def test_tone_rises_through_the_inhale_and_falls_through_the_exhale(tone_track: Track):
    rises, falls = [], []
    for phase in tone_track.phases():
        start, end = phase["start"], phase["end"]
        early = peak_hz(tone_track.window(start + 0.5, start + 1.5))
        late = peak_hz(tone_track.window(end - 1.5, end - 0.5))
        if phase["kind"] == "inhale":
            rises.append(late - early)
            assert 200 < early < 260 and 290 < late < 345, (phase, early, late)
        elif phase["kind"] == "exhale":
            falls.append(early - late)
            assert 290 < early < 345 and 200 < late < 260, (phase, early, late)
        else:
            assert abs(late - early) < 3, (phase, early, late)  # a hold is steady
    print(f"\npitch rise through inhales {min(rises):.0f}..{max(rises):.0f} Hz, "
          f"fall through exhales {min(falls):.0f}..{max(falls):.0f} Hz")
    assert min(rises) > 50 and min(falls) > 50


def test_holds_stay_at_the_pitch_the_breath_reached(tone_track: Track):
    phases = tone_track.phases()
    after_inhale = phases[1]  # 4-7-8: the hold after the first inhale
    after_exhale = phases[12]  # box: the hold after the exhale
    high = peak_hz(tone_track.window(after_inhale["start"] + 1, after_inhale["end"] - 1))
    low = peak_hz(tone_track.window(after_exhale["start"] + 1, after_exhale["end"] - 1))
    assert abs(high - 330) < 3 and abs(low - 220) < 3, (high, low)


def test_no_click_at_phase_boundaries(tone_track: Track):
    jumps = np.abs(np.diff(tone_track.mono))
    near = int(0.02 * RATE)
    boundaries = [round(p["start"] * RATE) for p in tone_track.phases()][1:]  # back-to-back boundaries
    at_boundaries = max(float(jumps[b - near : b + near].max()) for b in boundaries)
    inside = [
        float(jumps[round((p["start"] + 1) * RATE) : round((p["end"] - 1.5) * RATE)].max())
        for p in tone_track.phases()
        if p["kind"] in ("inhale", "exhale")
    ]
    print(f"\nlargest sample-to-sample step within 20 ms of a boundary {at_boundaries:.5f}, "
          f"inside the tone {min(inside):.5f}..{max(inside):.5f}")
    assert at_boundaries < 0.25 * min(inside)


# --- voice cues --------------------------------------------------------------------------

VOICE_SCRIPT = """
    title: Pacer voice
    sections:
      - title: Breathe
        steps:
          - pause: 1s
          - breathe: {pattern: 4-7-8, cycles: 2, cues: voice}
          - breathe: {pattern: box, cycles: 1, cues: voice}
    """


@pytest.fixture(scope="module")
def voice_track(tmp_path_factory) -> Track:
    return rendered(tmp_path_factory, "voice", VOICE_SCRIPT)


def test_voice_cue_starts_at_every_phase_boundary(voice_track: Track):
    onsets = []
    for phase in voice_track.phases():
        start = round(phase["start"] * RATE)
        first = onset(voice_track.mono[start : start + int(0.6 * RATE)], 0.01)
        assert first is not None, f"no speech in the first 0.6 s of {phase}"
        onsets.append(first / RATE * 1000)
        before = voice_track.mono[start - int(0.05 * RATE) : start]
        assert np.abs(before).max() < 1e-4  # nothing starts early: the cue begins on the boundary
    print(f"\nvoice cue onsets after their phase boundary: {min(onsets):.1f}..{max(onsets):.1f} ms")
    assert max(onsets) < 600


def test_voice_cues_are_synthesized_once_and_reused(voice_track: Track):
    assert voice_track.result.synthesized == 4  # Breathe in, Hold, Breathe out, Rest
    phases = voice_track.phases()
    inhales = [round(p["start"] * RATE) for p in phases if p["kind"] == "inhale"]
    length = int(0.5 * RATE)
    first = voice_track.mono[inhales[0] : inhales[0] + length]
    for start in inhales[1:]:  # the same clip, on the same sample offset from each boundary
        np.testing.assert_allclose(voice_track.mono[start : start + length], first, atol=1e-4)  # 16-bit dither: a few LSB


def test_words_override_the_cues(tmp_path_factory):
    track = rendered(
        tmp_path_factory,
        "words",
        """
        title: Words
        sections:
          - title: A
            steps:
              - breathe: {pattern: 4-4, cycles: 2, cues: voice}
              - breathe:
                  pattern: 4-4
                  cycles: 2
                  cues: voice
                  words: {inhale: "In, and let the belly soften", exhale: Out}
        """,
    )
    spoken = []
    for phase in track.phases():
        x = np.abs(track.window(phase["start"], phase["end"]))
        loud = np.nonzero(x > 0.01)[0]
        spoken.append((loud[-1] - loud[0]) / RATE)
    default_in, default_out, long_in, short_out = spoken[0], spoken[1], spoken[4], spoken[5]
    assert spoken[0] == pytest.approx(spoken[2], abs=0.01)
    assert long_in > default_in + 1.0  # a much longer sentence
    assert short_out < default_out - 0.2  # "Out" is shorter than "Breathe out"


def test_cues_none_is_a_silent_pacer_over_the_background(tmp_path_factory):
    track = rendered(
        tmp_path_factory,
        "none",
        """
        title: Silent pacer
        background:
          layers:
            - tone: 100
              volume: -20dB
        sections:
          - title: A
            steps:
              - breathe: {pattern: 4-7-8, cycles: 2, cues: none}
        """,
    )
    assert [p["end"] - p["start"] for p in track.phases()] == [4, 7, 8] * 2
    assert track.result.synthesized == 0
    for phase in track.phases():
        x = track.window(phase["start"] + 0.5, phase["end"] - 0.5)
        assert dbfs(x) > -40  # the background goes on
        assert peak_hz(x, low=50, high=450) == pytest.approx(100, abs=2)  # and is all there is
        spectrum = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(x.size, 1 / RATE)
        assert spectrum[(freqs > 180) & (freqs < 360)].sum() < 1e-4 * spectrum.sum()


def test_both_cues_keep_the_tone_under_the_voice(tmp_path_factory):
    track = rendered(
        tmp_path_factory,
        "both",
        """
        title: Both
        sections:
          - title: A
            steps:
              - breathe: {pattern: 6-6, cycles: 2, cues: both}
        """,
    )
    for phase in track.phases():
        speech = track.window(phase["start"] + 0.1, phase["start"] + 0.5)  # the cue, tone still swelling in
        tone = track.window(phase["start"] + 2.5, phase["start"] + 3.5)  # the tone alone, at its fullest
        assert dbfs(speech) > dbfs(tone) + 3, (phase, dbfs(speech), dbfs(tone))


# --- no drift ----------------------------------------------------------------------------


def test_thirty_coherent_cycles_end_within_one_sample(tmp_path_factory):
    track = rendered(
        tmp_path_factory,
        "coherent",
        """
        title: Coherent
        sections:
          - title: A
            steps:
              - breathe: {pattern: coherent, cycles: 30, cues: tone}
        """,
    )
    phases = track.phases()
    assert len(phases) == 60 and phases[-1]["cycle"] == 30
    target = 30 * 11 * RATE
    last = phases[-1]["end"] * RATE
    errors = [abs(p["start"] * RATE - k * 5.5 * RATE) for k, p in enumerate(phases)]
    print(f"\n30 coherent cycles: last boundary {last - target:+.3f} samples from 330 s in the plan, "
          f"file {track.frames - target:+d} samples; worst boundary error {max(errors):.3f} samples")
    assert abs(last - target) <= 1
    assert abs(track.frames - target) <= 1
    assert max(errors) <= 1
    # the tone is still on its boundaries at the end: the last exhale sounds, the sample before it is near silence
    last_exhale = round(phases[-1]["start"] * RATE)
    assert abs(track.mono[last_exhale - 1]) < 0.01 and dbfs(track.mono[last_exhale : last_exhale + 3 * RATE]) > -40


# --- errors ------------------------------------------------------------------------------


def test_bad_patterns_are_errors_at_check(write_script, fake_tts):
    path = write_script(
        """
        title: T
        sections:
          - title: A
            steps:
              - breathe: {pattern: boxx, cycles: 2}
              - breathe: {pattern: 4-x-4, cycles: 2}
              - breathe: {pattern: 4-4 -> 4-4-4, cycles: 3}
              - breathe: {pattern: [{pattern: 4-4, cycles: 2}, 4-6]}
        """
    )
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    shown = result.output.strip().splitlines()
    assert shown == [
        f"{path}:5:28: error: unknown breathing preset 'boxx' (did you mean 'box'?); use a preset "
        "(box, 4-7-8, coherent, relax), seconds like '4-7-8' or '4-2-6-2', or a glide like '4-4 -> 4-8'",
        f"{path}:6:28: error: pattern must be a preset (box, 4-7-8, coherent, relax), seconds like "
        "'4-7-8' or '4-2-6-2', or a glide like '4-4 -> 4-8', got '4-x-4'",
        f"{path}:7:28: error: both ends of a breathing glide need the same number of phases, got 2 and 3 "
        "(write a hold of 0 to make them match, e.g. '4-0-4 -> 4-4-6')",
        f"{path}:8:56: error: pattern '4-6' needs cycles: here ({{pattern: 4-6, cycles: N}}) or on the breathe step",
    ], result.output


def test_list_entries_with_their_own_cycles_need_nothing_more(write_script, fake_tts):
    path = write_script(
        """
        title: T
        sections:
          - title: A
            steps:
              - breathe: {pattern: [{pattern: 4-4, cycles: 2}, {pattern: 4-6, cycles: 1}], cues: none}
              - breathe: {pattern: 4-4 -> 4-8, duration: 40s, cues: none}
        """
    )
    result = CliRunner().invoke(cli, ["plan", "--json", str(path)])
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)["sections"][0]["steps"]
    lengths = [round(e["end"] - e["start"], 6) for e in steps]
    # 4-4, 4-4, 4-6, then a glide of whole cycles within 40 s: 4 cycles (8 + 9.33 + 10.67 + 12 = 40)
    assert lengths == [4, 4, 4, 4, 4, 6, 4, 4, 4, 5.333333, 4, 6.666667, 4, 8]
    assert [e["cycle"] for e in steps] == [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4]


def test_voice_cue_longer_than_its_phase_names_both_lengths(write_script, fake_tts):
    path = write_script(
        """
        title: T
        sections:
          - title: A
            steps:
              - say: Let us breathe.
              - breathe:
                  pattern: 2-1-2
                  cycles: 3
                  words: {hold: "Hold it gently now, without any strain"}
        """
    )
    result = CliRunner().invoke(cli, ["plan", str(path)])
    assert result.exit_code == 2
    # the fake engine speaks 0.06 s per character at speed 1, slowed by the default 0.9 (plus trimmed edges)
    # and a pause at the comma; each of the two clauses keeps 40 ms of its trimmed edges
    expected = len("Hold it gently now, without any strain") * 0.06 / 0.9 + CLAUSE_PAUSE + 2 * 2 * 0.04
    found = re.fullmatch(
        re.escape(f"{path}:6:9: error: the voice cue 'Hold it gently now, without any strain' lasts ")
        + r"(\d+\.\d\d)s"
        + re.escape(", longer than its hold phase of 1s (3 phases are too short for it); lengthen the phase or choose a shorter word"),
        result.output.strip(),
    )
    assert found, result.output
    assert float(found.group(1)) == pytest.approx(expected, abs=0.1)


# --- the real voice ----------------------------------------------------------------------


@pytest.mark.piper
def test_real_voice_cues_fit_four_second_phases(tmp_path):
    """The default Piper voice at speed 0.9 says each default cue word well inside 4 s."""
    from generator.core import model
    from generator.voice.bank import SpeechBank

    voice = model.Voice(speed=0.9)
    words = dict(model.Breathe.__dataclass_fields__["words"].default)
    bank = SpeechBank(tmp_path / "cache")
    try:
        seconds = {word: bank.length(model.Utterance(word, voice)) / RATE for word in words.values()}
    finally:
        bank.close()
    print(f"\nPiper {voice.name} at 0.9: " + ", ".join(f"{w!r} {s:.2f}s" for w, s in seconds.items()))
    assert all(0.1 < s < 4.0 for s in seconds.values()), seconds
    # box breathing with voice cues needs every word inside a 4 s phase: render it and listen
    track = Track(
        tmp_path,
        """
        title: Box
        voice: {speed: 0.9}
        sections:
          - title: A
            steps:
              - pause: 1s
              - breathe: {pattern: box, cycles: 1, cues: voice}
        """,
    )
    assert [p["end"] - p["start"] for p in track.phases()] == [4, 4, 4, 4]
    onsets = []
    for phase in track.phases():
        start, end = round(phase["start"] * RATE), round(phase["end"] * RATE)
        first = onset(track.mono[start : start + int(0.6 * RATE)], 0.01)
        assert first is not None, phase  # spoken at once
        onsets.append(first / RATE * 1000)
        assert np.abs(track.mono[start - int(0.05 * RATE) : start]).max() < 1e-4  # not a moment early
        assert np.abs(track.mono[end - int(0.5 * RATE) : end]).max() < 1e-4  # and over well before the next
    print(f"Piper cue onsets after their phase boundary: {min(onsets):.1f}..{max(onsets):.1f} ms")

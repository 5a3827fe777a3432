"""Narration from the practitioner's own takes, measured on the rendered track.

The takes differ by 18 dB in level, carry a second of room before and after the words and
a steady noise floor, and come as WAV 48 kHz mono, FLAC 22.05 kHz stereo and OGG 44.1 kHz.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from click.testing import CliRunner

from generator.cli import cli
from generator.pipeline.rendering import RenderOptions, render
from generator.voice.delivery import CLAUSE_PAUSE
from takes_audio import LEAD, levels_db, take, write_take

LINES = ("Welcome, friend.", "Let your eyes gently close.", "Notice your breath.")
TAKES = (  # file, rate, stereo, speech level (dB RMS), noise floor (dB RMS), words
    ("001-welcome-friend.wav", 48_000, False, -14.0, -50.0, 3),
    ("002-let-your-eyes-gently-close.flac", 22_050, True, -32.0, -68.0, 4),
    ("003-notice-your-breath.ogg", 44_100, False, -23.0, -59.0, 3),
)
RATE = 44_100


def make_takes(folder: Path, takes=TAKES, lines=LINES) -> None:
    """Write the takes and a sheet naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["file,text"]
    for seed, ((name, rate, stereo, level, noise, words), text) in enumerate(zip(takes, lines), start=1):
        write_take(folder / name, take(words, rate, level_db=level, noise_db=noise, seed=seed), rate, stereo=stereo)
        rows.append(f'{name},"{text}"')
    (folder / "takes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


SCRIPT = """
title: In my own voice
voice: {{engine: recorded, takes: takes{fallback}}}
{background}
sections:
  - title: Arriving
    steps:
      - say: Welcome, friend.
      - pause: 3s
      - say: Let your eyes gently close.
      - pause: 3s
      - say: Notice your breath.
      - pause: 3s
      - say: {{text: A synthesized line for comparison., voice: {{engine: piper}}}}
      - pause: 3s
"""


def write(write_script, *, background: str = "", fallback: str = "", extra: str = "") -> Path:
    return write_script(SCRIPT.format(background=background, fallback=fallback) + extra)


def rendered(script: Path, out: Path) -> tuple[np.ndarray, dict]:
    render(script, RenderOptions(output=out))
    samples, rate = sf.read(str(out), dtype="float64")
    assert rate == RATE
    timeline = json.loads(out.with_suffix(".json").read_text())
    return samples.mean(axis=1), timeline


def says(timeline: dict) -> list[dict]:
    return [step for section in timeline["sections"] for step in section["steps"] if step["kind"] == "say"]


def entry(samples: np.ndarray, step: dict) -> np.ndarray:
    return samples[round(step["start"] * RATE) : round(step["end"] * RATE)]


def speech_spread(samples: np.ndarray, rate: int) -> float:
    """The level of the gaps between words relative to the words (p10 - p90 of 20 ms frames)."""
    levels = levels_db(samples, rate)
    return float(np.percentile(levels, 10) - np.percentile(levels, 90))


@pytest.fixture
def own_voice(write_script, tmp_path, fake_tts):
    make_takes(tmp_path / "takes")
    # a dry voice: the room's tail between words would be measured as noise
    return rendered(write(write_script, extra="room: off\n"), tmp_path / "own.wav")


def test_every_take_starts_on_its_words(own_voice):
    samples, timeline = own_voice
    for step in says(timeline)[:3]:
        audio = entry(samples, step)
        levels = levels_db(audio, RATE, 0.01)
        first = int(np.argmax(levels > levels.max() - 20))
        assert first * 10 < 150, (step["text"], first * 10)
        # the take is as long as its words (a second of room on each side is gone)
        assert step["end"] - step["start"] < 3.2


def test_takes_18_db_apart_come_out_equally_loud(own_voice):
    samples, timeline = own_voice
    meter = pyloudnorm.Meter(RATE)
    loudness = [meter.integrated_loudness(entry(samples, step)) for step in says(timeline)]
    takes = loudness[:3]
    assert max(takes) - min(takes) <= 2.0, loudness
    assert abs(np.mean(takes) - loudness[3]) <= 3.0, loudness  # and near the synthesized voice


def test_noise_between_words_drops_by_6_db(own_voice, tmp_path):
    samples, timeline = own_voice
    for (name, rate, _, _, _, _), step in zip(TAKES, says(timeline)):
        original, original_rate = sf.read(str(tmp_path / "takes" / name), dtype="float64", always_2d=True)
        lead = int(LEAD * original_rate)
        before = speech_spread(original[lead:-lead].mean(axis=1), original_rate)
        after = speech_spread(entry(samples, step), RATE)
        assert after <= before - 6.0, (name, before, after)


def test_captions_hold_the_texts(own_voice, tmp_path):
    captions = (tmp_path / "own.vtt").read_text(encoding="utf-8")
    for text in LINES:
        assert text in captions


def tone_level(samples: np.ndarray, frequency: float) -> float:
    """The level of one tone in `samples`, from its FFT bin (speech and noise spread elsewhere)."""
    windowed = samples * np.hanning(samples.shape[0])
    spectrum = np.abs(np.fft.rfft(windowed)) / (np.sum(np.hanning(samples.shape[0])) / 2)
    k = int(round(frequency * samples.shape[0] / RATE))
    return float(20 * np.log10(spectrum[k - 2 : k + 3].max() + 1e-20))


def test_the_bed_ducks_under_takes_as_under_synthesized_speech(write_script, tmp_path, fake_tts):
    make_takes(tmp_path / "takes")
    background = "background: {duck: 10dB, duck_attack: 0.1s, duck_release: 0.3s, layers: [{tone: 5000, volume: -20dB}]}"
    samples, timeline = rendered(write(write_script, background=background), tmp_path / "ducked.wav")
    steps = [step for step in timeline["sections"][0]["steps"]]
    dips = []
    for say, pause in zip(steps[0::2], steps[1::2]):
        mid_say = (say["start"] + say["end"]) / 2
        mid_pause = (pause["start"] + pause["end"]) / 2
        under = tone_level(samples[round((mid_say - 0.5) * RATE) : round((mid_say + 0.5) * RATE)], 5000)
        free = tone_level(samples[round((mid_pause - 0.5) * RATE) : round((mid_pause + 0.5) * RATE)], 5000)
        dips.append(free - under)
    *takes, synthesized = dips
    assert synthesized == pytest.approx(10.0, abs=1.0), dips
    for dip in takes:
        assert dip == pytest.approx(synthesized, abs=1.0), dips


def test_a_missing_take_with_fallback_is_spoken_synthetically(write_script, tmp_path, fake_tts):
    make_takes(tmp_path / "takes", TAKES[:2], LINES[:2])  # no take for the third line
    samples, timeline = rendered(write(write_script, fallback=", fallback: piper"), tmp_path / "fallback.wav")
    third = entry(samples, says(timeline)[2])
    recorded = entry(samples, says(timeline)[0])
    # the fake engine speaks on a 160 Hz carrier; the takes glide over 130-210 Hz harmonics
    assert tone_level(third, 160) - tone_level(recorded, 160) > 10
    assert "Notice your breath." in (tmp_path / "fallback.vtt").read_text(encoding="utf-8")


def test_a_missing_take_without_fallback_is_an_error_naming_the_file(write_script, tmp_path, fake_tts, monkeypatch):
    make_takes(tmp_path / "takes", TAKES[:1], LINES[:1])
    script = write(write_script)
    monkeypatch.chdir(tmp_path)
    for command in (["check", str(script)], ["render", str(script), "-o", "out.mp3"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if "error:" in line]
        assert len(lines) == 2, result.output
        assert lines[0].startswith("script.yaml:9:9: error: no take for \"Let your eyes gently close.\"")
        assert "takes/002-let-your-eyes-gently-close.wav" in lines[0]
        assert "takes/003-notice-your-breath.wav" in lines[1]
        assert "Traceback" not in result.output
    assert not (tmp_path / "out.mp3").exists()


def test_replacing_one_take_re_renders_only_that_line(write_script, tmp_path, fake_tts):
    make_takes(tmp_path / "takes")
    script = write(write_script)
    options = RenderOptions(output=tmp_path / "a.wav", cache_dir=tmp_path / "cache")
    first = render(script, options)
    assert first.synthesized == 4
    again = render(script, options)
    assert again.synthesized == 0
    name, rate, stereo, level, noise, words = TAKES[1]
    write_take(tmp_path / "takes" / name, take(words + 1, rate, level_db=level, noise_db=noise, seed=9), rate, stereo=stereo)
    changed = render(script, options)
    assert changed.synthesized == 1
    lengths = [s["end"] - s["start"] for s in says(changed.timeline.to_json())]
    assert lengths[1] > 3.5  # five words now


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("empty", "is empty"),
        ("text", "is not an audio file"),
        ("silent", "is silent"),
        ("noise", "holds only background noise"),
        ("long", "far longer than"),
    ],
)
def test_bad_takes_are_named(write_script, tmp_path, fake_tts, monkeypatch, kind, expected):
    make_takes(tmp_path / "takes")
    bad = tmp_path / "takes" / TAKES[0][0]
    rng = np.random.default_rng(3)
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "text":
        bad.write_text("not audio at all", encoding="utf-8")
    elif kind == "silent":
        sf.write(str(bad), np.zeros(48_000 * 2, dtype=np.float32), 48_000)
    elif kind == "noise":
        sf.write(str(bad), (rng.standard_normal(48_000 * 3) * 0.01).astype(np.float32), 48_000)
    else:  # a whole session left recording: ten times what "Welcome, friend." could need
        write_take(bad, take(60, 16_000, level_db=-20, noise_db=-60), 16_000)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(write(write_script))])
    assert result.exit_code == 2, result.output
    assert f"takes/{TAKES[0][0]}" in result.output and expected in result.output, result.output
    assert result.output.startswith("script.yaml:7:9: error: take "), result.output


def test_a_click_after_the_words_is_cut_with_the_silence():
    from generator.voice.recorded_engine import clean

    words = take(3, RATE, level_db=-20, noise_db=-60)
    clicked = words.copy()
    at = len(words) - int(0.4 * RATE)  # 0.6 s after the last word, the mouse stops the recording
    clicked[at : at + 40] += 0.5 * np.hanning(40).astype(np.float32)
    assert abs(len(clean(clicked)) - len(clean(words))) < 0.05 * RATE
    assert len(clean(words)) < 2.3 * RATE  # 2.2 s of words


@pytest.mark.piper
@pytest.mark.slow
def test_a_real_voice_take_sits_like_the_synthesized_voice(write_script, tmp_path):
    """Real speech (Piper's, saved as a take with a noisy room around it) against the same
    sentence synthesized: the same loudness, the same start, the room gone between words
    (rendered dry: the reverb's tail between words is not the recording's room)."""
    from scipy.signal import lfilter

    from generator.core.audio import resample
    from generator.core.model import Voice
    from generator.voice.piper_engine import PiperEngine

    text = "Let your eyes gently close, and notice the ground beneath you."
    clip = PiperEngine().synthesize(text, Voice())
    speech = resample(clip.samples, clip.rate, 22_050).astype(np.float64)
    speech *= 10 ** (-30 / 20) / np.sqrt(np.mean(speech[np.abs(speech) > 1e-3] ** 2))
    pad = np.zeros(22_050)
    signal = np.concatenate([pad, speech, pad])
    room = lfilter([1.0], [1.0, -0.9], np.random.default_rng(5).standard_normal(signal.size))
    room *= 10 ** (-64 / 20) / room.std()
    (tmp_path / "takes").mkdir()
    write_take(tmp_path / "takes" / "001-let.flac", (signal + room).astype(np.float32), 22_050)
    (tmp_path / "takes" / "takes.csv").write_text(f'file,text\n001-let.flac,"{text}"\n', encoding="utf-8")
    script = write_script(
        "title: Real voice\nroom: off\nvoice: {engine: recorded, takes: takes}\nsections:\n  - title: One\n    steps:\n"
        f'      - say: "{text}"\n      - pause: 2s\n      - say: {{text: "{text}", voice: {{engine: piper}}}}\n      - pause: 1s\n'
    )
    samples, timeline = rendered(script, tmp_path / "real.wav")
    take_entry, synthesized = (entry(samples, step) for step in says(timeline))
    meter = pyloudnorm.Meter(RATE)
    assert abs(meter.integrated_loudness(take_entry) - meter.integrated_loudness(synthesized)) <= 2.0
    # the synthesized voice also pauses at the comma (the take is one breath of Piper's)
    assert abs(take_entry.size - synthesized.size) < (0.3 + CLAUSE_PAUSE) * RATE
    levels = levels_db(take_entry, RATE, 0.01)
    assert int(np.argmax(levels > levels.max() - 20)) * 10 < 150
    # the room between words: where Piper's own speech is silent, found in the take by correlation
    from scipy.signal import correlate

    clean_speech = resample(speech.astype(np.float32), 22_050, RATE).astype(np.float64)
    offset = int(np.argmax(correlate(take_entry, clean_speech, mode="full", method="fft"))) - (clean_speech.size - 1)
    window = int(0.02 * RATE)
    gaps, voiced = [], []
    for start in range(max(0, -offset), min(clean_speech.size, take_entry.size - offset) - window, window):
        own = clean_speech[start : start + window]
        (gaps if np.sqrt(np.mean(own**2)) < 10 ** (-75 / 20) else voiced).append(start + offset)
    assert len(gaps) >= 5, len(gaps)

    def level(positions):
        return 10 * np.log10(np.mean([np.mean(take_entry[p : p + window] ** 2) for p in positions]))

    room_before = -64 - (-30)  # dB under the speech, as made above
    assert level(gaps) - level(voiced) <= room_before - 6.0, (level(gaps) - level(voiced), room_before)


@pytest.mark.parametrize("recorded", [("Breathe in", "Breathe out"), ("Breathe in",)])
def test_breathing_cues_are_takes_too_or_all_fall_back(write_script, tmp_path, fake_tts, recorded):
    from generator.load.loader import load_script
    from generator.kinds.steps import utterances

    folder = tmp_path / "takes"
    folder.mkdir()
    rows = ["file,text"]
    for seed, text in enumerate(recorded, start=1):
        name = f"00{seed}-{text.lower().replace(' ', '-')}.wav"
        write_take(folder / name, take(1, 48_000, level_db=-20, noise_db=-60, seed=seed), 48_000)
        rows.append(f"{name},{text}")
    (folder / "takes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    script = write_script(
        "title: Breath\nvoice: {engine: recorded, takes: takes, fallback: piper}\nsections:\n"
        "  - title: One\n    steps:\n      - breathe: {pattern: relax, cycles: 2, cues: voice}\n"
    )
    engines = {u.text: u.voice.engine for u in utterances(load_script(script))}
    expected = "recorded" if len(recorded) == 2 else "piper"  # one voice speaks all of a pacer's cues
    assert engines == {"Breathe in": expected, "Breathe out": expected}
    samples, timeline = rendered(script, tmp_path / "breath.wav")
    cues = [s for s in timeline["sections"][0]["steps"] if s["kind"] == "inhale"]
    assert len(cues) == 2
    start = round(cues[0]["start"] * RATE)
    assert np.sqrt(np.mean(samples[start : start + RATE // 2] ** 2)) > 0.01  # the cue is heard

"""The library as a Python user calls it: `from generator import render, RenderOptions`,
and the mixer driven directly, without the command line."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyloudnorm
import soundfile

import generator
from generator import RenderOptions, ScriptErrors, load_script, plan_timeline, render
from generator.mix.mixer import Mixer
from generator.voice.bank import SpeechBank

SCRIPT = """
title: Library call
background:
  layers:
    - tone: 220
      volume: -24dB
sections:
  - title: One
    steps:
      - say: Welcome. Let your shoulders soften.
      - pause: 2s
  - title: Two
    steps:
      - say: Rest here.
      - pause: 1s
"""


def test_the_public_face_names_each_thing_once():
    assert set(generator.__all__) >= {"render", "RenderOptions", "RenderResult", "load_script", "ScriptErrors"}
    assert callable(generator.render) and generator.render is render


def test_render_from_python_gives_a_measured_track(tmp_path, write_script, fake_tts):
    script = write_script(SCRIPT)
    result = render(script, RenderOptions(output=tmp_path / "call.wav", cache_dir=tmp_path / "cache"))
    samples, rate = soundfile.read(result.path)
    assert samples.shape[0] == result.timeline.length and rate == result.timeline.rate
    meter = pyloudnorm.Meter(rate)
    # the speech is what reaches the target (-16 LUFS); the whole track measures what the result says
    spoken = [e for s in result.timeline.to_json()["sections"] for e in s["steps"] if e["kind"] == "say"]
    speech = np.concatenate([samples[round(e["start"] * rate) : round(e["end"] * rate)] for e in spoken])
    assert abs(meter.integrated_loudness(speech) - -16.0) < 0.5
    assert abs(meter.integrated_loudness(samples) - result.levels.track_lufs) < 0.5
    assert [p.name for p in result.sidecars] == ["call.json", "call.vtt"]
    assert result.wall_seconds > 0 and result.synthesized == 3


def test_a_bad_script_raises_every_problem_with_its_place(write_script):
    script = write_script("title: x\nsections:\n  - title: A\n    steps:\n      - pause: ten\n      - bell: bwol\n")
    try:
        load_script(script)
    except ScriptErrors as exc:
        assert [(e.position.line, e.position.column) for e in exc.errors] == [(5, 16), (6, 15)]
    else:
        raise AssertionError("a bad script loaded")


def test_the_mixer_renders_any_window_exactly_as_the_whole(write_script, fake_tts, tmp_path):
    session = load_script(write_script(SCRIPT))
    speech = SpeechBank(tmp_path / "cache")
    timeline = plan_timeline(session, speech)
    whole = np.concatenate(list(Mixer(timeline, speech).blocks()))
    assert whole.shape == (timeline.length, 2)
    start, end = timeline.sections[1].start - 1000, timeline.length - 5
    window = np.concatenate(list(Mixer(timeline, speech, block=4096).blocks(start, end)))
    np.testing.assert_array_equal(window, whole[start:end])
    speech.close()


def test_options_that_shape_the_track_are_one_key_batch_can_trust():
    base = RenderOptions()
    key = base.track_key()
    assert hash(key) == hash(RenderOptions().track_key())
    shaping = [f.name for f in dataclasses.fields(RenderOptions) if f.name not in RenderOptions.NOT_IN_THE_TRACK]
    assert [name for name, _ in key] == shaping
    assert RenderOptions(loudness=-20).track_key() != key
    assert RenderOptions(variables={"name": "Ana"}).track_key() != key
    assert RenderOptions(output=None, cache_dir=None, section="One").track_key() == key

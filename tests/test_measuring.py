"""The measuring pass's sampled plan: it stands for every block once, and hears what a full pass hears."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf

from generator.master import measuring
from generator.core.audio import SAMPLE_RATE
from generator.mix.mixer import Mixer
from generator.sources.metering import LoudnessMeter, TruePeakLimiter
from generator.load.loader import load_script as load
from generator.master.mastering import Mastering, MixSource, measure_loudness
from generator.pipeline.rendering import RenderOptions, plan_timeline
from generator.voice.bank import SpeechBank

SCRIPT = """
title: Long and sparse
length: 6m
background:
  fade_in: 8s
  fade_out: 12s
  duck: 6dB
  layers:
    - binaural: {carrier: 200, beat: 10 -> 6}
      volume: -26dB
    - noise: brown
      volume: -30dB
    - isochronic: {carrier: 180, pulse: 7}
      volume: -30dB
sections:
  - title: One
    steps:
      - say: Welcome, and settle in.
      - pause: fill
      - bell: bowl
      - say: Notice the breath.
      - pause: fill
  - title: Two
    background:
      crossfade: 4s
      layers:
        - tone: 136.1
          volume: -24dB
    steps:
      - say: Rest here.
      - pause: fill
      - say: Slowly come back.
"""


def timeline_of(write_script):
    session = load(write_script(SCRIPT))
    speech = SpeechBank()
    return plan_timeline(session, speech), speech


def test_plan_stands_for_every_block_once(write_script, fake_tts):
    timeline, _ = timeline_of(write_script)
    spans = measuring.plan(timeline)
    blocks = measuring.block_count(timeline.length, timeline.rate)
    assert spans[0].first == 0
    for before, after in zip(spans, spans[1:]):
        assert before.last <= after.first  # in order, never overlapping
    assert math.isclose(sum((s.last - s.first) * s.weight for s in spans), blocks, rel_tol=1e-9)
    rendered = sum(s.last - s.first for s in spans)
    assert rendered < 0.6 * blocks  # it is a plan worth having: most of the steady bed is skipped
    assert any(s.weight > 1 for s in spans)


def test_sampled_loudness_matches_a_full_pass(write_script, fake_tts):
    timeline, speech = timeline_of(write_script)
    meter = LoudnessMeter(SAMPLE_RATE, 2)
    peak = 0.0
    for block in Mixer(timeline, speech).blocks():
        meter.add(block)
        peak = max(peak, float(np.max(np.abs(block))))
    sampled, sampled_peak = measure_loudness(timeline, MixSource(Mixer(timeline, speech)), Mastering())
    assert abs(sampled - meter.integrated()) < 0.1
    assert sampled_peak <= 20 * math.log10(peak) + 1e-6


def test_short_tracks_are_measured_whole(write_script, fake_tts):
    session = load(write_script(SCRIPT.replace("length: 6m", "length: 1m")))
    timeline = plan_timeline(session, SpeechBank())
    spans = measuring.plan(timeline)
    assert all(s.weight == 1 for s in spans) and spans[0].first == 0
    assert [s.first for s in spans[1:]] == [s.last for s in spans[:-1]]
    assert spans[-1].last == measuring.block_count(timeline.length, timeline.rate)


def test_gated_with_equal_weights_is_the_plain_meter():
    rng = np.random.default_rng(1)
    meter = LoudnessMeter(SAMPLE_RATE, 2)
    for level in (0.3, 0.01, 0.0001, 0.2):
        meter.add(rng.standard_normal((SAMPLE_RATE * 3, 2)) * level)
    powers = meter.block_powers()
    assert math.isclose(measuring.gated(powers, np.ones(powers.size)), meter.integrated(), abs_tol=1e-9)


HOT_SCRIPT = """
title: Hot speech
length: 5m
background:
  duck: 6dB
  layers:
    - noise: pink
      volume: -30dB
sections:
  - title: Only
    steps:
      - say: Welcome, and settle in. Let the shoulders drop, and the breath slow down.
      - pause: 20s
      - bell: {sound: woodblock, strikes: 3, volume: 12dB}  # hot knocks: they drive the limiter
      - say: Notice the breath, in and out. Rest in the stillness for a while.
      - pause: fill
      - say: Slowly come back, and open your eyes.
"""


@pytest.mark.parametrize("extra_db", [0.0, 4.0, 8.0])
def test_predicted_limiting_matches_a_pass_through_the_limiter(write_script, fake_tts, extra_db):
    """The profile predicts the loudness after a gain and the limiter as a real limited pass measures it."""
    session = load(write_script(HOT_SCRIPT))
    speech = SpeechBank()
    timeline = plan_timeline(session, speech)
    options = Mastering()
    raw, _ = measure_loudness(timeline, MixSource(Mixer(timeline, speech)), options)
    gain_db = -16.0 - raw + extra_db
    spans = measuring.plan(timeline)
    mixer = Mixer(timeline, speech)
    heard = measuring.listen(spans, SAMPLE_RATE, 2, timeline.length, lambda a, b: mixer.blocks(a, b), profile=True)
    limiter = TruePeakLimiter(SAMPLE_RATE, 2, ceiling_db=options.true_peak)
    predicted = [measuring.limited(h, 10 ** (gain_db / 20), limiter.coarse_reduction, SAMPLE_RATE) for h in heard]
    real, _ = measure_loudness(timeline, MixSource(Mixer(timeline, speech)), options, gain_db=gain_db)
    unlimited = raw + gain_db
    if extra_db:
        assert real < unlimited - 0.3  # the limiter really took loudness away here
    assert measuring.loudness(predicted)[0] == pytest.approx(real, abs=0.05)


def test_the_render_lands_on_target_when_the_limiter_works_hard(write_script, fake_tts, tmp_path):
    """A track without speech is brought to the target as a whole, through the limiter
    (with speech, the speech is: tests/test_voice_level.py). Knocks alone, 12 dB hot,
    land 0.33 LU under the target (the same before the loudness was anchored on the
    voice, when the speech of this script hid it): the limiter model's margin."""
    from generator.pipeline.rendering import render

    unspoken = "\n".join(line for line in HOT_SCRIPT.splitlines() if "say:" not in line)
    result = render(write_script(unspoken), RenderOptions(output=tmp_path / "hot.wav", loudness=-12.0, sidecars=False))
    samples, rate = sf.read(str(tmp_path / "hot.wav"), always_2d=True)
    meter = LoudnessMeter(rate, 2)
    meter.add(samples)
    assert meter.integrated() == pytest.approx(-12.0, abs=0.4)
    assert result.gain_db > -12.0 - result.measured_lufs  # it asked for more gain than the bare difference
    assert result.levels is not None and result.levels.anchor == "mix"


def test_measuring_on_two_threads_hears_what_one_thread_hears(write_script, fake_tts, monkeypatch):
    from generator.master import mastering as render_module

    timeline, speech = timeline_of(write_script)
    both = measure_loudness(timeline, MixSource(Mixer(timeline, speech)), Mastering())
    monkeypatch.setattr(render_module, "available_cores", lambda: 1)
    one = measure_loudness(timeline, MixSource(Mixer(timeline, speech)), Mastering())
    assert both == pytest.approx(one, abs=1e-9)
    first, second = render_module._halves(measuring.plan(timeline))
    assert first and second  # the two threads really share the work


def test_a_failure_in_one_measuring_thread_stops_both(write_script, fake_tts):
    from generator.master import mastering as render_module

    timeline, speech = timeline_of(write_script)
    second_half: list[int] = []
    first, second = render_module._halves(measuring.plan(timeline))
    cut = measuring.hop_edge(max(0, second[0].first - measuring.PREROLL_HOPS), SAMPLE_RATE)

    class Failing(MixSource):
        """The first half's second window fails to read; the other thread's blocks are counted."""

        def blocks(self, start=0, end=None, **kwargs):
            if 0 < start < cut:
                raise OSError(5, "Input/output error")
            for block in super().blocks(start, end, **kwargs):
                if start >= cut:
                    second_half.append(block.shape[0])
                yield block

        def sibling(self):
            return Failing(self.mixer.sibling(), self.mono)

    with pytest.raises(OSError):
        measure_loudness(timeline, Failing(Mixer(timeline, speech)), Mastering())
    whole = sum(measuring.hop_edge(s.last - s.first + measuring.PREROLL_HOPS + 3, SAMPLE_RATE) for s in second)
    assert sum(second_half) < whole / 2  # the other thread gave up instead of finishing its half

"""A `play` file is read from disk a block at a time, and sounds exactly as when it was
decoded whole: its duration cut, raised-cosine fades and gain are applied per block."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import soundfile

from generator.core import model
from generator.core.audio import db_to_gain, to_samples
from generator.sources.files import DiskClip, load_sound
from generator.sources.played import PlayedSource
from tests.childmem import peak


def reference(play: model.Play, gain_db: float, length: int) -> np.ndarray:
    """The play as the mixer shaped it when the whole file was in memory."""
    samples = load_sound(play.path)
    if play.duration is not None:
        samples = samples[: to_samples(play.duration)]
    samples = samples.copy()
    for seconds, at_start in ((play.fade_in, True), (play.fade_out, False)):
        n = min(to_samples(seconds), samples.shape[0])
        if n > 1:
            ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))).astype(np.float32)[:, None]
            if at_start:
                samples[:n] *= ramp
            else:
                samples[-n:] *= ramp[::-1]
    return samples[:length] * np.float32(db_to_gain(gain_db))


@pytest.mark.parametrize("rate", [44_100, 48_000])
@pytest.mark.parametrize(("fade_in", "fade_out", "duration"), [(0, 0, None), (Fraction(1, 2), Fraction(3, 4), None), (1, 1, Fraction(3, 2))])
def test_blocks_from_disk_equal_the_whole_file_shaped_in_memory(tmp_path, rate, fade_in, fade_out, duration):
    noise = np.random.default_rng(7).uniform(-0.5, 0.5, size=(rate * 2 + 123, 2)).astype(np.float32)
    path = tmp_path / "sound.wav"
    soundfile.write(path, noise, rate, subtype="FLOAT")
    play = model.Play(path, model.Position("s.yaml"), volume=-6.0, fade_in=Fraction(fade_in), fade_out=Fraction(fade_out), duration=duration)
    expected = reference(play, -6.0, 10**9)
    source = PlayedSource(play, DiskClip.decode(path), -6.0, expected.shape[0])
    got = np.concatenate([source.render(start, 4096) for start in range(-1000, expected.shape[0] + 5000, 4096)])
    got = got[1000 : 1000 + expected.shape[0]]
    tolerance = 1e-6 if rate == 44_100 else 2e-3  # one resampling in blocks, the other at once
    assert np.max(np.abs(got - expected)) < tolerance
    assert source.render(expected.shape[0], 100).any() == False
    assert len(source) == expected.shape[0]


@pytest.mark.slow
def test_a_ten_minute_play_renders_in_bounded_memory(tmp_path):
    """1.1 GB when the file was decoded whole (and copied per pass); now about 150 MB."""
    n = 44_100 * 599
    with soundfile.SoundFile(tmp_path / "talk.wav", "w", 44_100, 2, "PCM_16") as handle:
        second = (0.1 * np.sin(np.arange(44_100) * 2 * np.pi * 220 / 44_100)).astype(np.float32)
        for _ in range(599):
            handle.write(np.stack([second, second], 1))
    (tmp_path / "p.yaml").write_text("title: P\nsections:\n  - title: A\n    steps:\n      - say: Hello.\n      - play: talk.wav\n")
    code, megabytes, stderr = peak(["render", "p.yaml", "-o", "p.wav"], tmp_path)
    assert code == 0, stderr
    assert megabytes < 300
    assert soundfile.info(str(tmp_path / "p.wav")).frames > n

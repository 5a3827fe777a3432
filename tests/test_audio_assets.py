"""The shipped soundscapes, measured the way a listener hears them.

Each ambience must be audible, move (its level over 1-second windows varies, unlike a
noise colour), loop without a seam, not repeat within a minute, and differ in spectrum
from the others; an `ambience:` layer plays it at the level its `volume` says.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from generator.sources import assets
from generator.core import model
from generator.core.audio import SAMPLE_RATE
from generator.cli import cli
from generator.core.errors import InputError
from generator.sources.ambience import PINK_LUFS, AmbienceSource
from generator.sources.noise import NoiseSource

AMBIENCES = ("rain", "stream", "ocean", "wind", "night", "fire")
ALL = AMBIENCES + ("pad",)
REPO = Path(__file__).resolve().parent.parent


@cache
def decoded(name: str) -> np.ndarray:
    samples, rate = soundfile.read(str(assets.asset_path(name)), dtype="float64", always_2d=True)
    assert rate == SAMPLE_RATE and samples.shape[1] == 2
    return samples


def loudness(samples: np.ndarray) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(samples))


def window_levels(mono: np.ndarray, window: int) -> np.ndarray:
    """Level (dB) of consecutive windows of `window` samples."""
    usable = mono[: mono.shape[0] // window * window].reshape(-1, window)
    return 10 * np.log10(np.mean(usable**2, axis=1) + 1e-20)


def test_manifest_lists_every_sound_with_its_file_and_licence():
    manifest = json.loads((REPO / "audio_assets" / "manifest.json").read_text())
    entries = {e["name"]: e for e in manifest["sounds"]}
    assert set(entries) == set(ALL)
    total = 0
    for name, entry in entries.items():
        assert entry["kind"] == ("music" if name == "pad" else "ambience")
        assert entry["licence"] == "GPL-3.0-or-later" and entry["description"]
        path = REPO / "audio_assets" / entry["file"]
        info = soundfile.info(str(path))
        assert (info.format, info.subtype, info.samplerate, info.channels) == ("OGG", "VORBIS", 44_100, 2)
        assert 60 <= info.frames / info.samplerate <= 120
        assert abs(info.frames / info.samplerate - entry["seconds"]) < 0.01
        total += path.stat().st_size
    assert total <= 40_000_000


@pytest.mark.parametrize("name", ALL)
def test_each_sound_is_audible_at_the_reference_loudness_with_headroom(name):
    samples = decoded(name)
    assert abs(loudness(samples) - assets.ambience(name).loudness) < 0.2
    assert abs(assets.ambience(name).loudness - (-27.0)) < 0.5
    assert 20 * np.log10(np.max(np.abs(samples))) < -1.0
    for channel in range(2):  # both ears carry sound
        assert 20 * np.log10(np.sqrt(np.mean(samples[:, channel] ** 2))) > -40


def test_each_ambience_moves_unlike_a_noise_colour():
    # The bare colour (without the slow drift a noise layer has), the stillest bed there is.
    noise = NoiseSource("pink", 3, SAMPLE_RATE, drift=False).render(0, 60 * SAMPLE_RATE).astype(np.float64).mean(axis=1)
    still = window_levels(noise, SAMPLE_RATE).std()
    assert still < 0.3
    for name in ALL:
        spread = window_levels(decoded(name).mean(axis=1), SAMPLE_RATE).std()
        assert spread > max(0.7, 5 * still), (name, spread)


@pytest.mark.parametrize("name", ALL)
def test_no_seam_where_the_loop_wraps(name):
    """The step from the last sample to the first, and the change in level across the
    wrap, are no larger than those anywhere in the two seconds either side."""
    samples = decoded(name)
    around = np.concatenate([samples[-2 * SAMPLE_RATE :], samples[: 2 * SAMPLE_RATE]])
    steps = np.abs(np.diff(around, axis=0)).max(axis=1)
    wrap = steps[2 * SAMPLE_RATE - 1]
    elsewhere = np.delete(steps, 2 * SAMPLE_RATE - 1)
    assert wrap <= np.quantile(elsewhere, 0.999), (wrap, np.quantile(elsewhere, 0.999))
    levels = window_levels(around.mean(axis=1), 441)  # 10 ms windows; the wrap falls between two
    jumps = np.abs(np.diff(levels))
    middle = levels.shape[0] // 2 - 1
    assert jumps[middle] <= np.quantile(np.delete(jumps, middle), 0.99), (jumps[middle], np.quantile(jumps, 0.99))


def repeat_peak(mono: np.ndarray, within: float = 60.0) -> float:
    """The highest normalised autocorrelation of the level over 1 s windows at lags up to
    `within` seconds, past its first fall below zero (the sound's own slow movement).
    The signal is taken as periodic (it is a loop). A sound that repeats scores near 1."""
    env = window_levels(mono, SAMPLE_RATE)
    env = env - env.mean()
    auto = np.fft.irfft(np.abs(np.fft.rfft(env)) ** 2, env.shape[0])
    auto /= auto[0]
    first = int(np.argmax(auto < 0))
    return float(auto[first : int(within) + 1].max())


def test_no_sound_repeats_within_a_minute():
    for name in ALL:
        peak = repeat_peak(decoded(name).mean(axis=1))
        assert peak < 0.7, (name, peak)
    # The measure does see a repeat: the same rain looped every 30 s scores near 1.
    rain = decoded("rain").mean(axis=1)[: 30 * SAMPLE_RATE]
    assert repeat_peak(np.tile(rain, 3)) > 0.95


def long_term_spectrum(samples: np.ndarray) -> np.ndarray:
    """Level in third-octave bands from 50 Hz to 16 kHz (dB), relative to the mean band."""
    mono = samples.mean(axis=1)
    frames = mono[: mono.shape[0] // 8192 * 8192].reshape(-1, 8192) * np.hanning(8192)
    power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(8192, 1 / SAMPLE_RATE)
    edges = 50 * 2 ** (np.arange(0, 29) / 3)
    bands = np.array([power[(freqs >= a) & (freqs < b)].sum() for a, b in zip(edges, edges[1:])])
    levels = 10 * np.log10(bands + 1e-20)
    return levels - levels.mean()


def test_the_sounds_are_distinct_in_spectrum():
    spectra = {name: long_term_spectrum(decoded(name)) for name in ALL}
    for i, a in enumerate(ALL):
        for b in ALL[i + 1 :]:
            distance = np.sqrt(np.mean((spectra[a] - spectra[b]) ** 2))
            assert distance > 4.0, (a, b, distance)


def test_pink_reference_is_the_noise_layer_loudness():
    noise = NoiseSource("pink", 9, SAMPLE_RATE).render(0, 20 * SAMPLE_RATE).astype(np.float64)
    assert abs(loudness(noise) - PINK_LUFS) < 0.3


@pytest.mark.parametrize("name", ("rain", "ocean", "pad"))
def test_an_ambience_layer_is_as_loud_as_pink_noise_at_the_same_volume(name):
    source = AmbienceSource(name, "0/0")
    layer = source.render(0, source.period).astype(np.float64)
    assert abs(loudness(layer) - PINK_LUFS) < 0.3


def test_two_layers_of_one_ambience_are_not_in_phase():
    a, b = AmbienceSource("rain", "0/0"), AmbienceSource("rain", "0/1")
    assert abs(a.offset - b.offset) > 5 * SAMPLE_RATE
    x, y = a.render(0, 10 * SAMPLE_RATE)[:, 0], b.render(0, 10 * SAMPLE_RATE)[:, 0]
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.1


def test_the_first_pass_plays_the_file_on_across_its_end():
    source = AmbienceSource("stream", "7/0")
    wrap = source.period - source.offset  # where the file wraps, in the layer's own samples
    assert source.join + 1000 < wrap < source.period - source.join - 1000
    joined = source.render(wrap - 1000, 2000)
    file = decoded("stream").astype(np.float32) * source.gain
    assert np.allclose(joined[:1000], file[-1000:], atol=1e-6)
    assert np.allclose(joined[1000:], file[:1000], atol=1e-6)


def test_any_window_renders_the_same_samples():
    source = AmbienceSource("rain", "0/0")
    whole = source.render(0, 4 * source.period)
    for start in (0, 17, source.period - source.join - 5, source.period + 3, 3 * source.period - 1):
        assert np.array_equal(source.render(start, 50_000), whole[start : start + 50_000]), start


def layer_levels(name: str, minutes: int) -> tuple[AmbienceSource, np.ndarray]:
    source = AmbienceSource(name, "0/0")
    samples = source.render(0, minutes * 60 * SAMPLE_RATE).astype(np.float64)
    return source, window_levels(samples.mean(axis=1), SAMPLE_RATE)


@pytest.mark.parametrize("name", ("rain", "night"))
def test_a_long_layer_does_not_reveal_the_loop(name):
    """Twelve minutes of one ambience: each pass starts somewhere new, so the level one
    loop later is unrelated (a plain loop correlates fully there), nothing recurs within
    a minute, and the crossings between passes neither dip nor bump."""
    source, levels = layer_levels(name, 12)
    period = round(source.period / SAMPLE_RATE)

    def correlation(lag: int) -> float:
        a, b = levels[:-lag] - levels.mean(), levels[lag:] - levels.mean()
        return float(np.sum(a * b) / np.sqrt(np.sum(a * a) * np.sum(b * b)))

    assert correlation(period) < 0.5, correlation(period)
    assert max(correlation(lag) for lag in range(20, 60)) < 0.6
    plain = window_levels(np.tile(decoded(name).mean(axis=1), 3), SAMPLE_RATE)
    assert np.corrcoef(plain[:-period], plain[period:])[0, 1] > 0.99  # what a plain loop does
    power = 10 ** (levels / 10)
    joins = [k * period for k in range(1, 12 * 60 // period) if k * period + 30 <= levels.shape[0]]
    inside = [10 * np.log10(power[j - 2 : j + 2].mean()) for j in joins]
    around = [10 * np.log10(np.r_[power[j - 30 : j - 2], power[j + 2 : j + 30]].mean()) for j in joins]
    assert abs(np.mean(np.subtract(inside, around))) < 1.5, (inside, around)  # a doubled pass would be +3 dB


def test_music_loops_plainly():
    source = AmbienceSource("pad", "0/0")
    assert source.reach == 0
    file = decoded("pad").astype(np.float32) * source.gain
    again = source.render(source.period - source.offset, 1000)
    assert np.allclose(again, file[:1000], atol=1e-6)


def test_unknown_names_say_what_was_meant():
    with pytest.raises(InputError, match=r"unknown ambience 'rian' \(did you mean 'rain'\?\)"):
        assets.asset_path("rian")
    assert assets.asset_path("ocean").is_file()


def test_list_sounds_has_recordings_and_bells():
    sounds = {s.name: s for s in assets.list_sounds()}
    assert set(sounds) == set(ALL) | set(model.BELL_NAMES)
    assert sounds["bowl"].kind == "bell" and 20 < sounds["bowl"].seconds < 40  # it rings for half a minute
    assert sounds["pad"].kind == "music" and sounds["night"].kind == "ambience"
    assert all(s.licence == "GPL-3.0-or-later" for s in sounds.values())


def test_sounds_command_lists_one_line_per_sound():
    result = CliRunner().invoke(cli, ["sounds"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(ALL) + len(model.BELL_NAMES)
    rain = next(line for line in lines if line.startswith("rain "))
    assert rain.split() == ["rain", "ambience", "1:30.0", "GPL-3.0-or-later"]
    assert any(line.split()[:2] == ["gong", "bell"] for line in lines)


def test_unknown_ambience_in_a_script_is_an_error_at_its_place(write_script):
    script = write_script(
        "title: T\nbackground:\n  layers:\n    - ambience: rian\n      volume: -20dB\n"
        "sections:\n  - title: A\n    steps: [{pause: 2s}]\n"
    )
    result = CliRunner().invoke(cli, ["check", str(script)])
    assert result.exit_code == 2
    assert f"{script}:4:17: error: unknown ambience 'rian' (did you mean 'rain'?)" in result.output


SENTENCE = "Breathe in slowly and let the breath settle here for a while."


def _bed_against_voice(write_script, tmp_path, layer: str, volume: str) -> tuple[float, tuple[int, int]]:
    """Render speech then a pause over `layer`: the pause's loudness minus the speech's,
    and the samples of the pause that were measured."""
    script = write_script(
        f"title: T\nbackground:\n  layers:\n    - {layer}\n      volume: {volume}\n"
        # Enough speech that it, not the bed, sets the track's loudness (and is not limited).
        "sections:\n  - title: A\n    steps: [{say: " + " ".join([SENTENCE] * 6) + "}, {pause: 20s}]\n",
        f"{layer.split(':')[0]}{volume}.yaml",
    )
    out = tmp_path / f"{layer.replace(': ', '-')}{volume}.wav"
    result = CliRunner().invoke(cli, ["render", str(script), "-o", str(out), "--no-sidecars"])
    assert result.exit_code == 0, result.output
    track, rate = soundfile.read(str(out), dtype="float64", always_2d=True)
    plan = json.loads(CliRunner().invoke(cli, ["plan", str(script), "--json"]).output)
    says = [step for step in plan["sections"][0]["steps"] if step["kind"] == "say"]
    speech = track[int(says[0]["start"] * rate) : int(says[-1]["end"] * rate)]
    window = (int((says[-1]["end"] + 3) * rate), int((says[-1]["end"] + 19) * rate))
    return loudness(track[window[0] : window[1]]) - loudness(speech), window


def test_ambience_renders_through_the_cli_at_its_volume(write_script, tmp_path, fake_tts):
    """Rain at -20 dB sits where pink noise at -20 dB does, give or take how much louder
    or softer the rain is in that stretch than on average; at -30 dB it is 10 dB lower."""
    rain, window = _bed_against_voice(write_script, tmp_path, "ambience: rain", "-20dB")
    pink, _ = _bed_against_voice(write_script, tmp_path, "noise: pink", "-20dB")
    quiet, _ = _bed_against_voice(write_script, tmp_path, "ambience: rain", "-30dB")
    stretch = AmbienceSource("rain", "0/0").render(window[0], window[1] - window[0])  # the first rain layer, seed 0
    expected = loudness(stretch.astype(np.float64)) - PINK_LUFS
    assert abs((rain - pink) - expected) < 0.5, (rain, pink, expected)
    assert abs((rain - quiet) - 10.0) < 0.5, (rain, quiet)

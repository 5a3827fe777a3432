"""Piper's decoder in windows: the same samples as the whole graph, memory bounded by the
window, the split model made once per model file, and the whole graph when it cannot be split."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import numpy as np
import pytest

from generator.core.model import Voice
from generator.voice import piper_engine, piper_split, piper_split_store
from generator.voice.piper_decoder import WINDOW_FRAMES, WindowedVoice, decode_in_windows

LONG = (
    "Let your eyes gently close, and allow your body to settle into the support beneath you, "
    "noticing the places where it meets the chair, the floor, or the bed beneath you."
)
"""One sentence of 167 characters: about 12 s at the default speed, several windows."""


def _toy_decoder(reach: int, hop: int):
    """A local decoder like HiFi-GAN's, in numpy: each frame's `hop` samples depend on the
    frames up to `reach` away (zero beyond the ends), and a nonlinearity; plus its runs."""
    runs: list[int] = []
    weights = np.linspace(1.0, 2.0, 2 * reach + 1)

    def run(feeds):
        z = feeds["z"][0, 0]
        runs.append(z.shape[-1])
        mixed = np.convolve(np.pad(z, reach), weights, mode="valid")
        return np.tanh(np.repeat(mixed, hop) * feeds["speaker"][0, 0, 0])[None, None, :]

    return run, runs


def test_windows_give_the_whole_decode_and_no_run_is_longer_than_a_window():
    run, runs = _toy_decoder(reach=7, hop=4)
    feeds = {"z": np.random.default_rng(1).standard_normal((1, 1, 1001)), "speaker": np.full((1, 1, 1), 0.3)}
    whole = run(feeds).reshape(-1)
    runs.clear()
    windows = decode_in_windows(run, feeds, ["z"], hop=4, context=8, window=100)
    assert np.array_equal(windows, whole)
    assert len(runs) == 11 and set(runs) == {100 + 2 * 8}  # every run the same length
    runs.clear()
    short = {"z": feeds["z"][..., :50], "speaker": feeds["speaker"]}
    assert np.array_equal(decode_in_windows(run, short, ["z"], hop=4, context=8, window=100), run(short).reshape(-1)[: 50 * 4])
    with pytest.raises(AssertionError):  # too little context shows
        np.testing.assert_array_equal(decode_in_windows(run, feeds, ["z"], hop=4, context=3, window=100), whole)


def test_a_model_without_a_decoder_is_recorded_and_runs_whole(tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["output"], name="/enc/Identity")], "plain",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, None])],
        [helper.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [1, None])],
    )
    model = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(model))
    assert piper_split_store.ensure_split(model, tmp_path / "cache") is None
    manifest = json.loads((piper_split_store.split_folder(model, tmp_path / "cache") / piper_split.MANIFEST).read_text())
    assert manifest["usable"] is False and "/dec/" in manifest["reason"]
    monkeypatch.setattr(piper_split_store, "_child", lambda args: pytest.fail("cut again"))
    assert piper_split_store.ensure_split(model, tmp_path / "cache") is None


def test_an_unwritable_cache_runs_whole(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert piper_split_store.ensure_split(Path(__file__), blocked) is None


@pytest.fixture(scope="module")
def split():
    """The built-in voice's split, in the test session's private cache."""
    made = piper_split_store.ensure_split(piper_engine.voice_path(Voice().name))
    assert made is not None
    return made


def _windowed_voice(split) -> WindowedVoice:
    path = piper_engine.voice_path(Voice().name)
    return WindowedVoice(Path(f"{path}.json"), split.front, split.decoder, windowed=split.windowed, hop=split.hop, context=split.context)


@pytest.mark.piper
def test_the_windowed_decode_of_a_long_sentence_is_the_whole_decode(split):
    voice = _windowed_voice(split)
    ids = voice._piper.phonemes_to_ids(voice.phonemize(LONG)[0])
    args = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([0.667, 1.4 / 0.9, 0.9], dtype=np.float32)}
    feeds = dict(zip([o.name for o in voice.front.get_outputs()], voice.front.run(None, args)))
    frames = feeds[split.windowed[0]].shape[-1]
    assert frames > 3 * WINDOW_FRAMES
    whole = voice.decoder.run(None, feeds)[0].reshape(-1)
    windows = decode_in_windows(voice._decode, feeds, split.windowed, hop=split.hop, context=split.context)
    assert windows.shape == whole.shape == (frames * split.hop,)
    assert np.max(np.abs(windows - whole)) < 1e-4


@pytest.mark.piper
def test_without_noise_the_split_voice_is_the_whole_graph(split):
    """The front graph draws noise; with none, Piper's own synthesis must come out again."""
    from piper import PiperVoice, SynthesisConfig

    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, length_scale=1.4 / 0.9, normalize_audio=False)
    whole = PiperVoice.load(str(piper_engine.voice_path(Voice().name)))
    expected = np.concatenate([chunk.audio_float_array for chunk in whole.synthesize(LONG, config)])
    got = np.concatenate(list(_windowed_voice(split).synthesize(LONG, config)))
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-4


@pytest.mark.piper
def test_the_engine_never_runs_the_decoder_on_more_than_a_window(split):
    engine = piper_engine.PiperEngine()
    voice = engine._load(piper_engine.voice_path(Voice().name))
    assert isinstance(voice, WindowedVoice)
    frames: list[int] = []
    real = voice.decoder.run

    def spy(names, feeds):
        frames.append(feeds[split.windowed[0]].shape[-1])
        return real(names, feeds)

    voice.decoder.run = spy
    clip = engine.synthesize(LONG, Voice(speed=0.7))
    assert len(frames) >= 4 and max(frames) <= WINDOW_FRAMES + 2 * split.context
    assert 0 < clip.samples.shape[0] < sum(frames) * split.hop  # the context is cropped away
    decoder, front = weakref.ref(voice.decoder), weakref.ref(voice.front)
    del voice.decoder.run  # the spy, and with it the bound method holding the session
    real = spy = None
    del voice
    engine.release()
    gc.collect()
    assert front() is None and decoder() is None


@pytest.mark.piper
def test_the_split_is_made_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDITATE_CACHE_DIR", str(tmp_path))
    steps: list[str] = []
    real = piper_split_store._child

    def counted(args):
        steps.append(args[0])
        return real(args)

    monkeypatch.setattr(piper_split_store, "_child", counted)
    path = piper_engine.voice_path(Voice().name)
    assert isinstance(piper_engine.PiperEngine()._load(path), WindowedVoice)
    assert steps == ["cut", "check"]
    folder = piper_split_store.split_folder(path)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert {"front.onnx", "decoder.onnx", piper_split.MANIFEST} <= set(stamps)
    manifest = json.loads((folder / piper_split.MANIFEST).read_text())
    assert manifest["usable"] and manifest["check_difference"] < 1e-4
    assert isinstance(piper_engine.PiperEngine()._load(path), WindowedVoice)  # a second engine, as a later render
    assert steps == ["cut", "check"]
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps


@pytest.mark.piper
def test_without_a_split_the_engine_runs_the_whole_graph(monkeypatch):
    from piper import PiperVoice

    monkeypatch.setattr(piper_engine, "ensure_split", lambda path: None)
    engine = piper_engine.PiperEngine()
    assert isinstance(engine._load(piper_engine.voice_path(Voice().name)), PiperVoice)
    clip = engine.synthesize("Rest here.", Voice())
    assert clip.samples.dtype == np.float32 and np.abs(clip.samples).max() > 0.01

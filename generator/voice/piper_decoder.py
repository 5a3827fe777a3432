"""Piper's synthesis with the voice's audio decoder run in windows of bounded length.

A Piper voice is one VITS graph, and onnxruntime runs it whole for each sentence: its
HiFi-GAN decoder works on the sentence's audio at full rate, so memory grows with the
sentence (the built-in voice takes about 23 MB more per second of speech, and the arena
keeps it). :mod:`generator.voice.piper_split` cuts the graph in two once per model; here
the front graph (text to the latent frames) runs whole, which is cheap, and the decoder
runs on a bounded number of frames at a time, each window with enough frames of context
on both sides that its own samples come out as the whole decode's (a convolutional
decoder only sees a few frames around each one: measured when the model is split).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

WINDOW_FRAMES = 64
"""Latent frames the decoder makes audio for per run (256 samples each at 22050 Hz for the
built-in voice: 0.74 s), with the context on either side. Synthesis of the breathing
session's 46 utterances alone (model load included), peak memory and time, on the 2-core
machine: 200 frames 300 to 303 MB in 13.8 to 15.5 s, 128 frames 288 MB, 64 frames 272 to
274 MB in 14.2 to 15.8 s, 32 frames 265 MB in 16.8 s. The model's own 93 MB and the
front graph stay whatever the window; below 64 the context's share of each run costs time."""

Run = Callable[[Mapping[str, np.ndarray]], np.ndarray]
"""One decoder run: its inputs by name, to its audio (samples, any leading unit axes)."""


def decode_in_windows(
    run: Run,
    feeds: Mapping[str, np.ndarray],
    windowed: Sequence[str],
    *,
    hop: int,
    context: int,
    window: int = WINDOW_FRAMES,
) -> np.ndarray:
    """The decoder's audio for `feeds`, made `window` frames at a time.

    The `windowed` inputs have the frames on their last axis and are cut; the others (a
    speaker's embedding) go whole into every run. Each run sees `window` + 2 `context`
    frames, its own and the context around them (at either end, more on the inner side),
    and keeps only its own frames' `hop` samples each. Every run has the same length, so
    onnxruntime plans its memory once and reuses it run after run."""
    frames = feeds[windowed[0]].shape[-1]
    span = window + 2 * context
    if frames <= span:
        return _samples(run(feeds), frames, hop)
    pieces = []
    for start in range(0, frames, window):
        end = min(frames, start + window)
        lo = min(max(0, start - context), frames - span)
        part = {name: (value[..., lo : lo + span] if name in windowed else value) for name, value in feeds.items()}
        audio = _samples(run(part), span, hop)
        pieces.append(audio[(start - lo) * hop : (end - lo) * hop])
    return np.concatenate(pieces)


def _samples(output: np.ndarray, frames: int, hop: int) -> np.ndarray:
    """The decoder's output as one row of samples, checked to be `hop` per frame (a window
    cropped by the wrong amount would shift the speech without any error)."""
    audio = output.reshape(-1)
    if audio.shape[0] != frames * hop:
        raise ValueError(f"the decoder made {audio.shape[0]} samples for {frames} frames, not {hop} each")
    return audio


def decoder_reach(run: Run, feeds: Mapping[str, np.ndarray], windowed: Sequence[str], hop: int) -> int:
    """How many frames away a latent frame changes the decoder's audio (its receptive
    field, each side), measured: one frame in the middle of `feeds` is nudged and the
    changed samples are found. Raises ValueError when the change reaches either end (the
    decoder is not local, or `feeds` too short to tell)."""
    frames = feeds[windowed[0]].shape[-1]
    middle = frames // 2
    nudged = {name: value.copy() for name, value in feeds.items()}
    for name in windowed:
        nudged[name][..., middle] += 1.0
    before = _samples(run(feeds), frames, hop)
    after = _samples(run(nudged), frames, hop)
    changed = np.flatnonzero(before != after)
    if changed.size == 0:
        raise ValueError("nudging a latent frame changed nothing: cannot measure the decoder's reach")
    first, last = int(changed[0]) // hop, int(changed[-1]) // hop
    if first == 0 or last == frames - 1:
        raise ValueError("a latent frame changes the audio to the ends of the test input")
    return max(middle - first, last - middle)


def _options(onnxruntime):
    """Piper's session options, but for the memory pattern: with it, onnxruntime lays out
    one block for all of a run's tensors from the second run of a shape on, beside the
    arena's chunks from the first: every window twice over (a 230-frame decoder run: 98 MB
    instead of 49). Without it the arena's chunks are reused; the samples are the same."""
    options = onnxruntime.SessionOptions()
    options.enable_mem_pattern = MEMORY_PATTERN
    return options


MEMORY_PATTERN = False
"""onnxruntime's memory pattern for the split voice's sessions (see :func:`_options`)."""


class WindowedVoice:
    """A Piper voice run as its two split graphs: piper's own phonemes and inputs, the
    front graph whole, the decoder in windows. Its audio is what `PiperVoice.synthesize`
    makes for the same latent frames (the front graph draws its own noise each time)."""

    def __init__(self, config_path: Path, front: Path, decoder: Path, *, windowed: Sequence[str], hop: int, context: int) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        with open(config_path, "r", encoding="utf-8") as handle:
            self.config = PiperConfig.from_dict(json.load(handle))
        # Phonemizing only (no session): piper's phonemes and ids, exactly as it makes them.
        self._piper = PiperVoice(session=None, config=self.config)  # type: ignore[arg-type]
        cpu = ["CPUExecutionProvider"]  # piper's own
        self.front = onnxruntime.InferenceSession(str(front), sess_options=_options(onnxruntime), providers=cpu)
        self.decoder = onnxruntime.InferenceSession(str(decoder), sess_options=_options(onnxruntime), providers=cpu)
        self._front_inputs = {i.name for i in self.front.get_inputs()}
        self._front_outputs = [o.name for o in self.front.get_outputs()]
        self.windowed, self.hop, self.context = tuple(windowed), hop, context

    def phonemize(self, text: str) -> list[list[str]]:
        return self._piper.phonemize(text)

    def synthesize(self, text: str, syn_config) -> Iterator[np.ndarray]:
        """One array of samples in [-1, 1] per sentence, as `PiperVoice.synthesize` gives
        (its `audio_float_array`), for a piper `SynthesisConfig`."""
        for phonemes in self.phonemize(text):
            if not phonemes:
                continue
            audio = self.phoneme_ids_to_audio(self._piper.phonemes_to_ids(phonemes), syn_config)
            if syn_config.normalize_audio:
                peak = np.max(np.abs(audio))
                audio = np.zeros_like(audio) if peak < 1e-8 else audio / peak
            if syn_config.volume != 1.0:
                audio = audio * syn_config.volume
            yield np.clip(audio, -1.0, 1.0).astype(np.float32)

    def phoneme_ids_to_audio(self, phoneme_ids: list[int], syn_config) -> np.ndarray:
        """The graph's inputs as `PiperVoice.phoneme_ids_to_audio` builds them, then the
        front graph whole and the decoder in windows."""
        own = self.config
        scales = np.array(
            [
                own.noise_scale if syn_config.noise_scale is None else syn_config.noise_scale,
                own.length_scale if syn_config.length_scale is None else syn_config.length_scale,
                own.noise_w_scale if syn_config.noise_w_scale is None else syn_config.noise_w_scale,
            ],
            dtype=np.float32,
        )
        ids = np.expand_dims(np.array(phoneme_ids, dtype=np.int64), 0)
        args = {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64), "scales": scales}
        speaker = syn_config.speaker_id if own.num_speakers > 1 else None
        if own.num_speakers > 1 and speaker is None:
            speaker = own.default_speaker_id
        if speaker is not None:
            args["sid"] = np.array([speaker], dtype=np.int64)
        feeds = dict(zip(self._front_outputs, self.front.run(None, args)))
        return decode_in_windows(self._decode, feeds, self.windowed, hop=self.hop, context=self.context)

    def _decode(self, feeds: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.decoder.run(None, dict(feeds))[0]

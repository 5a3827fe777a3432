"""How far under the voice each background layer sits, in LU.

A layer's `volume` is its RMS against the voice's, but loudness is what the ear (and the
loudness stage) hears: a 50 Hz tone at -20dB is K-weighted far down, pink noise at the
same volume is much louder than a sine. So a short stretch of the layer is rendered at
its volume, as the mix plays it, and measured (BS.1770), against the voice's nominal
loudness in the same mix. Accessibility guidance (WCAG technique G56) asks for
background sound at least 20 dB under speech: `meditate check` warns under
CLOSE_LU, naming the volume that would put the layer ADVISED_LU under, and the plan
picture shows every layer's level against the voice.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from generator.core import model
from generator.core.audio import SAMPLE_RATE
from generator.kinds.layers import LAYER_KINDS
from generator.kinds.steps import utterances
from generator.mix.mixer import BED_GAIN
from generator.sources.metering import LoudnessMeter

VOICE_LUFS = -18.1
"""The speech stem's loudness (stereo, before the track's gain) of utterances levelled to
VOICE_RMS_DB (-20 dBFS voiced RMS), with the chain's peak hold: measured over the library's
first sentences with the built-in voice (each sentence -17.1 to -20.4 LUFS)."""

CLOSE_LU = 15.0
"""A layer less than this far under the voice gets a warning from `check`."""

ADVISED_LU = 20.0
"""Where the warning advises putting it (WCAG G56)."""

ESTIMATE_SECONDS = 10.0
"""Seconds of the layer rendered for the estimate (noise's slow drift averages out)."""


class _Context:
    """The little a layer kind's source maker asks of the bed (generator.kinds.layers.BedContext)."""

    def __init__(self, base_dir: Path) -> None:
        self.rate = SAMPLE_RATE
        self.seed = 0
        self.base_dir = base_dir
        self._shared: dict[tuple, Any] = {}

    def shared(self, key: tuple, make: Callable[[], Any], *, across_threads: bool = False) -> Any:
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]


def layer_loudness(source: model.LayerSource, volume: float, base_dir: Path) -> float:
    """LUFS of the layer at `volume` as the mix plays it (before the track's gain)."""
    return _loudness(source, base_dir) + volume


@lru_cache(maxsize=64)
def _loudness(source: model.LayerSource, base_dir: Path) -> float:
    """LUFS of the layer at 0 dB (its volume only scales it)."""

    count = int(ESTIMATE_SECONDS * SAMPLE_RATE)
    sound = LAYER_KINDS.of(source).make(source, _Context(base_dir), count, 0)
    meter = LoudnessMeter(SAMPLE_RATE, 2)
    for start in range(0, count, SAMPLE_RATE):
        meter.add(sound.render(start, min(SAMPLE_RATE, count - start)) * BED_GAIN)
    return meter.integrated()


def against_voice(layer: model.Layer, base_dir: Path) -> float:
    """The layer's loudness against the voice's (LU, negative under it)."""
    return layer_loudness(layer.source, layer.volume, base_dir) - VOICE_LUFS


def every_layer(session: model.Session) -> Iterator[model.Layer]:
    """The session's layers and each section's own, once each."""
    backgrounds = [session.background] + [s.background for s in session.sections if s.background]
    seen: set[int] = set()
    for background in backgrounds:
        for layer in background.layers:
            if id(layer) not in seen:
                seen.add(id(layer))
                yield layer


def close_layers(session: model.Session) -> list[str]:
    """`check`'s warnings: each layer less than CLOSE_LU under the voice, at its place;
    else a background whose layers together are, at the background."""
    if not any(True for _ in _spoken(session)):
        return []  # no voice to sit under
    out = []
    backgrounds = [session.background] + [s.background for s in session.sections if s.background]
    for background in backgrounds:
        levels = [(layer, against_voice(layer, session.path.parent)) for layer in background.layers]
        close = [(layer, level) for layer, level in levels if np.isfinite(level) and level > -CLOSE_LU]
        for layer, level in close:
            out.append(_warning(layer.position, f"this {LAYER_KINDS.of(layer.source).name} layer sits", level, f"volume: {layer.volume - ADVISED_LU - level:.0f}dB"))
        total = 10 * np.log10(sum(10 ** (level / 10) for _, level in levels if np.isfinite(level)) or 1e-30)
        if not close and total > -CLOSE_LU:
            out.append(_warning(background.position, "these layers together sit", total, f"{-ADVISED_LU - total:.0f}dB on every volume"))
    return out


def _warning(position: object, what: str, level: float, fix: str) -> str:
    return (
        f"{position}: warning: {what} {_lu(level)} the voice (keep a background at least "
        f"{CLOSE_LU:g} LU under speech); {fix} would put it {ADVISED_LU:g} LU under"
    )


def _lu(level: float) -> str:
    return f"{-level:.1f} LU under" if level < 0 else f"{level:.1f} LU over"


def _spoken(session: model.Session) -> Iterator[model.Utterance]:

    return iter(utterances(session))


"""The `recorded` engine: the practitioner's own takes, cleaned so they sit like synthesized speech.

A take is read in whatever format and rate it came in, made mono, and cleaned of the
room's steady noise (a fan, a fridge, the microphone's hiss) by spectral gating
(`noisereduce`, stationary mode). The noise profile is taken from the take's own quietest
frames, the pauses before, between and after the words, which is what a sound engineer
would select by hand. The gate lowers the noise by at most 20 dB (`prop_decrease` 0.9)
rather than muting it: a fully gated floor chops the ends of soft consonants and leaves
"musical" artefacts, while 20 dB puts a -50 dBFS room below the background bed.

Trimming then uses a threshold above the cleaned floor, so a take that started a second
before the first word starts on the word; a lone click at either end (the mouse that
stopped the recording) is cut with the silence. Levelling, the voice chain and everything
after them are the same path every engine's speech goes through (generator.voice.delivery).
"""

from __future__ import annotations

import os

from pathlib import Path
from typing import Any, Mapping

import numpy as np
from yaml.nodes import Node

from generator.core.audio import SAMPLE_RATE, Clip, trim_silence
from generator.core.digest import file_digest
from generator.core.errors import InputError, display_path
from generator.core.model import Voice
from generator.voice.takequality import FRAME_SECONDS, decode, frame_levels, noise_floor_db
from generator.voice.takesheet import read_sheet
from generator.voice.base import TRIM_THRESHOLD_DB
from generator.core.suggest import did_you_mean
from generator.script.yamlnodes import NodeReader

VOICE_KEYS = ("takes", "fallback")
"""The `voice:` keys of a recorded voice (and the Voice fields they set)."""

CLEANING_VERSION = "1"
"""Bump when the cleaning changes, so cached takes are cleaned again."""

NOISE_REDUCTION = 0.9
"""noisereduce's prop_decrease: the noise is lowered by at most 20 dB."""

NOISE_THRESHOLD_STD = 1.5
"""Spectral gating threshold in standard deviations above the noise profile (the library's default)."""

TRIM_ABOVE_FLOOR_DB = 12.0
"""Lead-in and tail quieter than this above the cleaned noise floor are cut."""

CLICK_SECONDS = 0.06
CLICK_GAP_SECONDS = 0.3
"""A burst this short, this far from the words, at a take's start or end is a click, not speech."""



class RecordedEngine:
    """Speaks a text by finding its take in the voice's recording sheet."""

    name = "recorded"
    offline = True

    def voice_id(self, voice: Voice) -> str:
        return f"recorded:{CLEANING_VERSION}"

    def text_id(self, text: str, voice: Voice) -> str:
        """The text and its recording's content digest: a replaced take is a new cache entry."""
        return f"{text}\x1f{file_digest(self.take(text, voice))}"

    def take(self, text: str, voice: Voice) -> Path:
        if voice.takes is None:
            raise InputError(f"the recorded voice for \"{text}\" names no takes folder")
        sheet = read_sheet(voice.takes)
        row = sheet.row_for(text)
        path = sheet.recording(row) if row else None
        if path is None:
            raise InputError(f"no take for \"{text}\" in {display_path(voice.takes)} (run meditate takes)")
        return path

    def synthesize(self, text: str, voice: Voice) -> Clip:
        path = self.take(text, voice)
        samples = decode(path)
        if samples is None or samples.size == 0:
            raise InputError(f"take {display_path(path)} cannot be read as audio")
        return Clip(clean(samples), SAMPLE_RATE)


def clean(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A mono take with its steady noise lowered and its lead-in and tail cut."""
    import noisereduce

    levels = frame_levels(samples, rate)
    window = samples.shape[0] // max(1, levels.size)
    quiet = np.sort(np.argsort(levels)[: max(4, levels.size // 10)])
    profile = np.concatenate([samples[i * window : (i + 1) * window] for i in quiet])
    cleaned = noisereduce.reduce_noise(
        y=samples.astype(np.float32), sr=rate, stationary=True, y_noise=profile,
        prop_decrease=NOISE_REDUCTION, n_std_thresh_stationary=NOISE_THRESHOLD_STD,
    ).astype(np.float32)
    levels = frame_levels(cleaned, rate)
    floor_db = noise_floor_db(levels) + TRIM_ABOVE_FLOOR_DB
    cleaned = without_edge_clicks(cleaned, levels > floor_db, rate)
    peak_db = 20 * np.log10(float(np.max(np.abs(cleaned))) + 1e-12)
    # trim_silence compares 5 ms peaks with the clip's peak: the floor's peaks sit ~10 dB over its RMS.
    threshold = min(max(TRIM_THRESHOLD_DB, floor_db + 10.0 - peak_db), -12.0)
    return trim_silence(cleaned, rate, threshold_db=threshold)


def without_edge_clicks(samples: np.ndarray, loud: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Cut short bursts standing apart at either end (the click of the mouse that stopped the recording).

    `loud` marks the 20 ms frames above the floor; a run of at most CLICK_SECONDS that is
    CLICK_GAP_SECONDS or more away from the next run at the edge is not speech.
    """
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(np.int8), [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]
    short, gap = round(CLICK_SECONDS / FRAME_SECONDS), round(CLICK_GAP_SECONDS / FRAME_SECONDS)
    while len(runs) > 1 and runs[0][1] - runs[0][0] <= short and runs[1][0] - runs[0][1] >= gap:
        runs.pop(0)
    while len(runs) > 1 and runs[-1][1] - runs[-1][0] <= short and runs[-1][0] - runs[-2][1] >= gap:
        runs.pop()
    if not runs:
        return samples
    window = samples.shape[0] // max(1, loud.size)
    margin = gap * window // 2
    return samples[max(0, runs[0][0] * window - margin) : runs[-1][1] * window + margin]


def read_voice_keys(r: NodeReader, folder: Path, entries: Mapping[str, Any], engines: Mapping[str, Any], base: Voice, node: Node | None) -> dict:
    """`takes` (a folder, relative to the script) and `fallback` (an engine that speaks any
    text) of a recorded voice. Its `name` is the fallback's voice, so a new fallback brings
    its engine's default voice. `r` reads the file being loaded, whose folder is `folder`."""
    changes: dict = {}
    if "takes" in entries:
        raw = r.text(entries["takes"][1], "takes folder")
        if raw is not None:
            folder = _resolved(Path(raw) if Path(raw).is_absolute() else folder / raw)
            if folder.exists() and not folder.is_dir():
                r.error(entries["takes"][1], f"takes must be a folder (it holds takes.csv and the recordings), got the file '{raw}'")
            else:
                changes["takes"] = folder
    elif base.takes is None and node is not None:
        r.error(node, "a recorded voice needs its folder of recordings, e.g. 'takes: takes' (see meditate takes)")
    if "fallback" in entries:
        fallback = r.text(entries["fallback"][1], "voice fallback")
        choices = [name for name, kind in engines.items() if kind.synthetic]
        if fallback is not None and fallback not in choices:
            r.error(entries["fallback"][1], f"unknown fallback '{fallback}'{did_you_mean(fallback, choices)}; choose {' or '.join(choices)}")
        elif fallback is not None:
            changes["fallback"] = fallback
            if fallback != base.fallback:
                changes["name"] = engines[fallback].default_voice
    return changes


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # a symbolic link loop: then simply not a folder
        return Path(os.path.abspath(path))


def voice_rows() -> list[tuple[str, ...]]:
    """What `meditate voices` lists for recorded takes: one row, the practitioner's own voice."""
    return [("recorded", "takes: FOLDER", "yours", "", "1", "offline", "your own recordings, one per line (meditate takes, meditate record)")]


def check_language(voice: Voice, base: Path) -> tuple[str, str] | None:
    """A recording speaks whatever language it was spoken in: nothing to check."""
    return None

"""Tracks with planted mistakes, for measuring the proof (bench/proof_bench.py, tests/test_proof.py).

A planted session is a list of sentences, one `say` step each, over a soft drone. Some
sentences get a mistake of one of four kinds:

- **pronounce**: a `pronounce:` entry makes the voice say another word for one of its
  words ("shoulders: window"), rendered by the real voice;
- **cut**: the rendered sentence is cut short (silence from 55 % of its length on);
- **retold**: the timeline says another sentence than the one spoken (the voice read
  text the script no longer holds);
- **drowned**: loud pink noise over the sentence, 10 dB above the voice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KINDS = ("pronounce", "cut", "retold", "drowned")

OTHER_WORDS = ("window", "basket", "thunder", "pocket", "candle", "garden", "pillow", "marble", "ladder", "orange",
               "button", "carpet", "tiger", "hammer", "yellow", "rocket")
"""Words a planted `pronounce:` entry says instead: everyday words of two syllables."""

RETOLD = (
    "The train to the city leaves from platform nine at seven.",
    "Please return the library books before the end of the month.",
    "A cold wind blew across the harbour all through the night.",
    "The recipe needs two eggs, a cup of flour and some butter.",
    "Our meeting has been moved to Thursday afternoon.",
)
"""Sentences a retold timeline claims instead of what was spoken."""

_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Planted:
    """A planted track: where it is and which sentences (by order in the timeline) carry which mistake."""

    track: Path
    script: Path
    mistakes: dict[int, str]
    sentences: int


def plan_mistakes(sentences: list[str], every: int = 2) -> dict[int, str]:
    """Every `every`-th sentence gets a mistake, the kinds taking turns; a pronounce plant needs a word of its own."""
    mistakes: dict[int, str] = {}
    turn = 0
    for index in range(0, len(sentences), every):
        kind = KINDS[turn % len(KINDS)]
        if kind == "pronounce" and _own_word(sentences, index) is None:
            kind = "cut"
        mistakes[index] = kind
        turn += 1
    return mistakes


def _own_word(sentences: list[str], index: int) -> str | None:
    """The longest word (5 letters or more) of sentence `index` that no other sentence holds."""
    from generator.voice.pronounce import BUILTIN

    others = {w.lower() for i, s in enumerate(sentences) if i != index for w in _WORD.findall(s)}
    terms = {t.lower() for t in BUILTIN}
    words = [w for w in _WORD.findall(sentences[index]) if len(w) >= 5 and w.lower() not in others | terms]
    return max(words, key=len) if words else None


def script_text(title: str, sentences: list[str], mistakes: dict[int, str]) -> str:
    """The planted script: its `pronounce:` entries swap one word of each pronounce-planted sentence."""
    lines = [f"title: {json.dumps(title)}"]
    swaps = [(i, _own_word(sentences, i)) for i, kind in sorted(mistakes.items()) if kind == "pronounce"]
    if swaps:
        lines.append("pronounce:")
        for n, (_, word) in enumerate(swaps):
            other = OTHER_WORDS[n % len(OTHER_WORDS)]
            lines.append(f"  {word}: {other}")
    lines += [
        "background:",
        "  layers:",
        "    - tone: 136.1",
        "      volume: -28dB",
        "sections:",
        "  - title: Planted",
        "    steps:",
    ]
    for sentence in sentences:
        lines += [f"      - say: {json.dumps(sentence)}", "      - pause: 1.5s"]
    return "\n".join(lines) + "\n"


def plant(folder: Path, title: str, sentences: list[str], cache_dir: Path, every: int = 2, seed: int = 7) -> Planted:
    """Render the planted script to `folder/planted.wav` (real voice) and plant the audio and timeline mistakes."""
    import soundfile as sf

    from generator.pipeline.rendering import RenderOptions, render

    mistakes = plan_mistakes(sentences, every)
    script = folder / "planted.yaml"
    script.write_text(script_text(title, sentences, mistakes), encoding="utf-8")
    track = folder / "planted.wav"
    render(script, RenderOptions(output=track, format="wav", cache_dir=cache_dir))
    timeline_path = track.with_suffix(".json")
    timeline = json.loads(timeline_path.read_text(encoding="utf-8"))
    says = [step for section in timeline["sections"] for step in section["steps"] if step["kind"] == "say"]
    assert len(says) == len(sentences), "each planted sentence must be one say entry"
    samples, rate = sf.read(str(track), dtype="float32", always_2d=True)
    rng = np.random.default_rng(seed)
    retold = 0
    for index, kind in mistakes.items():
        start, end = int(says[index]["start"] * rate), int(says[index]["end"] * rate)
        if kind == "cut":
            cut_short(samples, start, end, rate)
        elif kind == "drowned":
            drown(samples, start, end, rng)
        elif kind == "retold":
            says[index]["text"] = RETOLD[retold % len(RETOLD)]
            retold += 1
    sf.write(str(track), samples, rate, subtype="PCM_16")
    timeline_path.write_text(json.dumps(timeline, indent=2), encoding="utf-8")
    return Planted(track, script, mistakes, len(sentences))


def cut_short(samples: np.ndarray, start: int, end: int, rate: int, keep: float = 0.55) -> None:
    """Silence the sentence from `keep` of its length on (a 20 ms fade, no click)."""
    cut = start + int((end - start) * keep)
    fade = min(int(0.02 * rate), end - cut)
    samples[cut : cut + fade] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    samples[cut + fade : end] = 0.0


def drown(samples: np.ndarray, start: int, end: int, rng: np.random.Generator, above_db: float = 10.0) -> None:
    """Pink noise over the sentence, `above_db` louder than the sentence (by RMS), kept below clipping."""
    span = samples[start:end]
    voice_rms = float(np.sqrt(np.mean(span**2))) or 1e-3
    white = rng.standard_normal(len(span))
    spectrum = np.fft.rfft(white)
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    pink = np.fft.irfft(spectrum, len(span))
    pink *= voice_rms * 10 ** (above_db / 20) / float(np.sqrt(np.mean(pink**2)))
    mixed = span + pink[:, None].astype(np.float32)
    peak = float(np.max(np.abs(mixed)))
    samples[start:end] = mixed / peak * 0.98 if peak > 0.98 else mixed

"""Bounds on what one script may make the program hold, checked before any synthesis.

Each bound protects memory (or the time spent refusing), and each is listed with the
memory it protects in docs/safety.md. The loader calls these from small hooks; nothing
here reads more than a file's header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from yaml.nodes import Node

from generator.script.yamlnodes import NodeReader
from generator.core.units import format_duration
from generator.script.probe import probe_seconds

MAX_SECTIONS = 255
"""A track's chapter table (ID3 CTOC) lists at most 255 chapters: more are refused by
`check`, never discovered after the render."""

MAX_LAYERS_PER_BACKGROUND = 8
"""Layers in one background (the session's or a section's)."""

MAX_LAYERS = 16
"""Layers in the whole script. Each distinct layer keeps its own source and buffers:
a render's peak memory was 162 MB with one pink-noise layer, 379 MB with 12 and 614 MB
with 24 (about 19 MB a layer), so 16 stay under about 450 MB."""

MAX_INCLUDES = 500
"""`include` steps reached, each alias and repeat counted: a short script that reaches one
file 40,000 times through aliases is refused at once instead of parsing it 40,000 times."""

MAX_UTTERANCE_CHARS = 150
"""The most characters the voice is given at once. Its memory grows with the length of
what it speaks in one go (Piper, then the voice chain on the whole utterance). Peak of a
whole render with the real voice and one sentence of N characters without a comma: a
short sentence 301 MB, 100 characters 425 MB, 150 characters 495 MB, 200 characters
616 MB, 250 characters 685 MB; Piper alone on 2,000 characters took about 2 GB. So a
longer sentence is split at a comma, semicolon, colon or dash, else between words."""

CLAUSE_PAUSE = Fraction(3, 10)
"""The silence between the pieces of a sentence split for length: the voice's pause at a comma."""

MIN_RATE, MAX_RATE = 8_000, 384_000
"""Sample rates a sound file may claim. An 80 kB WAV claiming 1 Hz would last 11 hours
and take some 14 GB once resampled to 44.1 kHz."""

MAX_CHANNELS = 8
"""A file's channels are decoded together (65,536 frames at a time) before two are kept."""

MAX_WHOLE_FILE_SECONDS = 600
"""A file only ffmpeg reads (not libsndfile) is decoded whole into memory first: 10
minutes is 212 MB at 44.1 kHz stereo."""

MAX_BELL_FILE_SECONDS = 60
"""Bell files are decoded whole and kept for the whole render."""

MAX_STREAMED_SECONDS = 2 * 3600
"""A `play` file or a background `file` that libsndfile reads is decoded once to a
temporary file on disk (an hour is 635 MB of disk) and read back a block at a time: a
render with a 10-minute `play` peaks at 151 MB (it took 1.1 GB when the file was decoded
whole into memory)."""

MAX_AUDIO_SECONDS = 4 * 3600
"""All the distinct sound files one script uses, together (decoded length)."""

MAX_ROSTER_BYTES = 1_000_000
"""A roster is read whole: a million bytes is some ten thousand clients."""


@dataclass(frozen=True)
class SoundInfo:
    """What a sound file's header claims."""

    rate: int
    channels: int
    frames: int
    size: int
    pcm_bytes: int | None  # bytes per sample of uncompressed data, else None

    @property
    def seconds(self) -> Fraction:
        return Fraction(self.frames, self.rate) if self.rate > 0 else Fraction(0)


_PCM_BYTES = {
    "PCM_S8": 1, "PCM_U8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8,
    "ULAW": 1, "ALAW": 1,
}

UNCOMPRESSED_CONTAINERS = frozenset({
    "WAV", "WAVEX", "W64", "RF64", "AIFF", "AU", "CAF", "RAW", "IRCAM", "NIST", "VOC", "PAF",
    "SVX", "MAT4", "MAT5", "PVF", "HTK", "SDS", "AVR", "SD2", "MPC2K", "XI", "WVE",
})
"""libsndfile's major formats that store samples as they are. Only these are checked for a
forged length: FLAC reports its decoded width (`PCM_16`, `PCM_24`) as its subtype, but its
frames are compressed, so a genuine 20 s FLAC holds fewer bytes than its samples would."""


def sound_info(path: Path) -> SoundInfo | None:
    """The header of a file libsndfile reads, or None for files it cannot read."""
    import soundfile

    try:
        info = soundfile.info(str(path))
        size = path.stat().st_size
    except Exception:  # noqa: BLE001 - libsndfile raises several types for unreadable files
        return None
    stored = _PCM_BYTES.get(info.subtype) if info.format in UNCOMPRESSED_CONTAINERS else None
    return SoundInfo(int(info.samplerate), int(info.channels), int(info.frames), size, stored)


def claim_problem(info: SoundInfo) -> str | None:
    """Why a header cannot be believed, or None. The data of uncompressed audio must be
    in the file: a header claiming more frames than the file holds is a forged length."""
    if not MIN_RATE <= info.rate <= MAX_RATE:
        return f"claims a sample rate of {info.rate} Hz; sound files must be {MIN_RATE} to {MAX_RATE} Hz"
    if not 1 <= info.channels <= MAX_CHANNELS:
        return f"claims {info.channels} channels; at most {MAX_CHANNELS}"
    if info.pcm_bytes is not None and info.frames * info.channels * info.pcm_bytes > info.size:
        return f"claims {info.frames} frames, more than its {info.size} bytes can hold; the file is damaged"
    return None


def length_problem(kind: str, seconds: Fraction, *, streamed: bool = True) -> str | None:
    """Why a sound file is too long for its use (`play`, `bell` or `layer`), or None.
    `streamed` when libsndfile reads it (else it is decoded whole, through ffmpeg)."""
    if kind == "bell":
        limit, advice = MAX_BELL_FILE_SECONDS, "; a longer sound can be played with play"
    elif streamed:
        limit, advice = MAX_STREAMED_SECONDS, ""
    else:
        limit, advice = MAX_WHOLE_FILE_SECONDS, " when only ffmpeg can read it; save it as WAV or FLAC"
    if seconds <= limit:
        return None
    return f"lasts {_minutes(seconds)}; a {kind} file may last at most {_minutes(Fraction(limit))}{advice}"


def _minutes(seconds: Fraction) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{float(seconds):.3g}s"


_SOFT_BREAK = re.compile(r"[,;:–—](?=\s)")


def pieces(sentence: str, limit: int = MAX_UTTERANCE_CHARS) -> list[str] | None:
    """`sentence` cut into pieces of at most `limit` characters: at the last comma,
    semicolon, colon or dash that fits, else at the last space. None when one word alone
    is longer than `limit` (nothing safe to cut at)."""
    out: list[str] = []
    rest = sentence.strip()
    while len(rest) > limit:
        head = rest[: limit + 1]
        cut = max((m.end() for m in _SOFT_BREAK.finditer(head) if m.end() <= limit), default=0)
        if cut < limit // 3:  # a comma near the start would leave a long tail: use a space
            cut = max(cut, head.rfind(" "))
        if cut <= 0:
            return None
        out.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        out.append(rest)
    return out


# --- the loader's hooks ------------------------------------------------------------------


@dataclass
class Budget:
    """What one script spends while it loads, counted against the limits (here and in
    generator.script.limits). The loader owns it and hands it to the bounds."""

    events: int = 0
    """Plan entries the steps expand to (limits.MAX_EVENTS)."""
    events_refused: bool = False
    """The events limit was passed (and reported, once)."""
    nesting: int = 0
    """Repeats open around the step being read (limits.MAX_NESTING)."""
    included_bytes: int = 0
    """The included files' sizes together (generator.load.loader.MAX_INCLUDED_BYTES)."""
    layers: int = 0
    """Background layers in the script so far (MAX_LAYERS)."""
    includes: int = 0
    """Includes reached, repeats and aliases counted (MAX_INCLUDES)."""
    audio_seconds: dict[Path, Fraction] = field(default_factory=dict)
    """Each sound file's believed length, probed once (MAX_AUDIO_SECONDS together)."""
    streamed: set[Path] = field(default_factory=set)
    """Sound files read from disk while mixing rather than decoded whole."""


class BoundsContext(Protocol):
    """What the bounds ask of the loader (generator.load.loader.Loader is one): the reader of
    the file being read, and the budget one script spends while it loads."""

    @property
    def read(self) -> NodeReader: ...

    budget: Budget


def probed_seconds(loader: BoundsContext, node: Node | None, what: str, path: Path) -> Fraction | None:
    """A sound file's length from a header that can be believed (else ffprobe's), or None
    with the problem reported at `node`: unreadable, a forged header, no sound."""

    info = sound_info(path)
    problem = claim_problem(info) if info is not None else None
    if problem is not None:
        loader.read.error(node, f"{what} file '{path.name}' {problem}")
        return None
    seconds = info.seconds if info is not None else probe_seconds(path)
    if seconds is None:
        loader.read.error(node, f"{what} file '{path.name}' is not an audio file this tool can read (WAV, FLAC, OGG or MP3; other formats need ffmpeg)")
        return None
    if seconds <= 0:
        loader.read.error(node, f"{what} file '{path.name}' holds no sound")
        return None
    if info is not None:
        loader.budget.streamed.add(path)
    return seconds


def sound_ok(loader: BoundsContext, node: Node | None, what: str, path: Path) -> bool:
    """A sound file probed (once: its length goes to the budget's `audio_seconds`) and within
    its bounds; False with the problem reported at `node`."""
    if path not in loader.budget.audio_seconds:
        seconds = probed_seconds(loader, node, what, path)
        if seconds is None:
            return False
        loader.budget.audio_seconds[path] = seconds
    return sound_fits(loader, node, what, path)


def sound_fits(loader: BoundsContext, node: Node | None, what: str, path: Path) -> bool:
    """A sound file within the length its use allows, and the script's sound files within
    MAX_AUDIO_SECONDS together; False with the problem reported at `node`."""
    seconds = loader.budget.audio_seconds[path]
    problem = length_problem(what, seconds, streamed=path in loader.budget.streamed)
    total = sum(loader.budget.audio_seconds.values(), Fraction(0))
    if problem is None and total > MAX_AUDIO_SECONDS:

        problem = (f"brings the script's sound files to {format_duration(float(total))}; "
                   f"together they may last at most {MAX_AUDIO_SECONDS // 3600}h")
    if problem is not None:
        loader.read.error(node, f"{what} file '{path.name}' {problem}")
        return False
    return True


def layers_fit(loader: BoundsContext, node: Node | None, count: int) -> bool:
    """At most MAX_LAYERS_PER_BACKGROUND in one background, MAX_LAYERS in the script."""
    loader.budget.layers += count
    if count > MAX_LAYERS_PER_BACKGROUND:
        loader.read.error(node, f"a background may have at most {MAX_LAYERS_PER_BACKGROUND} layers, this one has {count}")
        return False
    if loader.budget.layers > MAX_LAYERS:
        loader.read.error(node, f"the script's backgrounds have {loader.budget.layers} layers so far; at most {MAX_LAYERS} in all")
        return False
    return True


def include_fits(loader: BoundsContext, node: Node | None) -> bool:
    """One more `include` reached (aliases and repeats counted); False past MAX_INCLUDES
    (reported once)."""
    loader.budget.includes += 1
    if loader.budget.includes == MAX_INCLUDES + 1:
        loader.read.error(node, f"the script reaches more than {MAX_INCLUDES} includes (repeats and aliases counted)")
    return loader.budget.includes <= MAX_INCLUDES

"""The public library API: a script path in, a finished track out, atomically.

    from generator.render import render, RenderOptions
    result = render("scripts/welcome.yaml", RenderOptions(output=Path("welcome.mp3")))

Each stage is its own module (loader → timeline → mixer → output); this module only
strings them together, measures loudness in a first pass that writes nothing, and
makes sure a failed render never leaves a file (or damages an earlier one) at the target.
"""

from __future__ import annotations

import math
import os
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from generator import model
from generator.audio import SAMPLE_RATE, to_samples
from generator.errors import InputError, Position, ScriptError, ScriptErrors, display_path
from generator.loader import MAX_LENGTH_ENV, load_script, max_total_seconds
from generator.mixer import Mixer
from generator.timeline import Timeline, plan
from generator.tts import SpeechBank
from generator.yamlnodes import did_you_mean

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total): stages are 'speech', 'measure' and 'render'."""

LIMITER_PASSES = 3
"""At most this many measuring passes through the limiter to correct the loudness gain."""

LOUDNESS_TOLERANCE = 0.2
"""LU: close enough to the target to stop measuring."""

WORDS_PER_MINUTE = 150
"""A calm narration pace at speed 1, for `plan --estimate`."""


@dataclass
class RenderOptions:
    """Everything `meditate render` can be told; a Python caller sets the same fields."""

    output: Path | None = None
    format: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    engine: str | None = None
    section: str | None = None
    use_cache: bool = True
    cache_dir: Path | None = None
    loudness: float | None = None
    true_peak: float = -1.0
    bitrate: int = 128
    vbr_quality: int | None = None
    mono: bool = False
    sidecars: bool = True
    progress: Progress | None = None


@dataclass
class RenderResult:
    path: Path
    timeline: Timeline
    sidecars: list[Path]
    measured_lufs: float
    gain_db: float
    synthesized: int
    seconds: float


class BankLengths:
    """Sound lengths for the planner: speech from the bank, bells and files from their audio."""

    def __init__(self, speech: SpeechBank, base_dir: Path):
        self.speech_bank = speech
        self.base_dir = base_dir
        self._bells: dict[tuple, int] = {}

    def speech(self, utterance: model.Utterance) -> int:
        return self.speech_bank.length(utterance)

    def bell(self, bell: model.Bell) -> int:
        key = (bell.sound, bell.path)
        if key not in self._bells:
            from generator.sources.bells import bell_clip

            self._bells[key] = int(bell_clip(bell, self.base_dir).shape[0])
        return self._bells[key]

    def file(self, play: model.Play) -> int:
        import soundfile

        try:
            info = soundfile.info(str(play.path))
            frames = round(info.frames * SAMPLE_RATE / info.samplerate)
        except Exception:  # not a libsndfile format: decode it the long way
            from generator.sources.files import load_sound

            frames = int(load_sound(play.path).shape[0])
        if play.duration is not None:
            frames = min(frames, to_samples(play.duration))
        return frames


class EstimatedLengths(BankLengths):
    """Speech lengths guessed from word counts, for planning without synthesizing."""

    def speech(self, utterance: model.Utterance) -> int:
        known = self.speech_bank.cached_length(utterance)
        if known is not None:
            return known
        words = max(1, len(utterance.text.split()))
        seconds = words / (WORDS_PER_MINUTE * utterance.voice.speed / 60.0)
        return to_samples(round(seconds, 3))


def load(script: Path | str, variables: Mapping[str, str] | None = None, engine: str | None = None) -> model.Session:
    """Load and validate a script (raises ScriptErrors listing every problem)."""
    return load_script(script, variables, engine=engine)


def plan_timeline(
    session: model.Session,
    speech: SpeechBank,
    *,
    estimate: bool = False,
    progress: Progress | None = None,
) -> Timeline:
    """The session's timeline; speech is synthesized (and cached) unless `estimate`."""
    base = session.path.parent
    if estimate:
        return _within_limit(plan(session, EstimatedLengths(speech, base)))
    utterances = session.utterances()
    speech.prepare(utterances, (lambda d, t: progress("speech", d, t)) if progress else None)
    return _within_limit(plan(session, BankLengths(speech, base)))


def _within_limit(timeline: Timeline) -> Timeline:
    """The planned track, refused before rendering when it lasts longer than the limit.

    The loader already refuses what its lower bounds can see (pauses, breathing, a
    fastest-possible pace of speech); this catches what only the real lengths show."""
    limit = max_total_seconds()
    if timeline.length > to_samples(limit, timeline.rate):
        from generator.units import format_duration

        raise ScriptErrors([ScriptError(
            f"the planned track lasts {format_duration(timeline.seconds)}; a track may last at most "
            f"{format_duration(float(limit))} (set {MAX_LENGTH_ENV} to change it)",
            Position(display_path(timeline.session.path)),
        )])
    return timeline


def select_section(timeline: Timeline, title: str) -> Timeline:
    try:
        return timeline.only_section(title)
    except KeyError:
        titles = [s.title for s in timeline.sections]
        raise InputError(
            f"no section titled '{title}'{did_you_mean(title, titles)}; sections are: " + ", ".join(f"'{t}'" for t in titles)
        ) from None


def output_format(path: Path, requested: str | None) -> str:
    from generator.output.encoders import FORMATS

    fmt = (requested or path.suffix.lstrip(".") or "mp3").lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'{did_you_mean(fmt, FORMATS)}; choose one of {', '.join(FORMATS)}")
    return fmt


def render(script: Path | str, options: RenderOptions | None = None) -> RenderResult:
    """Render one script to a finished, tagged track (and its sidecars)."""
    options = options or RenderOptions()
    started = time.perf_counter()
    script = Path(script)
    session = load(script, options.variables, options.engine)
    if options.mono:
        _refuse_binaural_in_mono(session)
    fmt = output_format(options.output or Path(script.stem + ".mp3"), options.format)
    output = options.output or Path(f"{script.stem}.{fmt}")
    if output.is_dir():
        output = output / f"{script.stem}.{fmt}"
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: the output folder does not exist")
    _refuse_overwriting_inputs(script, output, options.sidecars)
    speech = SpeechBank(options.cache_dir, use_cache=options.use_cache)
    try:
        timeline = plan_timeline(session, speech, progress=options.progress)
        if options.section:
            timeline = select_section(timeline, options.section)
        target = options.loudness if options.loudness is not None else session.loudness
        measured, gain_db = loudness_gain(timeline, speech, options, target)
        staged = _stage_sidecars(output, timeline) if options.sidecars else []
        try:
            write_track(timeline, speech, output, fmt, gain_db, options, companions=staged)
        finally:
            for temp, _ in staged:
                temp.unlink(missing_ok=True)  # renamed into place on success; leftovers on failure
        sidecars = [final for _, final in staged]
        return RenderResult(output, timeline, sidecars, measured, gain_db, speech.synthesized, time.perf_counter() - started)
    finally:
        speech.close()


def binaural_layers(session: model.Session) -> list[model.Layer]:
    """Every binaural layer of the session and its sections (they need two channels)."""
    backgrounds = [session.background] + [s.background for s in session.sections if s.background]
    return [layer for bg in backgrounds for layer in bg.layers if isinstance(layer.source, model.Binaural)]


def _refuse_overwriting_inputs(script: Path, output: Path, sidecars: bool) -> None:
    """An output path that would replace the script, or a track its own sidecar would replace."""
    from generator.output.sidecars import sidecar_paths

    targets = [output, *(sidecar_paths(output) if sidecars else ())]
    if script.resolve() in {t.resolve() for t in targets}:
        raise InputError(f"{output}: rendering there would overwrite the script {script}; choose another output name")
    for path in targets:
        if path.is_dir():
            raise InputError(f"{path}: a folder is in the way of the output file")
    if sidecars and output.resolve() in {p.resolve() for p in sidecar_paths(output)}:
        raise InputError(f"{output}: a track named .json or .vtt would be replaced by its own sidecar; use --no-sidecars or another name")


def _stage_sidecars(output: Path, timeline: Timeline) -> list[tuple[Path, Path]]:
    """`<track>.json` and `<track>.vtt` written to temporary files beside the track, as
    (temporary, final) pairs: write_track renames them together with the track, so a
    failed render never leaves a new track beside old sidecars (or the reverse)."""
    from generator.output.sidecars import sidecar_paths, timeline_json, webvtt

    staged: list[tuple[Path, Path]] = []
    try:
        for final, text in zip(sidecar_paths(output), (timeline_json(timeline), webvtt(timeline))):
            fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent)
            staged.append((Path(name), final))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(name, 0o644)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    return staged


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP for the few renames that put a render in place, so
    an interruption lands before all of them or after all of them, never between."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _refuse_binaural_in_mono(session: model.Session) -> None:
    from generator.errors import ScriptError, ScriptErrors

    errors = [
        ScriptError("binaural beats need two channels; remove this layer or render without --mono", layer.position)
        for layer in binaural_layers(session)
    ]
    if errors:
        raise ScriptErrors(errors)


def _mixed(timeline: Timeline, speech: SpeechBank, mono: bool):
    for block in Mixer(timeline, speech).blocks():
        if mono:
            block = block.mean(axis=1, keepdims=True)
        yield block


def measure_loudness(timeline: Timeline, speech: SpeechBank, options: RenderOptions, gain_db: float | None = None) -> tuple[float, float]:
    """A pass that writes nothing: integrated loudness (BS.1770) and sample peak (dBFS).

    With `gain_db`, the mix is measured after that gain and the true-peak limiter, as
    it will be written; without, the raw mix is measured.
    """
    from generator.output.loudness import LoudnessMeter, TruePeakLimiter

    channels = 1 if options.mono else 2
    meter = LoudnessMeter(SAMPLE_RATE, channels)
    limiter = TruePeakLimiter(SAMPLE_RATE, channels, ceiling_db=options.true_peak) if gain_db is not None else None
    gain = np.float32(10 ** ((gain_db or 0.0) / 20))
    peak = 0.0
    done = 0
    for block in _mixed(timeline, speech, options.mono):
        peak = max(peak, float(np.max(np.abs(block))) if block.size else 0.0)
        meter.add(limiter.process(block * gain) if limiter else block)
        done += block.shape[0]
        if options.progress:
            options.progress("measure", done, timeline.length)
    if limiter:
        meter.add(limiter.flush())
    return meter.integrated(), (20 * math.log10(peak) if peak > 0 else float("-inf"))


def loudness_gain(timeline: Timeline, speech: SpeechBank, options: RenderOptions, target: float) -> tuple[float, float]:
    """The one linear gain that brings the finished track to `target` LUFS.

    When that gain pushes peaks into the limiter, the limiter takes a little loudness
    away; measuring passes through the limiter find how much, and the gain is corrected
    by the secant method until the result is within LOUDNESS_TOLERANCE (usually one or
    two passes; speech-only tracks otherwise end up about a LU short).
    """
    measured, peak = measure_loudness(timeline, speech, options)
    if not math.isfinite(measured):
        return measured, 0.0
    gain_db = target - measured
    if peak + gain_db <= options.true_peak - 1.0:
        return measured, gain_db  # the limiter will not touch it: one pass was enough
    previous: tuple[float, float] | None = None  # (gain, loudness) of the last try
    for _ in range(LIMITER_PASSES):
        limited, _ = measure_loudness(timeline, speech, options, gain_db)
        error = target - limited
        if not math.isfinite(limited) or abs(error) <= LOUDNESS_TOLERANCE:
            break
        slope = 1.0
        if previous is not None and limited != previous[1]:
            slope = (gain_db - previous[0]) / (limited - previous[1])  # secant: dB of gain per LU
        previous = (gain_db, limited)
        gain_db += error * min(max(slope, 1.0), 4.0)
    return measured, gain_db


def write_track(
    timeline: Timeline,
    speech: SpeechBank,
    output: Path,
    fmt: str,
    gain_db: float,
    options: RenderOptions,
    companions: Sequence[tuple[Path, Path]] = (),
) -> None:
    """Pass 2: mix with the loudness gain, limit true peaks, encode to a temporary file
    beside the target, tag it, and only then rename it into place, together with the
    already written `companions` (temporary, final) such as the sidecars."""
    from generator.output.encoders import open_encoder
    from generator.output.loudness import TruePeakLimiter
    from generator.output.tags import write_tags

    channels = 1 if options.mono else 2
    gain = np.float32(10 ** (gain_db / 20))
    temp: Path | None = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
        os.close(fd)
        temp = Path(temp_name)
        encoder = open_encoder(
            temp, fmt, rate=SAMPLE_RATE, channels=channels, bitrate=options.bitrate, vbr_quality=options.vbr_quality
        )
        try:
            limiter = TruePeakLimiter(SAMPLE_RATE, channels, ceiling_db=options.true_peak)
            done = 0
            for block in _mixed(timeline, speech, options.mono):
                encoder.write(limiter.process(block * gain))
                done += block.shape[0]
                if options.progress:
                    options.progress("render", done, timeline.length)
            encoder.write(limiter.flush())
        finally:
            encoder.close()
        cover, mime = cover_image(timeline.session)
        write_tags(temp, fmt, timeline, cover, mime)
        os.chmod(temp, 0o644)
        with _signals_held():
            os.replace(temp, output)
            for companion, final in companions:
                os.replace(companion, final)
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise


def cover_image(session: model.Session) -> tuple[bytes | None, str]:
    """The script's cover, or a generated calm one with the title when none is given."""
    if session.cover is not None:
        mime = "image/png" if session.cover.suffix.lower() == ".png" else "image/jpeg"
        return session.cover.read_bytes(), mime
    try:
        from generator.output.cover import default_cover
    except ImportError:
        return None, "image/png"
    return default_cover(session.title, session.artist), "image/png"

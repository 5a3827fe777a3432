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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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

LIMITER_STEPS = 8
"""At most this many secant steps (predictions, not passes) to correct the loudness gain for the limiter."""

LOUDNESS_TOLERANCE = 0.2
"""LU: close enough to the target to stop correcting the gain."""

LOSSY_PEAK_MARGIN = 1.0
"""dB the limiter aims under the true-peak ceiling for MP3 and OGG (so -2 dBTP by default,
as loudness guides advise for lossy coding): coding adds about 0.2 to 0.9 dB of true peak
(a bed-heavy 30-minute session limited to -1.09 dBTP decoded from 128 kbps MP3 at -0.20,
and at -0.51 with half this margin), so the decoded track stays under the ceiling."""

WORDS_PER_MINUTE = 157
"""Narration pace at speed 1 for `plan --estimate`: the offline voice measured over the
session library (bench/pace.py) speaks 141 words a minute inside `say` entries at the
default speed 0.9, pauses at commas included, sentence pauses not: 157 at speed 1."""


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
    """The planned track, refused before rendering when it is empty or longer than the limit.

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
    if timeline.length == 0:
        raise ScriptErrors([ScriptError(
            "the track would last 0s: every step is empty", Position(display_path(timeline.session.path))
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
    if fmt in ("mp3", "ogg"):
        options = replace(options, true_peak=options.true_peak - LOSSY_PEAK_MARGIN)
    output = options.output or Path(f"{script.stem}.{fmt}")
    if output.is_dir():
        output = output / f"{script.stem}.{fmt}"
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: the output folder does not exist")
    _refuse_overwriting_inputs(script, output, options.sidecars)
    speech = SpeechBank(options.cache_dir, use_cache=options.use_cache)
    try:
        # The mixing and output modules are imported, and the cover (a generated image
        # unless the script names one) is made, on the other core while speech is
        # synthesized (Piper keeps one core busy). The passes wait for it: the default
        # cover's arrays are the largest allocation of a render, and overlapping them
        # with the mixing raised the peak memory by up to 30 MB, at random.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="meditate-prepare") as pool:
            cover = pool.submit(_prepare_output, session)
            full = plan_timeline(session, speech, progress=options.progress)
            cover_art = cover.result()
            timeline, window = full, None
            if options.section:
                # A preview sounds exactly like its stretch of the whole track (same glides,
                # fades, ducking and loudness gain); its file is that section alone.
                timeline = select_section(full, options.section)
                section = next(s for s in full.sections if s.title == options.section)
                window = (section.start, section.end)
            target = options.loudness if options.loudness is not None else session.loudness
            mixer = Mixer(full, speech)
            measured, gain_db = loudness_gain(full, speech, options, target, mixer=mixer)
        staged = _stage_sidecars(output, timeline) if options.sidecars else []
        try:
            write_track(
                timeline, speech, output, fmt, gain_db, options, companions=staged,
                source=full, window=window, mixer=mixer, cover=cover_art,
            )
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
    real = os.path.realpath  # unlike Path.resolve, never raises on a symbolic link loop
    if real(script) in {real(t) for t in targets}:
        raise InputError(f"{output}: rendering there would overwrite the script {script}; choose another output name")
    for path in targets:
        if path.is_dir():
            raise InputError(f"{path}: a folder is in the way of the output file")
    if sidecars and real(output) in {real(p) for p in sidecar_paths(output)}:
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


def _mixed(
    timeline: Timeline,
    speech: SpeechBank,
    mono: bool,
    start: int = 0,
    end: int | None = None,
    *,
    mixer: Mixer | None = None,
    edge_fade: int = 0,
) -> Iterator[np.ndarray]:
    """The mix of samples ``start .. end`` of `timeline`, block by block (one channel if `mono`)."""
    mixer = mixer or Mixer(timeline, speech)
    for block in mixer.blocks(start, end, edge_fade=edge_fade):
        if mono:
            block = block.mean(axis=1, keepdims=True)
        yield block


class _Limited:
    """The write pass's gain and true-peak limiter, as one stage the measuring pass can reuse."""

    def __init__(self, gain_db: float, channels: int, ceiling_db: float) -> None:
        from generator.output.loudness import TruePeakLimiter

        self.gain = np.float32(10 ** (gain_db / 20))
        self.limiter = TruePeakLimiter(SAMPLE_RATE, channels, ceiling_db=ceiling_db)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        return self.limiter.process(block * self.gain)

    def flush(self) -> np.ndarray:
        return self.limiter.flush()


def measure_loudness(
    timeline: Timeline,
    speech: SpeechBank,
    options: RenderOptions,
    gain_db: float | None = None,
    *,
    mixer: Mixer | None = None,
) -> tuple[float, float]:
    """A pass that writes nothing: integrated loudness (BS.1770) and sample peak (dBFS).

    With `gain_db`, the mix is measured after that gain and the true-peak limiter, as
    it will be written; without, the raw mix is measured. Long tracks are measured
    through generator.measuring's plan: every busy moment exactly, the steady bed
    between them in weighted sample windows, which costs a fraction of a full mix.
    """
    from generator import measuring

    spans = measuring.plan(timeline)
    return measuring.loudness(_listen(timeline, speech, options, spans, gain_db, mixer or Mixer(timeline, speech)))


def _listen(
    timeline: Timeline,
    speech: SpeechBank,
    options: RenderOptions,
    spans: list,
    gain_db: float | None,
    mixer: Mixer,
    *,
    profile: bool = False,
) -> list:
    """generator.measuring.listen over `spans` of the mix (after the gain and limiter when
    `gain_db`; with each span's profile when `profile`).

    The spans are independent, so with two cores the second half of them is rendered
    on a second thread with a mixer of its own (sharing the decoded background files):
    mixing and metering are numpy and scipy work on large blocks, which releases the GIL.
    """
    from generator import measuring

    channels = 1 if options.mono else 2
    total = sum(measuring.hop_edge(s.last - s.first + 3, SAMPLE_RATE) for s in spans) or 1
    done = 0
    lock = threading.Lock()
    stop = threading.Event()  # set when one half failed: the other need not finish

    def renderer(part_mixer: Mixer) -> Callable[[int, int], Iterator[np.ndarray]]:
        def render(start: int, end: int) -> Iterator[np.ndarray]:
            nonlocal done
            for block in _mixed(timeline, speech, options.mono, start, end, mixer=part_mixer):
                if stop.is_set():
                    return
                yield block
                with lock:
                    done += block.shape[0]
                    if options.progress:
                        options.progress("measure", min(done, total), total)

        return render

    stage = (lambda: _Limited(gain_db, channels, options.true_peak)) if gain_db is not None else (lambda: None)

    def listen(part: list, part_mixer: Mixer) -> list:
        return measuring.listen(
            part, SAMPLE_RATE, channels, timeline.length, renderer(part_mixer), stage, profile=profile
        )

    first, second = _halves(spans)
    if not second or available_cores() < 2:
        return listen(spans, mixer)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="meditate-measure") as pool:
        later = pool.submit(listen, second, mixer.sibling())
        try:
            heard = listen(first, mixer)
        except BaseException:
            stop.set()
            raise
        return heard + later.result()


def _halves(spans: list) -> tuple[list, list]:
    """`spans` cut in two contiguous runs of about the same rendering work."""
    if len(spans) < 2:
        return spans, []
    from generator.measuring import PREROLL_HOPS

    # A span also renders its preroll and the three hops that finish its last block.
    sizes = np.cumsum([s.last - s.first + PREROLL_HOPS + 3 for s in spans])
    cut = int(np.searchsorted(sizes, sizes[-1] / 2)) + 1
    cut = min(max(cut, 1), len(spans) - 1)
    return spans[:cut], spans[cut:]


def available_cores() -> int:
    """CPUs this process may run on (what the measuring threads and batch jobs are sized by)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def loudness_gain(
    timeline: Timeline, speech: SpeechBank, options: RenderOptions, target: float, *, mixer: Mixer | None = None
) -> tuple[float, float]:
    """The one linear gain that brings the finished track to `target` LUFS.

    When that gain pushes peaks into the limiter, the limiter takes a little loudness
    away (speech-only tracks would end up about a LU short). The measuring pass keeps a
    coarse profile of every piece it hears, so the loudness after any gain and the
    limiter is predicted from those profiles without rendering anything again
    (generator.measuring.limited), and the gain is corrected by the secant method until
    the prediction is within LOUDNESS_TOLERANCE.
    """
    from generator import measuring
    from generator.output.loudness import TruePeakLimiter

    mixer = mixer or Mixer(timeline, speech)
    raw = _listen(timeline, speech, options, measuring.plan(timeline), None, mixer, profile=True)
    measured, _ = measuring.loudness(raw)
    if not math.isfinite(measured):
        return measured, 0.0
    limiter = TruePeakLimiter(SAMPLE_RATE, 1 if options.mono else 2, ceiling_db=options.true_peak)

    def through_limiter(gain_db: float) -> float:
        gain = 10 ** (gain_db / 20)
        return measuring.loudness([measuring.limited(h, gain, limiter.coarse_reduction, SAMPLE_RATE) for h in raw])[0]

    gain_db = target - measured
    previous: tuple[float, float] | None = None  # (gain, loudness) of the last try
    for _ in range(LIMITER_STEPS):
        limited = through_limiter(gain_db)
        error = target - limited
        if not math.isfinite(limited) or abs(error) <= LOUDNESS_TOLERANCE:
            break
        slope = 1.0
        if previous is not None and limited != previous[1]:
            slope = (gain_db - previous[0]) / (limited - previous[1])  # secant: dB of gain per LU
        previous = (gain_db, limited)
        gain_db += error * min(max(slope, 1.0), 4.0)
    return measured, gain_db


PREVIEW_EDGE_FADE = 0.5
"""Seconds over which a section preview fades the bed in and out where it cuts the track."""


def write_track(
    timeline: Timeline,
    speech: SpeechBank,
    output: Path,
    fmt: str,
    gain_db: float,
    options: RenderOptions,
    companions: Sequence[tuple[Path, Path]] = (),
    *,
    source: Timeline | None = None,
    window: tuple[int, int] | None = None,
    mixer: Mixer | None = None,
    cover: tuple[bytes | None, str] | None = None,
) -> None:
    """Pass 2: mix with the loudness gain, limit true peaks, encode to a temporary file
    beside the target, tag it, and only then rename it into place, together with the
    already written `companions` (temporary, final) such as the sidecars.

    `timeline` is what the file describes (its length, chapters, tags). The sound comes
    from `window` of `source` when given (a section preview: that stretch of the whole
    track, with the bed faded at the cut edges), else from `timeline` itself. Encoding
    runs in a worker thread (generator.pipeline), overlapping the mixing.
    """
    from generator.output.encoders import open_encoder
    from generator.output.tags import write_tags
    from generator.pipeline import EncoderFeed

    channels = 1 if options.mono else 2
    source = source or timeline
    start, end = window or (0, source.length)
    temp: Path | None = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
        os.close(fd)
        temp = Path(temp_name)
        encoder = open_encoder(
            temp, fmt, rate=SAMPLE_RATE, channels=channels, bitrate=options.bitrate, vbr_quality=options.vbr_quality
        )
        feed = EncoderFeed(encoder)
        try:
            stage = _Limited(gain_db, channels, options.true_peak)
            fade = to_samples(PREVIEW_EDGE_FADE) if window else 0
            done = 0
            for block in _mixed(source, speech, options.mono, start, end, mixer=mixer, edge_fade=fade):
                feed.write(stage(block))
                done += block.shape[0]
                if options.progress:
                    options.progress("render", done, end - start)
            feed.write(stage.flush())
            feed.finish()
        finally:
            feed.abort()
            encoder.close()
        cover_data, mime = cover if cover is not None else cover_image(timeline.session)
        write_tags(temp, fmt, timeline, cover_data, mime)
        os.chmod(temp, 0o644)
        with _signals_held():
            os.replace(temp, output)
            for companion, final in companions:
                os.replace(companion, final)
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise


def _prepare_output(session: model.Session) -> tuple[bytes | None, str]:
    """Import what the passes will need (scipy.signal alone takes a second or two), then make the cover."""
    import generator.bed  # noqa: F401
    import generator.output.encoders  # noqa: F401
    import generator.output.loudness  # noqa: F401
    import generator.output.tags  # noqa: F401

    return cover_image(session)


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

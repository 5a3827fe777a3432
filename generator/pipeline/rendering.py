"""The public library API: a script path in, a finished track out, atomically.

    from generator import render, RenderOptions
    result = render("scripts/welcome.yaml", RenderOptions(output=Path("welcome.mp3")))

Each stage is its own module (loader → timeline → mixer → mastering → output); this
module only strings them together: it loads and plans, asks mastering for the one
loudness gain, and hands the mastered blocks to the output's write stage, which puts the
track and its sidecars in place together or not at all.
"""

from __future__ import annotations

import dataclasses
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import InputError, Position, ScriptError, ScriptErrors, display_path
from generator.plan.lengths import HEAVY_IMPORTS, BankLengths, EstimatedLengths
from generator.script.limits import MAX_LENGTH_ENV, max_total_seconds
from generator.load.loader import load_script
from generator.master.mastering import Mastering, MixSource, Progress, levels, mastered
from generator.mix.mixer import Mixer
from generator.kinds.steps import utterances as spoken
from generator.output.formats import DEFAULT_FORMAT, OutputFormat, output_format
from generator.master.speechlevel import Levels
from generator.plan.timeline import Timeline, plan
from generator.voice.bank import SpeechBank


@dataclass(frozen=True)
class RenderOptions:
    """Everything `meditate render` can be told; a Python caller sets the same fields.

    Every field shapes the delivered track unless it is named in :attr:`NOT_IN_THE_TRACK`,
    so :meth:`track_key` (what batch fingerprints to skip rows that are up to date) covers
    a new option without anyone remembering to add it.
    """

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
    variants: bool = False
    """Also write the softer and voice-only mixes beside the track (generator.output.variants)."""
    progress: Progress | None = field(default=None, compare=False)
    required_variables: tuple[str, ...] = ()
    """`--set` names: each must be used by the script (else a script error, exit 2)."""

    NOT_IN_THE_TRACK = frozenset({"output", "section", "use_cache", "cache_dir", "progress", "required_variables"})
    """Fields that change where or how fast a track is made, never what it holds."""

    def track_key(self) -> tuple[tuple[str, Any], ...]:
        """Every field that shapes the track, as one hashable value (variables sorted)."""
        out = []
        for f in dataclasses.fields(self):
            if f.name in self.NOT_IN_THE_TRACK:
                continue
            value = getattr(self, f.name)
            out.append((f.name, tuple(sorted(value.items())) if isinstance(value, Mapping) else value))
        return tuple(out)


@dataclass(frozen=True)
class RenderResult:
    """What a render made: the file, its timeline and sidecars, and how it got there."""

    path: Path
    timeline: Timeline
    sidecars: list[Path]
    measured_lufs: float
    """Integrated loudness of the mix before the gain (LUFS)."""
    gain_db: float
    """The one gain applied to reach the target loudness."""
    synthesized: int
    """Utterances synthesized by this render (0 when the cache had them all)."""
    wall_seconds: float
    """How long the render took (wall-clock time, not the track's length)."""
    levels: Levels | None = None
    """The loudness stage's decision: the speech's and the whole track's loudness after the gain."""

    @property
    def loudness_summary(self) -> str:
        """render's line about the voice's loudness and the whole track's."""
        from generator.master.speechlevel import summary

        return summary(self.levels)


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
    utterances = spoken(session)
    speech.prepare(utterances, (lambda d, t: progress("speech", d, t)) if progress else None)
    return _within_limit(plan(session, BankLengths(speech, base)))


def _within_limit(timeline: Timeline) -> Timeline:
    """The planned track, refused before rendering when it is empty or longer than the limit.

    The loader already refuses what its lower bounds can see (pauses, breathing, a
    fastest-possible pace of speech); this catches what only the real lengths show."""
    limit = max_total_seconds()
    if timeline.length > to_samples(limit, timeline.rate):
        from generator.core.units import format_duration

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


def section_title(session: model.Session, wanted: str) -> str:
    """The title of the section `wanted` names (a title in any case, or a number from 1);
    InputError listing the sections otherwise."""
    from generator.plan.sectionpick import pick_section

    return pick_section([s.title for s in session.sections], wanted)


def select_section(timeline: Timeline, wanted: str) -> Timeline:
    """One section of the timeline alone (for previews), by title (case ignored) or
    number from 1 (see :mod:`generator.plan.sectionpick`)."""
    from generator.plan.sectionpick import pick_section

    return timeline.only_section(pick_section([s.title for s in timeline.sections], wanted))


def chosen_format(path: Path, requested: str | None) -> OutputFormat:
    """The format asked for, else the one the output's suffix names, else the default."""
    return output_format(requested or path.suffix.lstrip(".") or DEFAULT_FORMAT)


def render(script: Path | str, options: RenderOptions | None = None) -> RenderResult:
    """Render one script to a finished, tagged track (and its sidecars)."""
    options = options or RenderOptions()
    started = time.perf_counter()
    session = load_script(Path(script), options.variables, engine=options.engine, required=options.required_variables)
    return render_loaded(session, options, started=started)


def render_loaded(session: model.Session, options: RenderOptions, *, started: float | None = None) -> RenderResult:
    """Render a session already loaded (from `session.path`): a cluster worker is handed
    the session the client loaded, with its files' paths pointing at its own copies."""
    from generator.output.writing import Delivery, discard, stage_sidecars, write_track

    started = time.perf_counter() if started is None else started
    script = session.path
    chosen = section_title(session, options.section) if options.section else None  # before any synthesis
    if options.mono:
        _refuse_binaural_in_mono(session)
    fmt = chosen_format(options.output or Path(script.stem + ".mp3"), options.format)
    output = _output_path(script, options.output, fmt)
    _refuse_overwriting_inputs(script, output, options.sidecars, session.inputs)
    from generator.output import leftovers
    from generator.output.diskfull import full_disk_reported

    leftovers.sweep(output, options.sidecars)  # what a killed render of this output left
    master = Mastering(options.mono, options.true_peak - fmt.peak_margin, options.progress)
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
            cover_data, cover_mime = cover.result()
            timeline, window = full, None
            if options.section:
                # A preview sounds exactly like its stretch of the whole track (same glides,
                # fades, ducking and loudness gain); its file is that section alone.
                timeline = full.only_section(chosen)
                section = next(s for s in full.sections if s.title == chosen)
                window = (section.start, section.end)
            target = options.loudness if options.loudness is not None else session.loudness
            source = MixSource(Mixer(full, speech), master.mono)  # one mixer for both passes
            chosen = levels(full, source, master, target)
            measured, gain_db = chosen.mix_lufs, chosen.gain_db
        delivery = Delivery(
            timeline, fmt, master.channels, options.bitrate, options.vbr_quality, cover_data, cover_mime
        )
        with full_disk_reported(output.parent):
            staged = stage_sidecars(output, timeline, {"loudness": chosen.to_json()}) if options.sidecars else []
            try:
                if options.variants:
                    from generator.pipeline.variantmix import stage_variants

                    staged += stage_variants(output, full, speech, master, gain_db, delivery, window)
                write_track(mastered(source, master, gain_db, window=window), output, delivery, staged)
            finally:
                discard(staged)  # renamed into place on success; leftovers on failure
        sidecars = [final for _, final in staged]
        elapsed = time.perf_counter() - started
        return RenderResult(output, timeline, sidecars, measured, gain_db, speech.synthesized, elapsed, chosen)
    finally:
        leftovers.release()
        speech.close()


def _output_path(script: Path, requested: Path | None, fmt: OutputFormat) -> Path:
    """Where the track goes: `-o` (a file, or a folder to put `<script>.<suffix>` in), else here."""
    output = requested or Path(f"{script.stem}{fmt.suffix}")
    if output.is_dir():
        output = output / f"{script.stem}{fmt.suffix}"
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: the output folder does not exist")
    return output


def binaural_layers(session: model.Session) -> list[model.Layer]:
    """Every binaural layer of the session and its sections (they need two channels)."""
    backgrounds = [session.background] + [s.background for s in session.sections if s.background]
    return [layer for bg in backgrounds for layer in bg.layers if isinstance(layer.source, model.Binaural)]


def _refuse_overwriting_inputs(script: Path, output: Path, sidecars: bool, inputs: Sequence[Path] = ()) -> None:
    """An output path that would replace a file the script reads (the script, an include,
    a sound, the cover) or something that is not a regular file, or a track its own
    sidecar would replace (see generator.output.targets)."""
    from generator.output.sidecars import sidecar_paths
    from generator.output.targets import refuse_unsafe

    targets = [output, *(sidecar_paths(output) if sidecars else ())]
    refuse_unsafe(targets, [script, *inputs], main=script)
    real = os.path.realpath  # unlike Path.resolve, never raises on a symbolic link loop
    if sidecars and real(output) in {real(p) for p in sidecar_paths(output)}:
        raise InputError(f"{output}: a track named .json or .vtt would be replaced by its own sidecar; use --no-sidecars or another name")


def _refuse_binaural_in_mono(session: model.Session) -> None:
    errors = [
        ScriptError("binaural beats need two channels; remove this layer or render without --mono", layer.position)
        for layer in binaural_layers(session)
    ]
    if errors:
        raise ScriptErrors(errors)


def _prepare_output(session: model.Session) -> tuple[bytes | None, str]:
    """Import what the passes will need (scipy.signal alone takes a second or two), then make the cover."""
    with HEAVY_IMPORTS:
        import generator.mix.bed  # noqa: F401
        import generator.output.formats  # noqa: F401
        import generator.sources.metering  # noqa: F401
        import generator.output.writing  # noqa: F401
    from generator.output.cover import cover_art

    return cover_art(session)

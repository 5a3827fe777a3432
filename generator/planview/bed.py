"""The background lanes of the plan picture, drawn from the bed itself.

Each band is one of :class:`generator.mix.bed.Bed`'s own layer tracks: where it sounds, how
it crosses at section boundaries (a crossfade, or carrying on), the session's fades and
the dips of ducking come from the same code that makes the sound, so the picture cannot
drift from what is heard. Nothing is rendered: the bed makes its sources only when asked
for sound.
"""

from __future__ import annotations

from html import escape

import numpy as np

from generator.mix.bed import Bed, LayerTrack
from generator.master.layerlevel import against_voice
from generator.kinds.layers import LAYER_KINDS
from generator.planview.canvas import LEFT, Canvas, fitted
from generator.plan.timeline import Timeline
from generator.core.units import format_duration

BAND_HEIGHT = 56


def draw_background(canvas: Canvas, timeline: Timeline) -> None:
    """One lane per layer kind and occurrence, one band per track of the bed."""
    bed = Bed(timeline, timeline.session.path.parent)
    session_bg = timeline.session.background
    lanes: dict[tuple[str, int], list[LayerTrack]] = {}
    for stretch in bed.stretches():
        seen: dict[str, int] = {}
        for track in (t for t in bed.tracks if t.stretch == stretch):
            kind = LAYER_KINDS.of(track.layer.source).name
            lanes.setdefault((kind, seen.get(kind, 0)), []).append(track)
            seen[kind] = seen.get(kind, 0) + 1
    notes = []
    if session_bg.duck:
        notes.append(f"ducked {session_bg.duck:g} dB under the voice")
    if session_bg.fade_in:
        notes.append(f"fade in {float(session_bg.fade_in):g} s")
    if session_bg.fade_out:
        notes.append(f"fade out {float(session_bg.fade_out):g} s")
    canvas.add(f'<text class="lane-heading" x="{LEFT}" y="{canvas.y + 4:.1f}">Background'
               + (f'<tspan class="lane-note"> · {escape(", ".join(notes))}</tspan>' if notes else "") + "</text>")
    canvas.y += 14
    if not lanes:
        canvas.add(f'<text class="lane-note" x="{LEFT}" y="{canvas.y + 16:.1f}">no background layers: the voice alone</text>')
        canvas.y += 26
        return
    lanes_top = canvas.y
    for (kind, nth), tracks in lanes.items():
        y = canvas.y
        name = LAYER_KINDS[kind].title + (f" {nth + 1}" if nth else "")
        canvas.add(f'<g class="lane layer" data-kind="{kind}">')
        canvas.add(f'<text class="lane-label" x="{LEFT - 12}" y="{y + BAND_HEIGHT / 2 + 4:.1f}">{name}</text>')
        for track in tracks:
            canvas.add(_band(canvas, timeline, bed, track, y))
        canvas.add("</g>")
        canvas.y += BAND_HEIGHT + 6
    _crossfades(canvas, timeline, bed, lanes_top)


def _crossfades(canvas: Canvas, timeline: Timeline, bed: Bed, lanes_top: float) -> None:
    """A faint mark over every boundary where the bed crosses from one background to the next."""
    rate = timeline.rate
    for stretch in bed.stretches()[1:]:
        half = max(
            [t.fade_in for t in bed.tracks if t.start == stretch.start]
            + [t.fade_out for t in bed.tracks if t.end == stretch.start],
            default=0,
        )
        at = stretch.start / rate
        x0, x1 = canvas.x((stretch.start - half) / rate), canvas.x((stretch.start + half) / rate)
        seconds = float(stretch.background.crossfade)
        title = next(s.title for s in timeline.sections if s.start == stretch.start)
        canvas.add(
            f'<g class="crossfade" data-at="{at:.3f}"><title>crossfade {seconds:g} s into '
            f'{escape(title)} at {format_duration(at)}</title>'
            f'<rect class="xfade" x="{x0:.2f}" y="{lanes_top - 2:.1f}" width="{max(x1 - x0, 1.5):.2f}" '
            f'height="{canvas.y - lanes_top - 2:.1f}" rx="2"/></g>'
        )


def _titles(timeline: Timeline, track: LayerTrack) -> list[str]:
    return [s.title for s in timeline.sections if track.stretch.start <= s.start < track.stretch.end]


def _level(volume: float) -> float:
    """A layer's height in its lane (0..1) for a level in dB relative to the voice."""
    return min(1.0, max(0.0, (volume + 50.0) / 36.0))


def _band(canvas: Canvas, timeline: Timeline, bed: Bed, track: LayerTrack, y: float) -> str:
    """One layer over one stretch: its envelope (fades, crossfades, ducking) and label."""
    rate = timeline.rate
    first, last = track.first, track.last
    x0, x1 = canvas.x(first / rate), canvas.x(last / rate)
    columns = max(2, int(x1 - x0) + 1)
    positions = np.linspace(first, max(first, last - 1), columns).round().astype(np.int64)
    gain = track.envelope(positions) * bed.fade_gains(positions)
    ducked = bed.ducked_at(positions)
    duck_db = abs(timeline.session.background.duck)
    levels = [_level(track.layer.volume - (duck_db if d else 0.0)) * g for g, d in zip(gain.tolist(), ducked.tolist())]
    top = [f"{canvas.x(p / rate):.1f},{y + BAND_HEIGHT - 2 - (BAND_HEIGHT - 6) * level:.1f}" for p, level in zip(positions.tolist(), levels)]
    points = " ".join(top) + f" {x1:.1f},{y + BAND_HEIGHT - 2:.1f} {x0:.1f},{y + BAND_HEIGHT - 2:.1f}"
    kind = LAYER_KINDS.of(track.layer.source)
    start, end = track.stretch.start / rate, track.stretch.end / rate
    label, glide = _describe(track, timeline)
    label += f" · {track.layer.volume:g} dB"
    against = against_voice(track.layer, timeline.session.path.parent)
    if np.isfinite(against):
        label += f" · {against:+.0f} LU vs voice"
    tip = (
        f"{label}\n{format_duration(start)} – {format_duration(end)} ({', '.join(_titles(timeline, track))})"
        + (f"\nducked {duck_db:g} dB while the voice speaks" if duck_db else "")
        + ("\nthe session's background" if track.stretch.session else "\nthis section's own background")
    )
    out = [
        f'<g class="layer-band" data-kind="{kind.name}" data-start="{start:.3f}" data-end="{end:.3f}" '
        f'data-volume="{track.layer.volume:g}" data-voice-lu="{against:.1f}"><title>{escape(tip)}</title>',
        f'<polygon points="{points}" fill="{kind.colour}" fill-opacity="0.55" stroke="{kind.colour}" stroke-width="1"/>',
    ]
    if glide is not None:
        low, high = glide
        out.append(
            f'<line class="glide" x1="{canvas.x(start):.1f}" y1="{y + 20 + (1 - low) * (BAND_HEIGHT - 26):.1f}" '
            f'x2="{canvas.x(end):.1f}" y2="{y + 20 + (1 - high) * (BAND_HEIGHT - 26):.1f}"/>'
        )
    out.append(fitted(label, canvas.x(start) + 6, y + 13, canvas.x(end) - canvas.x(start) - 12, "layer-label"))
    out.append("</g>")
    return "".join(out)


def _describe(track: LayerTrack, timeline: Timeline) -> tuple[str, tuple[float, float] | None]:
    """A short label with the values this stretch actually hears, and the glide's line.

    Session layers glide over the whole track, so a stretch in the middle hears part of
    the glide; a section's own layers glide over that section.
    """
    stretch, total = track.stretch, timeline.length

    def at(glide, position: int) -> float:
        if stretch.session:
            fraction = position / total if total > 0 else 0.0
        else:
            size = stretch.end - stretch.start
            fraction = (position - stretch.start) / size if size > 0 else 0.0
        return glide.start + (glide.end - glide.start) * fraction

    def span(glide) -> str:
        a, b = at(glide, stretch.start), at(glide, stretch.end)
        return _number(a) if abs(a - b) < 1e-9 else f"{_number(a)}→{_number(b)}"

    def line(glide) -> tuple[float, float] | None:
        if glide.constant:
            return None
        low, high = sorted((glide.start, glide.end))
        return (at(glide, stretch.start) - low) / (high - low), (at(glide, stretch.end) - low) / (high - low)

    return LAYER_KINDS.of(track.layer.source).describe(track.layer.source, span, line)


def _number(value: float) -> str:
    """136.1, 10, 7.83: as written, without float noise."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def layer_legend(timeline: Timeline) -> list[str]:
    """Legend items for the layer kinds the track uses, and crossfades when there are any."""
    backgrounds = [timeline.session.background] + [s.background for s in timeline.sections]
    used = {LAYER_KINDS.of(layer.source).name for bg in backgrounds for layer in bg.layers}
    out = [
        f'<li><span class="swatch layer" style="background:{kind.colour}"></span>{name} layer</li>'
        for name, kind in LAYER_KINDS.items()
        if name in used
    ]
    if len(Bed(timeline, timeline.session.path.parent).stretches()) > 1:
        out.append('<li><span class="swatch xfade-swatch"></span>crossfade between backgrounds</li>')
    return out

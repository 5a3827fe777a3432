"""The timeline as a picture: `meditate plan SCRIPT --html FILE`.

A practitioner adapting a session wants to *see* its shape: where the talking is dense
and where silence opens up, how long the breathing practice runs, what sounds underneath.
This module draws that as one self-contained HTML page (inline SVG and CSS, nothing
fetched from anywhere, so it opens offline and can be mailed as it is):

* section bands across the top, with their titles, start times and lengths;
* foreground lanes: the voice (speech and pauses), bells, breathing phases (inhale, hold
  and exhale in their own colours) and played sounds;
* background lanes: one per layer, drawn as the layer's loudness envelope over time, so
  fades, crossfades between sections and the dips of ducking under the voice are seen
  rather than described; glides (a binaural beat moving from 10 to 6 Hz) as a line across
  the layer, with the values at each end in its label;
* a time axis, a legend, the total length, and hover titles with the exact times and text.

Every drawn entry carries `class="entry KIND"` and `data-start`/`data-end` in seconds, and
every section `data-start`/`data-end`, so tests (and curious users) can check the picture
against `meditate plan --json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable

from generator import model
from generator.bed import MIN_CROSSFADE, steady
from generator.timeline import Entry, SectionPlan, Timeline
from generator.units import format_duration

WIDTH = 1320
LEFT = 128  # the lane labels' column
RIGHT = 20
PLOT = WIDTH - LEFT - RIGHT
CHAR = 6.1  # px per character at the 11 px label size (a calm estimate, for fitting labels)

KIND_COLOURS = {
    "say": "#6f8fb3",
    "pause": "#e6e1d8",
    "bell": "#c9953c",
    "inhale": "#6aa99b",
    "hold": "#d8c690",
    "exhale": "#9b8fc0",
    "play": "#b07f86",
}
SECTION_FILLS = ("#eef2f0", "#f4efe7")
LAYER_COLOURS = {
    "binaural": "#7b9cc4",
    "isochronic": "#8fb0a0",
    "noise": "#b8ab98",
    "tone": "#c5a3b5",
    "file": "#9db7a4",
    "ambience": "#8fb3c4",
}
LAYER_NAMES = {"binaural": "Binaural", "isochronic": "Isochronic", "noise": "Noise", "tone": "Tone", "file": "Sound file", "ambience": "Ambience"}


def plan_html(timeline: Timeline, *, estimated: bool = False) -> str:
    """The whole page for `timeline` (UTF-8 text, no external resources)."""
    svg = plan_svg(timeline)
    total = format_duration(timeline.seconds)
    sections = len(timeline.sections)
    meta = f"{total} · {sections} section{'s' if sections != 1 else ''}"
    if estimated:
        meta += " · speech lengths estimated"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{escape(timeline.title)} · plan</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{escape(timeline.title)}</h1><p class=\"meta\">total <strong>{total}</strong> · {escape(meta.split(' · ', 1)[1])}</p></header>\n"
        f"<figure>\n{svg}\n</figure>\n{_legend(timeline)}\n"
        "<p class=\"hint\">Hover over anything for its exact times and words.</p>\n"
        "</main>\n</body>\n</html>\n"
    )


# --- the SVG ------------------------------------------------------------------------------


@dataclass
class _Canvas:
    """Seconds to pixels for one timeline, and the SVG elements drawn so far."""

    seconds: float
    parts: list[str]
    y: float = 0.0

    def x(self, seconds: float) -> float:
        return LEFT + PLOT * (seconds / self.seconds if self.seconds > 0 else 0.0)

    def add(self, text: str) -> None:
        self.parts.append(text)


def plan_svg(timeline: Timeline) -> str:
    """The timeline drawing alone: a standalone, well-formed SVG element."""
    canvas = _Canvas(max(timeline.seconds, 1e-9), [])
    rate = timeline.rate
    canvas.y = 34
    top = canvas.y
    _sections(canvas, timeline.sections, rate)
    canvas.y += 14
    _foreground(canvas, timeline, rate)
    canvas.y += 18
    _background(canvas, timeline, rate)
    bottom = canvas.y
    grid = _axis(canvas, top, bottom) + _boundaries(canvas, timeline, top + 52, bottom)
    height = bottom + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'role="img" aria-label="{_attr("Timeline of " + timeline.title)}" data-duration="{timeline.seconds:.3f}">\n'
        + grid
        + "\n".join(canvas.parts)
        + "\n</svg>"
    )


def _axis(canvas: _Canvas, top: float, bottom: float) -> str:
    """Faint vertical grid lines at a calm interval, with times above and below."""
    step = next((s for s in (10, 30, 60, 120, 300, 600, 900, 1800, 3600) if canvas.seconds / s <= 14), 7200)
    out = ['<g class="axis">']
    t = 0.0
    while t <= canvas.seconds + 1e-6:
        x = canvas.x(t)
        label = _clock(t)
        out.append(f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{bottom + 4:.1f}"/>')
        out.append(f'<text x="{x:.1f}" y="{top - 10:.1f}">{label}</text>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 18:.1f}">{label}</text>')
        t += step
    out.append("</g>")
    return "\n".join(out) + "\n"


def _boundaries(canvas: _Canvas, timeline: Timeline, top: float, bottom: float) -> str:
    """A faint line down from each section's start, tying the lanes to the bands."""
    lines = [
        f'<line x1="{canvas.x(s.start / timeline.rate):.1f}" y1="{top:.1f}" x2="{canvas.x(s.start / timeline.rate):.1f}" y2="{bottom:.1f}"/>'
        for s in timeline.sections[1:]
    ]
    return '<g class="boundaries">' + "".join(lines) + "</g>\n"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _sections(canvas: _Canvas, sections: Iterable[SectionPlan], rate: int) -> None:
    height = 52
    y = canvas.y
    for index, section in enumerate(sections):
        start, end = section.start / rate, section.end / rate
        x0, x1 = canvas.x(start), canvas.x(end)
        width = max(x1 - x0, 0.5)
        span = f"{format_duration(start)} – {format_duration(end)} ({format_duration(end - start)})"
        canvas.add(
            f'<g class="section" data-title="{_attr(section.title)}" data-start="{start:.3f}" data-end="{end:.3f}">'
            f"<title>{escape(section.title)}\n{span}</title>"
            f'<clipPath id="section-{index}"><rect x="{x0:.2f}" y="{y:.1f}" width="{max(width - 4, 0.5):.2f}" height="{height}"/></clipPath>'
            f'<rect x="{x0:.2f}" y="{y:.1f}" width="{width:.2f}" height="{height}" rx="6" fill="{SECTION_FILLS[index % 2]}"/>'
            f'<g clip-path="url(#section-{index})">'
            + _fitted(section.title, x0 + 8, y + 22, width - 14, "section-title")
            + _fitted(_first_fitting((f"{format_duration(start)} · {format_duration(end - start)}", format_duration(end - start)), width - 14),
                      x0 + 8, y + 40, width - 14, "section-time")
            + "</g></g>"
        )
    canvas.add(f'<text class="lane-label" x="{LEFT - 12}" y="{y + 28:.1f}">Sections</text>')
    canvas.y += height


def _first_fitting(texts: tuple[str, ...], room: float) -> str:
    """The first of `texts` that fits `room` px whole, else the last (to be shortened)."""
    return next((t for t in texts if len(t) * CHAR <= room), texts[-1])


def _fitted(text: str, x: float, y: float, room: float, cls: str) -> str:
    """`text` shortened with an ellipsis to fit `room` px (nothing when there is no room)."""
    per_char = CHAR * (1.25 if cls == "section-title" else 1.0)
    fits = int(room / per_char)
    if fits < 3:
        return ""
    if len(text) > fits:
        text = text[: fits - 1].rstrip() + "…"
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}">{escape(text)}</text>'


_LANES = (
    ("Voice", ("say", "pause")),
    ("Bells", ("bell",)),
    ("Breathing", ("inhale", "hold", "exhale")),
    ("Sounds", ("play",)),
)


def _foreground(canvas: _Canvas, timeline: Timeline, rate: int) -> None:
    entries = timeline.entries()
    for name, kinds in _LANES:
        mine = [e for e in entries if e.kind in kinds]
        if not mine and name != "Voice":
            continue
        height = 40 if name == "Breathing" else 30
        y = canvas.y
        canvas.add(f'<g class="lane foreground" data-lane="{name.lower()}">')
        canvas.add(f'<text class="lane-label" x="{LEFT - 12}" y="{y + height / 2 + 4:.1f}">{name}</text>')
        canvas.add(f'<line class="lane-rule" x1="{LEFT}" y1="{y + height / 2:.1f}" x2="{LEFT + PLOT}" y2="{y + height / 2:.1f}"/>')
        for entry in mine:
            canvas.add(_entry(canvas, entry, rate, y, height))
        canvas.add("</g>")
        canvas.y += height + 8


def _entry(canvas: _Canvas, entry: Entry, rate: int, y: float, height: float) -> str:
    start, end = entry.start / rate, entry.end / rate
    x0 = canvas.x(start)
    width = max(canvas.x(end) - x0, 0.6)
    tip = f"{entry.kind} {format_duration(start)} – {format_duration(end)} ({end - start:.2f} s)"
    if entry.cycle is not None:
        tip += f", breath {entry.cycle}"
    if entry.text:
        tip += f"\n{entry.text}"
    head = f'<g class="entry {entry.kind}" data-start="{start:.3f}" data-end="{end:.3f}"><title>{escape(tip)}</title>'
    colour = KIND_COLOURS.get(entry.kind, "#999")
    if entry.kind == "pause":
        shape = f'<rect x="{x0:.2f}" y="{y + height / 2 - 2:.1f}" width="{width:.2f}" height="4" rx="2" fill="{colour}"/>'
    elif entry.kind == "bell":
        cx, cy = x0, y + height / 2
        ring = f'<rect x="{x0:.2f}" y="{cy - 3:.1f}" width="{width:.2f}" height="6" rx="3" fill="{colour}" opacity="0.35"/>'
        shape = ring + f'<circle cx="{cx:.2f}" cy="{cy:.1f}" r="6" fill="{colour}"/>'
    elif entry.kind in ("inhale", "exhale"):  # a rising or falling wedge: the breath's direction
        y0, y1 = y + 2, y + height - 2
        x1 = x0 + width
        points = (
            f"{x0:.2f},{y1:.1f} {x1:.2f},{y0:.1f} {x1:.2f},{y1:.1f}"
            if entry.kind == "inhale"
            else f"{x0:.2f},{y0:.1f} {x1:.2f},{y1:.1f} {x0:.2f},{y1:.1f}"
        )
        shape = f'<polygon points="{points}" fill="{colour}"/>'
    elif entry.kind == "hold":
        shape = f'<rect x="{x0:.2f}" y="{y + height / 2 - 4:.1f}" width="{width:.2f}" height="8" fill="{colour}"/>'
    else:
        shape = f'<rect x="{x0:.2f}" y="{y + 4:.1f}" width="{width:.2f}" height="{height - 8:.1f}" rx="3" fill="{colour}"/>'
    return head + shape + "</g>"


# --- background -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stretch:
    """Consecutive sections under one background (as the bed groups them), in seconds."""

    start: float
    end: float
    background: model.Background
    session: bool
    titles: tuple[str, ...]


def _stretches(timeline: Timeline) -> list[_Stretch]:
    """Group sections the way generator.bed does: session-background sections run on."""
    session = timeline.session.background
    out: list[_Stretch] = []
    rate = timeline.rate
    for section in timeline.sections:
        if section.end <= section.start:
            continue
        is_session = section.background is session or section.background == session
        background = session if is_session else section.background
        if out and out[-1].background is background and out[-1].end == section.start / rate:
            last = out[-1]
            out[-1] = _Stretch(last.start, section.end / rate, background, is_session, last.titles + (section.title,))
        else:
            out.append(_Stretch(section.start / rate, section.end / rate, background, is_session, (section.title,)))
    return out


def _layer_kind(source: model.LayerSource) -> str:
    return {
        model.Binaural: "binaural",
        model.Isochronic: "isochronic",
        model.Noise: "noise",
        model.Tone: "tone",
        model.FileLoop: "file",
        model.Ambience: "ambience",
    }[type(source)]


def _background(canvas: _Canvas, timeline: Timeline, rate: int) -> None:
    stretches = _stretches(timeline)
    session_bg = timeline.session.background
    halves = _crossfade_halves(stretches)
    lanes: dict[tuple[str, int], list[tuple[int, model.Layer]]] = {}
    for index, stretch in enumerate(stretches):
        seen: dict[str, int] = {}
        for layer in stretch.background.layers:
            kind = _layer_kind(layer.source)
            lanes.setdefault((kind, seen.get(kind, 0)), []).append((index, layer))
            seen[kind] = seen.get(kind, 0) + 1
    y = canvas.y
    caption = "Background"
    notes = []
    if session_bg.duck:
        notes.append(f"ducked {session_bg.duck:g} dB under the voice")
    if session_bg.fade_in:
        notes.append(f"fade in {float(session_bg.fade_in):g} s")
    if session_bg.fade_out:
        notes.append(f"fade out {float(session_bg.fade_out):g} s")
    canvas.add(f'<text class="lane-heading" x="{LEFT}" y="{y + 4:.1f}">{caption}'
               + (f'<tspan class="lane-note"> · {escape(", ".join(notes))}</tspan>' if notes else "") + "</text>")
    canvas.y += 14
    if not lanes:
        canvas.add(f'<text class="lane-note" x="{LEFT}" y="{canvas.y + 16:.1f}">no background layers: the voice alone</text>')
        canvas.y += 26
        return
    speech = _speech_spans(timeline)
    lanes_top = canvas.y
    for (kind, nth), members in lanes.items():
        height = 56
        y = canvas.y
        name = LAYER_NAMES[kind] + (f" {nth + 1}" if nth else "")
        canvas.add(f'<g class="lane layer" data-kind="{kind}">')
        canvas.add(f'<text class="lane-label" x="{LEFT - 12}" y="{y + height / 2 + 4:.1f}">{name}</text>')
        for index, layer in members:
            canvas.add(_layer_band(canvas, timeline, stretches, halves, index, layer, speech, y, height))
        canvas.add("</g>")
        canvas.y += height + 6
    for index, stretch in enumerate(stretches[1:], start=1):  # crossfade marks between stretches
        x0, x1 = canvas.x(stretch.start - halves[index - 1]), canvas.x(stretch.start + halves[index - 1])
        seconds = float(stretch.background.crossfade)
        canvas.add(
            f'<g class="crossfade" data-at="{stretch.start:.3f}"><title>crossfade {seconds:g} s into '
            f'{escape(stretch.titles[0])} at {format_duration(stretch.start)}</title>'
            f'<rect class="xfade" x="{x0:.2f}" y="{lanes_top - 2:.1f}" width="{max(x1 - x0, 1.5):.2f}" '
            f'height="{canvas.y - lanes_top - 2:.1f}" rx="2"/></g>'
        )


def _crossfade_halves(stretches: list[_Stretch]) -> list[float]:
    """Half the crossfade at each boundary, limited as generator.bed limits it."""
    out = []
    for before, after in zip(stretches, stretches[1:]):
        wanted = max(float(after.background.crossfade), MIN_CROSSFADE)
        out.append(min(wanted / 2, (before.end - before.start) / 2, (after.end - after.start) / 2))
    return out


def _speech_spans(timeline: Timeline) -> list[tuple[float, float]]:
    rate = timeline.rate
    return [(p.start / rate, p.end / rate) for p in timeline.placements if p.voice and p.length > 0]


def _level_db(volume: float) -> float:
    """A layer's height in its lane (0..1) for a level in dB relative to the voice."""
    return min(1.0, max(0.0, (volume + 50.0) / 36.0))


def _layer_band(
    canvas: _Canvas,
    timeline: Timeline,
    stretches: list[_Stretch],
    halves: list[float],
    index: int,
    layer: model.Layer,
    speech: list[tuple[float, float]],
    y: float,
    height: float,
) -> str:
    """One layer over one stretch: its envelope (fades, crossfades, ducking) and label."""
    stretch = stretches[index]
    session = timeline.session.background
    total = timeline.seconds
    # A steady layer on both sides of a boundary simply carries on (generator.bed crosses
    # it with complementary gains), so it is drawn without a taper there.
    fade_in = index > 0 and not _carries(layer, stretches[index - 1])
    fade_out = index < len(stretches) - 1 and not _carries(layer, stretches[index + 1])
    start = stretch.start - (halves[index - 1] if fade_in else 0.0)
    end = stretch.end + (halves[index] if fade_out else 0.0)
    x0, x1 = canvas.x(start), canvas.x(end)
    columns = max(2, int(x1 - x0) + 1)
    duck_db = abs(session.duck)
    attack, release = float(session.duck_attack), float(session.duck_release)
    spans = [(a - attack, b + release) for a, b in speech if b + release > start and a - attack < end]
    top: list[str] = []
    cursor = 0
    for i in range(columns):
        t = start + (end - start) * i / (columns - 1)
        gain = 1.0
        if fade_in:
            gain *= _ramp(t, stretch.start - halves[index - 1], stretch.start + halves[index - 1])
        if fade_out:
            gain *= 1.0 - _ramp(t, stretch.end - halves[index], stretch.end + halves[index])
        if session.fade_in:
            gain *= _ramp(t, 0.0, float(session.fade_in))
        if session.fade_out:
            gain *= 1.0 - _ramp(t, total - float(session.fade_out), total)
        while cursor < len(spans) and spans[cursor][1] < t:
            cursor += 1
        ducked = any(a <= t <= b for a, b in spans[cursor : cursor + 3])
        level = _level_db(layer.volume - (duck_db if ducked else 0.0)) * gain
        top.append(f"{canvas.x(t):.1f},{y + height - 2 - (height - 6) * level:.1f}")
    points = " ".join(top) + f" {x1:.1f},{y + height - 2:.1f} {x0:.1f},{y + height - 2:.1f}"
    kind = _layer_kind(layer.source)
    colour = LAYER_COLOURS[kind]
    label, glide = _describe(layer.source, stretch, total)
    label += f" · {layer.volume:g} dB"
    where = ", ".join(stretch.titles)
    tip = (
        f"{label}\n{format_duration(stretch.start)} – {format_duration(stretch.end)} ({where})"
        + (f"\nducked {duck_db:g} dB while the voice speaks" if duck_db else "")
        + ("\nthe session's background" if stretch.session else "\nthis section's own background")
    )
    out = [
        f'<g class="layer-band" data-kind="{kind}" data-start="{stretch.start:.3f}" data-end="{stretch.end:.3f}" '
        f'data-volume="{layer.volume:g}"><title>{escape(tip)}</title>',
        f'<polygon points="{points}" fill="{colour}" fill-opacity="0.55" stroke="{colour}" stroke-width="1"/>',
    ]
    if glide is not None:
        low, high = glide
        out.append(
            f'<line class="glide" x1="{canvas.x(stretch.start):.1f}" y1="{y + 20 + (1 - low) * (height - 26):.1f}" '
            f'x2="{canvas.x(stretch.end):.1f}" y2="{y + 20 + (1 - high) * (height - 26):.1f}"/>'
        )
    out.append(_fitted(label, canvas.x(stretch.start) + 6, y + 13, canvas.x(stretch.end) - canvas.x(stretch.start) - 12, "layer-label"))
    out.append("</g>")
    return "".join(out)


def _carries(layer: model.Layer, neighbour: _Stretch) -> bool:
    return steady(layer.source) and any(other.source == layer.source for other in neighbour.background.layers)


def _ramp(t: float, a: float, b: float) -> float:
    if b <= a:
        return 1.0 if t >= a else 0.0
    return min(1.0, max(0.0, (t - a) / (b - a)))


def _describe(source: model.LayerSource, stretch: _Stretch, total: float) -> tuple[str, tuple[float, float] | None]:
    """A short label with the values this stretch actually hears, and the glide's line.

    Session layers glide over the whole track, so a stretch in the middle hears part of
    the glide; a section's own layers glide over that section.
    """

    def at(glide, t: float) -> float:
        if stretch.session:
            fraction = t / total if total > 0 else 0.0
        else:
            fraction = (t - stretch.start) / (stretch.end - stretch.start) if stretch.end > stretch.start else 0.0
        return glide.start + (glide.end - glide.start) * fraction

    def span(glide) -> str:
        a, b = at(glide, stretch.start), at(glide, stretch.end)
        return _number(a) if abs(a - b) < 1e-9 else f"{_number(a)}→{_number(b)}"

    def line(glide) -> tuple[float, float] | None:
        if glide.constant:
            return None
        low, high = sorted((glide.start, glide.end))
        norm = lambda v: (v - low) / (high - low)  # noqa: E731
        return norm(at(glide, stretch.start)), norm(at(glide, stretch.end))

    if isinstance(source, model.Binaural):
        return f"binaural {span(source.carrier)} Hz beat {span(source.beat)} Hz", line(source.beat) or line(source.carrier)
    if isinstance(source, model.Isochronic):
        return f"isochronic {span(source.carrier)} Hz pulse {span(source.pulse)} Hz", line(source.pulse) or line(source.carrier)
    if isinstance(source, model.Tone):
        return f"tone {span(source.frequency)} Hz", line(source.frequency)
    if isinstance(source, model.Noise):
        return f"{source.color} noise", None
    if isinstance(source, model.Ambience):
        return f"ambience {source.name}", None
    return f"file {source.path.name}", None


def _number(value: float) -> str:
    """136.1, 10, 7.83: as written, without float noise."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _legend(timeline: Timeline) -> str:
    kinds = {e.kind for e in timeline.entries()}
    items = [
        ("say", "speech"),
        ("pause", "pause"),
        ("bell", "bell"),
        ("inhale", "inhale"),
        ("hold", "hold"),
        ("exhale", "exhale"),
        ("play", "sound"),
    ]
    out = ['<ul class="legend">']
    for kind, label in items:
        if kind in kinds or kind in ("say", "pause"):
            out.append(f'<li><span class="swatch" style="background:{KIND_COLOURS[kind]}"></span>{label}</li>')
    layers = {
        _layer_kind(layer.source)
        for bg in [timeline.session.background] + [s.background for s in timeline.sections]
        for layer in bg.layers
    }
    for kind in LAYER_NAMES:
        if kind in layers:
            out.append(f'<li><span class="swatch layer" style="background:{LAYER_COLOURS[kind]}"></span>{kind} layer</li>')
    if len(_stretches(timeline)) > 1:
        out.append('<li><span class="swatch xfade-swatch"></span>crossfade between backgrounds</li>')
    out.append('<li class="explain">A layer\'s height is its level; dips are the ducking while the voice speaks; '
               'a thin line across a layer is a glide.</li>')
    out.append("</ul>")
    return "\n".join(out)


def _attr(text: str) -> str:
    return escape(text, quote=True)


_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #faf8f4; color: #3b4048; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1360px; margin: 0 auto; padding: 28px 20px 40px; }
header h1 { font-weight: 500; font-size: 26px; margin: 0 0 2px; letter-spacing: .01em; }
.meta { margin: 0 0 18px; color: #6b7079; }
.meta strong { color: #3b4048; font-weight: 600; }
figure { margin: 0; background: #fff; border-radius: 14px; padding: 10px 6px 4px; box-shadow: 0 1px 3px rgba(60,60,50,.08); }
svg { display: block; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
svg text { fill: #4a5058; font-size: 11px; }
.axis line { stroke: #ece8e1; stroke-width: 1; }
.boundaries line { stroke: #d9d2c6; stroke-width: 1; stroke-dasharray: 2 4; }
.axis text { fill: #a09a90; font-size: 10px; text-anchor: middle; }
.section-title { font-size: 13px; font-weight: 600; fill: #3f4a52; }
.section-time { fill: #7d848c; font-size: 11px; }
.lane-label { text-anchor: end; fill: #6b7079; font-size: 12px; }
.lane-heading { font-size: 12px; font-weight: 600; fill: #5b6068; }
.lane-note { font-weight: 400; fill: #8a8f96; }
.lane-rule { stroke: #efebe4; stroke-width: 1; }
.layer-label { fill: #3d454d; font-size: 11px; }
.glide { stroke: #2f4f6f; stroke-width: 1.4; stroke-dasharray: 4 3; opacity: .7; }
.xfade { fill: #c9b7d6; opacity: .28; }
.entry:hover > *, .layer-band:hover polygon, .section:hover rect { filter: brightness(.93); }
.legend { list-style: none; padding: 0; margin: 16px 4px 0; display: flex; flex-wrap: wrap; gap: 6px 18px; color: #5b6068; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 16px; height: 10px; border-radius: 3px; }
.swatch.layer { opacity: .7; }
.xfade-swatch { background: #c9b7d6; opacity: .5; }
.legend .explain { flex-basis: 100%; color: #8a8f96; font-size: 12px; }
.hint { color: #a09a90; font-size: 12px; margin: 6px 4px 0; }
"""

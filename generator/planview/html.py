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

from html import escape
from typing import Iterable

from generator.planview.bed import draw_background, layer_legend
from generator.planview.canvas import LEFT, PLOT, WIDTH, Canvas, attr, first_fitting, fitted
from generator.kinds.steps import STEP_KINDS, EntryStyle
from generator.plan.timeline import Entry, SectionPlan, Timeline
from generator.core.units import format_duration

SECTION_FILLS = ("#eef2f0", "#f4efe7")


def _css() -> str:
    from importlib.resources import files

    return files("generator.planview").joinpath("plan.css").read_text(encoding="utf-8")


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
        f"<style>{_css()}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{escape(timeline.title)}</h1><p class=\"meta\">total <strong>{total}</strong> · {escape(meta.split(' · ', 1)[1])}</p></header>\n"
        f"<figure>\n{svg}\n</figure>\n{_legend(timeline)}\n"
        "<p class=\"hint\">Hover over anything for its exact times and words.</p>\n"
        "</main>\n</body>\n</html>\n"
    )


# --- the SVG ------------------------------------------------------------------------------


def plan_svg(timeline: Timeline) -> str:
    """The timeline drawing alone: a standalone, well-formed SVG element."""
    canvas = Canvas(max(timeline.seconds, 1e-9), [])
    rate = timeline.rate
    canvas.y = 34
    top = canvas.y
    _sections(canvas, timeline.sections, rate)
    canvas.y += 14
    _foreground(canvas, timeline, rate)
    canvas.y += 18
    draw_background(canvas, timeline)
    bottom = canvas.y
    grid = _axis(canvas, top, bottom) + _boundaries(canvas, timeline, top + 52, bottom)
    height = bottom + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'role="img" aria-label="{attr("Timeline of " + timeline.title)}" data-duration="{timeline.seconds:.3f}">\n'
        + grid
        + "\n".join(canvas.parts)
        + "\n</svg>"
    )


def _axis(canvas: Canvas, top: float, bottom: float) -> str:
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


def _boundaries(canvas: Canvas, timeline: Timeline, top: float, bottom: float) -> str:
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


def _sections(canvas: Canvas, sections: Iterable[SectionPlan], rate: int) -> None:
    height = 52
    y = canvas.y
    for index, section in enumerate(sections):
        start, end = section.start / rate, section.end / rate
        x0, x1 = canvas.x(start), canvas.x(end)
        width = max(x1 - x0, 0.5)
        span = f"{format_duration(start)} – {format_duration(end)} ({format_duration(end - start)})"
        canvas.add(
            f'<g class="section" data-title="{attr(section.title)}" data-start="{start:.3f}" data-end="{end:.3f}">'
            f"<title>{escape(section.title)}\n{span}</title>"
            f'<clipPath id="section-{index}"><rect x="{x0:.2f}" y="{y:.1f}" width="{max(width - 4, 0.5):.2f}" height="{height}"/></clipPath>'
            f'<rect x="{x0:.2f}" y="{y:.1f}" width="{width:.2f}" height="{height}" rx="6" fill="{SECTION_FILLS[index % 2]}"/>'
            f'<g clip-path="url(#section-{index})">'
            + fitted(section.title, x0 + 8, y + 22, width - 14, "section-title")
            + fitted(first_fitting((f"{format_duration(start)} · {format_duration(end - start)}", format_duration(end - start)), width - 14),
                      x0 + 8, y + 40, width - 14, "section-time")
            + "</g></g>"
        )
    canvas.add(f'<text class="lane-label" x="{LEFT - 12}" y="{y + 28:.1f}">Sections</text>')
    canvas.y += height


def _foreground(canvas: Canvas, timeline: Timeline, rate: int) -> None:
    entries = timeline.entries()
    styles = STEP_KINDS.entry_styles()
    lanes: dict[str, set[str]] = {}
    for style in styles.values():
        lanes.setdefault(style.lane, set()).add(style.kind)
    for name, kinds in lanes.items():
        mine = [e for e in entries if e.kind in kinds]
        if not mine and name != "Voice":
            continue
        height = 40 if name == "Breathing" else 30
        y = canvas.y
        canvas.add(f'<g class="lane foreground" data-lane="{name.lower()}">')
        canvas.add(f'<text class="lane-label" x="{LEFT - 12}" y="{y + height / 2 + 4:.1f}">{name}</text>')
        canvas.add(f'<line class="lane-rule" x1="{LEFT}" y1="{y + height / 2:.1f}" x2="{LEFT + PLOT}" y2="{y + height / 2:.1f}"/>')
        for entry in mine:
            canvas.add(_entry(canvas, entry, styles[entry.kind], rate, y, height))
        canvas.add("</g>")
        canvas.y += height + 8


def _entry(canvas: Canvas, entry: Entry, style: EntryStyle, rate: int, y: float, height: float) -> str:
    start, end = entry.start / rate, entry.end / rate
    x0 = canvas.x(start)
    width = max(canvas.x(end) - x0, 0.6)
    tip = f"{entry.kind} {format_duration(start)} – {format_duration(end)} ({end - start:.2f} s)"
    if entry.cycle is not None:
        tip += f", breath {entry.cycle}"
    if entry.text:
        tip += f"\n{entry.text}"
    head = f'<g class="entry {entry.kind}" data-start="{start:.3f}" data-end="{end:.3f}"><title>{escape(tip)}</title>'
    return head + _SHAPES[style.shape](x0, width, y, height, style.colour) + "</g>"


def _line(x0: float, width: float, y: float, height: float, colour: str) -> str:
    return f'<rect x="{x0:.2f}" y="{y + height / 2 - 2:.1f}" width="{width:.2f}" height="4" rx="2" fill="{colour}"/>'


def _dot(x0: float, width: float, y: float, height: float, colour: str) -> str:
    """A strike, with a faint band while it rings."""
    cy = y + height / 2
    ring = f'<rect x="{x0:.2f}" y="{cy - 3:.1f}" width="{width:.2f}" height="6" rx="3" fill="{colour}" opacity="0.35"/>'
    return ring + f'<circle cx="{x0:.2f}" cy="{cy:.1f}" r="6" fill="{colour}"/>'


def _wedge(rising: bool):
    """A rising or falling wedge: the breath's direction."""

    def draw(x0: float, width: float, y: float, height: float, colour: str) -> str:
        y0, y1, x1 = y + 2, y + height - 2, x0 + width
        points = (
            f"{x0:.2f},{y1:.1f} {x1:.2f},{y0:.1f} {x1:.2f},{y1:.1f}"
            if rising
            else f"{x0:.2f},{y0:.1f} {x1:.2f},{y1:.1f} {x0:.2f},{y1:.1f}"
        )
        return f'<polygon points="{points}" fill="{colour}"/>'

    return draw


def _band(x0: float, width: float, y: float, height: float, colour: str) -> str:
    return f'<rect x="{x0:.2f}" y="{y + height / 2 - 4:.1f}" width="{width:.2f}" height="8" fill="{colour}"/>'


def _bar(x0: float, width: float, y: float, height: float, colour: str) -> str:
    return f'<rect x="{x0:.2f}" y="{y + 4:.1f}" width="{width:.2f}" height="{height - 8:.1f}" rx="3" fill="{colour}"/>'


_SHAPES = {"line": _line, "dot": _dot, "rise": _wedge(True), "fall": _wedge(False), "band": _band, "bar": _bar}
"""How each EntryStyle.shape is drawn."""



def _legend(timeline: Timeline) -> str:
    kinds = {e.kind for e in timeline.entries()}
    out = ['<ul class="legend">']
    for style in STEP_KINDS.entry_styles().values():
        if style.kind in kinds or style.lane == "Voice":
            out.append(f'<li><span class="swatch" style="background:{style.colour}"></span>{style.label}</li>')
    out += layer_legend(timeline)
    out.append('<li class="explain">A layer\'s height is its level; dips are the ducking while the voice speaks; '
               'a thin line across a layer is a glide.</li>')
    out.append("</ul>")
    return "\n".join(out)

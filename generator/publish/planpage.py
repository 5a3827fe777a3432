"""The page's "Today" section: what the practitioner's plan sets for today, what of it is
done (from the practice log in the browser), the whole plan, and its calendar file.

The plan is written into the page twice: as text anyone can read (the whole plan, also
without script) and as data for the page's script, which picks today's part by the
listener's own date. Nothing about the plan or the practice leaves the browser.
"""

from __future__ import annotations

import json
from datetime import date

from generator.publish.layout import Entry
from generator.publish.page import escape
from generator.publish.plan import Plan

CALENDAR = "plan.ics"


def plan_section(plan: Plan, entries: list[Entry]) -> str:
    """The section's HTML, to stand first in the page's main part."""
    slugs = {e.track.name: e.slug for e in entries}
    titles = {e.track.name: e.track.title for e in entries}
    data = {
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat() if plan.end else None,
        "streaks": plan.streaks,
        "items": [
            {"id": slugs[p.track], "weekdays": list(p.weekdays), "every": p.every,
             "times": [t.strftime("%H:%M") for t in p.times], "note": p.note}
            for p in plan.practice
        ],
    }
    lines = [
        f'<section class="plan" id="plan" aria-labelledby="plan-title" data-plan="{escape(json.dumps(data))}">',
        '<h2 id="plan-title">Today</h2>',
        '<p class="plan-day quiet"></p>',
        '<ul class="plan-today"></ul>',
        '<p class="plan-none" hidden>Nothing is planned for today: rest, or listen to whatever you like.</p>',
    ]
    if plan.streaks:
        lines.append('<p class="plan-streak" hidden></p>')
    if plan.note:
        lines.append(f'<p class="plan-note">{escape(plan.note)}</p>')
    lines.append(f'<details class="plan-all"><summary>{escape(plan.title)}</summary><ul>')
    for practice in plan.practice:
        when = " at " + ", ".join(t.strftime("%H:%M") for t in practice.times) if practice.times else ""
        note = f" <span class=\"quiet\">{escape(practice.note)}</span>" if practice.note else ""
        lines.append(
            f'<li><a href="#{slugs[practice.track]}">{escape(titles[practice.track])}</a>: '
            f"{practice.rule()}{when}.{note}</li>"
        )
    lines.append(f"</ul><p class=\"quiet\">{_dates(plan.start, plan.end)}</p></details>")
    lines.append(
        f'<p><a href="{CALENDAR}" download="practice-plan.ics">Add the plan to your calendar</a> '
        '<span class="quiet">(a calendar file with reminders, for your phone or computer; nothing is sent anywhere)</span></p>'
    )
    lines.append("</section>\n")
    return "\n".join(lines)


def _dates(start: date, end: date | None) -> str:
    first = f"{start.day} {start:%B %Y}"
    return f"From {first} until {end.day} {end:%B %Y}." if end else f"From {first}."

"""`plan.ics`: the practice plan as calendar events a listener can add to their own calendar.

RFC 5545: one VEVENT per practice and time of day, repeating by an RRULE from the plan's
start (until its end), each with a VALARM reminder. Times are floating local times (no
time zone): 07:30 is 07:30 wherever the listener lives, as the practitioner meant it.
Nothing depends on the clock: UIDs and DTSTAMP derive from the plan itself, so publishing
the same plan twice writes the very same file (and a calendar that imported it updates
the events instead of doubling them).
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, time, timedelta

from generator.publish.layout import Entry
from generator.publish.plan import WEEKDAYS, Plan, Practice

LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded


def build_calendar(plan: Plan, entries: list[Entry], page_url: str | None) -> bytes:
    """The whole `.ics` file: CRLF line ends, long lines folded, UTF-8. `page_url` (the
    page's absolute address, when known) lets each event link to its track."""
    by_name = {e.track.name: e for e in entries}
    stamp = datetime.combine(plan.start, time(0)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//meditate//practice plan//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(plan.title)}"]
    for number, practice in enumerate(plan.practice):
        entry = by_name[practice.track]
        for when in practice.times or (None,):
            # The same practice keeps its UID when the plan's words change, so a calendar
            # that imported the file updates the event instead of adding a second one.
            key = f"{plan.start}|{number}|{practice.track}|{when.strftime('%H:%M') if when else 'day'}"
            uid = f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}@meditate"
            lines += _event(plan, practice, entry, when, uid, stamp, page_url)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def _event(plan: Plan, practice: Practice, entry: Entry, when: time | None, uid: str, stamp: str,
           page_url: str | None) -> list[str]:
    track = entry.track
    minutes = max(1, math.ceil(track.duration / 60))
    first = first_day(plan, practice)  # DTSTART must itself be a day the rule names (RFC 5545 3.8.5.3)
    if when is None:  # no time of day: an all-day event on the planned days
        start = [f"DTSTART;VALUE=DATE:{first:%Y%m%d}", "DURATION:P1D"]
    else:
        start = [f"DTSTART:{datetime.combine(first, when):%Y%m%dT%H%M%S}", f"DURATION:PT{minutes}M"]
    words = [w for w in (practice.note, plan.note) if w]
    if page_url:
        words.append(f"Listen: {page_url}#{entry.slug}")
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", *start, f"RRULE:{rrule(plan, practice, when)}",
             f"SUMMARY:{escape_text(track.title)}"]
    if words:
        lines.append(f"DESCRIPTION:{escape_text(chr(10).join(words))}")
    if when is not None:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape_text(track.title)}",
                  f"TRIGGER:-PT{practice.remind}M", "END:VALARM"]
    lines.append("END:VEVENT")
    return lines


def first_day(plan: Plan, practice: Practice) -> date:
    """The first day on or after the plan's start that the practice falls on."""
    day = plan.start
    while not practice.due(day, plan.start):
        day += timedelta(days=1)
    return day


def rrule(plan: Plan, practice: Practice, when: time | None) -> str:
    """`FREQ=WEEKLY;BYDAY=MO,TH`, `FREQ=DAILY;INTERVAL=2`, with UNTIL at the plan's last day."""
    if practice.weekdays:
        rule = "FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAYS[d][:2].upper() for d in practice.weekdays)
    else:
        rule = "FREQ=DAILY" + (f";INTERVAL={practice.every}" if practice.every > 1 else "")
    if plan.end:
        # UNTIL takes DTSTART's form: a date for all-day events, a floating date-time otherwise.
        rule += f";UNTIL={plan.end:%Y%m%d}" if when is None else f";UNTIL={plan.end:%Y%m%d}T235959"
    return rule


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    out = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (never inside a UTF-8 character): CRLF and a space."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > LINE_OCTETS:
            parts.append(current)
            current, size = " ", 1  # the continuation's leading space counts towards its 75
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)

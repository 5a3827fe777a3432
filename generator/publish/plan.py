"""`publish --plan PLAN.yaml`: the home practice a practitioner sets, read like a script.

    note: Gently, and never through pain.     # optional: shown above the plan
    start: 2026-12-07                         # the first day
    end: 2027-01-31                           # optional: the last day
    streaks: false                            # optional: count days in a row (off by default)
    remind: 10min                             # optional: calendar reminders this long before
    practice:
      - track: breathing                      # a track's file name (no suffix) or its title
        days: every day                       # or [mon, wed, fri], or every 2 days
        times: ["07:30"]                      # optional (or `time: "07:30"`); none = that day
        note: Before breakfast.               # optional

Problems are `plan.yaml:line:col: error: ...` (exit 2), all reported together, before
anything is written; the plan is only read, never sent anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from yaml.nodes import Node, ScalarNode

from generator.core.errors import ScriptError, ScriptErrors, display_path
from generator.publish.catalog import Track
from generator.script.yamlnodes import NodeReader, compose, did_you_mean
from generator.core.units import parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_NOTE = 600  # characters: a note is a sentence or two, not an essay
MAX_ITEMS = 50
_PLAN_KEYS = ("title", "note", "start", "end", "streaks", "remind", "practice")
_ITEM_KEYS = ("track", "days", "time", "times", "note", "remind")


@dataclass(frozen=True)
class Practice:
    """One line of the plan: a track, on which days, at which times of day."""

    track: str  # the track's name (its file name without suffix)
    weekdays: tuple[int, ...] = ()  # 0 = Monday; empty with every = 1 means every day
    every: int = 1  # every N days from the plan's start (when no weekdays are named)
    times: tuple[time, ...] = ()
    note: str = ""
    remind: int = 0  # minutes before each time

    def due(self, day: date, start: date) -> bool:
        """Whether this practice falls on `day` (inside the plan's dates, checked by the plan)."""
        if self.weekdays:
            return day.weekday() in self.weekdays
        return (day - start).days % self.every == 0

    def rule(self) -> str:
        """The days as people say them: 'every day', 'every 2 days', 'Mon, Wed, Fri'."""
        if self.weekdays:
            return ", ".join(WEEKDAYS[d].capitalize() for d in self.weekdays)
        return "every day" if self.every == 1 else f"every {self.every} days"


@dataclass(frozen=True)
class Plan:
    """The whole plan, with the file it came from (for the calendar's lasting identities)."""

    source: str  # the plan file's text, from which the calendar's UIDs and stamp derive
    start: date
    practice: tuple[Practice, ...]
    end: date | None = None
    title: str = "Practice plan"
    note: str = ""
    streaks: bool = False

    def on(self, day: date) -> list[Practice]:
        """What is planned on `day`."""
        if day < self.start or (self.end and day > self.end):
            return []
        return [p for p in self.practice if p.due(day, self.start)]


def read_plan(path: Path, tracks: list[Track]) -> Plan:
    """The plan in `path`, its tracks checked against those being published; ScriptErrors
    (every problem, with its place) otherwise."""
    shown = display_path(path)
    errors: list[ScriptError] = []
    node = compose(Path(path), shown, errors)
    if node is None:
        raise ScriptErrors(errors)
    reader = NodeReader(Path(path), shown, errors)
    plan = _plan(reader, node, tracks)
    if errors or plan is None:
        raise ScriptErrors(errors or [ScriptError("not a plan", reader.pos(node))])
    return plan


def _plan(reader: NodeReader, node: Node, tracks: list[Track]) -> Plan | None:
    entries = reader.mapping(node, "the plan", _PLAN_KEYS, ("start", "practice"))
    if entries is None:
        return None
    start = _date(reader, entries["start"][1], "start") if "start" in entries else None
    end = _date(reader, entries["end"][1], "end") if "end" in entries else None
    if start and end and end < start:
        reader.error(entries["end"][1], f"end ({end}) is before start ({start})")
    remind = _minutes(reader, entries["remind"][1]) if "remind" in entries else 0
    items: list[Practice] = []
    listed = reader.sequence(entries["practice"][1], "practice") if "practice" in entries else None
    if listed is not None and not listed:
        reader.error(entries["practice"][1], "practice must list at least one track")
    if listed and len(listed) > MAX_ITEMS:
        reader.error(entries["practice"][1], f"practice may list at most {MAX_ITEMS} entries")
        listed = []
    for item in listed or []:
        practice = _practice(reader, item, tracks, remind)
        if practice is not None:
            items.append(practice)
    streaks = reader.scalar(entries["streaks"][1], "streaks") if "streaks" in entries else False
    if not isinstance(streaks, bool):
        reader.error(entries["streaks"][1], "streaks must be true or false")
    if start is None:
        return None
    text = Path(reader.path).read_text(encoding="utf-8-sig")
    return Plan(text, start, tuple(items), end, _words(reader, entries, "title") or "Practice plan",
                _words(reader, entries, "note"), streaks is True)


def _practice(reader: NodeReader, node: Node, tracks: list[Track], remind: int) -> Practice | None:
    entries = reader.mapping(node, "a practice entry", _ITEM_KEYS, ("track", "days"))
    if entries is None:
        return None
    name = _track(reader, entries["track"][1], tracks) if "track" in entries else None
    days = _days(reader, entries["days"][1]) if "days" in entries else None
    if "time" in entries and "times" in entries:
        reader.error(entries["times"][0], "give either time or times, not both")
    times: list[time] = []
    if "time" in entries:
        times = [t for t in [_time(reader, entries["time"][1])] if t]
    elif "times" in entries:
        for each in reader.sequence(entries["times"][1], "times") or []:
            found = _time(reader, each)
            if found:
                times.append(found)
    if "remind" in entries:
        remind = _minutes(reader, entries["remind"][1])
    if name is None or days is None:
        return None
    weekdays, every = days
    return Practice(name, weekdays, every, tuple(sorted(set(times))), _words(reader, entries, "note"), remind)


def _words(reader: NodeReader, entries: dict, key: str) -> str:
    if key not in entries:
        return ""
    text = reader.text(entries[key][1], key) or ""
    if len(text) > MAX_NOTE:
        reader.error(entries[key][1], f"{key} is {len(text)} characters; keep it under {MAX_NOTE}")
    return " ".join(text.split())


def _track(reader: NodeReader, node: Node, tracks: list[Track]) -> str | None:
    """A track named by its file name (without suffix) or its title, any case."""
    wanted = reader.text(node, "track")
    if wanted is None:
        return None
    for track in tracks:
        if wanted.casefold() in (track.name.casefold(), track.title.casefold()):
            return track.name
    names = [t.name for t in tracks]
    listed = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    reader.error(node, f"no track '{wanted}' is being published{did_you_mean(wanted, names)} (the tracks: {listed})")
    return None


def _days(reader: NodeReader, node: Node) -> tuple[tuple[int, ...], int] | None:
    """`every day`, `every N days`, `weekdays`, `weekends` or a list of weekdays."""
    if isinstance(node, ScalarNode):
        text = (reader.text(node, "days") or "").strip().lower()
        named = {"every day": ((), 1), "daily": ((), 1), "weekdays": ((0, 1, 2, 3, 4), 1), "weekends": ((5, 6), 1)}
        if text in named:
            return named[text]
        match = re.fullmatch(r"every (\d{1,3}) days", text)
        if match and 1 <= int(match[1]) <= 365:
            return (), int(match[1])
        if text:
            reader.error(node, f"days must be 'every day', 'every N days' (N from 1 to 365), 'weekdays', "
                               f"'weekends' or a list such as [mon, thu], got '{text}'")
        return None
    listed = reader.sequence(node, "days")
    if listed is None:
        return None
    found: set[int] = set()
    for each in listed:
        word = (reader.text(each, "a day") or "").strip().lower()[:3]
        if word in WEEKDAYS:
            found.add(WEEKDAYS.index(word))
        elif word:
            reader.error(each, f"a day must be one of {', '.join(WEEKDAYS)}, got '{each.value}'"
                               f"{did_you_mean(word, WEEKDAYS)}")
    if not listed:
        reader.error(node, "days must name at least one day")
    return (tuple(sorted(found)), 1) if found else None


def _date(reader: NodeReader, node: Node, what: str) -> date | None:
    value = reader.scalar(node, what)
    try:
        return date.fromisoformat(str(node.value if isinstance(node, ScalarNode) else value))
    except ValueError:
        reader.error(node, f"{what} must be a date written YYYY-MM-DD, got '{getattr(node, 'value', value)}'")
        return None


def _time(reader: NodeReader, node: Node) -> time | None:
    """A time of day, `07:30` (quoted or not: YAML would read 07:30 as a number)."""
    reader.scalar(node, "a time")
    text = str(node.value) if isinstance(node, ScalarNode) else ""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    reader.error(node, f"a time must be written HH:MM (24-hour), got '{text}'")
    return None


def _minutes(reader: NodeReader, node: Node) -> int:
    """A reminder's lead: `10min`, `1h`, `0min`; whole minutes up to a day."""

    value = reader.convert(node, "remind", parse_duration)
    if value is None:
        return 0
    if value > 24 * 3600:
        reader.error(node, "remind must be at most 24h")
        return 0
    return int(round(value / 60))

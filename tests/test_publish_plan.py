"""`publish --plan`: the practice plan read like a script (errors at their place, exit 2,
nothing written), its calendar file read back with the `icalendar` parser and its
repetitions expanded with dateutil, and the page's "Today" in headless Chromium for fixed
dates given in the address (the test never reads the clock).
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from dateutil.rrule import rrulestr

from generator.cli import cli
from generator.core.errors import ScriptErrors
from generator.publish import publish
from generator.publish.calendar import LINE_OCTETS
from generator.publish.catalog import read_catalog
from generator.publish.plan import read_plan
from test_publish import make_library
from test_publish_browser import BROWSER, DevTools
from test_publish_offline import Site

PLAN = """\
title: Home practice until our next session
note: Gently, and never through pain; a short practice done is better than a long one skipped. Übung macht den Meister.
start: 2026-12-07
end: 2027-01-31
remind: 10min
practice:
  - track: 01-arriving
    days: every day
    time: 07:30
    note: Before breakfast, sitting.
  - track: Evening Relaxation for the Back
    days: [mon, thu]
    times: ["19:00"]
    remind: 0min
  - track: 03-breath
    days: every 3 days
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    make_library(tmp_path / "tracks")
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    return tmp_path / "tracks"


def test_the_calendar_is_rfc5545_with_reminders(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org/anna", plan=tmp_path / "plan.yaml")
    raw = (result.root / "plan.ics").read_bytes()
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in lines) <= LINE_OCTETS and any(line.startswith(b" ") for line in lines)  # folded
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = list(calendar.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Arriving in the Body", "Evening Relaxation for the Back", "Breath & <Ease>"]
    arriving, evening, breath = events
    assert "Gently, and never through pain; a short practice" in str(arriving["DESCRIPTION"])  # escaped and unfolded
    assert "Übung macht den Meister." in str(arriving["DESCRIPTION"])
    assert str(arriving["DESCRIPTION"]).endswith("https://example.org/anna/index.html#t-01-arriving")
    assert arriving.decoded("DTSTART") == datetime(2026, 12, 7, 7, 30)  # floating local time
    assert evening.decoded("DTSTART") == datetime(2026, 12, 7, 19, 0)  # a Monday
    assert breath.decoded("DTSTART") == date(2026, 12, 7)  # no time of day: the whole day
    assert arriving.decoded("DURATION") == timedelta(minutes=1)  # the 6-second track, in whole minutes
    alarms = [list(e.walk("VALARM")) for e in events]
    assert [a[0].decoded("TRIGGER") for a in alarms[:2]] == [timedelta(minutes=-10), timedelta(0)]
    assert alarms[2] == []  # an all-day event gets no reminder at midnight
    assert len({str(e["UID"]) for e in events}) == 3
    # The repetitions as a calendar expands them are the plan's days, and none after its end.
    for event, track in zip(events, ("01-arriving", "02-evening", "03-breath")):
        start = event.decoded("DTSTART")
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=datetime.combine(start, datetime.min.time())
                        if isinstance(start, date) and not isinstance(start, datetime) else start)
        days = [d.date() for d in rule]
        plan = read_plan(tmp_path / "plan.yaml", read_catalog(library).tracks)
        expected = [d for d in _days(date(2026, 12, 1), date(2027, 2, 10)) if any(p.track == track for p in plan.on(d))]
        assert days == expected, track
    assert len([d for d in _days(date(2026, 12, 7), date(2027, 1, 31)) if d.weekday() in (0, 3)]) == len(
        list(rrulestr(evening["RRULE"].to_ical().decode(), dtstart=evening.decoded("DTSTART"))))
    # The same plan publishes the very same file: nothing in it comes from the clock.
    again = publish(library, tmp_path / "site", base_url="https://example.org/anna", plan=tmp_path / "plan.yaml")
    assert (again.root / "plan.ics").read_bytes() == raw and "plan.ics" in again.unchanged


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ("  - track: 01-arriving\n", "7:12", "no track '01-arrivng' is being published (did you mean '01-arriving'?)"),
        ("    days: every day\n", "8:11", "days must be 'every day', 'every N days'"),
        ("    time: 07:30\n", "9:11", "a time must be written HH:MM (24-hour), got '7.30'"),
        ("end: 2027-01-31\n", "4:6", "end (2026-01-31) is before start (2026-12-07)"),
        ("    days: [mon, thu]\n", "12:17", "a day must be one of mon, tue, wed, thu, fri, sat, sun, got 'thr'"),
    ],
)
def test_a_wrong_plan_is_an_error_at_its_place(library: Path, tmp_path: Path, change: str, where: str, message: str) -> None:
    wrong = {"  - track: 01-arriving\n": "  - track: 01-arrivng\n", "    days: every day\n": "    days: every morning\n",
             "    time: 07:30\n": "    time: 7.30\n", "end: 2027-01-31\n": "end: 2026-01-31\n",
             "    days: [mon, thu]\n": "    days: [mon, thr]\n"}[change]
    (tmp_path / "plan.yaml").write_text(PLAN.replace(change, wrong, 1), encoding="utf-8")
    run = CliRunner().invoke(cli, ["publish", str(library), "-o", str(tmp_path / "site"), "--plan", str(tmp_path / "plan.yaml")])
    assert run.exit_code == 2
    line = next(x for x in run.output.splitlines() if ": error: " in x)
    assert line.startswith(f"{tmp_path / 'plan.yaml'}:{where}: error: ")
    assert message in line
    assert not (tmp_path / "site").exists()  # nothing written


def test_plan_errors_are_all_reported_together(library: Path, tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("start: soon\npractice:\n  - track: nowhere\n    days: [funday]\n    colour: red\n")
    with pytest.raises(ScriptErrors) as caught:
        read_plan(tmp_path / "plan.yaml", read_catalog(library).tracks)
    found = [(str(e.position).rsplit("plan.yaml:", 1)[1], e.message) for e in caught.value.errors]
    assert [where for where, _ in found] == ["1:8", "3:12", "4:12", "5:5"], found
    assert found[0][1] == "start must be a date written YYYY-MM-DD, got 'soon'"
    assert found[1][1].startswith("no track 'nowhere' is being published")
    assert found[2][1].startswith("a day must be one of mon, tue")
    assert found[3][1].startswith("unknown key 'colour' in a practice entry")


@pytest.mark.skipif(BROWSER is None, reason="no Chromium binary (install Debian's 'chromium')")
@pytest.mark.parametrize("streaks", [False, True])
def test_today_shows_the_plan_and_what_is_done(library: Path, tmp_path: Path, streaks: bool) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN + ("streaks: true\n" if streaks else ""), encoding="utf-8")
    site = Site(publish(library, tmp_path / "site", base_url="https://example.org/anna", token=True, plan=plan))
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(BROWSER, Path(profile))
        try:
            tools.open_page()
            today = "[...document.querySelectorAll('.plan-today li')].map(li => li.textContent)"
            tools.navigate(site.url + "?day=2026-12-10")  # a Thursday, the plan's 4th day
            assert tools.evaluate("document.querySelector('main').firstElementChild.id") == "plan"  # today first
            assert tools.evaluate("document.querySelector('.plan-day').textContent") == "Thursday, December 10"
            assert tools.evaluate(today) == [
                "07:30 Arriving in the Body not yet today — Before breakfast, sitting.",
                "19:00 Evening Relaxation for the Back not yet today",
                "Breath & <Ease> not yet today",
            ]
            tools.navigate(site.url + "?day=2026-12-08")  # a Tuesday, not a third day
            assert tools.evaluate(today) == ["07:30 Arriving in the Body not yet today — Before breakfast, sitting."]
            tools.navigate(site.url + "?day=2027-02-01")  # after the end
            assert tools.evaluate(today) == [] and tools.evaluate("document.querySelector('.plan-none').hidden") is False
            # Yesterday's and today's practice from the log (as the page records it), on the 10th.
            tools.evaluate("localStorage.setItem('meditate-practice:' + location.pathname.replace(/[^\\/]*$/, ''),"
                           " JSON.stringify({days: {'2026-12-09': ['t-03-breath'], '2026-12-10': ['t-02-evening']}}))")
            tools.navigate(site.url + "?day=2026-12-10")
            assert tools.evaluate(today)[1] == "19:00 Evening Relaxation for the Back ✓ done today"
            assert tools.evaluate("document.querySelectorAll('.plan-today li.done').length") == 1
            streak = tools.evaluate("(e => e && !e.hidden && e.textContent)(document.querySelector('.plan-streak'))")
            assert streak == ("2 days of practice in a row." if streaks else None)
            assert tools.evaluate("document.querySelector('a[href=\"plan.ics\"]').textContent") == "Add the plan to your calendar"
            assert tools.evaluate("fetch('plan.ics').then(r => r.text())").startswith("BEGIN:VCALENDAR\r\n")
        finally:
            tools.close()
            site.stop()

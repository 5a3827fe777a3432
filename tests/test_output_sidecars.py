"""Sidecars (timeline JSON, WebVTT captions) and the default cover."""

from __future__ import annotations

import html
import io
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from generator.core import model
from generator.output.cover import SIZE, default_cover
from generator.core import atomic
from generator.core.atomic import replace_together
from generator.output.sidecars import timeline_json, webvtt
from generator.output.writing import discard, stage_sidecars
from generator.plan.timeline import Entry, SectionPlan, Timeline

RATE = 44_100


def make_timeline() -> Timeline:
    session = model.Session(title="Evening <Relaxation> & Rest", sections=(), path=Path("evening.yaml"))
    first = (
        Entry("bell", 0, 264_600),
        Entry("say", 264_600, 414_540, "Welcome, friend."),
        Entry("pause", 414_540, 502_740),
        Entry("say", 502_740, 612_990, "Let your <eyes> close\nand rest --> here & now."),
    )
    second = (
        Entry("inhale", 612_990, 789_390, cycle=1),
        Entry("say", 789_390, 5_000_000, "Rest here for an hour… or so."),
    )
    sections = (
        SectionPlan("Arriving", 0, 612_990, first, model.Background()),
        SectionPlan("Breathing", 612_990, 5_000_000, second, model.Background()),
    )
    return Timeline(session.title, 5_000_000, sections, (), session, RATE)


CUE_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$")


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """A strict little WebVTT reader: header, then blank-line separated cues with id, timing, text."""
    blocks = text.strip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        lines = block.split("\n")
        assert lines[0].isdigit()
        match = CUE_TIME.match(lines[1])
        assert match, lines[1]
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        body = lines[2:]
        assert body and all(line.strip() for line in body)
        assert all("-->" not in line and "<" not in line for line in body)
        cues.append((start, end, html.unescape("\n".join(body))))
    return cues


def test_json_is_the_timeline():
    timeline = make_timeline()
    text = timeline_json(timeline)
    assert text.endswith("}\n")
    assert json.loads(text) == timeline.to_json()
    assert "Evening <Relaxation> & Rest" in text and "…" in text  # not ASCII-escaped
    assert text == json.dumps(timeline.to_json(), indent=2, ensure_ascii=False) + "\n"


def test_vtt_has_one_cue_per_utterance_at_its_time():
    timeline = make_timeline()
    cues = parse_vtt(webvtt(timeline))
    says = [e for e in timeline.entries() if e.kind == "say"]
    assert len(cues) == len(says) == 3
    for (start, end, text), entry in zip(cues, says):
        assert start == pytest.approx(entry.start / RATE, abs=0.0005)
        assert end == pytest.approx(entry.end / RATE, abs=0.0005)
        assert text == entry.text
    assert webvtt(timeline).splitlines()[3] == "00:00:06.000 --> 00:00:09.400"
    assert "00:00:17.900 --> 00:01:53.379" in webvtt(timeline)


def test_vtt_hours():
    session = model.Session(title="Long", sections=(), path=Path("long.yaml"))
    hour = RATE * 3600
    section = SectionPlan("All", 0, hour + RATE * 62, (Entry("say", hour + RATE, hour + RATE * 62, "Late."),), model.Background())
    vtt = webvtt(Timeline("Long", hour + RATE * 62, (section,), (), session, RATE))
    assert "01:00:01.000 --> 01:01:02.000" in vtt


def write_sidecars(track, timeline):
    """What the renderer does: stage both sidecars beside the track, then rename them in."""
    staged = stage_sidecars(track, timeline)
    try:
        replace_together(staged)
    finally:
        discard(staged)
    return [final for _, final in staged]


def test_write_sidecars_beside_the_track(tmp_path):
    timeline = make_timeline()
    track = tmp_path / "evening.mp3"
    track.write_bytes(b"")
    (tmp_path / "evening.json").write_text("old", encoding="utf-8")
    paths = write_sidecars(track, timeline)
    assert paths == [tmp_path / "evening.json", tmp_path / "evening.vtt"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == timeline.to_json()
    assert parse_vtt(paths[1].read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evening.json", "evening.mp3", "evening.vtt"]
    umask = os.umask(0)
    os.umask(umask)
    assert paths[0].stat().st_mode & 0o777 == 0o666 & ~umask  # readable by a web server, like the track


def test_a_failed_write_keeps_the_old_sidecar_and_leaves_no_temp(tmp_path, monkeypatch):
    track = tmp_path / "evening.mp3"
    (tmp_path / "evening.json").write_text("old", encoding="utf-8")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError):
        write_sidecars(track, make_timeline())
    assert (tmp_path / "evening.json").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evening.json"]


def test_default_cover_is_a_square_png_with_lettering():
    image_module = pytest.importorskip("PIL.Image")
    data = default_cover("Evening Relaxation for the Back", "Infinite Mind")
    assert data is not None and data.startswith(b"\x89PNG")
    image = image_module.open(io.BytesIO(data))
    assert image.size == (SIZE, SIZE)
    plain = image_module.open(io.BytesIO(default_cover("", None)))
    # The title is drawn: the middle band differs from the same cover without one.
    box = (SIZE // 8, SIZE // 3, SIZE * 7 // 8, SIZE * 2 // 3)
    lettered = np.asarray(image.crop(box).convert("RGB"), dtype=np.int16)
    empty = np.asarray(plain.crop(box).convert("RGB"), dtype=np.int16)
    assert np.count_nonzero(np.abs(lettered - empty).sum(axis=2) > 30) > 1000


def test_default_cover_without_pillow_is_none(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert default_cover("Anything", None) is None

"""`plan --html`: the picture holds one band per section, one element per entry, a lane per
background layer, is well-formed, self-contained, and its times are the plan's times."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.planview.html import plan_html
from generator.load.loader import load_script as load
from generator.pipeline.rendering import plan_timeline
from generator.voice.bank import SpeechBank

SVG = "{http://www.w3.org/2000/svg}"

SCRIPT = """
title: Evening <Calm> & "Rest"
length: 2m
background:
  fade_in: 4s
  fade_out: 6s
  duck: 6dB
  layers:
    - binaural: {carrier: 200, beat: 10 -> 6}
      volume: -26dB
    - noise: pink
      volume: -34dB
sections:
  - title: Arriving & settling
    steps:
      - bell: bowl
      - say: "Welcome. [pause 2s] Let your eyes close."
      - pause: 3s
  - title: Breathing
    background:
      crossfade: 4s
      layers:
        - noise: pink
          volume: -30dB
        - tone: 136.1
          volume: -30dB
    steps:
      - breathe: {pattern: 4-2-6, cycles: 2, cues: tone}
  - title: Resting
    steps:
      - say: Rest here.
      - pause: fill
"""


@pytest.fixture
def page(write_script, fake_tts):
    script = write_script(SCRIPT)
    speech = SpeechBank()
    try:
        timeline = plan_timeline(load(script), speech)
    finally:
        speech.close()
    return timeline, plan_html(timeline)


def svg_root(html: str) -> ET.Element:
    match = re.search(r"<svg.*</svg>", html, re.S)
    assert match, "no SVG in the page"
    return ET.fromstring(match.group(0))  # raises on anything that is not well-formed XML


def test_svg_is_well_formed_and_the_page_is_self_contained(page):
    timeline, html = page
    root = svg_root(html)
    assert root.tag == f"{SVG}svg"
    assert float(root.get("data-duration")) == pytest.approx(timeline.seconds, abs=1e-3)
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert not re.search(r"""(src|href)\s*=|@import|url\((?!#)""", html), "the page must not load anything"
    assert "Evening &lt;Calm&gt; &amp; &quot;Rest&quot;" in html
    assert "total <strong>2:00.0</strong>" in html


def test_one_band_per_section_with_the_plans_times(page):
    timeline, html = page
    bands = [g for g in svg_root(html).iter(f"{SVG}g") if g.get("class") == "section"]
    plan = timeline.to_json()["sections"]
    assert [b.get("data-title") for b in bands] == [s["title"] for s in plan]
    for band, section in zip(bands, plan):
        assert float(band.get("data-start")) == pytest.approx(section["start"], abs=1e-3)
        assert float(band.get("data-end")) == pytest.approx(section["end"], abs=1e-3)
        assert band.find(f"{SVG}title").text.startswith(section["title"])


def test_one_element_per_entry_with_its_kind_and_times(page):
    timeline, html = page
    drawn = [g for g in svg_root(html).iter(f"{SVG}g") if (g.get("class") or "").startswith("entry ")]
    planned = [step for s in timeline.to_json()["sections"] for step in s["steps"]]
    drawn_keys = sorted((g.get("class").split()[1], round(float(g.get("data-start")), 3)) for g in drawn)
    planned_keys = sorted((e["kind"], round(e["start"], 3)) for e in planned)
    assert drawn_keys == planned_keys
    assert {"bell", "say", "pause", "inhale", "hold", "exhale"} <= {k for k, _ in drawn_keys}
    by_start = {(g.get("class").split()[1], round(float(g.get("data-start")), 3)): g for g in drawn}
    for entry in planned:
        g = by_start[(entry["kind"], round(entry["start"], 3))]
        assert float(g.get("data-end")) == pytest.approx(entry["end"], abs=1e-3)
        if entry.get("text"):
            assert entry["text"] in g.find(f"{SVG}title").text


def test_layer_lanes_show_each_sections_layers_volumes_and_glides(page):
    timeline, html = page
    root = svg_root(html)
    lanes = [g.get("data-kind") for g in root.iter(f"{SVG}g") if g.get("class") == "lane layer"]
    assert lanes == ["binaural", "noise", "tone"]
    bands = [g for g in root.iter(f"{SVG}g") if g.get("class") == "layer-band"]
    summary = sorted((b.get("data-kind"), b.get("data-volume"), round(float(b.get("data-start")), 1)) for b in bands)
    breathing = next(s for s in timeline.to_json()["sections"] if s["title"] == "Breathing")
    resting = timeline.to_json()["sections"][2]
    assert summary == sorted([
        ("binaural", "-26", 0.0), ("noise", "-34", 0.0),  # Arriving: the session's layers
        ("noise", "-30", round(breathing["start"], 1)), ("tone", "-30", round(breathing["start"], 1)),
        ("binaural", "-26", round(resting["start"], 1)), ("noise", "-34", round(resting["start"], 1)),
    ])
    labels = " ".join(t.text or "" for t in root.iter(f"{SVG}title"))
    # The session's binaural glides over the whole track: Arriving hears the start of it.
    fraction = breathing["start"] / timeline.seconds
    assert f"binaural 200 Hz beat 10→{10 - 4 * fraction:.2f}".rstrip("0").rstrip(".") in labels
    assert "tone 136.1 Hz · -30 dB" in labels
    assert "ducked 6 dB while the voice speaks" in labels
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "crossfade"]) == 2
    assert len([ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "glide"]) == 2


def test_cli_writes_the_page(write_script, tmp_path):
    script = write_script(SCRIPT)
    target = tmp_path / "plan.html"
    result = CliRunner().invoke(cli, ["plan", str(script), "--estimate", "--html", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {target} (2:00.0, 3 sections)\n"
    html = target.read_text(encoding="utf-8")
    assert "speech lengths estimated" in html
    svg_root(html)
    section_only = CliRunner().invoke(cli, ["plan", str(script), "--estimate", "--section", "Resting", "--html", str(target)])
    assert section_only.exit_code == 0, section_only.output
    bands = [g for g in svg_root(target.read_text(encoding="utf-8")).iter(f"{SVG}g") if g.get("class") == "section"]
    assert [b.get("data-title") for b in bands] == ["Resting"] and float(bands[0].get("data-start")) == 0.0
    missing = CliRunner().invoke(cli, ["plan", str(script), "--estimate", "--html", str(tmp_path / "no" / "p.html")])
    assert missing.exit_code == 2


def test_json_and_html_agree_on_the_total(write_script, fake_tts):
    script = write_script(SCRIPT)
    data = json.loads(CliRunner().invoke(cli, ["plan", str(script), "--json"]).output)
    speech = SpeechBank()
    try:
        html = plan_html(plan_timeline(load(script), speech))
    finally:
        speech.close()
    assert float(svg_root(html).get("data-duration")) == pytest.approx(data["duration"], abs=1e-3)

"""The page for every listener: the keyboard alone, screen readers, and axe-core's audit,
in headless Chromium; and chapter links that work with script turned off.

axe-core comes from the npm registry: set AXE_CORE=/path/to/axe.min.js, or the test
installs it once into a cache folder outside the repository with npm (`.ci/run` does
that too). The audit skips only when npm is not installed.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.publish import PublishResult
from conftest import BROWSER, DevTools, chromium
from test_publish_browser import browser, server, site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium binary (install Debian's 'chromium')")

AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "meditate-tests" / "axe"


def axe_script() -> str:
    """axe.min.js: from AXE_CORE, the cache, or installed into the cache with npm."""
    given = os.environ.get("AXE_CORE")
    if given:
        return Path(given).read_text(encoding="utf-8")
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("no npm to install axe-core from the npm registry (apt-get install npm, or set AXE_CORE)")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        with open(AXE_CACHE / ".lock", "w") as lock:  # test processes in parallel install it once
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not script.is_file():
                subprocess.run([npm, "install", "--prefix", str(AXE_CACHE), "--no-audit", "--no-fund", "axe-core@4"],
                               check=True, capture_output=True)
    return script.read_text(encoding="utf-8")


def key(browser: DevTools, name: str) -> None:
    """One key press on whatever has focus, as a keyboard user would."""
    codes = {"Enter": ("Enter", 13, "\r"), " ": ("Space", 32, " "), "Tab": ("Tab", 9, "")}
    code, number, text = codes[name]
    for kind in ("keyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", {"type": kind, "key": name, "code": code,
                                                 "windowsVirtualKeyCode": number, "text": text if kind == "keyDown" else ""})


def audit(browser: DevTools) -> list[dict]:
    browser.evaluate(axe_script())
    options = {"rules": {"label-content-name-mismatch": {"enabled": True}}}  # experimental, off by default
    result = browser.evaluate(f"axe.run(document, {json.dumps(options)}).then(r => r.violations)")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"]]} for v in result]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(browser: DevTools, server: str, scheme: str) -> None:
    browser.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        browser.navigate(server)
        browser.evaluate("document.querySelectorAll('details.transcript').forEach(d => d.open = true)")
        browser.wait_for("!document.querySelector('#kept') || document.readyState === 'complete'")
        violations = audit(browser)
    finally:
        browser.send("Emulation.setEmulatedMedia", {"features": []})
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []
    # The three found by hand before, whatever their impact: none may come back.
    named = {"scrollable-region-focusable", "label-content-name-mismatch", "landmark-unique"}
    assert [v for v in violations if v["id"] in named] == []


def test_transcript_lines_work_from_the_keyboard(browser: DevTools, server: str) -> None:
    browser.navigate(server)
    browser.evaluate("window.seeks = []; document.querySelectorAll('audio').forEach(a => a.addEventListener('seeked',"
                     " () => window.seeks.push([a.closest('article').id, a.currentTime])))")
    browser.press_enter_on("#t-01-arriving .transcript summary")  # open it from the keyboard
    assert browser.wait_for("document.querySelector('#t-01-arriving .cues').checkVisibility()")
    # Tab from the summary reaches the first line; Tab again the second; Space plays from it.
    key(browser, "Tab")
    assert browser.evaluate("document.activeElement.closest('li').dataset.start") == "0.500"
    key(browser, "Tab")
    assert browser.evaluate("document.activeElement.closest('li').dataset.start") == "2.500"
    key(browser, " ")
    seek = browser.wait_for("window.seeks.length && window.seeks[0]")
    assert seek[0] == "t-01-arriving" and 2.5 <= seek[1] < 3
    browser.evaluate("document.querySelector('#t-01-arriving audio').pause()")
    browser.press_enter_on("#t-01-arriving .cues li:first-child button")
    seek = browser.wait_for("window.seeks.length > 1 && window.seeks[1]")
    assert seek[0] == "t-01-arriving" and 0.5 <= seek[1] < 1


def test_accessible_names_contain_the_visible_text(browser: DevTools, server: str) -> None:
    browser.navigate(server)
    nodes = browser.send("Accessibility.getFullAXTree")["nodes"]
    names = {}
    for node in nodes:
        role = node.get("role", {}).get("value")
        name = node.get("name", {}).get("value", "")
        names.setdefault(role, []).append(name)
    navigation = names["navigation"]
    assert len(navigation) == 3 and len(set(navigation)) == 3  # one per track, each its own name
    assert "Chapters of Evening Relaxation for the Back" in navigation
    chapter_names = browser.evaluate(
        "[...document.querySelectorAll('.chapters a')].map(a => a.textContent.replace(/\\s+/g, ' ').trim())"
    )
    for visible in chapter_names:  # WCAG 2.5.3: what is seen is what a voice user can say
        assert any(visible in name for name in names["link"]), visible


def test_a_chapter_link_plays_from_there_without_script(site: PublishResult, server: str) -> None:
    """With script off, a chapter link opens the track at the chapter (a #t= media fragment)."""
    with chromium() as tools:
        tools.send("Emulation.setScriptExecutionDisabled", {"value": True})
        tools.navigate(server)
        tools.click("#t-02-evening .chapters li:nth-child(2) a")  # Integration, at 5 s
        tools.send("Emulation.setScriptExecutionDisabled", {"value": False})  # to look, not to act
        assert tools.wait_for("location.pathname.endsWith('/media/02-evening.mp3') && location.hash") == "#t=5"
        assert tools.wait_for("(() => { const v = document.querySelector('video, audio');"
                              " return v && v.readyState >= 1 && v.currentTime; })()") >= 5


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_player_plan_and_mixes_pass_axe(tmp_path: Path, scheme: str) -> None:
    """The listener's controls (skips, resume, background mixes) and the plan's Today, audited."""
    from generator.publish import publish
    from test_publish_offline import Site
    from test_publish_plan import PLAN
    from test_publish_player import make_player_library

    make_player_library(tmp_path / "tracks")
    (tmp_path / "plan.yaml").write_text(PLAN + "streaks: true\n", encoding="utf-8")
    served = Site(publish(tmp_path / "tracks", tmp_path / "site", token=True, plan=tmp_path / "plan.yaml"))
    try:
        with chromium() as tools:
            tools.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            tools.navigate(served.url + "?day=2026-12-10")
            # A place to resume from and a day of practice, so every part of the page shows.
            tools.evaluate("(b => { localStorage.setItem('meditate-places:' + b, JSON.stringify({'t-04-long': 14}));"
                           " localStorage.setItem('meditate-practice:' + b, JSON.stringify({days: {'2026-12-10': ['t-01-arriving']}})); })"
                           "(location.pathname.replace(/[^\\/]*$/, ''))")
            tools.navigate(served.url + "?day=2026-12-10")
            tools.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert tools.evaluate("document.querySelector('#t-04-long .resume').hidden") is False
            assert tools.evaluate("document.querySelectorAll('.plan-today li').length") == 3
            violations = audit(tools)
    finally:
        served.stop()
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []

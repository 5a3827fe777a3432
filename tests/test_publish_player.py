"""The listener's player in headless Chromium: the background mixes, resuming where one
stopped, the 15-second skips and their keys, the lock screen (Media Session), a kept mix
played offline, and what the page weighs.

The site is four tone tracks (the third with its softer and voice-only mixes, as
`render --variants` leaves them) served from 127.0.0.1 by the range-capable test server;
each test gets a fresh browser profile, so nothing one test stores reaches another.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.publish import publish
from test_publish import encode_mp3, make_library, make_track
from test_publish_browser import BROWSER, DevTools
from test_publish_offline import READY, Site

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium binary (install Debian's 'chromium')")

LONG = "#t-04-long"
AUDIO = f"document.querySelector('{LONG} audio')"
# Every handler the page gives the lock screen, kept where the test can call it as the phone would.
RECORD_HANDLERS = (
    "window.lockScreen = {}; if (navigator.mediaSession) { const set = navigator.mediaSession.setActionHandler"
    ".bind(navigator.mediaSession); navigator.mediaSession.setActionHandler = (name, handler) =>"
    " { window.lockScreen[name] = handler; return set(name, handler); }; }"
)


def make_player_library(folder: Path) -> None:
    """The publish tests' three tracks and a 40-second one with two chapters and its other mixes."""
    make_library(folder)
    make_track(folder, "04-long", "Long Rest", [("Settling", 0.0), ("Resting", 20.0)], seconds=40.0,
               lines=[(1.0, 3.0, "Settle."), (21.0, 23.0, "Rest.")])
    encode_mp3(folder / "04-long.softer.mp3", 40.0, freq=330.0)
    encode_mp3(folder / "04-long.voice.mp3", 40.0, freq=440.0)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    make_player_library(tmp_path / "tracks")
    served = Site(publish(tmp_path / "tracks", tmp_path / "site", base_url="https://example.org/anna", token=True))
    yield served
    served.stop()


@pytest.fixture
def tools() -> Iterator[DevTools]:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        browser = DevTools(BROWSER, Path(profile))
        try:
            browser.open_page()
            browser.send("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_HANDLERS})
            yield browser
        finally:
            browser.close()


def press(tools: DevTools, key: str) -> None:
    """One key press on the page (nothing focused), as a keyboard user would."""
    codes = {" ": ("Space", 32, " "), "ArrowLeft": ("ArrowLeft", 37, ""), "ArrowRight": ("ArrowRight", 39, ""),
             "j": ("KeyJ", 74, "j"), "l": ("KeyL", 76, "l"), "k": ("KeyK", 75, "k")}
    code, number, text = codes[key]
    for kind in ("keyDown", "keyUp"):
        tools.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": number,
                                               "text": text if kind == "keyDown" else ""})


def start(tools: DevTools, at: float) -> None:
    """Play the long track from `at` seconds, muted, after a listener's touch."""
    tools.click("h1")
    tools.evaluate(f"(() => {{ const a = {AUDIO}; a.muted = true; a.preload = 'auto'; a.load();"
                   f" a.addEventListener('loadedmetadata', () => {{ a.currentTime = {at}; a.play(); }}, {{once: true}}); }})()")
    tools.wait_for(f"{AUDIO}.currentTime > {at} + 0.3 && !{AUDIO}.paused", timeout=30)


SWITCH_WATCH = (
    # The position at the very moment the listener picks another mix, and where the new one lands.
    "window.switches = []; document.querySelectorAll('.mixes input').forEach(i => i.addEventListener('change', () => {"
    f" const a = {AUDIO}; const s = {{from: a.currentTime, playing: !a.paused}}; window.switches.push(s);"
    " a.addEventListener('seeked', () => { s.to = a.currentTime; s.src = a.currentSrc; s.playingAfter = !a.paused; },"
    " {once: true}); }, true))"
)


def test_switching_the_background_keeps_the_place_and_playing(site: Site, tools: DevTools) -> None:
    tools.navigate(site.url)
    labels = tools.evaluate(f"[...document.querySelectorAll('{LONG} .mixes label')].map(l => l.textContent.trim())")
    assert labels == ["As made", "Softer", "Voice only"]
    assert tools.evaluate("document.querySelectorAll('.mixes').length") == 1  # only the track that has them
    start(tools, 10)
    tools.evaluate(SWITCH_WATCH)
    tools.click(f"{LONG} .mixes input[value=softer]")
    switch = tools.wait_for("window.switches.length && 'to' in window.switches[0] && window.switches[0]", timeout=30)
    assert switch["src"].endswith("/media/04-long.softer.mp3")
    assert abs(switch["to"] - switch["from"]) <= 0.1 and switch["from"] > 10
    assert switch["playing"] and tools.wait_for(f"!{AUDIO}.paused && {AUDIO}.currentTime > {switch['to']} + 0.3", timeout=30)

    tools.evaluate(f"{AUDIO}.pause()")
    tools.click(f"{LONG} .mixes input[value=voice]")
    switch = tools.wait_for("window.switches.length > 1 && 'to' in window.switches[1] && window.switches[1]", timeout=30)
    assert switch["src"].endswith("/media/04-long.voice.mp3")
    assert abs(switch["to"] - switch["from"]) <= 0.1 and not switch["playing"]
    assert tools.evaluate(f"{AUDIO}.paused")

    tools.navigate(site.url)  # the choice is remembered, and still loads nothing until asked
    assert tools.evaluate(f"document.querySelector('{LONG} .mixes input[value=voice]').checked")
    assert tools.evaluate(f"{AUDIO}.src").endswith("/media/04-long.voice.mp3")
    assert tools.evaluate("[...document.querySelectorAll('audio')].map(a => a.readyState)") == [0, 0, 0, 0]


def test_a_track_resumes_where_it_was_left(site: Site, tools: DevTools) -> None:
    tools.navigate(site.url)
    assert tools.evaluate(f"document.querySelector('{LONG} .resume').hidden")
    start(tools, 12)
    tools.evaluate(f"{AUDIO}.pause()")
    left = tools.evaluate(f"{AUDIO}.currentTime")
    tools.navigate(site.url)
    note = tools.evaluate(f"document.querySelector('{LONG} .resume').checkVisibility() && "
                          f"document.querySelector('{LONG} .resume').textContent")
    assert note.startswith("You stopped at 0:12") and "Start from the beginning" in note
    assert tools.evaluate(f"{AUDIO}.readyState") == 0  # nothing loaded before the listener plays
    tools.click("h1")
    tools.evaluate(f"(() => {{ const a = {AUDIO}; a.muted = true; a.play(); }})()")
    resumed = tools.wait_for(f"!{AUDIO}.paused && {AUDIO}.readyState >= 1 && {AUDIO}.currentTime > 1 && {AUDIO}.currentTime",
                             timeout=30)
    assert abs(resumed - left) < 1.0
    tools.click(f"{LONG} .restart")  # one tap back to the start, and playing
    assert tools.wait_for(f"!{AUDIO}.paused && {AUDIO}.currentTime < 3 && document.querySelector('{LONG} .resume').hidden")
    assert tools.evaluate(f"{AUDIO}.currentTime") < 3


def test_skip_buttons_and_keys(site: Site, tools: DevTools) -> None:
    tools.navigate(site.url)
    sizes = tools.evaluate("[...document.querySelectorAll('.transport button, .mixes label')].map(b => "
                           "{ const r = b.getBoundingClientRect(); return [r.width, r.height]; })")
    assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes  # large enough for a finger
    tools.evaluate(f"(() => {{ const a = {AUDIO}; a.preload = 'metadata'; a.load(); }})()")
    tools.wait_for(f"{AUDIO}.readyState >= 1")
    tools.evaluate(f"{AUDIO}.currentTime = 20")
    at = lambda: tools.wait_for(f"!{AUDIO}.seeking && {AUDIO}.readyState >= 1 && [{AUDIO}.currentTime]")[0]  # noqa: E731
    tools.click(f"{LONG} button[data-skip='15']")
    assert at() == pytest.approx(35, abs=0.01)
    tools.click(f"{LONG} button[data-skip='-15']")
    assert at() == pytest.approx(20, abs=0.01)
    tools.evaluate("document.activeElement.blur()")  # the keys act on the page, not on a focused button
    for key, expected in (("l", 35), ("j", 20), ("ArrowRight", 35), ("ArrowLeft", 20), ("ArrowLeft", 5), ("j", 0)):
        press(tools, key)
        assert at() == pytest.approx(expected, abs=0.01), key
    tools.click("h1")
    tools.evaluate(f"{AUDIO}.muted = true")
    press(tools, " ")
    assert tools.wait_for(f"!{AUDIO}.paused")
    press(tools, "k")
    assert tools.wait_for(f"{AUDIO}.paused")
    shortcuts = tools.evaluate("document.querySelector('.keys').textContent")
    assert "Space" in shortcuts and "back 15 seconds" in shortcuts and "forward 15 seconds" in shortcuts


def test_the_lock_screen_shows_the_track_and_its_chapter(site: Site, tools: DevTools) -> None:
    tools.navigate(site.url)
    start(tools, 2)
    meta = tools.wait_for("navigator.mediaSession.metadata && (({title, artist, album, artwork}) =>"
                          " ({title, artist, album, artwork: artwork.map(a => [a.src, a.sizes])}))(navigator.mediaSession.metadata)")
    assert meta["title"] == "Long Rest" and meta["artist"] == "Infinite Mind Medical Qigong"
    assert meta["album"] == "Settling"  # the chapter playing
    assert any(src.endswith("-192.jpg") and sizes == "192x192" for src, sizes in meta["artwork"])
    assert all(src.startswith("http://127.0.0.1:") for src, _ in meta["artwork"])
    handlers = tools.evaluate("Object.keys(window.lockScreen).sort()")
    assert {"play", "pause", "seekto", "seekbackward", "seekforward"} <= set(handlers)
    tools.evaluate("window.lockScreen.seekto({action: 'seekto', seekTime: 25})")
    assert tools.wait_for(f"{AUDIO}.currentTime >= 25 && navigator.mediaSession.metadata.album === 'Resting'")
    tools.evaluate(f"{AUDIO}.pause()")
    before = tools.wait_for(f"!{AUDIO}.seeking && [{AUDIO}.currentTime]")[0]
    tools.evaluate("window.lockScreen.seekbackward({action: 'seekbackward'})")
    assert tools.wait_for(f"!{AUDIO}.seeking && [{AUDIO}.currentTime]")[0] == pytest.approx(before - 15, abs=0.01)
    tools.evaluate("window.lockScreen.seekforward({action: 'seekforward', seekOffset: 5})")
    assert tools.wait_for(f"!{AUDIO}.seeking && [{AUDIO}.currentTime]")[0] == pytest.approx(before - 10, abs=0.01)
    assert tools.wait_for("navigator.mediaSession.metadata.album") == "Settling"
    tools.evaluate("window.lockScreen.play({action: 'play'})")
    assert tools.wait_for(f"!{AUDIO}.paused")


def test_a_kept_mix_plays_and_seeks_offline(site: Site, tools: DevTools) -> None:
    tools.navigate(site.url)
    assert tools.wait_for(READY, timeout=30)
    tools.navigate(site.url)  # now under the service worker's control
    tools.wait_for("navigator.serviceWorker.controller !== null")
    tools.click(f"{LONG} .mixes input[value=softer]")
    tools.click(f"{LONG} .keep")
    tools.wait_for(f"document.querySelector('{LONG} .kept-state').textContent === 'Kept on this device.'", timeout=30)
    kept = tools.evaluate("caches.open('meditate-kept').then(c => c.keys()).then(k => k.map(r => r.url))")
    assert any(u.endswith("/media/04-long.softer.mp3") for u in kept)
    assert not any(u.endswith("/media/04-long.mp3") for u in kept)  # the mix chosen, not the others

    site.stop()  # no network from here on
    tools.navigate(site.url)
    assert tools.evaluate(f"{AUDIO}.src").endswith("/media/04-long.softer.mp3")
    tools.click("h1")
    tools.evaluate(f"(() => {{ const a = {AUDIO}; a.muted = true; a.preload = 'auto'; a.load();"
                   " a.addEventListener('loadedmetadata', () => { a.currentTime = 30; a.play(); }, {once: true}); })()")
    assert tools.wait_for(f"{AUDIO}.currentTime > 30.3", timeout=30)
    assert round(tools.evaluate(f"{AUDIO}.duration")) == 40


def test_what_the_page_weighs(site: Site, tools: DevTools) -> None:
    """HTML (with its inline CSS and script), images and the rest of the first load, for the record."""
    tools.send("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    tools.navigate(site.url)
    assert tools.wait_for(READY, timeout=30)
    html = (site.result.root / "index.html").read_text(encoding="utf-8")
    css = len(re.search(r"<style>(.*?)</style>", html, re.S)[1].encode())
    js = len(re.search(r"<script>(.*?)</script>", html, re.S)[1].encode())
    served = list(site.served)
    kinds: dict[str, int] = {}
    for path, _, size in served:
        kind = "html" if path.endswith(".html") else "images" if re.search(r"\.(jpg|png|webp)$", path) else "other"
        kinds[kind] = kinds.get(kind, 0) + size
    total = sum(kinds.values())
    print(f"\npage weight on first load: {total} bytes: {json.dumps(kinds)}; inside the HTML: CSS {css}, script {js}")
    assert not [path for path, _, _ in served if path.endswith(".mp3")]  # no audio until asked
    assert kinds["html"] == len(html.encode())
    assert css + js < 60_000 and total < 200_000

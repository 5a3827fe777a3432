"""The published page in a real browser: headless Chromium, driven over its DevTools protocol.

Chromium is started with `--remote-debugging-pipe` (JSON messages on file descriptors 3
and 4), so the test needs no Python package beyond the standard library and no network:
the site is served from 127.0.0.1 by a small range-capable server (as every static host
is; seeking audio needs HTTP range requests) and also opened straight from `file://`.
Skips only when no Chromium binary exists (Debian: `apt-get install chromium`).
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.publish import PublishResult, publish
from conftest import BROWSER, DevTools, RangeHandler, chromium
from test_publish import make_library

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium binary (install Debian's 'chromium' or set CHROMIUM=/path/to/it)"
)


@pytest.fixture(scope="module")
def site() -> Iterator[PublishResult]:
    with tempfile.TemporaryDirectory() as folder:
        make_library(Path(folder) / "tracks")
        # Many short lines for one track, so its transcript box has to scroll to follow.
        lines = "".join(f"00:00:{i / 5:06.3f} --> 00:00:{(i + 1) / 5:06.3f}\nLine {i}.\n\n" for i in range(40))
        (Path(folder) / "tracks/02-evening.vtt").write_text(f"WEBVTT\n\n{lines}")
        yield publish(Path(folder) / "tracks", Path(folder) / "site", base_url="https://example.org/anna", token=True)


@pytest.fixture(scope="module")
def server(site: PublishResult) -> Iterator[str]:
    handler = functools.partial(RangeHandler, directory=str(site.root.parent))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{site.token}/index.html"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[DevTools]:
    with chromium() as tools:
        yield tools


def _where(site: PublishResult, server: str, how: str) -> str:
    return server if how == "http" else site.page.resolve().as_uri()


@pytest.mark.parametrize("how", ["http", "file"])
def test_a_chapter_link_seeks_its_player(browser: DevTools, site: PublishResult, server: str, how: str) -> None:
    url = _where(site, server, how)
    browser.navigate(url)
    assert browser.evaluate("document.querySelectorAll('article.track audio').length") == site.tracks == 3
    # Opening the page loads no audio at all; a player loads when it is asked to play.
    assert browser.evaluate("[...document.querySelectorAll('audio')].map(a => a.readyState)") == [0, 0, 0]

    # Record where each player lands after a seek, so playing on from 0 cannot pass for a seek.
    browser.evaluate(
        "window.seeks = []; document.querySelectorAll('audio').forEach(a => a.addEventListener('seeked',"
        " () => window.seeks.push([a.closest('article').id, a.currentTime])))"
    )
    browser.click("#t-02-evening .chapters li:nth-child(2) a")  # Integration, at 5 s
    seeks = browser.wait_for("window.seeks.length && window.seeks")
    assert seeks[0][0] == "t-02-evening" and 5 <= seeks[0][1] < 5.5  # playing may have moved on a little
    position = browser.evaluate("document.querySelector('#t-02-evening audio').currentTime")
    assert 5 <= position < 7.5
    assert browser.evaluate("document.querySelector('#t-01-arriving audio').currentTime") == 0
    assert browser.evaluate("location.hash") == "#t-02-evening/5"
    # The player really loaded its track (CSP allowing) and knows its length.
    assert round(browser.wait_for("document.querySelector('#t-02-evening audio').duration")) == 9

    browser.press_enter_on("#t-01-arriving .chapters li:nth-child(3) a")  # Resting, at 4 s
    seek = browser.wait_for("window.seeks.length > 1 && window.seeks[1]")
    assert seek[0] == "t-01-arriving" and 4 <= seek[1] < 4.5
    position = browser.evaluate("document.querySelector('#t-01-arriving audio').currentTime")
    assert 4 <= position < 6.5
    assert browser.evaluate("document.querySelector('#t-02-evening audio').paused")  # one plays at a time

    exceptions = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
    assert exceptions == []
    if how == "http":
        requested = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
        local = server.rsplit("/", 2)[0] + "/"
        outside = [u for u in requested if not u.startswith((local, "data:"))]  # data: = the player's own icons
        assert any(u.endswith(".mp3") for u in requested) and outside == []


LOAD = "[...document.querySelectorAll('audio')].forEach(a => { a.preload = 'metadata'; a.load(); })"


def test_transcript_opens_and_follows_the_player(browser: DevTools, site: PublishResult, server: str) -> None:
    browser.navigate(server)
    browser.evaluate(LOAD)
    browser.wait_for("[...document.querySelectorAll('audio')].every(x => x.readyState >= 1)")
    assert not browser.evaluate("document.querySelector('#t-01-arriving .cues').checkVisibility()")
    browser.click("#t-01-arriving .transcript summary")
    assert browser.wait_for("document.querySelector('#t-01-arriving .cues').checkVisibility()")
    browser.evaluate("(() => { const a = document.querySelector('#t-01-arriving audio'); a.pause(); a.currentTime = 4.5; })()")
    line = browser.wait_for("(() => { const e = document.querySelector('#t-01-arriving .cues li.now'); return e && e.textContent; })()")
    assert line.endswith("Let your eyes close.")  # the line last begun stays lit in the pause after it
    assert browser.evaluate("document.querySelectorAll('#t-01-arriving .cues li.now').length") == 1
    assert browser.evaluate(
        "document.querySelector('#t-01-arriving .chapters a[aria-current=\"true\"]').textContent"
    ).endswith("Resting")  # the chapter begun at 4 s


def test_transcript_scrolls_to_the_current_line(browser: DevTools, site: PublishResult, server: str) -> None:
    browser.navigate(server)
    browser.evaluate(LOAD)
    browser.wait_for("document.querySelector('#t-02-evening audio').readyState >= 1")
    browser.press_enter_on("#t-02-evening .transcript summary")  # opened from the keyboard
    browser.evaluate("(() => { const a = document.querySelector('#t-02-evening audio'); a.pause(); a.currentTime = 7.05; })()")
    assert browser.wait_for("(() => { const e = document.querySelector('#t-02-evening .cues li.now');"
                            " return e && e.textContent; })()").endswith("Line 35.")
    inside = (
        "(() => { const box = document.querySelector('#t-02-evening .cues').getBoundingClientRect();"
        " const line = document.querySelector('#t-02-evening .cues li.now').getBoundingClientRect();"
        " return line.top >= box.top && line.bottom <= box.bottom; })()"
    )
    assert browser.wait_for(inside)


def test_a_shared_chapter_link_opens_at_that_chapter(browser: DevTools, site: PublishResult, server: str) -> None:
    browser.navigate(server.replace("index.html", "index.html#t-02-evening/5"))
    assert browser.wait_for("document.querySelector('#t-02-evening audio').currentTime") == pytest.approx(5, abs=0.05)

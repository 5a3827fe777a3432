"""The published page in a real browser: headless Chromium, driven over its DevTools protocol.

Chromium is started with `--remote-debugging-pipe` (JSON messages on file descriptors 3
and 4), so the test needs no Python package beyond the standard library and no network:
the site is served from 127.0.0.1 by a small range-capable server (as every static host
is; seeking audio needs HTTP range requests) and also opened straight from `file://`.
Skips only when no Chromium binary exists (Debian: `apt-get install chromium`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generator.publish import PublishResult, publish
from test_publish import make_library

BROWSER = os.environ.get("CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium binary (install Debian's 'chromium' or set CHROMIUM=/path/to/it)"
)


class DevTools:
    """A minimal DevTools protocol client over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: Path, extra: tuple[str, ...] = ()):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Move the child's ends above 9, so the shell's "3<&R 4>&W" cannot overwrite one with the other.
        to_browser_r, from_browser_w = (_high_fd(fd) for fd in (to_browser_r, from_browser_w))
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync", "--mute-audio",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-pipe",
            "--window-size=900,1200", *extra, "about:blank",
        ]  # fmt: skip
        # The browser reads commands on fd 3 and writes replies on fd 4.
        launcher = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", launcher, binary, *flags],
            pass_fds=(to_browser_r, from_browser_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 300) -> dict[str, Any]:
        """Send one command and wait for its answer (events seen meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the debugging pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")

    def navigate(self, url: str, timeout: float = 300) -> None:
        """Load `url` afresh (via a blank page, so a changed #fragment reloads too)."""
        for address in ("about:blank", url):
            self.events.clear()
            self.send("Page.navigate", {"url": address})
            deadline = time.monotonic() + timeout
            while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
                self.events.append(self._read(deadline))

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 300) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"never true in the page: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click (a user gesture, as a listener's finger would make)."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def press_enter_on(self, selector: str) -> None:
        """Focus an element and press Enter, as a keyboard user would."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                                 "windowsVirtualKeyCode": 13, "text": "\r" if kind == "keyDown" else ""})

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def _high_fd(fd: int) -> int:
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with HTTP range requests, which browsers need to seek in audio."""

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start = int(match[1])
        end = min(int(match[2]) if match[2] else size - 1, size - 1)
        if start >= size:
            self.send_error(416)
            return None
        handle = open(path, "rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._range_left = end - start + 1
        return handle

    def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
        left = getattr(self, "_range_left", None)
        if left is None:
            return super().copyfile(source, outputfile)
        outputfile.write(source.read(left))

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


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
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(BROWSER, Path(profile))
        try:
            tools.open_page()
            yield tools
        finally:
            tools.close()


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

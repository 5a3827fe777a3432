"""The page as a listener's phone meets it, in headless Chromium: what opening it costs,
practice with no network (a kept track played after the server is gone), and the
practice log kept on the device.

Each test serves its own copy of the site from 127.0.0.1 with a server that counts the
bytes it sends, so "opens light" is measured by what really crossed the wire, and
"offline" means the server is really stopped.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3

from generator.publish import PublishResult, publish
from test_publish import make_library
from conftest import BROWSER, DevTools, RangeHandler, chromium
from test_publish_clients import photo

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium binary (install Debian's 'chromium')")


class CountingHandler(RangeHandler):
    """The range-capable test server, keeping (path, status, body bytes) of every answer."""

    served: list[list[Any]]

    def send_response(self, code: int, message: str | None = None) -> None:
        self.served.append([self.path.split("?")[0], code, 0])
        super().send_response(code, message)

    def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
        start = source.tell()
        try:
            super().copyfile(source, outputfile)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser stopped reading (an audio element often does); count what went
        self.served[-1][2] += source.tell() - start


class Site:
    """A published site on its own server, which a test can stop to go offline."""

    def __init__(self, result: PublishResult):
        self.result = result
        self.served: list[list[Any]] = []
        handler = type("Handler", (CountingHandler,), {"served": self.served})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(result.root.parent)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{result.token}/index.html"

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def heavy_site(tmp_path: Path) -> Iterator[Site]:
    """Three tracks whose covers are 1400-pixel photographs, as podcast apps want them."""
    for number, path in enumerate(make_library(tmp_path / "tracks"), 1):
        tags = ID3(path)
        picture = tags.getall("APIC")[0]
        picture.data, picture.mime = photo(1400, seed=number), "image/jpeg"
        tags.save(path)
    site = Site(publish(tmp_path / "tracks", tmp_path / "site", base_url="https://example.org/anna", token=True))
    yield site
    site.stop()


@pytest.fixture
def tools() -> Iterator[DevTools]:
    with chromium() as browser:
        yield browser


READY = (
    "navigator.serviceWorker.ready.then(() => caches.keys()).then(k => k.some(n => n.startsWith('meditate-page-')))"
    " .then(ok => ok && [...document.images].every(i => i.complete && i.naturalWidth > 0))"
)


def test_opening_the_page_fetches_kilobytes_not_megabytes(heavy_site: Site, tools: DevTools) -> None:
    covers = sum(p.stat().st_size for p in (heavy_site.result.root / "media").glob("*.cover.jpg"))
    assert covers > 2_000_000  # what the page used to show at 96 pixels
    tools.send("Emulation.setDeviceMetricsOverride", {"width": 400, "height": 900, "deviceScaleFactor": 2, "mobile": True})
    tools.navigate(heavy_site.url)
    assert tools.wait_for(READY, timeout=30)  # shown, and kept for offline use
    served = list(heavy_site.served)
    total = sum(size for _, _, size in served)
    print(f"\nopening the page: {total} bytes in {len(served)} answers")  # for the record
    assert total < 200_000
    assert not [path for path, _, _ in served if path.endswith(".mp3")]  # preload="none": no audio
    assert not [path for path, _, _ in served if path.endswith(".cover.jpg")]  # thumbnails only
    bodies = [path for path, status, size in served if status == 200 and size]
    assert len(bodies) == len(set(bodies)), bodies  # nothing downloaded twice
    shown = tools.evaluate("[...document.images].map(i => [i.currentSrc, +i.getAttribute('width')])")
    assert all(src.endswith(f"-{2 * width}.jpg") for src, width in shown), shown  # sharp at 2x, no larger


def test_a_kept_track_plays_with_no_network(heavy_site: Site, tools: DevTools) -> None:
    tools.navigate(heavy_site.url)
    assert tools.wait_for(READY, timeout=30)
    tools.navigate(heavy_site.url)  # now under the service worker's control
    tools.wait_for("navigator.serviceWorker.controller !== null")
    tools.click("#t-03-breath .keep")
    tools.wait_for("document.querySelector('#t-03-breath .kept-state').textContent === 'Kept on this device.'", timeout=30)
    assert tools.evaluate("document.querySelector('#t-03-breath .keep').getAttribute('aria-pressed')") == "true"
    assert tools.evaluate("document.querySelector('#kept').hidden") is False
    assert tools.evaluate("[...document.querySelectorAll('#kept li')].map(li => li.firstChild.textContent.trim())") == [
        "Breath & <Ease>"
    ]

    heavy_site.stop()  # no network from here on
    tools.navigate(heavy_site.url)
    assert tools.evaluate("document.querySelector('h1').textContent") == "Back Health"
    assert tools.wait_for("[...document.images].every(i => i.complete && i.naturalWidth > 0)")  # thumbnails kept too
    tools.click("h1")  # a listener's touch: browsers let media play after one
    tools.evaluate("(() => { const a = document.querySelector('#t-03-breath audio'); a.preload = 'auto';"
                   " a.muted = true; a.currentTime = 2; a.play(); })()")
    assert tools.wait_for("document.querySelector('#t-03-breath audio').currentTime > 2.3", timeout=30)
    assert round(tools.evaluate("document.querySelector('#t-03-breath audio').duration")) == 4
    # A track not kept cannot load: the page really is offline.
    tools.evaluate("(() => { const a = document.querySelector('#t-01-arriving audio'); a.preload = 'auto'; a.load(); })()")
    assert tools.wait_for("document.querySelector('#t-01-arriving audio').error !== null", timeout=30)
    # The transcript file was kept with it.
    assert tools.evaluate("fetch('media/03-breath.vtt').then(r => r.text())").startswith("WEBVTT")

    tools.click("#kept li .remove")
    tools.wait_for("document.querySelector('#kept').hidden")
    assert tools.evaluate("document.querySelector('#t-03-breath .keep').getAttribute('aria-pressed')") == "false"
    assert tools.evaluate("caches.open('meditate-kept').then(c => c.keys()).then(k => k.length)") == 0


def test_the_practice_log_counts_a_track_heard_through(heavy_site: Site, tools: DevTools) -> None:
    tools.navigate(heavy_site.url)
    assert "No practice recorded" in tools.evaluate("document.querySelector('.practice-summary').textContent")
    tools.click("h1")  # a listener's touch: browsers let media play after one
    # Skipping to the end of a track is not practising it.
    tools.evaluate("(() => { const a = document.querySelector('#t-02-evening audio'); a.preload = 'auto'; a.load();"
                   " a.muted = true; a.addEventListener('loadedmetadata', () => { a.currentTime = 7.5; a.play(); }, {once: true}); })()")
    tools.wait_for("document.querySelector('#t-02-evening audio').ended", timeout=30)
    # Listening through a track is.
    tools.evaluate("(() => { const a = document.querySelector('#t-01-arriving audio'); a.muted = true; a.playbackRate = 2; a.play(); })()")
    tools.wait_for("document.querySelector('#t-01-arriving audio').ended", timeout=30)
    days = tools.wait_for("document.querySelectorAll('.practice-days li').length && "
                          "[...document.querySelectorAll('.practice-days li')].map(li => li.textContent)")
    assert len(days) == 1 and days[0].endswith(": Arriving in the Body")
    assert "1 day of practice" in tools.evaluate("document.querySelector('.practice-summary').textContent")
    stored = tools.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert "t-01-arriving" in stored and "t-02-evening" not in stored
    tools.navigate(heavy_site.url)  # kept on the device across visits
    assert tools.evaluate("document.querySelectorAll('.practice-days li').length") == 1
    # Nothing about it ever reached the server: only GETs of the site's own files.
    assert all(path.startswith(f"/{heavy_site.result.token}/") for path, _, _ in heavy_site.served)

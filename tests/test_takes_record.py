"""The recording page: its server's guards, and the page driven end to end in headless Chromium.

Chromium's fake microphone plays a WAV file (`--use-file-for-fake-audio-capture`), so the
page records a known sound through the real getUserMedia, Web Audio and upload path; the
saved take is then rendered like any other. The waits are bounded by recorded samples
(the page counts them), never by the clock.
"""

from __future__ import annotations

import http.client
import io
import json
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from generator.pipeline.rendering import RenderOptions, render
from generator.takes.lines import update_sheet
from generator.takes.recorder import MAX_TAKE_BYTES, Recording, RecordingServer
from takes_audio import take, write_take
from conftest import BROWSER, chromium

SCRIPT = """
title: Recorded at home
voice: {engine: recorded, takes: takes}
sections:
  - title: Arriving
    steps:
      - say: Welcome, friend.
      - pause: 2s
      - say: Let your shoulders soften.
"""


def pcm_wav(samples: np.ndarray, rate: int = 48_000, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


@pytest.fixture
def server(write_script, tmp_path):
    script = write_script(SCRIPT)
    update = update_sheet(script, tmp_path / "takes", {})
    running = RecordingServer(Recording(update.title, update.sheet, update.lines), 0)
    yield running, script, update
    running.close()


def request(server: RecordingServer, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    sent = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    connection.request(method, path, body=body, headers=sent)
    reply = connection.getresponse()
    data = reply.read()
    connection.close()
    return reply.status, data


def test_the_server_saves_a_good_take_and_refuses_the_rest(server, tmp_path):
    running, _, update = server
    assert running.httpd.server_address[0] == "127.0.0.1"
    name = update.lines[0].file
    good = pcm_wav(take(2, 48_000, level_db=-20, noise_db=-60))
    status, body = request(running, "GET", "/sheet")
    assert status == 200 and [line["done"] for line in json.loads(body)["lines"]] == [False, False]
    assert request(running, "PUT", f"/takes/{name}", good, {"Host": "evil.example:80"})[0] == 403
    assert request(running, "PUT", f"/takes/{name}", good, {"Origin": "http://evil.example"})[0] == 403
    assert request(running, "PUT", "/takes/..%2Fscript.yaml", good)[0] == 404
    assert request(running, "PUT", "/takes/../takes.csv", good)[0] == 404
    assert request(running, "PUT", f"/takes/{name}", b"RIFF....WAVEnot really a wav file at all, sorry")[0] == 400
    assert request(running, "PUT", f"/takes/{name}", pcm_wav(np.zeros(0)))[0] == 400
    status, _ = request(running, "PUT", f"/takes/{name}", b"", {"Content-Length": str(MAX_TAKE_BYTES + 1)})
    assert status == 413
    assert not (tmp_path / "takes" / name).exists()
    status, body = request(running, "PUT", f"/takes/{name}", good, {"Origin": f"http://127.0.0.1:{running.port}"})
    assert status == 200 and json.loads(body)["lines"][0]["done"] is True
    assert (tmp_path / "takes" / name).read_bytes() == good
    assert sorted(p.name for p in (tmp_path / "takes").iterdir()) == sorted(["takes.csv", name])  # no temporary left
    status, body = request(running, "GET", f"/takes/{name}")
    assert status == 200 and body == good


@pytest.mark.slow
@pytest.mark.skipif(BROWSER is None, reason="no Chromium binary (install Debian's 'chromium')")
def test_record_every_line_in_chromium_then_render(server, tmp_path, fake_tts):
    running, script, update = server
    microphone = write_take(tmp_path / "microphone.wav", take(3, 48_000, level_db=-18, noise_db=-58), 48_000)
    flags = (
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}", "--autoplay-policy=no-user-gesture-required",
    )  # fmt: skip
    with chromium(tmp_path / "profile", flags) as browser:
        browser.navigate(running.url)
        browser.wait_for("document.querySelectorAll('#lines li').length === 2")
        assert browser.evaluate("document.querySelector('#prompt').textContent") == "Welcome, friend."
        for index, row in enumerate(update.lines):
            assert browser.evaluate("window.recorder.index") == index  # the page moved on by itself
            browser.click("#record")
            browser.wait_for("window.recorder.recording && window.recorder.frames > 3.5 * window.recorder.rate", timeout=60)
            browser.click("#record")
            browser.wait_for(f"document.querySelector('li[data-file=\"{row.file}\"]').dataset.done === 'true'", timeout=30)
        assert browser.evaluate("document.querySelector('#progress').textContent").startswith("2 of 2 lines recorded")
        assert browser.evaluate("document.querySelector('#play').disabled") is False
        assert browser.evaluate("document.querySelector('#previous').disabled") is False  # usable again after saving
    for row in update.lines:
        info = sf.info(str(tmp_path / "takes" / row.file))
        assert info.format == "WAV" and info.subtype == "PCM_16" and info.channels == 1
        assert info.frames / info.samplerate >= 3.5
    result = render(script, RenderOptions(output=tmp_path / "home.wav"))
    samples, rate = sf.read(str(tmp_path / "home.wav"), dtype="float64")
    voice = samples.mean(axis=1)
    for step in [s for s in result.timeline.to_json()["sections"][0]["steps"] if s["kind"] == "say"]:
        said = voice[round(step["start"] * rate) : round(step["end"] * rate)]
        spectrum = np.abs(np.fft.rfft(said * np.hanning(said.size)))
        strongest = np.argmax(spectrum) * rate / said.size
        assert 120 < strongest < 220, strongest  # the microphone's voiced glide, not the fake engine
        assert 20 * np.log10(np.sqrt(np.mean(said[: rate // 10] ** 2))) > -40  # speech from the start

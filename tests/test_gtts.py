"""The online engine through gTTS's real code, with its HTTP requests answered locally."""

from __future__ import annotations

import base64
import http.server
import threading
from urllib.parse import unquote_plus

import lameenc
import numpy as np
import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.core.model import Voice
from generator.voice import gtts_engine
from generator.voice.gtts_engine import GttsEngine


def tone_mp3(seconds: float = 0.8, rate: int = 24_000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (np.sin(2 * np.pi * 220 * t) * 0.5 * 32767).astype(np.int16)
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_bit_rate(64)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


class FakeTranslate(http.server.BaseHTTPRequestHandler):
    """Answers gTTS's batchexecute POST the way the service does; scripted failures first."""

    failures: list[int] = []
    requests: list[str] = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).requests.append(unquote_plus(body))
        if type(self).failures:
            self.send_response(type(self).failures.pop(0))
            self.end_headers()
            return
        audio = base64.b64encode(tone_mp3()).decode()
        payload = ")]}'\n\n" + '[["wrb.fr","jQ1olc","[\\"' + audio + '\\"]",null,null,null,"generic"]]\n'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def local_translate(monkeypatch):
    """Route gTTS to a server on 127.0.0.1; yields the handler class to script answers."""
    import gtts.tts

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeTranslate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    monkeypatch.setattr(gtts_engine, "BACKOFF_SECONDS", 0.01)
    FakeTranslate.failures = []
    FakeTranslate.requests = []
    yield FakeTranslate
    server.shutdown()


def test_gtts_synthesizes_through_its_real_request_code(local_translate):
    clip = GttsEngine().synthesize("Rest here for a while.", Voice(engine="gtts", name="co.uk", language="en"))
    assert clip.rate == 24_000
    assert 0.7 < clip.seconds < 1.0
    spectrum = np.abs(np.fft.rfft(clip.samples))
    assert abs(np.argmax(spectrum) * clip.rate / len(clip.samples) - 220) < 3
    assert '"Rest here for a while.","en"' in local_translate.requests[0].replace("\\", "")


def test_gtts_retries_server_errors_and_throttling(local_translate):
    local_translate.failures = [500, 429]
    clip = GttsEngine().synthesize("Hello.", Voice(engine="gtts", name="com"))
    assert clip.seconds > 0.5
    assert len(local_translate.requests) == 3


def test_gtts_gives_up_with_one_clear_line(local_translate):
    local_translate.failures = [503, 503, 503]
    from generator.core.errors import EngineError

    with pytest.raises(EngineError, match="use --engine piper"):
        GttsEngine().synthesize("Hello.", Voice(engine="gtts", name="com"))


def test_render_with_gtts_end_to_end(local_translate, write_script, tmp_path):
    script = write_script("title: Online\nsections:\n  - title: A\n    steps:\n      - say: Hello there. Rest now.\n      - pause: 1s\n")
    out = tmp_path / "online.wav"
    result = CliRunner().invoke(cli, ["render", str(script), "--engine", "gtts", "-o", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert len(local_translate.requests) == 2


def test_unreachable_network_exits_1_without_traceback(monkeypatch, write_script, tmp_path, closed_port):
    import gtts.tts

    port = closed_port  # a port nobody listens on
    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    monkeypatch.setattr(gtts_engine, "BACKOFF_SECONDS", 0.01)
    script = write_script("title: Online\nsections:\n  - title: A\n    steps:\n      - say: Hello there.\n")
    out = tmp_path / "online.mp3"
    result = CliRunner().invoke(cli, ["render", str(script), "--engine", "gtts", "-o", str(out), "--no-cache"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "use --engine piper" in lines[0] and lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.glob("*.partial")) == []


@pytest.fixture
def silent_server(monkeypatch):
    """A server that accepts connections and never answers; yields the list of connections."""
    import socket

    import gtts.tts

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    monkeypatch.setattr(gtts_engine, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(gtts_engine, "TIMEOUT_SECONDS", 0.2)
    yield accepted
    listener.close()
    for conn in accepted:
        conn.close()


def test_a_server_that_never_answers_times_out_and_is_retried(silent_server, monkeypatch):
    """Every attempt carries the engine's timeout (so none can wait for ever), and there are
    exactly ATTEMPTS of them: bounded by steps, not by a clock."""
    from generator.core.errors import EngineError

    import gtts

    real = gtts.gTTS
    timeouts: list[float] = []

    def recording(*args, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return real(*args, **kwargs)

    monkeypatch.setattr(gtts, "gTTS", recording)
    with pytest.raises(EngineError, match="could not be reached.*use --engine piper"):
        GttsEngine().synthesize("Hello.", Voice(engine="gtts", name="com"))
    assert len(silent_server) == gtts_engine.ATTEMPTS
    assert timeouts == [gtts_engine.TIMEOUT_SECONDS] * gtts_engine.ATTEMPTS == [0.2] * gtts_engine.ATTEMPTS


def test_retries_back_off_exponentially(local_translate, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(gtts_engine.time, "sleep", slept.append)
    local_translate.failures = [503, 429]
    GttsEngine().synthesize("Hello.", Voice(engine="gtts", name="com"))
    assert slept == [gtts_engine.BACKOFF_SECONDS, gtts_engine.BACKOFF_SECONDS * 2]


def test_a_client_error_is_not_retried(local_translate):
    from generator.core.errors import EngineError

    local_translate.failures = [403]
    with pytest.raises(EngineError, match="could not be reached"):
        GttsEngine().synthesize("Hello.", Voice(engine="gtts", name="com"))
    assert len(local_translate.requests) == 1


def test_an_unreachable_service_stops_the_whole_render_at_once(local_translate, write_script, tmp_path):
    """Every request fails: one line, exit 1, no track, and the queued utterances are dropped
    (Executor.map cancels what has not started) instead of each being tried in turn."""
    local_translate.failures = [503] * 1000
    sentences = " ".join(f"Sentence number {i} is here." for i in range(24))
    script = write_script(f"title: Online\nsections:\n  - title: A\n    steps:\n      - say: {sentences}\n")
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["render", str(script), "--engine", "gtts", "-o", str(out / "online.mp3"), "--no-cache"]
    )
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the online gtts engine could not be reached (") and "503" in line
    assert list(out.iterdir()) == []
    workers = 4
    assert len(local_translate.requests) <= 2 * workers * gtts_engine.ATTEMPTS < 24 * gtts_engine.ATTEMPTS


def test_a_timeout_through_the_command_is_one_line_and_renders_nothing(silent_server, write_script, tmp_path):
    script = write_script("title: Online\nsections:\n  - title: A\n    steps:\n      - say: Hello there. Rest now.\n")
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["render", str(script), "--engine", "gtts", "-o", str(out / "online.mp3"), "--no-cache"]
    )
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "use --engine piper" in result.stderr
    assert list(out.iterdir()) == []

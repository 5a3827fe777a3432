"""The local recording page behind `meditate record`: a teleprompter that saves takes.

A standard-library HTTP server in a thread, bound to 127.0.0.1 only. The browser records
with its own microphone API and encodes 16-bit PCM WAV itself, so the server never
decodes a browser codec; it only checks what arrives:

- the request's Host (and Origin, when sent) is this loopback address and port, so a web
  page elsewhere cannot reach the server through DNS rebinding;
- the file is one the sheet names (looked up by name, never joined from the URL, so no
  path can leave the folder) and ends in `.wav`;
- the body is at most MAX_TAKE_BYTES and is a readable mono or stereo 16-bit WAV.

A take is written to a temporary file beside its final name and renamed into place.

    GET  /                the page
    GET  /sheet           {"title", "folder", "lines": [{"file", "text", "done"}]}
    GET  /takes/NAME      a saved take, for playing back
    PUT  /takes/NAME      save a take (body: audio/wav)
"""

from __future__ import annotations

import io
import json
import struct
import threading
import wave
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import unquote, urlsplit

from generator.core.errors import InputError
from generator.core.atomic import write_atomic
from generator.voice.takesheet import Row, Sheet

HOST = "127.0.0.1"
MAX_TAKE_BYTES = 64 * 1024 * 1024
"""About 11 minutes of 48 kHz mono: far beyond any line, well within memory."""

MIN_RATE, MAX_RATE = 8_000, 192_000


@dataclass
class Recording:
    """What the page serves: the script's title and its lines in the folder's sheet."""

    title: str
    sheet: Sheet
    lines: tuple[Row, ...]

    def row(self, name: str) -> Row | None:
        return next((row for row in self.lines if row.file == name), None)

    def state(self) -> dict:
        return {
            "title": self.title,
            "folder": str(self.sheet.folder),
            "lines": [
                {"file": row.file, "text": row.text, "done": self.sheet.recording(row) is not None,
                 "recordable": row.file.lower().endswith(".wav")}
                for row in self.lines
            ],
        }


def wav_problem(data: bytes) -> str | None:
    """Why `data` is not a take the page could have made (None when it is one)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return "not a WAV file"
    try:
        with wave.open(io.BytesIO(data)) as reader:
            channels, width, rate, frames = reader.getnchannels(), reader.getsampwidth(), reader.getframerate(), reader.getnframes()
    except (wave.Error, EOFError, RuntimeError, ValueError, struct.error) as exc:  # wave raises all of these on bad chunks
        return f"not a readable WAV file ({exc or type(exc).__name__})"
    if width != 2 or channels not in (1, 2):
        return "expected 16-bit mono or stereo PCM"
    if not MIN_RATE <= rate <= MAX_RATE:
        return f"unusual sample rate {rate} Hz"
    if frames == 0:
        return "the recording is empty"
    return None


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding the recording session its requests work on."""

    daemon_threads = True

    def __init__(self, recording: Recording, port: int):
        self.recording = recording
        super().__init__((HOST, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "meditate-record"

    def log_message(self, format: str, *args: object) -> None:  # the page shows what was saved
        pass

    def _allowed(self) -> bool:
        port = self.server.server_address[1]
        hosts = {f"{HOST}:{port}", f"localhost:{port}"}
        origin = self.headers.get("Origin")
        if self.headers.get("Host") not in hosts or (origin is not None and urlsplit(origin).netloc not in hosts):
            self._reply(403, b"only this computer's browser may use the recording page\n", "text/plain")
            return False
        return True

    def _reply(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _take(self) -> Row | None:
        path = urlsplit(self.path).path
        if not path.startswith("/takes/"):
            return None
        return self.server.recording.row(unquote(path[len("/takes/"):]))

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        if not self._allowed():
            return
        recording = self.server.recording
        path = urlsplit(self.path).path
        if path == "/":
            page = resources.files("generator.takes").joinpath("record.html").read_bytes()
            self._reply(200, page, "text/html; charset=utf-8")
        elif path == "/sheet":
            self._reply(200, json.dumps(recording.state()).encode(), "application/json")
        elif (row := self._take()) and (found := recording.sheet.recording(row)):
            self._reply(200, found.read_bytes(), "audio/wav" if found.suffix == ".wav" else "application/octet-stream")
        else:
            self._reply(404, b"not found\n", "text/plain")

    def do_PUT(self) -> None:  # noqa: N802
        if not self._allowed():
            return
        row = self._take()
        if row is None or not row.file.lower().endswith(".wav"):
            self._reply(404, b"not a take this sheet names as a .wav file\n", "text/plain")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_TAKE_BYTES:
            self.close_connection = True
            self._reply(413, f"a take must be 1 byte to {MAX_TAKE_BYTES // 2**20} MB\n".encode(), "text/plain")
            return
        data = self.rfile.read(length)
        problem = wav_problem(data) if len(data) == length else "the upload was cut short"
        if problem:
            self._reply(400, f"{problem}\n".encode(), "text/plain")
            return
        write_atomic(self.server.recording.sheet.folder / row.file, data)
        self._reply(200, json.dumps(self.server.recording.state()).encode(), "application/json")

    do_POST = do_PUT


class RecordingServer:
    """The page's server, running in a daemon thread until `close()`."""

    def __init__(self, recording: Recording, port: int = 0):
        try:
            self.httpd = _Server(recording, port)
        except OSError as exc:
            raise InputError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}); choose another --port") from None
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="meditate-record", daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

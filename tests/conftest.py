"""Shared test helpers: a private speech cache per test process, the fake engine, script
writing, the checkout's wheel installed in a fresh environment, headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """No test reads or writes the user's real speech cache or voices (set before any other fixture)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDITATE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "speech-cache"))
        patch.setenv("MEDITATE_DATA_DIR", str(tmp_path_factory.getbasetemp() / "user-data"))  # installed voices
        yield


@pytest.fixture
def fake_tts(monkeypatch):
    """Swap every engine for the fast deterministic fake engine."""
    monkeypatch.setenv("MEDITATE_FAKE_TTS", "1")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 where connections are refused, for the whole test.

    The socket stays bound (never listening) until the test ends: a port merely closed
    again could be handed to another test process's server in between.
    """
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture
def write_script(tmp_path):
    """Write a dedented YAML script into tmp_path and return its path."""

    def write(text: str, name: str = "script.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def dbfs(x: np.ndarray) -> float:
    """The RMS level of `x` in dB full scale (-200 for silence or nothing)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else -200.0


def render_script(folder: Path, text: str, name: str, suffix: str = ".wav", dtype: str = "float64") -> tuple[np.ndarray, int, dict]:
    """Write script `text` as NAME.yaml in `folder`, render it with `meditate render` (the voice
    the script names: the real one unless a test selects the fake) and read back the track
    and its JSON timeline."""
    from click.testing import CliRunner

    from generator.cli import cli

    script = folder / f"{name}.yaml"
    script.write_text(text)
    out = folder / f"{name}{suffix}"
    result = CliRunner().invoke(cli, ["render", str(script), "-o", str(out)])
    assert result.exit_code == 0, result.output
    audio, rate = soundfile.read(out, dtype=dtype)
    return audio, rate, json.loads(out.with_suffix(".json").read_text())


REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class InstalledWheel:
    """A wheel of the checkout installed into its own virtual environment."""

    wheel: Path
    venv: Path

    @property
    def meditate(self) -> Path:
        """The `meditate` console script pip wrote for the wheel's entry point."""
        return self.venv / "bin" / "meditate"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


WHEEL_SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "generator", "audio_assets")
"""What a build reads from the checkout (and all an sdist would need)."""


def build_wheel(folder: Path) -> Path:
    """Build the checkout's wheel into `folder` (as `pip install .` does) and return it.

    It builds from a copy of the sources: setuptools keeps a `build/` folder beside them,
    which would let a module since moved away ride along in the wheel, and two test
    processes building in one folder would trip over each other.
    """
    source = folder / "source"
    for name in WHEEL_SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *_isolation(), "-w", str(folder), str(source)],
        capture_output=True, text=True, check=False, timeout=1800,  # a hang guard only
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = folder.glob("meditate-*.whl")
    return wheel


def install_wheel(wheel: Path, venv: Path) -> InstalledWheel:
    """Install `wheel` alone into a new virtual environment at `venv`.

    Only the wheel is installed there, with pip's ordinary wheel install (which also writes
    the `meditate` console script). Its dependencies come from this environment's
    site-packages, named in a `.pth` file after the venv's own: a plain path line in a
    `.pth` adds the folder but runs none of the `.pth` files inside it, so an editable
    install of the checkout there (a `.pth` hook) stays invisible, and the wheel's
    `generator` is the only one on the path. Installing every dependency from the registry
    would test pip rather than the package, and take minutes.
    """
    import venv as venv_module

    venv_module.EnvBuilder(with_pip=False).create(venv)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--no-deps", "--no-index", "--no-compile", "--disable-pip-version-check", "-q", str(wheel)],
        capture_output=True, text=True, check=False, timeout=1800,  # a hang guard only
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (own,) = venv.glob("lib/python*/site-packages")
    parents = [  # this interpreter's site folders as it found them (venv, system, user)
        path for path in sys.path
        if Path(path).name in ("site-packages", "dist-packages") and Path(path).resolve() != own.resolve()
    ]
    (own / "_meditate_test_dependencies.pth").write_text("".join(f"{path}\n" for path in parents), encoding="utf-8")
    return InstalledWheel(wheel, venv)


def _isolation() -> list[str]:
    """Build with this environment's setuptools when it is new enough for pyproject.toml
    (offline and quick); else let pip fetch the build requirements as `pip install .` does."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major = int(version("setuptools").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return []
    return ["--no-build-isolation"] if major >= 77 else []


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory) -> InstalledWheel:
    """The checkout's wheel, built and installed once per test process."""
    folder = tmp_path_factory.mktemp("wheel")
    return install_wheel(build_wheel(folder / "dist"), folder / "venv")


# --- headless Chromium, driven over its DevTools protocol ---------------------------------
# Started with `--remote-debugging-pipe` (JSON messages on file descriptors 3 and 4), so the
# browser tests need no Python package beyond the standard library and no network.

BROWSER = os.environ.get("CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
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


NO_CHROMIUM = "no Chromium binary (install Debian's 'chromium' or set CHROMIUM=/path/to/it)"


@contextmanager
def chromium(profile: Path | None = None, extra: tuple[str, ...] = ()) -> Iterator[DevTools]:
    """A headless Chromium with one page open, closed afterwards; its profile in `profile`,
    else in a temporary folder of its own (so browsers in parallel tests never share one)."""
    assert BROWSER is not None, NO_CHROMIUM
    with tempfile.TemporaryDirectory() as spare:
        tools = DevTools(BROWSER, profile or Path(spare), extra)
        try:
            tools.open_page()
            yield tools
        finally:
            tools.close()

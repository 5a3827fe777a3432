"""Shared fixtures: a private speech cache per test run, the fake engine, script writing."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest


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
def write_script(tmp_path):
    """Write a dedented YAML script into tmp_path and return its path."""

    def write(text: str, name: str = "script.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


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
    parents = [path for path in site.getsitepackages() if Path(path).resolve() != own.resolve()]
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

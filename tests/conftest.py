"""Shared fixtures: a private speech cache per test run, the fake engine, script writing."""

from __future__ import annotations

import textwrap
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

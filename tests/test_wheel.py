"""Every command from an installed wheel, as a user who runs `pip install .` gets it.

The wheel is built from the checkout and installed alone into a fresh virtual environment
(see `install_wheel` in conftest.py); each command runs that environment's `meditate`
from a folder outside the checkout, so a file the code opens beside itself but the wheel
left out fails here, as it would for the user.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import REPO, InstalledWheel

pytestmark = pytest.mark.slow

AMBIENCES = ("rain", "stream", "ocean", "wind", "night", "fire", "pad")

SCRIPT = """\
title: Evening for {name}
variables: {name: friend}
background:
  layers:
    - ambience: rain
      volume: -24dB
sections:
  - title: Arriving
    steps:
      - bell: bowl
      - say: "Welcome, {name}. [pause 1s] Let your eyes close."
      - pause: 2s
  - title: Breathing
    steps:
      - breathe: {pattern: 2-1-2, cycles: 1, cues: tone}
      - say: Rest here.
"""


@pytest.fixture(scope="module")
def user(installed_wheel: InstalledWheel, tmp_path_factory) -> "User":
    """A user's folder (not the checkout) with a script, the fake voice and private folders."""
    home = tmp_path_factory.mktemp("user")
    (home / "evening.yaml").write_text(SCRIPT, encoding="utf-8")
    return User(installed_wheel, home)


class User:
    """Runs the installed `meditate` in its own folder, with an environment of its own."""

    def __init__(self, installed: InstalledWheel, home: Path):
        self.installed = installed
        self.home = home
        self.env = {
            key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MEDITATE_DEBUG")
        }
        self.env.update(MEDITATE_FAKE_TTS="1", MEDITATE_CACHE_DIR=str(home / ".cache"),
                        MEDITATE_DATA_DIR=str(home / ".data"))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`meditate ARGS` in the user's folder; fails the test unless it exits 0."""
        done = subprocess.run(
            [str(self.installed.meditate), *args], cwd=self.home, env=self.env,
            capture_output=True, text=True, check=False, timeout=1800,  # a hang guard only
        )
        assert done.returncode == 0, f"meditate {' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        return done


def test_the_wheel_carries_every_file_the_package_holds(installed_wheel: InstalledWheel) -> None:
    """Every file under generator/ (code, styles, pages, templates) and every shipped sound."""
    names = set(zipfile.ZipFile(installed_wheel.wheel).namelist())
    sources = {
        path.relative_to(REPO).as_posix() for path in (REPO / "generator").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert sources and sources - names == set()
    sounds = {f"generator/audio_assets/{path.name}" for path in (REPO / "audio_assets").iterdir() if path.is_file()}
    assert "generator/audio_assets/manifest.json" in sounds
    assert sounds - names == set()


def test_a_wheel_carries_the_sounds(installed_wheel: InstalledWheel) -> None:
    """`pip install .` installs from a wheel: it must hold audio_assets as generator/audio_assets."""
    names = set(zipfile.ZipFile(installed_wheel.wheel).namelist())
    assert "generator/audio_assets/manifest.json" in names
    assert {f"generator/audio_assets/{name}.ogg" for name in AMBIENCES} <= names
    assert "generator/sources/assets.py" in names and "generator/sources/ambience.py" in names


def test_the_commands_run_the_wheels_code_not_the_checkouts(user: User) -> None:
    done = subprocess.run(
        [str(user.installed.python), "-c", "import generator; print(generator.__file__)"],
        cwd=user.home, env=user.env, capture_output=True, text=True, check=True,
    )
    where = Path(done.stdout.strip()).resolve()
    assert where.is_relative_to(user.installed.venv.resolve()), where
    assert user.run("--version").stdout.startswith("meditate, version ")


def test_new_then_check(user: User) -> None:
    user.run("new", "minimal", "mine.yaml")
    assert "sections:" in (user.home / "mine.yaml").read_text(encoding="utf-8")
    assert "ok" in user.run("check", "mine.yaml", "evening.yaml").stdout


def test_plan_as_json_and_as_a_page(user: User) -> None:
    timeline = json.loads(user.run("plan", "evening.yaml", "--json").stdout)
    assert [section["title"] for section in timeline["sections"]] == ["Arriving", "Breathing"]
    user.run("plan", "evening.yaml", "--html", "plan.html")
    page = (user.home / "plan.html").read_text(encoding="utf-8")
    css = (REPO / "generator" / "planview" / "plan.css").read_text(encoding="utf-8")
    assert css.strip().splitlines()[0] in page and "Breathing" in page


def test_render_writes_a_track_with_its_timeline(user: User) -> None:
    user.run("render", "evening.yaml", "-o", "evening.wav", "--set", "name=Ana")
    audio, rate = soundfile.read(user.home / "evening.wav")
    timeline = json.loads((user.home / "evening.json").read_text(encoding="utf-8"))
    assert len(audio) / rate == pytest.approx(timeline["duration"], abs=0.01)
    assert audio.ndim == 2 and np.sqrt(np.mean(audio**2)) > 0.01  # voice, bell and rain, not silence
    assert "Welcome, Ana." in (user.home / "evening.vtt").read_text(encoding="utf-8")


def test_say_speaks_one_sentence(user: User) -> None:
    user.run("say", "Let your shoulders soften.", "-o", "say.wav")
    audio, _ = soundfile.read(user.home / "say.wav")
    assert len(audio) > 0 and np.max(np.abs(audio)) > 0.01


def test_sounds_and_voices_list_what_the_wheel_ships(user: User) -> None:
    listed = user.run("sounds").stdout
    assert all(name in listed for name in AMBIENCES) and "bowl" in listed
    assert "en_US-joe-medium" in user.run("voices").stdout


def test_takes_writes_the_recording_sheet(user: User) -> None:
    user.run("takes", "evening.yaml", "--folder", "takes")
    with open(user.home / "takes" / "takes.csv", encoding="utf-8", newline="") as sheet:
        texts = [row["text"] for row in csv.DictReader(sheet)]
    assert "Rest here." in texts
    assert "Usage: meditate record" in user.run("record", "--help").stdout


def test_batch_then_publish(user: User) -> None:
    (user.home / "clients.csv").write_text("name,output\nAna,ana.mp3\nBen,ben.mp3\n", encoding="utf-8")
    user.run("batch", "evening.yaml", "--roster", "clients.csv", "-o", "tracks", "-j", "1")
    for name in ("ana", "ben"):
        info = soundfile.info(str(user.home / "tracks" / f"{name}.mp3"))
        assert info.duration > 5
    user.run("publish", "tracks", "-o", "site")
    page = (user.home / "site" / "index.html").read_text(encoding="utf-8")
    assert "ana.mp3" in page and "ben.mp3" in page
    assert (user.home / "site" / "feed.xml").is_file()


def test_watch_check_only_checks_then_stops_on_ctrl_c(user: User) -> None:
    """One look (the script's ok line), then Ctrl-C, as a user stops it: exit 0."""
    process = subprocess.Popen(
        [str(user.installed.meditate), "watch", "evening.yaml", "--check-only"], cwd=user.home, env=user.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal, whoever started us
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("evening.yaml: ok (2 sections"), first
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=600)  # a hang guard only
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    assert "watching evening.yaml" in errors and "stopped watching" in errors
    assert not list(user.home.glob("*-preview.*"))  # --check-only renders nothing

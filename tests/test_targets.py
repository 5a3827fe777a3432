"""Inputs are sacred: no command writes over a file a script reads, nor onto a special file.

Every writing command (render, `plan --html`, batch, publish) compares its outputs with
the files it reads by identity (a symbolic or hard link is the same file), and refuses
anything at an output path that is not a regular file. Each refusal is exit 2 with one
line naming both paths, and leaves every file as it was.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from generator.cli import cli
from generator.core.errors import InputError
from generator.output.targets import InputFiles, refuse_unsafe, special_kind

MAIN = """
title: Main
cover: art.png
background:
  layers:
    - file: rain.wav
      volume: -30dB
sections:
  - title: A
    steps:
      - include: parts/intro.yaml
      - play: chime.wav
      - bell: gong.wav
"""


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


@pytest.fixture
def project(tmp_path, monkeypatch, fake_tts):
    """A script with an include, three sound files and a cover, as the working folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.yaml").write_text(MAIN.lstrip(), encoding="utf-8")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "intro.yaml").write_text("steps:\n  - say: Welcome.\n", encoding="utf-8")
    tone = (0.1 * np.sin(np.arange(22_050) * 2 * np.pi * 440 / 44_100)).astype(np.float32)
    for name in ("rain.wav", "chime.wav", "gong.wav"):
        soundfile.write(tmp_path / name, tone, 44_100)
    from generator.output.cover import default_cover

    (tmp_path / "art.png").write_bytes(default_cover("Main", None))
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize(
    ("output", "extra", "named"),
    [
        ("parts/intro.yaml", ("--format", "wav"), "parts/intro.yaml"),
        ("rain.wav", (), "rain.wav"),
        ("chime.wav", (), "chime.wav"),
        ("gong.wav", (), "gong.wav"),
        ("art.png", ("--format", "wav"), "art.png"),
        ("./parts/../rain.wav", (), "rain.wav"),
    ],
)
def test_render_never_writes_over_a_file_the_script_reads(project, output, extra, named):
    before = snapshot(project)
    result = run("render", "main.yaml", "-o", output, *extra)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == (
        f"error: {Path(output)}: writing there would overwrite {named}, which the script reads; choose another output name"
    )
    assert snapshot(project) == before


def test_a_sidecar_over_an_input_is_refused_too(project):
    """`-o rain.mp3` would write rain.json and rain.vtt: a script's `rain.vtt` input is safe."""
    (project / "parts" / "intro.vtt").write_text("steps:\n  - say: Hi.\n")
    (project / "main.yaml").write_text(MAIN.replace("parts/intro.yaml", "parts/intro.vtt").lstrip())
    result = run("render", "main.yaml", "-o", "parts/intro.mp3")
    assert result.exit_code == 2
    assert "parts/intro.vtt: writing there would overwrite parts/intro.vtt" in result.stderr
    assert not (project / "parts" / "intro.mp3").exists()


def test_links_to_an_input_are_the_same_file(project):
    os.symlink("rain.wav", project / "soft.wav")
    os.link(project / "rain.wav", project / "hard.wav")
    before = snapshot(project)
    for name in ("soft.wav", "hard.wav"):
        result = run("render", "main.yaml", "-o", name)
        assert result.exit_code == 2
        assert f"error: {name}: writing there would overwrite rain.wav, which the script reads" in result.stderr
    assert snapshot(project) == before


def test_plan_html_never_replaces_the_script_or_an_include(project):
    before = snapshot(project)
    for target, named in (("main.yaml", "the script main.yaml"), ("parts/intro.yaml", "parts/intro.yaml")):
        result = run("plan", "main.yaml", "--estimate", "--html", target)
        assert result.exit_code == 2 and f"would overwrite {named}" in result.stderr, result.stderr
    assert snapshot(project) == before
    done = run("plan", "main.yaml", "--estimate", "--html", "plan.html")
    assert done.exit_code == 0 and (project / "plan.html").read_text().startswith("<!")


def test_special_files_at_an_output_are_refused_and_stay_what_they_were(project):
    os.mkfifo(project / "pipe.mp3")
    os.symlink("/dev/null", project / "null.mp3")
    os.mkfifo(project / "track.json")  # the sidecar of track.mp3
    for target, kind in (
        ("pipe.mp3", "a named pipe (FIFO)"),
        ("/dev/null", "a device"),
        ("null.mp3", "a device"),
        ("track.mp3", "a named pipe (FIFO)"),
    ):
        result = run("render", "main.yaml", "-o", target, "--format", "mp3")
        assert result.exit_code == 2, result.stderr
        assert f"is {kind}, not a regular file; meditate only replaces regular files" in result.stderr
    assert stat.S_ISFIFO(os.stat(project / "pipe.mp3").st_mode)
    assert stat.S_ISFIFO(os.stat(project / "track.json").st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not (project / "track.mp3").exists()


def test_plan_html_onto_a_fifo_is_refused(project):
    os.mkfifo(project / "plan.html")
    result = run("plan", "main.yaml", "--estimate", "--html", "plan.html")
    assert result.exit_code == 2 and "is a named pipe (FIFO)" in result.stderr
    assert stat.S_ISFIFO(os.stat(project / "plan.html").st_mode)


def test_a_batch_row_never_replaces_the_roster_or_a_sound(project):
    script = project / "v.yaml"
    script.write_text(MAIN.replace("title: Main", "title: For {name}\nvariables: {name: you}").lstrip())
    roster = project / "ana.json"  # ana.mp3's sidecar would be ana.json
    roster.write_text("name,output\nAna,ana.mp3\n")
    before = snapshot(project)
    result = run("batch", "v.yaml", "--roster", "ana.json", "-o", ".")
    assert result.exit_code == 2 and "ana.json: writing there would overwrite ana.json, which the batch reads" in result.stderr
    (project / "clients.csv").write_text("name,output\nAna,rain.wav\n")
    before = snapshot(project)
    result = run("batch", "v.yaml", "--roster", "clients.csv", "-o", ".")
    assert result.exit_code == 2 and "rain.wav: writing there would overwrite rain.wav" in result.stderr
    assert snapshot(project) == before


def test_publish_never_writes_over_a_file_of_the_tracks_folder(project):
    """Tracks kept in the site's own media folder: the practitioner's file that a site file
    would replace stays, and a site whose folder is the tracks folder is refused at once."""
    token = "A" * 20
    tracks = project / "site" / token
    tracks.mkdir(parents=True)
    assert run("render", "main.yaml", "-o", str(tracks / "one.mp3")).exit_code == 0
    before = snapshot(project / "site")
    result = run("publish", str(tracks), "-o", str(project / "site"), "--token", token)
    assert result.exit_code == 2 and "the site folder must not be the tracks folder" in result.stderr
    assert snapshot(project / "site") == before
    media = project / "site2" / "media"
    media.mkdir(parents=True)
    assert run("render", "main.yaml", "-o", str(media / "one.mp3")).exit_code == 0
    (media / "one.chapters.json").write_text('{"mine": true}')
    before = snapshot(media)
    result = run("publish", str(media), "-o", str(project / "site2"))
    assert result.exit_code == 2, result.stderr
    assert "writing there would overwrite site2/media/one." in result.stderr and "which publish reads" in result.stderr
    assert snapshot(media) == before


def test_publish_refuses_a_fifo_in_the_site(project, tmp_path):
    assert run("render", "main.yaml", "-o", "tracks/one.mp3").exit_code == 2  # no folder yet
    (project / "tracks").mkdir()
    assert run("render", "main.yaml", "-o", "tracks/one.mp3").exit_code == 0
    (project / "site").mkdir()
    os.mkfifo(project / "site" / "feed.xml")
    result = run("publish", "tracks", "-o", "site")
    assert result.exit_code == 2 and "feed.xml: is a named pipe (FIFO)" in result.stderr
    assert stat.S_ISFIFO(os.stat(project / "site" / "feed.xml").st_mode)


def test_identity_is_by_inode_and_by_real_path(tmp_path):
    a = tmp_path / "a.wav"
    a.write_bytes(b"x")
    known = InputFiles([a])
    os.link(a, tmp_path / "b.wav")
    assert known.clash(tmp_path / "b.wav") == a
    assert known.clash(tmp_path / "sub" / ".." / "a.wav") == a
    assert known.clash(tmp_path / "c.wav") is None
    assert InputFiles([a], identity=False).clash(tmp_path / "b.wav") is None  # publish only renames
    assert special_kind(tmp_path / "missing") is None and special_kind(a) is None
    os.symlink("loop", tmp_path / "loop")
    assert special_kind(tmp_path / "loop") == "a broken or looping symbolic link"
    with pytest.raises(InputError, match="symbolic link"):
        refuse_unsafe([tmp_path / "loop"], [])


def test_new_with_force_never_writes_into_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "s.yaml")
    result = run("new", "minimal", str(tmp_path / "s.yaml"), "--force")
    assert result.exit_code == 2 and "is a named pipe (FIFO), not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.stat(tmp_path / "s.yaml").st_mode)


def test_a_render_never_writes_over_a_take(tmp_path, write_script, fake_tts):
    """Recorded takes are inputs too: the sheet and every recording in the takes folder."""
    from tests.test_takes_render import make_takes, write

    make_takes(tmp_path / "takes")
    script = write(write_script)
    take = tmp_path / "takes" / "001-welcome-friend.wav"
    before = take.read_bytes()
    result = run("render", str(script), "-o", str(take))
    assert result.exit_code == 2, result.stderr
    assert "001-welcome-friend.wav, which the script reads" in result.stderr
    assert take.read_bytes() == before

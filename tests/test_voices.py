"""More voices: `meditate voices --get` from a Piper voice repository served on 127.0.0.1.

The repository holds copies of the bundled voice under other names (a German one, a
three-speaker one, one whose listed checksum is wrong), with a voices.json in the layout
Piper's own downloader reads. Downloads go through the real urllib code path.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.voice.voice_store import builtin_voice_path

GERMAN = "de_DE-test-medium"
MULTI = "en_GB-trio-medium"
BROKEN = "fr_FR-broken-medium"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _add_voice(root: Path, index: dict, name: str, config_changes: dict, *, card: str | None, bad_md5: bool = False) -> None:
    """A copy of the bundled voice, renamed, at `{family}/{lang_code}/{dataset}/{quality}/`."""
    lang_code, dataset, quality = name.split("-")
    family = lang_code.split("_")[0]
    folder = root / family / lang_code / dataset / quality
    folder.mkdir(parents=True)
    model = builtin_voice_path()
    (folder / f"{name}.onnx").symlink_to(model)  # the same 63 MB model, not a copy on disk
    config = json.loads(Path(f"{model}.json").read_text()) | config_changes
    (folder / f"{name}.onnx.json").write_text(json.dumps(config))
    if card is not None:
        (folder / "MODEL_CARD").write_text(card)
    files = {}
    for path in sorted(folder.iterdir()):
        relative = path.relative_to(root).as_posix()
        files[relative] = {"size_bytes": path.stat().st_size, "md5_digest": _md5(path)}
        if bad_md5 and path.suffix == ".onnx":
            files[relative]["md5_digest"] = "0" * 32
    index[name] = {
        "key": name,
        "name": dataset,
        "language": {"code": lang_code, "family": family, "name_english": config["language"]["name_english"]},
        "quality": quality,
        "num_speakers": config["num_speakers"],
        "speaker_id_map": config["speaker_id_map"],
        "files": files,
        "aliases": [],
    }


def _language(code: str, english: str) -> dict:
    family, region = code.split("_")
    return {"code": code, "family": family, "region": region, "name_english": english}


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """A voice repository on 127.0.0.1; yields its base URL."""
    root = tmp_path_factory.mktemp("piper-voices")
    index: dict = {}
    _add_voice(root, index, GERMAN, {"language": _language("de_DE", "German")}, card="# Model card\n\n* License: CC0\n")
    _add_voice(
        root, index, MULTI,
        {"language": _language("en_GB", "English"), "num_speakers": 3, "speaker_id_map": {"ana": 0, "ben": 1, "cleo": 2}},
        card="* License: CC-BY 4.0\n",
    )
    _add_voice(root, index, BROKEN, {"language": _language("fr_FR", "French")}, card=None, bad_md5=True)
    (root / "voices.json").write_text(json.dumps(index))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("MEDITATE_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def installed(repository, tmp_path_factory):
    """A data folder with the German and the three-speaker voice installed through the CLI."""
    folder = tmp_path_factory.mktemp("installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDITATE_DATA_DIR", str(folder))
        for name in (GERMAN, MULTI):
            result = run("voices", "--get", name, "--from", repository)
            assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def use_installed(installed, monkeypatch) -> Path:
    monkeypatch.setenv("MEDITATE_DATA_DIR", str(installed))
    return installed


# --- getting a voice ---------------------------------------------------------------------


def test_get_downloads_checks_and_installs_a_voice(repository, data_dir):
    result = run("voices", "--get", GERMAN, "--from", repository)
    assert result.exit_code == 0, result.output
    folder = data_dir / "voices" / GERMAN
    assert sorted(p.name for p in folder.iterdir()) == ["MODEL_CARD", f"{GERMAN}.onnx", f"{GERMAN}.onnx.json"]
    assert _md5(folder / f"{GERMAN}.onnx") == _md5(builtin_voice_path())
    assert json.loads((folder / f"{GERMAN}.onnx.json").read_text())["language"]["code"] == "de_DE"
    assert [p.name for p in (data_dir / "voices").iterdir()] == [GERMAN]  # no staging folder left
    assert "German (de_DE)" in result.output and "licence: CC0" in result.output
    assert f"voice: {{name: {GERMAN}}}" in result.output

    again = run("voices", "--get", GERMAN, "--from", repository)
    assert again.exit_code == 0 and "already installed and unchanged" in again.output


def test_voices_lists_installed_voices_with_language_speakers_and_licence(use_installed):
    result = run("voices")
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.output.splitlines()[1:] if line.startswith("piper")}
    assert rows[GERMAN].split()[2:] == ["German", "(de_DE)", "medium", "1", "offline", "CC0"]
    assert rows[MULTI].split()[2:] == ["English", "(en_GB)", "medium", "3", "offline", "CC-BY", "4.0"]
    assert "CC0 (bundled, the default)" in rows["en_US-joe-medium"]


def test_available_lists_the_repository_filtered_by_language(repository, use_installed):
    everything = run("voices", "--available", "--from", repository)
    assert everything.exit_code == 0, everything.output
    names = [line.split()[0] for line in everything.output.splitlines()[1:]]
    assert names == sorted([GERMAN, MULTI, BROKEN])
    german = run("voices", "--available", "--language", "de", "--from", repository)
    lines = german.output.splitlines()
    assert len(lines) == 2 and lines[1].split()[:3] == [GERMAN, "German", "(de_DE)"]
    assert lines[1].split()[-1] == "installed" and "63 MB" in lines[1]
    regional = run("voices", "--available", "--language", "en_GB", "--from", repository)
    assert [line.split()[0] for line in regional.output.splitlines()[1:]] == [MULTI]


def test_wrong_checksum_installs_nothing(repository, data_dir):
    result = run("voices", "--get", BROKEN, "--from", repository)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "MD5" in lines[0] and "does not match voices.json" in lines[0], result.output
    assert "nothing was installed" in lines[0]
    assert list((data_dir / "voices").iterdir()) == []  # not the voice, not a partial folder


def test_unknown_name_is_exit_2_with_a_suggestion(repository, data_dir):
    result = run("voices", "--get", "de_DE-tset-medium", "--from", repository)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: no voice 'de_DE-tset-medium' in the voice repository at {repository} "
        f"(did you mean '{GERMAN}'?); 'meditate voices --available' lists them"
    ]
    assert not (data_dir / "voices").exists()


def test_unreachable_repository_is_one_line_and_exit_1(data_dir, closed_port):
    url = f"http://127.0.0.1:{closed_port}"
    for args in (("--get", GERMAN), ("--available",)):
        result = run("voices", *args, "--from", url)
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach the voice repository at {url}/voices.json")
        assert "Traceback" not in result.output
    assert not (data_dir / "voices").exists()


def test_a_failed_update_keeps_the_installed_voice(repository, data_dir, monkeypatch):
    """A voice already installed stays whole when a later download of it fails."""
    from generator.voice import voice_download

    assert run("voices", "--get", GERMAN, "--from", repository).exit_code == 0
    model = data_dir / "voices" / GERMAN / f"{GERMAN}.onnx"
    model.write_bytes(b"damaged")  # so --get downloads again

    def disk_full(staging: Path, folder: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(voice_download, "_swap_in", disk_full)
    result = run("voices", "--get", GERMAN, "--from", repository)
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert [p.name for p in (data_dir / "voices").iterdir()] == [GERMAN]
    assert model.read_bytes() == b"damaged"


# --- using an installed voice ------------------------------------------------------------

GERMAN_SCRIPT = f"""
title: Abendruhe
language: de
voice: {{name: {GERMAN}}}
sections:
  - title: Ankommen
    steps:
      - say: Willkommen. Schließe sanft die Augen.
      - breathe: {{pattern: 4-4-4-4, cycles: 1}}
"""


def test_installed_voice_checks_and_plans_offline(use_installed, write_script, fake_tts):
    script = write_script(GERMAN_SCRIPT)
    checked = run("check", str(script))
    assert checked.exit_code == 0, checked.output
    assert "warning" not in checked.output  # a German voice for a German script
    planned = run("plan", str(script), "--json")
    assert planned.exit_code == 0, planned.output
    texts = [s.get("text") for s in json.loads(planned.output)["sections"][0]["steps"]]
    assert texts[0] == "Willkommen. Schließe sanft die Augen." or texts[0].startswith("Willkommen.")
    assert ["Einatmen", "Halten", "Ausatmen", "Ruhen"] == texts[-4:]


def test_a_voice_not_installed_names_the_command_that_installs_it(data_dir, write_script):
    script = write_script(GERMAN_SCRIPT)
    result = run("check", str(script))
    assert result.exit_code == 2
    assert f"{script}:3:15: error: unknown piper voice '{GERMAN}'" in result.output
    assert f"meditate voices --get {GERMAN}" in result.output
    assert "warning" not in result.output  # about the default voice, which this script did not choose


def test_speaker_is_chosen_by_name_or_number_and_checked(use_installed, write_script, fake_tts):
    def script(speaker: str, name: str = MULTI) -> str:
        return f"title: T\nvoice: {{name: {name}, speaker: {speaker}}}\nsections:\n  - title: A\n    steps:\n      - say: Hello.\n"

    assert run("check", str(write_script(script("ben"), "ben.yaml"))).exit_code == 0
    assert run("check", str(write_script(script("2"), "two.yaml"))).exit_code == 0
    typo = run("check", str(write_script(script("bne"), "typo.yaml")))
    assert typo.exit_code == 2
    assert "typo.yaml:2:43: error: piper voice 'en_GB-trio-medium' has no speaker 'bne' (did you mean 'ben'?)" in typo.output
    assert "a number from 0 to 2" in typo.output
    single = run("check", str(write_script(script("ben", GERMAN), "single.yaml")))
    assert single.exit_code == 2 and f"piper voice '{GERMAN}' has one speaker; leave out speaker:" in single.output


def test_speech_cache_keys_on_the_voice_files_and_the_speaker(use_installed):
    from generator.core.model import Voice
    from generator.voice.piper_engine import PiperEngine

    engine = PiperEngine()
    joe = engine.voice_id(Voice())
    german = engine.voice_id(Voice(name=GERMAN))
    assert joe.split(":")[1] == german.split(":")[1]  # the same model file, byte for byte
    assert joe != german  # but another config (it chooses the phonemes)
    speakers = {engine.voice_id(Voice(name=MULTI, speaker=n)) for n in (0, 1, 2)}
    assert len(speakers) == 3


@pytest.mark.piper
def test_render_with_an_installed_voice_uses_its_model_offline(use_installed, write_script, tmp_path):
    import numpy as np
    import soundfile

    script = write_script(f"title: T\nvoice: {{name: {GERMAN}}}\nsections:\n  - title: A\n    steps:\n      - say: Rest here.\n      - pause: 1s\n")
    out = tmp_path / "t.wav"
    result = run("render", str(script), "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    audio, rate = soundfile.read(out)
    plan = json.loads(out.with_suffix(".json").read_text())
    say = plan["sections"][0]["steps"][0]
    spoken = audio[int(say["start"] * rate) : int(say["end"] * rate)].mean(axis=1)
    pause = audio[int(say["end"] * rate) + 2205 : int((say["end"] + 0.9) * rate)].mean(axis=1)
    assert say["end"] - say["start"] > 0.4
    assert 20 * np.log10(np.sqrt(np.mean(spoken**2))) > 20 * np.log10(np.sqrt(np.mean(pause**2)) + 1e-9) + 30


def test_batch_renders_with_an_installed_voice_and_again_when_its_files_change(installed, tmp_path, write_script, fake_tts, monkeypatch):
    """Rows are keyed on the installed voice's content, like a voice given as a path."""
    data = tmp_path / "own-data"
    shutil.copytree(installed, data, symlinks=True)  # this test changes a voice file
    monkeypatch.setenv("MEDITATE_DATA_DIR", str(data))
    script = write_script(GERMAN_SCRIPT.replace("Willkommen.", "Willkommen, {name}."), "abend.yaml")
    clients = tmp_path / "clients.csv"
    clients.write_text("name\nAna\n", encoding="utf-8")
    out = tmp_path / "out"

    def batch() -> str:
        result = CliRunner(mix_stderr=False).invoke(cli, ["batch", str(script), "--roster", str(clients), "-o", str(out), "-j", "1"])
        assert result.exit_code == 0, result.output + result.stderr
        return result.stdout

    assert "rendered" in batch()
    assert json.loads(next(out.glob("abend*.json")).read_text())["sections"][0]["steps"][-1]["text"] == "Ruhen"
    assert "rendered" not in batch()  # unchanged: nothing to do
    config = data / "voices" / GERMAN / f"{GERMAN}.onnx.json"
    settings = json.loads(config.read_text())
    settings["inference"]["noise_scale"] = 0.5
    config.write_text(json.dumps(settings))
    assert "rendered" in batch()

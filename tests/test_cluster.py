"""`meditate batch --cluster`: the same batch on a Dask cluster of two local worker processes.

Loopback only, ports chosen by the system. The workers get their own speech cache and,
in the test that says so, cannot see the practitioner's folder at all: it is moved away
once the client has read it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from generator.batch.run import MANIFEST, render_batch
from generator.cli import cli
from generator.batch.cluster import runner
from generator.pipeline.rendering import RenderOptions
from generator.script.roster import read_roster

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the helpers below run on the workers

SCRIPT = """
title: Evening for {name}
variables: {name: friend, place: the garden}
sections:
  - title: Arriving
    steps:
      - say: "Welcome, {name}. [pause 1s] Let your eyes close."
      - bell: bowl
      - pause: 1s
  - title: Resting
    steps:
      - say: Rest here, in {place}.
"""


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def statuses(results) -> dict[str, str]:
    return {r.output.name: r.status for r in results}


def decoded(path: Path) -> np.ndarray:
    samples, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    return samples


def no_partial_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".partial")]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """Two worker processes on loopback, with their own speech cache and working folder."""
    home = tmp_path_factory.mktemp("workers")
    env = {"MEDITATE_CACHE_DIR": str(home / "speech-cache"), "MEDITATE_FAKE_TTS": "1"}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
        dashboard_address=None, env=env,
    ) as cluster, distributed.Client(cluster) as connected:
        connected.run(_chdir, str(home))
        yield connected


def _chdir(folder: str) -> None:
    os.chdir(folder)


@pytest.fixture
def script(write_script):
    return write_script(SCRIPT, "evening.yaml")


def roster_file(tmp_path: Path, text: str, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow  # a cluster of worker processes takes seconds to start
def test_local_2_gives_the_tracks_of_a_local_batch_and_a_bad_row_fails_alone(script, tmp_path, fake_tts):
    clients = roster_file(tmp_path, "name,output\nAna,ana.wav\nBen,\n[pause ten],\n")
    here, there = tmp_path / "local", tmp_path / "cluster"
    local = run("batch", str(script), "--roster", str(clients), "-o", str(here), "-j", "1")
    remote = run("batch", str(script), "--roster", str(clients), "-o", str(there), "--cluster", "local:2")
    assert local.exit_code == remote.exit_code == 1, remote.stderr
    assert remote.stdout.endswith("\n2 rendered, 0 skipped, 1 failed\n")
    assert f"{clients}:4: evening-pause-ten.mp3 failed: {script}:" in remote.stderr
    for name in ("ana.wav", "evening-ben.mp3"):
        ours, theirs = decoded(here / name), decoded(there / name)
        assert ours.shape == theirs.shape and ours.shape[0] > 44100 * 5
        assert np.array_equal(ours, theirs)
        stem = Path(name).stem
        for suffix in (".json", ".vtt"):
            assert (here / f"{stem}{suffix}").read_bytes() == (there / f"{stem}{suffix}").read_bytes()
    assert sorted(p.name for p in there.iterdir()) == sorted(p.name for p in here.iterdir())
    tracks = json.loads((there / MANIFEST).read_text(encoding="utf-8"))["tracks"]
    assert set(tracks) == {"ana.wav", "evening-ben.mp3"}


@pytest.mark.slow  # a cluster of worker processes takes seconds to start
def test_up_to_date_rows_are_skipped_without_the_cluster_and_a_changed_row_renders(script, tmp_path, fake_tts, client):
    clients = roster_file(tmp_path, "name\nAna\nBen\n")
    out = tmp_path / "out"
    first = render_batch(script, read_roster(clients, script), out, client=client)
    assert statuses(first) == {"evening-ana.mp3": "rendered", "evening-ben.mp3": "rendered"}
    ben = (out / "evening-ben.mp3").stat().st_mtime_ns

    unreachable = f"tcp://127.0.0.1:{closed_port()}"
    again = run("batch", str(script), "--roster", str(clients), "-o", str(out), "--cluster", unreachable)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.endswith("\nnothing to render: all 2 tracks are up to date\n")

    clients.write_text("name,place\nAna,the hills\nBen,\n", encoding="utf-8")
    changed = render_batch(script, read_roster(clients, script), out, client=client)
    assert statuses(changed) == {"evening-ana.mp3": "rendered", "evening-ben.mp3": "skipped"}
    assert (out / "evening-ben.mp3").stat().st_mtime_ns == ben
    assert "Rest here, in the hills." in (out / "evening-ana.vtt").read_text(encoding="utf-8")


def closed_port() -> int:
    """A loopback port nothing listens on (bound by the system, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow  # a cluster of worker processes takes seconds to start
def test_an_unreachable_scheduler_is_one_line_and_exit_1(script, tmp_path, fake_tts, monkeypatch):
    monkeypatch.setenv(runner.TIMEOUT_ENV, "1")
    clients = roster_file(tmp_path, "name\nAna\n")
    address = f"tcp://127.0.0.1:{closed_port()}"
    result = run("batch", str(script), "--roster", str(clients), "-o", str(tmp_path / "out"), "--cluster", address)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach the cluster's scheduler at {address}")
    assert not list((tmp_path / "out").glob("*.mp3"))


def test_without_distributed_one_line_says_how_to_install_it(script, tmp_path, fake_tts, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails
    clients = roster_file(tmp_path, "name\nAna\n")
    result = run("batch", str(script), "--roster", str(clients), "-o", str(tmp_path / "out"), "--cluster", "local:2")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "error: batch --cluster needs the distributed package: pip install 'meditate[cluster]'"


@pytest.mark.slow  # a cluster of worker processes takes seconds to start
def test_a_worker_killed_mid_row_leaves_no_partial_file_and_the_row_renders_elsewhere(script, tmp_path, fake_tts, client):
    fifo = tmp_path / "hook.fifo"
    os.mkfifo(fifo)
    client.run(_set_env, "MEDITATE_TEST_HOOK", f"render:{fifo}")
    clients = roster_file(tmp_path, "name\nAna\nBen\nCleo\n")
    out = tmp_path / "out"
    outcome: dict = {}

    def batch() -> None:
        try:
            outcome["results"] = render_batch(script, read_roster(clients, script), out, client=client)
        finally:
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # never leave the test waiting below

    pids = set(client.run(os.getpid).values())
    thread = threading.Thread(target=batch)
    thread.start()
    try:
        with open(fifo, "wb"):  # returns once a worker waits, mid-write, at the hook
            holders = [pid for pid in pids if _holds(pid, fifo)]
            assert (tmp_path / "hook.fifo.claimed").exists() and len(holders) == 1
            assert no_partial_files(out)
            os.kill(holders[0], signal.SIGKILL)
    finally:
        thread.join()
        client.run(_set_env, "MEDITATE_TEST_HOOK", None)
    assert statuses(outcome["results"]) == dict.fromkeys(["evening-ana.mp3", "evening-ben.mp3", "evening-cleo.mp3"], "rendered")
    assert no_partial_files(out)
    assert all(decoded(out / f"evening-{n}.mp3").shape[0] > 44100 * 5 for n in ("ana", "ben", "cleo"))


def _set_env(name: str, value: str | None) -> None:
    """On a worker: set (or with None, remove) an environment variable."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _holds(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(folder / fd) == str(path) for fd in os.listdir(folder))
    except OSError:
        return False


@pytest.mark.slow  # a cluster of worker processes takes seconds to start
def test_the_workers_read_nothing_from_the_practitioners_folder(tmp_path, fake_tts, client, monkeypatch):
    practice = tmp_path / "practice"
    (practice / "parts").mkdir(parents=True)
    (practice / "sounds").mkdir()
    rate = 44100
    ding = (0.3 * np.sin(2 * np.pi * 660 * np.arange(rate) / rate) * np.exp(-3 * np.arange(rate) / rate)).astype(np.float32)
    soundfile.write(str(practice / "sounds" / "ding.wav"), ding, rate)
    (practice / "parts" / "rest.yaml").write_text("steps:\n  - say: Rest in the quiet of the isolated folder.\n  - play: ../sounds/ding.wav\n")
    script = practice / "evening.yaml"
    script.write_text(
        "title: Quiet for {name}\nsections:\n  - title: One\n    steps:\n"
        "      - say: Hello {name}, from a folder far away.\n      - bell: sounds/ding.wav\n"
        "      - include: parts/rest.yaml\n",
        encoding="utf-8",
    )
    clients = roster_file(tmp_path, "name\nAna\nBen\n")
    client_cache = tmp_path / "client-cache"
    monkeypatch.setenv("MEDITATE_CACHE_DIR", str(client_cache))
    away = tmp_path / "moved-away"
    sent = runner._send_files

    def send_then_hide(*args):
        futures = sent(*args)
        practice.rename(away)  # from here on nobody can read the practitioner's files
        return futures

    monkeypatch.setattr(runner, "_send_files", send_then_hide)
    client.run(_record_opens, str(practice))
    try:
        results = render_batch(script, read_roster(clients, script), tmp_path / "out", client=client)
    finally:
        opened = [p for paths in client.run(_opened).values() for p in paths]
        away.rename(practice)
    assert statuses(results) == {"evening-ana.mp3": "rendered", "evening-ben.mp3": "rendered"}
    assert opened == []
    # Each row synthesized only its own greeting: the shared sentence was made once, for both.
    assert [r.message.split(",")[0] for r in results] == ["1 new utterance", "1 new utterance"]
    assert not client_cache.exists()
    timeline = json.loads((tmp_path / "out" / "evening-ana.json").read_text(encoding="utf-8"))
    kinds = [s["kind"] for sec in timeline["sections"] for s in sec["steps"]]
    assert kinds == ["say", "bell", "say", "play"]


def _record_opens(folder: str) -> None:
    """On a worker: remember every file opened (or listed) under `folder` from now on."""
    sys._meditate_watched = folder
    sys._meditate_opened = []
    if not getattr(sys, "_meditate_hooked", False):
        sys._meditate_hooked = True

        def hook(event: str, args: tuple) -> None:
            if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
                path = os.fsdecode(args[0])
                if path.startswith(sys._meditate_watched):
                    sys._meditate_opened.append(path)

        sys.addaudithook(hook)


def _opened() -> list[str]:
    return list(getattr(sys, "_meditate_opened", []))


@pytest.mark.slow  # a cluster of worker processes takes seconds to start
def test_ctrl_c_cancels_the_clusters_work_and_keeps_the_rows_already_written(script, tmp_path, fake_tts, client):
    clients = roster_file(tmp_path, "name\nAna\nBen\nCleo\nDan\n")
    out = tmp_path / "out"

    def interrupt(row) -> None:
        if row.status == "rendered":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_batch(script, read_roster(clients, script), out, client=client, on_row=interrupt, options=RenderOptions())
    tracks = sorted(p.name for p in out.glob("*.mp3"))
    assert len(tracks) == 1 and no_partial_files(out)
    assert set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["tracks"]) == set(tracks)
    left = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks if "meditate-" in str(k)])
    assert left == []


def test_a_voice_installed_by_name_travels_as_its_files_and_lands_under_the_workers_folder(tmp_path, monkeypatch):
    from generator.core import model
    from generator.batch.cluster.shipping import for_shipping, map_paths, under, voice_files

    monkeypatch.setenv("MEDITATE_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "data" / "voices" / "xx_YY-test-medium"
    folder.mkdir(parents=True)
    (folder / "xx_YY-test-medium.onnx").write_bytes(b"model")
    (folder / "xx_YY-test-medium.onnx.json").write_text("{}")
    said = model.Utterance("Hello.", model.Voice(name="xx_YY-test-medium"))
    builtin = model.Utterance("Hello.", model.Voice())
    assert voice_files([said, builtin]) == [folder / "xx_YY-test-medium.onnx", folder / "xx_YY-test-medium.onnx.json"]
    shipped = for_shipping(said)
    assert shipped.voice.name == str(folder / "xx_YY-test-medium.onnx") and for_shipping(builtin) == builtin
    root = tmp_path / "worker"
    moved = map_paths(shipped, under(root))
    assert moved.voice.name == str(root / str(folder / "xx_YY-test-medium.onnx").lstrip("/"))
    assert moved.text == "Hello."

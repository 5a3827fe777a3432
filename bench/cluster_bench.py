"""Rows per minute of `meditate batch --cluster local:N` for 1 and 2 workers, and the client's own cost per row.

    python bench/cluster_bench.py [--rows 6] [--workers 1,2] [--local]

Real voice (Piper), a short personalised script (about a minute of track, four sentences
of which one is personal), an empty speech cache for every run, so each run synthesizes
the shared sentences once and each row its own. The cluster is started before the clock
starts (its start-up is printed apart), so the figure is the batch's steady work.

The client's own work per row is measured on the same roster without a cluster:
loading the row (script, includes, variables), keying it (the SHA-256 over the loaded
script, its files and options that decides whether a row is up to date), preparing what
travels (paths made absolute, the task pickled) and writing the returned track and
sidecars atomically. With T seconds of cluster work per row and C seconds of client work
per row, one client keeps about T / C workers busy.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path

SCRIPT = """
title: A short pause for {name}
variables: {name: friend}
sections:
  - title: Arriving
    steps:
      - say: "Welcome, {name}. Take a moment to arrive, just as you are."
      - pause: 3s
      - say: Let your shoulders soften, and your breath find its own pace.
      - bell: bowl
  - title: Resting
    steps:
      - say: Notice the air moving in and out, without changing anything.
      - pause: 5s
      - say: When you are ready, let your eyes open.
"""

NAMES = ["Ana", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ida", "Jon", "Kai", "Lea"]


def roster(folder: Path, rows: int) -> Path:
    path = folder / "clients.csv"
    path.write_text("name\n" + "".join(f"{n}\n" for n in NAMES[:rows]), encoding="utf-8")
    return path


def cluster_run(workers: int, script: Path, clients: Path, work: Path) -> tuple[float, float, int, float]:
    """(seconds to start the cluster, seconds for the batch, rows rendered, mean seconds
    a row's render took on its worker) with `workers` processes."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    from generator.batch.run import render_batch
    from generator.batch.cluster.runner import WORKER_CONFIG
    from generator.script.roster import read_roster

    os.environ["MEDITATE_CACHE_DIR"] = str(work / f"speech-{workers}")  # empty: every sentence is made
    started = time.perf_counter()
    with dask.config.set(WORKER_CONFIG):  # as `--cluster local:N` starts its workers
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            scheduler_port=0, dashboard_address=None, silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster) as client:
        client.run(lambda: __import__("generator.render"))  # the package imported before the clock
        up = time.perf_counter() - started
        started = time.perf_counter()
        results = render_batch(script, read_roster(clients, script), work / f"out-{workers}", client=client)
        took = time.perf_counter() - started
    rendered = [r for r in results if r.status == "rendered"]
    return up, took, len(rendered), sum(r.elapsed for r in rendered) / max(1, len(rendered))


def local_run(jobs: int, script: Path, clients: Path, work: Path) -> tuple[float, int, float]:
    """(seconds, rows rendered, mean seconds per row's render) of the same batch in local
    worker processes, for comparison."""
    from generator.batch.run import render_batch
    from generator.script.roster import read_roster

    os.environ["MEDITATE_CACHE_DIR"] = str(work / f"speech-local-{jobs}")
    started = time.perf_counter()
    results = render_batch(script, read_roster(clients, script), work / f"local-{jobs}", jobs=jobs)
    rendered = [r for r in results if r.status == "rendered"]
    return time.perf_counter() - started, len(rendered), sum(r.elapsed for r in rendered) / max(1, len(rendered))


def client_cost(script: Path, clients: Path, tracks: Path, work: Path) -> dict[str, float]:
    """Seconds per row of the client's own work: load, key, prepare what travels, write."""
    from generator.batch import run as batch
    from generator.batch.cluster.runner import put_in_place
    from generator.batch.cluster.shipping import files_read, for_shipping
    from generator.pipeline.rendering import RenderOptions
    from generator.script.roster import read_roster

    table = read_roster(clients, script)
    rows = len(table.rows)
    out = work / "client-cost"
    out.mkdir()
    options = RenderOptions()
    t0 = time.perf_counter()
    results, sessions = batch._load_rows(script, table, out, options)
    t1 = time.perf_counter()
    todo = batch._stale_rows(script, results, sessions, options, batch._Manifest(out), True, None)
    t2 = time.perf_counter()
    sizes = [len(pickle.dumps((for_shipping(sessions[j.index]), j.options))) for j in todo]
    files = {str(p) for s in sessions.values() for p in files_read(s)}
    t3 = time.perf_counter()
    returned, writing = [], 0.0
    for job in todo:
        name = Path(job.output).name
        files_back = {p.name: p.read_bytes() for p in sorted(tracks.glob(f"{Path(name).stem}.*"))}
        returned.append(sum(len(b) for b in files_back.values()))
        t = time.perf_counter()
        put_in_place(Path(job.output), files_back)
        writing += time.perf_counter() - t  # only the writing counts, not reading the bench's copies
    return {
        "load": (t1 - t0) / rows, "key": (t2 - t1) / rows, "prepare": (t3 - t2) / rows,
        "write": writing / rows, "task_bytes": sum(sizes) / rows, "result_bytes": sum(returned) / rows,
        "files": float(len(files)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--local", action="store_true", help="also time the local batch with -j N, for comparison")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="meditate-cluster-bench-"))
    try:
        script = work / "pause.yaml"
        script.write_text(SCRIPT, encoding="utf-8")
        clients = roster(work, args.rows)
        print(f"{args.rows} rows, real voice, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
        last = None
        for workers in (int(w) for w in args.workers.split(",")):
            up, took, done, each = cluster_run(workers, script, clients, work)
            print(
                f"local:{workers}: {done} rows in {took:.1f} s = {done / took * 60:.1f} rows/min "
                f"(a row's render {each:.1f} s on its worker; cluster start-up {up:.1f} s)"
            )
            last = work / f"out-{workers}"
            if args.local:
                took, done, each = local_run(workers, script, clients, work)
                print(f"  local batch -j {workers}: {done} rows in {took:.1f} s = {done / took * 60:.1f} rows/min (a row's render {each:.1f} s)")
        cost = client_cost(script, clients, last, work)
        total = cost["load"] + cost["key"] + cost["prepare"] + cost["write"]
        print(
            f"client per row: load {cost['load'] * 1000:.0f} ms, key {cost['key'] * 1000:.0f} ms, "
            f"prepare {cost['prepare'] * 1000:.1f} ms, write {cost['write'] * 1000:.1f} ms = {total * 1000:.0f} ms"
        )
        print(
            f"network per row: task {cost['task_bytes'] / 1024:.1f} KiB out, result {cost['result_bytes'] / 1024:.0f} KiB back; "
            f"{cost['files']:.0f} distinct files sent once per batch"
        )
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

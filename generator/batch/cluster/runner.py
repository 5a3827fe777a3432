"""The client's side of a cluster batch: connect, send, submit, and put results in place.

Each distinct file (by content) is sent to the cluster once and each row's task
names the files it reads by those futures, so a sound every row plays crosses the
network from the client once; the workers pass it among themselves. The utterances two
or more rows share are synthesized first, in one task per worker, and every row task
depends on those tasks' results: each worker receives that speech once and puts it in
its own cache before its first row. The client only waits and writes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import warnings
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from generator.core import model
from generator.core.atomic import replace_together, temporary_beside
from generator.batch.cluster import INSTALL_HINT, worker
from generator.batch.cluster.shipping import files_read, for_shipping, voice_files
from generator.core.errors import InputError, MeditateError
from generator.kinds.steps import utterances as spoken

if TYPE_CHECKING:
    from generator.batch.rows import RowJob

TIMEOUT_ENV = "MEDITATE_CLUSTER_TIMEOUT"
CONNECT_SECONDS = 10.0
"""How long to try reaching a scheduler before saying it cannot be reached (MEDITATE_CLUSTER_TIMEOUT)."""

LOCAL_WORKERS_MAX = 64

WORKER_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.nanny.pre-spawn-environ": {}}
"""Dask settings for the workers of `local:N` (docs/cluster.md gives them for `dask worker`):
the statistical profiler samples every thread 100 times a second and Dask's malloc trim
threshold (64 KiB) returns every freed buffer to the system at once; together they made
a render in a worker 1.5 to 2 times slower than in a plain process (measured with the
fake voice: 5.7 s against 2.9 s a row)."""


@contextmanager
def connected(cluster: Any) -> Iterator[Any]:
    """A distributed Client: the one given (left open), or one for an address; `local:N`
    starts a cluster of N worker processes on this machine (loopback only) for the batch."""
    if not isinstance(cluster, str):
        yield cluster
        return
    try:  # the optional extra: imported only when a batch goes to a cluster
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise MeditateError(INSTALL_HINT) from None
    if cluster.startswith("local:"):
        count = cluster.removeprefix("local:")
        if not count.isdigit() or not 1 <= int(count) <= LOCAL_WORKERS_MAX:
            raise InputError(f"--cluster {cluster}: give local:N with N from 1 to {LOCAL_WORKERS_MAX} worker processes")
        with dask.config.set(WORKER_CONFIG):
            local = LocalCluster(
                n_workers=int(count), threads_per_worker=1, processes=True, host="127.0.0.1",
                scheduler_port=0, dashboard_address=None, silence_logs=logging.ERROR,
            )
        with local, Client(local) as client:
            yield client
        return
    seconds = float(os.environ.get(TIMEOUT_ENV) or CONNECT_SECONDS)
    try:
        client = Client(cluster, timeout=f"{seconds}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise MeditateError(f"cannot reach the cluster's scheduler at {cluster}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def run_rows(cluster: Any, todo: list[RowJob], sessions: dict[int, model.Session]) -> Iterator[tuple[RowJob, worker.Outcome]]:
    """Yield (job, outcome) as rows finish on the cluster, each rendered row's files
    already in place. An interruption cancels every task of the batch."""
    with connected(cluster) as client:
        token = secrets.token_hex(8)
        rows = [sessions[job.index] for job in todo]
        files = _send_files(client, [path for s in rows for path in files_read(s)])
        shared = _submit_shared(client, token, rows, todo[0].options.use_cache, files)
        futures = {}
        for job, session in zip(todo, rows):
            task = worker.RowTask(token, for_shipping(session), job.options, Path(job.output).name, worker.Environment.here())
            needs = {str(p): files[str(p)] for p in files_read(session)}
            future = client.submit(worker.render_row, task, needs, shared, key=f"meditate-row-{token}-{job.index}", pure=False)
            futures[future] = job
        try:
            yield from _collect(client, futures)
        except BaseException:
            client.cancel([*futures, *shared, *files.values()], force=True)
            raise
        finally:
            _clean_workers(client, token)


def _send_files(client: Any, paths: Iterable[Path]) -> dict[str, Any]:
    """Each distinct file sent once, keyed by its content: {path: future}.

    Sent as a task that returns it rather than scattered: the scheduler keeps the task,
    so when the worker holding a file dies the file is made again elsewhere (a scattered
    value would be lost with it, and every row needing it with it)."""
    futures: dict[str, Any] = {}
    by_path: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ll]arge graph.*")  # a voice model is 60 MB, on purpose
        for path in dict.fromkeys(paths):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest not in futures:
                futures[digest] = client.submit(worker.file_bytes, data, key=f"meditate-file-{digest}", pure=False)
            by_path[str(path)] = futures[digest]
    return by_path


def _submit_shared(client: Any, token: str, rows: list[model.Session], use_cache: bool, files: dict[str, Any]) -> list[Any]:
    """One task per worker for the utterances two or more rows speak (none for one row)."""
    counts = Counter(u for s in rows for u in spoken(s))
    shared = [u for u, n in counts.items() if n > 1]
    if len(rows) < 2 or not shared:
        return []
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    tasks = []
    for index in range(min(workers, len(shared))):
        chunk = shared[index::workers]
        needs = {str(p): files[str(p)] for p in voice_files(chunk) if str(p) in files}
        tasks.append(client.submit(
            worker.speak_shared, token, for_shipping(chunk), use_cache, needs, key=f"meditate-shared-{token}-{index}", pure=False
        ))
    return tasks


def _collect(client: Any, futures: dict[Any, RowJob]) -> Iterator[tuple[RowJob, worker.Outcome]]:
    """Each row's outcome as it finishes, its files written; a lost worker's row that
    the scheduler gave up on (it killed several workers) fails alone."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    for future in as_completed(list(futures)):
        job = futures[future]
        try:
            result = future.result()
        except FutureCancelledError:
            raise
        except Exception as exc:  # KilledWorker, or the task itself failed to run
            message = f"the cluster could not run this row: {type(exc).__name__}: {exc}"
            yield job, ("failed", None, message, [message], 0.0)
            continue
        finally:
            future.release()
        if result["outcome"][0] == "rendered":
            put_in_place(Path(job.output), result["files"])
        yield job, result["outcome"]


def put_in_place(track: Path, files: dict[str, bytes]) -> None:
    """Write the track and its sidecars beside their targets, then rename them into
    place together: an interruption leaves all or none of them new."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            final = track.parent / name
            temp = temporary_beside(final)
            staged.append((temp, final))
            temp.write_bytes(data)
        replace_together(staged)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise


def _clean_workers(client: Any, token: str) -> None:
    """Remove the batch's folder on every worker; a worker that went away keeps its own."""
    try:
        client.run(worker.cleanup, token)
    except Exception:  # noqa: BLE001 - a closing cluster: its folders are in temporary space
        pass

"""One personalised track per roster row: `meditate batch SCRIPT --roster CLIENTS.csv -o DIR`.

    from generator.batch import read_roster, render_batch
    roster = read_roster(Path("clients.csv"), Path("scripts/relaxation.yaml"))
    results = render_batch(Path("scripts/relaxation.yaml"), roster, Path("out"), jobs=2)

The work happens in three steps, so a practitioner's mistake costs seconds, not an hour:

1. **Validate everything first.** The roster is read completely (UTF-8, a BOM is fine)
   and every row's script is loaded with that row's variables before anything is
   synthesized. A bad roster, or a script that fails for every row, stops the batch with
   every problem listed (exit 2). A row whose own values break the script fails alone.
2. **Share the speech.** Utterances that two or more rows speak (everything except the
   personal sentences, usually) are synthesized once, here, before the worker processes
   start, so the workers find them in the shared speech cache instead of racing to make
   the same sentence twice.
3. **Render the rows in worker processes**, each with :func:`generator.render.render`.
   Processes are started with *spawn*, not fork: the parent may hold an ONNX runtime
   with its own threads, which a forked child would inherit half-alive.

**Skipping unchanged rows.** After each row is rendered, a manifest in the output folder
(``.meditate-batch.json``) records, per track file, a *row key* and the track's size and
modification time. The row key is a SHA-256 over the loaded script (with its includes
expanded and the row's variables substituted, but without source positions, so editing a
comment does not re-render anything), the contents of every file it refers to (cover,
sound files, bell files, a Piper voice given as a path), the row's variables, the render
options (format, bitrate, loudness, mono, sidecars, engine) and the program's version.
A row is skipped when its key matches and its track (and sidecars) are still there
exactly as written. `force=True` renders every row regardless.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import tempfile
import textwrap
import time
import unicodedata
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable

from generator import __version__, model
from generator.errors import InputError, MeditateError, Position, ScriptError, ScriptErrors
from generator.render import RenderOptions, available_cores, load, output_format
from generator.takes.sheet import read_sheet
from generator.units import format_duration
from generator.yamlnodes import did_you_mean

MANIFEST = ".meditate-batch.json"
"""The file in the output folder that remembers what each track was rendered from."""

OUTPUT_COLUMN = "output"
"""The roster column that names a row's file; every other column is a variable."""

AUDIO_SUFFIXES = (".mp3", ".wav", ".flac", ".ogg")
MAX_NAME_BYTES = 120
"""File names are cut to this many UTF-8 bytes (file systems allow 255), at a character."""

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w is Unicode-aware: letters and digits of any script stay


# --- the roster -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One client: the CSV line it starts on, its variables and the file it becomes."""

    line: int
    variables: dict[str, str]
    output: str
    label: str  # the first column's value, for messages


@dataclass(frozen=True)
class Roster:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[RosterRow, ...]


def read_roster(path: Path, script: Path, fmt: str | None = None) -> Roster:
    """Read a roster CSV; raise ScriptErrors naming the file and line of every problem.

    The delimiter is whichever of `,` `;` or tab the header line uses most (spreadsheets
    in many countries save with `;`). Empty cells keep the script's default; trailing
    cells a program left out count as empty; blank lines are ignored.
    """
    shown = str(path)
    text = _read_text(path)
    errors: list[ScriptError] = []

    def error(line: int, message: str) -> None:
        errors.append(ScriptError(message, Position(shown, line, 1)))

    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ScriptErrors([ScriptError(f"not a readable CSV file ({exc})", Position(shown, 1, 1))]) from None
    if not header or not any(cell.strip() for cell in header):
        raise ScriptErrors([ScriptError("the roster is empty: the first line should name the columns, e.g. name,output", Position(shown, 1, 1))])
    columns = tuple(cell.strip() for cell in header)
    for index, name in enumerate(columns, start=1):
        if not name:
            error(1, f"column {index} has no name in the header")
        elif name != OUTPUT_COLUMN and not _VARIABLE_NAME.fullmatch(name):
            suggestion = re.sub(r"\W+", "_", name).strip("_") or "name"
            error(1, f"column '{name}' is not a variable name (letters, digits, _), e.g. '{suggestion}'")
    for name, count in Counter(columns).items():
        if name and count > 1:
            error(1, f"column '{name}' appears {count} times")
    stem = script.stem
    rows: list[RosterRow] = []
    taken: dict[str, int] = {}
    line = 1
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                error(start, f"this row has {len(cells)} values but the header names {len(columns)} columns "
                             "(a comma inside a value needs quotes: \"Smith, Ana\")")
                continue
            values = {name: cell.strip() for name, cell in zip(columns, cells)}
            label = next((v for k, v in values.items() if k != OUTPUT_COLUMN), "")
            name = _file_name(values.get(OUTPUT_COLUMN, ""), label, stem, fmt, len(rows) + 1)
            key = unicodedata.normalize("NFC", Path(name).stem).casefold()
            if key in taken:
                error(start, f"this row's file '{name}' is also the file of the row on line {taken[key]} "
                             "(give each row its own name in the output column)")
                continue
            taken[key] = start
            variables = {k: v for k, v in values.items() if k != OUTPUT_COLUMN and v}
            rows.append(RosterRow(start, variables, name, label))
    except csv.Error as exc:
        error(reader.line_num, f"not a readable CSV line ({exc})")
    if not rows and not errors:
        error(1, "the roster has a header but no rows")
    if errors:
        raise ScriptErrors(errors)
    return Roster(path, columns, tuple(rows))


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such roster file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the roster ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScriptErrors(
            [ScriptError("the roster is not UTF-8 text; save it as 'CSV UTF-8' from your spreadsheet", Position(str(path), line, 1))]
        ) from None


def safe_name(text: str, *, lower: bool) -> str:
    """`text` as one file-name component: no separators, no control or reserved characters.

    Letters of every script are kept (a client called Zoë or 张伟 gets a readable file).
    """
    text = unicodedata.normalize("NFC", text).strip()
    if lower:
        text = text.lower()
    text = re.sub(r"\s+", "-", text)
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-._")
    encoded = text.encode("utf-8")[:MAX_NAME_BYTES]
    return encoded.decode("utf-8", errors="ignore").rstrip("-._")


def _file_name(output: str, label: str, stem: str, fmt: str | None, number: int) -> str:
    """The row's file name in the output folder (the `output` column, else script + name)."""
    if output:
        suffix = Path(output).suffix.lower()
        if suffix in AUDIO_SUFFIXES:
            base = safe_name(output[: -len(suffix)], lower=False)
            if base:
                return f"{base}{suffix}"
        elif base := safe_name(output, lower=False):
            return f"{base}.{fmt or 'mp3'}"
    slug = safe_name(label, lower=True) or f"row{number}"
    return f"{safe_name(stem, lower=False) or 'track'}-{slug}.{fmt or 'mp3'}"


# --- results ----------------------------------------------------------------------------------


@dataclass
class RowResult:
    """What became of one row: `rendered`, `skipped` (up to date) or `failed`."""

    row: RosterRow
    output: Path
    status: str
    seconds: float | None = None
    message: str = ""
    details: list[str] = field(default_factory=list)  # every error line of a failed row
    elapsed: float = 0.0


@dataclass(frozen=True)
class _Job:
    """A validated row that needs rendering (picklable: it crosses to a worker)."""

    index: int
    script: str
    variables: dict[str, str]
    output: str
    options: RenderOptions
    key: str


# --- the batch --------------------------------------------------------------------------------


def render_batch(
    script: Path,
    roster: Roster,
    out_dir: Path,
    *,
    jobs: int | None = None,
    options: RenderOptions | None = None,
    force: bool = False,
    on_row: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> list[RowResult]:
    """Render one track per roster row into `out_dir`; return one result per row, in order.

    `options` are the shared render options (`variables` there are defaults every row
    may override; `output` and `progress` are ignored). Raises ScriptErrors (exit 2) when
    the script fails for every row; otherwise a failing row is reported in its result.
    `on_row` is called as each row finishes (in the order they finish); `on_warning`
    with advice such as an unused column (default: Python's warnings).
    """
    options = options or RenderOptions()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or available_cores())

    results: list[RowResult] = []
    sessions: dict[int, model.Session] = {}
    failures: list[ScriptErrors] = []
    for index, row in enumerate(roster.rows):
        output = out_dir / row.output
        try:
            sessions[index] = load(script, {**options.variables, **row.variables}, options.engine)
            results.append(RowResult(row, output, "pending"))
        except ScriptErrors as exc:
            failures.append(exc)
            details = [str(e) for e in exc.errors]
            results.append(RowResult(row, output, "failed", message=_first(exc.errors), details=details))
    if not sessions:
        unique = {str(e): e for exc in failures for e in exc.errors}
        raise ScriptErrors(list(unique.values()))
    if on_row:
        for result in results:
            if result.status == "failed":
                on_row(result)

    for message in unused_columns(script, roster, options):
        (on_warning or (lambda m: warnings.warn(m, stacklevel=3)))(message)
    manifest = _Manifest(out_dir)
    todo: list[_Job] = []
    for index, session in sessions.items():
        result = results[index]
        fmt = output_format(result.output, None)  # the name's suffix: read_roster gave every row one
        row_options = dataclasses.replace(
            options, output=result.output, format=fmt, progress=None, variables={**options.variables, **result.row.variables}
        )
        key = row_key(session, row_options)
        recorded = manifest.current(result.output.name, key, options.sidecars)
        if recorded is not None and not force:
            result.status, result.seconds, result.message = "skipped", recorded, "up to date"
            if on_row:
                on_row(result)
            continue
        todo.append(_Job(index, str(script), dict(row_options.variables), str(result.output), row_options, key))

    if todo:
        with _shared_cache(options) as cache_dir:
            todo = [dataclasses.replace(j, options=dataclasses.replace(j.options, cache_dir=cache_dir, use_cache=True)) for j in todo]
            _synthesize_shared([sessions[j.index] for j in todo], cache_dir)
            for job, outcome in _run(todo, jobs):
                result = results[job.index]
                result.status, result.seconds, result.message, result.details, result.elapsed = outcome
                if result.status == "rendered":
                    manifest.record(result.output, job.key, result.seconds or 0.0)
                if on_row:
                    on_row(result)
    return results


def unused_columns(script: Path, roster: Roster, options: RenderOptions) -> list[str]:
    """A warning for each column the script never uses: usually a misspelt variable name,
    which would otherwise leave every client with the default ('Welcome, friend').

    Each column is given a mark no script could contain by chance, and the loaded script
    is searched for the marks: exact, whichever field or include uses the variable.
    """
    columns = [c for c in roster.columns if c and c != OUTPUT_COLUMN and _VARIABLE_NAME.fullmatch(c)]
    marks = {c: f"\u27e6column {c}\u27e7" for c in columns}  # text that cannot occur by chance
    try:
        session = load(script, {**options.variables, **marks}, options.engine)
    except MeditateError:
        return []  # the marks upset the script: no verdict, no warning
    used = {k: v for k, v in _canonical(session).items() if k != "variables"}  # that field lists them all
    seen = json.dumps(used, ensure_ascii=False)
    names = [name for name, _ in session.variables if name not in marks]
    return [
        f"{roster.path}:1: column '{column}' is not used by {script}{did_you_mean(column, names)}"
        for column in columns
        if marks[column] not in seen
    ]


def _first(errors: Iterable[ScriptError]) -> str:
    """The first error, short enough for the summary table (the full lines go to stderr)."""
    first = next(iter(errors), None)
    if first is None:
        return "failed"
    pos = first.position
    where = f"{Path(pos.path).name}:{pos.line}:{pos.column}: " if pos and pos.line else ""
    return where + first.message


class _shared_cache:
    """The speech cache every worker shares: the user's, or one temporary folder for the
    whole batch under --no-cache (so shared sentences are still made only once)."""

    def __init__(self, options: RenderOptions):
        self.options = options
        self.temp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:
        from generator.tts.cache import default_cache_dir

        if not self.options.use_cache:
            self.temp = tempfile.TemporaryDirectory(prefix="meditate-batch-speech-")
            return Path(self.temp.name)
        return self.options.cache_dir or default_cache_dir()

    def __exit__(self, *exc: object) -> None:
        if self.temp is not None:
            self.temp.cleanup()


def _synthesize_shared(sessions: list[model.Session], cache_dir: Path) -> int:
    """Synthesize, once and here, every utterance that two or more rows speak."""
    from generator.tts import SpeechBank

    counts = Counter(u for s in sessions for u in s.utterances())
    shared = [u for u, n in counts.items() if n > 1]
    if len(sessions) < 2 or not shared:
        return 0
    bank = SpeechBank(cache_dir)
    try:
        return bank.prepare(shared)
    finally:
        bank.close()


def _run(todo: list[_Job], jobs: int):
    """Yield (job, outcome) as rows finish: in this process for one job, else in workers."""
    if jobs == 1 or len(todo) == 1:
        for job in todo:
            yield job, _render_row(job)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_render_row, job): job for job in todo}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield job, future.result()
                except BrokenProcessPool:
                    yield job, ("failed", None, "its worker process died (out of memory?)", [], 0.0)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _render_row(job: _Job) -> tuple[str, float | None, str, list[str], float]:
    """Render one row (in a worker): never raises for the row's own failure."""
    from generator.render import render

    started = time.perf_counter()
    try:
        result = render(job.script, job.options)
    except ScriptErrors as exc:
        return "failed", None, _first(exc.errors), [str(e) for e in exc.errors], time.perf_counter() - started
    except MeditateError as exc:
        return "failed", None, str(exc), [str(exc)], time.perf_counter() - started
    except Exception as exc:  # a bug: report it on this row and let the others finish
        message = f"internal error: {type(exc).__name__}: {exc}"
        return "failed", None, message, [message], time.perf_counter() - started
    elapsed = time.perf_counter() - started
    note = f"{result.synthesized} new utterance{'s' if result.synthesized != 1 else ''}, {elapsed:.1f} s"
    return "rendered", result.timeline.seconds, note, [], elapsed


# --- skipping what is up to date ---------------------------------------------------------------


def row_key(session: model.Session, options: RenderOptions) -> str:
    """A SHA-256 of everything that shapes a row's track (see the module docstring)."""
    payload = {
        "program": __version__,
        "fake_tts": os.environ.get("MEDITATE_FAKE_TTS", ""),
        "session": _canonical(session),
        "variables": sorted(options.variables.items()),
        "options": {
            "format": options.format,
            "loudness": options.loudness,
            "true_peak": options.true_peak,
            "bitrate": options.bitrate,
            "vbr": options.vbr_quality,
            "mono": options.mono,
            "sidecars": options.sidecars,
            "engine": options.engine,
        },
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    """The model as plain JSON values: positions left out, files replaced by their hash."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"~": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.name in ("position", "length_position") or (isinstance(value, model.Session) and f.name == "path"):
                continue
            out[f.name] = _canonical(getattr(value, f.name))
        if isinstance(value, model.Voice) and value.name.endswith(".onnx"):
            out["model"] = _file_digest(Path(value.name))
        if isinstance(value, model.Utterance) and value.voice.takes is not None:
            out["takes"] = _takes(value.voice.takes, [value.text])
        if isinstance(value, model.Breathe) and value.voice.takes is not None:
            out["takes"] = _takes(value.voice.takes, [word for _, word in value.words])
        return out
    if isinstance(value, Path) and value.is_dir():  # a recorded voice's takes folder: see _takes below
        return {"folder": str(value)}
    if isinstance(value, Path):
        return {"file": str(value), "sha256": _file_digest(value)}
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)  # e.g. a Glide: its repr is its value


def _takes(folder: Path, texts: list[str]) -> list[str]:
    """The digests of the recordings that speak `texts`: a replaced take re-renders only its rows."""
    sheet = read_sheet(folder)
    recordings = [sheet.recording(row) if (row := sheet.row_for(text)) else None for text in texts]
    return [_file_digest(path) if path else "missing" for path in recordings]


_digests: dict[tuple[str, int, int], str] = {}


def _file_digest(path: Path) -> str:
    """The file's SHA-256, remembered per (path, size, mtime) so big voices are read once."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    memo = (str(path), stat.st_size, stat.st_mtime_ns)
    if memo not in _digests:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _digests[memo] = digest.hexdigest()
    return _digests[memo]


class _Manifest:
    """`DIR/.meditate-batch.json`: per track file, the row key and the file as written."""

    def __init__(self, folder: Path):
        self.path = folder / MANIFEST
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.tracks: dict[str, dict] = dict(data.get("tracks", {}))
        except (OSError, ValueError, AttributeError):
            self.tracks = {}  # missing or damaged: everything is simply rendered again

    def current(self, name: str, key: str, sidecars: bool) -> float | None:
        """The recorded length when `name` was rendered from `key` and is still as written."""
        entry = self.tracks.get(name)
        track = self.path.parent / name
        if not entry or entry.get("key") != key:
            return None
        try:
            stat = track.stat()
        except OSError:
            return None
        if stat.st_size != entry.get("size") or stat.st_mtime_ns != entry.get("mtime_ns"):
            return None
        if sidecars and not all(track.with_suffix(s).is_file() for s in (".json", ".vtt")):
            return None
        return float(entry.get("seconds", 0.0))

    def record(self, track: Path, key: str, seconds: float) -> None:
        stat = track.stat()
        self.tracks[track.name] = {"key": key, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "seconds": seconds}
        self._write()

    def _write(self) -> None:
        text = json.dumps({"version": 1, "tracks": self.tracks}, indent=1, ensure_ascii=False, sort_keys=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".meditate-batch.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            os.chmod(temp, 0o644)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


# --- the summary ----------------------------------------------------------------------------


def summary_table(results: list[RowResult], roster_path: Path | None = None) -> str:
    """Row (roster line), output, status, length and message: one line per row."""
    head = ("row", "output", "status", "length", "message")
    lines = [
        (
            str(r.row.line),
            r.output.name,
            r.status,
            format_duration(r.seconds) if r.seconds is not None else "-",
            textwrap.shorten(r.message, width=90, placeholder="…") if r.message else "",
        )
        for r in results
    ]
    widths = [max(_width(head[i]), *(_width(line[i]) for line in lines)) for i in range(4)]
    out = []
    for cells in [head, *lines]:
        padded = [" " * (widths[0] - _width(cells[0])) + cells[0]]
        padded += [c + " " * (w - _width(c)) for c, w in zip(cells[1:4], widths[1:])]
        out.append("  ".join([*padded, cells[4]]).rstrip())
    counts = Counter(r.status for r in results)
    out.append("")
    if counts["rendered"] == 0 and counts["failed"] == 0:
        out.append(f"nothing to render: all {len(results)} tracks are up to date")
    else:
        out.append(f"{counts['rendered']} rendered, {counts['skipped']} skipped, {counts['failed']} failed")
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (e.g. Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

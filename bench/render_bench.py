"""How fast and how lean is a render? Prints a table and (optionally) writes JSON.

    python bench/render_bench.py              # 5, 30 and 60 minutes, and the pydub baseline at 30
    python bench/render_bench.py --quick      # 1, 3 and 6 minutes, baseline at 3 (a few minutes)
    python bench/render_bench.py --json figures.json

For each length it runs, each in a fresh process (so the peak RSS is that job's alone):

- **encode**: a bare lameenc encode of the same number of samples at the project's MP3
  settings (128 kbps CBR, quality 3), fed a bed-like signal;
- **own**: LAME alone on the warm render's own samples (rendered once to WAV, untimed):
  the floor a render is compared against (the warm ratio);
- **segments**: the renderer's MP3 encoder alone on the same samples (segments encoded
  on every core and spliced, generator.output.mp3segments): the encode stage's own cost;
- **warm**: `render()` with every utterance already in the speech cache;
- **cold**: `render()` with an empty cache, compared against speech synthesis alone
  (**tts**, same texts, empty cache) plus the bare encode run one after the other;
- **pydub** (one length): the same job written with pydub alone (bench/pydub_baseline.py).

Times are the work itself (imports excluded, the same for every job); memory is the
process's peak resident set (ru_maxrss). The warm and cold rows also report the finished
file's integrated loudness, to show the fast paths keep the target, and each stage's share
of their time (load and speech, measuring, the write pass). Cold peak memory per library
session: bench/cold_bench.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sessions import write_session  # noqa: E402


@dataclass
class Row:
    """One job's figures."""

    job: str
    minutes: float
    seconds: float
    peak_mb: float
    extra: dict = field(default_factory=dict)

    @property
    def realtime(self) -> float:
        return self.minutes * 60 / self.seconds if self.seconds > 0 else float("inf")


def run_job(argv: list[str], env: dict[str, str]) -> tuple[dict, float]:
    """Run one job in a child process: its JSON line and its peak RSS in MB."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    stdout = process.stdout.read()  # type: ignore[union-attr]
    stderr = process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({process.returncode}):\n{stderr[-3000:]}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]), usage.ru_maxrss / 1024.0  # Linux reports KiB


def job(kind: str, env: dict[str, str], **arguments) -> tuple[dict, float]:
    return run_job([sys.executable, str(HERE / "jobs.py"), kind, json.dumps(arguments)], env)


def best_of(repeat: int, make) -> tuple[dict, float]:
    """The fastest of `repeat` runs (the machine is shared: the minimum is the least disturbed);
    its memory is the largest seen, to stay on the safe side."""
    runs = [make() for _ in range(repeat)]
    fastest = min(runs, key=lambda r: r[0]["seconds"])
    return fastest[0], max(r[1] for r in runs)


def rounds(repeat: int, *makes) -> list[tuple[dict, float]]:
    """Each job `repeat` times, taking turns (encode, warm, cold, encode, ...), then the
    fastest run of each: the machine's speed drifts over minutes, and taking turns lets the
    drift fall on every job alike, so the ratios between them stay fair."""
    runs: list[list[tuple[dict, float]]] = [[] for _ in makes]
    for _ in range(repeat):
        for each, make in zip(runs, makes):
            each.append(make())
    return [(min(each, key=lambda r: r[0]["seconds"])[0], max(r[1] for r in each)) for each in runs]


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def bench(sizes: list[float], baseline: float | None, engine: str, repeat: int, work: Path, utterances: int = 12) -> dict:
    env = dict(os.environ)
    env.pop("MEDITATE_FAKE_TTS", None)
    if engine == "fake":
        env["MEDITATE_FAKE_TTS"] = "1"
    rows: list[Row] = []
    before = machine()
    scripts = {m: write_session(work / "scripts", m, utterances=utterances) for m in sizes + ([baseline] if baseline else [])}
    warm_cache = work / "cache-warm"

    def log(row: Row) -> None:
        rows.append(row)
        print(f"  {row.job:7s} {row.minutes:6g} min  {row.seconds:8.2f} s  {row.peak_mb:7.1f} MB", file=sys.stderr)

    # TTS alone, into an empty cache: the cold comparison (the first run also fills the warm cache).
    def tts():
        cache = warm_cache if not warm_cache.exists() else Path(tempfile.mkdtemp(prefix="tts-", dir=work))
        return job("tts", env, script=str(scripts[sizes[0]]), cache=str(cache))

    result, peak = best_of(repeat, tts)
    log(Row("tts", 0, result["seconds"], peak, {"utterances": result["synthesized"]}))
    for minutes in sizes:
        out = work / f"out-{minutes:g}"
        out.mkdir(exist_ok=True)

        def cold():
            cache = Path(tempfile.mkdtemp(prefix="cold-", dir=work))
            return job("render", env, script=str(scripts[minutes]), output=str(out / "cold.mp3"), cache=str(cache))

        # The track's own samples, for LAME alone on exactly what the render encodes (untimed).
        job("render", env, script=str(scripts[minutes]), output=str(out / "own.wav"), cache=str(warm_cache), verify=False)
        encode, own, segments, warm, cold_run = rounds(
            repeat,
            lambda: job("encode", env, minutes=minutes, output=str(out / "bare.mp3")),
            lambda: job("own", env, source=str(out / "own.wav"), output=str(out / "own.mp3")),
            lambda: job("segments", env, source=str(out / "own.wav"), output=str(out / "segments.mp3")),
            lambda: job("render", env, script=str(scripts[minutes]), output=str(out / "warm.mp3"), cache=str(warm_cache)),
            cold,
        )
        log(Row("encode", minutes, encode[0]["seconds"], encode[1]))
        log(Row("own", minutes, own[0]["seconds"], own[1]))
        log(Row("segments", minutes, segments[0]["seconds"], segments[1]))
        for kind, (result, peak) in (("warm", warm), ("cold", cold_run)):
            extra = {"lufs": result.get("lufs"), "synthesized": result["synthesized"], "stages": result.get("stages", {})}
            log(Row(kind, minutes, result["seconds"], peak, extra))
    if baseline:
        speech = work / "speech-wav"
        job("speech", env, script=str(scripts[baseline]), cache=str(warm_cache), folder=str(speech))
        out = work / f"out-{baseline:g}"
        out.mkdir(exist_ok=True)
        result, peak = run_job([sys.executable, str(HERE / "pydub_baseline.py"), str(speech), str(baseline), str(out / "pydub.mp3")], env)
        log(Row("pydub", baseline, result["seconds"], peak, {"export": result["export"]}))
        if baseline not in sizes:
            result, peak = job("render", env, script=str(scripts[baseline]), output=str(out / "warm.mp3"), cache=str(warm_cache))
            log(Row("warm", baseline, result["seconds"], peak, {"lufs": result.get("lufs")}))
    info = before
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return {"machine": info, "engine": engine, "repeat": repeat, "rows": [asdict(r) | {"realtime": r.realtime} for r in rows], "summary": summary(rows)}


def summary(rows: list[Row]) -> dict:
    """The ratios the performance targets are stated in."""
    find = {(r.job, r.minutes): r for r in rows}
    tts = next(r for r in rows if r.job == "tts")
    out: dict = {}
    for (kind, minutes), row in find.items():
        encode = find.get(("encode", minutes))
        own = find.get(("own", minutes))
        if kind == "warm" and encode:
            out[f"warm/encode@{minutes:g}"] = row.seconds / encode.seconds
        if kind == "warm" and own:
            out[f"warm/own samples encode@{minutes:g}"] = row.seconds / own.seconds
        if kind == "segments" and own:
            out[f"segments/own samples encode@{minutes:g}"] = row.seconds / own.seconds
        if kind in ("warm", "cold") and row.extra.get("stages"):
            for stage, seconds in row.extra["stages"].items():
                out[f"{kind} {stage} share@{minutes:g}"] = seconds / row.seconds
        if kind == "cold" and encode:
            out[f"cold/(tts+encode)@{minutes:g}"] = row.seconds / (tts.seconds + encode.seconds)
        if kind == "pydub" and ("warm", minutes) in find:
            warm = find[("warm", minutes)]
            out[f"pydub/warm time@{minutes:g}"] = row.seconds / warm.seconds
            out[f"pydub/warm memory@{minutes:g}"] = row.peak_mb / warm.peak_mb
    warms = sorted((r for r in rows if r.job == "warm"), key=lambda r: r.minutes)
    if len(warms) >= 2:
        out[f"warm memory {warms[-1].minutes:g} vs {warms[0].minutes:g} min"] = warms[-1].peak_mb / warms[0].peak_mb
    return out


def table(report: dict) -> str:
    """The figures as a Markdown table, then the ratios."""
    lines = ["| job | minutes | wall s | x real time | peak RSS MB | vs | loudness LUFS |", "|---|---:|---:|---:|---:|---:|---:|"]
    rows = report["rows"]
    find = {(r["job"], r["minutes"]): r for r in rows}
    tts = next(r for r in rows if r["job"] == "tts")
    for r in rows:
        versus = ""
        encode = find.get(("encode", r["minutes"]))
        own = find.get(("own", r["minutes"]))
        if r["job"] in ("warm", "segments") and own:
            versus = f"{r['seconds'] / own['seconds']:.2f}x own-samples encode"
        elif r["job"] == "warm" and encode:
            versus = f"{r['seconds'] / encode['seconds']:.2f}x encode"
        elif r["job"] == "cold" and encode:
            versus = f"{r['seconds'] / (tts['seconds'] + encode['seconds']):.2f}x (tts+encode)"
        elif r["job"] == "pydub" and ("warm", r["minutes"]) in find:
            warm = find[("warm", r["minutes"])]
            versus = f"{r['seconds'] / warm['seconds']:.1f}x slower, {r['peak_mb'] / warm['peak_mb']:.1f}x more memory than warm"
        realtime = "" if r["job"] == "tts" else f"{r['realtime']:.0f}"
        lufs = r["extra"].get("lufs")
        lines.append(
            f"| {r['job']} | {r['minutes']:g} | {r['seconds']:.2f} | {realtime} | {r['peak_mb']:.0f} | {versus} | {'' if lufs is None else lufs} |"
        )
    m = report["machine"]
    lines.append("")
    lines.append(
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, {m['system']}; engine {report['engine']}, "
        f"best of {report['repeat']}; load average {m['load_average_before'][0]} before, {m['load_average_after'][0]} after."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1, 3 and 6 minutes, the baseline at 3")
    parser.add_argument("--minutes", type=float, nargs="+", help="session lengths (overrides --quick)")
    parser.add_argument("--baseline", type=float, help="length of the pydub baseline job; 0 to skip")
    parser.add_argument("--engine", choices=("piper", "fake"), default="piper", help="speech engine (fake: no model)")
    parser.add_argument("--utterances", type=int, default=12, help="utterances per session (fewer for tiny runs)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per job, taking turns; the fastest of each counts")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = args.minutes or ([1.0, 3.0, 6.0] if args.quick else [5.0, 30.0, 60.0])
    baseline = args.baseline if args.baseline is not None else (3.0 if args.quick and not args.minutes else 30.0 if not args.minutes else sizes[0])
    with tempfile.TemporaryDirectory(prefix="meditate-bench-") as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        report = bench(sorted(sizes), baseline or None, args.engine, max(1, args.repeat), work, args.utterances)
    print(table(report))
    print()
    for name, value in report["summary"].items():
        print(f"{name}: {value:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

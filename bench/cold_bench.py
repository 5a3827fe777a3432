"""What does a cold render of each library session cost? Prints a table (and optionally JSON).

    python bench/cold_bench.py                       # every library session, the real voice
    python bench/cold_bench.py --scripts scripts/breathing.yaml --repeat 2
    python bench/cold_bench.py --engine fake         # the plumbing only (no model)

For each session, in fresh processes, taking turns (best of `--repeat`; memory the largest seen):

- **cold**: `render()` with an empty speech cache (what a practitioner meets first);
- **tts**: synthesis of the same utterances alone into an empty cache (model load included);
- **warm**: `render()` again with the speech cache the tts job filled.

It prints each job's wall time and peak RSS (the child's `ru_maxrss`), and cold against
tts + warm: a cold render should cost about synthesis plus a warm render, no more.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from render_bench import job, machine, rounds  # noqa: E402

LIBRARY = ("relaxation", "breathing", "integration", "back-care")
"""The library sessions a practitioner renders first (scripts/)."""


def bench(scripts: list[Path], engine: str, repeat: int, work: Path) -> dict:
    env = dict(os.environ)
    env.pop("MEDITATE_FAKE_TTS", None)
    if engine == "fake":
        env["MEDITATE_FAKE_TTS"] = "1"
    rows = []
    before = machine()
    for script in scripts:
        out = work / script.stem
        out.mkdir(parents=True, exist_ok=True)

        def fresh(prefix: str) -> str:
            return tempfile.mkdtemp(prefix=prefix, dir=out)

        warm_cache = out / "cache"
        job("tts", env, script=str(script), cache=str(warm_cache))  # fills the warm cache (untimed)

        cold, tts, warm = rounds(
            repeat,
            lambda: job("render", env, script=str(script), output=str(out / "cold.mp3"), cache=fresh("cold-")),
            lambda: job("tts", env, script=str(script), cache=fresh("tts-")),
            lambda: job("render", env, script=str(script), output=str(out / "warm.mp3"), cache=str(warm_cache)),
        )
        row = {
            "session": script.stem,
            "audio_seconds": cold[0]["audio_seconds"],
            "utterances": tts[0]["synthesized"],
            "cold_seconds": cold[0]["seconds"],
            "cold_peak_mb": cold[1],
            "tts_seconds": tts[0]["seconds"],
            "tts_peak_mb": tts[1],
            "warm_seconds": warm[0]["seconds"],
            "warm_peak_mb": warm[1],
        }
        row["cold_vs_tts_plus_warm"] = row["cold_seconds"] / (row["tts_seconds"] + row["warm_seconds"])
        rows.append(row)
        print(
            f"  {row['session']:12s} cold {row['cold_seconds']:6.1f} s {row['cold_peak_mb']:5.0f} MB"
            f"  tts {row['tts_seconds']:6.1f} s {row['tts_peak_mb']:5.0f} MB  warm {row['warm_seconds']:6.1f} s"
            f" {row['warm_peak_mb']:5.0f} MB",
            file=sys.stderr,
        )
    info = before
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return {"machine": info, "engine": engine, "repeat": repeat, "rows": rows}


def table(report: dict) -> str:
    lines = [
        "| session | track | utterances | cold s | cold peak MB | tts alone s | warm s | cold / (tts + warm) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['session']} | {r['audio_seconds'] / 60:.1f} min | {r['utterances']} | {r['cold_seconds']:.1f} "
            f"| {r['cold_peak_mb']:.0f} | {r['tts_seconds']:.1f} | {r['warm_seconds']:.1f} | {r['cold_vs_tts_plus_warm']:.2f}x |"
        )
    m = report["machine"]
    lines.append("")
    lines.append(
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}; engine {report['engine']}, best of "
        f"{report['repeat']}; load average {m['load_average_before'][0]} before, {m['load_average_after'][0]} after."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    library = [HERE.parent / "scripts" / f"{name}.yaml" for name in LIBRARY]
    parser.add_argument("--scripts", type=Path, nargs="+", default=library, help="sessions (default: the library's)")
    parser.add_argument("--engine", choices=("piper", "fake"), default="piper", help="speech engine (fake: no model)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per job, taking turns; the fastest of each counts")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="meditate-cold-") as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        report = bench([p.resolve() for p in args.scripts], args.engine, max(1, args.repeat), work)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

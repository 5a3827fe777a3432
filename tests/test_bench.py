"""The benchmark still runs end to end (on a tiny session with the fake engine).

No timing is asserted here: timings belong to the benchmark's printed figures. This only
proves every job runs, reports its figures, and writes the JSON the docs are made from.
"""

from __future__ import annotations

import pytest

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "render_bench.py"


@pytest.mark.slow
def test_benchmark_runs_on_a_tiny_session(tmp_path):
    out = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--minutes", "0.2", "0.25", "--utterances", "2", "--engine", "fake", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    jobs = {(row["job"], row["minutes"]) for row in report["rows"]}
    for minutes in (0.2, 0.25):
        assert {("encode", minutes), ("warm", minutes), ("cold", minutes)} <= jobs
    assert ("pydub", 0.2) in jobs and ("tts", 0) in jobs
    for row in report["rows"]:
        assert row["seconds"] > 0 and row["peak_mb"] > 10, row
    warm = next(r for r in report["rows"] if r["job"] == "warm")
    assert warm["extra"]["synthesized"] == 0  # the warm run found all its speech cached
    cold = next(r for r in report["rows"] if r["job"] == "cold")
    assert cold["extra"]["synthesized"] == 2
    assert abs(warm["extra"]["lufs"] - -16.0) < 1.0  # the written file reached the target
    assert "warm/encode@0.25" in report["summary"]
    assert "| warm | 0.25 |" in result.stdout


@pytest.mark.slow
def test_voice_benchmark_runs_on_a_tiny_session(tmp_path):
    """The voice chain's and the room's cost stage runs and reports its shares of a warm render."""
    out = tmp_path / "voice.json"
    result = subprocess.run(
        [sys.executable, str(BENCH.parent / "voice_bench.py"), "--minutes", "0.25", "--utterances", "2", "--engine", "fake",
         "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["warm_seconds"] > 0 and report["dry_seconds"] > 0 and report["chain_seconds"] > 0
    assert report["speech_seconds"] > 0 and "room_share_of_warm" in report and "chain_share_of_warm" in report

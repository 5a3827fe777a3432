"""Peak memory of a `meditate` command in a child process: a size bound, never a clock.

The command is started by a small launcher process, which reports the child's peak
resident memory from `os.wait4`. Measuring from the test process itself would count
the test process's own memory too: a forked child starts with the parent's pages, and
Linux keeps that high-water mark across exec.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_LAUNCHER = """
import json, os, subprocess, sys
args, cwd, err = json.loads(sys.argv[1])
with open(err, "wb") as handle:
    child = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=handle)
    _, status, usage = os.wait4(child.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024]))
"""


def peak(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, int, str]:
    """Run `python -m generator ARGS` in `cwd`: (exit code, peak memory in MB, stderr)."""
    err = cwd / "stderr.txt"
    command = [sys.executable, "-m", "generator", *args]
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, json.dumps([command, str(cwd), str(err)])],
        env={**os.environ, "MEDITATE_FAKE_TTS": "1", **(env or {})},
        capture_output=True, text=True, check=True, timeout=3600,  # a hang guard only
    )
    code, megabytes = json.loads(done.stdout)
    return code, megabytes, err.read_text(encoding="utf-8", errors="replace")

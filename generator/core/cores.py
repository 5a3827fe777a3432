"""How many CPUs this process may use: what parallel work (measuring threads, MP3
segments, batch jobs) is sized by."""

from __future__ import annotations

import os


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1

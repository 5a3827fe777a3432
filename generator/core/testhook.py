"""A rendezvous for tests that interrupt a real render at a known point, without clocks.

With `MEDITATE_TEST_HOOK=POINT:PATH` in the environment, the first process of a run to
reach POINT (only one: it creates `PATH.claimed` exclusively) prints
`meditate-test-hook: POINT` on its standard output and then waits with the FIFO at PATH
open for reading, until the test opens it for writing and closes it (or a signal ends
the wait). A test thus signals a render exactly while it is writing its temporary file,
however busy the machine. Without the variable, reached() does nothing.
"""

from __future__ import annotations

import os
import select
import sys
from typing import Callable

HOOK_ENV = "MEDITATE_TEST_HOOK"


def reached(point: str, until: Callable[[], bool] | None = None) -> None:
    """Wait at `point` if a test asked to (see the module docstring), or until `until()`
    holds: a thread other than the main one cannot see the signal, only what it did."""
    spec = os.environ.get(HOOK_ENV)
    if not spec:
        return
    name, _, path = spec.partition(":")
    if name != point or not path:
        return
    try:
        os.close(os.open(f"{path}.claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:
        return  # another process (or an earlier call) already stopped here
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # the FIFO: readable once the test opens and closes it
    try:
        sys.stdout.write(f"meditate-test-hook: {point}\n")
        sys.stdout.flush()
        # Short selects, not one blocking call: a signal the kernel hands to another thread
        # would not interrupt a blocked main thread, while Python runs the signal's handler
        # (here, in the main thread) each time select returns.
        while not select.select([fd], [], [], 0.05)[0]:
            if until is not None and until():
                break
    finally:
        os.close(fd)

"""Giving freed memory back to the system between the stages of a render.

A cold render synthesizes speech first (Piper and onnxruntime hold a few hundred MB
while a long clause is decoded), then mixes. Python and numpy free their arrays, but
glibc keeps freed heap pages in the process for reuse, so without a trim the mixing
passes would sit on top of the synthesis's high-water mark instead of replacing it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:  # pragma: no cover - an unusual system
        return None


def give_back() -> None:
    """Collect garbage and return the C heap's free pages to the system (glibc; a no-op elsewhere)."""
    gc.collect()
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)


M_MMAP_THRESHOLD = -3
"""glibc's mallopt parameter number for the mmap threshold."""

LARGE_BLOCK = 4 << 20
"""Bytes from which an allocation gets pages of its own (a bell, a sentence, a room answer)."""


@lru_cache(maxsize=1)
def map_large_blocks() -> None:
    """Make allocations of LARGE_BLOCK and up get their own pages, given back as soon as they are freed.

    glibc raises its mmap threshold each time a mapped block is freed (up to 32 MB), after
    which bells, sentences and room answers are carved from the heap, and the holes they
    leave keep the process's memory at its high-water mark. A fixed threshold stops that:
    a warm render of the relaxation session peaked at 478 MB with glibc's default and at
    379 MB with this. Smaller thresholds map the mixer's own blocks too and cost far more
    time than they save memory (256 kB: 3x slower). No-op where there is no glibc.
    """
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)

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

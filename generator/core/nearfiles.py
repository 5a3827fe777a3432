""""Did you mean" for a file name: the files near the one a script names.

A mistyped include (`part.yml` for `part.yaml`, `parts/middle.yaml` for
`part/middle.yaml`) is told the closest existing file, found among the files with the
wanted suffixes below the script's folder (a bounded walk: a script beside a huge
folder must not make the error slow).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

MAX_FILES = 2000
MAX_DEPTH = 3


def candidates(base: Path, suffixes: tuple[str, ...]) -> list[str]:
    """Files with one of `suffixes` below `base`, as paths relative to it (posix style)."""
    found: list[str] = []
    for root, dirs, files in os.walk(base):
        depth = Path(root).relative_to(base).parts
        if len(depth) >= MAX_DEPTH:
            dirs[:] = []
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.lower().endswith(suffixes):
                found.append(Path(root, name).relative_to(base).as_posix())
                if len(found) >= MAX_FILES:
                    return found
    return found


def near_file_hint(base: Path, raw: str, suffixes: tuple[str, ...]) -> str:
    """`" (did you mean 'parts/middle.yaml'?)"` for the closest existing file, else ''."""
    try:
        files = candidates(base, suffixes)
    except OSError:
        return ""
    wanted = raw.replace("\\", "/").lstrip("./")
    close = difflib.get_close_matches(wanted, files, n=1, cutoff=0.6)
    if not close:  # the right name in another folder
        same_name = [f for f in files if Path(f).name.lower() == Path(wanted).name.lower()]
        close = same_name[:1]
    if not close:
        stems = {Path(f).stem.lower(): f for f in files}
        near = difflib.get_close_matches(Path(wanted).stem.lower(), list(stems), n=1, cutoff=0.75)
        close = [stems[near[0]]] if near else []
    return f" (did you mean '{close[0]}'?)" if close else ""

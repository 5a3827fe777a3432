"""meditate: YAML session scripts to finished guided-meditation audio.

The library API a Python user calls directly (the command line in :mod:`generator.cli`
is a thin layer over it)::

    from pathlib import Path
    from generator import render, RenderOptions

    result = render("scripts/welcome.yaml", RenderOptions(output=Path("welcome.mp3")))
    print(result.path, result.timeline.seconds, result.measured_lufs)

`load_script` gives the validated script model, `plan_timeline` its timeline, and every
error a user can cause is a :class:`MeditateError` (a :class:`ScriptErrors` lists each
problem of a script with its place).
"""

__version__ = "0.1.0"

from generator.core.errors import EngineError, InputError, MeditateError, Position, ScriptError, ScriptErrors  # noqa: E402

import importlib  # noqa: E402

_API = {
    "load_script": "generator.load.loader",
    "plan_timeline": "generator.pipeline.rendering",
    "render": "generator.pipeline.rendering",
    "RenderOptions": "generator.pipeline.rendering",
    "RenderResult": "generator.pipeline.rendering",
}
"""Where each function and class of the API lives. They are imported on first use
(PEP 562), so `import generator` and `meditate --help` stay light: the pipeline pulls in
numpy, scipy and the voice, which a command that only checks a script never needs."""


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'generator' has no attribute '{name}'")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


__all__ = [
    "EngineError",
    "InputError",
    "MeditateError",
    "Position",
    "RenderOptions",
    "RenderResult",
    "ScriptError",
    "ScriptErrors",
    "__version__",
    "load_script",
    "plan_timeline",
    "render",
]

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

from generator.load.loader import load_script  # noqa: E402
from generator.pipeline.rendering import RenderOptions, RenderResult, plan_timeline, render  # noqa: E402
# (Imported here, first, so `generator.render` is the function and stays so: a later
# `import generator.pipeline.rendering` finds the module loaded and does not rebind the name.)

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

"""The built-in templates that `meditate new TEMPLATE FILE` writes.

Each template is a commented YAML script in this package, `<name>.yaml`, meant to be
copied and edited by a practitioner. The library sessions (relaxation, breathing,
integration, back-care) are the scripts in the project's `scripts/` folder with notes
added for the person who edits them; the smaller starters exist only here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from generator.core.errors import InputError
from generator.output.targets import refuse_special

TEMPLATES: dict[str, str] = {
    "relaxation": "Deep Relaxation: arriving, body scan, back and shoulders, stillness (18 min)",
    "breathing": "Breathing into the Belly: abdominal breath, then a paced, lengthening breath (12 min)",
    "integration": "After Your Session: care and gentle practice for the days after a treatment (9 min)",
    "back-care": "Caring for Your Back: posture, spine, core, release, slow movements (19 min)",
    "minimal": "The smallest complete script: a title, one section, one say, one pause",
    "bells-and-silence": "A silent sit timed by interval bells (20 min, length adjustable)",
}
"""Template name -> a one-line description, in the order `meditate new --list` shows them."""


def template_text(name: str) -> str:
    """The YAML text of the template called `name`; an unknown name raises KeyError."""
    if name not in TEMPLATES:
        raise KeyError(name)
    return files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def write_template(name: str, file: Path, *, force: bool = False) -> None:
    """Write template `name` to `file` (a new file unless `force`); InputError (exit 2) for
    a missing folder, an existing file without `force`, a folder, or anything at `file`
    that is not a regular file (a FIFO or a device is never written into)."""

    if not file.parent.is_dir():
        raise InputError(f"{file.parent}: the folder does not exist")
    if force:
        refuse_special(file)
    try:  # "x" refuses an existing file in the same call that creates it: no race
        with open(file, "w" if force else "x", encoding="utf-8", newline="\n") as handle:
            handle.write(template_text(name))
    except FileExistsError:
        raise InputError(f"{file} already exists; choose another name or add --force to overwrite it") from None
    except IsADirectoryError:
        raise InputError(f"{file} is a folder; give a file name such as {file / (name + '.yaml')}") from None

"""The house stays livable: no module, function or class grows past what fits in one sitting,
and every extension point is one table the rest of the program iterates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
MODULE_LINES = 500
FUNCTION_LINES = 60
CLASS_LINES = 300


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_room_too_big(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MODULE_LINES, f"{path.name} has {len(text.splitlines())} lines"
    too_big = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            size = node.end_lineno - node.lineno + 1
            limit = CLASS_LINES if isinstance(node, ast.ClassDef) else FUNCTION_LINES
            if size > limit:
                too_big.append(f"{node.name} ({size} lines)")
    assert not too_big, f"{path.name}: " + ", ".join(too_big)


def test_every_kind_is_one_table_entry():
    """The loader, planner, mixer and picture name no step or layer kind: they read the tables."""
    from generator.kinds.layers import LAYER_KINDS
    from generator.output.formats import FORMATS
    from generator.kinds.steps import STEP_KINDS
    from generator.voice.engines import ENGINES

    readers = ["load/loader.py", "load/settings.py", "plan/timeline.py", "mix/mixer.py", "mix/bed.py", "planview/html.py", "planview/bed.py", "pipeline/rendering.py", "pipeline/prepare.py", "pipeline/produce.py",
               "batch/run.py", "publish/catalog.py", "script/roster.py"]
    for name in readers:
        text = (PACKAGE / name).read_text(encoding="utf-8")
        for kind in [*STEP_KINDS, *LAYER_KINDS, *FORMATS, *ENGINES]:
            for quoted in (f'"{kind}"', f"'{kind}'"):
                assert quoted not in text, f"{name} names the kind {quoted}: read it from its table instead"


def test_command_line_choices_come_from_the_tables():
    from generator.cli import cli
    from generator.output.formats import FORMATS
    from generator.voice.engines import ENGINES, SYNTHETIC_ENGINES

    render = cli.commands["render"]
    choices = {p.name: list(p.type.choices) for p in render.params if hasattr(p.type, "choices")}
    assert choices["fmt"] == list(FORMATS)
    # --engine replaces every voice, so it offers the engines that speak any text (not recorded takes)
    assert choices["engine"] == [name for name in ENGINES if ENGINES[name].synthetic] == list(SYNTHETIC_ENGINES)


def test_the_audio_types_table_and_the_formats_table_agree():
    """The roster (below the output stage) and publish read suffixes and MIME types from
    generator.core.audiotypes; the formats take theirs from it, so the two stay one."""
    from generator.core.audiotypes import AUDIO_TYPES, DEFAULT_SUFFIX, WRITTEN_SUFFIXES
    from generator.output.formats import DEFAULT_FORMAT, FORMATS

    assert sorted(WRITTEN_SUFFIXES) == sorted(f.suffix for f in FORMATS.values())
    assert all(AUDIO_TYPES[f.suffix].mime == f.mime and f.suffix == f".{f.name}" for f in FORMATS.values())
    assert FORMATS[DEFAULT_FORMAT].suffix == DEFAULT_SUFFIX

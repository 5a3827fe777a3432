"""The built-in templates: every listed name has a file, every file is listed, and
every one of them is a valid script."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from generator.templates import TEMPLATES, template_text

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
TEMPLATE_FILES = {p.name[: -len(".yaml")] for p in files("generator.templates").iterdir() if p.name.endswith(".yaml")}


def test_every_listed_template_has_a_file_and_every_file_is_listed():
    assert set(TEMPLATES) == TEMPLATE_FILES


def test_every_template_has_a_one_line_description():
    for name, description in TEMPLATES.items():
        assert description.strip() and "\n" not in description, name


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_parses_as_a_script_shaped_mapping(name):
    data = yaml.safe_load(template_text(name))
    assert isinstance(data, dict)
    assert isinstance(data["title"], str) and data["title"]
    assert isinstance(data["sections"], list) and data["sections"]
    for section in data["sections"]:
        assert section["title"] and section["steps"]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_begins_with_a_comment_saying_how_to_render_it(name):
    text = template_text(name)
    assert text.startswith("#")
    header = text.split("\n\n", 1)[0]
    assert f"meditate new {name} " in header
    assert "meditate render " in header


def test_unknown_template_raises_key_error():
    with pytest.raises(KeyError):
        template_text("no-such-template")


@pytest.mark.parametrize("name", sorted(n for n in TEMPLATES if (SCRIPTS / f"{n}.yaml").exists()))
def test_library_template_says_what_the_library_script_says(name):
    # The library templates are the scripts in scripts/ with notes added: the notes may
    # differ, the script may not.
    assert yaml.safe_load(template_text(name)) == yaml.safe_load((SCRIPTS / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_loads_as_a_valid_script(name, tmp_path):
    loader = pytest.importorskip("generator.load.loader")
    path = tmp_path / f"{name}.yaml"
    path.write_text(template_text(name), encoding="utf-8")
    session = loader.load_script(path)
    assert session.title and session.sections


LIBRARY = ("relaxation", "breathing", "integration", "back-care")


@pytest.mark.parametrize("path", sorted(SCRIPTS.glob("*.yaml")), ids=lambda p: p.name)
def test_library_script_loads_as_a_valid_script(path):
    loader = pytest.importorskip("generator.load.loader")
    session = loader.load_script(path)
    assert session.title and session.sections


@pytest.mark.parametrize("name", LIBRARY)
def test_library_session_opens_with_the_care_note_and_speaks_to_the_client(name):
    loader = pytest.importorskip("generator.load.loader")
    from generator.core import model

    session = loader.load_script(SCRIPTS / f"{name}.yaml", {"name": "Anna"})
    says = [step for section in session.sections for step in section.steps if isinstance(step, model.Say)]
    first = " ".join(part.text for part in says[0].parts if isinstance(part, model.Utterance))
    assert "complement" in first and "does not replace" in first
    spoken = " ".join(part.text for say in says for part in say.parts if isinstance(part, model.Utterance))
    assert "Anna" in spoken

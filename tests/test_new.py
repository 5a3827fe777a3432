"""`meditate new`: every template is written as a script that passes `check`, `--list`
shows them all, unknown names get a suggestion, and nothing is overwritten by accident."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.templates import TEMPLATES, template_text


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_written_by_new_passes_check(name, tmp_path):
    target = tmp_path / f"my-{name}.yaml"
    result = run("new", name, str(target))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {target} from the '{name}' template; next: meditate check {target}\n"
    assert target.read_text(encoding="utf-8") == template_text(name)
    checked = run("check", str(target))
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"{target}: ok (")


def test_list_shows_every_name_with_its_description_in_order():
    result = run("new", "--list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(TEMPLATES)
    for line, (name, description) in zip(lines, TEMPLATES.items()):
        assert line.startswith(name) and line.endswith("  " + description)


def test_unknown_template_is_exit_2_with_a_suggestion(tmp_path):
    target = tmp_path / "x.yaml"
    result = run("new", "relax", str(target))
    assert result.exit_code == 2
    assert result.output.startswith("error: unknown template 'relax' (did you mean 'relaxation'?); templates are: ")
    assert not target.exists()


def test_existing_file_is_not_overwritten_without_force(tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("title: my own work\n", encoding="utf-8")
    result = run("new", "minimal", str(target))
    assert result.exit_code == 2
    assert result.output == f"error: {target} already exists; choose another name or add --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "title: my own work\n"

    forced = run("new", "minimal", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8") == template_text("minimal")


def test_missing_arguments_and_missing_folder_are_exit_2(tmp_path):
    assert run("new").exit_code == 2
    assert run("new", "minimal").exit_code == 2
    result = run("new", "minimal", str(tmp_path / "no" / "such" / "x.yaml"))
    assert result.exit_code == 2
    assert "the folder does not exist" in result.output

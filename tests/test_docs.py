"""The README names every layer, column and command the code has (datasette-style doc tests)."""

import re
from pathlib import Path

import pyogrio
from click.testing import CliRunner

from app.cli import main as cli
from layers.schema import LAYERS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _readme_row(layer):
    m = re.search(rf"^\| `{layer}` \|.*$", README, re.M)
    assert m, f"README's layer table has no row for {layer}"
    return m.group(0)


def test_readme_lists_every_layer_and_column(built_gpkg):
    path, _ = built_gpkg
    for name in LAYERS:
        row = _readme_row(name)
        for field in pyogrio.read_info(path, layer=name)["fields"]:
            assert f"`{field}`" in row, f"README does not list column {name}.{field}"


def test_readme_documents_every_command():
    for name, cmd in cli.commands.items():
        assert f"`planmap {name}`" in README, f"README does not document planmap {name}"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and len(result.output) > 80


def test_readme_has_the_two_commands_ci_runs():
    assert "\n    bash scripts/setup.sh --test && python3 -m pytest -q\n" in README
    assert re.search(r"^    bash scripts/setup.sh && planmap build", README, re.M)

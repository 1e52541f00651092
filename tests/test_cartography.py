"""One cartography: every kind has one entry, and the web legend and the sheet legend show the label
and colour that entry gives (QGIS's own renderer is checked in tests/test_qgis.py)."""

import csv
import html
import re
from pathlib import Path

import pytest

from app import create_app
from layers import cartography as carto
from layers import sheets
from layers.gpkg import read_layer
from layers.recipes import KINDS as RECIPE_KINDS
from layers.recipes import QUALITIES as RECIPE_QUALITIES
from layers.settings import resolve

ROOT = Path(__file__).resolve().parents[1]


def test_every_kind_the_data_can_hold_has_one_entry(built_gpkg):
    planned = {r["kind"] for r in csv.DictReader(open(resolve().path("PLANMAP_RECIPES_DIR") / "planned_links.csv",
                                                      encoding="utf-8"))}
    built = {k for layer in ("land", "towns", "planned_links", "structures", "structure_lines", "structure_points")
             for k in read_layer(built_gpkg[0], layer)["kind"]}
    missing = (set(RECIPE_KINDS) | planned | built) - set(carto.KINDS)
    assert not missing, f"kinds without a cartography entry: {sorted(missing)}"
    assert set(RECIPE_QUALITIES) == set(carto.QUALITIES)
    colours = [k.colour for key, k in carto.KINDS.items() if key in RECIPE_KINDS]
    assert len(set(colours)) == len(colours), "two structure kinds share a colour: the map could not tell them apart"
    for k in carto.KINDS.values():
        assert re.fullmatch(r"#[0-9a-f]{6}", k.colour) and k.zh and k.en


@pytest.fixture(scope="module")
def overview(built_gpkg):
    client = create_app({"PLANMAP_GPKG": str(built_gpkg[0]), "TESTING": True}).test_client()
    return client.get("/").get_data(as_text=True)


def test_the_web_legend_shows_each_structure_kind_as_the_table_says(overview):
    legend = overview.split('class="pm-kinds"', 1)[1].split("</ul>", 1)[0]
    shown = dict((html.unescape(label), colour) for colour, label in
                 re.findall(r'<li><span style="background: (#[0-9a-f]{6})"></span>([^<]+)</li>', legend))
    for key in RECIPE_KINDS:
        assert shown.get(carto.label(key)) == carto.KINDS[key].colour, key
    for q in carto.QUALITIES.values():
        assert q.legend_zh in overview


def test_base_layers_look_the_same_on_the_web_and_on_paper(overview, built_gpkg):
    from layers.sheets import style

    assert style.LAND == carto.KINDS["land"].colour
    assert f'"fillColor": "{carto.KINDS["land"].colour}"' in overview
    for kind in set(read_layer(built_gpkg[0], "towns")["kind"]):
        assert f'"color": "{carto.KINDS[kind].colour}"' in overview, kind


def test_the_sheet_legend_shows_each_kind_as_the_table_says(built_gpkg):
    seen = {}
    for plan in ("000", "001", "002", "003", "004"):
        _, geo = sheets.sheet_figure(built_gpkg[0], plan=plan, size="A3")
        for key, zh, en, colour in geo.legend:
            if isinstance(key, tuple) and key[0] in ("poly", "line", "point"):
                k = carto.KINDS[key[1]]
                assert (zh, en, colour.lower()) == (k.zh, k.en, k.colour), key
                seen[key[1]] = colour
            elif isinstance(key, tuple) and key[0] == "q":
                q = carto.QUALITIES[key[1]]
                assert (zh, en) == (q.legend_zh, q.legend_en)
    drawn = {k for layer in ("structures", "structure_lines", "structure_points")
             for k in read_layer(built_gpkg[0], layer)["kind"]}
    assert drawn <= set(seen), f"kinds on the plans' sheets without a legend entry: {sorted(drawn - set(seen))}"

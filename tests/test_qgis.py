"""QGIS is a client of the GeoPackage: the styles, the project, the layouts and edits, in real QGIS.

PyQGIS is installed for Debian's Python (``apt-get install python3-qgis qgis-providers``), not for
the interpreter running pytest, so every QGIS step runs a script from ``tests/qgis_helpers/`` under
``/usr/bin/python3`` with a headless Qt (``QT_QPA_PLATFORM=offscreen``) and reads back the JSON it
prints. Without PyQGIS those tests skip, saying so; the style tests that need no QGIS still run.

GeoPackages are built into pytest's temporary folders; ``geodata/wenzhou_plans.gpkg`` is never used.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from contextlib import closing
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
import shapely

from layers.build import build
from layers.edits import edit_problems, install_history, read_edits
from layers.schema import LAYERS, SPATIAL
from layers.gpkg import read_layer
from layers.styles import LABEL_FIELDS, STYLE_NAME, write_styles

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "tests" / "qgis_helpers"
PROJECT = ROOT / "geodata" / "wenzhou_plans.qgs"
PLAN_DIR = ROOT / "geodata" / "plans"
QGIS_PYTHON = "/usr/bin/python3"
A3_PT = (420 / 25.4 * 72, 297 / 25.4 * 72)          # landscape, in PDF points


@lru_cache(maxsize=None)
def _pyqgis_missing():
    """Why PyQGIS cannot be used (None when it can)."""
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} not found"
    done = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if done.returncode:
        return (f"PyQGIS is not importable under {QGIS_PYTHON} "
                f"(apt-get install python3-qgis qgis-providers): {done.stderr.strip().splitlines()[-1:]}")
    return None


@pytest.fixture(scope="module")
def qgis(tmp_path_factory):
    """Runs a helper under Debian's Python with PyQGIS; skips the test when PyQGIS is missing."""
    reason = _pyqgis_missing()
    if reason:
        pytest.skip(reason)
    runtime = tmp_path_factory.mktemp("xdg")
    runtime.chmod(0o700)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime)}
    env.pop("PYTHONPATH", None)           # keep the project's virtualenv out of Debian's Python

    def run(script, *args, cwd=None):
        done = subprocess.run([QGIS_PYTHON, str(HELPERS / script), *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=cwd, timeout=180)
        assert done.returncode == 0, f"{script} failed:\n{done.stderr[-3000:]}"
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        return json.loads(lines[-1])
    return run


@pytest.fixture(scope="module")
def styled_gpkg(built_gpkg, tmp_path_factory):
    """A built GeoPackage with what the build adds for QGIS: styles, history table and triggers."""
    src, _ = built_gpkg
    path = tmp_path_factory.mktemp("qgis") / "wenzhou_plans.gpkg"
    shutil.copy(src, path)
    write_styles(path)
    install_history(path)
    return path


def _copy(path, folder):
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / path.name
    shutil.copy(path, out)
    return out


# ------------------------------------------------------------------ styles (no QGIS needed) ----

def test_styles_are_the_default_row_of_each_spatial_layer(styled_gpkg):
    """QGIS applies the layer_styles row marked useAsDefault; each spatial layer must have exactly one."""
    with closing(sqlite3.connect(styled_gpkg)) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault "
                          "FROM layer_styles").fetchall()
        registered = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    assert registered == ("attributes",)
    defaults = {r[0]: r for r in rows if r[4]}
    assert sorted(defaults) == sorted(SPATIAL)
    for name, (_, geom_col, style_name, qml, _) in defaults.items():
        assert geom_col == "geom" and style_name == STYLE_NAME
        root = ET.fromstring(qml.split("\n", 1)[1])           # after the DOCTYPE line
        assert root.find("renderer-v2").get("type") == "categorizedSymbol"
        aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
        for col, title in LAYERS[name].aliases.items():
            if col in aliases:
                assert aliases[col] == title, (name, col)


def test_rewriting_styles_keeps_a_users_own_style_but_not_as_default(styled_gpkg, tmp_path):
    """A rebuild rewrites its own styles; a style GIS staff saved under another name survives."""
    path = _copy(styled_gpkg, tmp_path)
    with closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
                   " styleName, styleQML, useAsDefault) VALUES ('', '', 'parcels', 'geom', 'mine', '<qgis/>', 1)")
        db.commit()
    write_styles(path)
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT styleName, useAsDefault FROM layer_styles WHERE f_table_name = 'parcels' "
                          "ORDER BY styleName").fetchall()
    assert rows == [("mine", 0), (STYLE_NAME, 1)]


# --------------------------------------------------------------------------- in real QGIS ----

def test_each_layer_opens_in_qgis_with_its_default_style(qgis, styled_gpkg):
    """Loaded on its own, each spatial layer is categorised, labelled and has Chinese aliases,
    and sketched and schematic shapes are drawn differently from official ones."""
    layers = qgis("inspect_layers.py", styled_gpkg, *SPATIAL)
    for name in SPATIAL:
        info = layers[name]
        assert info["valid"], name
        assert info["renderer"] == "categorizedSymbol", name
        assert len(info["categories"]) >= 2, name
        assert info["labels"] and info["label_field"] in LABEL_FIELDS, name
        for col, title in LAYERS[name].aliases.items():
            if col in info["aliases"]:
                assert info["aliases"][col] == title, (name, col)
    structures = layers["structures"]
    assert structures["attr"] == "\"kind\" || '|' || \"quality\""
    assert "core|sketched" in structures["categories"] and "park|schematic" in structures["categories"]
    looks = structures["category_looks"]
    assert looks["core|sketched"]["outline_style"] == "dash"
    assert looks["park|schematic"]["style"] == "b_diagonal"          # hatched
    assert layers["districts"]["category_looks"]["official"]["style"] == "no"
    assert layers["parcels"]["label_field"] == "code"
    assert layers["parcels"]["aliases"]["code"] == "地块编号(原文) code"


def _datasources(project_path):
    root = ET.parse(project_path).getroot()
    return [(m.findtext("layername"), m.findtext("datasource")) for m in root.iter("maplayer")]


def test_qgis_shows_each_kind_with_the_one_cartographys_label_and_colour(qgis, styled_gpkg):
    """Read back from QGIS's own renderer: every kind × quality category of every structure layer is
    labelled and coloured as layers.cartography says (the web legend and the sheets are tested
    against the same table in tests/test_cartography.py)."""
    from layers import cartography as carto

    layers = qgis("inspect_layers.py", styled_gpkg, "structures", "structure_lines", "structure_points",
                  "land", "towns", "planned_links")
    seen = set()
    for name, info in layers.items():
        for value, label in info["category_labels"].items():
            if "|" not in value:
                continue
            kind, quality = value.split("|")
            assert label == f"{carto.label(kind)} · {carto.QUALITIES[quality].zh} {quality}", (name, value, label)
            looks = info["category_looks"][value]
            colour = (looks.get("color") or looks["line_color"]).split(",")[:3]
            assert tuple(int(c) for c in colour) == carto.rgb(carto.KINDS[kind].colour), (name, value)
            seen.add(kind)
    from layers.recipes import KINDS

    used = {k for layer in ("structures", "structure_lines", "structure_points")
            for k in read_layer(styled_gpkg, layer)["kind"]}
    assert used <= seen and used <= set(KINDS)


def test_committed_project_opens_beside_the_geopackage(qgis, styled_gpkg, tmp_path):
    """geodata/wenzhou_plans.qgs, copied next to a built GeoPackage, opens with every layer valid and
    styled as the GeoPackage's default style says; it holds no absolute path."""
    text = PROJECT.read_text(encoding="utf-8")
    assert "/tmp/" not in text and "/work/" not in text and "/home/" not in text
    assert all(src.startswith("./wenzhou_plans.gpkg|") for _, src in _datasources(PROJECT))
    assert "© OpenStreetMap contributors, ODbL" in text and "EPSG:4549" in text

    gpkg = _copy(styled_gpkg, tmp_path)
    project = Path(shutil.copy(PROJECT, tmp_path / PROJECT.name))
    info = qgis("inspect_project.py", project)
    assert info["read"] and info["crs"] == "EPSG:4549"
    assert [g[:6] for g in info["groups"][:5]] == [f"规划 00{i}" for i in range(5)]
    for layer in info["layers"]:
        assert layer["valid"], layer["name"]
        assert layer["source"].startswith(str(gpkg)), layer["source"]
        if layer["spatial"]:
            # the project keeps a copy of the style it was made with; categories follow the data,
            # so only the regenerated project (next test) must match them exactly
            assert layer["renderer"] == "categorizedSymbol", layer["name"]
            assert layer["attr"] == layer["gpkg_default"]["attr"], layer["name"]
            assert layer["categories"], layer["name"]
            assert layer["labels"], layer["name"]
            assert layer["aliases"]["quality"] == "几何来源 shape quality"
    for plan in ("000", "001", "002", "003", "004"):
        in_group = [layer for layer in info["layers"] if layer["group"].startswith(f"规划 {plan}")]
        assert len(in_group) == 3
        assert all(layer["subset"] == f"\"plan\" = '{plan}'" for layer in in_group)
        assert any(layer["features"] > 0 for layer in in_group)
    names = {layer["name"] for layer in info["layers"]}
    assert {"地块 Parcels", "项目位置 Project sites", "行政区 Districts", "编辑历史 Edit history"} <= names

    layouts = {lay["name"]: lay for lay in info["layouts"]}
    a3 = layouts["A3 总图 Overview"]
    assert {"QgsLayoutItemMap", "QgsLayoutItemLegend", "QgsLayoutItemScaleBar", "QgsLayoutItemPicture",
            "QgsLayoutItemLabel"} <= set(a3["items"])
    assert layouts["图集 空间结构 Structures atlas"]["atlas"]
    assert layouts["图集 空间结构 Structures atlas"]["coverage"].endswith("|layername=structures")
    assert layouts["图集 地块 Parcels atlas"]["coverage"].endswith("|layername=parcels")


def test_project_script_reproduces_the_committed_project(qgis, styled_gpkg, tmp_path):
    """scripts/make_qgis_project.py writes the same layers and layouts as the committed file (rerun
    it when the script changes), each layer with exactly the GeoPackage's default style."""
    gpkg = _copy(styled_gpkg, tmp_path / "data")
    out = tmp_path / "elsewhere" / "wenzhou_plans.qgs"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([QGIS_PYTHON, str(ROOT / "scripts" / "make_qgis_project.py"), "--gpkg", str(gpkg),
                           "--out", str(out)], capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(_datasources(out)) == sorted(_datasources(PROJECT))
    layouts = lambda p: sorted(e.get("name") for e in ET.parse(p).getroot().iter("Layout"))  # noqa: E731
    assert layouts(out) == layouts(PROJECT)
    assert not list(gpkg.parent.glob(".*.qgs*")), "temporary project left beside the GeoPackage"

    shutil.copy(gpkg, out.parent / gpkg.name)
    info = qgis("inspect_project.py", out)
    for layer in info["layers"]:
        assert layer["valid"], layer["name"]
        if layer["spatial"]:
            assert layer["categories"] == layer["gpkg_default"]["categories"], layer["name"]
            assert layer["aliases"] == layer["gpkg_default"]["aliases"], layer["name"]


def test_a3_layout_exports_to_a_one_page_a3_pdf(qgis, styled_gpkg, tmp_path):
    """The overview layout prints: one landscape A3 page. The structures atlas renders its first page."""
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo not found (Debian package poppler-utils)")
    _copy(styled_gpkg, tmp_path)
    project = shutil.copy(PROJECT, tmp_path / PROJECT.name)
    pdf = tmp_path / "overview.pdf"
    result = qgis("export_layout.py", project, "A3 总图 Overview", pdf)
    assert result["ok"], result
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(w - A3_PT[0]) < 1.5 and abs(h - A3_PT[1]) < 1.5, info

    atlas = qgis("export_layout.py", project, "图集 空间结构 Structures atlas", tmp_path / "atlas.pdf")
    assert atlas["ok"] and atlas["atlas_count"] == len(read_layer(styled_gpkg, "structures"))
    assert (tmp_path / "atlas.pdf").stat().st_size > 10_000


def _rectangle_at(geom, w=120.0, h=80.0):
    x, y = geom.centroid.x, geom.centroid.y
    return shapely.MultiPolygon([shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)])


def _write_ops(path, ops):
    path.write_text(json.dumps(ops, ensure_ascii=False), encoding="utf-8")
    return path


def _history_rows(path):
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM history ORDER BY id")]


def _rebuild(old, new):
    """`planmap build` over the edited file, as GIS staff's colleagues run it: the build reads the
    file's edits, lays them over the rebuilt layers and carries the history; returns its report."""
    new.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(old, new)
    lines = []
    build(out=new, plan_dir=PLAN_DIR, progress=lines.append)
    return [line.split("edit kept: ", 1)[1] for line in lines if "edit kept: " in line]


def test_edit_in_qgis_lands_in_history_and_wins_after_rebuild(qgis, styled_gpkg, tmp_path):
    """A GIS editor changes parcel 000:E-16-03 (an attribute and its shape) and deletes a structure in
    QGIS. The triggers record both with time, layer, feature and old/new values; after a rebuild
    the edited shape and attribute are in the new file, the structure stays deleted, the report
    names what the edits override, and the carried history keeps recording new edits."""
    old = _copy(styled_gpkg, tmp_path / "old")
    parcels = read_layer(old, "parcels").set_index("parcel_id")
    before = parcels.loc["000:E-16-03"]
    new_shape = _rectangle_at(before.geometry)
    deleted_id = "000-lingkun"
    started = datetime.now(timezone.utc) - timedelta(seconds=5)
    ops = [{"layer": "parcels", "key_col": "parcel_id", "key": "000:E-16-03",
            "set": {"placed_by": "GIS 按控规图核实 checked on the zoning map"}, "wkt": new_shape.wkt},
           {"layer": "structures", "key_col": "id", "key": deleted_id, "delete": True}]
    result = qgis("edit_features.py", old, _write_ops(tmp_path / "ops.json", ops))
    assert all(r["committed"] and r["edited"] for r in result), result

    rows = _history_rows(old)
    # QGIS writes one commit's attribute and geometry changes as separate UPDATEs: one row each
    parcel_rows = [r for r in rows if r["layer"] == "parcels"]
    assert {(r["feature"], r["action"], r["fid"]) for r in parcel_rows} == {("000:E-16-03", "update", result[0]["fid"])}
    assert [(r["layer"], r["feature"], r["action"]) for r in rows[len(parcel_rows):]] == [
        ("structures", deleted_id, "delete")]
    for r in rows:
        at = datetime.strptime(r["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        assert started <= at <= datetime.now(timezone.utc)
    old_values = {k: v for r in parcel_rows for k, v in json.loads(r["old_values"]).items()}
    new_values = {k: v for r in parcel_rows for k, v in json.loads(r["new_values"]).items()}
    assert set(new_values) == {"placed_by", "geom"}
    assert old_values["placed_by"] == before["placed_by"]
    assert new_values["placed_by"] == ops[0]["set"]["placed_by"]
    assert shapely.from_wkb(bytes.fromhex(old_values["geom"])).equals(before.geometry)
    assert shapely.from_wkb(bytes.fromhex(new_values["geom"])).equals(new_shape)
    assert json.loads(rows[-1]["old_values"])["name_zh"] == "灵昆片区"

    new = tmp_path / "new" / "wenzhou_plans.gpkg"
    report = _rebuild(old, new)
    rebuilt = read_layer(new, "parcels").set_index("parcel_id")
    assert rebuilt.loc["000:E-16-03", "placed_by"] == ops[0]["set"]["placed_by"]
    assert rebuilt.loc["000:E-16-03"].geometry.equals(new_shape)
    assert rebuilt.loc["000:E-16-03", "area_m2"] == pytest.approx(120 * 80)
    assert rebuilt.loc["000:E-16-01"].geometry.equals(parcels.loc["000:E-16-01"].geometry)   # not edited
    assert deleted_id not in set(read_layer(new, "structures")["id"])
    assert any(line.startswith("parcels 000:E-16-03: geometry, placed_by edited ") and "(plan 000 line " in line
               and line.endswith("— edit kept") for line in report), report
    assert any(line.startswith(f"structures {deleted_id}: deleted ") and "(recipe 000.recipe:" in line
               for line in report), report
    assert _history_rows(new) == rows

    # the rebuilt file records the next edit too, after the carried rows
    ops2 = [{"layer": "structures", "key_col": "id", "key": "000-phase1", "set": {"name_en": "Phase 1 (checked)"}}]
    assert qgis("edit_features.py", new, _write_ops(tmp_path / "ops2.json", ops2))[0]["committed"]
    rows2 = _history_rows(new)
    assert rows2[:len(rows)] == rows
    assert [r["feature"] for r in rows2[len(rows):]] == ["000-phase1"] and rows2[-1]["id"] > rows[-1]["id"]
    assert set(read_edits(new)) == {"parcels", "structures"}


def test_edit_problems_names_a_bow_tie_drawn_in_qgis(qgis, styled_gpkg, tmp_path):
    """QGIS saves a self-intersecting polygon without complaint; edit_problems names the layer, the
    feature and the reason, and reports nothing about features nobody edited."""
    path = _copy(styled_gpkg, tmp_path)
    assert edit_problems(path) == []
    x, y = read_layer(path, "parcels").set_index("parcel_id").loc["000:E-16-01"].geometry.centroid.coords[0]
    bow_tie = f"MULTIPOLYGON((({x} {y}, {x + 100} {y + 100}, {x + 100} {y}, {x} {y + 100}, {x} {y})))"
    ops = [{"layer": "parcels", "key_col": "parcel_id", "key": "000:E-16-01", "wkt": bow_tie}]
    assert qgis("edit_features.py", path, _write_ops(tmp_path / "ops.json", ops))[0]["committed"]
    problems = edit_problems(path)
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert (p.layer, p.feature) == ("parcels", "000:E-16-01")
    assert "Self-intersection" in p.reason
    assert "parcels: feature 000:E-16-01" in str(p)

"""Edit history, edits over rebuilds and edit checks, without QGIS (tests/test_qgis.py does it in QGIS).

The edits here are made over plain SQLite, as any client could (tests/gpkg_writer.py registers the
functions GDAL's spatial-index triggers call, as such a client must).
"""

import json
import re
import shutil
import sqlite3
from contextlib import closing

import geopandas as gpd
import pyogrio
import pytest
import shapely
from gpkg_writer import connect, gpkg_blob
from shapely import affinity

from layers.check import check_file
from layers.edits import (EDITABLE, apply_edits, carry_history, edit_problems, history, install_history,
                          read_edits)
from layers.gpkg import read_layer

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def client(path):
    return connect(path)


@pytest.fixture
def gpkg(built_gpkg, tmp_path):
    """A fresh copy of the built GeoPackage with the history installed."""
    src, _ = built_gpkg
    path = tmp_path / "wenzhou_plans.gpkg"
    shutil.copy(src, path)
    install_history(path)
    return path


def _edit(path, sql, *params):
    with closing(client(path)) as db:
        db.execute(sql, params)
        db.commit()


def test_install_history_sets_wal_and_triggers_once(gpkg):
    """WAL lets QGIS and the web app read while one writes; installing twice must not double triggers."""
    install_history(gpkg)
    with closing(sqlite3.connect(gpkg)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        triggers = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                             "AND name LIKE 'history_%'")]
        assert sorted(triggers) == sorted(f"history_{layer}_{action}" for layer in EDITABLE
                                          for action in ("insert", "update", "delete"))
        for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE name LIKE 'history_%' AND type = 'trigger'"):
            assert "ST_" not in sql          # plain SQLite must be able to run them
    assert "history" in dict(pyogrio.list_layers(gpkg))       # GDAL and QGIS list it
    assert check_file(gpkg) == []


def test_triggers_record_what_changed(gpkg):
    """An update records only the changed fields, old and new; geometry as hex WKB; deletes the whole
    row; inserts the whole new row; an update that changes nothing records nothing."""
    before = read_layer(gpkg, "structures").set_index("id").loc["000-phase1"]
    moved = affinity.translate(before.geometry, 250, 0)
    _edit(gpkg, "UPDATE structures SET name_en = 'Phase 1' WHERE id = '000-phase1'")
    _edit(gpkg, "UPDATE structures SET geom = ? WHERE id = '000-phase1'", gpkg_blob(moved))
    _edit(gpkg, "UPDATE structures SET name_en = name_en WHERE id = '000-phase1'")
    _edit(gpkg, "DELETE FROM parcels WHERE parcel_id = '000:E-16-01'")
    _edit(gpkg, "INSERT INTO structure_points (id, plan, structure, name_zh, kind, quality, source_ref, geom) "
                "VALUES ('000-gis-1', '000', '一心两翼', '新节点', 'node', 'sketched', 'GIS', ?)",
          gpkg_blob(shapely.Point(590000, 3090000)))
    rows = history(gpkg)
    assert list(rows["action"]) == ["update", "update", "delete", "insert"]
    assert list(rows["feature"]) == ["000-phase1", "000-phase1", "000:E-16-01", "000-gis-1"]
    assert all(TIME.match(at) for at in rows["at"])
    name_old, name_new = json.loads(rows["old_values"][0]), json.loads(rows["new_values"][0])
    assert name_old == {"name_en": before["name_en"]} and name_new == {"name_en": "Phase 1"}
    geom_old, geom_new = json.loads(rows["old_values"][1]), json.loads(rows["new_values"][1])
    assert set(geom_old) == {"geom"}
    assert shapely.from_wkb(bytes.fromhex(geom_old["geom"])).equals(before.geometry)
    assert shapely.from_wkb(bytes.fromhex(geom_new["geom"])).equals(moved)
    gone = json.loads(rows["old_values"][2])
    assert gone["code"] == "E-16-01" and shapely.from_wkb(bytes.fromhex(gone["geom"])).area > 0
    assert json.loads(rows["new_values"][3])["name_zh"] == "新节点"


def test_edits_win_over_the_rebuilt_features(built_gpkg, gpkg):
    """Edited fields and shapes replace the rebuilt ones (other fields stay the rebuild's); deleted
    features stay deleted; added ones are kept; a renamed key replaces the old feature."""
    parcel = read_layer(gpkg, "parcels").set_index("parcel_id").loc["000:E-16-03"]
    square = shapely.MultiPolygon([shapely.box(*parcel.geometry.centroid.buffer(50).bounds)])
    _edit(gpkg, "UPDATE parcels SET geom = ? WHERE parcel_id = '000:E-16-03'", gpkg_blob(square))
    _edit(gpkg, "UPDATE structures SET name_en = 'Phase One' WHERE id = '000-phase1'")
    _edit(gpkg, "DELETE FROM structure_lines WHERE id = (SELECT min(id) FROM structure_lines)")
    _edit(gpkg, "UPDATE structure_points SET id = '000-renamed' WHERE id = (SELECT min(id) FROM structure_points)")
    _edit(gpkg, "INSERT INTO structure_points (id, plan, structure, name_zh, kind, quality, source_ref, geom) "
                "VALUES ('000-gis-1', '000', '一心两翼', '新节点', 'node', 'sketched', 'GIS', ?)",
          gpkg_blob(shapely.Point(590000, 3090000)))
    edits = read_edits(gpkg)
    assert set(edits) == {"parcels", "structures", "structure_lines", "structure_points"}
    assert edits["parcels"].loc["000:E-16-03", "edit_fields"] == ("geometry",)

    src, _ = built_gpkg                  # the rebuild: the recipes' features, one of them since changed
    frames = {name: read_layer(src, name) for name in EDITABLE}
    first_line = min(frames["structure_lines"]["id"])
    first_point = min(frames["structure_points"]["id"])
    structures = frames["structures"]
    structures.loc[structures["id"] == "000-phase1", "note"] = "recipe changed"
    out, report = apply_edits(frames, edits)

    p = out["parcels"].set_index("parcel_id").loc["000:E-16-03"]
    assert p.geometry.equals(square) and p["area_m2"] == pytest.approx(square.area)
    assert p["code"] == "E-16-03"
    s = out["structures"].set_index("id").loc["000-phase1"]
    assert s["name_en"] == "Phase One" and s["note"] == "recipe changed"
    assert first_line not in set(out["structure_lines"]["id"])
    points = out["structure_points"].set_index("id")
    assert first_point not in points.index and {"000-renamed", "000-gis-1"} <= set(points.index)
    assert points.loc["000-gis-1"].geometry.equals(shapely.Point(590000, 3090000))
    assert isinstance(out["structure_points"], gpd.GeoDataFrame)
    assert out["structure_points"].crs == frames["structure_points"].crs
    assert len(out["project_sites"]) == len(frames["project_sites"])        # untouched
    assert any(line.startswith("parcels 000:E-16-03: geometry edited ") and line.endswith("— edit kept")
               for line in report), report
    assert any(line.startswith("structures 000-phase1: name_en edited ") and "(recipe 000.recipe:" in line
               for line in report), report
    assert any(line.startswith(f"structure_lines {first_line}: deleted ") for line in report), report
    assert any(line.startswith("structure_points 000-gis-1: added ") for line in report), report


def test_a_file_without_history_has_no_edits(built_gpkg):
    """The first build reads an old file that has never been edited: nothing to apply."""
    src, _ = built_gpkg
    assert read_edits(src) == {}


def test_carry_history_copies_each_row_once(gpkg, tmp_path, built_gpkg):
    """Carrying twice (a retried build) must not duplicate the history."""
    _edit(gpkg, "UPDATE structures SET name_en = 'Phase 1' WHERE id = '000-phase1'")
    new = tmp_path / "new.gpkg"
    shutil.copy(built_gpkg[0], new)
    assert carry_history(gpkg, new) == 1
    assert carry_history(gpkg, new) == 0
    assert history(new).equals(history(gpkg))


def test_edit_problems_name_the_broken_edits(gpkg):
    """Only edited features are reported, each with layer, feature and reason: a duplicate parcel
    code, a required field emptied, a point typed in degrees (wrong CRS), a reused feature key."""
    assert edit_problems(gpkg) == []
    _edit(gpkg, "UPDATE parcels SET code_norm = 'E-16-01' WHERE parcel_id = '000:E-16-03'")
    _edit(gpkg, "UPDATE structures SET name_zh = NULL WHERE id = '000-phase1'")
    _edit(gpkg, "UPDATE structure_points SET geom = ? WHERE id = (SELECT min(id) FROM structure_points)",
          gpkg_blob(shapely.Point(120.65, 28.0)))
    _edit(gpkg, "UPDATE structures SET id = '000-lingkun' WHERE id = '000-phase2'")
    problems = {(p.layer, p.feature): p.reason for p in edit_problems(gpkg)}
    point = min(read_layer(gpkg, "structure_points")["id"])
    assert problems.pop(("parcels", "000:E-16-03")) == "duplicate parcel code 000:E-16-01"
    assert problems.pop(("structures", "000-phase1")) == "required field(s) empty: name_zh"
    assert "outside EPSG:4549" in problems.pop(("structure_points", point))
    assert "used by 2 features" in problems.pop(("structures", "000-lingkun"))
    assert problems == {}

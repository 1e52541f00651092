"""Bad edits, damaged files and careless copies never take the map down or lose data.

Each test does what a hostile user or a careless editor did — an edit through a plain GeoPackage
connection (as QGIS or any SQLite client writes), a damaged file on disk, a plan folder copied and
damaged — and asserts what the user sees: the exit code, the one line that names the file, layer,
feature and field, the other edits still kept after the rebuild, the damaged file kept under its new
name, the old GeoPackage byte-identical when a build fails.
"""

import os
import re
import shutil
import sqlite3
import time
from contextlib import closing

import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from gpkg_writer import connect, gpkg_blob

from app.cli import main as cli
from layers.check import check_file
from layers.edits import history, read_edits

from conftest import PLAN_DIR

WHEN = r"\d{4}-\d\d-\d\dT\d\d:\d\dZ"       # the edit's time as the build prints it


def edit(path, sql, *params):
    with closing(connect(path)) as db:
        db.execute(sql, params)
        db.commit()


def fid_of(path, layer, column, value):
    with closing(sqlite3.connect(path)) as db:
        return db.execute(f'SELECT fid FROM "{layer}" WHERE "{column}" = ?', (value,)).fetchone()[0]


def layer(path, name):
    return pyogrio.read_dataframe(path, layer=name)


def run(*args, stream="output"):
    """``planmap ARGS`` as a user runs it: exit code and the lines printed (``output``: stdout and
    stderr as a terminal shows them; ``stderr``: the error alone)."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result.exit_code, getattr(result, stream).splitlines()


def build(path, plans=PLAN_DIR, stream="output"):
    return run("build", "--gpkg", path, "--plans", plans, stream=stream)


def check(path):
    return run("check", "--gpkg", path)


def refused(lines):
    return [line.split("edit not applied: ", 1)[1] for line in lines if "edit not applied: " in line]


def kept(lines):
    return [line.split("edit kept: ", 1)[1] for line in lines if "edit kept: " in line]


def one(pattern, lines):
    """The one line matching ``pattern`` (a regular expression for the whole line)."""
    hits = [line for line in lines if re.fullmatch(pattern, line)]
    assert len(hits) == 1, (pattern, lines)
    return hits[0]


@pytest.fixture
def gpkg(gpkg_copy):
    """A private copy of the session build: a file with the edit history installed, as users get it."""
    return gpkg_copy("wenzhou_plans.gpkg")


# ------------------------------------------------------------------------------- bad edits ----

def test_a_parcel_edited_to_no_geometry_keeps_its_recipe_shape_and_every_other_edit(gpkg):
    """QGIS lets an editor clear a parcel's shape. The build used to crash ('NoneType' object has no
    attribute 'area'); now it names the edit, keeps the recipe's shape and applies the other edits,
    including another field of the same parcel and the same parcel's later edits."""
    before = layer(gpkg, "parcels").set_index("parcel_id")
    fid = fid_of(gpkg, "parcels", "parcel_id", "000:E-16-03")
    edit(gpkg, "UPDATE parcels SET geom = NULL, placed_by = 'GIS: shape to be redrawn' WHERE parcel_id = '000:E-16-03'")
    edit(gpkg, "UPDATE structures SET name_en = 'Phase One' WHERE id = '000-phase1'")
    square = shapely.MultiPolygon([shapely.box(*before.loc["000:E-16-01"].geometry.centroid.buffer(40).bounds)])
    edit(gpkg, "UPDATE parcels SET geom = ? WHERE parcel_id = '000:E-16-01'", gpkg_blob(square))

    code, lines = check(gpkg)
    assert code == 1
    one(rf"  edited in QGIS — parcels: feature 000:E-16-03 \(fid {fid}, edited [^)]+\): no geometry \(NULL\)", lines)

    code, lines = build(gpkg)
    assert code == 0, lines
    one(rf"parcels 000:E-16-03 \(fid {fid}\): geometry edited {WHEN} — not applied: no geometry \(NULL\); "
        r"the recipe's shape is kept", refused(lines))
    assert len(refused(lines)) == 1
    assert any(line.startswith("parcels 000:E-16-03: placed_by edited ") for line in kept(lines))
    assert any(line.startswith("structures 000-phase1: name_en edited ") for line in kept(lines))

    after = layer(gpkg, "parcels").set_index("parcel_id")
    assert after.loc["000:E-16-03"].geometry.equals(before.loc["000:E-16-03"].geometry)
    assert after.loc["000:E-16-03", "placed_by"] == "GIS: shape to be redrawn"
    assert after.loc["000:E-16-01"].geometry.equals(square)
    assert layer(gpkg, "structures").set_index("id").loc["000-phase1", "name_en"] == "Phase One"
    assert check(gpkg) == (0, [f"{gpkg}: OK"])

    # the next build agrees: the refused edit stays set aside (said once), the others stay kept
    code, lines = build(gpkg)
    assert code == 0 and refused(lines) == []
    one(r"  1 history row\(s\) refused by an earlier build stay set aside \(the history table's 'build' rows say why\)",
        lines)
    again = layer(gpkg, "parcels").set_index("parcel_id")
    assert again.loc["000:E-16-03"].geometry.equals(before.loc["000:E-16-03"].geometry)
    assert again.loc["000:E-16-03", "placed_by"] == "GIS: shape to be redrawn"
    assert again.loc["000:E-16-01"].geometry.equals(square)

    # the editor draws it again: a new edit, judged afresh and kept
    redrawn = shapely.MultiPolygon([shapely.box(*before.loc["000:E-16-03"].geometry.centroid.buffer(30).bounds)])
    edit(gpkg, "UPDATE parcels SET geom = ? WHERE parcel_id = '000:E-16-03'", gpkg_blob(redrawn))
    code, lines = build(gpkg)
    assert code == 0 and refused(lines) == []
    assert any(line.startswith("parcels 000:E-16-03: geometry, placed_by edited ") for line in kept(lines))
    assert layer(gpkg, "parcels").set_index("parcel_id").loc["000:E-16-03"].geometry.equals(redrawn)


def test_a_parcel_code_emptied_or_taken_from_another_parcel_is_named_and_not_applied(gpkg):
    """A NULL code crashed the build (normalize() argument 2 must be str, not float) and check said
    'expected NAN'; a code another parcel of the plan has made two parcels with one code. Both are
    named plainly by check and refused by the build, which keeps the recipe's codes."""
    fid_empty = fid_of(gpkg, "parcels", "parcel_id", "000:E-16-01")
    fid_taken = fid_of(gpkg, "parcels", "parcel_id", "000:A-02b")
    fid_holder = fid_of(gpkg, "parcels", "parcel_id", "000:A-04b")
    edit(gpkg, "UPDATE parcels SET code = NULL WHERE parcel_id = '000:E-16-01'")
    edit(gpkg, "UPDATE parcels SET code = 'A-04b' WHERE parcel_id = '000:A-02b'")
    edit(gpkg, "UPDATE parcels SET code = 'E-16-99' WHERE parcel_id = '000:E-16-03'")     # a good one

    code, lines = check(gpkg)
    assert code == 1 and not any("NAN" in line for line in lines)
    one(rf"  edited in QGIS — parcels: feature 000:E-16-01 \(fid {fid_empty}, edited [^)]+\): code is empty \(NULL\); "
        r"a parcel needs its code \(its code_norm is E-16-01\)", lines)
    one(rf"  edited in QGIS — parcels: feature 000:A-02b \(fid {fid_taken}, edited [^)]+\): "
        r"duplicate parcel code 000:A-04b", lines)
    assert not any("edited in QGIS — parcels: feature 000:E-16-03" in line for line in lines)

    code, lines = build(gpkg)
    assert code == 0, lines
    assert len(refused(lines)) == 2
    one(rf"parcels 000:E-16-01 \(fid {fid_empty}\): code edited {WHEN} — not applied: code is empty \(NULL\); "
        r"the recipe's code is kept", refused(lines))
    one(rf"parcels 000:A-02b \(fid {fid_taken}\): code edited {WHEN} — not applied: code A-04b is already used in "
        rf"plan 000 by parcel 000:A-04b \(fid {fid_holder}\); the recipe's code is kept", refused(lines))
    parcels = layer(gpkg, "parcels").set_index("parcel_id")
    assert parcels.loc["000:E-16-01", ["code", "code_norm"]].tolist() == ["E-16-01", "E-16-01"]
    assert parcels.loc["000:A-02b", ["code", "code_norm"]].tolist() == ["A-02b", "A-02b"]
    assert parcels.loc["000:E-16-03", ["code", "code_norm"]].tolist() == ["E-16-99", "E-16-99"]
    assert check(gpkg)[0] == 0


def test_features_left_without_a_key_or_given_another_features_key_keep_their_own(gpkg):
    """An id emptied, an id renamed to one another structure has, a point added without an id, a
    site given another project's id: each is named with layer, feature and fid; the features keep
    their keys, nobody's feature is replaced, and the good edits are kept."""
    before = layer(gpkg, "structures").set_index("id")
    sites = layer(gpkg, "project_sites")
    first_site, second_site = sites["project_id"].iloc[0], sites["project_id"].iloc[1]
    fid_phase2 = fid_of(gpkg, "structures", "id", "000-phase2")
    fid_lingkun = fid_of(gpkg, "structures", "id", "000-lingkun")
    fid_site = fid_of(gpkg, "project_sites", "project_id", second_site)
    point = min(layer(gpkg, "structure_points")["id"])
    fid_point = fid_of(gpkg, "structure_points", "id", point)

    edit(gpkg, "UPDATE structures SET name_en = 'Lingkun (checked)' WHERE id = '000-lingkun'")
    edit(gpkg, "UPDATE structures SET id = '000-lingkun' WHERE id = '000-phase2'")
    edit(gpkg, "UPDATE structure_points SET id = NULL WHERE id = ?", point)
    edit(gpkg, "INSERT INTO structure_points (id, plan, structure, name_zh, kind, quality, source_ref, geom) "
               "VALUES (NULL, '000', '一心两翼', '无编号节点', 'node', 'sketched', 'GIS', ?)",
         gpkg_blob(shapely.Point(590000, 3090000)))
    edit(gpkg, "UPDATE project_sites SET project_id = ? WHERE project_id = ?", first_site, second_site)
    with closing(sqlite3.connect(gpkg)) as db:
        fid_new = db.execute("SELECT max(fid) FROM structure_points").fetchone()[0]

    code, lines = check(gpkg)
    assert code == 1
    one(rf"  edited in QGIS — structures: feature 000-lingkun \(fid {fid_phase2}, edited [^)]+\): renamed from "
        rf"000-phase2: id 000-lingkun is used by 2 features \(fid {fid_lingkun} had it first\); a build will not "
        r"apply it: it keeps id 000-phase2", lines)
    one(rf"  edited in QGIS — structure_points: feature {point} \(fid {fid_point}, edited [^)]+\): id emptied: "
        rf"id is empty \(NULL\); a build will not apply it: the feature keeps id {point}", lines)
    one(rf"  edited in QGIS — structure_points: feature without id \(fid {fid_new}, edited [^)]+\): added: id is "
        r"empty \(NULL\); a build will not apply it: it is not added — give it a unique id in QGIS; its values "
        r"stay in the history table", lines)
    one(rf"  edited in QGIS — project_sites: feature {first_site} \(fid {fid_site}, edited [^)]+\): renamed from "
        rf"{second_site}: project_id {first_site} is used by 2 features \(fid \d+ had it first\); a build will not "
        rf"apply it: it keeps project_id {second_site}", lines)

    code, lines = build(gpkg)
    assert code == 0, lines
    assert sorted(refused(lines)) == sorted([
        one(rf"structures 000-lingkun \(fid {fid_phase2}\): renamed from 000-phase2 {WHEN} — not applied: id "
            rf"000-lingkun is used by 2 features \(fid {fid_lingkun} had it first\); it keeps id 000-phase2",
            refused(lines)),
        one(rf"structure_points {point} \(fid {fid_point}\): id emptied {WHEN} — not applied: id is empty \(NULL\); "
            rf"the feature keeps id {point}", refused(lines)),
        one(rf"structure_points feature without id \(fid {fid_new}\): added {WHEN} — not applied: id is empty "
            r"\(NULL\); it is not added — give it a unique id in QGIS; its values stay in the history table",
            refused(lines)),
        one(rf"project_sites {first_site} \(fid {fid_site}\): renamed from {second_site} {WHEN} — not applied: "
            rf"project_id {first_site} is used by 2 features \(fid \d+ had it first\); it keeps project_id "
            rf"{second_site}", refused(lines)),
    ])
    assert any(line.startswith("structures 000-lingkun: name_en edited ") for line in kept(lines))
    after = layer(gpkg, "structures").set_index("id")
    assert after.index.is_unique and {"000-phase2", "000-lingkun"} <= set(after.index)
    assert after.loc["000-lingkun", "name_en"] == "Lingkun (checked)"
    assert after.loc["000-phase2"].geometry.equals(before.loc["000-phase2"].geometry)
    assert point in set(layer(gpkg, "structure_points")["id"])
    assert "无编号节点" not in set(layer(gpkg, "structure_points")["name_zh"])
    site_ids = layer(gpkg, "project_sites")["project_id"]
    assert site_ids.is_unique and {first_site, second_site} <= set(site_ids)
    assert check(gpkg)[0] == 0
    # the refusals are in the new file's history, with the editor's rows: nothing was thrown away
    rows = history(gpkg)
    assert list(rows["action"]).count("build") == 1
    assert "无编号节点" in " ".join(rows["new_values"].dropna())


def test_an_invalid_or_misplaced_shape_no_longer_stops_the_build(gpkg):
    """A bow tie and a line typed in degrees made the new file fail its check, so the build kept
    nothing. Now each is named, the recipe's shape stays, and the other edit is kept."""
    fid_bow = fid_of(gpkg, "structures", "id", "000-phase1")
    line_id = min(layer(gpkg, "structure_lines")["id"])
    fid_line = fid_of(gpkg, "structure_lines", "id", line_id)
    bow = shapely.MultiPolygon([shapely.Polygon([(590000, 3090000), (591000, 3091000), (591000, 3090000),
                                                 (590000, 3091000)])])
    edit(gpkg, "UPDATE structures SET geom = ? WHERE id = '000-phase1'", gpkg_blob(bow))
    edit(gpkg, "UPDATE structure_lines SET geom = ? WHERE id = ?",
         gpkg_blob(shapely.MultiLineString([[(120.6, 28.0), (120.7, 28.1)]])), line_id)
    edit(gpkg, "UPDATE structures SET name_en = 'Lingkun' WHERE id = '000-lingkun'")

    code, lines = build(gpkg)
    assert code == 0, lines
    one(rf"structures 000-phase1 \(fid {fid_bow}\): geometry edited {WHEN} — not applied: invalid geometry "
        r"\(Self-intersection\[590500 3090500\]\); the recipe's shape is kept", refused(lines))
    one(rf"structure_lines {line_id} \(fid {fid_line}\): geometry edited {WHEN} — not applied: lies outside "
        r"EPSG:4549's area of use \(a wrong CRS, or misplaced coordinates\); the recipe's shape is kept",
        refused(lines))
    assert layer(gpkg, "structures").set_index("id").loc["000-lingkun", "name_en"] == "Lingkun"
    assert check(gpkg)[0] == 0


def test_a_site_whose_rollup_flag_is_emptied_or_added_without_one_does_not_stop_the_build(gpkg):
    """Clearing a site's in_rollup made the build fail ('Cannot mask with non-boolean array'); a site
    added without one did the same. The emptied flag is refused (the computed one stays); the added
    site counts as its plan's list says."""
    site = layer(gpkg, "project_sites")["project_id"].iloc[0]
    fid = fid_of(gpkg, "project_sites", "project_id", site)
    edit(gpkg, "UPDATE project_sites SET in_rollup = NULL WHERE project_id = ?", site)
    edit(gpkg, "INSERT INTO project_sites (project_id, plan, list_name, name, located_by, source_line, geom) "
               "VALUES ('000:GIS-1', '000', '重大项目清单', '新项目点', 'GIS', 1, ?)",
         gpkg_blob(shapely.Point(590000, 3090000)))
    code, lines = check(gpkg)
    one(rf"  edited in QGIS — project_sites: feature {site} \(fid {fid}, edited [^)]+\): in_rollup edited: in_rollup "
        r"is empty \(NULL\); a build will not apply it: the computed value is kept", lines)
    code, lines = build(gpkg)
    assert code == 0, lines
    assert refused(lines) == [one(rf"project_sites {site} \(fid {fid}\): in_rollup edited {WHEN} — not applied: "
                                  r"in_rollup is empty \(NULL\); the computed value is kept", refused(lines))]
    sites = layer(gpkg, "project_sites").set_index("project_id")
    assert sites.loc[site, "in_rollup"] == True and sites.loc["000:GIS-1", "in_rollup"] == True   # noqa: E712


def test_a_history_row_edited_by_hand_is_named_and_ignored(gpkg):
    """The history is a table QGIS shows, so someone may type into it. A row whose values are not
    what the triggers write is named and ignored; the other edits are kept."""
    edit(gpkg, "UPDATE structures SET name_en = 'typed over' WHERE id = '000-phase1'")
    edit(gpkg, "UPDATE structures SET name_en = 'Phase Two' WHERE id = '000-phase2'")
    edit(gpkg, "UPDATE history SET new_values = 'see my notes' WHERE feature = '000-phase1'")
    rid = int(history(gpkg).set_index("feature").loc["000-phase1", "id"])
    fid = fid_of(gpkg, "structures", "id", "000-phase1")
    code, lines = build(gpkg)
    assert code == 0, lines
    assert refused(lines) == [one(rf"structures 000-phase1 \(fid {fid}\): history row {rid} {WHEN} — not applied: "
                                  r"its new_values are not what the history triggers write; the row is ignored",
                                  refused(lines))]
    assert layer(gpkg, "structures").set_index("id").loc["000-phase2", "name_en"] == "Phase Two"


def test_an_edit_the_build_cannot_apply_is_contained_to_its_feature(gpkg, monkeypatch):
    """Whatever else goes wrong applying one feature's edit, the others are applied and the one is named."""
    import layers.edits as edits_mod

    edit(gpkg, "UPDATE structures SET name_en = 'Phase One' WHERE id = '000-phase1'")
    edit(gpkg, "UPDATE structures SET name_en = 'Lingkun' WHERE id = '000-lingkun'")
    real = edits_mod._apply_one

    def fail_on_one(layer_, key, frame, gcol, k, ed, report):
        if k == "000-phase1":
            raise ValueError("a value the build did not foresee")
        return real(layer_, key, frame, gcol, k, ed, report)

    monkeypatch.setattr(edits_mod, "_apply_one", fail_on_one)
    code, lines = build(gpkg)
    assert code == 0, lines
    one(rf"structures 000-phase1 \(fid \d+\): edited {WHEN} — not applied: the build could not apply it "
        r"\(ValueError: a value the build did not foresee\); the rebuilt feature is kept", refused(lines))
    s = layer(gpkg, "structures").set_index("id")
    assert s.loc["000-lingkun", "name_en"] == "Lingkun" and s.loc["000-phase1", "name_en"] != "Phase One"


# --------------------------------------------------------------------------- damaged files ----

def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return f"truncated: {len(data) // 2} bytes, but its header says {len(data)}"


def _random(path):
    path.write_bytes(os.urandom(64 * 1024))
    return "not a GeoPackage, nor any SQLite database (it does not start with \"SQLite format 3\")"


def _empty(path):
    path.write_bytes(b"")
    return "the file is empty (0 bytes)"


def _plain_sqlite(path):
    path.unlink()
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('not a map')")
        db.commit()
    return "an SQLite database, but not a GeoPackage (no gpkg_contents / gpkg_spatial_ref_sys)"


DAMAGE = {"truncated": _truncated, "random bytes": _random, "zero bytes": _empty, "plain SQLite": _plain_sqlite}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_geopackage_is_named_by_check_and_replaced_by_build(gpkg, how):
    reason = DAMAGE[how](gpkg)
    damaged = gpkg.read_bytes()

    code, lines = check(gpkg)
    assert (code, lines) == (1, [f"{gpkg}: 1 problem(s)", f"  {gpkg}: cannot open it as a GeoPackage: {reason}"])

    code, lines = build(gpkg)
    assert code == 0, lines
    kept_as = one(rf"\[0/4\] wenzhou_plans\.gpkg is unreadable \({re.escape(reason)}\): there are no edits to keep "
                  r"from it; it will be kept beside the new file as (wenzhou_plans\.damaged-\d{8}T\d{6}Z\.gpkg)",
                  lines)
    name = re.search(r"as (\S+\.gpkg)$", kept_as)[1]
    one(rf"  the unreadable wenzhou_plans\.gpkg is kept as {re.escape(name)}", lines)
    assert (gpkg.parent / name).read_bytes() == damaged
    assert check_file(gpkg) == [] and read_edits(gpkg) == {}
    assert check(gpkg) == (0, [f"{gpkg}: OK"])


def test_a_build_that_fails_leaves_a_damaged_file_where_it_was(gpkg, tmp_path):
    _truncated(gpkg)
    before = gpkg.read_bytes()
    plans = tmp_path / "plans"
    shutil.copytree(PLAN_DIR, plans)
    next(plans.glob("001_*.txt")).unlink()
    code, lines = build(gpkg, plans)
    assert code == 1
    assert gpkg.read_bytes() == before
    assert [p.name for p in gpkg.parent.iterdir() if "damaged" in p.name] == []


def test_a_killed_builds_temporary_files_are_removed_by_the_next_build(gpkg):
    """Only this file's own temporaries (``<stem>.<8 random>.tmp.gpkg`` and their -wal/-shm/-journal),
    and only when nobody has touched them for ten minutes: a build still writing keeps its file."""
    folder = gpkg.parent
    old = time.time() - 3600
    killed = ["wenzhou_plans.k1ll3d_x.tmp.gpkg", "wenzhou_plans.k1ll3d_x.tmp.gpkg-wal",
              "wenzhou_plans.k1ll3d_x.tmp.gpkg-shm", "wenzhou_plans.q9z8y7x6.tmp.gpkg-journal"]
    running = ["wenzhou_plans.runn1ng0.tmp.gpkg", "wenzhou_plans.runn1ng0.tmp.gpkg-wal"]
    not_ours = ["wenzhou_plans.backup.tmp.gpkg", "other.k1ll3d_x.tmp.gpkg", "wenzhou_plans.k1ll3d_x.tmp.gpkg.bak",
                "wenzhou_plans.K1LL3D_X.tmp.gpkg", "wenzhou_plans.k1ll3d_xy.tmp.gpkg", "wenzhou_plans.gpkg.tmp"]
    for name in killed + running + not_ours:
        (folder / name).write_bytes(b"leftover")
    for name in killed + not_ours + running[1:]:
        os.utime(folder / name, (old, old))       # the running build's main file was written just now
    code, lines = build(gpkg)
    assert code == 0, lines
    one(r"  removed 4 temporary file\(s\) an interrupted build left behind: " + ", ".join(sorted(killed)), lines)
    left = {p.name for p in folder.iterdir()}
    assert not left & set(killed)
    assert set(running) | set(not_ours) <= left


# ------------------------------------------------------------------------- plan text files ----

def _plans(tmp_path, damage=None, plan="000"):
    plans = tmp_path / "plans"
    shutil.copytree(PLAN_DIR, plans)
    path = next(plans.glob(f"{plan}_*.txt"))
    if damage:
        path.write_bytes(damage(path.read_bytes()))
    return plans, path


def test_a_byte_that_is_not_utf8_is_named_by_line_and_column(gpkg, tmp_path):
    """A damaged copy: one byte of plan 000 overwritten. The old GeoPackage is untouched."""
    at = 181834
    plans, path = _plans(tmp_path, lambda d: d[:at] + b"\xff" + d[at + 1:])
    data = path.read_bytes()
    line = data.count(b"\n", 0, at) + 1
    column = len(data[data.rfind(b"\n", 0, at) + 1:at].decode("utf-8", "replace")) + 1
    message = (f"{path}:{line}: byte 0xFF at column {column} is not UTF-8 (invalid start byte); plan texts are "
               "UTF-8 — was the file saved as GBK/GB18030, or damaged? Save it as UTF-8")
    assert run("audit", "--plans", plans) == (1, [f"planmap: {message}"])
    before = gpkg.read_bytes()
    assert build(gpkg, plans, stream="stderr") == (1, [f"planmap: build stopped, the old GeoPackage was kept: {message}"])
    assert gpkg.read_bytes() == before


@pytest.mark.parametrize("encoding, message", [
    ("utf-16", "encoded as UTF-16 (it starts with the byte-order mark FF FE), not UTF-8; save it as UTF-8"),
    ("utf-16-le", "encoded as UTF-16 without a byte-order mark (every other byte is NUL), not UTF-8; save it as UTF-8"),
    ("utf-16-be", "encoded as UTF-16 without a byte-order mark (every other byte is NUL), not UTF-8; save it as UTF-8"),
    ("gb18030", None),
])
def test_a_plan_saved_in_another_encoding_is_named(tmp_path, encoding, message):
    plans, path = _plans(tmp_path, lambda d: d.decode("utf-8").encode(encoding), plan="003")
    code, lines = run("audit", "--plans", plans)
    assert code == 1 and len(lines) == 1
    if message:
        assert lines == [f"planmap: {path}: {message}"]
    else:       # GBK: the first Chinese character's line
        assert re.fullmatch(rf"planmap: {re.escape(str(path))}:\d+: byte 0x[0-9A-F]{{2}} at column \d+ is not "
                            r"UTF-8 .*Save it as UTF-8", lines[0])


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    plans, _ = _plans(tmp_path, lambda d: b"\xef\xbb\xbf" + d)
    code, lines = run("audit", "--plans", plans, "--plan", "000")
    assert code == 0 and lines[-1].endswith("printed total(s) agree with their rows")


def test_a_missing_or_duplicated_plan_text_is_named(gpkg, tmp_path):
    plans, path = _plans(tmp_path)
    shutil.copy(path, plans / "000_copy.txt")
    duplicated = (f"{plans}/000_*.txt: 2 files match ({path.name}, 000_copy.txt); plan 000 needs exactly one — "
                  f"move the others out of {plans}")
    assert run("audit", "--plans", plans) == (1, [f"planmap: {duplicated}"])
    before = gpkg.read_bytes()
    assert build(gpkg, plans, stream="stderr") == (1, [f"planmap: build stopped, the old GeoPackage was kept: {duplicated}"])
    path.unlink()
    (plans / "000_copy.txt").unlink()
    missing = (f"{plans}/000_*.txt: missing: no text of plan 000 (温州瓯江口产业集聚区发展“十四五”规划) in {plans}; "
               "it needs one file named 000_<hash>.txt")
    assert run("audit", "--plans", plans) == (1, [f"planmap: {missing}"])
    assert build(gpkg, plans, stream="stderr") == (1, [f"planmap: build stopped, the old GeoPackage was kept: {missing}"])
    assert gpkg.read_bytes() == before

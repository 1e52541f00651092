"""`planmap build` over a GeoPackage that GIS staff edited: the edits win and everything that follows
from them (rollups, join keys, reconciliation) follows, and an edit saved mid-build is never lost."""

import shutil
import subprocess

import pyogrio
import pytest

import layers.build as build_mod
from layers.build import build
from layers.check import check_file
from layers.errors import StoreError

from conftest import PLAN_DIR


def sql(path, statement):
    """Run SQL through GDAL (as QGIS's OGR provider writes), so the GeoPackage's own triggers run."""
    if not shutil.which("ogrinfo"):
        pytest.fail("ogrinfo (Debian gdal-bin) is not installed; scripts/setup.sh installs it")
    subprocess.run(["ogrinfo", "-q", str(path), "-sql", statement], check=True, capture_output=True)


@pytest.fixture()
def edited(built_gpkg, tmp_path):
    path = tmp_path / "wenzhou_plans.gpkg"
    shutil.copy(built_gpkg[0], path)
    return path


def quiet(_):
    pass


def test_a_deleted_project_site_leaves_its_parcel_and_the_totals_still_reconcile(edited):
    sites = pyogrio.read_dataframe(edited, layer="project_sites")
    pid = sites[sites["located_on"] == "E-16-03"]["project_id"].iloc[0]
    sql(edited, f"DELETE FROM project_sites WHERE project_id = '{pid}'")
    build(out=edited, plan_dir=PLAN_DIR, progress=quiet)
    parcels = pyogrio.read_dataframe(edited, layer="parcels").set_index("parcel_id")
    assert parcels.loc["000:E-16-03", "n_projects"] == 0
    assert parcels.loc["000:E-16-03", "total_investment_yi"] == 0
    unl = pyogrio.read_dataframe(edited, layer="unlocated_projects")
    assert unl[unl["project_id"] == pid]["reason"].iloc[0] == "site deleted by an editor in QGIS"
    roll = pyogrio.read_dataframe(edited, layer="plan_rollup").set_index("plan").loc["000"]
    assert roll["n_located"] + roll["n_unlocated"] == roll["n_projects"]
    assert roll["located_total_investment_yi"] + roll["unlocated_total_investment_yi"] == pytest.approx(2370.36)


def test_a_corrected_parcel_code_moves_its_join_key(edited):
    sql(edited, "UPDATE parcels SET code = 'E-16-99' WHERE parcel_id = '000:E-16-03'")
    assert any("code_norm E-16-03 does not match code" in p for p in check_file(edited))
    build(out=edited, plan_dir=PLAN_DIR, progress=quiet)
    p = pyogrio.read_dataframe(edited, layer="parcels").set_index("parcel_id").loc["000:E-16-03"]
    assert (p["code"], p["code_norm"], p["block"]) == ("E-16-99", "E-16-99", "E-16")
    assert check_file(edited) == []


def test_an_edit_saved_during_the_build_stops_the_swap(edited, monkeypatch):
    before = edited.read_bytes()
    real = build_mod.map_frames

    def edit_meanwhile(*args, **kwargs):
        sql(edited, "UPDATE structures SET name_en = 'saved mid-build' WHERE id = '000-phase1'")
        return real(*args, **kwargs)

    monkeypatch.setattr(build_mod, "map_frames", edit_meanwhile)
    with pytest.raises(StoreError, match="edited while the build ran"):
        build(out=edited, plan_dir=PLAN_DIR, progress=quiet)
    monkeypatch.undo()
    # the mid-build edit is in the old file, which was not replaced, and the next build keeps it
    assert edited.read_bytes() != before
    build(out=edited, plan_dir=PLAN_DIR, progress=quiet)
    s = pyogrio.read_dataframe(edited, layer="structures").set_index("id")
    assert s.loc["000-phase1", "name_en"] == "saved mid-build"


def test_structures_count_only_their_own_plans_projects(built_gpkg):
    s = pyogrio.read_dataframe(built_gpkg[0], layer="structures")
    sites = pyogrio.read_dataframe(built_gpkg[0], layer="project_sites")
    sites = sites[sites["in_rollup"].astype(bool)]
    per_plan = sites.groupby("plan")["total_investment_yi"].sum()
    for row in s.itertuples():
        assert row.total_investment_yi <= per_plan.get(row.plan, 0) + 1e-6, row.id


def test_sites_placed_at_a_place_or_district_point_are_schematic(built_gpkg):
    sites = pyogrio.read_dataframe(built_gpkg[0], layer="project_sites")
    coarse = sites[sites["located_by"].isin(["place", "district"])]
    assert len(coarse) and set(coarse["quality"]) == {"schematic"}

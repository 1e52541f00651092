"""The built GeoPackage, read back through GDAL as QGIS and the web app read it."""

import shutil
import sqlite3
import subprocess

import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from app.cli import main as cli
from layers.build import build
from layers.check import check_file
from layers.errors import CheckFailed, PlanParseError
from layers.schema import LAYERS, SPATIAL
from layers.gpkg import column_titles, list_layers

from conftest import PLAN_DIR


def test_every_layer_is_there_and_spatial_ones_are_epsg4549(built_gpkg):
    path, _ = built_gpkg
    layers = list_layers(path)
    assert set(LAYERS) <= set(layers)
    for name in SPATIAL:
        info = pyogrio.read_info(path, layer=name)
        assert info["crs"] == "EPSG:4549", name
        assert info["features"] > 0, name


def test_ogrinfo_lists_every_layer_with_epsg4549(built_gpkg):
    path, _ = built_gpkg
    if not shutil.which("ogrinfo"):
        pytest.fail("ogrinfo (Debian gdal-bin) is not installed; scripts/setup.sh installs it")
    out = subprocess.run(["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True).stdout
    for name in LAYERS:
        assert f"Layer name: {name}" in out
    # every spatial layer's SRS block names EPSG 4549 (CGCS2000 / 3-degree GK CM 120E)
    blocks = out.split("Layer name: ")[1:]
    for block in blocks:
        name = block.split("\n", 1)[0].strip()
        if name in SPATIAL:
            assert 'ID["EPSG",4549]' in block, name


def test_built_file_passes_check_and_has_chinese_titles(built_gpkg):
    path, summary = built_gpkg
    assert check_file(path) == []
    titles = column_titles(path, "projects")
    assert titles["total_investment_yi"].startswith("总投资")
    assert titles["parcel_codes"].startswith("地块编号")
    with sqlite3.connect(path) as db:
        ident = dict(db.execute("SELECT table_name, identifier FROM gpkg_contents"))
    assert ident["districts"].startswith("行政区")


def test_tables_carry_plan_and_source_line_that_point_at_the_text(built_gpkg):
    path, _ = built_gpkg
    texts = {p.name[:3]: p.read_text(encoding="utf-8").split("\n") for p in PLAN_DIR.glob("*.txt")}
    for table, name_col in [("projects", "name"), ("targets", "indicator"), ("travel_targets", None),
                            ("quotas", None)]:
        df = pyogrio.read_dataframe(path, layer=table)
        assert len(df) > 0
        assert set(df["plan"]) <= set(texts)
        for row in df.itertuples():
            line = texts[row.plan][row.source_line - 1]
            assert line.strip(), f"{table} row points at an empty line: plan {row.plan} L{row.source_line}"
            if name_col:
                head = str(getattr(row, name_col)).split("：")[-1][:4]
                assert head in line.replace(" ", "") or head in line, (table, row.plan, row.source_line)


def test_spatial_indexes_exist(built_gpkg):
    path, _ = built_gpkg
    with sqlite3.connect(path) as db:
        rtrees = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rtree_%' AND type='table'")}
    for name in SPATIAL:
        assert f"rtree_{name}_geom" in rtrees


def test_damaged_plan_row_stops_build_and_keeps_old_file(built_gpkg, tmp_path):
    path, _ = built_gpkg
    old = tmp_path / "old.gpkg"
    shutil.copy(path, old)
    before = old.read_bytes()
    plans = tmp_path / "plans"
    shutil.copytree(PLAN_DIR, plans)
    victim = next(plans.glob("000_*.txt"))
    lines = victim.read_text(encoding="utf-8").split("\n")
    n = next(i for i, l in enumerate(lines) if l.startswith("1\t温州港瓯江港区灵昆作业区"))
    cells = lines[n].split("\t")
    cells[5] = "7.3亿x"                       # the 总投资 cell
    lines[n] = "\t".join(cells)
    victim.write_text("\n".join(lines), encoding="utf-8")

    with pytest.raises(PlanParseError) as err:
        build(out=old, plan_dir=plans, progress=lambda m: None)
    assert err.value.line == n + 1
    assert victim.name in str(err.value)
    assert old.read_bytes() == before
    assert not list(tmp_path.glob("old.*.tmp.gpkg*")), "temporary file left behind"

    result = CliRunner().invoke(cli, ["build", "--gpkg", str(old), "--plans", str(plans)])
    assert result.exit_code == 1
    assert f"{victim.name}:{n + 1}" in result.output
    assert old.read_bytes() == before


def _copy_with_layer(src, dst, name, gdf):
    shutil.copy(src, dst)
    pyogrio.write_dataframe(gdf, dst, layer=name, driver="GPKG", append=False)


def test_check_reports_invalid_geometry_with_layer_and_feature(built_gpkg, tmp_path):
    path, _ = built_gpkg
    towns = pyogrio.read_dataframe(path, layer="districts")
    bowtie = shapely.Polygon([(560000, 3090000), (561000, 3091000), (561000, 3090000), (560000, 3091000)])
    towns.loc[0, "geometry"] = shapely.MultiPolygon([bowtie])
    broken = tmp_path / "broken.gpkg"
    _copy_with_layer(path, broken, "districts", towns)
    problems = check_file(broken)
    assert any("districts" in p and "invalid geometry" in p and towns.loc[0, "name_zh"] in p for p in problems)
    result = CliRunner().invoke(cli, ["check", "--gpkg", str(broken)])
    assert result.exit_code == 1
    assert "Self-intersection" in result.output


def test_check_reports_wrong_crs_and_missing_columns(built_gpkg, tmp_path):
    path, _ = built_gpkg
    towns = pyogrio.read_dataframe(path, layer="towns").to_crs(3857).drop(columns=["quality"])
    broken = tmp_path / "wrongcrs.gpkg"
    _copy_with_layer(path, broken, "towns", towns)
    problems = check_file(broken)
    assert any(p.startswith("towns: CRS is EPSG:3857, expected EPSG:4549") for p in problems)
    assert any(p.startswith("towns: required column(s) missing: quality") for p in problems)


def test_check_reports_features_outside_the_crs_area(built_gpkg, tmp_path):
    path, _ = built_gpkg
    towns = pyogrio.read_dataframe(path, layer="towns")
    # lon/lat numbers written as if they were metres: a classic wrong-CRS import
    towns.loc[0, "geometry"] = shapely.Point(120.7, 28.0)
    broken = tmp_path / "outside.gpkg"
    _copy_with_layer(path, broken, "towns", towns)
    problems = check_file(broken)
    assert any("towns: feature" in p and "outside EPSG:4549's area of use" in p for p in problems)


def test_check_on_a_missing_or_foreign_file(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--gpkg", str(tmp_path / "nope.gpkg")])
    assert result.exit_code == 4 and "does not exist" in result.output
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a geopackage")
    problems = check_file(junk)
    assert problems and "cannot open" in problems[0]


def test_a_new_file_that_fails_its_checks_does_not_replace_the_old_one(built_gpkg, tmp_path):
    """Base data with a town far outside EPSG:4549's zone: the build's own check refuses the file."""
    from layers.settings import resolve

    path, _ = built_gpkg
    old = tmp_path / "keep.gpkg"
    shutil.copy(path, old)
    before = old.read_bytes()
    base = tmp_path / "base"
    shutil.copytree(resolve().path("PLANMAP_BASE_DIR"), base)
    with open(base / "towns.csv", "a", encoding="utf-8") as f:
        f.write("北京,Beijing,city,110000,116.40,39.90,WGS-84,test row\n")
    with pytest.raises(CheckFailed) as err:
        build(out=old, plan_dir=PLAN_DIR, base_dir=base, progress=lambda m: None)
    assert any("towns" in p and "北京" in p and "outside" in p for p in err.value.problems)
    assert old.read_bytes() == before
    assert not list(tmp_path.glob("keep.*.tmp.gpkg*"))


def test_the_built_file_passes_gdals_own_validator_and_check_runs_it(built_gpkg, tmp_path):
    """GDAL's validate_gpkg.py (Debian python3-gdal), run as `planmap check` runs it: the build's
    file meets the GeoPackage standard; a file that registers the schema extension for one of its two
    tables (requirement 141) is reported with the requirement's number."""
    import sqlite3

    from layers.check import validator, validator_problems

    if validator() is None:
        pytest.skip("GDAL's validate_gpkg.py is not installed (apt-get install python3-gdal; CI has it)")
    assert validator_problems(built_gpkg[0]) == []
    broken = tmp_path / "broken.gpkg"
    shutil.copy(built_gpkg[0], broken)
    with sqlite3.connect(broken) as db:
        db.execute("DELETE FROM gpkg_extensions WHERE table_name = 'gpkg_data_column_constraints'")
    result = CliRunner().invoke(cli, ["check", "--gpkg", str(broken)])
    assert result.exit_code == 1 and "GDAL's validator): Req 141" in result.output

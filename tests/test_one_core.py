"""One core behind every door: the web, the CLI and the build give the same answer.

The same ring from ``/api/rings``, ``planmap access`` and the build's travel-time check (on the
replayed OSM network of 洞头岛, with the GeoPackage's land); an edit saved by a writer that keeps the
file open, as QGIS does, seen at once by the API, the print button and ``planmap sheet``.
"""

import math
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from gpkg_writer import connect

from app import create_app
from app.cli import main as cli
from layers import access as A
from layers.crs import lonlat_to_plan, plan_to_lonlat
from layers.settings import resolve

LON, LAT = 121.1555, 27.8255           # on 洞头岛's roads, inside the recorded OSM box


@pytest.fixture
def nets(dongao_networks, tmp_path):
    """A private copy of the replayed network cache, with nothing compiled yet."""
    out = tmp_path / "networks"
    shutil.copytree(dongao_networks, out, ignore=shutil.ignore_patterns("*.npz"))
    return out


def _web_rings(gpkg, nets, query):
    app = create_app({"PLANMAP_GPKG": str(gpkg), "PLANMAP_NETWORKS_DIR": str(nets), "TESTING": True})
    r = app.test_client().get("/api/rings?" + query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_the_same_ring_through_the_web_the_cli_and_the_build(gpkg_copy, nets, tmp_path):
    gpkg = gpkg_copy()
    web = _web_rings(gpkg, nets, f"lon={LON}&lat={LAT}&minutes=15,30,60")
    compiled = list(nets.glob("dongao.drive.today.*.npz"))
    assert len(compiled) == 1, "the web compiles the network once and keeps it beside the GraphML"
    web_rings = {f["properties"]["minutes"]: shapely.geometry.shape(f["geometry"]) for f in web["rings"]["features"]}

    out = tmp_path / "cli.geojson"
    res = CliRunner().invoke(cli, ["access", "--lonlat", f"{LON},{LAT}", "--minutes", "15,30,60", "--cache-dir",
                                   str(nets), "--gpkg", str(gpkg), "--geojson", str(out)])
    assert res.exit_code == 0, res.output
    assert "compiling" not in res.output, "the CLI must use the network the web compiled, not compile its own"
    cli_rings = {row.minutes: row.geometry for row in gpd.read_file(out).itertuples()}
    assert set(cli_rings) == set(web_rings) == {15.0, 30.0, 60.0}
    for m, g in web_rings.items():
        printed = float(next(line.split("\t")[1].split()[0] for line in res.output.splitlines()
                             if line.startswith(f"{m:g} min\t")))
        assert printed == pytest.approx(web["rings"]["areas_km2"][str(float(m))], abs=5e-4)
        assert g.equals_exact(cli_rings[m], 0), f"{m}-minute rings differ"
    # the web clips to the GeoPackage's land, and so does the CLI: the sea is out of both
    land = shapely.union_all(gpd.read_file(gpkg, layer="land").to_crs(4326).geometry.values)
    assert web_rings[60.0].difference(land).area <= 0.01 * web_rings[60.0].area

    # the build's travel-time check: times to points on the island agree with the rings
    dests = _points_on_land(nets, gpkg, 4)
    places = tmp_path / "places.csv"
    rows = [("测试起点", LON, LAT)] + [(f"测试点{i}", lon, lat) for i, (lon, lat) in enumerate(dests)]
    pd.DataFrame(rows, columns=["name", "lon", "lat"]).assign(note="").to_csv(places, index=False)
    targets = pd.DataFrame([{"plan": "002", "source_line": 1, "origin": "测试起点",
                             "destinations": ";".join(r[0] for r in rows[1:]), "minutes": 60, "mode": "驾车",
                             "text": "test"}])
    from layers.build import base_frames, travel_results

    said = []
    engine = A.RingEngine(resolve({"PLANMAP_GPKG": gpkg, "PLANMAP_NETWORKS_DIR": nets, "PLANMAP_NETWORK": "dongao"}),
                          land=base_frames()["land"], progress=said.append)   # what `planmap build` passes
    table = travel_results(targets, engine, progress=said.append, places=places)
    assert not any("compiling" in s for s in said), "the build must reuse the compiled network: same land, same key"
    assert table.iloc[0]["status"] in ("met", "missed")
    minutes = [float(p.split()[-2]) for p in table.iloc[0]["note"].split("; ")]
    for (lon, lat), m in zip(dests, minutes):
        pt = shapely.Point(lon, lat)
        above = math.ceil(m + 0.5)
        ring = _web_rings(gpkg, nets, f"lon={LON}&lat={LAT}&minutes={above}")
        assert shapely.geometry.shape(ring["rings"]["features"][0]["geometry"]).buffer(1e-4).contains(pt), \
            f"{m} min by the build, yet outside the {above}-minute ring of the web"
        below = math.floor(m - 0.5)
        if below >= 1:
            ring = _web_rings(gpkg, nets, f"lon={LON}&lat={LAT}&minutes={below}")
            g = shapely.geometry.shape(ring["rings"]["features"][0]["geometry"])
            assert not g.buffer(-1e-4).contains(pt), f"{m} min by the build, yet inside the {below}-minute ring"


def test_planmap_build_times_travel_targets_only_on_the_network_it_is_given(gpkg_copy, nets):
    gpkg = gpkg_copy()
    _web_rings(gpkg, nets, f"lon={LON}&lat={LAT}&minutes=15")        # the web compiles the network first
    env = {"PLANMAP_NETWORKS_DIR": str(nets)}
    res = CliRunner().invoke(cli, ["build", "--gpkg", str(gpkg)], env=env)
    assert res.exit_code == 0, res.output
    table = gpd.read_file(gpkg, layer="travel_target_results")
    assert not table["network"].fillna("").str.len().any(), "a cached network was used without being asked for"
    res = CliRunner().invoke(cli, ["build", "--gpkg", str(gpkg), "--network", "dongao"], env=env)
    assert res.exit_code == 0, res.output
    assert "on network dongao" in res.output
    assert "compiling" not in res.output, "the build must use the network the web compiled (same land, same key)"
    table = gpd.read_file(gpkg, layer="travel_target_results")
    assert table["network"].str.startswith("dongao").all()


def _points_on_land(nets, gpkg, n):
    """``n`` lon/lat points on the network's roads and on land, spread over the island."""
    ag = A.RingEngine(resolve({"PLANMAP_GPKG": gpkg, "PLANMAP_NETWORKS_DIR": nets,
                               "PLANMAP_NETWORK": "dongao"})).network("drive")
    pts = ag.xy[ag.access]
    ok = shapely.intersects_xy(ag.land, pts[:, 0], pts[:, 1])
    pts = pts[ok]
    o = lonlat_to_plan(LON, LAT)
    far = pts[((pts - o) ** 2).sum(axis=1).argsort()]
    picks = far[[int(i * (len(far) - 1) / (n - 1)) for i in range(n)]]
    return [plan_to_lonlat(x, y) for x, y in picks[1:]] if n > 1 else []


# -- an edit through a connection that stays open ------------------------------------------------------

def _pdf_text(pdf_bytes, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(pdf_bytes)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_an_edit_kept_open_by_its_writer_shows_in_the_api_the_print_button_and_planmap_sheet(gpkg_copy, tmp_path):
    gpkg = gpkg_copy()
    app = create_app({"PLANMAP_GPKG": str(gpkg), "TESTING": True})
    client = app.test_client()
    before = client.get("/api/structures/002-yangwen").get_json()
    assert before["properties"]["name_zh"] == "杨文工业区"
    b = shapely.geometry.shape(before["geometry"]).bounds
    bbox = f"{b[0] - 0.01},{b[1] - 0.01},{b[2] + 0.01},{b[3] + 0.01}"
    assert "杨文工业区" in _pdf_text(client.get(f"/sheet?bbox={bbox}&plan=002").data, tmp_path, "a.pdf")

    # a writer like QGIS: WAL mode, no checkpoint, the connection stays open while the others read
    db = connect(gpkg, keep_wal=True)
    try:
        db.execute("UPDATE structures SET name_zh = '杨文新区' WHERE id = '002-yangwen'")
        db.commit()
        assert (gpkg.parent / (gpkg.name + "-wal")).stat().st_size > 0

        assert client.get("/api/structures/002-yangwen").get_json()["properties"]["name_zh"] == "杨文新区"
        text = _pdf_text(client.get(f"/sheet?bbox={bbox}&plan=002").data, tmp_path, "b.pdf")
        assert "杨文新区" in text and "杨文工业区" not in text
        out = tmp_path / "cli.pdf"
        res = CliRunner().invoke(cli, ["sheet", "--gpkg", str(gpkg), "--structure", "002-yangwen", "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert "杨文新区" in _pdf_text(out.read_bytes(), tmp_path, "c.pdf")
    finally:
        db.close()

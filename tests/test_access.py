"""Travel-time rings and the plans' time targets: checked against hand calculation, networkx and the plan texts.

Generated grids have known speeds, so rings and times can be worked out by hand; the real OSM fixture
(served by the loopback replay through osmnx's own download code) checks the same properties on a
real, irregular, one-way-bearing network. No mocks: scipy, osmnx, rasterio and networkx run for real.
"""

import math
import re
import sys
from pathlib import Path

import geopandas as gpd
import copy

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from layers import access as A
from layers import network as N
from layers.crs import PLAN_CRS, lonlat_to_plan, plan_to_lonlat
from layers.plans import ingest, plan_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from osm_replay import FIXTURE_BBOX, REPLAY_BODY, replayed_osmnx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PLAN_DIR = ROOT / "geodata" / "plans"


@pytest.fixture(scope="module")
def fixture_graph():
    if not REPLAY_BODY.is_file():
        pytest.skip(f"OSM replay fixture not found at {REPLAY_BODY} (../shared is placed beside the clone in CI)")
    with replayed_osmnx(REPLAY_BODY):
        return N.download(FIXTURE_BBOX, "drive", margin_m=0, name="dongao")


@pytest.fixture(scope="module")
def fixture_ag(fixture_graph):
    return A.compile_network(fixture_graph)


@pytest.fixture(scope="module")
def targets():
    return ingest(PLAN_DIR).travel_targets


def _node_xy(G, n):
    return G.nodes[n]["x"], G.nodes[n]["y"]


def _diamond(cx, cy, r):
    return shapely.Polygon([(cx + r, cy), (cx, cy + r), (cx - r, cy), (cx, cy - r)])


# ---------------------------------------------------------------------------------------------------
# rings on a grid, by hand

def test_grid_ring_is_the_hand_computed_diamond():
    """On a uniform grid the 15-minute ring is the L1 diamond |dx|+|dy| ≤ R, R = v·t, bounded by hand.

    Grid 50 m apart at 20 km/h (v = 5.56 m/s), walking w = 1.25 m/s: R = 5000 m.
    Upper bound: a cell centre c reached via node q takes |q|₁/v + |c−q|₂/w ≥ |c|₁/v because
    √2·w < v, so every reached centre is inside the diamond and its 25 m cell pokes out by at most
    25 m of L1. Lower bound: any point is within 35.4 m (L2; 50 m of L1) of a node, a 28.3 s walk
    worth 157 m of driving, and its cell centre is within 25 m (L1) of it, so diamond(R − 50 − 157 −
    25) is inside. Area therefore in [2·4768², 2·5025²] = [45.5, 50.5] km²; a disc of radius R
    (78.5 km²) or a diamond of the wrong speed would fail.
    """
    G = N.synthetic_grid(201, 201, 50.0, 20.0)
    ag = A.compile_network(G, cell_m=25.0)
    cx, cy = _node_xy(G, 100 * 201 + 100)
    r = A.rings(ag, (cx, cy), [15])
    ring = r.polygons[15.0]
    R = 20 / 3.6 * 900
    assert ring.is_valid and ring.within(_diamond(cx, cy, R + 25.0 + 1e-6))
    assert _diamond(cx, cy, R - 232.0).within(ring)
    assert 2 * (R - 232) ** 2 / 1e6 <= r.areas_km2[15.0] <= 2 * (R + 25) ** 2 / 1e6
    # the polygon is exactly the cells at or under 15 minutes
    assert r.areas_km2[15.0] == pytest.approx((r.surface <= 900).sum() * 25.0 ** 2 / 1e6, rel=1e-9)


def test_surface_equals_a_brute_force_over_all_nodes():
    """The k-nearest-node surface against an exhaustive one: networkx from a virtual source, then every cell
    against *every* node (plus the direct walk). Ours may only be slower (k nearest only), and must match
    on nearly all cells.
    """
    G = N.synthetic_grid(41, 41, 100.0, 20.0)
    ag = A.compile_network(G, cell_m=50.0, k=6)
    origin = np.array(_node_xy(G, 20 * 41 + 20)) + [30.0, 20.0]
    r = A.rings(ag, origin, [5])
    walk = N.WALK_SPEED_KMH / 3.6
    H = nx.DiGraph(G)
    xy = np.array([_node_xy(G, n) for n in G.nodes])
    ids = list(G.nodes)
    d0 = np.hypot(*(xy - origin).T)
    for n, d in zip(ids, d0):
        if d <= 1000:
            H.add_edge("src", n, travel_time=d / walk)
    T = nx.single_source_dijkstra_path_length(H, "src", weight="travel_time")
    t_nodes = np.array([T.get(n, np.inf) for n in ids])
    rows, cols = r.surface.shape
    cxs = r.transform.c + (np.arange(cols) + 0.5) * r.transform.a
    cys = r.transform.f + (np.arange(rows) + 0.5) * r.transform.e
    gx, gy = np.meshgrid(cxs, cys)
    cells = np.column_stack([gx.ravel(), gy.ravel()])
    dist = np.hypot(cells[:, None, 0] - xy[None, :, 0], cells[:, None, 1] - xy[None, :, 1])
    brute = np.where(dist <= 1000, t_nodes[None, :] + dist / walk, np.inf).min(axis=1)
    brute = np.minimum(brute, np.hypot(*(cells - origin).T) / walk).reshape(rows, cols)
    ours = r.surface
    inside = brute <= 300
    assert inside.sum() > 1000
    assert np.all(ours[inside] >= brute[inside] - 1e-2)
    same = np.isclose(ours[inside], brute[inside], rtol=1e-5, atol=1e-2)
    assert same.mean() > 0.99


def test_network_times_equal_networkx_on_a_random_oneway_grid():
    """50 random origins: scipy's times equal networkx's Dijkstra on a grid with random speeds, some
    one-way streets, and long edges densified (the split must not change any time)."""
    rng = np.random.default_rng(7)
    G = N.synthetic_grid(30, 30, 250.0, 30.0)
    for u, v, k, d in list(G.edges(keys=True, data=True)):
        d["travel_time"] = float(rng.uniform(10, 60))
    drop = [e for e in G.edges(keys=True) if rng.random() < 0.15]
    G.remove_edges_from(drop)
    ag = A.compile_network(G, cell_m=50.0)          # densify_m = 100 < 250: every edge is split
    assert ag.info["nodes_densified"] > ag.info["nodes"]
    for src in rng.choice(list(G.nodes), 50, replace=False):
        ref = nx.single_source_dijkstra_path_length(G, int(src), weight="travel_time", cutoff=1200)
        got = A.network_times_from_nodes(ag, [int(src)], limit_s=1200)
        assert set(got) == set(ref)
        assert max(abs(got[n] - ref[n]) for n in ref) < 1e-6


def test_network_times_equal_networkx_on_the_osm_fixture(fixture_graph, fixture_ag):
    """The same on the real OSM network (one-way streets, parallel edges, curved geometry densified)."""
    rng = np.random.default_rng(3)
    nodes = list(fixture_graph.nodes)
    for src in rng.choice(len(nodes), 50):
        ref = nx.single_source_dijkstra_path_length(fixture_graph, nodes[src], weight="travel_time")
        got = A.network_times_from_nodes(fixture_ag, [nodes[src]])
        assert set(got) == set(ref)
        assert max(abs(got[n] - ref[n]) for n in ref) < 1e-6


def test_point_to_point_times_are_the_network_times_on_a_grid():
    """``travel_seconds`` between two nodes is the networkx time (driving always beats walking here)."""
    G = N.synthetic_grid(31, 31, 100.0, 30.0, arterial_every=5, arterial_kmh=60.0)
    ag = A.compile_network(G)
    rng = np.random.default_rng(11)
    for a, b in rng.choice(len(G), (10, 2)):
        ref = nx.shortest_path_length(G, int(a), int(b), weight="travel_time")
        got = A.travel_seconds(ag, _node_xy(G, int(a)), [_node_xy(G, int(b))])[0]
        assert got == pytest.approx(ref, abs=0.01)


# ---------------------------------------------------------------------------------------------------
# rings on the real network

def test_fixture_rings_nested_valid_projected(fixture_ag, tmp_path):
    import rasterio

    origin = lonlat_to_plan(121.1570, 27.8250)
    r = A.rings(fixture_ag, origin, [2, 5, 10])
    polys = [r.polygons[m] for m in (2.0, 5.0, 10.0)]
    assert all(p.is_valid and not p.is_empty and p.geom_type in ("Polygon", "MultiPolygon") for p in polys)
    assert polys[0].area < polys[1].area < polys[2].area
    for small, big in zip(polys, polys[1:]):
        assert small.difference(big).area < 1e-6              # nested, vertex for vertex
    assert polys[0].contains(shapely.Point(origin).buffer(20))
    gdf = r.to_geodataframe()
    assert str(gdf.crs) == PLAN_CRS and list(gdf["minutes"]) == [10.0, 5.0, 2.0]
    tif = r.to_geotiff(tmp_path / "t.tif")
    with rasterio.open(tif) as src:
        band = src.read(1)
        assert src.crs.to_epsg() == 4549 and np.nanmax(band) <= 10.0 + 1e-4 and np.nanmin(band) >= 0.0
    gj = gpd.read_file(r.to_geojson(tmp_path / "r.geojson"))
    assert gj.crs.to_epsg() == 4326 and len(gj) == 3


def test_parcel_boundary_as_sources(fixture_ag):
    """A parcel's boundary vertices are the sources and its inside is 0 minutes: the 2-minute ring
    covers the parcel and is larger than the ring from its centre point alone."""
    c = shapely.Point(lonlat_to_plan(121.1570, 27.8250))
    parcel = c.buffer(150, quad_segs=4)
    r = A.rings(fixture_ag, parcel, [2])
    r0 = A.rings(fixture_ag, c, [2])
    assert r.polygons[2.0].buffer(1).contains(parcel.buffer(-30))
    assert r.areas_km2[2.0] > r0.areas_km2[2.0]


def test_planned_link_reaches_a_far_node_sooner():
    """A planned 80 km/h bridge across the grid's diagonal cuts the time to the far corner from the
    Manhattan 8 km at 20 km/h (1440 s) to the bridge's 5657 m at 80 km/h (254.6 s)."""
    G = N.synthetic_grid(41, 41, 100.0, 20.0)
    a, b = _node_xy(G, 0), _node_xy(G, 40 * 41 + 40)
    links = gpd.GeoDataFrame({"name": ["规划跨江大桥"], "design_speed_kmh": [80.0]},
                             geometry=[shapely.LineString([a, b])], crs=PLAN_CRS)
    today = A.compile_network(G)
    plan = A.compile_network(N.add_planned_links(G, links))
    t_today = A.travel_seconds(today, a, [b])[0]
    t_plan = A.travel_seconds(plan, a, [b])[0]
    assert t_today == pytest.approx(8000 / (20 / 3.6), abs=0.01)
    assert t_plan == pytest.approx(math.hypot(4000, 4000) / (80 / 3.6), abs=0.01)
    assert plan.scenario == "plan" and today.scenario == "today"
    assert A.rings(plan, a, [5]).areas_km2[5.0] > A.rings(today, a, [5]).areas_km2[5.0]


# ---------------------------------------------------------------------------------------------------
# errors

def test_minutes_outside_1_to_180_are_refused(fixture_ag):
    origin = lonlat_to_plan(121.1570, 27.8250)
    for bad in ([0], [181], [-5], [15, 0], "abc", []):
        with pytest.raises(A.MinutesError, match=r"minutes"):
            A.rings(fixture_ag, origin, bad)
    assert A.check_minutes("60,15,30") == (15.0, 30.0, 60.0)
    assert A.check_minutes([1, 180]) == (1.0, 180.0)


def test_origin_outside_the_graph(fixture_ag):
    with pytest.raises(A.OutsideGraph, match="outside the graph"):
        A.rings(fixture_ag, lonlat=(120.70, 28.00))


def test_origin_off_the_network():
    """A ring road round a 3 km empty square: its centre is inside the graph but 1.5 km from any road."""
    G = N.synthetic_grid(41, 41, 100.0, 30.0)
    G.remove_nodes_from([j * 41 + i for j in range(5, 36) for i in range(5, 36)])
    ag = A.compile_network(G)
    centre = _node_xy(G, 0)[0] + 2000, _node_xy(G, 0)[1] + 2000
    assert ag.extent.contains(shapely.Point(centre))
    with pytest.raises(A.OffNetwork, match=r"off the network: the nearest road .* is 1[56]\d\d m away"):
        A.rings(ag, centre)


def test_origin_in_the_sea_and_rings_stay_on_land(fixture_ag):
    """With the project's land polygons (OSM coast), a point in the sea near the roads is refused, and a
    ring from land leaves the sea out."""
    from layers.base import load_land

    land = shapely.union_all(load_land().geometry.values)
    x0, y0, x1, y1 = fixture_ag.extent.bounds
    sea = None
    for x in np.linspace(x0, x1, 40):
        for y in np.linspace(y0, y1, 40):
            p = shapely.Point(x, y)
            if fixture_ag.extent.contains(p) and not land.intersects(p.buffer(100)) \
                    and fixture_ag.tree.query([x, y])[0] < 800:
                sea = p
                break
        if sea is not None:
            break
    assert sea is not None, "the fixture's coast should leave sea within 800 m of a road"
    on_land = A.set_land(copy.copy(fixture_ag), land)     # the same network compiled with the land
    with pytest.raises(A.InSea, match="in the sea"):
        A.rings(on_land, sea)
    A.rings(fixture_ag, sea)                      # without land it is just near a road
    origin = lonlat_to_plan(121.1570, 27.8250)
    assert land.contains(shapely.Point(origin))
    r = A.rings(on_land, origin, [10])
    r_all = A.rings(fixture_ag, origin, [10])
    assert r.polygons[10.0].difference(land).area < 0.02 * r.polygons[10.0].area
    assert r.areas_km2[10.0] < r_all.areas_km2[10.0]


def test_no_network_is_a_clear_message():
    with pytest.raises(N.NetworkMissing, match=r"network missing: .*planmap network fetch"):
        A.rings(None, (0.0, 0.0))


# ---------------------------------------------------------------------------------------------------
# summarise

def test_summarise_counts_what_lies_inside():
    """Parcels, project sites (count and 亿元) and towns inside each ring, placed by hand around the diamond."""
    G = N.synthetic_grid(101, 101, 100.0, 20.0)
    ag = A.compile_network(G)
    cx, cy = _node_xy(G, 50 * 101 + 50)
    r = A.rings(ag, (cx, cy), [5, 15])                  # R = 1667 m and 5000 m
    sq = lambda dx, dy: shapely.box(cx + dx - 50, cy + dy - 50, cx + dx + 50, cy + dy + 50)  # noqa: E731
    layers = {
        "parcels": gpd.GeoDataFrame({"code": ["A", "B", "C"]}, geometry=[sq(500, 0), sq(3000, 0), sq(4500, 4500)],
                                    crs=PLAN_CRS),
        "project_sites": gpd.GeoDataFrame({"total_investment_yi": [2.5, 1.0, 7.0]},
                                          geometry=[shapely.Point(cx, cy + 800), shapely.Point(cx - 2000, cy),
                                                    shapely.Point(cx + 4000, cy + 4000)], crs=PLAN_CRS),
        "towns": gpd.GeoDataFrame({"name_zh": ["甲镇", "乙镇"]},
                                  geometry=[shapely.Point(cx + 1000, cy + 200), shapely.Point(cx, cy - 4200)],
                                  crs=PLAN_CRS).to_crs("EPSG:4326"),    # reprojected back by summarise
    }
    s = A.summarise(r, layers).set_index("minutes")
    assert s.loc[5.0, "parcels"] == 1 and s.loc[15.0, "parcels"] == 2
    assert s.loc[5.0, "project_sites"] == 1 and s.loc[5.0, "investment_yi"] == pytest.approx(2.5)
    assert s.loc[15.0, "project_sites"] == 2 and s.loc[15.0, "investment_yi"] == pytest.approx(3.5)
    assert s.loc[5.0, "towns"] == "甲镇" and s.loc[15.0, "towns"] == "甲镇、乙镇"


# ---------------------------------------------------------------------------------------------------
# the plans' targets

def _minutes_in_text(text):
    """Every travel time written in a passage, in minutes: 'N 分钟', '半小时', 'N小时'."""
    out = {float(m) for m in re.findall(r"(\d+)\s*分钟", text)}
    out |= {30.0} if "半小时" in text else set()
    out |= {60.0 * float(h) for h in re.findall(r"(\d+)\s*小时", text)}
    return out


def test_targets_table_lists_every_statement_with_network_missing(targets):
    """One row per parsed statement, in order; without a network nothing is computed, and each row's
    stated minutes are read again from the plan text around its line."""
    t = A.evaluate_targets(targets, None)
    assert len(t) == len(targets) > 0
    assert list(t.columns[:9]) == ["plan", "source_line", "origin", "destination", "minutes_stated",
                                   "minutes_computed", "status", "network", "computed_at"]
    assert list(zip(t.plan, t.source_line)) == [(x.plan, x.source_line) for x in targets]
    assert set(t.status) == {"network missing", "not located"}
    assert t.minutes_computed.isna().all()
    places = A.load_places()
    located = set(places.dropna(subset=["lon", "lat"])["name"])
    for row, tt in zip(t.itertuples(), targets):
        names = [tt.origin, *tt.destinations.split(";")]
        assert (row.status == "network missing") == all(n in located for n in names)
        lines = plan_path(PLAN_DIR, row.plan).read_text(encoding="utf-8").splitlines()
        passage = "".join(lines[max(0, row.source_line - 3): row.source_line + 2])
        assert row.minutes_stated in _minutes_in_text(passage), (row.plan, row.source_line)
    # the 30-minute ring of plan 000 (L541) names four places that the places table locates
    r541 = t[(t.plan == "000") & (t.source_line == 541)].iloc[0]
    assert r541.status == "network missing" and r541.minutes_stated == 30.0
    assert r541.destination == "温州主城区；温州机场；乐清城区；玉环县"


def test_travel_places_cover_every_name_in_the_statements(targets):
    places = A.load_places()
    names = {t.origin for t in targets} | {d for t in targets for d in t.destinations.split(";")}
    assert names <= set(places["name"])
    located = places.dropna(subset=["lon", "lat"])
    assert (located["source"].str.len() > 10).all()            # every point says where it comes from
    assert ((located.lon > 119.5) & (located.lon < 121.5) & (located.lat > 27.0) & (located.lat < 28.5)).all()
    assert (places[places.lon.isna()]["note"].str.len() > 5).all()  # and every gap says why


def test_targets_met_and_missed_on_a_grid(targets):
    """With places put on grid nodes at known distances (36 km/h = 10 m/s), L541's slowest destination
    decides: 12 km → 20.0 min (met, ≤ 30), then 24 km → 40.0 min (missed)."""
    G = N.synthetic_grid(61, 61, 200.0, 36.0)
    ag = A.compile_network(G)

    def at(i, j):
        return plan_to_lonlat(*_node_xy(G, j * 61 + i))

    def places(far):
        pts = {"规划区": at(0, 0), "温州主城区": at(*far), "温州机场": at(10, 0), "乐清城区": at(0, 20),
               "玉环县": at(5, 5)}
        return pd.DataFrame([{"name": k, "lon": v[0], "lat": v[1], "note": ""} for k, v in pts.items()])

    t = A.evaluate_targets(targets, ag, places=places((30, 30)))
    row = t[(t.plan == "000") & (t.source_line == 541)].iloc[0]
    assert row.status == "met" and row.minutes_computed == pytest.approx(20.0, abs=0.05)
    assert "温州机场 3.3 min" in row.note and "grid" in row.network
    t = A.evaluate_targets(targets, ag, places=places((60, 60)))
    row = t[(t.plan == "000") & (t.source_line == 541)].iloc[0]
    assert row.status == "missed" and row.minutes_computed == pytest.approx(40.0, abs=0.05)
    assert (t.status == "not located").sum() == len(targets) - 1


def test_targets_off_the_fixture_network_are_not_located(targets, fixture_ag):
    """The real places (瓯江口, 温州 …) lie outside the 东岙 network: 'not located', saying why."""
    t = A.evaluate_targets(targets, fixture_ag)
    row = t[(t.plan == "000") & (t.source_line == 541)].iloc[0]
    assert row.status == "not located" and "outside the graph" in row.note
    assert len(t) == len(targets)


# ---------------------------------------------------------------------------------------------------
# command line and notebook

@pytest.fixture()
def grid_cache(tmp_path):
    G = N.synthetic_grid(41, 41, 100.0, 30.0, name="grid")
    N.save(G, tmp_path)
    return tmp_path, G


def test_cli_access_writes_geojson_and_geotiff(grid_cache, tmp_path):
    import rasterio

    from app.cli_access import access

    cache, G = grid_cache
    x, y = _node_xy(G, 20 * 41 + 20)
    gj, tif = tmp_path / "rings.geojson", tmp_path / "time.tif"
    runner = CliRunner()
    args = ["--xy", f"{x},{y}", "--minutes", "2,4", "--cache-dir", str(cache), "--geojson", str(gj),
            "--geotiff", str(tif)]
    res = runner.invoke(access, args)
    assert res.exit_code == 0, res.output
    assert "compiling" in res.output and re.search(r"^4 min\t\d+\.\d{3} km²$", res.output, re.M)
    rings = gpd.read_file(gj)
    assert rings.crs.to_epsg() == 4326 and sorted(rings["minutes"]) == [2.0, 4.0] and rings.is_valid.all()
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 4549 and np.nanmax(src.read(1)) <= 4.0001
    again = runner.invoke(access, args[:-4])
    assert again.exit_code == 0 and "compiling" not in again.output      # the compiled cache is reused
    lon, lat = plan_to_lonlat(x, y)
    res = runner.invoke(access, ["--lonlat", f"{lon},{lat}", "--minutes", "3", "--cache-dir", str(cache)])
    assert res.exit_code == 0 and "3 min" in res.output


def test_cli_access_errors_are_one_line(grid_cache, tmp_path):
    from app.cli_access import access

    cache, G = grid_cache
    x, y = _node_xy(G, 0)
    runner = CliRunner()
    # exit codes are the error classes' (layers.errors): 2 a bad request, 4 missing data
    cases = [
        (["--xy", f"{x},{y}", "--minutes", "0", "--cache-dir", str(cache)], "minutes must each be between 1 and 180", 2),
        (["--xy", f"{x},{y}", "--minutes", "181", "--cache-dir", str(cache)], "between 1 and 180", 2),
        (["--xy", f"{x},{y}", "--cache-dir", str(tmp_path / "empty")], "network missing", 4),
        (["--lonlat", "121.5,28.5", "--cache-dir", str(cache)], "outside the graph", 2),
        (["--xy", f"{x},{y}", "--scenario", "plan", "--planned-links", str(tmp_path / "none.gpkg:planned_links"),
          "--cache-dir", str(cache)], "cannot read planned links", 2),
        (["--minutes", "15", "--cache-dir", str(cache)], "exactly one of --lonlat", 2),
    ]
    for args, msg, code in cases:
        res = runner.invoke(access, args)
        assert res.exit_code == code, (args, res.output)
        assert "planmap: " in res.output and msg in res.output, res.output
    assert runner.invoke(access, ["--help"]).exit_code == 0


def test_notebook_runs_and_shows_network_missing(tmp_path, monkeypatch, targets):
    nbformat = pytest.importorskip("nbformat", reason="pip install nbformat nbclient ipykernel (the test extra)")
    nbclient = pytest.importorskip("nbclient", reason="pip install nbformat nbclient ipykernel (the test extra)")
    monkeypatch.setenv("PLANMAP_NETWORKS_DIR", str(tmp_path))     # an empty cache: the plain table
    nb = nbformat.read(ROOT / "notebooks" / "travel_time_targets.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells for o in c.get("outputs", []))
    assert f"{len(targets)} travel-time statements" in text
    assert "network missing" in text and "000 L541" in text


# -- the ring engine: GraphML streamed, compiled once, kept on disk and in memory ------------------------

def test_the_streamed_graphml_reads_classes_lists_and_flags_as_osmnx_does(tmp_path):
    """List-valued classes (a simplified edge that joins a motorway and a trunk), planned links' flag,
    parallel edges: the streamed reader marks the same edges access-controlled as osmnx's graph."""
    import osmnx as ox

    from layers.access.graphml import arrays_from_graph, read_graphml

    G = N.synthetic_grid(6, 6, 100.0, 30.0, name="flags")
    edges = list(G.edges(keys=True))
    G.edges[edges[0]]["highway"] = ["motorway", "trunk"]
    G.edges[edges[1]]["highway"] = ["trunk", "motorway"]
    G.edges[edges[2]]["highway"] = "motorway"
    G.edges[edges[3]]["access_controlled"] = True
    u, v, _ = edges[4]
    G.add_edge(u, v, length=100.0, speed_kph=80.0, travel_time=4.5, highway="primary")    # a parallel edge
    path = tmp_path / "flags.drive.graphml"
    ox.save_graphml(G, path)
    streamed, loaded = read_graphml(path), arrays_from_graph(ox.load_graphml(path))
    assert streamed.ctl.tolist() == loaded.ctl.tolist() and streamed.ctl.sum() == 3
    assert np.array_equal(streamed.ts, loaded.ts) and np.array_equal(streamed.us, loaded.us)


def test_the_streamed_graphml_compiles_to_the_same_network_as_osmnx_reads_it(dongao_networks):
    """Real OSM edges (geometries, one-way pairs): both routes give the same compiled arrays."""
    import osmnx as ox

    from layers.access.graphml import read_graphml

    path = dongao_networks / "dongao.drive.graphml"
    streamed = A.compile_network(read_graphml(path))
    via_osmnx = A.compile_network(ox.load_graphml(path))
    assert [str(n) for n in streamed.node_ids] == [str(n) for n in via_osmnx.node_ids]
    assert np.array_equal(streamed.xy, via_osmnx.xy) and np.array_equal(streamed.access, via_osmnx.access)
    assert (streamed.csr != via_osmnx.csr).nnz == 0
    assert np.array_equal(streamed.cell_node, via_osmnx.cell_node)


def test_the_engine_compiles_once_then_loads_and_recompiles_only_what_changed(dongao_networks, built_gpkg, tmp_path):
    import os
    import shutil

    from layers.settings import resolve

    nets = tmp_path / "nets"
    shutil.copytree(dongao_networks, nets, ignore=shutil.ignore_patterns("*.npz"))
    gpkg = tmp_path / "plans.gpkg"
    shutil.copy(built_gpkg[0], gpkg)
    s = resolve({"PLANMAP_GPKG": gpkg, "PLANMAP_NETWORKS_DIR": nets, "PLANMAP_RING_NETWORKS": 1})

    def engine():
        said = []
        return A.RingEngine(s, progress=said.append), said

    e1, said = engine()
    ag = e1.network("drive")
    assert any("compiling" in m for m in said) and ag.land is not None
    assert e1.network("drive") is ag, "a second ask is answered from memory"
    e2, said = engine()                            # another process: loads the .npz, compiles nothing
    ag2 = e2.network("drive")
    assert not said and (ag2.csr != ag.csr).nnz == 0 and np.array_equal(ag2.cell_land, ag.cell_land)
    # the GraphML changes (a new fetch): compiled again
    g = nets / "dongao.drive.graphml"
    os.utime(g, ns=(g.stat().st_atime_ns, g.stat().st_mtime_ns + 10**9))
    e3, said = engine()
    e3.network("drive")
    assert any("compiling" in m for m in said)
    # the land changes in the GeoPackage (an edit): compiled again; the memory keeps one network
    from gpkg_writer import connect

    with connect(gpkg) as db:
        db.execute("DELETE FROM land WHERE fid = (SELECT max(fid) FROM land)")
    said.clear()
    e3.network("drive")
    assert any("compiling" in m for m in said) and e3.in_memory == 1

"""The planned roads, bridges and rail the plans promise: a layer GIS staff redraw, with design speeds."""

import pyogrio
import pytest

from layers.network import add_planned_links, synthetic_grid

from conftest import PLAN_DIR

TEXT = next(PLAN_DIR.glob("000_*.txt")).read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def links(built_gpkg):
    return pyogrio.read_dataframe(built_gpkg[0], layer="planned_links")


def test_each_link_cites_a_line_that_names_it(links):
    for row in links.itertuples():
        lines = [int(x[1:]) for x in row.source_ref.split(":")[1].split(",")]
        key = {"瓯磐大桥": "瓯磐", "瓯江口与龙湾蓝田接线大桥": "蓝田", "S211 省道（瓯江口段）": "S211",
               "市域铁路 S1 线二期延伸线": "S1"}[row.name_zh]
        assert any(key in TEXT[n - 1] for n in lines), row.name_zh
        assert row.quality == "sketched" and row.design_speed_kmh > 0


def test_oupan_bridge_has_the_length_the_plan_gives(links):
    row = links[links["name_zh"] == "瓯磐大桥"].iloc[0]
    assert "总长度约3公里" in TEXT[975 - 1].replace(" ", "")
    assert row.length_km == pytest.approx(3.0, rel=0.15)


def test_a_planned_link_shortens_trips_in_the_plan_scenario(links):
    """On a generated grid, a planned fast link between far corners makes the far corner nearer."""
    import geopandas as gpd
    import shapely
    from layers import access

    G = synthetic_grid(20, 20, spacing_m=200.0, speed_kmh=20.0)
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    a, b = (min(xs), min(ys)), (max(xs), max(ys))
    link = gpd.GeoDataFrame({"name": ["test bridge"], "design_speed_kmh": [80.0]},
                            geometry=[shapely.LineString([a, b])], crs="EPSG:4549")
    today = access.compile_network(G)
    plan = access.compile_network(add_planned_links(G, link))
    t_today = access.travel_seconds(today, a, [b])[0]
    t_plan = access.travel_seconds(plan, a, [b])[0]
    assert t_plan < 0.5 * t_today

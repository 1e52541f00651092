"""The GCJ-02 converter and the planning CRS."""

import json

import numpy as np
import shapely

from layers import crs
from layers.base import load_districts, load_land


def test_gcj_offset_at_wenzhou_is_the_known_one():
    # DESIGN.md: about 400 m east and 360 m south... of the true point, i.e. GCJ lies east and south
    lon, lat = 120.66682, 27.99942
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    x0, y0 = crs.lonlat_to_plan(lon, lat)
    x1, y1 = crs.lonlat_to_plan(float(glon), float(glat))
    assert 350 < x1 - x0 < 450
    assert -420 < y1 - y0 < -320


def test_round_trip_is_under_one_metre_over_the_whole_area():
    rng = np.random.default_rng(7)
    lon = rng.uniform(119.3, 121.8, 5000)
    lat = rng.uniform(27.0, 28.75, 5000)
    back_lon, back_lat = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
    x0, y0 = crs.lonlat_to_plan(lon, lat)
    x1, y1 = crs.lonlat_to_plan(back_lon, back_lat)
    err = np.hypot(np.asarray(x1) - x0, np.asarray(y1) - y0)
    assert err.max() < 1.0
    # and the inverse is not the naive "subtract the offset once", which errs by metres
    naive_lon = 2 * lon - crs.wgs84_to_gcj02(lon, lat)[0]
    assert np.abs(naive_lon - lon).max() > 0  # sanity: the offset is not zero
    one_step = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat), max_iter=1)
    xn, yn = crs.lonlat_to_plan(*one_step)
    assert np.hypot(np.asarray(xn) - x0, np.asarray(yn) - y0).max() > err.max()


def test_plan_crs_axis_order_is_easting_northing():
    x, y = crs.lonlat_to_plan(120.0, 28.0)   # on the central meridian
    assert abs(x - 500000) < 1e-3            # false easting
    assert 3_000_000 < y < 3_200_000
    lon, lat = crs.plan_to_lonlat(x, y)
    assert abs(lon - 120.0) < 1e-9 and abs(lat - 28.0) < 1e-9


def _island_parts(district):
    """Parts of a district polygon that are islands on their own (not joined to the sea blob)."""
    return [p for p in district.geoms if p.area < 5e6]


def test_converted_dongtou_islands_sit_on_osm_islands(shared_dir):
    """The converted 洞头 polygon matches OSM's islands; the raw GCJ-02 one is ~540 m off.

    高德's district outlines draw each small island with a margin of sea, so the match is measured
    by the shift between each island part and the OSM island it surrounds (centroid distance) and by
    their overlap, for converted and unconverted geometry side by side.
    """
    districts = load_districts()
    conv = districts.set_index("adcode").geometry["330305"]
    raw = shapely.transform(
        crs.geometry_wgs84_to_gcj02(districts.set_index("adcode").to_crs(4326).geometry["330305"]),
        lambda c: np.column_stack(crs.lonlat_to_plan(c[:, 0], c[:, 1])))
    land = load_land()
    osm = land[land["kind"] == "land"].geometry
    shifts_conv, shifts_raw, iou_conv, iou_raw = [], [], [], []
    for part_c in _island_parts(conv):
        hits = osm[osm.intersects(part_c)]
        if len(hits) != 1:
            continue
        island = hits.iloc[0]
        if island.area < 0.5e6 or not part_c.contains(island.representative_point()):
            continue
        part_r = min(raw.geoms, key=lambda p: p.centroid.distance(part_c.centroid))
        shifts_conv.append(part_c.centroid.distance(island.centroid))
        shifts_raw.append(part_r.centroid.distance(island.centroid))
        iou_conv.append(part_c.intersection(island).area / part_c.union(island).area)
        iou_raw.append(part_r.intersection(island).area / part_r.union(island).area)
    assert len(shifts_conv) >= 4, "expected several separate 洞头 islands to compare"
    assert np.median(shifts_conv) < 150
    assert np.median(shifts_raw) > 400
    assert np.median(iou_conv) > np.median(iou_raw) + 0.2


def test_converted_district_covers_the_real_dongtou_island(osm_fixture):
    """OSM's current 洞头岛 outline (relation 9683940, in the shared fixture) lies inside the converted
    district; the unconverted one leaves a strip of the island outside."""
    data = json.loads(osm_fixture.read_text(encoding="utf-8"))
    rel = next(e for e in data["elements"] if e["type"] == "relation" and e["id"] == 9683940)
    rings = [[(p["lon"], p["lat"]) for p in m["geometry"]] for m in rel["members"] if m.get("role") == "outer"]
    island = shapely.polygonize([shapely.LineString(r) for r in rings])
    island = max(island.geoms, key=lambda g: g.area)
    to_plan = lambda g: shapely.transform(g, lambda c: np.column_stack(crs.lonlat_to_plan(c[:, 0], c[:, 1])))
    island_m = to_plan(island)
    d = load_districts().set_index("adcode")
    conv = d.geometry["330305"]
    raw = to_plan(crs.geometry_wgs84_to_gcj02(d.to_crs(4326).geometry["330305"]))
    assert island_m.area > 20e6
    outside_conv = island_m.difference(conv).area / island_m.area
    outside_raw = island_m.difference(raw).area / island_m.area
    assert outside_conv < 0.01
    assert outside_raw > 2 * outside_conv


def test_outside_area_of_use_flags_a_wrong_crs():
    inside = shapely.Point(120.7, 28.0)
    swapped = shapely.Point(28.0, 120.7)         # lat/lon swapped
    web_mercator_like = shapely.Point(13_430_000, 3_245_000)
    flags = crs.outside_plan_crs_area(np.array([inside, swapped, web_mercator_like]))
    assert flags.tolist() == [False, True, True]

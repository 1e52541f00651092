"""The web adapter for 15-30-60 minute rings: request → origin → :func:`layers.access.rings` → JSON.

The road network is compiled once per process (and again only when its file changes): compiling turns
the graph into arrays and indexes, which is what makes one ring set take tens of milliseconds.
"""

import threading
from pathlib import Path

import shapely

from layers import access, network
from layers.crs import lonlat_to_plan

from .data import BadRequest, DataUnavailable

_compiled = {}
_lock = threading.Lock()

FETCH_HINT = "planmap network fetch --bbox 120.55,27.75,121.25,28.20 --mode drive"


class NetworkUnavailable(DataUnavailable):
    """No road network is cached: the JSON error carries the command that fetches one."""

    command = FETCH_HINT


def _network(name, mode):
    """The compiled network ``name`` (or the only cached one), compiled once per file version."""
    try:
        G = network.load(name, mode=mode)
    except network.NetworkMissing as exc:
        raise NetworkUnavailable(f"{exc} — 尚无路网 (road network missing)") from None
    path = G.graph.get("planmap_path", "")
    key = (path, mode, Path(path).stat().st_mtime_ns if path else 0)
    with _lock:
        if key not in _compiled:
            _compiled.clear()
            _compiled[key] = access.compile_network(G)
        return _compiled[key]


MAX_RINGS = 6


def _minutes(text):
    try:
        mins = tuple(int(m) for m in (text or "15,30,60").split(","))
    except ValueError:
        raise BadRequest("minutes must be whole numbers separated by commas, e.g. 15,30,60") from None
    if len(set(mins)) > MAX_RINGS:
        raise BadRequest(f"at most {MAX_RINGS} rings per request")
    try:
        return access.check_minutes(mins)
    except access.MinutesError as exc:
        raise BadRequest(str(exc)) from None


def _origin(store, args):
    if args.get("parcel"):
        parcel = store.parcel(args["parcel"], args.get("plan") or None)
        parcels = store.layer("parcels")
        geom = parcels[parcels["parcel_id"] == parcel["properties"]["parcel_id"]].geometry.iloc[0]
        return geom, f"地块 {parcel['properties']['code']}"
    if args.get("structure"):
        s = store.structure(args["structure"])
        layer = store.layer(s["layer"])
        return layer[layer["id"] == args["structure"]].geometry.iloc[0], s["properties"]["name_zh"]
    if args.get("lon") and args.get("lat"):
        try:
            lon, lat = float(args["lon"]), float(args["lat"])
        except ValueError:
            raise BadRequest("lon and lat must be numbers") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadRequest("lon/lat out of range")
        return shapely.Point(lonlat_to_plan(lon, lat)), f"{lon:.5f}, {lat:.5f}"
    raise BadRequest("give parcel (with plan), structure, or lon and lat")


def rings_for_request(store, args, config):
    minutes = _minutes(args.get("minutes"))
    mode = args.get("mode", "drive")
    if mode not in ("drive", "walk"):
        raise BadRequest("mode must be drive or walk")
    origin, label = _origin(store, args)
    ag = _network(config.get("PLANMAP_NETWORK") or None, mode)
    try:
        result = access.rings(ag, origin, minutes, land=store.layer("land"))
    except access.AccessError as exc:
        raise BadRequest(str(exc)) from None
    summary = access.summarise(result, {"parcels": store.layer("parcels"),
                                        "project_sites": store.layer("project_sites"),
                                        "towns": store.layer("towns")}).set_index("minutes")
    fc = result.to_dict()
    for f in fc["features"]:
        m = f["properties"]["minutes"]
        row = summary.loc[m]
        towns = row.get("towns", "")
        f["properties"].update(parcels=int(row.get("parcels", 0)), projects=int(row.get("project_sites", 0)),
                               investment_yi=float(row.get("investment_yi", 0.0)),
                               towns=[t for t in str(towns).split("、") if t])
    return {"origin": label, "mode": mode, "network": result.network, "rings": fc,
            "note": "路网：OpenStreetMap（© OpenStreetMap contributors, ODbL）；速度取 maxspeed 或按道路等级取设计速度。"}

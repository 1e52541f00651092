"""The web adapter for 15-30-60 minute rings: query string → origin → the core's ring engine → JSON.

The engine (:class:`layers.access.RingEngine`, one per app) compiles the network once per version of
its GraphML and of the land, keeps it on disk and in memory, and is the same engine ``planmap access``
and ``planmap build`` use, so a ring drawn here is the ring the CLI prints. At most
``PLANMAP_RING_SLOTS`` rings are computed at once (each holds a travel-time surface in memory); other
requests wait up to ``PLANMAP_RING_WAIT_S`` seconds for a slot, then get a 503.
"""

import shapely

from layers import access
from layers.crs import lonlat_to_plan
from layers.errors import BadRequest, DataUnavailable
from layers.gpkg import queries

from .api import parse_plan
from .data import core

MAX_RINGS = 6


def _minutes(text):
    try:
        mins = tuple(int(m) for m in (text or "15,30,60").split(","))
    except ValueError:
        raise BadRequest("minutes must be whole numbers separated by commas, e.g. 15,30,60") from None
    if len(set(mins)) > MAX_RINGS:
        raise BadRequest(f"at most {MAX_RINGS} rings per request")
    return access.check_minutes(mins)


def _origin(gp, args):
    if args.get("parcel"):
        return queries.origin_geometry(gp, parcel=args["parcel"], plan=parse_plan(args.get("plan")))
    if args.get("structure"):
        return queries.origin_geometry(gp, structure=args["structure"])
    if args.get("lon") and args.get("lat"):
        try:
            lon, lat = float(args["lon"]), float(args["lat"])
        except ValueError:
            raise BadRequest("lon and lat must be numbers") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadRequest("lon/lat out of range")
        return shapely.Point(lonlat_to_plan(lon, lat)), f"{lon:.5f}, {lat:.5f}"
    raise BadRequest("give parcel (with plan), structure, or lon and lat")


def rings_for_request(args):
    minutes = _minutes(args.get("minutes"))
    mode = args.get("mode", "drive")
    if mode not in ("drive", "walk"):
        raise BadRequest("mode must be drive or walk")
    scenario = args.get("scenario", "today")
    if scenario not in ("today", "plan"):
        raise BadRequest("scenario must be today or plan")
    c = core()
    origin, label = _origin(c.gpkg, args)
    if not c.ring_slots.acquire(timeout=float(c.settings["PLANMAP_RING_WAIT_S"])):
        raise DataUnavailable("正在计算其他圈层，请稍后再试 (busy computing other rings; try again shortly)")
    try:
        result = c.rings.rings(origin, minutes, mode=mode, scenario=scenario)
    finally:
        c.ring_slots.release()
    gp = c.gpkg
    summary = access.summarise(result, {"parcels": gp.layer("parcels"), "project_sites": gp.layer("project_sites"),
                                        "towns": gp.layer("towns")}).set_index("minutes")
    fc = result.to_dict()
    for f in fc["features"]:
        row = summary.loc[f["properties"]["minutes"]]
        towns = row.get("towns", "")
        f["properties"].update(parcels=int(row.get("parcels", 0)), projects=int(row.get("project_sites", 0)),
                               investment_yi=float(row.get("investment_yi", 0.0)),
                               towns=[t for t in str(towns).split("、") if t])
    return {"origin": label, "mode": mode, "scenario": scenario, "network": result.network, "rings": fc,
            "note": "路网：OpenStreetMap（© OpenStreetMap contributors, ODbL）；速度取 maxspeed 或按道路等级取设计速度。"}

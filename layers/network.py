"""Road networks for travel-time rings: fetch or import an OSM network, give every edge a speed, cache it.

A network is an osmnx ``MultiDiGraph`` projected to EPSG:4549 (metres), with ``length`` (m),
``speed_kph`` and ``travel_time`` (s) on every edge, and graph attributes ``planmap_name``,
``planmap_mode`` (``drive`` / ``walk``) and ``planmap_scenario`` (``today`` / ``plan``). It is cached as
GraphML under ``geodata/networks/`` (gitignored), one file per name and mode: ``<name>.<mode>.graphml``.

Where networks come from
------------------------
* :func:`fetch` downloads the roads in a lon/lat box plus a margin (default 2 km, so that trips that
  leave the box and come back are not cut) from the Overpass API with ``osmnx.graph_from_bbox``.
  ``retain_all=True`` keeps every connected piece: Wenzhou is an archipelago, and an island whose roads
  are not bridged to the mainland still needs its own rings.
* :func:`import_file` reads a local ``.osm`` / ``.osm.xml`` (``osmnx.graph_from_xml``, then filtered to
  the mode's road classes, since a file holds every way), a ``.graphml``, or a ``.osm.pbf`` such as a
  Geofabrik province extract, streamed with pyosmium to the road ways (in a bbox if given) and read by
  the same osmnx code.

Speeds
------
``drive``: the OSM ``maxspeed`` tag where present (a legal limit; osmnx parses ``60``, ``60 km/h``,
``CN:urban`` …). Elsewhere :data:`DRIVE_SPEEDS_KMH`, a per-class table built from China's two
design-speed standards:

* **JTG B01-2014** 《公路工程技术标准》 (highways): 高速公路 120/100/80 km/h, 一级公路 100/80/60,
  二级公路 80/60, 三级公路 40/30, 四级公路 30/20.
* **CJJ 37-2012** (2016 edition) 《城市道路工程设计规范》 (urban roads): 快速路 100/80/60, 主干路
  60/50/40, 次干路 50/40/30, 支路 40/30/20.

A design speed is the speed a road is built for, not the speed traffic keeps, so the table takes the
*middle* value of each range (the one most Wenzhou roads are built to — the 000 plan's own rows give 80
for 228 国道, 60 for 瓯江口大道, 50 for 瓯锦大道 and 昆九路, 40 for 昆南路), and the lowest value for
the roads where junctions and parking dominate (residential, service). OSM classes map to Chinese road
classes as the OSM China tagging guideline uses them: ``motorway`` = 高速公路 (100), ``trunk`` = 国道 /
城市快速路 (80; one-class highway or urban expressway, both 80 in the middle), ``primary`` = 省道 /
主干路 (60; the top of 主干路, the middle of 一级/二级 highways that provincial roads are), ``secondary``
= 县道 / 次干路 (40), ``tertiary`` = 乡道 / 支路 (30), ``unclassified`` = 四级公路 (30),
``residential`` = 支路, lowest (20); links (ramps) at about half their road. Walking pace on
pedestrian ways that a file marks drivable.

``walk``: a fixed :data:`WALK_SPEED_KMH` = 4.5 km/h (1.25 m/s), the usual free walking speed of an
adult in traffic engineering (1.2-1.3 m/s). GB 50180-2018 《城市居住区规划设计标准》 equates its 15-minute
life circle with 800-1000 m, i.e. 3.2-4 km/h *along the network with detours and crossings*; the
network here already makes the detours, so the free speed is used.

Planned links
-------------
:func:`add_planned_links` merges a layer of planned roads and bridges (LineStrings in EPSG:4549 with
``design_speed_kmh`` and ``name``, drawn by GIS staff from the plans) into a *copy* of the graph, the
``plan`` scenario, so a planner can compare today's rings with the plan's.
"""

import os
import re
from pathlib import Path

import numpy as np

from .crs import PLAN_CRS, lonlat_to_plan, plan_to_lonlat
from .errors import BadRequest, NetworkError, NetworkMissing, NotFound  # noqa: F401  (re-exported for callers)

MODES = ("drive", "walk")
SCENARIOS = ("today", "plan")

#: Free walking speed (km/h): 1.25 m/s. Also the speed of the walk from an origin to the network and
#: from the network to the ground around it (see the module docstring for the source).
WALK_SPEED_KMH = 4.5

#: km/h per OSM ``highway`` class where an edge has no ``maxspeed``; JTG B01-2014 / CJJ 37-2012 design
#: speeds, middle of each range (module docstring says why).
DRIVE_SPEEDS_KMH = {
    "motorway": 100.0,        # 高速公路 (JTG B01: 120/100/80)
    "motorway_link": 50.0,    # 互通匝道
    "trunk": 80.0,            # 国道 一级公路 (100/80/60) / 城市快速路 (CJJ 37: 100/80/60)
    "trunk_link": 40.0,
    "primary": 60.0,          # 省道 / 主干路 (CJJ 37: 60/50/40)
    "primary_link": 30.0,
    "secondary": 40.0,        # 县道 / 次干路 (CJJ 37: 50/40/30)
    "secondary_link": 25.0,
    "tertiary": 30.0,         # 乡道 / 支路 (CJJ 37: 40/30/20; JTG 三级 40/30)
    "tertiary_link": 20.0,
    "unclassified": 30.0,     # 四级公路 (JTG: 30/20)
    "residential": 20.0,      # 支路, lowest design speed
    "living_street": 10.0,
    "service": 15.0,
    "road": 20.0,
    "track": 15.0,
    "busway": 20.0,
    "pedestrian": WALK_SPEED_KMH,
    "planned": 40.0,          # a planned link without a design speed: a 次干路
}
FALLBACK_KMH = 20.0

#: Classes a pedestrian may not use (Chinese expressways are closed to pedestrians).
WALK_EXCLUDED = {"motorway", "motorway_link", "trunk_link", "construction", "proposed", "planned", "abandoned",
                 "raceway", "bus_guideway", "no", "razed", "platform"}
#: Classes that are not roads for cars (osmnx's ``drive`` filter, used on imported files).
DRIVE_EXCLUDED = {"footway", "path", "pedestrian", "steps", "cycleway", "bridleway", "corridor", "elevator",
                  "escalator", "track", "construction", "proposed", "planned", "abandoned", "raceway",
                  "bus_guideway", "no", "razed", "platform", "busway"}
#: ``service=*`` kinds that are not through roads (osmnx's ``drive`` filter drops them too).
DRIVE_EXCLUDED_SERVICE = {"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"}
#: Access-controlled classes: reached only at their junctions, never entered or left mid-way.
ACCESS_CONTROLLED = {"motorway"}

DEFAULT_MARGIN_M = 2000.0


# ---------------------------------------------------------------------------------------------------
# cache

def networks_dir(cache_dir=None):
    """The cache folder: ``cache_dir``, else the ``PLANMAP_NETWORKS_DIR`` setting."""
    if cache_dir is not None:
        return Path(cache_dir)
    from .settings import resolve

    return resolve().path("PLANMAP_NETWORKS_DIR")


def _check_mode(mode):
    if mode not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODES)}, not {mode!r}")


def _safe_name(name):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._")
    if not name:
        raise NetworkError("a network name needs at least one letter or digit")
    return name


def network_path(name, mode, cache_dir=None):
    """Where network ``name`` in ``mode`` is cached: ``<dir>/<name>.<mode>.graphml``."""
    _check_mode(mode)
    return networks_dir(cache_dir) / f"{_safe_name(name)}.{mode}.graphml"


def available(cache_dir=None):
    """Cached networks as a list of dicts ``name, mode, path, bytes`` (sorted by name, mode)."""
    d = networks_dir(cache_dir)
    out = []
    if d.is_dir():
        for p in sorted(d.glob("*.graphml")):
            m = re.fullmatch(r"(.+)\.(drive|walk)\.graphml", p.name)
            if m:
                out.append({"name": m.group(1), "mode": m.group(2), "path": p, "bytes": p.stat().st_size})
    return out


def save(G, cache_dir=None):
    """Write a prepared network to the cache (atomically); returns the path."""
    import osmnx as ox

    path = network_path(G.graph["planmap_name"], G.graph["planmap_mode"], cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    ox.save_graphml(G, tmp)
    os.replace(tmp, path)
    return path


def find(name=None, mode="drive", cache_dir=None):
    """The GraphML file of a cached network, by name (or a path to a ``.graphml``), without reading it.
    With no name, the only one of ``mode``.

    Raises :class:`NetworkMissing` (saying how to fetch one) when there is none, and
    :class:`NetworkError` when several match and none was named.
    """
    _check_mode(mode)
    if name is not None and (str(name).endswith(".graphml") or os.sep in str(name)):
        path = Path(name)
        if not path.is_file():
            raise NetworkMissing(mode, name=str(name))
    else:
        have = [n for n in available(cache_dir) if n["mode"] == mode and (name is None or n["name"] == name)]
        if not have:
            raise NetworkMissing(mode, name=name, where=networks_dir(cache_dir))
        if len(have) > 1:
            names = ", ".join(n["name"] for n in have)
            raise NetworkError(f"several {mode} networks are cached ({names}); pick one with --network NAME "
                               "(or the PLANMAP_NETWORK setting)")
        path = have[0]["path"]
    return Path(path)


def load(name=None, mode="drive", cache_dir=None):
    """A cached network read from its GraphML (see :func:`find` for ``name``), tagged with its path."""
    import osmnx as ox

    path = find(name, mode, cache_dir)
    G = ox.load_graphml(path)
    G.graph.setdefault("planmap_name", path.name.split(".")[0])
    G.graph.setdefault("planmap_mode", mode)
    G.graph.setdefault("planmap_scenario", "today")
    G.graph["planmap_path"] = str(path)
    return G


# ---------------------------------------------------------------------------------------------------
# getting a network

def expand_bbox(bbox, margin_m):
    """A lon/lat box grown by ``margin_m`` metres on every side (measured in EPSG:4549)."""
    w, s, e, n = bbox
    x0, y0 = lonlat_to_plan(w, s)
    x1, y1 = lonlat_to_plan(e, n)
    corners = [plan_to_lonlat(x, y) for x in (x0 - margin_m, x1 + margin_m) for y in (y0 - margin_m, y1 + margin_m)]
    lons, lats = zip(*corners)
    return min(lons), min(lats), max(lons), max(lats)


def download(bbox, mode="drive", margin_m=DEFAULT_MARGIN_M, overpass_url=None, name=None, progress=None):
    """Download the ``mode`` roads in ``bbox`` (W,S,E,N degrees) plus ``margin_m`` from Overpass, prepared.

    ``overpass_url`` overrides ``osmnx.settings.overpass_url`` for this call only (a mirror, or the
    tests' loopback replay).
    """
    import osmnx as ox

    _check_mode(mode)
    say = progress or (lambda m: None)
    box = expand_bbox(bbox, margin_m) if margin_m else tuple(bbox)
    saved = ox.settings.overpass_url
    if overpass_url:
        ox.settings.overpass_url = overpass_url.rstrip("/")
    try:
        say(f"downloading {mode} roads in {', '.join(f'{v:.5f}' for v in box)} from {ox.settings.overpass_url}")
        G = ox.graph_from_bbox(box, network_type=mode, simplify=True, retain_all=True)
    except Exception as exc:  # osmnx raises InsufficientResponseError, requests errors, ValueError …
        raise NetworkError(f"download failed from {ox.settings.overpass_url}: {type(exc).__name__}: {exc}") from exc
    finally:
        ox.settings.overpass_url = saved
    say(f"  {len(G)} nodes, {G.number_of_edges()} edges")
    name = name or "bbox_" + "_".join(f"{v:.3f}" for v in bbox)
    return prepare(G, mode, name, source=f"Overpass API bbox {bbox} margin {margin_m:g} m")


def fetch(bbox, mode="drive", name=None, margin_m=DEFAULT_MARGIN_M, overpass_url=None, cache_dir=None,
          progress=None):
    """:func:`download` and :func:`save`; returns the cached path."""
    G = download(bbox, mode, margin_m=margin_m, overpass_url=overpass_url, name=name, progress=progress)
    path = save(G, cache_dir)
    if progress:
        progress(f"saved {path}")
    return path


def read_file(path, mode="drive", name=None, progress=None, bbox=None):
    """A local ``.osm``/``.osm.xml``/``.xml``, ``.osm.pbf`` or ``.graphml`` file → a prepared network of ``mode``.

    A ``.osm.pbf`` (a Geofabrik extract of a province, say) is streamed with pyosmium
    (:func:`pbf_roads_as_osm_xml`): its road ways and their nodes — within ``bbox`` (W,S,E,N degrees)
    when given — become the same OSM XML an Overpass download holds, read by the same osmnx code, so
    a PBF and an ``.osm`` of the same data give the same graph.
    """
    import tempfile

    import osmnx as ox

    _check_mode(mode)
    path = Path(path)
    low = path.name.lower()
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    say = progress or (lambda m: None)
    say(f"reading {path}")
    try:
        if low.endswith(".graphml"):
            G = ox.load_graphml(path)
        elif low.endswith(".pbf"):
            with tempfile.TemporaryDirectory(prefix="planmap-pbf-") as tmp:
                xml = pbf_roads_as_osm_xml(path, Path(tmp) / "roads.osm", bbox=bbox, progress=say)
                G = ox.graph_from_xml(xml, bidirectional=(mode == "walk"), simplify=True, retain_all=True)
        elif low.endswith((".osm", ".xml", ".osm.xml")):
            G = ox.graph_from_xml(path, bidirectional=(mode == "walk"), simplify=True, retain_all=True)
        else:
            raise BadRequest(f"{path}: expected .osm.pbf, .osm, .osm.xml or .graphml")
    except (NetworkError, BadRequest):
        raise
    except Exception as exc:
        raise NetworkError(f"{path}: could not read it as a road network: {type(exc).__name__}: {exc}") from exc
    if not low.endswith(".graphml"):
        G = filter_mode(G, mode)
    say(f"  {len(G)} nodes, {G.number_of_edges()} edges")
    return prepare(G, mode, name or path.name.split(".")[0], source=f"file {path.name}")


def pbf_roads_as_osm_xml(path, out, bbox=None, progress=None):
    """The ways tagged ``highway`` of an ``.osm.pbf`` (touching ``bbox`` when given) and their nodes,
    written as OSM XML at ``out``: what osmnx reads, as an Overpass answer would hold it.

    Streamed in two passes with pyosmium (a maintained binding of libosmium): ways with their node
    locations from an in-memory location index, then the tags of just those nodes (traffic signals
    and the like, which osmnx keeps). Only road nodes stay in Python, so a province extract fits.
    """
    import osmium
    from xml.sax.saxutils import quoteattr

    say = progress or (lambda m: None)
    w, s, e, n = bbox if bbox is not None else (-180.0, -90.0, 180.0, 90.0)
    locations, ways = {}, []
    try:
        stream = (osmium.FileProcessor(str(path)).with_locations()
                  .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                  .with_filter(osmium.filter.KeyFilter("highway")))
        for way in stream:
            coords = [(nd.ref, nd.location.lon, nd.location.lat) for nd in way.nodes if nd.location.valid()]
            if not coords or not any(w <= x <= e and s <= y <= n for _, x, y in coords):
                continue
            ways.append((way.id, [c[0] for c in coords], dict(way.tags)))
            locations.update((ref, (x, y)) for ref, x, y in coords)
            if len(ways) % 100_000 == 0:
                say(f"  {len(ways)} road ways so far")
        tracker = osmium.IdTracker()
        for ref in locations:
            tracker.add_node(ref)
        node_tags = {nd.id: dict(nd.tags) for nd in
                     osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(tracker.id_filter()) if nd.tags}
    except RuntimeError as exc:            # libosmium's errors: not a PBF, truncated, …
        raise BadRequest(f"{Path(path).name}: not a readable OSM PBF file ({exc})") from exc
    if not ways:
        raise NetworkError(f"{Path(path).name}: no roads" + (f" in {bbox}" if bbox is not None else ""))
    say(f"  {len(ways)} road ways, {len(locations)} nodes" + (f" in {bbox}" if bbox is not None else ""))

    def tags(d):
        return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in d.items())

    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="planmap (pyosmium)">\n')
        for ref, (x, y) in locations.items():
            f.write(f'<node id="{ref}" lat="{y:.7f}" lon="{x:.7f}" version="1">{tags(node_tags.get(ref, {}))}</node>\n')
        for wid, refs, t in ways:
            nds = "".join(f'<nd ref="{r}"/>' for r in refs)
            f.write(f'<way id="{wid}" version="1">{nds}{tags(t)}</way>\n')
        f.write("</osm>\n")
    return out


def import_file(path, mode="drive", name=None, cache_dir=None, progress=None, bbox=None):
    """:func:`read_file` and :func:`save`; returns the cached path."""
    G = read_file(path, mode, name=name, progress=progress, bbox=bbox)
    out = save(G, cache_dir)
    if progress:
        progress(f"saved {out}")
    return out


def _first(v):
    return v[0] if isinstance(v, list) else v


def filter_mode(G, mode):
    """Drop the edges ``mode`` may not use, and nodes left without edges.

    By ``highway`` class (:data:`DRIVE_EXCLUDED` / :data:`WALK_EXCLUDED`), ``area=yes`` (squares are not
    roads), ``access=no|private``, and for ``drive`` parking aisles, driveways and the like — the
    Overpass filters osmnx sends for a download, applied here to a file that holds every way.
    """
    excluded = DRIVE_EXCLUDED if mode == "drive" else WALK_EXCLUDED
    G = G.copy()
    def bad(d):
        if d.get("highway") is None or _first(d.get("highway")) in excluded or d.get("area") == "yes":
            return True
        if _first(d.get("access")) in ("no", "private"):
            return True
        return mode == "drive" and _first(d.get("service")) in DRIVE_EXCLUDED_SERVICE

    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if bad(d)]
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    return G


def prepare(G, mode, name, source=""):
    """Project to EPSG:4549, set ``speed_kph`` and ``travel_time`` on every edge, tag the graph."""
    import osmnx as ox

    _check_mode(mode)
    if len(G) == 0:
        raise NetworkError(f"network {name!r} has no {mode} roads")
    if str(G.graph.get("crs", "")).upper() != PLAN_CRS:
        G = ox.project_graph(G, to_crs=PLAN_CRS)
    if mode == "drive":
        has_speed = all("speed_kph" in d for _, _, d in G.edges(data=True))
        if not has_speed:
            G = ox.add_edge_speeds(G, hwy_speeds=DRIVE_SPEEDS_KMH, fallback=FALLBACK_KMH)
    else:
        for _, _, d in G.edges(data=True):
            d["speed_kph"] = WALK_SPEED_KMH
    G = ox.add_edge_travel_times(G)
    G.graph["crs"] = PLAN_CRS            # a plain string, as GraphML stores it
    G.graph.update(planmap_name=_safe_name(name), planmap_mode=mode, planmap_scenario="today",
                   planmap_source=source)
    return G


def info(G):
    """A short description of a network: name, mode, scenario, sizes, extent, speed classes."""
    xs = np.array([d["x"] for _, d in G.nodes(data=True)], dtype=float)
    ys = np.array([d["y"] for _, d in G.nodes(data=True)], dtype=float)
    km = sum(float(d.get("length", 0.0)) for _, _, d in G.edges(data=True)) / 1000.0
    classes = {}
    for _, _, d in G.edges(data=True):
        h = str(_first(d.get("highway", "?")))
        classes[h] = classes.get(h, 0) + 1
    w, s = plan_to_lonlat(xs.min(), ys.min()) if len(xs) else (np.nan, np.nan)
    e, n = plan_to_lonlat(xs.max(), ys.max()) if len(xs) else (np.nan, np.nan)
    return {"name": G.graph.get("planmap_name", "?"), "mode": G.graph.get("planmap_mode", "?"),
            "scenario": G.graph.get("planmap_scenario", "today"), "nodes": len(G), "edges": G.number_of_edges(),
            "edge_km": round(km, 3), "bbox_lonlat": (w, s, e, n), "classes": dict(sorted(classes.items())),
            "source": G.graph.get("planmap_source", ""), "path": G.graph.get("planmap_path", "")}


# ---------------------------------------------------------------------------------------------------
# planned links

def add_planned_links(G, links, snap_m=150.0, scenario="plan"):
    """A copy of ``G`` with the planned roads and bridges of ``links`` added: the ``plan`` scenario.

    ``links`` is a GeoDataFrame of LineStrings (EPSG:4549; other CRSs are reprojected) with
    ``design_speed_kmh`` (the plan's 设计速度; missing → the ``planned`` class speed) and ``name``.
    Each end snaps to the nearest existing node within ``snap_m`` metres, else becomes a new node at
    the end point. Links run both ways unless a truthy ``oneway`` column says otherwise. A link with a
    design speed of 80 km/h or more is taken as access-controlled (a bridge or expressway entered only
    at its ends). In a ``walk`` network planned links are walked at walking speed.
    """
    import shapely
    from scipy.spatial import cKDTree

    if links is None or len(links) == 0:
        H = G.copy()
        H.graph["planmap_scenario"] = scenario
        return H
    if links.crs is not None and links.crs.to_string().upper() != PLAN_CRS:
        links = links.to_crs(PLAN_CRS)
    H = G.copy()
    mode = H.graph.get("planmap_mode", "drive")
    ids = list(H.nodes)
    xy = np.array([[H.nodes[n]["x"], H.nodes[n]["y"]] for n in ids], dtype=float)
    tree = cKDTree(xy) if len(ids) else None
    next_id = -1
    new_nodes = []

    def endpoint(x, y):
        nonlocal next_id
        if tree is not None:
            d, i = tree.query([x, y])
            if d <= snap_m:
                return ids[i]
        for nid, nx_, ny_ in new_nodes:  # two planned links meeting at a new point share it
            if (nx_ - x) ** 2 + (ny_ - y) ** 2 <= snap_m ** 2:
                return nid
        nid = f"plan{-next_id}"
        next_id -= 1
        lon, lat = plan_to_lonlat(x, y)
        H.add_node(nid, x=float(x), y=float(y), lon=float(lon), lat=float(lat), planned=True)
        new_nodes.append((nid, x, y))
        return nid

    for i, row in enumerate(links.itertuples(index=False)):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        parts = list(geom.geoms) if geom.geom_type == "MultiLineString" else [geom]
        speed = getattr(row, "design_speed_kmh", None)
        speed = float(speed) if speed is not None and np.isfinite(float(speed)) and float(speed) > 0 \
            else DRIVE_SPEEDS_KMH["planned"]
        controlled = speed >= 80.0
        if mode == "walk":
            speed = WALK_SPEED_KMH
        name = str(getattr(row, "name", "") or f"planned link {i + 1}")
        oneway = bool(getattr(row, "oneway", False) or False)
        for line in parts:
            coords = np.asarray(line.coords)
            u = endpoint(*coords[0][:2])
            v = endpoint(*coords[-1][:2])
            if u == v:
                continue
            ux, uy = H.nodes[u]["x"], H.nodes[u]["y"]
            vx, vy = H.nodes[v]["x"], H.nodes[v]["y"]
            # the drawn line, with its ends moved onto the snapped nodes
            pts = np.vstack([[ux, uy], coords[1:-1, :2], [vx, vy]]) if len(coords) > 2 else np.array([[ux, uy], [vx, vy]])
            g = shapely.LineString(pts)
            length = float(g.length)
            attrs = dict(length=length, speed_kph=speed, travel_time=length / (speed / 3.6), highway="planned",
                         name=name, planned=True, access_controlled=controlled, oneway=oneway)
            H.add_edge(u, v, geometry=g, **attrs)
            if not oneway:
                H.add_edge(v, u, geometry=g.reverse(), **attrs)
    H.graph["planmap_scenario"] = scenario
    return H


# ---------------------------------------------------------------------------------------------------
# generated networks (tests and the benchmark)

def synthetic_grid(nx_, ny, spacing_m=100.0, speed_kmh=30.0, origin_xy=(500000.0, 3090000.0),
                   arterial_every=0, arterial_kmh=50.0, name="grid", mode="drive"):
    """A two-way grid road network in EPSG:4549 whose travel times can be worked out by hand.

    ``nx_`` × ``ny`` nodes ``spacing_m`` apart from ``origin_xy`` (the default lies near Wenzhou);
    every edge at ``speed_kmh``, except every ``arterial_every``-th row and column (if > 0) at
    ``arterial_kmh``. Node ids are ``j * nx_ + i`` for column ``i``, row ``j``.
    """
    import networkx as nx

    G = nx.MultiDiGraph(crs=PLAN_CRS, planmap_name=name, planmap_mode=mode, planmap_scenario="today",
                        planmap_source=f"synthetic grid {nx_}x{ny} at {spacing_m:g} m")
    x0, y0 = origin_xy
    G.add_nodes_from((j * nx_ + i, {"x": x0 + i * spacing_m, "y": y0 + j * spacing_m})
                     for j in range(ny) for i in range(nx_))

    def attrs(line_index):
        art = bool(arterial_every) and line_index % arterial_every == 0
        kmh = arterial_kmh if art else speed_kmh
        return {"length": spacing_m, "speed_kph": kmh, "travel_time": spacing_m / (kmh / 3.6),
                "highway": "primary" if art else "residential"}

    edges = []
    for j in range(ny):
        row = attrs(j)                      # edges along row j
        for i in range(nx_):
            n = j * nx_ + i
            if i + 1 < nx_:
                edges += [(n, n + 1, dict(row)), (n + 1, n, dict(row))]
            if j + 1 < ny:
                col = attrs(i)              # edges along column i
                edges += [(n, n + nx_, dict(col)), (n + nx_, n, dict(col))]
    G.add_edges_from(edges)
    return G

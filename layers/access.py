"""Travel-time rings: nested 15/30/60-minute polygons from a road network, and the plans' time targets.

Method (DESIGN.md, "Accessibility")
-----------------------------------
Routing is cheap; turning the reached set into polygons is what costs. So the network is compiled
*once* into arrays (:func:`compile_network` → :class:`AccessGraph`):

* node coordinates in EPSG:4549; edges longer than ``densify_m`` get extra nodes along their geometry
  so that a road can be entered and left between junctions (not on access-controlled roads:
  ``motorway`` and planned links of 80 km/h or more, which are reached only at their ends);
* a ``scipy.sparse`` CSR matrix of edge travel seconds (the fastest of parallel edges), with one spare
  row for a *virtual source*;
* a ``cKDTree`` of the nodes a walker can step onto;
* a raster grid over the network (``cell_m`` metres) and, for every cell, its ``k`` nearest such nodes
  and the walking seconds to each. This index depends only on the network, never on an origin.

A query (:func:`rings`) then

1. snaps each source point (one point, or a parcel's / structure's boundary vertices) to its ``k``
   nearest access nodes within ``snap_m`` and wires them to the virtual source with edges of
   walking seconds — so the walk from the origin to the network is part of the shortest path, and
   several sources are handled by one search;
2. runs ``scipy.sparse.csgraph.dijkstra(csr, indices=[virtual], limit=max_seconds, min_only=True)``
   (C speed, stops at the largest ring);
3. builds the travel-time surface: cell time = min over the cell's ``k`` nearest nodes of
   ``node_time + distance / walk_speed`` (the walk from the network to the ground), and the direct
   walk from the sources, vectorised with numpy over the window the search reached;
4. polygonises each threshold with ``rasterio.features.shapes`` (4-connected, so every polygon is
   valid) into a (Multi)Polygon in EPSG:4549. Ring *m* is the set of cells with time ≤ *m* minutes,
   so 60 ⊇ 30 ⊇ 15 cell by cell: the rings are nested by construction, vertex for vertex.

``k`` nearest nodes of *all* access nodes are indexed, not the k nearest *reached* ones: a cell whose
k nearest nodes are all unreached (another island, the wrong side of a one-way pair) stays unreached
even if a farther node was reached. With ``k`` = 6 and cells of 50 m this matters only at ring edges.

Errors (all :class:`AccessError`, each one readable sentence): minutes outside 1-180, an origin outside
the graph's extent, in the sea (when a ``land`` geometry is given), or farther than ``snap_m`` from the
network.
"""

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .crs import PLAN_CRS, WEB_CRS, lonlat_to_plan, plan_to_lonlat
from .errors import PlanMapError
from .network import ACCESS_CONTROLLED, WALK_SPEED_KMH, NetworkMissing, _first

ROOT = Path(__file__).resolve().parents[1]
PLACES_CSV = ROOT / "geodata" / "recipes" / "travel_places.csv"

DEFAULT_MINUTES = (15, 30, 60)
MIN_MINUTES, MAX_MINUTES = 1, 180
SNAP_M = 1000.0
WALK_MPS = WALK_SPEED_KMH / 3.6


class AccessError(PlanMapError):
    """A travel-time ring cannot be computed as asked; the message says why."""


class MinutesError(AccessError):
    """A ring's minutes outside 1..180."""


class OutsideGraph(AccessError):
    """The origin lies outside the network's extent."""


class InSea(AccessError):
    """The origin is not on land."""


class OffNetwork(AccessError):
    """The origin is farther than the snap distance from any road of the network."""


# ---------------------------------------------------------------------------------------------------
# minutes

def check_minutes(minutes):
    """Minutes as a sorted tuple of floats, each 1..180; anything else raises :class:`MinutesError`."""
    if isinstance(minutes, str):
        try:
            minutes = [float(m) for m in minutes.split(",") if m.strip()]
        except ValueError:
            raise MinutesError(f"minutes must be numbers separated by commas (e.g. 15,30,60), not {minutes!r}")
    elif isinstance(minutes, (int, float)):
        minutes = [minutes]
    out = []
    for m in minutes:
        try:
            v = float(m)
        except (TypeError, ValueError):
            raise MinutesError(f"minutes must be numbers, not {m!r}")
        if not (MIN_MINUTES <= v <= MAX_MINUTES) or not math.isfinite(v):
            raise MinutesError(f"minutes must each be between {MIN_MINUTES} and {MAX_MINUTES}, not {m:g}"
                               if isinstance(m, (int, float)) else
                               f"minutes must each be between {MIN_MINUTES} and {MAX_MINUTES}, not {m!r}")
        out.append(v)
    if not out:
        raise MinutesError("give at least one ring, e.g. 15,30,60 minutes")
    return tuple(sorted(set(out)))


# ---------------------------------------------------------------------------------------------------
# compiled network

@dataclass
class AccessGraph:
    """A network compiled to arrays for fast rings (see the module docstring). Build with :func:`compile_network`."""

    name: str
    mode: str
    scenario: str
    node_ids: list                 # the graph's node ids; index i ↔ xy[i] for i < len(node_ids)
    xy: np.ndarray                 # (N, 2) EPSG:4549, graph nodes then densified nodes
    csr: object                    # (N+1, N+1) scipy.sparse.csr_matrix of seconds; row N = virtual source
    access: np.ndarray             # indices into xy of the nodes one may step onto
    tree: object                   # cKDTree over xy[access]
    extent: object                 # shapely Polygon: convex hull of the nodes buffered by snap_m
    walk_mps: float = WALK_MPS
    snap_m: float = SNAP_M
    k: int = 6
    cell_m: float = 50.0
    grid_x0: float = 0.0           # west edge of the raster grid
    grid_y1: float = 0.0           # north edge
    grid_shape: tuple = (0, 0)     # rows, cols
    cell_node: np.ndarray = None   # (k, rows, cols) int32: index into access (len(access) = none)
    cell_walk_s: np.ndarray = None  # (k, rows, cols) float32 walking seconds to those nodes
    info: dict = field(default_factory=dict)

    @property
    def n(self):
        return len(self.xy)

    @property
    def xs(self):
        if getattr(self, "_xs", None) is None:
            self._xs = np.ascontiguousarray(self.xy[:, 0])
            self._ys = np.ascontiguousarray(self.xy[:, 1])
        return self._xs

    @property
    def ys(self):
        self.xs
        return self._ys

    def index_of(self, node_id):
        if not hasattr(self, "_pos"):
            self._pos = {nid: i for i, nid in enumerate(self.node_ids)}
        return self._pos[node_id]


def _edge_frame(G):
    """Edges as arrays: u, v (positions), seconds, length, access-controlled flag, geometry or None."""
    pos = {n: i for i, n in enumerate(G.nodes)}
    us, vs, ts, ls, ctl, geoms = [], [], [], [], [], []
    for u, v, d in G.edges(data=True):
        us.append(pos[u])
        vs.append(pos[v])
        ts.append(float(d["travel_time"]))
        ls.append(float(d.get("length", 0.0)))
        hw = _first(d.get("highway", ""))
        ac = d.get("access_controlled", False)
        ac = ac if isinstance(ac, bool) else str(ac).lower() == "true"
        ctl.append(ac or hw in ACCESS_CONTROLLED)
        geoms.append(d.get("geometry"))
    return (np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), np.array(ts, dtype=float),
            np.array(ls, dtype=float), np.array(ctl, dtype=bool), geoms)


def _densify(xy, us, vs, ts, ls, ctl, geoms, densify_m):
    """Split edges longer than ``densify_m`` (not access-controlled ones) at evenly spaced new nodes.

    The two directions of a two-way road (same end nodes, same length) share their new nodes, so a
    walker who steps onto the road mid-way can drive off in either direction.
    """
    import shapely

    long_ = (ls > densify_m) & ~ctl
    if not long_.any():
        return xy, us, vs, ts
    keep = ~long_
    new_xy = [xy]
    nu, nv, nt = [us[keep]], [vs[keep]], [ts[keep]]
    n_next = len(xy)
    shared = {}
    for e in np.flatnonzero(long_):
        u, v, L = int(us[e]), int(vs[e]), float(ls[e])
        key = (min(u, v), max(u, v), round(L, 1))
        if key in shared:
            ids, first_u = shared[key]
            chain_ids = ids if first_u == u else ids[::-1]
        else:
            m = int(math.ceil(L / densify_m))
            g = geoms[e]
            if g is None:
                g = shapely.LineString([xy[u], xy[v]])
            frac = np.arange(1, m) / m
            pts = shapely.line_interpolate_point(g, frac * g.length)
            coords = shapely.get_coordinates(pts)
            chain_ids = np.arange(n_next, n_next + len(coords))
            n_next += len(coords)
            new_xy.append(coords)
            shared[key] = (chain_ids, u)
        chain = np.concatenate([[u], chain_ids, [v]])
        parts = len(chain) - 1
        nu.append(chain[:-1])
        nv.append(chain[1:])
        nt.append(np.full(parts, ts[e] / parts))
    return (np.vstack(new_xy), np.concatenate(nu), np.concatenate(nv), np.concatenate(nt))


def compile_network(G, densify_m=None, cell_m=50.0, k=6, snap_m=SNAP_M, walk_kmh=WALK_SPEED_KMH,
                    max_cells=4_000_000):
    """Compile a prepared network (EPSG:4549, ``travel_time`` on edges) into an :class:`AccessGraph`.

    ``densify_m`` (default ``max(2 * cell_m, 100)``) splits long edges; ``cell_m`` is the raster cell
    (enlarged if the grid would exceed ``max_cells``); ``k`` nearest nodes per cell; ``snap_m`` is how
    far an origin or a cell may be from the network.
    """
    import shapely
    from scipy import sparse
    from scipy.spatial import cKDTree

    if len(G) == 0:
        raise AccessError("the network has no nodes")
    crs = str(G.graph.get("crs", PLAN_CRS)).upper()
    if crs != PLAN_CRS:
        raise AccessError(f"the network is in {crs}; rings need it projected to {PLAN_CRS} (layers.network.prepare)")
    node_ids = list(G.nodes)
    xy = np.array([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in node_ids], dtype=float)
    us, vs, ts, ls, ctl, geoms = _edge_frame(G)
    n0 = len(xy)
    # a node is an access node if some non-access-controlled edge touches it
    touch_open = np.zeros(n0, dtype=bool)
    touch_open[us[~ctl]] = True
    touch_open[vs[~ctl]] = True
    touch_any = np.zeros(n0, dtype=bool)
    touch_any[us] = True
    touch_any[vs] = True
    touch_open |= ~touch_any                      # an isolated node can still be stood on
    densify_m = densify_m if densify_m is not None else max(2.0 * cell_m, 100.0)
    xy, us, vs, ts = _densify(xy, us, vs, ts, ls, ctl, geoms, densify_m)
    n = len(xy)
    access = np.concatenate([np.flatnonzero(touch_open), np.arange(n0, n)])

    # fastest of parallel edges; csgraph drops explicit zeros, so clamp to a millisecond
    ts = np.maximum(ts, 1e-3)
    order = np.lexsort((ts, vs, us))
    us, vs, ts = us[order], vs[order], ts[order]
    first = np.ones(len(us), dtype=bool)
    first[1:] = (us[1:] != us[:-1]) | (vs[1:] != vs[:-1])
    us, vs, ts = us[first], vs[first], ts[first]
    csr = sparse.csr_matrix((ts, (us, vs)), shape=(n + 1, n + 1))
    csr.sort_indices()

    tree = cKDTree(xy[access])
    hull = shapely.convex_hull(shapely.multipoints(xy[:n0]))
    extent = hull.buffer(snap_m)

    ag = AccessGraph(name=str(G.graph.get("planmap_name", "network")), mode=str(G.graph.get("planmap_mode", "drive")),
                     scenario=str(G.graph.get("planmap_scenario", "today")), node_ids=node_ids, xy=xy, csr=csr,
                     access=access, tree=tree, extent=extent, walk_mps=walk_kmh / 3.6, snap_m=snap_m, k=k,
                     info={"nodes": n0, "nodes_densified": n, "edges": int(csr.nnz)})
    _build_cell_index(ag, cell_m, max_cells)
    return ag


def _build_cell_index(ag, cell_m, max_cells):
    """The raster grid over the network and each cell's k nearest access nodes (origin-independent)."""
    x0, y0 = ag.xy.min(axis=0) - ag.snap_m
    x1, y1 = ag.xy.max(axis=0) + ag.snap_m
    area = (x1 - x0) * (y1 - y0)
    cell = max(float(cell_m), math.sqrt(area / max_cells))
    cols = int(math.ceil((x1 - x0) / cell))
    rows = int(math.ceil((y1 - y0) / cell))
    xs = x0 + (np.arange(cols) + 0.5) * cell
    ys = y1 - (np.arange(rows) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    k = min(ag.k, len(ag.access))
    d, i = ag.tree.query(np.column_stack([gx.ravel(), gy.ravel()]), k=k, distance_upper_bound=ag.snap_m,
                         workers=-1)
    # (k, rows, cols): each neighbour rank is one contiguous plane, so the per-query min is k fast passes
    d = np.ascontiguousarray(d.reshape(rows, cols, k).transpose(2, 0, 1))
    i = np.ascontiguousarray(i.reshape(rows, cols, k).transpose(2, 0, 1).astype(np.int32))  # len(access): none
    ag.k = k
    ag.cell_m = cell
    ag.grid_x0, ag.grid_y1 = float(x0), float(y1)
    ag.grid_shape = (rows, cols)
    ag.cell_node = i
    ag.cell_walk_s = np.where(np.isfinite(d), d / ag.walk_mps, np.inf).astype(np.float32)


def network_times_from_nodes(ag, node_ids, limit_s=np.inf):
    """Seconds from the nearest of the graph nodes ``node_ids`` to every graph node (no walking).

    The plain ``dijkstra(indices=origins, min_only=True)`` form; the tests compare it with networkx.
    Returns a dict ``{node_id: seconds}`` of the nodes reached within ``limit_s``.
    """
    from scipy.sparse.csgraph import dijkstra

    idx = np.array([ag.index_of(n) for n in node_ids], dtype=np.int64)
    dist = dijkstra(ag.csr, directed=True, indices=idx, limit=limit_s, min_only=True)
    dist = dist[: len(ag.node_ids)]
    hit = np.flatnonzero(np.isfinite(dist))
    return {ag.node_ids[i]: float(dist[i]) for i in hit}


# ---------------------------------------------------------------------------------------------------
# origins

def origin_geometry(origin=None, lonlat=None):
    """An origin as a shapely geometry in EPSG:4549.

    ``origin`` may be a shapely geometry in EPSG:4549 (Point, MultiPoint, LineString, Polygon …), an
    ``(x, y)`` pair in EPSG:4549, or a list of such pairs; ``lonlat`` a ``(lon, lat)`` pair in WGS-84.
    """
    import shapely

    if lonlat is not None:
        lon, lat = lonlat
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise AccessError(f"lon/lat {lon}, {lat} is not a position in degrees")
        return shapely.Point(*lonlat_to_plan(lon, lat))
    if origin is None:
        raise AccessError("give an origin: x,y in EPSG:4549, lon,lat, or a geometry")
    if isinstance(origin, shapely.Geometry):
        if origin.is_empty:
            raise AccessError("the origin geometry is empty")
        return origin
    arr = np.asarray(origin, dtype=float)
    if arr.shape == (2,):
        return shapely.Point(arr)
    if arr.ndim == 2 and arr.shape[1] == 2 and len(arr):
        return shapely.MultiPoint(arr)
    raise AccessError(f"cannot read an origin from {origin!r}")


def _source_points(geom, spacing):
    """The source points of an origin geometry: the point(s), or boundary vertices every ≤ ``spacing``."""
    import shapely

    if geom.geom_type in ("Point", "MultiPoint"):
        return shapely.get_coordinates(geom)
    line = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
    return shapely.get_coordinates(shapely.segmentize(line, spacing))


def _check_origin(ag, geom, pts, land, snap_m):
    import shapely

    if not shapely.intersects(ag.extent, geom):
        lon, lat = plan_to_lonlat(*pts[0])
        raise OutsideGraph(f"the origin ({lon:.5f}, {lat:.5f}) is outside the graph of network {ag.name!r} "
                           f"(more than {snap_m:g} m beyond its outermost roads); fetch a network that covers it")
    if land is not None:
        land_g = _land_geometry(land)
        if not shapely.intersects(land_g, geom):
            lon, lat = plan_to_lonlat(*pts[0])
            raise InSea(f"the origin ({lon:.5f}, {lat:.5f}) is in the sea (not on any land polygon)")
    d, _ = ag.tree.query(pts, k=1)
    if np.min(d) > snap_m:
        lon, lat = plan_to_lonlat(*pts[int(np.argmin(d))])
        raise OffNetwork(f"the origin ({lon:.5f}, {lat:.5f}) is off the network: the nearest road of "
                         f"{ag.name!r} is {np.min(d):.0f} m away (more than {snap_m:g} m)")


def _land_geometry(land):
    import shapely

    if hasattr(land, "geometry") and hasattr(land, "crs"):     # a GeoDataFrame / GeoSeries
        gs = land.geometry
        if gs.crs is not None and gs.crs.to_string().upper() != PLAN_CRS:
            gs = gs.to_crs(PLAN_CRS)
        return shapely.union_all(gs.values)
    return land


# ---------------------------------------------------------------------------------------------------
# search and surface

def _search(ag, pts, limit_s, snap_m):
    """Seconds from the sources ``pts`` (walked to their k nearest access nodes) to every node."""
    from scipy import sparse
    from scipy.sparse.csgraph import dijkstra

    k = min(ag.k, len(ag.access))
    d, i = ag.tree.query(pts, k=k, distance_upper_bound=snap_m)
    d, i = d.ravel(), i.ravel()
    ok = np.isfinite(d)
    nodes = ag.access[i[ok]]
    secs = np.maximum(d[ok] / ag.walk_mps, 1e-3)
    # one edge per node: the shortest walk to it from any source
    order = np.lexsort((secs, nodes))
    nodes, secs = nodes[order], secs[order]
    first = np.ones(len(nodes), dtype=bool)
    first[1:] = nodes[1:] != nodes[:-1]
    nodes, secs = nodes[first], secs[first]
    base = ag.csr
    nnz = base.nnz
    indptr = base.indptr.copy()
    indptr[-1] = nnz + len(nodes)           # the virtual source is the last row, empty in ``base``
    g = sparse.csr_matrix((np.concatenate([base.data, secs]), np.concatenate([base.indices, nodes]), indptr),
                          shape=base.shape)
    dist = dijkstra(g, directed=True, indices=[ag.n], limit=limit_s, min_only=True)
    return dist[: ag.n]


def _surface(ag, dist, pts, geom, limit_s, land):
    """Seconds to every cell of the window the search reached (inf where not reached); window bounds."""
    reached = np.flatnonzero(np.isfinite(dist))
    rows, cols = ag.grid_shape
    c = ag.cell_m
    walk_r = ag.walk_mps * limit_s
    ag.xs  # noqa: B018 (builds the coordinate columns once)
    if len(reached):
        xr, yr = ag.xs[reached], ag.ys[reached]     # 1-D contiguous: far faster than xy.min(axis=0)
        bx0, bx1 = xr.min() - ag.snap_m, xr.max() + ag.snap_m
        by0, by1 = yr.min() - ag.snap_m, yr.max() + ag.snap_m
    else:
        bx0, by0, bx1, by1 = np.inf, np.inf, -np.inf, -np.inf
    px0, py0 = pts.min(axis=0) - walk_r
    px1, py1 = pts.max(axis=0) + walk_r
    bx0, by0, bx1, by1 = min(bx0, px0), min(by0, py0), max(bx1, px1), max(by1, py1)
    c0 = max(0, int(math.floor((bx0 - ag.grid_x0) / c)))
    c1 = min(cols, int(math.ceil((bx1 - ag.grid_x0) / c)))
    r0 = max(0, int(math.floor((ag.grid_y1 - by1) / c)))
    r1 = min(rows, int(math.ceil((ag.grid_y1 - by0) / c)))
    # node time per access node, with a sentinel (inf) for "no node within reach"
    t_access = np.append(dist[ag.access], np.inf).astype(np.float32)
    surf = t_access[ag.cell_node[0, r0:r1, c0:c1]] + ag.cell_walk_s[0, r0:r1, c0:c1]
    for j in range(1, ag.k):
        np.minimum(surf, t_access[ag.cell_node[j, r0:r1, c0:c1]] + ag.cell_walk_s[j, r0:r1, c0:c1], out=surf)
    # the direct walk from the sources (the origin's own neighbourhood)
    xs = ag.grid_x0 + (np.arange(c0, c1) + 0.5) * c
    ys = ag.grid_y1 - (np.arange(r0, r1) + 0.5) * c
    if len(pts) == 1:
        walk = np.hypot(xs[None, :] - pts[0, 0], ys[:, None] - pts[0, 1]) / ag.walk_mps
    else:
        from scipy.spatial import cKDTree

        gx, gy = np.meshgrid(xs, ys)
        dd, _ = cKDTree(pts).query(np.column_stack([gx.ravel(), gy.ravel()]), k=1, distance_upper_bound=walk_r)
        walk = (dd / ag.walk_mps).reshape(gx.shape)
    np.minimum(surf, walk.astype(np.float32), out=surf)
    transform = _transform(ag, r0, c0)
    if geom.geom_type in ("Polygon", "MultiPolygon") and surf.size:
        from rasterio.features import rasterize

        inside = rasterize([geom], out_shape=surf.shape, transform=transform, fill=0, default_value=1,
                           dtype="uint8").astype(bool)
        surf[inside] = 0.0
    if land is not None and surf.size:
        from rasterio.features import rasterize

        on_land = rasterize([_land_geometry(land)], out_shape=surf.shape, transform=transform, fill=0,
                            default_value=1, dtype="uint8").astype(bool)
        surf[~on_land] = np.inf
    surf[surf > limit_s] = np.inf                 # beyond the largest ring: not reached
    return surf, transform


def _transform(ag, r0, c0):
    from affine import Affine

    return Affine(ag.cell_m, 0.0, ag.grid_x0 + c0 * ag.cell_m, 0.0, -ag.cell_m, ag.grid_y1 - r0 * ag.cell_m)


def _polygons(surf, transform, seconds):
    """Cells with time ≤ ``seconds`` as one valid (Multi)Polygon in EPSG:4549 (empty Polygon if none)."""
    import shapely
    from affine import Affine
    from rasterio.features import shapes

    mask = surf <= seconds
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return shapely.Polygon()
    cols = np.flatnonzero(mask.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    mask = mask[r0:r1, c0:c1]                     # polygonise only the ring's own bounding window
    t = transform
    window = Affine(t.a, t.b, t.c + c0 * t.a + r0 * t.b, t.d, t.e, t.f + c0 * t.d + r0 * t.e)
    polys = [shapely.geometry.shape(g) for g, _ in
             shapes(mask.view(np.uint8), mask=mask, connectivity=4, transform=window)]
    geom = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    if not geom.is_valid:
        from .geom import make_valid_polygonal

        geom = make_valid_polygonal(geom)
    return geom


@dataclass
class Rings:
    """The result of :func:`rings`: one polygon per minutes threshold, nested, EPSG:4549.

    ``polygons[m]`` is a shapely (Multi)Polygon, ``areas_km2[m]`` its area; ``surface`` the travel
    time in seconds per raster cell (inf = not reached within the largest ring) with its affine
    ``transform``; ``origin`` the origin geometry.
    """

    minutes: tuple
    polygons: dict
    areas_km2: dict
    mode: str
    scenario: str
    network: str
    origin: object
    surface: np.ndarray
    transform: object
    cell_m: float
    crs: str = PLAN_CRS
    timings_ms: dict = field(default_factory=dict)

    def to_geodataframe(self, crs=PLAN_CRS):
        """One row per ring (largest first, so a map draws the small ones on top)."""
        import geopandas as gpd

        rows = [{"minutes": m, "area_km2": self.areas_km2[m], "mode": self.mode, "scenario": self.scenario,
                 "network": self.network, "geometry": self.polygons[m]} for m in sorted(self.minutes, reverse=True)]
        gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=PLAN_CRS)
        return gdf if crs == PLAN_CRS else gdf.to_crs(crs)

    def to_geojson(self, path):
        """Write the rings as GeoJSON in WGS-84 (RFC 7946); returns the path."""
        path = Path(path)
        self.to_geodataframe(WEB_CRS).to_file(path, driver="GeoJSON")
        return path

    def surface_minutes(self):
        """The surface in minutes, float32, NaN where not reached."""
        s = (self.surface / 60.0).astype(np.float32)
        s[~np.isfinite(s)] = np.nan
        return s

    def to_geotiff(self, path):
        """Write the travel-time surface (minutes, float32, NaN = not reached) as a GeoTIFF in EPSG:4549."""
        import rasterio

        path = Path(path)
        data = self.surface_minutes()
        with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                           dtype="float32", crs=PLAN_CRS, transform=self.transform, nodata=np.nan,
                           compress="deflate") as dst:
            dst.write(data, 1)
            dst.update_tags(units="minutes", mode=self.mode, scenario=self.scenario, network=self.network)
        return path

    def to_dict(self):
        """A JSON-ready summary for the web app: rings as GeoJSON features in WGS-84, with areas."""
        import json

        gdf = self.to_geodataframe(WEB_CRS)
        return {"type": "FeatureCollection", "features": json.loads(gdf.to_json())["features"],
                "mode": self.mode, "scenario": self.scenario, "network": self.network,
                "minutes": list(self.minutes), "areas_km2": {str(m): a for m, a in self.areas_km2.items()}}


def rings(ag, origin=None, minutes=DEFAULT_MINUTES, *, lonlat=None, land=None, snap_m=None):
    """Nested travel-time rings from ``origin`` on the compiled network ``ag``.

    ``origin``: a shapely geometry or ``(x, y)`` in EPSG:4549 (a parcel's or structure's polygon
    uses its boundary vertices as sources, and its inside counts as 0 minutes); or ``lonlat=(lon,
    lat)``. ``minutes``: any thresholds in 1..180. ``land``: optional land polygons (a shapely
    geometry or GeoDataFrame): an origin not on land raises :class:`InSea` and the sea is left out
    of the rings. ``ag`` may also be ``None`` → :class:`~layers.network.NetworkMissing`.
    """
    import time

    mins = check_minutes(minutes)
    if ag is None:
        raise NetworkMissing("drive")
    t0 = time.perf_counter()
    snap_m = ag.snap_m if snap_m is None else snap_m
    geom = origin_geometry(origin, lonlat)
    pts = _source_points(geom, ag.cell_m)
    _check_origin(ag, geom, pts, land, snap_m)
    limit = max(mins) * 60.0
    t1 = time.perf_counter()
    dist = _search(ag, pts, limit, snap_m)
    t2 = time.perf_counter()
    surf, transform = _surface(ag, dist, pts, geom, limit, land)
    t3 = time.perf_counter()
    polys = {m: _polygons(surf, transform, m * 60.0) for m in mins}
    t4 = time.perf_counter()
    return Rings(minutes=mins, polygons=polys, areas_km2={m: polys[m].area / 1e6 for m in mins}, mode=ag.mode,
                 scenario=ag.scenario, network=ag.name, origin=geom, surface=surf, transform=transform,
                 cell_m=ag.cell_m, timings_ms={"check": 1e3 * (t1 - t0), "search": 1e3 * (t2 - t1),
                                               "surface": 1e3 * (t3 - t2), "polygons": 1e3 * (t4 - t3)})


def travel_seconds(ag, origin, destinations, limit_s=MAX_MINUTES * 60.0, snap_m=None):
    """Seconds from ``origin`` (as in :func:`rings`) to each destination point (EPSG:4549 x, y).

    Walk to the network, drive (or walk) it, walk from the destination's best of its k nearest
    nodes; ``inf`` where not reached within ``limit_s``. A destination farther than ``snap_m`` from
    the network raises :class:`OffNetwork`.
    """
    snap_m = ag.snap_m if snap_m is None else snap_m
    geom = origin_geometry(origin)
    pts = _source_points(geom, ag.cell_m)
    _check_origin(ag, geom, pts, None, snap_m)
    dist = _search(ag, pts, limit_s, snap_m)
    dest = np.atleast_2d(np.asarray(destinations, dtype=float))
    d, i = ag.tree.query(dest, k=min(ag.k, len(ag.access)), distance_upper_bound=snap_m)
    d, i = np.atleast_2d(d), np.atleast_2d(i)
    t_access = np.append(dist[ag.access], np.inf)
    out = (t_access[i] + d / ag.walk_mps).min(axis=1)
    direct = np.hypot(dest[:, 0, None] - pts[None, :, 0], dest[:, 1, None] - pts[None, :, 1]).min(axis=1) / ag.walk_mps
    out = np.minimum(out, direct)
    for j, row in enumerate(d):
        if not np.isfinite(row).any():
            lon, lat = plan_to_lonlat(*dest[j])
            raise OffNetwork(f"the destination ({lon:.5f}, {lat:.5f}) is off the network {ag.name!r} "
                             f"(no road within {snap_m:g} m)")
    return np.where(out <= limit_s, out, np.inf)


# ---------------------------------------------------------------------------------------------------
# what lies inside

def summarise(rings_, layers):
    """What lies inside each ring, from the GeoDataFrames in ``layers`` (a dict; any may be absent).

    * ``parcels``: count of parcels whose representative point is inside;
    * ``project_sites`` (or ``projects`` with geometry): count, and the sum of ``total_investment_yi``;
    * ``towns``: the names (``name_zh``, else ``name``) of the towns inside.

    Returns a DataFrame, one row per ring (smallest first): ``minutes``, ``area_km2``, ``parcels``,
    ``project_sites``, ``investment_yi``, ``towns``.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    def prepared(name):
        gdf = layers.get(name) if layers else None
        if gdf is None or len(gdf) == 0 or not isinstance(gdf, gpd.GeoDataFrame):
            return None
        if gdf.crs is not None and gdf.crs.to_string().upper() != PLAN_CRS:
            gdf = gdf.to_crs(PLAN_CRS)
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        return gdf, shapely.point_on_surface(gdf.geometry.values)

    parcels = prepared("parcels")
    sites = prepared("project_sites") or prepared("projects")
    towns = prepared("towns")
    rows = []
    for m in rings_.minutes:
        poly = rings_.polygons[m]
        shapely.prepare(poly)
        row = {"minutes": m, "area_km2": rings_.areas_km2[m]}
        if parcels is not None:
            row["parcels"] = int(shapely.contains(poly, parcels[1]).sum())
        if sites is not None:
            hit = shapely.contains(poly, sites[1])
            row["project_sites"] = int(hit.sum())
            if "total_investment_yi" in sites[0]:
                row["investment_yi"] = float(pd.to_numeric(sites[0]["total_investment_yi"], errors="coerce")[hit].sum())
        if towns is not None:
            hit = shapely.contains(poly, towns[1])
            col = "name_zh" if "name_zh" in towns[0] else ("name" if "name" in towns[0] else None)
            row["towns"] = "、".join(str(v) for v in towns[0][col][hit]) if col else int(hit.sum())
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# the plans' travel-time targets

TARGET_COLUMNS = ["plan", "source_line", "origin", "destination", "minutes_stated", "minutes_computed", "status",
                  "network", "computed_at", "note"]


def load_places(path=PLACES_CSV):
    """``travel_places.csv``: the names used in the plans' statements → WGS-84 points (blank = not located)."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce")
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    return df


def _targets_frame(targets):
    import pandas as pd
    from dataclasses import asdict, is_dataclass

    if isinstance(targets, pd.DataFrame):
        return targets.reset_index(drop=True)
    return pd.DataFrame([asdict(t) if is_dataclass(t) else dict(t) for t in targets])


def evaluate_targets(travel_targets, network=None, places=None, now=None):
    """One row per travel-time statement of the plans: stated against computed minutes.

    ``travel_targets``: the parsed statements (``ingest(...).travel_targets`` or its DataFrame:
    ``plan, origin, destinations, minutes, mode, source_line, text``). ``network``: an
    :class:`AccessGraph`, a prepared networkx graph, or ``None``. ``places``: the table of
    :func:`load_places` (default ``geodata/recipes/travel_places.csv``).

    A statement is computed when its origin and *every* destination are located in ``places`` (a
    statement with several destinations — 「至温州主城区、温州机场、乐清城区、玉环县…不超过 30 分钟」 —
    is met only if the slowest is within the minutes; the note lists each). ``status`` is ``met`` /
    ``missed`` / ``not located`` (a name with no point, or a point off or outside the network) /
    ``network missing``. Rows keep the statements' order; none is dropped.
    """
    import pandas as pd

    df = _targets_frame(travel_targets)
    places = load_places() if places is None else places
    where = {r["name"]: (r["lon"], r["lat"]) for _, r in places.iterrows()
             if np.isfinite(r["lon"]) and np.isfinite(r["lat"])}
    why = {r["name"]: r.get("note", "") for _, r in places.iterrows()}
    if network is not None and not isinstance(network, AccessGraph):
        network = compile_network(network)
    now = now or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    net_name = f"{network.name} ({network.mode}, {network.scenario})" if network is not None else ""
    out = []
    for _, t in df.iterrows():
        dests = [d.strip() for d in str(t["destinations"]).split(";") if d.strip()]
        row = {"plan": t["plan"], "source_line": int(t["source_line"]), "origin": t["origin"],
               "destination": "；".join(dests), "minutes_stated": float(t["minutes"]),
               "minutes_computed": np.nan, "status": "", "network": net_name, "computed_at": now, "note": ""}
        missing = [n for n in [t["origin"], *dests] if n not in where]
        if missing:
            row["status"] = "not located"
            row["note"] = "; ".join(f"{n}: {why.get(n) or 'no point in travel_places.csv'}" for n in missing)
        elif network is None:
            row["status"] = "network missing"
            row["note"] = "no cached road network: run `planmap network fetch --bbox W,S,E,N --mode drive`"
        else:
            try:
                o = lonlat_to_plan(*where[t["origin"]])
                ds = [lonlat_to_plan(*where[d]) for d in dests]
                secs = travel_seconds(network, o, ds)
            except AccessError as exc:
                row["status"] = "not located"
                row["note"] = f"on network {network.name}: {exc}"
            else:
                mins = secs / 60.0
                worst = float(np.max(mins))
                row["minutes_computed"] = round(worst, 1) if np.isfinite(worst) else np.inf
                row["status"] = "met" if worst <= row["minutes_stated"] else "missed"
                row["note"] = "; ".join(f"{d} {m:.1f} min" if np.isfinite(m) else f"{d} not reached in {MAX_MINUTES} min"
                                        for d, m in zip(dests, mins))
                if t.get("mode") not in ("驾车", "步行") and network.mode == "drive":
                    row["note"] += f"; the plan says {t.get('mode')}, computed by road ({network.mode})"
        out.append(row)
    return pd.DataFrame(out, columns=TARGET_COLUMNS)


# ---------------------------------------------------------------------------------------------------
# compiled-network cache (an index of the network, never of answers)

_SAVED_ARRAYS = ("xy", "access", "cell_node", "cell_walk_s")


def save_compiled(ag, path, stamp=""):
    """Write an :class:`AccessGraph` as a ``.npz`` (arrays + a WKB extent); ``stamp`` identifies its source."""
    import json

    import shapely

    path = Path(path)
    meta = {"name": ag.name, "mode": ag.mode, "scenario": ag.scenario, "walk_mps": ag.walk_mps, "snap_m": ag.snap_m,
            "k": ag.k, "cell_m": ag.cell_m, "grid_x0": ag.grid_x0, "grid_y1": ag.grid_y1,
            "grid_shape": list(ag.grid_shape), "info": ag.info, "stamp": stamp}
    ids = np.array([str(n) for n in ag.node_ids])
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, meta=np.array(json.dumps(meta)), node_ids=ids, csr_data=ag.csr.data, csr_indices=ag.csr.indices,
             csr_indptr=ag.csr.indptr, extent=np.frombuffer(shapely.to_wkb(ag.extent), dtype=np.uint8),
             **{k: getattr(ag, k) for k in _SAVED_ARRAYS})
    Path(tmp).replace(path)
    return path


def load_compiled(path, stamp=None):
    """Read :func:`save_compiled`'s file; ``None`` if it is absent or its stamp differs from ``stamp``.

    Node ids come back as strings (GraphML's ids are strings too).
    """
    import json

    import shapely
    from scipy import sparse
    from scipy.spatial import cKDTree

    path = Path(path)
    if not path.is_file():
        return None
    z = np.load(path, allow_pickle=False)
    meta = json.loads(str(z["meta"]))
    if stamp is not None and meta.get("stamp") != stamp:
        return None
    n1 = len(z["csr_indptr"]) - 1
    csr = sparse.csr_matrix((z["csr_data"], z["csr_indices"], z["csr_indptr"]), shape=(n1, n1))
    xy = z["xy"]
    access = z["access"]
    return AccessGraph(name=meta["name"], mode=meta["mode"], scenario=meta["scenario"], node_ids=list(z["node_ids"]),
                       xy=xy, csr=csr, access=access, tree=cKDTree(xy[access]),
                       extent=shapely.from_wkb(z["extent"].tobytes()), walk_mps=meta["walk_mps"],
                       snap_m=meta["snap_m"], k=meta["k"], cell_m=meta["cell_m"], grid_x0=meta["grid_x0"],
                       grid_y1=meta["grid_y1"], grid_shape=tuple(meta["grid_shape"]), cell_node=z["cell_node"],
                       cell_walk_s=z["cell_walk_s"], info=meta["info"])

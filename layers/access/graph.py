"""A road network compiled once into arrays for fast rings: :class:`AccessGraph`, :func:`compile_network`.

Routing is cheap; turning the reached set into polygons is what costs, and so does everything that
depends only on the network. So the network is compiled *once* (per GraphML file, land and planned
links; :mod:`.engine` keeps the result on disk and in memory):

* node coordinates in EPSG:4549; edges longer than ``densify_m`` get extra nodes along their geometry
  so that a road can be entered and left between junctions (not on access-controlled roads:
  ``motorway`` and planned links of 80 km/h or more, which are reached only at their ends);
* a ``scipy.sparse`` CSR matrix of edge travel seconds (the fastest of parallel edges), with one spare
  row for a *virtual source*;
* a ``cKDTree`` of the nodes a walker can step onto;
* a raster grid over the network (``cell_m`` metres) and, for every cell, its ``k`` nearest such nodes
  and the walking seconds to each;
* the land, when given: rasterised onto the same grid (``cell_land``) so a ring leaves the sea out
  with one array look-up, and unioned once (``land``) to tell an origin in the sea.

``k`` nearest nodes of *all* access nodes are indexed, not the k nearest *reached* ones: a cell whose
k nearest nodes are all unreached (another island, the wrong side of a one-way pair) stays unreached
even if a farther node was reached. With ``k`` = 6 and cells of 50 m this matters only at ring edges.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ..crs import PLAN_CRS
from ..errors import AccessError
from ..network import WALK_SPEED_KMH

SNAP_M = 1000.0
WALK_MPS = WALK_SPEED_KMH / 3.6

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
    cell_land: np.ndarray = None   # (rows, cols) bool: cell centre on land; None = no land given
    land: object = None            # shapely (Multi)Polygon: the land within the grid, prepared
    info: dict = field(default_factory=dict)

    @property
    def n(self):
        return len(self.xy)

    def __post_init__(self):
        # contiguous coordinate columns, made once here: the surface's bounds are taken from them on
        # every query (far faster than xy.min(axis=0)), and threads share the compiled network
        self.xs = np.ascontiguousarray(self.xy[:, 0])
        self.ys = np.ascontiguousarray(self.xy[:, 1])

    def index_of(self, node_id):
        if not hasattr(self, "_pos"):
            self._pos = {nid: i for i, nid in enumerate(self.node_ids)}
        return self._pos[node_id]


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
            if isinstance(g, str):                  # WKT, as GraphML stores it
                g = shapely.from_wkt(g)
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


def compile_network(network, densify_m=None, cell_m=50.0, k=6, snap_m=SNAP_M, walk_kmh=WALK_SPEED_KMH,
                    max_cells=4_000_000, land=None):
    """Compile a prepared network (EPSG:4549, ``travel_time`` on edges) into an :class:`AccessGraph`.

    ``network``: a networkx graph, or the :class:`~layers.access.graphml.NetworkArrays` that
    :func:`~layers.access.graphml.read_graphml` streams from a cached file (the engine's route).

    ``densify_m`` (default ``max(2 * cell_m, 100)``) splits long edges; ``cell_m`` is the raster cell
    (enlarged if the grid would exceed ``max_cells``); ``k`` nearest nodes per cell; ``snap_m`` is how
    far an origin or a cell may be from the network. ``land`` (a shapely geometry or a GeoDataFrame of
    land polygons): origins in the sea are refused and rings stay on land.
    """
    import shapely
    from scipy import sparse
    from scipy.spatial import cKDTree

    from .graphml import NetworkArrays, arrays_from_graph

    arrays = network if isinstance(network, NetworkArrays) else arrays_from_graph(network)
    graph, node_ids, xy = arrays.graph, arrays.node_ids, arrays.xy
    us, vs, ts, ls, ctl, geoms = arrays.us, arrays.vs, arrays.ts, arrays.ls, arrays.ctl, arrays.geoms
    if len(xy) == 0:
        raise AccessError("the network has no nodes")
    crs = str(graph.get("crs", PLAN_CRS)).upper()
    if crs != PLAN_CRS:
        raise AccessError(f"the network is in {crs}; rings need it projected to {PLAN_CRS} (layers.network.prepare)")
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

    ag = AccessGraph(name=str(graph.get("planmap_name", "network")), mode=str(graph.get("planmap_mode", "drive")),
                     scenario=str(graph.get("planmap_scenario", "today")), node_ids=node_ids, xy=xy, csr=csr,
                     access=access, tree=tree, extent=extent, walk_mps=walk_kmh / 3.6, snap_m=snap_m, k=k,
                     info={"nodes": n0, "nodes_densified": n, "edges": int(csr.nnz)})
    _build_cell_index(ag, cell_m, max_cells)
    if land is not None:
        set_land(ag, land)
    return ag


def land_geometry(land):
    """One shapely geometry in EPSG:4549 from a GeoDataFrame / GeoSeries of land polygons (or a geometry)."""
    import shapely

    if hasattr(land, "geometry") and hasattr(land, "crs"):
        gs = land.geometry
        if gs.crs is not None and gs.crs.to_string().upper() != PLAN_CRS:
            gs = gs.to_crs(PLAN_CRS)
        return shapely.union_all(gs.values[gs.notna().to_numpy()])
    return land


def grid_transform(ag, r0=0, c0=0):
    """The affine transform of the grid window starting at row ``r0``, column ``c0``."""
    from affine import Affine

    return Affine(ag.cell_m, 0.0, ag.grid_x0 + c0 * ag.cell_m, 0.0, -ag.cell_m, ag.grid_y1 - r0 * ag.cell_m)


def set_land(ag, land):
    """Clip the land to the grid, union it once, and rasterise it onto the grid (cell centres)."""
    import shapely
    from rasterio.features import rasterize

    rows, cols = ag.grid_shape
    box = shapely.box(ag.grid_x0, ag.grid_y1 - rows * ag.cell_m, ag.grid_x0 + cols * ag.cell_m, ag.grid_y1)
    geom = shapely.intersection(shapely.make_valid(land_geometry(land)), box)
    ag.land = geom
    shapely.prepare(ag.land)
    if geom.is_empty:
        ag.cell_land = np.zeros((rows, cols), dtype=bool)
    else:
        ag.cell_land = rasterize([geom], out_shape=(rows, cols), transform=grid_transform(ag), fill=0,
                                 default_value=1, dtype="uint8").astype(bool)
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



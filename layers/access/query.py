"""One ring query on a compiled network: nested travel-time polygons, and travel times to points.

A query (:func:`rings`)

1. snaps each source point (one point, or a parcel's / structure's boundary vertices) to its ``k``
   nearest access nodes within ``snap_m`` and wires them to the virtual source with edges of
   walking seconds — so the walk from the origin to the network is part of the shortest path, and
   several sources are handled by one search;
2. runs ``scipy.sparse.csgraph.dijkstra(csr, indices=[virtual], limit=max_seconds, min_only=True)``
   (C speed, stops at the largest ring);
3. builds the travel-time surface: cell time = min over the cell's ``k`` nearest nodes of
   ``node_time + distance / walk_speed`` (the walk from the network to the ground), and the direct
   walk from the sources, vectorised with numpy over the window the search reached; cells off the
   compiled land are not reached;
4. polygonises each threshold with ``rasterio.features.shapes`` (4-connected, so every polygon is
   valid) into a (Multi)Polygon in EPSG:4549. Ring *m* is the set of cells with time ≤ *m* minutes,
   so 60 ⊇ 30 ⊇ 15 cell by cell: the rings are nested by construction, vertex for vertex.

Errors (all :class:`~layers.errors.AccessError`, each one readable sentence): minutes outside 1-180,
an origin outside the graph's extent, in the sea (when the network was compiled with land), or farther
than ``snap_m`` from the network.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..crs import PLAN_CRS, lonlat_to_plan, plan_to_lonlat
from ..errors import AccessError, InSea, NetworkMissing, OffNetwork, OutsideGraph
from .graph import grid_transform
from .minutes import DEFAULT_MINUTES, MAX_MINUTES, check_minutes

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


def _check_origin(ag, geom, pts, snap_m):
    import shapely

    if not shapely.intersects(ag.extent, geom):
        lon, lat = plan_to_lonlat(*pts[0])
        raise OutsideGraph(f"the origin ({lon:.5f}, {lat:.5f}) is outside the graph of network {ag.name!r} "
                           f"(more than {snap_m:g} m beyond its outermost roads); fetch a network that covers it")
    if ag.land is not None and not shapely.intersects(ag.land, geom):
        lon, lat = plan_to_lonlat(*pts[0])
        raise InSea(f"the origin ({lon:.5f}, {lat:.5f}) is in the sea (not on any land polygon)")
    d, _ = ag.tree.query(pts, k=1)
    if np.min(d) > snap_m:
        lon, lat = plan_to_lonlat(*pts[int(np.argmin(d))])
        raise OffNetwork(f"the origin ({lon:.5f}, {lat:.5f}) is off the network: the nearest road of "
                         f"{ag.name!r} is {np.min(d):.0f} m away (more than {snap_m:g} m)")


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


def _surface(ag, dist, pts, geom, limit_s):
    """Seconds to every cell of the window the search reached (inf where not reached); window bounds."""
    reached = np.flatnonzero(np.isfinite(dist))
    rows, cols = ag.grid_shape
    c = ag.cell_m
    walk_r = ag.walk_mps * limit_s
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
    # the direct walk from the sources (the origin's own neighbourhood), only where it can arrive in
    # time: the sources' box grown by the distance walked in the largest ring
    wr0, wr1, wc0, wc1 = _sub_window(ag, (px0, py0, px1, py1), r0, r1, c0, c1)
    if wr1 > wr0 and wc1 > wc0:
        xs = ag.grid_x0 + (np.arange(wc0, wc1) + 0.5) * c
        ys = ag.grid_y1 - (np.arange(wr0, wr1) + 0.5) * c
        if len(pts) == 1:
            walk = np.hypot(xs[None, :] - pts[0, 0], ys[:, None] - pts[0, 1]) / ag.walk_mps
        else:
            from scipy.spatial import cKDTree

            gx, gy = np.meshgrid(xs, ys)
            dd, _ = cKDTree(pts).query(np.column_stack([gx.ravel(), gy.ravel()]), k=1, distance_upper_bound=walk_r)
            walk = (dd / ag.walk_mps).reshape(gx.shape)
        sub = surf[wr0 - r0:wr1 - r0, wc0 - c0:wc1 - c0]
        np.minimum(sub, walk.astype(np.float32), out=sub)
    transform = grid_transform(ag, r0, c0)
    if geom.geom_type in ("Polygon", "MultiPolygon") and surf.size:
        from rasterio.features import rasterize

        # the origin's inside is 0 minutes: rasterised over its own box only
        gr0, gr1, gc0, gc1 = _sub_window(ag, geom.bounds, r0, r1, c0, c1)
        if gr1 > gr0 and gc1 > gc0:
            inside = rasterize([geom], out_shape=(gr1 - gr0, gc1 - gc0), transform=grid_transform(ag, gr0, gc0),
                               fill=0, default_value=1, dtype="uint8").astype(bool)
            surf[gr0 - r0:gr1 - r0, gc0 - c0:gc1 - c0][inside] = 0.0
    if ag.cell_land is not None and surf.size:
        surf[~ag.cell_land[r0:r1, c0:c1]] = np.inf
    surf[surf > limit_s] = np.inf                 # beyond the largest ring: not reached
    return surf, transform


def _sub_window(ag, bounds, r0, r1, c0, c1):
    """Rows and columns of the grid cells whose centres may lie in ``bounds`` (x0, y0, x1, y1), clipped
    to the window ``r0:r1, c0:c1``."""
    x0, y0, x1, y1 = bounds
    c = ag.cell_m
    return (max(r0, int(math.floor((ag.grid_y1 - y1) / c))), min(r1, int(math.ceil((ag.grid_y1 - y0) / c))),
            max(c0, int(math.floor((x0 - ag.grid_x0) / c))), min(c1, int(math.ceil((x1 - ag.grid_x0) / c))))


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
        """Write the rings as GeoJSON in WGS-84 (RFC 7946): the very features the web app answers with
        (:meth:`to_dict`), so a file from ``planmap access`` and a ring from ``/api/rings`` are equal."""
        import json

        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
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
        """A JSON-ready summary for the web app: rings as GeoJSON features in WGS-84 (RFC 7946, 6
        decimals: 0.1 m, far below the 50 m cells), largest first, with areas."""
        import shapely

        from ..crs import plan_to_lonlat

        def lonlat(coords):
            lon, lat = plan_to_lonlat(coords[:, 0], coords[:, 1])
            return np.round(np.column_stack([lon, lat]), 6)

        features = []
        for m in sorted(self.minutes, reverse=True):
            geom = shapely.transform(self.polygons[m], lonlat)
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                             "properties": {"minutes": m, "area_km2": self.areas_km2[m], "mode": self.mode,
                                            "scenario": self.scenario, "network": self.network}})
        return {"type": "FeatureCollection", "features": features,
                "mode": self.mode, "scenario": self.scenario, "network": self.network,
                "minutes": list(self.minutes), "areas_km2": {str(m): a for m, a in self.areas_km2.items()}}


def rings(ag, origin=None, minutes=DEFAULT_MINUTES, *, lonlat=None, snap_m=None):
    """Nested travel-time rings from ``origin`` on the compiled network ``ag``.

    ``origin``: a shapely geometry or ``(x, y)`` in EPSG:4549 (a parcel's or structure's polygon
    uses its boundary vertices as sources, and its inside counts as 0 minutes); or ``lonlat=(lon,
    lat)``. ``minutes``: any thresholds in 1..180. A network compiled with land refuses an origin in
    the sea (:class:`InSea`) and leaves the sea out of the rings. ``ag`` may also be ``None`` →
    :class:`~layers.errors.NetworkMissing`.
    """
    import time

    mins = check_minutes(minutes)
    if ag is None:
        raise NetworkMissing("drive")
    t0 = time.perf_counter()
    snap_m = ag.snap_m if snap_m is None else snap_m
    geom = origin_geometry(origin, lonlat)
    pts = _source_points(geom, ag.cell_m)
    _check_origin(ag, geom, pts, snap_m)
    limit = max(mins) * 60.0
    t1 = time.perf_counter()
    dist = _search(ag, pts, limit, snap_m)
    t2 = time.perf_counter()
    surf, transform = _surface(ag, dist, pts, geom, limit)
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
    nodes — the same sum the ring surface takes per cell, so a destination lies in ring *m* exactly
    when its time here is ≤ *m* (up to the walk across one cell); ``inf`` where not reached within
    ``limit_s``. A destination farther than ``snap_m`` from the network raises :class:`OffNetwork`,
    one in the sea of a network compiled with land :class:`InSea`.
    """
    snap_m = ag.snap_m if snap_m is None else snap_m
    geom = origin_geometry(origin)
    pts = _source_points(geom, ag.cell_m)
    _check_origin(ag, geom, pts, snap_m)
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
    if ag.land is not None:
        import shapely

        wet = ~shapely.intersects_xy(ag.land, dest[:, 0], dest[:, 1])
        if wet.any():
            lon, lat = plan_to_lonlat(*dest[int(np.argmax(wet))])
            raise InSea(f"the destination ({lon:.5f}, {lat:.5f}) is in the sea (not on any land polygon)")
    return np.where(out <= limit_s, out, np.inf)



"""The one ring engine: which network, which land, compiled once, kept on disk and in memory.

Every door that draws a ring or times a trip — ``/api/rings``, ``planmap access``, the travel-time
check of ``planmap build`` — asks a :class:`RingEngine` for the compiled network of a mode and
scenario, so the same origin and minutes give the same polygons through all of them.

What makes a compiled network, and its key:

* the GraphML file (found by name from the ``PLANMAP_NETWORKS_DIR`` setting, never read unless the
  compiled file is missing or stale): its name, size and modification time;
* the land: the ``land`` layer of the configured GeoPackage (or, before the first build, the base
  land it is built from; the build passes the land it is writing), by a digest of its shapes;
* for the ``plan`` scenario, the planned links (the GeoPackage's ``planned_links``, or a file);
* the cell size.

The compiled arrays are saved beside the GraphML (``<name>.<mode>.<scenario>.cell<m>.npz``) with that
key, so a server restart loads them in about a second instead of reading the GraphML and compiling
again; in memory, each process keeps the ``PLANMAP_RING_NETWORKS`` most recently used.
"""

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .. import network as N
from ..errors import BadRequest
from .graph import AccessGraph, compile_network
from .graphml import read_graphml
from .minutes import DEFAULT_MINUTES
from .query import rings as _rings
from .query import travel_seconds as _travel_seconds


def shapes_digest(gdf, *columns):
    """A short digest of a layer's shapes (and some columns): what a compiled network depends on."""
    import shapely

    h = hashlib.sha1()
    if gdf is not None and len(gdf):
        geoms = gdf.geometry.values
        for wkb in shapely.to_wkb(np.asarray(geoms, dtype=object)):
            h.update(wkb or b"-")
        for c in columns:
            if c in gdf:
                h.update("|".join(map(str, gdf[c].tolist())).encode())
    return h.hexdigest()[:16]


class RingEngine:
    """Compiled networks for rings and travel times, one per mode and scenario, from the settings.

    ``land`` / ``planned_links`` (GeoDataFrames) replace the GeoPackage's layers: the build passes the
    land it is about to write; ``planmap access --planned-links FILE`` its file.
    """

    def __init__(self, settings=None, *, land=None, planned_links=None, progress=None):
        from ..settings import resolve

        s = settings if settings is not None else resolve()
        self.networks_dir = s.path("PLANMAP_NETWORKS_DIR")
        self.network_name = s["PLANMAP_NETWORK"]
        self.gpkg = s.path("PLANMAP_GPKG")
        self.base_dir = s.path("PLANMAP_BASE_DIR")
        self.cell_m = float(s["PLANMAP_CELL_M"])
        self.max_networks = int(s["PLANMAP_RING_NETWORKS"])
        self.progress = progress or (lambda m: None)
        self._land = None if land is None else (shapes_digest(land), land)
        self._planned = None if planned_links is None else (
            shapes_digest(planned_links, "design_speed_kmh", "oneway"), planned_links)
        self._base_land = None
        self._memory = OrderedDict()
        self._lock = threading.Lock()
        self._compiling = {}            # key → lock: one compile per network, others run on

    # -- what the network depends on -----------------------------------------------------------------

    def _gpkg_layer(self, name):
        """``(digest, layer)`` of a GeoPackage layer, the digest once per file version; None without a file."""
        from ..gpkg import open_gpkg
        from ..errors import DataUnavailable

        if not self.gpkg.exists():
            return None
        gp = open_gpkg(self.gpkg)
        try:
            with gp.pinned():
                layer = gp.layer(name)
                cols = ("design_speed_kmh", "oneway") if name == "planned_links" else ()
                return gp.memo("rings", name, lambda: shapes_digest(layer, *cols)), layer
        except DataUnavailable:
            return None

    def land(self):
        """``(digest, land polygons)`` the rings are clipped to."""
        if self._land is not None:
            return self._land
        found = self._gpkg_layer("land")
        if found is not None:
            return found
        if self._base_land is None:
            from ..base import load_land

            land = load_land(self.base_dir)
            self._base_land = (shapes_digest(land), land)
        return self._base_land

    def planned(self):
        if self._planned is not None:
            return self._planned
        found = self._gpkg_layer("planned_links")
        if found is None:
            raise BadRequest("the plan scenario needs the planned links: build the GeoPackage "
                             "(its planned_links layer) or give --planned-links FILE[:LAYER]")
        return found

    # -- compiled networks ---------------------------------------------------------------------------

    def network(self, mode="drive", scenario="today"):
        """The compiled :class:`AccessGraph` of ``mode`` and ``scenario``: from memory, else from its
        ``.npz``, else compiled from the GraphML (and saved for next time)."""
        if scenario not in N.SCENARIOS:
            raise BadRequest(f"scenario must be one of {', '.join(N.SCENARIOS)}, not {scenario!r}")
        path = N.find(self.network_name, mode, self.networks_dir)
        st = path.stat()
        land_key, land = self.land()
        plan_key, links = self.planned() if scenario == "plan" else ("", None)
        stamp = f"{path.name}:{st.st_size}:{st.st_mtime_ns}|cell {self.cell_m:g}|land {land_key}|plan {plan_key}"
        key = (str(path.resolve()), mode, scenario, stamp)
        hit = self._remember(key)
        if hit is not None:
            return hit
        with self._lock:
            compile_lock = self._compiling.setdefault(key[:3], threading.Lock())
        with compile_lock:                    # one compile per network; a second asker waits, then hits memory
            hit = self._remember(key)
            if hit is not None:
                return hit
            npz = path.with_name(path.name.replace(".graphml", f".{scenario}.cell{self.cell_m:g}.npz"))
            ag = load_compiled(npz, stamp=stamp)
            if ag is None:
                self.progress(f"compiling {path.name} ({scenario}) for rings, once; cached as {npz.name}")
                if scenario == "plan":          # planned links are merged into a graph
                    source = N.add_planned_links(N.load(str(path), mode), links)
                else:                           # streamed: seconds, not osmnx's graph of dicts
                    source = read_graphml(path)
                    source.graph.setdefault("planmap_name", path.name.split(".")[0])
                    source.graph.setdefault("planmap_mode", mode)
                ag = compile_network(source, cell_m=self.cell_m, land=land)
                try:
                    save_compiled(ag, npz, stamp=stamp)
                except OSError as exc:       # a read-only cache still serves, compiling per process
                    self.progress(f"could not save {npz.name}: {exc.strerror}")
            with self._lock:
                self._memory[key] = ag
                while len(self._memory) > self.max_networks:
                    self._memory.popitem(last=False)
            return ag

    @property
    def in_memory(self):
        """How many compiled networks this engine holds (at most ``PLANMAP_RING_NETWORKS``)."""
        return len(self._memory)

    def _remember(self, key):
        with self._lock:
            ag = self._memory.get(key)
            if ag is not None:
                self._memory.move_to_end(key)
            return ag

    def rings(self, origin=None, minutes=DEFAULT_MINUTES, *, mode="drive", scenario="today", lonlat=None,
              snap_m=None):
        """:func:`layers.access.rings` on this engine's network."""
        return _rings(self.network(mode, scenario), origin, minutes, lonlat=lonlat, snap_m=snap_m)

    def travel_seconds(self, origin, destinations, *, mode="drive", scenario="today", **kw):
        return _travel_seconds(self.network(mode, scenario), origin, destinations, **kw)


# ---------------------------------------------------------------------------------------------------
# the compiled network on disk (an index of the network, never of answers)

#: Bumped whenever the compiled arrays change meaning, so an old file is compiled again, not misread.
FORMAT = 2
_SAVED_ARRAYS = ("xy", "access", "cell_node", "cell_walk_s")


def save_compiled(ag, path, stamp=""):
    """Write an :class:`AccessGraph` as a ``.npz`` (arrays + a WKB extent); ``stamp`` identifies its source."""
    import json

    import shapely

    path = Path(path)
    meta = {"format": FORMAT, "name": ag.name, "mode": ag.mode, "scenario": ag.scenario, "walk_mps": ag.walk_mps, "snap_m": ag.snap_m,
            "k": ag.k, "cell_m": ag.cell_m, "grid_x0": ag.grid_x0, "grid_y1": ag.grid_y1,
            "grid_shape": list(ag.grid_shape), "info": ag.info, "stamp": stamp}
    ids = np.array([str(n) for n in ag.node_ids])
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp.npz", dir=path.parent)   # one per writer
    os.close(fd)
    land = {} if ag.land is None else {"land": np.frombuffer(shapely.to_wkb(ag.land), dtype=np.uint8),
                                        "cell_land": ag.cell_land}
    np.savez(tmp, meta=np.array(json.dumps(meta)), node_ids=ids, csr_data=ag.csr.data, csr_indices=ag.csr.indices,
             csr_indptr=ag.csr.indptr, extent=np.frombuffer(shapely.to_wkb(ag.extent), dtype=np.uint8),
             **land, **{k: getattr(ag, k) for k in _SAVED_ARRAYS})
    try:
        Path(tmp).replace(path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
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
    try:
        z = np.load(path, allow_pickle=False)
        meta = json.loads(str(z["meta"]))
    except Exception:           # a damaged or foreign file (a truncated zip …): drop it, compile again
        path.unlink(missing_ok=True)
        return None
    if meta.get("format") != FORMAT or (stamp is not None and meta.get("stamp") != stamp):
        return None
    n1 = len(z["csr_indptr"]) - 1
    csr = sparse.csr_matrix((z["csr_data"], z["csr_indices"], z["csr_indptr"]), shape=(n1, n1))
    xy = z["xy"]
    access = z["access"]
    land = shapely.from_wkb(z["land"].tobytes()) if "land" in z.files else None
    if land is not None:
        shapely.prepare(land)
    return AccessGraph(name=meta["name"], mode=meta["mode"], scenario=meta["scenario"], node_ids=list(z["node_ids"]),
                       xy=xy, csr=csr, access=access, tree=cKDTree(xy[access]),
                       extent=shapely.from_wkb(z["extent"].tobytes()), walk_mps=meta["walk_mps"],
                       snap_m=meta["snap_m"], k=meta["k"], cell_m=meta["cell_m"], grid_x0=meta["grid_x0"],
                       grid_y1=meta["grid_y1"], grid_shape=tuple(meta["grid_shape"]), cell_node=z["cell_node"],
                       cell_walk_s=z["cell_walk_s"], info=meta["info"], land=land,
                       cell_land=z["cell_land"] if land is not None else None)


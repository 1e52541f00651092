"""Reading the GeoPackage: one reader per file, one change check, every layer read once per version.

The web app, the sheets and the CLI read the same file while GIS staff edit it in QGIS. QGIS keeps
the file open and writes into its WAL (``<file>-wal``) first, so a version of the file is identified
by the size and modification time of the file *and* of its WAL: two ``stat`` calls, made once per
request (or per sheet), never a read. Everything derived from a version — layers, their web copies,
indexes, rendered pages — lives in that version's cache and is dropped with it.

A request (or a sheet) *pins* the version it started on (:meth:`GeoPackage.pinned`), so it never mixes
rows of two versions when QGIS saves between two of its reads.

:func:`open_gpkg` hands every caller in a process the same :class:`GeoPackage` for a path, so the
print button and the API share one cache and one answer.
"""

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from ..crs import WEB_CRS
from ..errors import GeoPackageMissing, NotFound

#: Simplification for the browser: well below the stated accuracy of sketches (hundreds of metres).
SIMPLIFY_M = 15.0


def file_stamp(path):
    """What identifies a version of ``path``: size and mtime of the file and of its WAL.

    Raises :class:`GeoPackageMissing` when the file does not exist.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise GeoPackageMissing(f"{path.name} does not exist: run `planmap build` first") from None
    try:
        w = path.with_name(path.name + "-wal").stat()
    except FileNotFoundError:
        return (st.st_mtime_ns, st.st_size, 0, 0)
    # an empty WAL holds no change: GDAL creates one merely by opening the file, which must not
    # count as a new version (every cache would be rebuilt after the first read)
    return (st.st_mtime_ns, st.st_size, w.st_mtime_ns, w.st_size) if w.st_size else (st.st_mtime_ns, st.st_size, 0, 0)


class GeoPackage:
    """A GeoPackage as every reader in the project sees it: cached per version, reloaded on change."""

    def __init__(self, path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp = None
        self._cache = {}
        self._local = threading.local()
        self._memo_lock = threading.Lock()      # the memo's OrderedDicts are shared by request threads

    def __repr__(self):
        return f"GeoPackage({str(self.path)!r})"

    # -- versions -----------------------------------------------------------------------------------

    def _fresh(self):
        stamp = file_stamp(self.path)
        with self._lock:
            if stamp != self._stamp:
                self._cache = {"_stamp": stamp}
                self._stamp = stamp
            return self._cache

    def _current(self):
        """The pinned version if this thread pinned one, else the freshest."""
        cache = getattr(self._local, "cache", None)
        return cache if cache is not None else self._fresh()

    def begin(self):
        """Pin the current version for this thread (a web request); :meth:`end` unpins."""
        self._local.cache = self._fresh()

    def end(self):
        self._local.cache = None

    @contextmanager
    def pinned(self):
        """Read one version throughout the block; nested blocks keep the outer pin."""
        if getattr(self._local, "cache", None) is not None:
            yield self
            return
        self.begin()
        try:
            yield self
        finally:
            self.end()

    @property
    def stamp(self):
        return self._current()["_stamp"]

    @property
    def version(self):
        """A short text that changes whenever the file or its WAL changes (shown in page footers)."""
        return "-".join(str(s) for s in self.stamp[:2]) + (f"-w{self.stamp[3]}" if self.stamp[3] else "")

    def memo(self, namespace, key, compute, max_entries=None):
        """``compute()`` once per version and ``(namespace, key)``; a namespace with ``max_entries``
        keeps only that many, least recently used dropped (pages, one per canonical key)."""
        cache = self._current()
        with self._memo_lock:
            space = cache.setdefault(("memo", namespace), OrderedDict())
            if key in space:
                space.move_to_end(key)
                return space[key]
            # one computation per key: a second asker waits for the first (a page is a second of CPU)
            building = cache.setdefault(("building", namespace, key), threading.Lock())
        with building:
            with self._memo_lock:
                if key in space:
                    space.move_to_end(key)
                    return space[key]
            value = compute()       # outside the shared lock: other keys go on meanwhile
            with self._memo_lock:
                space[key] = value
                if max_entries is not None:
                    while len(space) > max_entries:
                        space.popitem(last=False)
                cache.pop(("building", namespace, key), None)
        return value

    def cached(self, namespace):
        """How many values the current version keeps in ``namespace`` (what bounds memory)."""
        return len(self._current().get(("memo", namespace), ()))

    # -- layers -------------------------------------------------------------------------------------

    def layer_names(self):
        cache = self._current()
        if "names" not in cache:
            try:
                cache["names"] = {name for name, _ in pyogrio.list_layers(self.path)}
            except Exception as exc:
                raise GeoPackageMissing(f"{self.path.name} is not a readable GeoPackage: "
                                        f"{type(exc).__name__}") from exc
        return cache["names"]

    def layer(self, name):
        """A layer as stored (EPSG:4549 GeoDataFrame), or an attribute table as a DataFrame."""
        from ..schema import LAYERS

        cache = self._current()
        key = ("layer", name)
        if key not in cache:
            if name not in LAYERS:
                raise NotFound(f"no layer named {name!r}; layers: {', '.join(LAYERS)}")
            if name not in self.layer_names():
                raise GeoPackageMissing(f"{self.path.name} has no layer {name!r}: rebuild it with `planmap build`")
            try:
                # the GeoPackage's own feature ids as the index: what QGIS shows, what problems cite
                cache[key] = pyogrio.read_dataframe(self.path, layer=name, fid_as_index=True)
            except Exception as exc:
                raise GeoPackageMissing(f"cannot read layer {name!r} from {self.path.name}: "
                                        f"{type(exc).__name__}") from exc
        return cache[key]

    def problems(self, name):
        """``{feature id: [problem, …]}`` of layer ``name`` (:mod:`.problems`), once per version."""
        from .problems import feature_problems

        return self.memo("problems", name, lambda: feature_problems(name, self.layer(name)))

    def web(self, name):
        """A spatial layer in EPSG:4326, simplified for the browser: the rows of :meth:`layer` that have a
        shape, with the same index (feature ids)."""
        cache = self._current()
        key = ("web", name)
        if key not in cache:
            gdf = self.layer(name)
            if not isinstance(gdf, gpd.GeoDataFrame):
                raise NotFound(f"{name!r} is a table, not a map layer")
            gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]      # nothing to draw: left out
            geoms = gdf.geometry
            if not geoms.geom_type.isin(["Point"]).all():
                geoms = geoms.simplify(SIMPLIFY_M, preserve_topology=True)
            web = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geoms, crs=gdf.crs).to_crs(WEB_CRS)
            # ~0.1 m is plenty for sketches at hundreds of metres, and halves the page size
            web["geometry"] = shapely.transform(web.geometry.values, lambda c: np.round(c, 6))
            cache[key] = web
        return cache[key]


_OPEN = OrderedDict()
_OPEN_LOCK = threading.Lock()
_MAX_OPEN = 8


def open_gpkg(path):
    """The process's one :class:`GeoPackage` for ``path`` (a few kept, least recently used dropped)."""
    key = str(Path(path).resolve())
    with _OPEN_LOCK:
        gp = _OPEN.get(key)
        if gp is None:
            gp = _OPEN[key] = GeoPackage(path)
            while len(_OPEN) > _MAX_OPEN:
                _OPEN.popitem(last=False)
        _OPEN.move_to_end(key)
        return gp

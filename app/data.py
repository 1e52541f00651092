"""Read-only access to the GeoPackage for web requests.

The web app never writes to the GeoPackage (GIS staff edit it in QGIS). It reads layers through GDAL
and keeps them in memory until the file changes: every request compares the file's and its WAL's
modification times with those of the cached copy, so an edit saved in QGIS shows on the next page
load without a restart. Layers are reprojected once to EPSG:4326 for the browser and simplified to a
tolerance well below their stated accuracy (they are sketches at hundreds of metres).
"""

import json
import math
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers.codes import normalise
from layers.crs import WEB_CRS
from layers.errors import PlanMapError
from layers.plans import PLAN_IDS, PLAN_TITLES

#: Layers the web map may serve, with the column that names a feature.
WEB_LAYERS = {
    "districts": "name_zh", "land": "name_zh", "towns": "name_zh", "structures": "name_zh",
    "structure_lines": "name_zh", "structure_points": "name_zh", "parcels": "code", "project_sites": "name",
}
TABLES = ("projects", "unlocated_projects", "quota_use", "plan_rollup", "audit_findings", "travel_targets",
          "parcel_projects", "targets", "plans")
SIMPLIFY_M = 15.0


class NotFound(PlanMapError):
    """A parcel, structure or layer that does not exist (HTTP 404)."""


class BadRequest(PlanMapError):
    """A malformed or absurd request (HTTP 400)."""


class DataUnavailable(PlanMapError):
    """The GeoPackage is missing or unreadable (HTTP 503)."""


def _stamp(path, wal):
    """What identifies a version of the file: size and mtime of the file and of its WAL (QGIS writes
    there first). Two stat calls; the parcel endpoint makes exactly one per request."""
    st = path.stat()
    try:
        w = wal.stat()
        return (st.st_mtime_ns, st.st_size, w.st_mtime_ns, w.st_size)
    except FileNotFoundError:
        return (st.st_mtime_ns, st.st_size, 0, 0)


class Store:
    """The GeoPackage as the app sees it: cached, reloaded when the file changes."""

    def __init__(self, path, dumps=json.dumps):
        self.path = Path(path)
        self._wal = self.path.with_name(self.path.name + "-wal")
        self.dumps = dumps
        self._lock = threading.Lock()
        self._stamp = None
        self._cache = {}
        self._local = threading.local()

    def begin(self):
        """Pin the current version of the file for this thread's request (see :meth:`_current`)."""
        self._local.cache = self._fresh()

    def end(self):
        self._local.cache = None

    def _current(self):
        """The pinned version if a request is under way, so that one request never mixes rows of
        two versions of the file (QGIS may save between two reads); else the freshest."""
        cache = getattr(self._local, "cache", None)
        return cache if cache is not None else self._fresh()

    # -- loading ------------------------------------------------------------------------------

    def _fresh(self):
        try:
            stamp = _stamp(self.path, self._wal)
        except FileNotFoundError:
            raise DataUnavailable(f"{self.path} does not exist: run `planmap build` first") from None
        with self._lock:
            if stamp != self._stamp:
                self._cache = {}
                self._stamp = stamp
            return self._cache

    @property
    def version(self):
        """Changes whenever the GeoPackage changes (shown in page footers)."""
        self._fresh()
        return "-".join(str(s) for s in self._stamp[:2])

    def layer(self, name):
        """A layer as stored (EPSG:4549), or a table as a DataFrame."""
        cache = self._current()
        key = ("plan", name)
        if key not in cache:
            if name not in WEB_LAYERS and name not in TABLES:
                raise NotFound(f"no layer named {name!r}; layers: {', '.join(list(WEB_LAYERS) + list(TABLES))}")
            try:
                df = pyogrio.read_dataframe(self.path, layer=name)
            except Exception as exc:
                raise DataUnavailable(f"cannot read layer {name!r} from {self.path.name}: {exc}") from exc
            cache[key] = df
        return cache[key]

    def web(self, name):
        """A spatial layer in EPSG:4326, simplified for the browser, with a ``bounds`` index."""
        cache = self._current()
        key = ("web", name)
        if key not in cache:
            if name not in WEB_LAYERS:
                raise NotFound(f"no map layer named {name!r}; map layers: {', '.join(WEB_LAYERS)}")
            gdf = self.layer(name)
            geoms = gdf.geometry
            if not geoms.geom_type.isin(["Point"]).all():
                geoms = geoms.simplify(SIMPLIFY_M, preserve_topology=True)
            web = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=geoms, crs=gdf.crs).to_crs(WEB_CRS)
            # ~0.1 m is plenty for sketches at hundreds of metres, and halves the page size
            web["geometry"] = shapely.transform(web.geometry.values, lambda c: np.round(c, 6))
            cache[key] = web
        return cache[key]

    # -- features -----------------------------------------------------------------------------

    def parcel_json(self, code, plan=None):
        """The parcel's answer as JSON bytes, serialised once per GeoPackage version."""
        cache = self._current()
        answer = self.parcel(code, plan, cache)
        key = ("parcel_json", id(answer))
        if key not in cache:
            cache[key] = self.dumps(answer).encode("utf-8")
        return cache[key]

    def parcel(self, code, plan=None, cache=None):
        """One parcel by code (as printed or normalised), with its projects and zone quota."""
        index = self._parcel_index(cache)
        hits = index.get(normalise(code), [])
        if plan:
            hits = [h for h in hits if h["properties"]["plan"] == plan]
        if not hits:
            raise NotFound(f"no parcel with code {code!r}" + (f" in plan {plan}" if plan else ""))
        if len(hits) > 1:
            plans = ", ".join(sorted(h["properties"]["plan"] for h in hits))
            raise BadRequest(f"parcel code {code!r} exists in plans {plans}: add ?plan=")
        return hits[0]

    def _parcel_index(self, cache=None):
        """Every parcel's answer, built once per GeoPackage version: a request is then a dict lookup.

        The parcel endpoint is the one the map calls on every click and other programs call in bulk;
        joining parcels, links, projects and quotas per request cost ~20 ms of CPU, so under 20
        concurrent clients the queue, not the work, dominated latency.
        """
        cache = cache if cache is not None else self._current()
        if "parcel_index" in cache:
            return cache["parcel_index"]
        parcels, web = self.layer("parcels"), self.web("parcels")
        links = self.layer("parcel_projects")
        projects = self.layer("projects").set_index("project_id", drop=False)
        by_parcel = {pid: grp for pid, grp in links.groupby("parcel_id")}
        quotas = self.layer("quota_use")
        quota_by_zone = {z: [_clean(r) for r in grp.to_dict("records")] for z, grp in quotas.groupby("zone_id")}
        index = {}
        for i, row in parcels.iterrows():
            grp = by_parcel.get(row["parcel_id"])
            mine = []
            if grp is not None:
                for link in grp.itertuples():
                    p = projects.loc[link.project_id].to_dict()
                    p["share"] = link.share
                    mine.append(_project_dict(p))
            answer = {
                "type": "parcel",
                "properties": _clean(row.drop(labels="geometry").to_dict()),
                "plan_title": PLAN_TITLES.get(row["plan"], ""),
                "projects": mine,
                "quotas": quota_by_zone.get(row["zone_id"], []),
                "geometry": _geojson(web.loc[i].geometry),
            }
            index.setdefault(row["code_norm"], []).append(answer)
        cache["parcel_index"] = index
        return index

    def structure(self, ident):
        """One structure by id, from whichever structure layer holds it, with its projects and quotas."""
        for layer in ("structures", "structure_lines", "structure_points"):
            gdf = self.layer(layer)
            hit = gdf[gdf["id"] == ident]
            if len(hit):
                row = hit.iloc[0]
                from layers.joins import sites_of_structure

                mine = sites_of_structure(self.layer("project_sites"), ident, row["plan"], row.geometry)
                projects = self.layer("projects")
                mine = projects[projects["project_id"].isin(mine["project_id"])]
                return {
                    "type": "structure", "layer": layer,
                    "properties": _clean(row.drop(labels="geometry").to_dict()),
                    "plan_title": PLAN_TITLES.get(row["plan"], ""),
                    "projects": [_project_dict(p) for p in mine.to_dict("records")],
                    "quotas": self._quotas_for([ident]),
                    "geometry": _geojson(self.web(layer).loc[hit.index[0]].geometry),
                }
        raise NotFound(f"no structure with id {ident!r}")

    def project(self, project_id):
        """One project row, with where it was located (or nothing, if it was not)."""
        projects = self.layer("projects")
        hit = projects[projects["project_id"] == project_id]
        if hit.empty:
            raise NotFound(f"no project with id {project_id!r}")
        out = _clean(hit.iloc[0].to_dict())
        sites = self.layer("project_sites")
        site = sites[sites["project_id"] == project_id]
        if len(site):
            s = site.iloc[0]
            out.update(located_by=s["located_by"], located_on=s["located_on"], district=s["district"],
                       location_quality=s["quality"])
        return out

    def _quotas_for(self, zone_ids):
        q = self.layer("quota_use")
        mine = q[q["zone_id"].isin([z for z in zone_ids if z])]
        return [_clean(r) for r in mine.to_dict("records")]

    # -- layer queries ------------------------------------------------------------------------

    def features(self, name, bbox=None, limit=1000, plan=None):
        """A map layer as a GeoJSON FeatureCollection, optionally cut to a lon/lat bbox and a plan."""
        web = self.web(name)
        if plan:
            if "plan" not in web.columns:
                raise BadRequest(f"layer {name} has no plan column")
            web = web[web["plan"] == plan]
        if bbox is not None:
            web = web[web.intersects(shapely.box(*bbox))]
        total = len(web)
        web = web.iloc[:limit]
        fc = json.loads(web.to_json(drop_id=True))
        fc["numberMatched"] = total
        fc["numberReturned"] = len(web)
        return fc

    def search(self, q, limit=20):
        """Parcels by code, projects by name, structures and places by name (substring, case-blind)."""
        q = q.strip()
        if not q:
            return []
        out = []
        parcels = self.layer("parcels")
        norm = normalise(q)
        hit = parcels[parcels["code_norm"].str.contains(norm, regex=False)]
        web = self.web("parcels")
        for i, r in hit.head(limit).iterrows():
            c = web.loc[i].geometry.representative_point()
            out.append({"kind": "parcel", "label": f"地块 {r['code']}（规划{r['plan']}）", "plan": r["plan"],
                        "id": r["code"], "lon": c.x, "lat": c.y})
        for layer in ("structures", "structure_lines", "structure_points"):
            gdf, web = self.layer(layer), self.web(layer)
            hit = gdf[gdf["name_zh"].str.contains(q, regex=False, case=False)
                      | gdf["name_en"].fillna("").str.contains(q, regex=False, case=False)]
            for i, r in hit.head(limit).iterrows():
                c = web.loc[i].geometry.representative_point()
                out.append({"kind": "structure", "label": f"{r['name_zh']}（规划{r['plan']}）", "plan": r["plan"],
                            "id": r["id"], "lon": c.x, "lat": c.y})
        sites, web = self.layer("project_sites"), self.web("project_sites")
        hit = sites[sites["name"].str.contains(q, regex=False, case=False)]
        for i, r in hit.head(limit).iterrows():
            c = web.loc[i].geometry
            out.append({"kind": "project", "label": f"{r['name']}（规划{r['plan']}）", "plan": r["plan"],
                        "id": r["project_id"], "lon": c.x, "lat": c.y,
                        "parcel": r["located_on"] if r["located_by"] == "parcel" else None,
                        "structure": r["structure_id"] or None})
        for layer in ("towns", "land", "districts"):
            gdf, web = self.layer(layer), self.web(layer)
            hit = gdf[gdf["name_zh"].fillna("").str.contains(q, regex=False)]
            for i, r in hit.head(limit).iterrows():
                c = web.loc[i].geometry.representative_point()
                out.append({"kind": "place", "label": r["name_zh"], "plan": "", "id": r["name_zh"],
                            "lon": c.x, "lat": c.y})
        return out[: limit * 3]

    def plans(self):
        """The five plans with their rollups, for the overview page."""
        roll = self.layer("plan_rollup").set_index("plan")
        out = []
        for pid in PLAN_IDS:
            r = roll.loc[pid] if pid in roll.index else None
            out.append({"plan": pid, "title": PLAN_TITLES[pid],
                        **({} if r is None else _clean(r.to_dict()))})
        return out


def _project_dict(p):
    keep = ("project_id", "plan", "list_name", "seq", "name", "total_investment_yi", "fyp_investment_yi",
            "land_area_m2", "land_area_raw", "land_area_unit", "build_type", "period_start", "period_end",
            "owner", "source_line", "share", "content")
    return _clean({k: p.get(k) for k in keep if k in p})


def _clean(d):
    """JSON-safe values: NaN → None, numpy scalars → Python."""
    out = {}
    for k, v in d.items():
        if isinstance(v, (np.generic,)):
            v = v.item()
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            v = None
        if v is pd.NaT:
            v = None
        out[k] = v
    return out


def _geojson(geom):
    return shapely.geometry.mapping(geom)


def page_cache(store, key, render):
    """A rendered page, once per GeoPackage version and key: building the Folium map costs a second
    or more, and nothing in it changes until the file does."""
    cache = store._current()
    k = ("page",) + tuple(key)
    if k not in cache:
        cache[k] = render()
    return cache[k]

"""The questions every door asks the GeoPackage, answered once: find a parcel, a structure, a project;
search; a layer in a box; the plans.

The web API, the parcel page, the rings (an origin given as a parcel or structure), the sheets and the
CLI all call these functions, so a parcel code means the same parcel — and a wrong one gets the same
message with the same suggestions — wherever it is typed.
"""

import difflib
import json
import math
import re

import numpy as np
import pandas as pd
import shapely

from ..codes import normalise
from ..errors import BadRequest, NotFound
from ..plans import PLAN_IDS, PLAN_TITLES

STRUCTURE_LAYERS = ("structures", "structure_lines", "structure_points")


# -- plans ----------------------------------------------------------------------------------------------

def check_plan(plan):
    """``"0"``, ``"00"``, ``"000"`` → ``"000"``; anything not one of the five plans → :class:`NotFound`."""
    if plan is None:
        return None
    text = str(plan).strip()
    if re.fullmatch(r"\d{1,3}", text):
        text = text.zfill(3)
    if text not in PLAN_IDS:
        raise NotFound(f"unknown plan {_cut(plan)!r}; the plans are {', '.join(PLAN_IDS)}")
    return text


def plans(gp):
    """The five plans with their rollups, for the overview page and ``/api/plans``."""
    def build():
        roll = gp.layer("plan_rollup").set_index("plan")
        return [{"plan": pid, "title": PLAN_TITLES[pid], **(clean(roll.loc[pid].to_dict()) if pid in roll.index else {})}
                for pid in PLAN_IDS]

    return gp.memo("answers", "plans", build)


def plan_title(gp, plan):
    rows = gp.layer("plans")
    hit = rows[rows["plan"] == plan]
    if len(hit) and isinstance(hit.iloc[0]["title_zh"], str) and hit.iloc[0]["title_zh"]:
        return hit.iloc[0]["title_zh"]
    return PLAN_TITLES[plan]


# -- parcels --------------------------------------------------------------------------------------------

def find_parcel(gp, code, plan=None):
    """The parcel row (EPSG:4549) for ``code`` — as printed, normalised, or ``NNN:CODE`` — in ``plan``.

    Parcel codes are unique only within a plan: a code found in several plans without ``plan`` is a
    :class:`BadRequest` naming them; an unknown code a :class:`NotFound` with the closest codes.
    """
    code = str(code).strip()
    if re.fullmatch(r"\d{3}:.+", code):
        prefix, code = code.split(":", 1)
        if plan is not None and check_plan(plan) != prefix:
            raise BadRequest(f"parcel {prefix}:{_cut(code)} belongs to plan {prefix}, not plan {plan}")
        plan = prefix
    plan = check_plan(plan)
    parcels = gp.layer("parcels")
    hits = [(p, label) for p, label in _code_index(gp).get(normalise(code), ()) if plan is None or p == plan]
    if hits and len({p for p, _ in hits}) == 1:
        # one plan: the parcel, or — where an editor gave two parcels one code — the first of them,
        # answered with its problems (the duplicate is named there and in `planmap check`)
        return parcels.loc[min(label for _, label in hits)]
    if len(hits) > 1:
        found = sorted({p for p, _ in hits})
        raise BadRequest(f"parcel code {_cut(code)!r} exists in plans {', '.join(found)}: say which plan "
                         f"(?plan=NNN, --plan NNN or NNN:{_cut(code)})")
    pool = parcels if plan is None else parcels[parcels["plan"] == plan]
    close = difflib.get_close_matches(normalise(code), [c for c in pool["code_norm"] if isinstance(c, str)], n=3,
                                      cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NotFound(f"no parcel with code {_cut(code)!r}" + (f" in plan {plan}" if plan else "") + hint)


def _code_index(gp):
    """Normalised code → [(plan, row label)], once per version: a look-up is a dict access, not a scan
    (the parcel endpoint is the one the map calls on every click)."""
    def build():
        parcels = gp.layer("parcels")
        index = {}
        for label, code, plan in zip(parcels.index, parcels["code_norm"], parcels["plan"]):
            if isinstance(code, str) and code:          # a parcel without a code cannot be asked for
                index.setdefault(code, []).append((plan, label))
        return index

    return gp.memo("index", "codes", build)


def parcel_answer(gp, code, plan=None):
    """A parcel with its projects and its zone's quotas, as the API and the popup show it."""
    row = find_parcel(gp, code, plan)
    return _parcel_index(gp)[row.name]


def _parcel_index(gp):
    """Every parcel's answer, built once per version: a click is then a dict look-up.

    The parcel endpoint is the one the map calls on every click and other programs call in bulk;
    joining parcels, links, projects and quotas per request cost ~20 ms of CPU, so under 20
    concurrent clients the queue, not the work, dominated latency.
    """
    def build():
        parcels, web = gp.layer("parcels"), gp.web("parcels")
        problems = gp.problems("parcels")
        links = gp.layer("parcel_projects")
        projects = gp.layer("projects").set_index("project_id", drop=False)
        entities = entity_of(gp)
        by_parcel = {pid: grp for pid, grp in links.groupby("parcel_id")}
        quotas = gp.layer("quota_use")
        quota_by_zone = {}
        for r in quotas.to_dict("records"):          # a project's own figure names its parcels: "003:11-B-18;…"
            for z in str(r.get("zone_id") or "").split(";"):
                if z:
                    quota_by_zone.setdefault(z, []).append(clean(r))
        index = {}
        for i, row in parcels.iterrows():
            grp = by_parcel.get(row["parcel_id"])
            mine = []
            if grp is not None:
                for link in grp.itertuples():
                    if link.project_id not in projects.index:      # an edited link to no project
                        continue
                    p = projects.loc[link.project_id].to_dict()
                    p["share"] = link.share
                    mine.append(project_dict(p, entities))
            index[i] = {
                "type": "parcel", "id": int(i),
                "properties": clean(row.drop(labels=parcels.geometry.name).to_dict()),
                "plan_title": PLAN_TITLES.get(row["plan"], ""),
                "projects": mine,
                "quotas": quota_by_zone.get(row["zone_id"], []) + quota_by_zone.get(row["parcel_id"], []),
                "geometry": _web_geometry(web, i),
                "problems": problems.get(i, []),
            }
        return index

    return gp.memo("index", "parcels", build)


# -- structures and projects ----------------------------------------------------------------------------

def find_structure(gp, ident):
    """``(layer name, row)`` of the structure with id ``ident``, from whichever structure layer holds it."""
    ident = str(ident).strip()
    for layer in STRUCTURE_LAYERS:
        gdf = gp.layer(layer)
        hit = gdf[gdf["id"] == ident]
        if len(hit):
            return layer, hit.iloc[0]
    ids = [i for layer in STRUCTURE_LAYERS for i in gp.layer(layer)["id"] if isinstance(i, str)]
    close = difflib.get_close_matches(ident, ids, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NotFound(f"no structure with id {_cut(ident)!r}{hint}")


def structure_answer(gp, ident):
    """One structure with the projects located on it and its quotas."""
    from ..joins import sites_of_structure

    layer, row = find_structure(gp, ident)
    sites = gp.layer("project_sites")
    if row.geometry is None or row.geometry.is_empty:          # an editor removed its shape
        mine = sites[sites["structure_id"] == row["id"]]
    else:
        mine = sites_of_structure(sites, row["id"], row["plan"], row.geometry)
    projects = gp.layer("projects")
    mine = projects[projects["project_id"].isin(mine["project_id"])]
    quotas = gp.layer("quota_use")
    web = gp.web(layer)
    return {
        "type": "structure", "layer": layer, "id": int(row.name),
        "properties": clean(row.drop(labels=gp.layer(layer).geometry.name).to_dict()),
        "plan_title": PLAN_TITLES.get(row["plan"], ""),
        "projects": [project_dict(p, entity_of(gp)) for p in mine.to_dict("records")],
        "quotas": [clean(r) for r in quotas[quotas["zone_id"] == row["id"]].to_dict("records")],
        "geometry": _web_geometry(web, row.name),
        "problems": gp.problems(layer).get(row.name, []),
    }


def project_answer(gp, project_id):
    """One project row, with where it was located (or nothing, if it was not)."""
    out = clean(_row(gp.layer("projects"), "project_id", project_id, "project").to_dict())
    eid = entity_of(gp).get(project_id, {}).get("entity_id")
    if eid:
        out["entity"] = entity_answer(gp, eid)
    sites = gp.layer("project_sites")
    site = sites[sites["project_id"] == project_id]
    if len(site):
        s = site.iloc[0]
        out.update(located_by=s["located_by"], located_on=s["located_on"], district=s["district"],
                   location_quality=s["quality"])
    return out


def entity_of(gp):
    """project id → a short summary of the entity it belongs to (plans, disagreements), once per
    version; empty for a file built before entities existed."""
    from ..errors import DataUnavailable

    def build():
        try:
            entities = gp.layer("entities")
            members = gp.layer("entity_members")
        except DataUnavailable:
            return {}
        # an edited row that points nowhere, or a duplicated id, is left out rather than taking every
        # popup down
        entities = entities.dropna(subset=["entity_id"]).drop_duplicates("entity_id").set_index("entity_id")
        out = {}
        for m in members.itertuples():
            if m.entity_id in entities.index and isinstance(m.project_id, str):
                e = entities.loc[m.entity_id]
                n = pd.to_numeric(e.get("n_disagreements"), errors="coerce")
                out[m.project_id] = {"entity_id": m.entity_id, "plans": str(e.get("plans") or ""),
                                     "n_disagreements": int(n) if n == n else 0}
        return out

    return gp.memo("index", "entity_of", build)


def entity_answer(gp, ident):
    """One project listed by several plans: each plan's figures side by side and what differs."""
    row = clean(_row(gp.layer("entities"), "entity_id", ident, "entity").to_dict())
    members = gp.layer("entity_members")
    return {"type": "entity", **row,
            "disagreements": [d for d in str(row.get("disagreements") or "").split("；") if d],
            "members": [clean(m) for m in members[members["entity_id"] == ident].to_dict("records")]}


def origin_geometry(gp, *, parcel=None, plan=None, structure=None):
    """The EPSG:4549 geometry and a Chinese label of a parcel or structure, as ring origins."""
    if parcel is not None:
        row = find_parcel(gp, parcel, plan)
        label = f"地块 {row['code']}"
    else:
        _, row = find_structure(gp, structure)
        label = row["name_zh"]
    if row.geometry is None or row.geometry.is_empty:
        raise BadRequest(f"{label} (feature {row.name}) has no shape, so no ring can start from it; "
                         "an editor must draw it again")
    return row.geometry, label


# -- search and layers ----------------------------------------------------------------------------------

def search(gp, q, limit=20):
    """Parcels by code; projects listed by several plans, projects, structures and places by name —
    names compared as :func:`layers.names.name_key` folds them (full-width or ASCII brackets, spaces,
    case), so 安全应急 finds 安全（应急） and 安全(应急) alike."""
    from ..names import name_key

    q = q.strip()
    if not q:
        return []
    key = name_key(q)
    if not key:
        return []
    # a Latin fragment such as "E-" folds to one letter, which every English name holds: names are
    # searched from two characters on, or from one Chinese character
    by_name = len(key) >= 2 or any("\u4e00" <= ch <= "\u9fff" for ch in key)

    def named(frame, *cols):
        hit = np.zeros(len(frame), dtype=bool)
        for c in cols:
            if c in frame.columns:
                hit |= frame[c].map(name_key).str.contains(key, regex=False).to_numpy()
        return frame[hit]

    out = []
    web = gp.web("parcels")
    hit = web[web["code_norm"].fillna("").str.contains(normalise(q), regex=False)]
    for i, r in hit.head(limit).iterrows():
        c = r.geometry.representative_point()
        out.append({"kind": "parcel", "label": f"地块 {r['code']}（规划{r['plan']}）", "plan": r["plan"],
                    "id": r["code"], "lon": c.x, "lat": c.y})
    if not by_name:
        return out[: limit * 3]
    for r in entity_search(gp, key, limit):
        out.append(r)
    for layer in STRUCTURE_LAYERS:
        web = gp.web(layer)
        hit = named(web, "name_zh", "name_en", "aliases")
        for i, r in hit.head(limit).iterrows():
            c = r.geometry.representative_point()
            out.append({"kind": "structure", "label": f"{r['name_zh']}（规划{r['plan']}）", "plan": r["plan"],
                        "id": r["id"], "lon": c.x, "lat": c.y})
    web = gp.web("project_sites")
    hit = named(web, "name")
    for i, r in hit.head(limit).iterrows():
        c = r.geometry.representative_point()
        out.append({"kind": "project", "label": f"{r['name']}（规划{r['plan']}）", "plan": r["plan"],
                    "id": r["project_id"], "lon": c.x, "lat": c.y,
                    "parcel": r["located_on"] if r["located_by"] == "parcel" else None,
                    "structure": r["structure_id"] or None})
    for layer in ("towns", "land", "districts"):
        web = gp.web(layer)
        hit = named(web, "name_zh")
        for i, r in hit.head(limit).iterrows():
            c = r.geometry.representative_point()
            out.append({"kind": "place", "label": r["name_zh"], "plan": "", "id": r["name_zh"],
                        "lon": c.x, "lat": c.y})
    return out[: limit * 3]


def entity_search(gp, key, limit=20):
    """Entities whose name holds ``key`` (a :func:`layers.names.name_key`): one answer for a project
    that several plans list, before its rows."""
    from ..errors import DataUnavailable
    from ..names import name_key

    try:
        entities = gp.layer("entities")
    except DataUnavailable:
        return []
    members = gp.layer("entity_members")
    keys = members["name"].map(name_key)
    ids = list(dict.fromkeys(members.loc[keys.str.contains(key, regex=False).to_numpy(), "entity_id"]))
    out = []
    for eid in ids[:limit]:
        hit = entities[entities["entity_id"] == eid]
        if hit.empty:
            continue
        e = hit.iloc[0]
        plans = str(e["plans"] or "")
        n = pd.to_numeric(e["n_disagreements"], errors="coerce")
        out.append({"kind": "entity", "label": f"{e['name_zh']}（规划{plans.replace(';', '、')}"
                                               + (f"，{int(n)} 处不一致" if n == n and n else "") + "）",
                    "plan": "", "id": eid, "plans": plans})
    return out


def features(gp, name, bbox=None, limit=1000, plan=None):
    """A map layer as a GeoJSON FeatureCollection (EPSG:4326), optionally cut to a lon/lat box and a plan."""
    web = gp.web(name)
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


# -- values ---------------------------------------------------------------------------------------------

def _row(frame, column, value, what):
    """The first row whose ``column`` is ``value``, or :class:`NotFound` naming ``what``."""
    hit = frame[frame[column] == value]
    if hit.empty:
        raise NotFound(f"no {what} with id {_cut(value)!r}")
    return hit.iloc[0]


def _web_geometry(web, label):
    """The feature's shape as GeoJSON for the browser, or None when it has none."""
    return shapely.geometry.mapping(web.loc[label].geometry) if label in web.index else None


def project_dict(p, entities=None):
    """A project row as the popups list it; with the entity it belongs to, if several plans list it."""
    keep = ("project_id", "plan", "list_name", "seq", "name", "total_investment_yi", "fyp_investment_yi",
            "land_area_m2", "land_area_raw", "land_area_unit", "build_type", "period_start", "period_end",
            "complete_by", "period_raw",
            "owner", "source_line", "share", "content")
    out = clean({k: p.get(k) for k in keep if k in p})
    if entities and p.get("project_id") in entities:
        out["entity"] = entities[p["project_id"]]
    return out


def clean(d):
    """JSON-safe values: NaN → None, numpy scalars → Python."""
    out = {}
    for k, v in d.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            v = None
        if v is pd.NaT:
            v = None
        out[k] = v
    return out


def _cut(text, n=80):
    """Echoed input, cut to a sane length."""
    text = str(text)
    return text if len(text) <= n else text[:n] + "…"

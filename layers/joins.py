"""Spatial joins and rollups: projects onto parcels, structures and districts; quotas onto zones.

Each project is located by the best evidence its own row gives, in this order, and says which:

1. ``parcel`` — its parcel code(s) name parcels in the ``parcels`` layer;
2. ``structure`` — its words name a structure of the plans (an alias of a recipe feature: 浅滩二期,
   综保区, 瑶溪北单元 …); the longest name wins, then the smaller feature;
3. ``place`` — its words name a place of the gazetteer (``geodata/recipes/gazetteer.csv``: an island,
   a town, an area, the airport …);
4. ``district`` — its words name only a district or county (a coarse location, shown as such);
5. otherwise it is listed in ``unlocated_projects`` with the reason.

Names are found as whole names only (:func:`layers.gazetteer.whole_names`: 虹桥 is not found in 六虹桥路).
Every site is then checked against the district its row implies (:func:`implied_districts`: the
districts its name, location or owner names, else its plan's own): a structure or place that spans
districts gives the site its part inside the implied one; a site that would lie outside it is not
placed there — the next name the row gives is tried, and a row with none left is unlocated, saying
which district its words imply and where the name would have put it.

Nothing is dropped: every project row is either in ``project_sites`` or in ``unlocated_projects``, so
located plus unlocated investment equals each plan's table total (``plan_rollup`` shows both).
A project on several parcels has its investment shared among them by parcel area, so a parcel
rollup never counts one yuan twice.
"""

from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import PLAN_CRS
from .gazetteer import SITE_KINDS, Places, load_gazetteer, names_of, whole_names, why_not_whole

SITE_COLUMNS = ["project_id", "plan", "list_name", "seq", "name", "section", "total_investment_yi",
                "fyp_investment_yi", "land_area_m2", "build_type", "period_start", "period_end", "owner",
                "located_by", "located_on", "parcel_ids", "structure_id", "district", "quality", "in_rollup",
                "source_line"]
MONEY = ("total_investment_yi", "fyp_investment_yi")

#: Lists whose rows regroup other rows of the same plan: shown on the map, kept out of the sums.
UMBRELLA_LISTS = {
    ("000", "十大（类）百亿工程"): "its ten programmes regroup the 重大项目清单's projects (约 2500 亿元)",
}


def in_rollup(plan, list_name):
    """False for rows of an umbrella list, whose money is already counted in the plan's project table."""
    return (plan, list_name) not in UMBRELLA_LISTS


def project_ids(projects):
    """A stable id per project row: ``plan:line`` plus ``#k`` where one line holds several rows."""
    seen = defaultdict(int)
    ids = []
    for plan, line in zip(projects["plan"], projects["source_line"]):
        key = f"{plan}:L{int(line)}"
        seen[key] += 1
        ids.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return ids


#: the districts a plan's rows lie in when their own words name none (reading notes, shared/docs/plans)
PLAN_DISTRICTS = {
    "000": ("洞头区",),    # 瓯江口产业集聚区: 灵昆街道 and the 浅滩, administered for 洞头区 (000 L57, L331)
    "001": ("瓯海区",),    # 瓯海区's own plan
    "002": ("洞头区",),    # 洞头区's own plan
    "003": ("龙湾区",),    # 浙南科技城, in 龙湾区 (003 L4)
    "004": ("龙湾区", "瓯海区", "瑞安市", "洞头区", "乐清市"),    # the six 片区 (004 L124-L136)
}
#: plans of one district: every row lies in it, whatever other district its words also name
OWN_DISTRICT = {"001": "瓯海区", "002": "洞头区"}


def implied_districts(project, places):
    """``(districts, why)``: the districts a project row implies, by one rule for every row.

    The districts of the gazetteer places its ``name``, ``location_text`` and ``owner`` name as whole
    names (瓯海区政府 → 瓯海区; 瓯江口 → 洞头区; 娄桥 → 瓯海区), plus its plan's own district for the
    one-district plans (001 瓯海区, 002 洞头区); a row naming none takes its plan's districts
    (:data:`PLAN_DISTRICTS`). The ``content`` column is not read: it names what a project connects to
    (「连接乐清」), not where it lies.
    """
    plan = project["plan"] if isinstance(project, dict) else project.plan
    get = (lambda c: project.get(c)) if isinstance(project, dict) else (lambda c: getattr(project, c, None))
    words = " ".join(str(get(c)) for c in ("name", "location_text", "owner") if isinstance(get(c), str))
    named = sorted(places.districts_named(words, plan))
    if named:
        own = OWN_DISTRICT.get(plan)
        ds = set(named) | ({own} if own else set())
        return ds, "its name, location or owner names " + "、".join(named) + (
            f" (plan {plan} is {own}'s)" if own and own not in named else "")
    return set(PLAN_DISTRICTS.get(plan, ())), f"plan {plan}'s own area ({'、'.join(PLAN_DISTRICTS.get(plan, ()))})"


class _Names:
    """Every name a project's words may use for a structure or place, longest first."""

    def __init__(self, structures_all, land, towns, districts, places=None):
        entries = []
        for row in structures_all.itertuples():
            for alias in str(row.aliases or row.name_zh).split("|"):
                entries.append((alias, "structure", row.id, row.plan, row.geometry, row.quality))
        # places come from the gazetteer only (its city centre, 温州主城区, and its unplaced names are
        # never a site); a plan-scoped alias (规划区@000) is not used for projects
        if places is None:
            places = Places(load_gazetteer(), districts, land, towns, structures_all)
        self.places = places
        self.point = {}
        for i, row in places.table.iterrows():
            if row["kind"] not in SITE_KINDS or places.point[i] is None:
                continue
            kind = "district" if row["kind"] == "district" else "place"
            ident = f"{kind}:{row['name_zh']}"
            geom = places.shape[i] if places.shape[i] is not None else places.point[i]
            self.point[ident] = places.point[i]
            for n in names_of(row, plan="-"):
                entries.append((n, kind, ident, "", geom, row["quality"]))
        self.entries = sorted(entries, key=lambda e: (-len(e[0]), e[4].area))
        self._names = {e[0] for e in self.entries}

    def find(self, words, plan):
        """The best (name, kind, id, geometry, quality) named in ``words`` as a whole name
        (:func:`layers.gazetteer.whole_names`): structures first, own plan first."""
        ranked = self.candidates(words, plan)
        return ranked[0] if ranked else None

    def candidates(self, words, plan):
        """Every (name, kind, id, geometry, quality) named in ``words``, best first (see :meth:`find`)."""
        present = {n for n, _ in whole_names(words, self._names)}
        hits = [e for e in self.entries if e[0] in present]
        out = []
        for kind in ("structure", "place", "district"):
            ranked = [e for e in hits if e[1] == kind]
            if kind == "structure":
                own = [e for e in ranked if e[3] == plan]
                ranked = own + [e for e in ranked if e[3] != plan]
            out += ranked
        return out

    def near_misses(self, words):
        """Names that occur in ``words`` only inside a longer word, each with that word (for reasons)."""
        present = {n for n, _ in whole_names(words, self._names)}
        out = []
        for name in sorted(self._names, key=lambda n: -len(n)):
            if len(name) >= 2 and name in words and name not in present and not any(name in o for o in present):
                out.append(why_not_whole(words, name))
        return out[:3]


def locate_projects(projects, parcels, structures_all, land, towns, districts, gazetteer=None):
    """``(project_sites, unlocated_projects, parcel_shares)`` — see the module docstring.

    ``gazetteer``: the path of ``gazetteer.csv`` (default: the recipes folder's) or its table."""
    projects = projects.copy()
    projects["project_id"] = project_ids(projects)
    parcel_geom = dict(zip(parcels["parcel_id"], parcels.geometry))
    table = gazetteer if isinstance(gazetteer, pd.DataFrame) else load_gazetteer(gazetteer)
    places = Places(table, districts, land, towns, structures_all)
    names = _Names(structures_all, land, towns, districts, places)
    district_geom = dict(zip(districts["name_zh"], districts.geometry))
    sites, unlocated, shares = [], [], []
    for p in projects.itertuples():
        words = " ".join(str(x) for x in (p.name, p.location_text, p.content) if isinstance(x, str))
        pids = [f"{p.plan}:{c}" for c in (p.parcel_codes or "").split(";") if c]
        found = [pid for pid in pids if pid in parcel_geom]
        base = {c: getattr(p, c) for c in SITE_COLUMNS if hasattr(p, c)}
        base["in_rollup"] = in_rollup(p.plan, p.list_name)
        implied, implied_why = implied_districts(p, places)
        within = shapely.union_all([district_geom[d] for d in implied if d in district_geom])
        refused = []
        if found and not shapely.union_all([parcel_geom[pid] for pid in found]).point_on_surface().within(within):
            refused.append(f"parcel(s) {', '.join(found)} outside {'、'.join(sorted(implied))}")
            found = []
        if found:
            geom = shapely.union_all([parcel_geom[pid] for pid in found])
            areas = np.array([parcel_geom[pid].area for pid in found])
            for pid, a in zip(found, areas):
                shares.append({"project_id": p.project_id, "parcel_id": pid, "share": a / areas.sum(),
                               **{m: getattr(p, m) for m in MONEY}})
            sites.append({**base, "located_by": "parcel", "located_on": ";".join(c.split(":", 1)[1] for c in found),
                          "parcel_ids": ";".join(found), "structure_id": "", "quality": "schematic",
                          "geometry": geom.point_on_surface()})
            continue
        hit = None
        for cand in names.candidates(words, p.plan):
            name, kind, ident, _, geom, quality = cand
            pt = _site_point(geom, names.point.get(ident), within)
            if pt is None:
                where = _district_of([_site_point(geom, names.point.get(ident), None)], districts)[0] or "no district"
                refused.append(f"{name} ({where})")
                continue
            hit = cand
            break
        if hit:
            name, kind, ident, _, geom, quality = hit
            # a site put at a place's or district's own point is a stand-in: schematic, whatever the
            # quality of the place's outline
            sites.append({**base, "located_by": kind, "located_on": name, "parcel_ids": "",
                          "structure_id": ident if kind == "structure" else "",
                          "quality": quality if kind == "structure" else "schematic", "geometry": pt})
            continue
        reason = ("its parcel code(s) " + ", ".join(pids) + " are not in the parcels layer") if pids else \
            "its row names no parcel code, plan structure or known place"
        misses = names.near_misses(words)
        if misses:
            reason += " as a whole name (" + "; ".join(misses) + ")"
        if refused:
            reason = (f"{implied_why}, so it lies in {'、'.join(sorted(implied))}; what its words name lies "
                      f"elsewhere: {'; '.join(refused)}")
        unlocated.append({**{c: getattr(p, c) for c in ("project_id", "plan", "list_name", "seq", "name",
                                                        "total_investment_yi", "fyp_investment_yi", "source_line")},
                          "in_rollup": in_rollup(p.plan, p.list_name), "reason": reason})
    site_gdf = gpd.GeoDataFrame(sites, geometry="geometry", crs=PLAN_CRS)
    site_gdf["district"] = _district_of(site_gdf.geometry, districts)
    site_gdf = site_gdf[SITE_COLUMNS + ["geometry"]]
    unl = pd.DataFrame(unlocated, columns=["project_id", "plan", "list_name", "seq", "name", "total_investment_yi",
                                           "fyp_investment_yi", "source_line", "in_rollup", "reason"])
    return site_gdf, unl, pd.DataFrame(shares, columns=["project_id", "parcel_id", "share", *MONEY])


def _site_point(geom, point, within):
    """Where a site on ``geom`` goes: the feature's own point (a place's seat, a line's middle, a
    polygon's inside), or — when that lies outside ``within`` (the implied districts) — a point of the
    feature's part inside it; None when no part of the feature is inside."""
    if point is None:
        point = (geom.point_on_surface() if geom.geom_type.endswith("Polygon")
                 else shapely.line_interpolate_point(geom, 0.5, normalized=True)
                 if geom.geom_type.endswith("LineString") else geom.centroid)
    if within is None or point.within(within):
        return point
    part = shapely.intersection(geom, within)
    # only a part of the feature's own dimension counts: a polygon touching the district along its
    # border, or a line crossing it at a point, does not lie in it
    if part.is_empty or (part.area if geom.geom_type.endswith("Polygon") else part.length) <= 0:
        return None
    if part.geom_type == "GeometryCollection":
        part = shapely.union_all([g for g in part.geoms if g.geom_type.endswith(("Polygon", "LineString"))])
    if part.geom_type.endswith("LineString"):
        return shapely.line_interpolate_point(part, 0.5, normalized=True) if part.geom_type == "LineString" \
            else shapely.line_interpolate_point(max(part.geoms, key=lambda g: g.length), 0.5, normalized=True)
    return part.point_on_surface()


def _district_of(geoms, districts):
    out = []
    for g in geoms:
        hit = districts[districts.contains(g)]
        out.append(hit["name_zh"].iloc[0] if len(hit) else "")
    return out


def rollup_parcels(parcels, shares, districts, structures, projects):
    """Parcels with their projects' investment (area-shared), build period, district and structures."""
    parcels = parcels.copy()
    periods = shares.merge(projects[["project_id", "period_start", "period_end"]], on="project_id")
    span = periods.groupby("parcel_id").agg(period_start=("period_start", "min"), period_end=("period_end", "max"))
    g = shares.assign(total=shares["total_investment_yi"].fillna(0) * shares["share"],
                      fyp=shares["fyp_investment_yi"].fillna(0) * shares["share"])
    agg = g.groupby("parcel_id").agg(n_projects=("project_id", "nunique"), total_investment_yi=("total", "sum"),
                                     fyp_investment_yi=("fyp", "sum"))
    parcels = parcels.join(agg, on="parcel_id").join(span, on="parcel_id")
    parcels["n_projects"] = parcels["n_projects"].fillna(0).astype(int)
    for m in MONEY:
        parcels[m] = parcels[m].fillna(0.0)
    parcels["intensity_wan_per_m2"] = parcels["total_investment_yi"] * 1e4 / parcels.geometry.area
    parcels["district"] = _district_of(parcels.geometry.representative_point(), districts)
    inside = []
    for pt in parcels.geometry.representative_point():
        hit = structures[structures.contains(pt)]
        inside.append(";".join(hit.sort_values("area_km2")["id"]))
    parcels["structure_ids"] = inside
    return parcels


def sites_of_structure(sites, ident, plan, geom):
    """The project sites a structure counts: its own plan's projects located on it, or located on a
    parcel or a smaller structure inside it. A site placed at a district's or island's centre point
    (located_by place/district) says nothing about which structure holds it, so it counts only for
    the place itself; and another plan's projects belong to that plan's structures."""
    sites = sites[sites["in_rollup"].astype(bool) & (sites["plan"] == plan)]
    mask = sites["structure_id"] == ident
    if geom.geom_type.endswith("Polygon"):
        precise = sites["located_by"].isin(["parcel", "structure"])
        mask = mask | (precise & sites.geometry.within(geom))
    return sites[mask]


def rollup_structures(structures, sites):
    """Per structure: see :func:`sites_of_structure`."""
    structures = structures.copy()
    n, tot, fyp, land = [], [], [], []
    for row in structures.itertuples():
        sel = sites_of_structure(sites, row.id, row.plan, row.geometry)
        n.append(len(sel))
        tot.append(float(sel["total_investment_yi"].fillna(0).sum()))
        fyp.append(float(sel["fyp_investment_yi"].fillna(0).sum()))
        land.append(float(sel["land_area_m2"].fillna(0).sum()))
    structures["n_projects"] = n
    structures["total_investment_yi"] = tot
    structures["fyp_investment_yi"] = fyp
    structures["project_land_m2"] = land
    return structures


def rollup_districts(districts, sites):
    """Per district: projects whose site lies in it. A project printed by two plans counts twice here
    (plan 002's 附件3 lists 瓯江口 projects that plan 000 lists too): compare districts within a plan."""
    districts = districts.copy()
    sites = sites[sites["in_rollup"]]
    g = sites.groupby("district").agg(n_projects=("project_id", "count"),
                                      total_investment_yi=("total_investment_yi", "sum"),
                                      fyp_investment_yi=("fyp_investment_yi", "sum"))
    districts = districts.join(g, on="name_zh")
    districts["n_projects"] = districts["n_projects"].fillna(0).astype(int)
    for m in MONEY:
        districts[m] = districts[m].fillna(0.0)
    return districts


def rollup_plans(projects, sites, unlocated, printed_totals):
    """Per plan: all rows, located and unlocated, with investment — the reconciliation table."""
    rows = []
    keep = [in_rollup(p, l) for p, l in zip(projects["plan"], projects["list_name"])]
    projects = projects[keep]
    sites, unlocated = sites[sites["in_rollup"]], unlocated[unlocated["in_rollup"]]
    for plan, grp in projects.groupby("plan"):
        s = sites[sites["plan"] == plan]
        u = unlocated[unlocated["plan"] == plan]
        row = {"plan": plan, "n_projects": len(grp), "n_located": len(s), "n_unlocated": len(u)}
        for m in MONEY:
            row[m] = float(grp[m].fillna(0).sum())
            row[f"located_{m}"] = float(s[m].fillna(0).sum())
            row[f"unlocated_{m}"] = float(u[m].fillna(0).sum())
        for by in ("parcel", "structure", "place", "district"):
            row[f"n_by_{by}"] = int((s["located_by"] == by).sum())
        rows.append(row)
    return pd.DataFrame(rows)

"""Spatial joins and rollups: projects onto parcels, structures and districts; quotas onto zones.

Each project is located by the best evidence its own row gives, in this order, and says which:

1. ``parcel`` — its parcel code(s) name parcels in the ``parcels`` layer;
2. ``structure`` — its words name a structure of the plans (an alias of a recipe feature: 浅滩二期,
   综保区, 瑶溪北单元 …); the longest name wins, then the smaller feature;
3. ``place`` — its words name an island or a town;
4. ``district`` — its words name only a district or county (a coarse location, shown as such);
5. otherwise it is listed in ``unlocated_projects`` with the reason.

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
from .gazetteer import whole_names, why_not_whole

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


class _Names:
    """Every name a project's words may use for a structure or place, longest first."""

    def __init__(self, structures_all, land, towns, districts):
        entries = []
        for row in structures_all.itertuples():
            for alias in str(row.aliases or row.name_zh).split("|"):
                entries.append((alias, "structure", row.id, row.plan, row.geometry, row.quality))
        # the city itself (温州, 温州市) names no place: every row of every plan is "in Wenzhou"
        towns = towns[~towns["kind"].isin(["city", "city_seat"])]
        for gdf, kind in ((land[land["name_zh"].astype(bool)], "place"), (towns, "place"), (districts, "district")):
            for row in gdf.itertuples():
                names = {row.name_zh}
                for suffix in ("街道", "镇", "区", "市", "县", "岛"):
                    if row.name_zh.endswith(suffix) and len(row.name_zh) - len(suffix) >= 2:
                        names.add(row.name_zh[: -len(suffix)])
                for n in names:
                    entries.append((n, kind, f"{kind}:{row.name_zh}", "", row.geometry, row.quality))
        self.entries = sorted(entries, key=lambda e: (-len(e[0]), e[4].area))
        self._names = {e[0] for e in self.entries}

    def find(self, words, plan):
        """The best (name, kind, id, geometry, quality) named in ``words`` as a whole name
        (:func:`layers.gazetteer.whole_names`): structures first, own plan first."""
        present = {n for n, _ in whole_names(words, self._names)}
        hits = [e for e in self.entries if e[0] in present]
        if not hits:
            return None
        for kind in ("structure", "place", "district"):
            ranked = [e for e in hits if e[1] == kind]
            if kind == "structure":
                own = [e for e in ranked if e[3] == plan]
                ranked = own or ranked
            if ranked:
                return ranked[0]
        return None

    def near_misses(self, words):
        """Names that occur in ``words`` only inside a longer word, each with that word (for reasons)."""
        present = {n for n, _ in whole_names(words, self._names)}
        out = []
        for name in sorted(self._names, key=lambda n: -len(n)):
            if len(name) >= 2 and name in words and name not in present and not any(name in o for o in present):
                out.append(why_not_whole(words, name))
        return out[:3]


def locate_projects(projects, parcels, structures_all, land, towns, districts):
    """``(project_sites, unlocated_projects, parcel_shares)`` — see the module docstring."""
    projects = projects.copy()
    projects["project_id"] = project_ids(projects)
    parcel_geom = dict(zip(parcels["parcel_id"], parcels.geometry))
    names = _Names(structures_all, land, towns, districts)
    sites, unlocated, shares = [], [], []
    for p in projects.itertuples():
        words = " ".join(str(x) for x in (p.name, p.location_text, p.content) if isinstance(x, str))
        pids = [f"{p.plan}:{c}" for c in (p.parcel_codes or "").split(";") if c]
        found = [pid for pid in pids if pid in parcel_geom]
        base = {c: getattr(p, c) for c in SITE_COLUMNS if hasattr(p, c)}
        base["in_rollup"] = in_rollup(p.plan, p.list_name)
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
        hit = names.find(words, p.plan)
        if hit:
            name, kind, ident, _, geom, quality = hit
            # a site put at a place's or district's own point is a stand-in: schematic, whatever the
            # quality of the place's outline
            sites.append({**base, "located_by": kind, "located_on": name, "parcel_ids": "",
                          "structure_id": ident if kind == "structure" else "",
                          "quality": quality if kind == "structure" else "schematic",
                          "geometry": geom.point_on_surface() if geom.geom_type.endswith("Polygon")
                          else shapely.line_interpolate_point(geom, 0.5, normalized=True)
                          if geom.geom_type.endswith("LineString") else geom.centroid})
            continue
        reason = ("its parcel code(s) " + ", ".join(pids) + " are not in the parcels layer") if pids else \
            "its row names no parcel code, plan structure or known place"
        misses = names.near_misses(words)
        if misses:
            reason += " as a whole name (" + "; ".join(misses) + ")"
        unlocated.append({**{c: getattr(p, c) for c in ("project_id", "plan", "list_name", "seq", "name",
                                                        "total_investment_yi", "fyp_investment_yi", "source_line")},
                          "in_rollup": in_rollup(p.plan, p.list_name), "reason": reason})
    site_gdf = gpd.GeoDataFrame(sites, geometry="geometry", crs=PLAN_CRS)
    site_gdf["district"] = _district_of(site_gdf.geometry, districts)
    site_gdf = site_gdf[SITE_COLUMNS + ["geometry"]]
    unl = pd.DataFrame(unlocated, columns=["project_id", "plan", "list_name", "seq", "name", "total_investment_yi",
                                           "fyp_investment_yi", "source_line", "in_rollup", "reason"])
    return site_gdf, unl, pd.DataFrame(shares, columns=["project_id", "parcel_id", "share", *MONEY])


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


def locate_quotas(quotas, structures_all, land, towns, districts, sites):
    """Quotas joined to the zone they name, beside the land the projects located in that zone take."""
    names = _Names(structures_all, land, towns, districts)
    out = []
    geoms = dict(zip(structures_all["id"], structures_all.geometry))
    for q in quotas.itertuples():
        words = f"{q.zone} {q.text}"
        hit = names.find(str(q.zone), q.plan) or names.find(words, q.plan)
        zone_id, zone_name, used = "", "", None
        if hit:
            zone_name, kind, ident = hit[0], hit[1], hit[2]
            zone_id = ident
            geom = geoms.get(ident) if kind == "structure" else hit[4]
            if geom is not None and geom.geom_type.endswith("Polygon"):
                inside = sites_of_structure(sites, ident, q.plan, geom)
                used = float(inside["land_area_m2"].fillna(0).sum())
        out.append({"plan": q.plan, "zone": q.zone, "item": q.item, "value": q.value, "unit": q.unit,
                    "value_m2": q.value_m2, "year": q.year, "source_line": q.source_line, "zone_id": zone_id,
                    "zone_matched": zone_name, "projects_land_m2": used,
                    "share_used": (used / q.value_m2) if (used is not None and q.value_m2) else None})
    return pd.DataFrame(out)

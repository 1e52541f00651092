"""What GIS staff should digitise first: every sketched or schematic feature, ranked by what rests on it.

The plans give no coordinates, so most shapes are sketched from the text or schematic (drawn to the
stated area, position unknown). Replacing them all with surveyed shapes is slow work; this list puts
first the shapes on which the most investment and the most projects rest — the ones where a wrong
position misleads a planner the most — with the plan lines that describe them, so an editor can read
the text, open the control plan, and redraw the feature in QGIS (the next build keeps the edit).
"""

import numpy as np
import pandas as pd

from .cartography import QUALITIES

LAYERS = {"structures": ("id", "name_zh"), "structure_lines": ("id", "name_zh"),
          "structure_points": ("id", "name_zh"), "parcels": ("parcel_id", "code"), "planned_links": ("id", "name_zh")}
COLUMNS = ["rank", "layer", "feature", "plan", "name", "quality", "accuracy_m", "n_direct", "direct_investment_yi",
           "n_projects", "total_investment_yi", "fyp_investment_yi", "source_ref", "why"]


def build_worklist(layers):
    """The ``worklist`` table from the finished layers (rollups included): one row per sketched or
    schematic feature, ranked by the investment placed *on it* (projects located on the feature itself,
    or a parcel's share), then by all it holds (its rollup, nested features included: a plan's
    envelope holds everything but places little itself), then the least accurate first."""
    direct = _direct(layers)
    envelopes = _envelopes(layers)
    rows = []
    for name, (key, label) in LAYERS.items():
        gdf = layers.get(name)
        if gdf is None or not len(gdf):
            continue
        rough = gdf[gdf["quality"].isin(["sketched", "schematic"])]
        for _, f in rough.iterrows():
            n = int(f.get("n_projects") or 0) if pd.notna(f.get("n_projects")) else 0
            money = float(f.get("total_investment_yi")) if pd.notna(f.get("total_investment_yi")) else 0.0
            fyp = float(f.get("fyp_investment_yi")) if pd.notna(f.get("fyp_investment_yi")) else 0.0
            acc = float(f["accuracy_m"]) if pd.notna(f.get("accuracy_m")) else np.nan
            q = QUALITIES[f["quality"]]
            why = (f"{n} 个项目、{money:.2f} 亿元落在这一{q.zh}图形上" if n else f"没有项目落在这一{q.zh}图形上")
            if np.isfinite(acc):
                why += f"，位置误差约 {acc:,.0f} m"
            n_direct, money_direct = direct.get((name, f[key]), (0, 0.0))
            envelope = (name, f[key]) in envelopes
            if n_direct:
                why = f"{n_direct} 个项目、{money_direct:.2f} 亿元直接定位于此；" + why
            if envelope:
                why += "；规划范围外框：其上的项目只定位到整个范围，重绘外框不会使它们更准，排在后面"
            rows.append({"layer": name, "feature": f[key], "plan": f.get("plan"), "name": f.get(label),
                         "quality": f["quality"], "accuracy_m": acc, "n_direct": n_direct, "_envelope": envelope,
                         "direct_investment_yi": money_direct, "n_projects": n, "total_investment_yi": money,
                         "fyp_investment_yi": fyp, "source_ref": f.get("source_ref"), "why": why})
    out = pd.DataFrame(rows, columns=COLUMNS[1:] + ["_envelope"])
    out = out.sort_values(["_envelope", "direct_investment_yi", "n_direct", "total_investment_yi", "accuracy_m"],
                          ascending=[True, False, False, False, False], kind="mergesort").reset_index(drop=True)
    out = out.drop(columns="_envelope")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[COLUMNS]


def _direct(layers):
    """``{(layer, feature): (projects, 亿元)}`` placed on the feature itself, of any plan (a shape drawn
    wrong misplaces every project put on it, whichever plan lists it): sites located on a structure,
    and each parcel's share of its projects."""
    out = {}
    sites = layers.get("project_sites")
    if sites is not None and len(sites):
        on = sites[(sites["located_by"] == "structure") & sites["in_rollup"].fillna(True).astype(bool)]
        for sid, grp in on.groupby("structure_id"):
            money = float(pd.to_numeric(grp["total_investment_yi"], errors="coerce").fillna(0).sum())
            for layer in ("structures", "structure_lines", "structure_points"):
                out[(layer, sid)] = (len(grp), money)
    shares = layers.get("parcel_projects")
    if shares is not None and len(shares):
        money = pd.to_numeric(shares["total_investment_yi"], errors="coerce").fillna(0) * shares["share"]
        for pid, grp in shares.assign(_m=money).groupby("parcel_id"):
            out[("parcels", pid)] = (len(grp), float(grp["_m"].sum()))
    return out


def _envelopes(layers):
    """The plans' outline polygons (kind ``area``): projects put on them are placed only as "somewhere
    in the plan's area", so redrawing the outline places none of them better."""
    gdf = layers.get("structures")
    if gdf is None or "kind" not in gdf:
        return set()
    return {("structures", i) for i in gdf.loc[gdf["kind"] == "area", "id"]}

"""One real project listed by several plans: an entity, with each plan's figures side by side.

The plans overlap: 瓯江口's plan (000), 洞头区's (002) and the 大罗山 corridor's (004) each list the
中国温州安全（应急）产业园, with different money, land and periods. Each row stays its plan's own
(nothing here changes a plan's number); rows of different plans whose names are one name
(:func:`layers.names.entity_key`) become the members of one entity, and where their figures differ the
entity says so — which plans, which field, what each says — instead of the map showing unrelated rows.

- ``entities``: one row per entity: its id, name, plans, members and disagreements;
- ``entity_members``: one row per member project: its plan's figures and where it was located.
"""

import hashlib
import math

import pandas as pd

from .names import entity_key

FIGURES = {
    "total_investment_yi": ("总投资", "亿元"),
    "fyp_investment_yi": ("十四五投资", "亿元"),
    "land_area_m2": ("用地", "亩"),
    "period_start": ("开工年", "年"),
    "period_end": ("期限止年", "年"),
    "complete_by": ("建成年", "年"),
}
#: Money and land that agree within this share are one figure printed with other rounding; years
#: agree only when equal.
TOLERANCE = 0.01
YEARS = ("period_start", "period_end", "complete_by")
M2_PER_MU = 10000 / 15
#: Lists about a place rather than a project: 004's 环境整治提升大会战 cleans up the roadside of 双南线
#: or the streets of 生命健康小镇 — a row there is not the road or the town another plan lists.
PLACE_LISTS = {("004", "环境整治提升大会战")}
#: Sites of one entity farther apart than this are placed in different places.
APART_M = 1000.0

ENTITY_COLUMNS = ["entity_id", "name_zh", "plans", "n_members", "n_disagreements", "disagreements"]
MEMBER_COLUMNS = ["entity_id", "project_id", "plan", "list_name", "name", "source_line", *FIGURES, "period_raw",
                  "land_area_raw", "land_area_unit", "located_by", "located_on", "district"]


def entity_id(key):
    """A short id that stays the same build after build for the same name."""
    return "E-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def build_entities(projects, sites):
    """``(entities, entity_members)`` DataFrames from the ``projects`` table and ``project_sites``."""
    about_places = [(p, lst) in PLACE_LISTS for p, lst in zip(projects["plan"], projects["list_name"])]
    keys = projects["name"].map(entity_key).where(~pd.Series(about_places, index=projects.index), "")
    plans_per_key = projects.assign(_k=keys)[keys != ""].groupby("_k")["plan"].nunique()
    shared = set(plans_per_key[plans_per_key > 1].index)
    where = sites.set_index("project_id") if len(sites) else pd.DataFrame()
    entities, members = [], []
    for key in sorted(shared):
        rows = projects[keys == key]
        eid = entity_id(key)
        mine = []
        for _, p in rows.iterrows():
            site = where.loc[p["project_id"]] if p["project_id"] in where.index else None
            mine.append({"entity_id": eid, **{c: p.get(c) for c in MEMBER_COLUMNS if c in p.index},
                         "located_by": site["located_by"] if site is not None else "",
                         "located_on": site["located_on"] if site is not None else "",
                         "district": site["district"] if site is not None else "",
                         "_xy": (site.geometry.x, site.geometry.y) if site is not None and site.geometry else None})
        flags = disagreements(mine)
        entities.append({"entity_id": eid, "name_zh": rows["name"].mode().iloc[0],
                         "plans": ";".join(sorted(set(rows["plan"]))), "n_members": len(mine),
                         "n_disagreements": len(flags), "disagreements": "；".join(flags)})
        members += [{k: v for k, v in m.items() if k != "_xy"} for m in mine]
    return (pd.DataFrame(entities, columns=ENTITY_COLUMNS), pd.DataFrame(members, columns=MEMBER_COLUMNS))


def _given(v):
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def disagreements(members):
    """Where the plans' figures for one entity differ: one readable sentence per field.

    A plan listing the entity twice speaks once per different value. Figures within
    :data:`TOLERANCE` of each other agree (one plan prints 122857.63 m², another 122857).
    """
    out = []
    for col, (label, unit) in FIGURES.items():
        said = {}
        for m in members:
            if _given(m.get(col)):
                v = float(m[col]) / (M2_PER_MU if col == "land_area_m2" else 1.0)
                said.setdefault(v, set()).add(f"{m['plan']}（{m.get('list_name') or ''}）")
        tolerance = 0.0 if col in YEARS else TOLERANCE
        clusters = []                         # values within the tolerance of each other are one figure
        for v in sorted(said):
            if clusters and v - clusters[-1][0] <= tolerance * max(abs(v), 1e-9):
                clusters[-1][1].update(said[v])
            else:
                clusters.append((v, set(said[v])))
        if len(clusters) < 2:
            continue
        values = [v for v, _ in clusters]
        parts = [f"规划{'、'.join(sorted(plans))} {_fmt(v) if col not in YEARS else int(v)}{unit}"
                 for v, plans in clusters]
        ratio = values[-1] / values[0] if values[0] else None
        extra = f"（相差 {ratio:.1f} 倍）" if unit == "亿元" and ratio and ratio >= 2 else ""
        out.append(f"{label}不一致：{' / '.join(parts)}{extra}")
    xy = [(m["plan"], m["located_on"], m["_xy"]) for m in members if m.get("_xy")]
    far = max(((math.dist(a[2], b[2]), a, b) for i, a in enumerate(xy) for b in xy[i + 1:]), default=None,
              key=lambda t: t[0])
    if far and far[0] > APART_M:
        d, a, b = far
        out.append(f"位置不一致：规划{a[0]}定位于{a[1]}，规划{b[0]}定位于{b[1]}，相距 {d / 1000:.1f} km")
    return out


def _fmt(v):
    return f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) or abs(v) < 1e4 else f"{v:,.0f}"

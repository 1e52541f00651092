"""Quota use with meaning: what each land figure of the plans is, which zone it is about, and — only
for a land quota of a zone in the plan period — how much of it the plan's located projects take.

The ``quotas`` table holds every land, sea or area figure the plan readers found (173 rows today):
zone areas, 十三五 results, sea-use approvals, 亩均 output, single projects' sites, and a few true
land quotas. Comparing all of them with the land of the projects located in a zone gave shares
such as 3 201 % (plan 000's 300 亩 safety park against all of phase one). :func:`classify_quotas`
replaced the old per-zone matching of every quota row; it takes the same inputs (plus, optionally, the ``projects``
table) and gives each row:

``quota_class`` / ``quota_class_zh``
    one of :data:`CLASSES`, decided by the first rule of :data:`RULES` whose words occur (see
    :func:`quota_class`); ``class_words`` names the words (or the year) that decided it.
``zone_id`` / ``zone_matched`` / ``zone_match``
    the structure, place or district the row is about, and how it was found (:meth:`ZoneMatcher.match`):
    ``name`` (the row's zone is that feature, by its name or a shorter or longer form of it: 集聚区 is
    瓯江口产业集聚区); ``inside`` (the zone the row names is not on the map; the feature named in its
    brackets or its own words holds it: 石子岙（小门岛）, 灵昆作业区灵霓北堤段); ``project_site`` (a
    project's own figure: ``zone_id`` is where the project is located — its structure, or its
    parcels as ``plan:code``, ``;``-separated); ``sentence`` (found only in the sentence); ``""``
    (no zone).
``comparable``
    True only for a ``land_quota`` whose zone is matched by ``name``, for a year in 2021-2025 (or
    none: the plan's own period), in m².
``projects_land_m2`` / ``share_used``
    for comparable rows only: the stated land of the plan's projects located in the zone (as
    ``layers.joins.sites_of_structure`` counts them) and its share of the quota. Other rows get
    NaN: they are context, not quotas.
``flag``
    ``;``-separated (:data:`FLAGS`). A share above 1.0 is kept only when the projects' land as the
    plan states it (their ``projects`` rows) exceeds the quota: ``exceeds_quota``. If only edited
    or added sites make it exceed, the share is dropped and the row says ``exceeds_by_edits``.

The vocabulary, in the order the rules are tried (the words are looked for in the row's ``item``
unless said otherwise):

=================  ====================  ===========================================================
class              label                 decided by
=================  ====================  ===========================================================
past_result        以往成果与现状        a year before 2021, or a past word (十三五, 累计, 已完成, 已建成,
                                         截止, 现状, 现有) before the figure in its sentence, with no
                                         later turn to the plan's targets (十四五, 三年内, 力争, 规划, 新增 …):
                                         “十三五”期间…土地出让 6201 亩; 一期已建成80亩
output_per_area    亩均效益              unit ``…/亩``; 亩均, 每亩, 耗地量
sea_use            用海围填海            用海, 围海, 填海, 滩涂, 前海, 海域, 陆域形成
land_supply        供地出让              出让, 供应, 供地 (年均出让土地2500亩, 工业用地占出让比例)
floor_area         建筑面积              建筑面积, 孵化面积
planning_area      规划面积（片区范围）  规划面积, 规划总面积, 总规划面积, 规划范围, 规划总占地, 总面积,
                                         建设范围, 核心区, 总用地规模, or the item 面积 itself: a zone's
                                         extent (65.77 km²; the safety park's 一期约 300 亩)
land_quota         用地指标（建设用地）  新增建设用地, 新增开发建设, 开发建设用地, 用地指标, 城镇开发边界,
                                         预留用地, 储备用地, 开发规模, 做地, 新增土地: land a zone may
                                         develop (or holds for development) in the plan period
project_land       项目用地              a figure of a project's own row (its zone is a project's name),
                                         or 用地面积, 总用地, 净用地, 占地, 用地需求, 一期用地, 二期用地,
                                         配套面积, 园区用地: one project's or facility's site
water              水面水系与水土保持    水面, 水系, 水域, 水土 (水面率 8%, 水土流失防治责任范围)
land_use_mix       用地构成              居住用地, 商业服务设施用地, 商业用地, 工业用地: one use's part
                                         of a zone's land (灵昆城中村改造: 工业用地约 2000 亩)
other              其他                  none of these (温瑞塘河生态之带长度 8.5 公里)
=================  ====================  ===========================================================

Only ``land_quota`` is ever compared: a zone's extent, a past result, sea, a supply flow, output per
亩, one project's site or one use's part say nothing about how much of a zone's development land
the located projects take.
"""

import re

import numpy as np
import pandas as pd

from .gazetteer import Places, load_gazetteer
from .joins import _Names, sites_of_structure

#: The closed vocabulary: class → Chinese label (shown by QGIS and the web map).
CLASSES = {
    "planning_area": "规划面积（片区范围）",
    "land_quota": "用地指标（建设用地）",
    "land_supply": "供地出让",
    "sea_use": "用海围填海",
    "output_per_area": "亩均效益",
    "past_result": "以往成果与现状",
    "project_land": "项目用地",
    "floor_area": "建筑面积",
    "water": "水面水系与水土保持",
    "land_use_mix": "用地构成",
    "other": "其他",
}

#: Years of the plan period: a land quota for another year is not compared.
PERIOD = (2021, 2025)

#: Words that put the figure after them in the past (a result, or the state at the plan's start)…
PAST_WORDS = ("十三五", "累计", "已完成", "已建成", "截止", "现状", "现有")
#: … until one of these turns the sentence to the plan's own targets (…已建成80亩…，三年内建成二期220亩).
FUTURE_WORDS = ("十四五", "三年内", "力争", "争取", "到 20", "到20", "规划", "计划", "拟", "目标", "新增",
                "预留", "储备", "达到")

#: The rules, in order: (class, where the words are looked for, words). ``item`` is the row's item,
#: ``unit`` its unit, ``project`` means the row is printed in a project's own row (its zone is the
#: name of a project of the plan). The first rule that matches decides; ``past_result`` is decided
#: before them (:func:`past_words`).
RULES = (
    ("output_per_area", "unit", ("/亩",)),
    ("output_per_area", "item", ("亩均", "每亩", "耗地量")),
    ("sea_use", "item", ("用海", "围海", "填海", "滩涂", "前海", "海域", "陆域形成")),
    ("land_supply", "item", ("出让", "供应", "供地")),
    ("floor_area", "item", ("建筑面积", "孵化面积")),
    ("planning_area", "item", ("规划面积", "规划总面积", "总规划面积", "规划范围", "规划总占地", "总面积",
                               "建设范围", "核心区", "总用地规模")),
    ("planning_area", "item=", ("面积",)),
    ("land_quota", "item", ("新增建设用地", "新增开发建设", "开发建设用地", "用地指标", "城镇开发边界", "预留用地",
                            "储备用地", "开发规模", "做地", "新增土地")),
    ("project_land", "project", ("a project's own row",)),
    ("project_land", "item", ("用地面积", "总用地", "净用地", "占地", "用地需求", "一期用地", "二期用地", "配套面积",
                              "园区用地")),
    ("water", "item", ("水面", "水系", "水域", "水土")),
    ("land_use_mix", "item", ("居住用地", "商业服务设施用地", "商业用地", "工业用地")),
)

#: Flags a row may carry.
FLAGS = {
    "no_zone": "the row names no zone that is on the map",
    "zone_inside": "the zone the row names is not on the map; zone_matched is the feature that holds it",
    "zone_from_sentence": "the zone was found only in the sentence, not in the row's zone",
    "no_projects_located": "comparable, but no project of the plan with a stated land lies in the zone",
    "exceeds_quota": "the projects' land as the plan states it exceeds the quota (share above 1.0)",
    "exceeds_by_edits": "only edited or added sites make the land exceed the quota: share dropped",
}

COLUMNS = ["plan", "zone", "item", "value", "unit", "value_m2", "year", "source_line", "quota_class",
           "quota_class_zh", "class_words", "zone_id", "zone_matched", "zone_match", "comparable",
           "projects_land_m2", "share_used", "flag"]

#: What a zone's words may add to a feature's name and still be that feature (温州综保区 is 综保区;
#: 灵昆作业区灵霓北堤段 is only a part of 灵昆).
GENERIC_REST = ("", "温州", "温州市", "瓯海", "中国", "片区", "区", "小镇")

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BRACKET = re.compile(r"^(.+)（([^（）]+)）$")


def figure_position(text, value, unit):
    """Where the row's figure is printed in its sentence (the first number equal to ``value`` that the
    unit follows; else the first equal number; else the end of the sentence)."""
    text = str(text or "")
    if value is None or pd.isna(value):
        return len(text)
    equal = [m for m in _NUMBER.finditer(text) if float(m.group()) == float(value)]
    for m in equal:
        after = text[m.end():].lstrip(" ")
        if unit and after[:1] == str(unit)[:1]:
            return m.start()
    return equal[0].start() if equal else len(text)


def past_words(text, value, unit):
    """The past word that governs the figure (the last past or future word before it is a past
    one), or ``""``."""
    text = str(text or "")
    pos = figure_position(text, value, unit)
    head = text[:pos]
    last_past = max(((head.rfind(w), w) for w in PAST_WORDS), default=(-1, ""))
    last_future = max(head.rfind(w) for w in FUTURE_WORDS)
    return last_past[1] if last_past[0] > last_future else ""


def quota_class(row, project_names=frozenset()):
    """``(class, words)`` for one quota row (a mapping with plan, zone, item, value, unit, year, text)."""
    year = row.get("year")
    if year is not None and not pd.isna(year) and int(year) < PERIOD[0]:
        return "past_result", f"year {int(year)}"
    word = past_words(row.get("text"), row.get("value"), row.get("unit"))
    if word:
        return "past_result", word
    item, unit = str(row.get("item") or ""), str(row.get("unit") or "")
    for cls, where, words in RULES:
        if where == "project":
            if (row.get("plan"), row.get("zone")) in project_names:
                return cls, "a project's own row"
            continue
        if where == "item=":
            if item in words:
                return cls, item
            continue
        hay = unit if where == "unit" else item
        hits = [w for w in words if w in hay]
        if hits:
            return cls, hits[0]
    return "other", ""


class ZoneMatcher:
    """The zone a quota row is about, from its ``zone`` (then its brackets, then its sentence)."""

    def __init__(self, structures_all, land, towns, districts, gazetteer=None):
        table = gazetteer if isinstance(gazetteer, pd.DataFrame) else load_gazetteer(gazetteer)
        places = Places(table, districts, land, towns, structures_all)
        self.names = _Names(structures_all, land, towns, districts, places)
        self.geoms = dict(zip(structures_all["id"], structures_all.geometry))

    def candidates(self, words, plan):
        """Features ``words`` may name, as ``(how, tier, entry)``: ``how`` 0 the feature's name is
        ``words``, 1 a name inside ``words`` (longest first), 2 a name holding ``words`` (shortest
        first); ``tier`` 0 the plan's own structures, 1 another plan's, 2 places, 3 districts."""
        tiers = {("structure", True): 0, ("structure", False): 1, ("place", True): 2, ("place", False): 2,
                 ("district", True): 3, ("district", False): 3}
        out = []
        for e in self.names.entries:                       # longest name first, then smaller feature
            tier = tiers[(e[1], e[3] == plan)]
            if e[0] == words:
                out.append((0, tier, 0, e))
            elif e[0] in words:
                out.append((1, tier, 0, e))
            elif len(words) >= 3 and words in e[0]:
                out.append((2, tier, len(e[0]), e))
        return [(how, tier, e) for how, tier, _, e in sorted(out, key=lambda c: c[:3])]

    def _as_structure(self, entry, plan):
        """A gazetteer place drawn as a plan's structure (浙南科技城 → 003-envelope) is that structure, so
        the structure's popup finds the row by its id."""
        if entry[1] == "structure":
            return entry
        same = [e for e in self.names.entries if e[1] == "structure" and e[4] is not None
                and (e[4] is entry[4] or e[4].equals(entry[4]))]
        same.sort(key=lambda e: e[3] != plan)
        return (entry[0],) + same[0][1:] if same else entry

    def match(self, zone, text, plan):
        """``(entry, how)``: ``entry`` a (name, kind, id, plan, geometry, quality) of the name index,
        ``how`` one of ``name``, ``inside``, ``sentence`` (see the module docstring); ``(None, "")``.

        A zone printed as ``X（Y）`` is X, and where Y is a mapped zone, the X inside Y (温州综保区（二期片区）
        is the bonded zone's extension in phase two, not the bonded zone of phase one)."""
        zone = str(zone or "").strip().strip("“”\"")
        m = _BRACKET.match(zone)
        head, where = (m.group(1), m.group(2)) if m else (zone, "")
        found = self.candidates(head, plan)
        holder = self.candidates(where, plan) if where else []
        holder = holder[0][2] if holder else None
        if found:
            if holder is not None:
                for _, _, e in sorted(found, key=lambda c: (c[1], c[0])):      # own plan first
                    if e[2] != holder[2] and holder[4].contains(e[4].representative_point()):
                        return self._as_structure(e, plan), "name"
            how, _, e = found[0]
            rest = head.replace(e[0], "", 1)
            part = how == 1 and rest.strip() not in GENERIC_REST
            return self._as_structure(e, plan), "inside" if part else "name"
        if holder is not None:
            return self._as_structure(holder, plan), "inside"
        words = f"{zone} {text or ''}"
        found = self.names.candidates(words, plan) if hasattr(self.names, "candidates") else \
            [self.names.find(words, plan)]
        # a road's number (228 for G228) is no zone in a sentence full of figures (拆除旧房228万平方米)
        found = [e for e in found if e is not None and not re.fullmatch(r"[\dA-Za-z]+", e[0])]
        return (self._as_structure(found[0], plan), "sentence") if found else (None, "")


def _stated_land(sites, projects):
    """Each located project's land as its plan row states it (0 for a site an editor added)."""
    if projects is None or "project_id" not in getattr(projects, "columns", ()):
        return pd.Series(0.0, index=sites.index)
    stated = dict(zip(projects["project_id"], projects["land_area_m2"]))
    return sites["project_id"].map(stated).astype(float).fillna(0.0)


def classify_quotas(quotas, structures_all, land, towns, districts, sites, projects=None, gazetteer=None):
    """The ``quota_use`` layer: every row of ``quotas`` with its class, zone and — for a land quota of a
    zone in the plan period — the located projects' land and its share (see the module docstring).

    ``projects`` (the ``projects`` table, optional) tells a project's own row from a zone's figure
    and gives the projects' land as the plan states it; without it the sites' names stand in.
    ``gazetteer``: the path of ``gazetteer.csv`` or its table, as for ``locate_projects`` (default:
    the recipes folder's)."""
    matcher = ZoneMatcher(structures_all, land, towns, districts, gazetteer)
    named = projects if projects is not None else sites
    project_names = frozenset(zip(named["plan"], named["name"]))
    stated_all = _stated_land(sites, projects)
    site_of = {}
    for site in sites.itertuples():
        site_of.setdefault((site.plan, site.name), site)
    out = []
    for q in quotas.to_dict("records"):
        cls, words = quota_class(q, project_names)
        hit, how = matcher.match(q["zone"], q.get("text"), q["plan"])
        site = site_of.get((q["plan"], q["zone"])) if cls == "project_land" else None
        if site is not None:
            # a project's own figure is about the project: its zone is where the project is located
            ident = site.structure_id or site.parcel_ids or f"{site.located_by}:{site.located_on}"
            hit = (site.located_on, site.located_by, ident, site.plan, site.geometry, site.quality)
            place = next((e for e in matcher.names.entries if e[2] == ident), None)
            if site.located_by in ("place", "district") and place is not None:
                hit = matcher._as_structure(place, q["plan"])     # a place drawn as a structure is that
            how = "project_site"
        year = q.get("year")
        in_period = year is None or pd.isna(year) or PERIOD[0] <= int(year) <= PERIOD[1]
        value_m2 = q.get("value_m2")
        comparable = bool(cls == "land_quota" and how == "name" and in_period
                          and value_m2 is not None and not pd.isna(value_m2) and value_m2 > 0)
        flags = []
        if hit is None:
            flags.append("no_zone")
        elif how == "inside":
            flags.append("zone_inside")
        elif how == "sentence":
            flags.append("zone_from_sentence")
        used, share = np.nan, np.nan
        if comparable:
            ident, kind, geom = hit[2], hit[1], hit[4]
            geom = matcher.geoms.get(ident, geom) if kind == "structure" else geom
            inside = sites_of_structure(sites, ident, q["plan"], geom)
            used = float(inside["land_area_m2"].fillna(0).sum())
            share = used / value_m2
            if not (inside["land_area_m2"].fillna(0) > 0).any():
                flags.append("no_projects_located")
            if share > 1.0:
                if float(stated_all.loc[inside.index].sum()) > value_m2:
                    flags.append("exceeds_quota")
                else:
                    flags.append("exceeds_by_edits")
                    share = np.nan
        out.append({"plan": q["plan"], "zone": q["zone"], "item": q["item"], "value": q["value"],
                    "unit": q["unit"], "value_m2": value_m2, "year": year, "source_line": q["source_line"],
                    "quota_class": cls, "quota_class_zh": CLASSES[cls], "class_words": words,
                    "zone_id": hit[2] if hit else "", "zone_matched": hit[0] if hit else "", "zone_match": how,
                    "comparable": comparable, "projects_land_m2": used, "share_used": share,
                    "flag": ";".join(flags)})
    return pd.DataFrame(out, columns=COLUMNS)

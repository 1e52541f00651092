"""Parcels: every parcel code the plans name, drawn as a schematic polygon of the stated area.

The plans list parcels by control-plan code (E-16-03, 11-B-18, B-02b4 …) with a land area, but no
cadastral layer is public. Each parcel is therefore drawn as a square of the stated area, placed
inside the zone its text names (``geodata/recipes/parcel_zones.csv``: rules from code or wording to a
structure or island), packed row by row in code order so that parcels of one 街坊 sit together.
Every such parcel is ``quality = schematic``: its *area* is the plan's, its *position* is not known.

Area rules, recorded per parcel in ``area_rule``:

* one row names the parcel alone and states an area → that area;
* several such rows (several projects on one parcel) → the largest (the parcel holds them all);
* a row names several parcels and one area → that area shared equally among them;
* no area anywhere → a nominal 1 ha, ``area_stated_m2`` empty, so nobody mistakes it for the plan's.
"""

import csv
import re
from collections import defaultdict
from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.prepared import prep

from .codes import block_of
from .crs import PLAN_CRS
from .errors import RecipeError
from .geom import make_valid_polygonal

NOMINAL_M2 = 10_000.0
GAP_M = 30.0          # street space left between schematic parcels
STEP_M = 40.0         # search step when looking for room inside a zone

COLUMNS = ["parcel_id", "plan", "code", "code_norm", "block", "zone_id", "zone_name", "area_stated_m2",
           "area_m2", "area_rule", "quality", "accuracy_m", "source_line", "source_ref", "placed_by"]


@dataclass
class ZoneRule:
    plan: str
    field: str        # "code" (regex on the normalised code) or "text" (substring of the row's words)
    pattern: str
    target: str       # "feature:ID" or "land:NAME"
    line: int


def zones_file(recipe_dir=None):
    """``parcel_zones.csv`` in the recipes folder (the ``PLANMAP_RECIPES_DIR`` setting)."""
    from .settings import source_dir

    return source_dir("PLANMAP_RECIPES_DIR", recipe_dir) / "parcel_zones.csv"


def read_zone_rules(path=None):
    path = path or zones_file()
    rules = []
    with open(path, encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            if row["match"] not in ("code", "text", "any"):
                raise RecipeError(path, n, f"match must be code, text or any, got {row['match']!r}")
            if not re.fullmatch(r"(feature|land):.+", row["zone"]):
                raise RecipeError(path, n, f"zone must be feature:ID or land:NAME, got {row['zone']!r}")
            rules.append(ZoneRule(row["plan"], row["match"], row["pattern"], row["zone"], n))
    return rules


def collect_parcels(projects):
    """Parcel codes from the ``projects`` table → one record per (plan, code) with its area and lines."""
    recs = {}
    for p in projects.itertuples():
        if not p.parcel_codes:
            continue
        norms = p.parcel_codes.split(";")
        raws = (p.parcel_codes_raw or p.parcel_codes).split(";")
        if len(raws) != len(norms):
            raws = norms
        share = (p.land_area_m2 / len(norms)) if (p.land_area_m2 == p.land_area_m2 and p.land_area_m2) else None
        words = " ".join(str(x) for x in (p.name, p.location_text, p.content) if x)
        for raw, norm in zip(raws, norms):
            key = (p.plan, norm)
            rec = recs.setdefault(key, {"plan": p.plan, "code": raw, "code_norm": norm, "alone": [],
                                        "shared": [], "lines": [], "words": ""})
            rec["lines"].append(int(p.source_line))
            rec["words"] += " " + words
            if share is not None:
                (rec["alone"] if len(norms) == 1 else rec["shared"]).append(share)
    out = []
    for rec in recs.values():
        if rec["alone"]:
            area, rule = max(rec["alone"]), ("stated" if len(rec["alone"]) == 1 else "largest of stated")
        elif rec["shared"]:
            area, rule = max(rec["shared"]), "row area shared equally"
        else:
            area, rule = None, "no area stated: nominal 1 ha"
        rec.update(area_stated_m2=area, area_rule=rule)
        out.append(rec)
    return sorted(out, key=lambda r: (r["plan"], _sort_key(r["code_norm"])))


def _sort_key(code):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", code)]


def _zone_for(rec, rules, zones, path):
    for rule in rules:
        if rule.plan != rec["plan"]:
            continue
        hit = (rule.field == "any"
               or (rule.field == "code" and re.search(rule.pattern, rec["code_norm"]))
               or (rule.field == "text" and rule.pattern in rec["words"]))
        if hit:
            if rule.target not in zones:
                raise RecipeError(path, rule.line, f"zone {rule.target} does not exist")
            return rule
    raise RecipeError(path, 1, f"no zone rule places parcel {rec['code']} of plan {rec['plan']}")


def build_parcels(projects, structures, land, rules_path=None):
    """The ``parcels`` layer (EPSG:4549). ``structures`` is the polygon structure layer."""
    rules_path = rules_path or zones_file()
    rules = read_zone_rules(rules_path)
    zones = {f"feature:{r.id}": (r.geometry, r.name_zh) for r in structures.itertuples()}
    zones.update({f"land:{r.name_zh}": (r.geometry, r.name_zh) for r in land.itertuples() if r.name_zh})
    by_zone = defaultdict(list)
    for rec in collect_parcels(projects):
        rule = _zone_for(rec, rules, zones, rules_path)
        by_zone[rule.target].append((rec, rule))
    rows = []
    for target, items in by_zone.items():
        zone_geom, zone_name = zones[target]
        squares = _pack(zone_geom, [rec["area_stated_m2"] or NOMINAL_M2 for rec, _ in items], target,
                        rules_path, items[0][1].line)
        for (rec, rule), sq in zip(items, squares):
            rows.append({
                "parcel_id": f"{rec['plan']}:{rec['code_norm']}", "plan": rec["plan"], "code": rec["code"],
                "code_norm": rec["code_norm"], "block": block_of(rec["code_norm"]),
                "zone_id": target.split(":", 1)[1], "zone_name": zone_name,
                "area_stated_m2": rec["area_stated_m2"], "area_m2": sq.area, "area_rule": rec["area_rule"],
                "quality": "schematic", "accuracy_m": 2000.0, "source_line": min(rec["lines"]),
                "source_ref": f"{rec['plan']}:" + ",".join(f"L{n}" for n in sorted(set(rec["lines"]))),
                "placed_by": f"parcel_zones.csv:{rule.line}", "geometry": shapely.MultiPolygon([sq]),
            })
    return gpd.GeoDataFrame(rows, columns=COLUMNS + ["geometry"], geometry="geometry", crs=PLAN_CRS)


def _pack(zone, areas, label, rules_path, line):
    """Squares of the given areas laid in rows inside ``zone``, none overlapping another.

    Shelf packing: rows run west to east from the zone's north edge; a square goes at the first
    position along the row where it fits entirely inside the zone; when a row is full the next row
    starts below the tallest square of the row. Deterministic, so a rebuild draws the same parcels.
    """
    zone = make_valid_polygonal(zone).buffer(-GAP_M / 2)
    minx, miny, maxx, maxy = zone.bounds
    placed, out = [], []
    y_top = maxy
    row_h = 0.0
    x = minx
    prepared = prep(zone)
    for area in areas:
        side = area ** 0.5
        while True:
            if y_top - side < miny:
                raise RecipeError(rules_path, line, f"parcels do not fit in zone {label}: "
                                                    f"{len(out)} of {len(areas)} placed")
            if x + side > maxx:
                y_top -= row_h + GAP_M
                row_h, x = 0.0, minx
                continue
            sq = shapely.box(x, y_top - side, x + side, y_top)
            inside = prepared.contains(sq)
            if inside and not any(sq.intersects(p) for p in placed):
                placed.append(sq.buffer(GAP_M / 2, join_style="mitre"))
                out.append(sq)
                x += side + GAP_M
                row_h = max(row_h, side)
                break
            x += STEP_M
    return out

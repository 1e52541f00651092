"""Places the plans name, and the one rule by which a text names a place.

The rule (:func:`whole_names`): a name is found in a text only as a *whole name*, never as part of a
longer word or toponym. Chinese has no spaces, so "whole" is decided by the characters around the
occurrence:

1. a name shorter than two characters never matches;
2. longer names are taken first, and a shorter name inside a longer one already taken is not found
   again (瓯海生命健康小镇 is one name, not also 瓯海; 瓯海区 is 瓯海区, not also 瓯海);
3. the occurrence must not be *followed* by a character that continues it into a longer toponym: a
   road, street, bridge, village, building, river or line (:data:`CONTINUES`: 路 大道 街 巷 桥 村 楼
   河 山 线 …) — 瓯海 in 瓯海大道 is a road, 虹桥 in 六虹桥路 a road, 桥头 in 桥头堡 a bridgehead, 沙头 in
   沙头山 a hill; an administrative suffix is not
   such a continuation (瓯江口新区街道 is the 街道 of that name, not a street);
4. the occurrence must not be *preceded* by a character that glues it to a word in front
   (:data:`GLUED_AFTER`: a numeral, a compass point, or the last character of a road, line, bridge or
   building name) — 虹桥 in 六虹桥路, 内环 in 楼内环境, 桥下 in S1线桥下空间, 大门 in 南大门 and 两大门户,
   雁荡 in 西雁荡. 道 is not such a character: 省道瓯海段 and
   国道洞头灵昆段 name the 瓯海 and 洞头 sections of a road.

Rule 4 also refuses a real place written straight after a line or road name (灵昆 in 「S1 线灵昆车辆段」);
such rows are found by their longer names (市域铁路 S1 线) or stay unlocated with the reason — a place
missed is shown as missing, a place wrongly found would be shown as a fact.
"""

#: after a name: these make it part of a longer toponym (a road, bridge, village, building …)
CONTINUES = ("大道", "大桥", "隧道", "公路", "高速", "路", "街", "巷", "弄", "桥", "村", "楼", "河", "溪",
             "山", "堡", "线", "号", "幢", "栋")
#: before a name: a numeral, or the end of a road / line / building name, glues the two into one word
GLUED_AFTER = set("一二两三四五六七八九十〇零0123456789路街巷桥线楼村号幢栋东西南北")
#: after a name these are an administrative unit of that name (瓯江口新区街道, 灵昆街道), not a street
ADMIN_AFTER = ("街道", "镇", "乡", "区", "县", "市")


def whole_names(text, names):
    """The whole names of ``names`` found in ``text``: ``[(name, start), …]`` by position.

    See the module docstring for the rule. ``names`` is any iterable of strings; longer names are
    taken first and the text they cover is not searched again for shorter ones.
    """
    text = str(text or "")
    taken = [False] * len(text)
    found = []
    for name in sorted({n for n in names if n and len(n) >= 2}, key=lambda n: (-len(n), n)):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(taken[start:end]) and _is_whole(text, start, end):
                found.append((name, start))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(name, start + 1)
    return sorted(found, key=lambda f: f[1])


def _is_whole(text, start, end):
    after = text[end:]
    if after.startswith(ADMIN_AFTER):
        return not (start > 0 and text[start - 1] in GLUED_AFTER)
    if any(after.startswith(c) for c in CONTINUES):
        return False
    if start > 0 and text[start - 1] in GLUED_AFTER:
        return False
    return True


def why_not_whole(text, name):
    """Why ``name`` occurs in ``text`` but not as a whole name (for unlocated reasons), or ''."""
    text = str(text or "")
    i = text.find(name)
    if i < 0:
        return ""
    lo, hi = max(0, i - 1), min(len(text), i + len(name) + 2)
    return f"「{name}」 only as part of 「{text[lo:hi]}」"


# ---- the gazetteer ------------------------------------------------------------------------------

COLUMNS = ["name_zh", "aliases", "kind", "district", "lon", "lat", "ref", "quality", "accuracy_m", "source",
           "plan_lines", "note"]
#: kinds whose places a project's site may be put at (a city centre or an unplaced name never is)
SITE_KINDS = ("district", "town", "island", "area", "airport", "station", "port")
#: per plan: the lines listed in ``plan_lines`` before "+N more"
LINES_SHOWN = 6


def gazetteer_path(recipe_dir=None):
    from .settings import source_dir

    from pathlib import Path
    return Path(source_dir("PLANMAP_RECIPES_DIR", recipe_dir)) / "gazetteer.csv"


def load_gazetteer(path=None):
    """``gazetteer.csv`` as a DataFrame of strings (lon/lat as floats, NaN where blank)."""
    import pandas as pd

    path = gazetteer_path() if path is None else path
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)}")
    for c in ("lon", "lat"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def names_of(row, plan=None):
    """A row's names usable in ``plan``'s text: its name and aliases (``alias@000`` only in plan 000)."""
    out = [row["name_zh"]]
    for a in str(row.get("aliases") or "").split("|"):
        a = a.strip()
        if not a:
            continue
        name, _, scope = a.partition("@")
        if not scope or plan is None or scope == plan:
            out.append(name)
    return out


def name_index(table, plan=None, kinds=None):
    """``{name: [row index, …]}`` of the names usable in ``plan``'s text (two rows = ambiguous)."""
    idx = {}
    for i, row in table.iterrows():
        if kinds is not None and row["kind"] not in kinds:
            continue
        for n in names_of(row, plan):
            if i not in idx.setdefault(n, []):
                idx[n].append(i)
    return idx


class Places:
    """The gazetteer with each place's shape and point resolved in EPSG:4549.

    ``districts``, ``land``, ``towns`` are the base layers (:mod:`layers.base`); ``structures`` the
    built structures (for ``structure:ID`` references), may be None.
    """

    def __init__(self, table, districts, land, towns, structures=None):
        import shapely

        from .crs import lonlat_to_plan

        self.table = table.reset_index(drop=True)
        lookup = {"district": dict(zip(districts["name_zh"], districts.geometry)),
                  "town": dict(zip(towns["name_zh"], towns.geometry)),
                  "land": dict(zip(land["name_zh"], land.geometry)),
                  "structure": dict(zip(structures["id"], structures.geometry)) if structures is not None else {}}
        self.shape, self.point, self.problems = [], [], []
        for row in self.table.itertuples():
            shape = point = None
            for ref in [r.strip() for r in str(row.ref or "").split(";") if r.strip()]:
                kind, _, key = ref.partition(":")
                geom = lookup.get(kind, {}).get(key)
                if geom is None:
                    if kind != "structure" or structures is not None:
                        self.problems.append(f"{row.name_zh}: ref {ref} names no feature")
                    continue
                if geom.geom_type == "Point":
                    point = point or geom
                else:
                    shape = shape or geom
            if row.lon == row.lon and row.lat == row.lat:     # not NaN: the row's own point wins
                point = shapely.Point(*lonlat_to_plan(row.lon, row.lat))
            if point is None and shape is not None:
                point = (shapely.line_interpolate_point(shape, 0.5, normalized=True)
                         if shape.geom_type.endswith("LineString") else shape.point_on_surface())
            self.shape.append(shape)
            self.point.append(point)
        self._index = {}

    def index(self, plan, kinds=None):
        key = (plan, kinds)
        if key not in self._index:
            self._index[key] = name_index(self.table, plan, kinds)
        return self._index[key]

    def named(self, text, plan, kinds=None):
        """``[(name, row index), …]`` of the places ``text`` names as whole names (an ambiguous name,
        listed by two rows, yields one entry per row)."""
        idx = self.index(plan, kinds)
        return [(n, i) for n, _ in whole_names(text, idx) for i in idx[n]]

    def districts_named(self, text, plan):
        """The districts of the places ``text`` names (a district's own name included)."""
        return {self.table.at[i, "district"] for _, i in self.named(text, plan) if self.table.at[i, "district"]}

    def lonlat(self, name, plan=None):
        """``(lon, lat)`` WGS-84 of the place called ``name`` in ``plan``'s text, or None."""
        from .crs import plan_to_lonlat

        rows = self.index(plan).get(name, [])
        pts = [self.point[i] for i in rows if self.point[i] is not None]
        if len(rows) != 1 or not pts:
            return None
        return tuple(plan_to_lonlat(pts[0].x, pts[0].y))

    def why_not(self, name, plan=None):
        rows = self.index(plan).get(name, [])
        if not rows:
            return "no entry in gazetteer.csv"
        if len(rows) > 1:
            return "ambiguous: " + " or ".join(self.table.at[i, "name_zh"] for i in rows)
        return self.table.at[rows[0], "note"] or "no point in gazetteer.csv"


def plan_lines_of(rows, plan_dir):
    """``{name_zh: "000:L541,L543;003:L345"}``: the plan lines naming each row as a whole name, plus the
    travel-time statements whose origin or destination is that name (only these for ``not_placed``)."""
    import pandas as pd
    from pathlib import Path

    from .plans import PLAN_IDS, ingest, plan_path

    table = pd.DataFrame(rows)[["name_zh", "aliases", "kind"]].fillna("")
    hits = {r: {} for r in table["name_zh"]}
    for plan in PLAN_IDS:
        # a name that is not a place (社区, 城市, 全省 …) is listed only for the statements that use it
        idx = name_index(table, plan, kinds=tuple(set(table["kind"]) - {"not_placed"}))
        text = Path(plan_path(plan_dir, plan)).read_text(encoding="utf-8").splitlines()
        for ln, line in enumerate(text, 1):
            for n, _ in whole_names(line, idx):
                for i in idx[n]:
                    hits[table.at[i, "name_zh"]].setdefault(plan, set()).add(ln)
    tt = ingest(plan_dir, progress=None).travel_targets
    from dataclasses import asdict
    tt = tt if isinstance(tt, pd.DataFrame) else pd.DataFrame([asdict(t) for t in tt])
    for t in tt.itertuples():
        idx = name_index(table, t.plan)
        for n in [t.origin, *str(t.destinations).split(";")]:
            for i in idx.get(n.strip(), []):
                hits[table.at[i, "name_zh"]].setdefault(t.plan, set()).add(int(t.source_line))
    out = {}
    for name, per_plan in hits.items():
        parts = []
        for plan in sorted(per_plan):
            lines = sorted(per_plan[plan])
            s = f"{plan}:" + ",".join(f"L{x}" for x in lines[:LINES_SHOWN])
            if len(lines) > LINES_SHOWN:
                s += f",+{len(lines) - LINES_SHOWN} more"
            parts.append(s)
        out[name] = ";".join(parts)
    return out


def listed_lines(plan_lines):
    """``"000:L541,L543;003:L345,+2 more"`` → ``[("000", 541), ("000", 543), ("003", 345)]``."""
    out = []
    for part in str(plan_lines or "").split(";"):
        plan, _, lines = part.partition(":")
        for x in lines.split(","):
            if x.startswith("L"):
                out.append((plan, int(x[1:])))
    return out


def travel_view(table=None, base_dir=None):
    """The gazetteer as the travel-time statements read it: one row per name usable in a statement —
    ``name``, ``plan`` (blank: any plan; else the one plan whose text uses that alias), ``lon``, ``lat``
    (WGS-84, NaN where not placed), ``accuracy_m``, ``source``, ``note`` (why not placed)."""
    import pandas as pd

    from .base import load_districts, load_land, load_towns
    from .crs import plan_to_lonlat

    table = load_gazetteer() if table is None else table
    places = Places(table, load_districts(base_dir), load_land(base_dir), load_towns(base_dir), structures=None)
    rows = []
    for i, r in places.table.iterrows():
        pt = places.point[i] if r["kind"] != "not_placed" else None
        lon, lat = plan_to_lonlat(pt.x, pt.y) if pt is not None else (float("nan"), float("nan"))
        names = [(r["name_zh"], "")]
        for a in str(r["aliases"] or "").split("|"):
            if a.strip():
                n, _, scope = a.strip().partition("@")
                names.append((n, scope))
        for n, scope in names:
            rows.append({"name": n, "plan": scope, "lon": lon, "lat": lat, "accuracy_m": r["accuracy_m"],
                         "source": r["source"] if pt is not None else "",
                         "note": (f"{r['name_zh']}: " if n != r["name_zh"] else "") + (r["note"] or ""),
                         "place": r["name_zh"], "kind": r["kind"], "quality": r["quality"]})
    return pd.DataFrame(rows)


def refresh_plan_lines(path=None, plan_dir=None):
    """Rewrite the ``plan_lines`` column of ``gazetteer.csv`` in place (its comment header kept)."""
    import csv
    import io

    from .settings import source_dir

    path = gazetteer_path() if path is None else path
    plan_dir = source_dir("PLANMAP_PLANS_DIR", plan_dir)
    text = open(path, encoding="utf-8").read()
    head = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO("".join(line for line in text.splitlines(keepends=True)
                                                   if not line.startswith("#")))))
    lines = plan_lines_of(rows, plan_dir)
    changed = 0
    for r in rows:
        changed += r["plan_lines"] != lines[r["name_zh"]]
        r["plan_lines"] = lines[r["name_zh"]]
    out = io.StringIO()
    w = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(head + out.getvalue())
    return changed


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--lines"]:
        sys.exit("usage: python3 -m layers.gazetteer --lines   (rewrites gazetteer.csv's plan_lines column)")
    print(f"plan_lines: {refresh_plan_lines()} rows changed")

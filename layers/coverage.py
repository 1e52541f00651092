"""Coverage: which of the spatial elements the plans name are on the map.

``geodata/recipes/elements.csv`` lists, one row per element each plan names (structures, axes, belts,
corridors, nodes, ports, parks, named roads and rail lines), the plan lines that name it and the recipe
feature(s) that draw it — or, for an element that cannot be placed, why. :func:`coverage` checks that
list against the built structure layers: an element is *mapped* only when every feature it names exists
there; its ``quality`` is the features' quality (sketched / schematic). :func:`summary` gives per plan
how many elements are named, how many are mapped and the share.
"""

import csv
import re

import pandas as pd

from .errors import RecipeError
from .settings import source_dir

#: The coverage table's columns, with their Chinese aliases (for gpkg_data_columns).
COLUMNS = {
    "plan": "规划",
    "name_zh": "要素名称",
    "kind": "类型",
    "lines": "原文行号",
    "source_line": "首个行号",
    "feature": "图上要素",
    "mapped": "已上图",
    "quality": "图形质量",
    "why": "未上图原因",
    "note": "说明",
}

#: The per-plan summary's columns, with their Chinese aliases.
SUMMARY_COLUMNS = {
    "plan": "规划",
    "named": "规划所列要素数",
    "mapped": "已上图要素数",
    "unmapped": "未上图要素数",
    "share": "上图比例",
}

LAYERS = ("structures", "structure_lines", "structure_points")
_LINE_TOKEN = re.compile(r"L(\d+)(?:-L?(\d+))?")


def elements_path():
    return source_dir("PLANMAP_RECIPES_DIR") / "elements.csv"


def read_elements(path=None):
    """The element list as a DataFrame (``#`` comment lines skipped); a malformed row fails with its line."""
    path = path or elements_path()
    with open(path, encoding="utf-8", newline="") as fh:
        numbered = [(n, line) for n, line in enumerate(fh, start=1) if not line.startswith("#")]
    reader = csv.DictReader([line for _, line in numbered])
    rows = []
    for (n, _), row in zip(numbered[1:], reader):
        for col in ("plan", "name_zh", "kind", "lines"):
            if not (row.get(col) or "").strip():
                raise RecipeError(path, n, f"element row has no {col}")
        if not row.get("feature", "").strip() and not row.get("why", "").strip():
            raise RecipeError(path, n, f"{row['name_zh']}: an element with no feature needs a 'why'")
        for tok in row["lines"].split():
            if not _LINE_TOKEN.fullmatch(tok):
                raise RecipeError(path, n, f"{row['name_zh']}: line reference {tok!r} is not like L53 or L55-L56")
        row["csv_line"] = n
        rows.append(row)
    df = pd.DataFrame(rows)
    for col in ("feature", "aliases", "why", "note"):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].fillna("")
    return df


def line_numbers(lines):
    """``"L53 L55-L57"`` → ``[53, 55, 56, 57]``."""
    out = []
    for tok in str(lines).split():
        m = _LINE_TOKEN.fullmatch(tok)
        if m:
            a = int(m.group(1))
            out.extend(range(a, int(m.group(2) or a) + 1))
    return out


def _features(structures_all):
    """``{id: (quality, source_ref)}`` from a dict of the structure layers or one frame of them."""
    if isinstance(structures_all, dict):
        frames = [structures_all[k] for k in LAYERS if k in structures_all]
    else:
        frames = [structures_all]
    out = {}
    for gdf in frames:
        for fid, quality, ref in zip(gdf["id"], gdf["quality"], gdf["source_ref"]):
            out[str(fid)] = (quality, ref)
    return out


def coverage(elements_path=None, structures_all=None):
    """The coverage table: one row per element with ``plan, name_zh, kind, lines, source_line, feature,
    mapped, quality, why, note``. ``mapped`` is true only when every feature the row names exists in
    the built structure layers; a named feature that is missing is said in ``why``."""
    el = read_elements(elements_path)
    feats = _features(structures_all) if structures_all is not None else {}
    rows = []
    for r in el.itertuples():
        ids = [f for f in r.feature.split("|") if f.strip()]
        missing = [f for f in ids if f not in feats]
        mapped = bool(ids) and not missing
        quality = "|".join(dict.fromkeys(feats[f][0] for f in ids if f in feats))
        why = r.why
        if missing:
            why = (why + "; " if why else "") + "feature(s) missing from the built layers: " + ", ".join(missing)
        nums = line_numbers(r.lines)
        rows.append({"plan": str(r.plan).zfill(3), "name_zh": r.name_zh, "kind": r.kind, "lines": r.lines,
                     "source_line": nums[0] if nums else None, "feature": r.feature, "mapped": mapped,
                     "quality": quality, "why": why, "note": r.note})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def summary(table):
    """Per plan: elements named, mapped, unmapped and the mapped share."""
    g = table.groupby("plan")["mapped"]
    out = pd.DataFrame({"named": g.size(), "mapped": g.sum().astype(int)}).reset_index()
    out["unmapped"] = out["named"] - out["mapped"]
    out["share"] = (out["mapped"] / out["named"]).round(3)
    return out[list(SUMMARY_COLUMNS)]

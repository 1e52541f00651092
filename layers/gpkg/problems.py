"""What is wrong with single features of a layer: found once per version, served around, never fatal.

GIS staff edit the GeoPackage in QGIS, which lets a feature lose its geometry, gain a bow-tie, or keep
a code another feature already has. One such feature must not take the others down: the reader marks
it (:func:`feature_problems`), the map leaves out what it cannot draw, the API answers for the feature
with its ``problems``, the log says it once per version of the file, and ``planmap check`` lists it.
"""

import logging

import numpy as np
import shapely

log = logging.getLogger("planmap")

#: The column(s) that name a feature, per layer; a NULL there leaves the feature unreachable.
KEYS = {
    "parcels": "code", "structures": "id", "structure_lines": "id", "structure_points": "id",
    "project_sites": "project_id", "projects": "project_id", "planned_links": "id",
}
#: What must be unique, per layer (parcel codes are unique within a plan).
UNIQUE = {
    "parcels": ("plan", "code_norm"), "structures": ("id",), "structure_lines": ("id",),
    "structure_points": ("id",), "project_sites": ("project_id",), "projects": ("project_id",),
}


def feature_problems(name, df):
    """``{index label: [problem, …]}`` for the features of layer ``name`` that have something wrong.

    A problem is a short sentence naming the field: ``geometry: none``, ``geometry: invalid (Self-
    intersection[…])``, ``code: empty``, ``code: also on feature 17``.
    """
    out = {}

    def add(label, text):
        out.setdefault(label, []).append(text)

    geom = getattr(df, "geometry", None) if hasattr(df, "crs") else None
    if geom is not None:
        values = np.asarray(geom.values, dtype=object)
        missing = shapely.is_missing(values) | shapely.is_empty(values)
        for label in df.index[missing]:
            add(label, "geometry: none (the feature has no shape)")
        present = ~missing
        bad = np.zeros(len(df), dtype=bool)
        bad[present] = ~shapely.is_valid(values[present])
        for label, g in zip(df.index[bad], values[bad]):
            add(label, f"geometry: invalid ({shapely.is_valid_reason(g)})")
    key = KEYS.get(name)
    if key and key in df.columns:
        empty = df[key].isna() | (df[key].astype(str).str.strip() == "")
        for label in df.index[empty.to_numpy()]:
            add(label, f"{key}: empty")
    unique = UNIQUE.get(name)
    if unique and all(c in df.columns for c in unique):
        keyed = df[list(unique)].dropna()
        dup = keyed[keyed.duplicated(keep=False)]
        for _, group in dup.groupby(list(unique)):
            labels = list(group.index)
            for label in labels:
                others = ", ".join(str(o) for o in labels if o != label)
                add(label, f"{unique[-1]}: {group.iloc[0][unique[-1]]} also on feature {others}")
    if out:
        log.warning("%s: %d feature(s) with problems, e.g. feature %s: %s", name, len(out),
                    next(iter(out)), "; ".join(next(iter(out.values()))))
    return out

"""What is wrong with single features of a layer: found once per version, served around, never fatal.

GIS staff edit the GeoPackage in QGIS, which lets a feature lose its geometry, gain a bow-tie, or keep
a code another feature already has. One such feature must not take the others down: the reader marks
it (:func:`feature_problems`, with ``planmap check``'s own rules), the map leaves out what it cannot draw, the API answers for the feature
with its ``problems``, the log says it once per version of the file, and ``planmap check`` lists it.
"""

import logging

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
    """``{feature id: [problem, …]}`` for the features of layer ``name`` that have something wrong.

    The shape and parcel-code rules are ``planmap check``'s own (:func:`layers.check.feature_findings`,
    :func:`layers.check.duplicate_findings`), so the API names a problem in the words the check uses;
    added here: a feature whose key (structure ``id``, site ``project_id`` …) is empty or shared, which
    the reader cannot serve by that key.
    """
    from ..check import duplicate_findings, feature_findings

    out = {}

    def add(label, text):
        out.setdefault(label, []).append(text)

    if hasattr(df, "crs") and df.crs is not None:
        for fid, _, reason in feature_findings(df):
            add(fid, reason)
    for fid, reason in duplicate_findings(df):
        add(fid, reason)
    key = KEYS.get(name)
    if key and key in df.columns and key != "code":
        empty = df[key].isna() | (df[key].astype(str).str.strip() == "")
        for label in df.index[empty.to_numpy()]:
            add(label, f"{key} is empty (NULL)")
    unique = UNIQUE.get(name)
    if unique and unique != ("plan", "code_norm") and all(c in df.columns for c in unique):
        keyed = df[list(unique)].dropna()
        dup = keyed[keyed.duplicated(keep=False)]
        for _, group in dup.groupby(list(unique)):
            labels = list(group.index)
            for label in labels:
                others = ", ".join(str(o) for o in labels if o != label)
                add(label, f"duplicate {unique[-1]} {group.iloc[0][unique[-1]]} (also feature {others})")
    if out:
        log.warning("%s: %d feature(s) with problems, e.g. feature %s: %s", name, len(out),
                    next(iter(out)), "; ".join(next(iter(out.values()))))
    return out

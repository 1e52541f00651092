"""``planmap check``: is the GeoPackage what the app, QGIS and GDAL expect?

Opens the file through GDAL (the same reader QGIS uses), runs GDAL's own GeoPackage validator
(``validate_gpkg.py`` from Debian's python3-gdal) on it, and for every layer the schema declares:
the layer exists and reads, required columns are present, spatial layers are in EPSG:4549 with
valid geometries lying inside the CRS's area of use, and parcel codes are unique. Each problem is one
line naming the layer, the feature and the reason, so a GIS editor can go straight to it.
"""

import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from .crs import PLAN_CRS, outside_plan_crs_area
from .schema import LAYERS
from .gpkg import list_layers
from .gpkg.write import damage



def check_file(path, specs=None):
    """A list of problems (strings); empty when the file is sound."""
    specs = specs or LAYERS
    problems = []
    wrong = damage(path)
    if wrong:
        return [f"{path}: cannot open it as a GeoPackage: {wrong}"]
    try:
        present = list_layers(path)
    except Exception as exc:
        return [f"{path}: GDAL cannot open the file: {exc}"]
    problems.extend(validator_problems(path))
    for name, spec in specs.items():
        if name not in present:
            problems.append(f"{name}: layer missing")
            continue
        try:
            info = pyogrio.read_info(path, layer=name)
        except Exception as exc:
            problems.append(f"{name}: GDAL cannot read the layer: {exc}")
            continue
        fields = set(info["fields"])
        missing = [c for c in spec.required if c not in fields and c != "geometry"]
        if missing:
            problems.append(f"{name}: required column(s) missing: {', '.join(missing)}")
        if spec.geometry_type:
            problems.extend(_check_spatial(path, name, info))
    return problems


#: Where Debian's python3-gdal puts GDAL's own GeoPackage validator (it needs GDAL's Python bindings,
#: which that package gives Debian's Python; the project's interpreter runs it there).
VALIDATOR = ("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
             "/usr/share/doc/python3-gdal/examples/validate_gpkg.py")
VALIDATOR_PYTHON = "/usr/bin/python3"


def validator():
    """The path of GDAL's ``validate_gpkg.py``, or None when python3-gdal is not installed."""
    from pathlib import Path

    return next((p for p in VALIDATOR if Path(p).is_file() and Path(VALIDATOR_PYTHON).is_file()), None)


def validator_problems(path):
    """The requirements of the GeoPackage standard the file breaks, by GDAL's own validator
    (``validate_gpkg.py -k``: every finding, not only the first), one line each."""
    import subprocess

    script = validator()
    if script is None:
        return []
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    try:
        done = subprocess.run([VALIDATOR_PYTHON, script, "-k", str(path)], capture_output=True, text=True,
                              timeout=300, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [f"GDAL's GeoPackage validator did not run: {type(exc).__name__}"]
    if done.returncode == 0:
        return []
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"GDAL's GeoPackage validator failed: {last}"]
    return [f"GeoPackage standard (GDAL's validator): {line}" for line in lines]


def _check_spatial(path, name, info):
    out = []
    crs = info.get("crs")
    if not crs or CRS.from_user_input(crs) != CRS.from_user_input(PLAN_CRS):
        out.append(f"{name}: CRS is {crs or 'undeclared'}, expected {PLAN_CRS}")
        return out
    gdf = pyogrio.read_dataframe(path, layer=name, fid_as_index=True)
    label = _label_column(gdf)
    for fid, kind, reason in feature_findings(gdf):
        if kind == "code":
            out.append(f"{name}: feature fid {fid}: {reason}")
        elif kind == "code_norm":
            out.append(f"{name}: feature fid {fid} ({gdf.at[fid, 'code']}): {reason}")
        else:
            out.append(f"{name}: feature {_describe(gdf, fid, label)}: {reason}")
    if "code_norm" in gdf.columns:
        out.extend(f"{name}: duplicate parcel code {key} in features {', '.join(str(f) for f in fids)}"
                   for key, fids in _duplicate_codes(gdf))
    return out


def feature_findings(gdf):
    """``[(fid, kind, reason)]``: the per-feature rules — a shape that is missing, empty, invalid or
    outside EPSG:4549's area of use; a parcel code that is empty or out of step with ``code_norm``.

    The one definition of what is wrong with a single feature: ``planmap check`` prints it, the web
    app's reader (:mod:`layers.gpkg.problems`) serves it with the feature.
    """
    out = []
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms)
    empty = shapely.is_empty(geoms) | missing
    for fid, none in zip(gdf.index[empty], missing[empty]):
        out.append((fid, "geometry", "no geometry (NULL)" if none else "empty geometry"))
    valid = shapely.is_valid(geoms)
    for fid in gdf.index[~valid & ~empty]:
        out.append((fid, "geometry", f"invalid geometry ({shapely.is_valid_reason(gdf.geometry[fid])})"))
    lonlat = gdf[~empty].to_crs("EPSG:4326").geometry.values
    outside = outside_plan_crs_area(lonlat) if len(lonlat) else np.zeros(0, bool)
    for fid in gdf.index[~empty][outside]:
        out.append((fid, "area", "lies outside EPSG:4549's area of use (118.5°E-121.5°E, with a 1° margin) — "
                                 "wrong CRS or misplaced coordinates?"))
    if "code_norm" in gdf.columns and "code" in gdf.columns:
        from .codes import normalise

        for fid, code, norm in zip(gdf.index, gdf["code"], gdf["code_norm"]):
            if not _present(code):
                out.append((fid, "code", "code is empty (NULL); a parcel needs its code"
                            + (f" (its code_norm is {norm})" if _present(norm) else "")))
            elif normalise(str(code)) != norm:
                out.append((fid, "code_norm", f"code_norm {norm} does not match code "
                                              f"(expected {normalise(str(code))}); rebuild or correct it"))
    return out


def duplicate_findings(gdf):
    """``[(fid, reason)]``: each parcel sharing its code with another of its plan (see :func:`_duplicate_codes`)."""
    if "code_norm" not in gdf.columns:
        return []
    return [(fid, f"duplicate parcel code {key} (also feature {', '.join(str(f) for f in fids if f != fid)})")
            for key, fids in _duplicate_codes(gdf) for fid in fids]


def _present(value):
    """A value that is there: not NULL/NaN, not blank text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return not (isinstance(value, str) and not value.strip())


def _duplicate_codes(gdf):
    """``[(plan:code, fids)]``: a parcel code is unique within its plan (plans 000 and 003 have different
    街坊 schemes): by the stored ``code_norm``, and by ``code`` as the next build normalises it (an editor
    edits ``code``)."""
    from .codes import normalise

    plan = gdf["plan"].astype(str) + ":" if "plan" in gdf.columns else ""
    keyed = [gdf["code_norm"].where(gdf["code_norm"].map(_present))]
    if "code" in gdf.columns:
        keyed.append(gdf["code"].map(lambda c: normalise(str(c)) if _present(c) else None))
    groups = {}
    for codes in keyed:
        keys = plan + codes.astype(str)
        dup = keys.duplicated(keep=False) & codes.notna()
        for key, group in gdf[dup].groupby(keys[dup]):
            groups.setdefault((key, tuple(group.index)), None)
    return list(groups)


def _label_column(gdf):
    for c in ("code", "name_zh", "name", "adcode"):
        if c in gdf.columns:
            return c
    return None


def _describe(gdf, fid, label):
    return f"fid {fid}" + (f" ({gdf.at[fid, label]})" if label and gdf.at[fid, label] else "")

"""Writing the GeoPackage: atomic writes, Chinese titles and aliases; and GDAL's plain listing.

A GeoPackage is one SQLite file that QGIS, GDAL and the web app open at once. A build therefore
never writes into the live file: it writes a complete new file beside it, validates it, and swaps it
in with one ``os.replace`` — a failed or interrupted build leaves the previous file exactly as it was.

Layer and column names are lowercase ASCII (safe for every client); their Chinese titles and
descriptions go into the GeoPackage's own metadata: ``gpkg_contents.identifier/description`` for
layers and the schema extension's ``gpkg_data_columns`` (name, title, description) for columns,
which GDAL exposes as field *alternative names* and QGIS shows as aliases.
"""

import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import GeoPackageMissing, StoreError

#: GeoPackage 1.3 rather than the newest 1.4, so that Debian's GDAL 3.6 and QGIS 3.22+ read the file
#: without a "partially supported" warning.
GPKG_VERSION = "1.3"


def write_geopackage(path, frames, specs, progress=None, validate=None):
    """Write ``frames`` (name → GeoDataFrame/DataFrame) as one new GeoPackage at ``path``, atomically.

    The file is written under a temporary name in the same folder (so the final rename stays on one
    file system), annotated, checked for readability, passed to ``validate(tmp_path)`` (which raises
    to refuse it), and only then moved over ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp.gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()          # let GDAL create it fresh
    try:
        for name, frame in frames.items():
            spec = specs[name]
            _write_layer(tmp, name, frame, spec)
            if progress:
                progress(f"  wrote {name}: {len(frame)} rows")
        _annotate(tmp, [specs[n] for n in frames])
        # the new file must open and list every layer before it replaces the old one
        listed = {row[0] for row in pyogrio.list_layers(tmp)}
        missing = set(frames) - listed
        if missing:
            raise StoreError(f"layers missing after write: {sorted(missing)}")
        if validate:
            validate(tmp)
        os.replace(tmp, path)
    except BaseException:
        for leftover in path.parent.glob(tmp.name + "*"):
            leftover.unlink(missing_ok=True)
        raise
    return path


def _write_layer(tmp, name, frame, spec):
    kwargs = {"layer": name, "driver": "GPKG", "dataset_options": {"VERSION": GPKG_VERSION}}
    if isinstance(frame, gpd.GeoDataFrame):
        kwargs["layer_options"] = {"SPATIAL_INDEX": "YES", "DESCRIPTION": spec.description,
                                   "IDENTIFIER": spec.title_zh}
        if spec.geometry_type:
            kwargs["geometry_type"] = spec.geometry_type
        frame = frame.rename_geometry("geom") if frame.geometry.name != "geom" else frame
    else:
        kwargs["layer_options"] = {"DESCRIPTION": spec.description, "IDENTIFIER": spec.title_zh}
        frame = pd.DataFrame(frame)
    exists = tmp.exists()
    if exists:
        kwargs.pop("dataset_options")
    pyogrio.write_dataframe(frame, tmp, append=False, **kwargs)


def _annotate(path, specs):
    """Chinese column titles into gpkg_data_columns (the GeoPackage schema extension)."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
            description TEXT, mime_type TEXT, constraint_name TEXT,
            CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
            CONSTRAINT gdc_tn UNIQUE (table_name, name))""")
        db.execute("""CREATE TABLE IF NOT EXISTS gpkg_extensions (
            table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
            definition TEXT NOT NULL, scope TEXT NOT NULL,
            CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""")
        for spec in specs:
            cols = {r[1] for r in db.execute(f'PRAGMA table_info("{spec.name}")')}
            for col, title in spec.aliases.items():
                if col in cols:
                    db.execute("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title)"
                               " VALUES (?, ?, ?, ?)", (spec.name, col, col, title))
        for table in ("gpkg_data_columns",):
            db.execute("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema',"
                       " 'http://www.geopackage.org/spec/#extension_schema', 'read-write')", (table,))
        db.commit()


def read_layer(path, name, **kwargs):
    """One layer as a (Geo)DataFrame; attribute tables come back as plain DataFrames."""
    try:
        return pyogrio.read_dataframe(path, layer=name, **kwargs)
    except Exception as exc:   # pyogrio raises several DataSource/Layer error types
        raise GeoPackageMissing(f"{Path(path).name}: cannot read layer {name!r}: {exc}") from exc


def list_layers(path):
    """``{name: geometry type or None}`` for every layer GDAL sees in the file."""
    return {name: gtype for name, gtype in pyogrio.list_layers(path)}


def column_titles(path, table):
    """The Chinese column titles stored for ``table``."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return dict(db.execute("SELECT column_name, title FROM gpkg_data_columns WHERE table_name = ?",
                               (table,)))

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
import re
import sqlite3
import struct
import tempfile
import time
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import GeoPackageMissing, StoreError

#: GeoPackage 1.3 rather than the newest 1.4, so that Debian's GDAL 3.6 and QGIS 3.22+ read the file
#: without a "partially supported" warning.
GPKG_VERSION = "1.3"

TMP_SUFFIX = ".tmp.gpkg"
#: A temporary file family untouched for this long has no build writing it (see remove_stale_temporaries).
STALE_AFTER_S = 600
#: What SQLite keeps beside a database file.
SIDECARS = ("-wal", "-shm", "-journal")


def write_geopackage(path, frames, specs, progress=None, validate=None):
    """Write ``frames`` (name → GeoDataFrame/DataFrame) as one new GeoPackage at ``path``, atomically.

    The file is written under a temporary name in the same folder (so the final rename stays on one
    file system), annotated, checked for readability, passed to ``validate(tmp_path)`` (which raises
    to refuse it), and only then moved over ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    removed = remove_stale_temporaries(path)
    if removed and progress:
        progress(f"  removed {len(removed)} temporary file(s) an interrupted build left behind: "
                 + ", ".join(p.name for p in removed))
    fd, tmp_name = tempfile.mkstemp(prefix=path.stem + ".", suffix=TMP_SUFFIX, dir=path.parent)
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
        # the schema extension is both tables (GeoPackage 1.3 §F.9; GDAL's validator, requirement 141)
        db.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
            constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC,
            min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
            CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))""")
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
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


# -- leftovers of an interrupted build ----------------------------------------------------------------

def temporary_pattern(path):
    """The names :func:`write_geopackage` gives its temporary files beside ``path``: ``<stem>.`` +
    the 8 characters :func:`tempfile.mkstemp` draws (a-z, 0-9, _) + ``.tmp.gpkg``, and SQLite's
    ``-wal``/``-shm``/``-journal`` beside it. Nothing else matches."""
    stem = re.escape(Path(path).stem)
    return re.compile(rf"^(?P<base>{stem}\.[a-z0-9_]{{8}}{re.escape(TMP_SUFFIX)})(?:-wal|-shm|-journal)?$")


def remove_stale_temporaries(path, older_than_s=STALE_AFTER_S, now=None):
    """Delete the temporary files a killed build left beside ``path``; returns the paths removed.

    Only files named as :func:`temporary_pattern` says, in ``path``'s own folder, and only a family
    (the temporary file with its ``-wal``/``-shm``/``-journal``) of which no member was modified in
    the last ``older_than_s`` seconds. Why age and not a process id or a lock: a build writes its
    temporary file without pause from its first layer to the swap (layer after layer, then styles,
    history and triggers, then a read-only check of a few seconds), so a family untouched for ten
    minutes has no writer; that holds for a build on another machine sharing the folder, where a
    pid means nothing, and after a pid is reused. A lock file would itself be left behind by a kill.
    A build still running is therefore never disturbed; a killed one's files go at the first build
    ten minutes later.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        return []
    pattern = temporary_pattern(path)
    families = {}
    for entry in folder.iterdir():
        m = pattern.match(entry.name)
        if m and entry.is_file() and not entry.is_symlink():
            families.setdefault(m["base"], []).append(entry)
    now = time.time() if now is None else now
    removed = []
    for members in families.values():
        try:
            newest = max(m.stat().st_mtime for m in members)
        except FileNotFoundError:        # its build is finishing right now
            continue
        if now - newest < older_than_s:
            continue
        for m in sorted(members):
            try:
                m.unlink()
                removed.append(m)
            except FileNotFoundError:
                pass
    return sorted(removed)


# -- a damaged file -----------------------------------------------------------------------------------

_SQLITE_MAGIC = b"SQLite format 3\x00"
#: ``PRAGMA application_id`` of a GeoPackage: 'GPKG' (1.2+), 'GP10', 'GP11'.
_GPKG_IDS = {0x47504B47, 0x47503130, 0x47503131}


def damage(path):
    """What is wrong with the GeoPackage file ``path``, in one phrase; None when it is sound.

    Read only, and cheap (the header, then SQLite's ``quick_check``, a few hundredths of a second
    for this project's file): an empty file, one that is not SQLite at all (random bytes, another
    format), one shorter than its own header says (truncated by a full disk or an interrupted
    copy), a SQLite database that is not a GeoPackage, one whose pages SQLite finds damaged.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "the file is empty (0 bytes)"
    if not head.startswith(_SQLITE_MAGIC):
        return "not a GeoPackage, nor any SQLite database (it does not start with \"SQLite format 3\")"
    if len(head) < 100:
        return f"truncated: {size} bytes, shorter than an SQLite header"
    page_size, = struct.unpack(">H", head[16:18])
    page_size = 65536 if page_size == 1 else page_size
    pages, = struct.unpack(">I", head[28:32])
    counter_ok = head[24:28] == head[92:96]
    wal = path.with_name(path.name + "-wal")
    wal_has_pages = wal.exists() and wal.stat().st_size > 0
    if counter_ok and pages and not wal_has_pages and size < pages * page_size:
        return f"truncated: {size} bytes, but its header says {pages * page_size}"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if app_id not in _GPKG_IDS or not {"gpkg_contents", "gpkg_spatial_ref_sys"} <= tables:
                return "an SQLite database, but not a GeoPackage (no gpkg_contents / gpkg_spatial_ref_sys)"
            found = [r[0] for r in db.execute("PRAGMA quick_check(3)")]
            if found != ["ok"]:
                lines = [x.strip() for f in found for x in f.splitlines() if x.strip() and "***" not in x]
                return "damaged: SQLite's check finds " + "; ".join(lines[:2])
    except sqlite3.Error as exc:
        return f"damaged: SQLite cannot read it ({' '.join(str(exc).split())})"
    return None

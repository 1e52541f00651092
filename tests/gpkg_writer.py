"""A GeoPackage writer as any SQLite client would be, for tests that edit a file the way QGIS does.

GDAL's spatial-index triggers on a GeoPackage call ``ST_IsEmpty``/``ST_MinX``…, which GDAL and QGIS
register on their connections; :func:`connect` registers the same few functions (computed with
shapely), as such a client must. ``keep_wal=True`` makes it write as QGIS does while it holds a
layer open: WAL mode with no automatic checkpoint, so the edit sits in ``<file>-wal`` and the main
file does not change until the connection lets go.
"""

import sqlite3
import struct

import shapely


def geometry(blob):
    """A shapely geometry from a GeoPackage geometry blob."""
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 7]
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def gpkg_blob(geom, srs_id=4549):
    """A GeoPackage geometry blob: header (little-endian, xy envelope) + WKB."""
    minx, miny, maxx, maxy = geom.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + shapely.to_wkb(geom)


def connect(path, keep_wal=False):
    """A plain sqlite3 connection with the GeoPackage functions GDAL's index triggers call."""
    db = sqlite3.connect(path)

    def on_geometry(fn):
        return lambda blob: None if blob is None else fn(geometry(blob))

    db.create_function("ST_IsEmpty", 1, on_geometry(lambda g: int(g.is_empty)), deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        db.create_function(name, 1, on_geometry(lambda g, i=i: g.bounds[i]), deterministic=True)
    if keep_wal:
        assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        db.execute("PRAGMA wal_autocheckpoint=0")
    return db

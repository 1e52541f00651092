"""The GeoPackage, the one store every door reads: writing it atomically, reading it per version, and
the questions asked of it.

- :mod:`.write` — a new file written beside the old one, annotated, validated, swapped in;
- :mod:`.reader` — :class:`GeoPackage`, one per file per process (:func:`open_gpkg`), layers cached
  per version of the file and its WAL;
- :mod:`.queries` — find a parcel, a structure, a project; search; a layer in a box; the plans.
"""

from .reader import GeoPackage, file_stamp, open_gpkg
from .write import column_titles, list_layers, read_layer, write_geopackage

__all__ = ["GeoPackage", "open_gpkg", "file_stamp", "write_geopackage", "read_layer", "list_layers",
           "column_titles"]

"""The layers a sheet draws, read through the project's one GeoPackage reader.

A sheet reads the same :class:`~layers.gpkg.GeoPackage` as the web API (:func:`~layers.gpkg.open_gpkg`),
whose cache follows the file *and* its WAL: an edit QGIS has saved but not yet checkpointed is on the
next sheet, as it is in the API. What only sheets need (the simplified land of the locator) is derived
once per version of the file with :meth:`~layers.gpkg.GeoPackage.memo` and dropped with that version.
Callers read inside ``with gp.pinned():`` so one sheet never mixes two versions.
"""

from dataclasses import dataclass

from ..crs import PLAN_CRS
from ..errors import DataUnavailable

#: Simplification of the locator's land and district outlines (metres): the locator is a few
#: centimetres across at 1:1 000 000 or smaller.
LOCATOR_SIMPLIFY_M = 150


@dataclass(frozen=True)
class SheetData:
    """One version of the GeoPackage's drawn layers (EPSG:4549 GeoDataFrames)."""

    plans: object
    land: object
    districts: object
    towns: object
    polys: object          # structures
    lines: object          # structure_lines
    points: object         # structure_points
    parcels: object
    sites: object          # project_sites
    land_simple: object    # GeoSeries, for the locator
    districts_simple: object

    def structure_layer(self, layer):
        return {"structures": self.polys, "structure_lines": self.lines, "structure_points": self.points}[layer]


LAYERS = {"plans": "plans", "land": "land", "districts": "districts", "towns": "towns",
          "polys": "structures", "lines": "structure_lines", "points": "structure_points",
          "parcels": "parcels", "sites": "project_sites"}


def sheet_data(gp):
    """The layers of ``gp``'s current (or pinned) version, with the locator's simplified outlines."""
    def build():
        layers = {attr: gp.layer(name) for attr, name in LAYERS.items()}
        for attr, gdf in layers.items():
            crs = getattr(gdf, "crs", None)
            if crs is not None and crs.to_epsg() != 4549:
                raise DataUnavailable(f"{gp.path.name}: layer {LAYERS[attr]} is in {crs.to_string()}, "
                                      f"sheets need {PLAN_CRS}; rebuild with `planmap build`")
        return SheetData(**layers,
                         land_simple=layers["land"].geometry.simplify(LOCATOR_SIMPLIFY_M),
                         districts_simple=layers["districts"].geometry.simplify(LOCATOR_SIMPLIFY_M))

    return gp.memo("sheets", "data", build)

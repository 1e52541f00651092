"""Printable map sheets: A3/A4 PDF sheets and atlases of the plans, in Chinese.

A sheet is one page: a title band (the plan's title and period), the map frame at a round scale
(1:N measured in EPSG:4549 grid metres), and a panel with the legend (Chinese, English secondary), a
locator, the scale, the CRS note, notes on what the shapes are and are not, the sources with their
licences (OpenStreetMap's ODbL attribution among them) and the compiling date. A scale bar and a
north arrow sit in the map frame. Sketched and schematic shapes are drawn dashed or hatched, in the
project's one cartography (:mod:`layers.cartography`), and the sheet says that they are not survey
(示意/勾绘图形，非测绘成果).

Entry points (no Flask here; the CLI and the web app's print button call these):

- :func:`render_sheet` — one sheet of a plan, a structure, a parcel, a lon/lat box, or one of plan
  000's appended figures, as PDF bytes;
- :func:`render_atlas` — one page per structure or parcel of a plan, in one PDF, with progress;
- :func:`sheet_figure` — the matplotlib figure and its geometry (for tests and measurements).

The data comes through the project's one GeoPackage reader (:func:`layers.gpkg.open_gpkg`), so the
print button prints what the API answers, QGIS's unsaved-to-the-main-file (WAL) edits included.

Modules, in the order a sheet is made: :mod:`.data` (the layers, per file version), :mod:`.spec`
(what a sheet shows; :mod:`.figures` reads plan 000's appended maps from ``geodata/recipes``),
:mod:`.scale` (1:N, the scale bar, bboxes), :mod:`.page` (paper, layout, title, north arrow, scale
bar), :mod:`.style` and :mod:`.draw` (each layer in the cartography's style), :mod:`.labels` (label
placement by priority), :mod:`.panel` (legend, locator, notes, sources), :mod:`.text` (the CJK font,
measuring, wrapping, halos), :mod:`.render` (building and writing PDFs).
"""

from ..errors import FontMissingError, SheetError
from . import text
from .figures import load_figures
from .page import ORIENTATIONS, PAPER_MM, SheetGeometry
from .render import atlas_items, render_atlas, render_sheet, sheet_figure
from .scale import bbox_to_plan, fit_scale, format_ratio, grid_convergence, nice_denominator, parse_bbox
from .spec import ATLAS_KINDS, SheetSpec, make_spec
from .text import CJK_PACKAGE, NOT_SURVEY, OSM_ATTRIBUTION, cjk_font, missing_glyphs

__all__ = [
    "render_sheet", "render_atlas", "sheet_figure", "atlas_items", "make_spec", "SheetSpec", "SheetGeometry",
    "SheetError", "FontMissingError", "nice_denominator", "fit_scale", "format_ratio", "grid_convergence",
    "parse_bbox", "bbox_to_plan", "cjk_font", "missing_glyphs", "load_figures", "PAPER_MM", "ORIENTATIONS",
    "ATLAS_KINDS", "NOT_SURVEY", "OSM_ATTRIBUTION", "CJK_PACKAGE", "text",
]

"""Scale and extent: a round 1:N measured in EPSG:4549 grid metres, the scale bar, grid north, and the
lon/lat boxes the web map's print button sends.

A sheet's ratio must hold on paper: 1 mm of the map frame is exactly N mm of grid distance along both
axes, so the extent is fitted to the frame's aspect at the round N, never stretched.
"""

import functools
import math

from ..crs import PLAN_CRS, PLAN_CRS_BOUNDS_LONLAT, WEB_CRS
from ..crs import parse_bbox as parse_lonlat_bbox
from ..errors import SheetError

#: Nice scale denominators: these mantissas × 10^k.
NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)

#: The smallest half-width (metres) of any sheet's extent: a box narrower than this (a click, a
#: zoomed-in browser, a degenerate bbox) prints at a scale a planner can still read, not at 1:1.
MIN_HALF_M = 600.0


def nice_denominator(n):
    """The smallest round scale denominator ≥ ``n`` (mantissas 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5),
    and at least 1."""
    if not (n > 0 and math.isfinite(n)):
        raise SheetError(f"cannot fit a scale to a map frame of denominator {n!r}")
    if n <= 1:
        return 1
    k = 10 ** math.floor(math.log10(n))
    for m in NICE + (10.0,):
        if m * k >= n * (1 - 1e-9):
            return int(round(m * k))
    return int(round(10 * k))


def fit_scale(extent, frame_mm):
    """Round scale denominator and the map extent that fills ``frame_mm`` (w, h) at that scale.

    The returned extent contains ``extent`` and has exactly the frame's aspect, so 1 mm of paper is
    ``N`` mm of EPSG:4549 grid distance along both axes.
    """
    x0, y0, x1, y1 = extent
    w_mm, h_mm = frame_mm
    need = max((x1 - x0) / (w_mm / 1000.0), (y1 - y0) / (h_mm / 1000.0))
    n = nice_denominator(need)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = w_mm / 1000.0 * n / 2, h_mm / 1000.0 * n / 2
    return n, (cx - hw, cy - hh, cx + hw, cy + hh)


def format_ratio(n):
    return f"1:{int(n)}"


def scalebar_length(ground_width_m):
    """A round scale-bar length near a fifth of the frame width (1, 2, 5 × 10^k m)."""
    if not (ground_width_m > 0 and math.isfinite(ground_width_m)):
        raise SheetError(f"cannot draw a scale bar for a map {ground_width_m!r} m wide")
    target = ground_width_m / 5
    k = 10 ** math.floor(math.log10(target))
    best = k
    for m in (1, 2, 5, 10):
        if m * k <= target:
            best = m * k
    return best


def pad(bounds, frac=0.08, min_half=MIN_HALF_M):
    """``bounds`` grown by ``frac`` of its size, and to at least ``min_half`` metres each way."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw = max((x1 - x0) / 2 * (1 + frac), min_half)
    hh = max((y1 - y0) / 2 * (1 + frac), min_half)
    return cx - hw, cy - hh, cx + hw, cy + hh


@functools.lru_cache(maxsize=4)
def _transformer(src, dst):
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def grid_convergence(x, y):
    """Angle (degrees, clockwise) from grid north to true north at EPSG:4549 point (x, y)."""
    to_ll = _transformer(PLAN_CRS, WEB_CRS)
    to_xy = _transformer(WEB_CRS, PLAN_CRS)
    lon, lat = to_ll.transform(x, y)
    x2, y2 = to_xy.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(x2 - x, y2 - y))


# -- lon/lat boxes ------------------------------------------------------------------------------------

def parse_bbox(bbox):
    """A lon/lat box (:func:`layers.crs.parse_bbox`) that lies in the area EPSG:4549 serves."""
    w, s, e, n = parse_lonlat_bbox(bbox)
    x0, y0, x1, y1 = PLAN_CRS_BOUNDS_LONLAT
    if w < x0 or e > x1 or s < y0 or n > y1:
        raise SheetError(f"bbox {bbox!r} lies outside the area EPSG:4549 serves "
                         f"(lon {x0}…{x1}, lat {y0}…{y1}); is it lon/lat in that order?")
    return w, s, e, n


def bbox_to_plan(bbox):
    """A lon/lat box as the EPSG:4549 box that contains it (edges densified: the grid is not lon/lat)."""
    return _transformer(WEB_CRS, PLAN_CRS).transform_bounds(*bbox, densify_pts=21)

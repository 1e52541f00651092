"""Coordinate reference systems, and the GCJ-02 offset that Chinese web data carries.

Planning layers are stored in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E) so that areas and
lengths are metres; the web is served in EPSG:4326. CGCS2000 and WGS-84 differ by centimetres, far
below what any feature here claims, so they are treated as one datum.

Much Chinese web data (高德, DataV, 腾讯, and packages built from them) is in GCJ-02, a deliberately
distorted datum about 400-600 m off at Wenzhou. It must be converted on ingest; :func:`gcj02_to_wgs84`
does that by inverting the public forward formula with a fixed-point iteration that converges to
well under a millimetre (the forward formula alone is only good to a few metres).
"""

import math
import re

import numpy as np
import shapely
from pyproj import CRS, Transformer

PLAN_CRS = "EPSG:4549"
WEB_CRS = "EPSG:4326"

#: EPSG:4549's area of use (118.5°E-121.5°E) widened by 1° each side, as (lon, lat) bounds. Wenzhou's
#: outer islands reach past 121.5°E; 1° beyond the zone edge Gauss-Kruger scale error is still under
#: 0.1 %, while a feature further out is a wrong-CRS or misplaced-coordinate symptom.
PLAN_CRS_BOUNDS_LONLAT = (117.5, 18.0, 122.5, 53.0)

_A = 6378245.0                      # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323        # its first eccentricity squared

_to_plan = Transformer.from_crs(WEB_CRS, PLAN_CRS, always_xy=True)
_to_web = Transformer.from_crs(PLAN_CRS, WEB_CRS, always_xy=True)


def parse_bbox(value):
    """``"W,S,E,N"`` (commas or spaces) or four numbers, lon/lat degrees → a checked ``(w, s, e, n)``.

    The one reading of a box every door takes (the API's ``?bbox=``, the print button and ``planmap
    sheet --bbox``, ``planmap network fetch/import --bbox``); each door adds its own limit on top.
    Raises :class:`~layers.errors.BadRequest` saying what is wrong.
    """
    from .errors import BadRequest

    parts = [p for p in re.split(r"[,\s]+", value.strip()) if p] if isinstance(value, str) else list(value)
    if len(parts) != 4:
        raise BadRequest(f"bbox must be four numbers W,S,E,N in lon/lat degrees; got {len(parts)} value(s)")
    try:
        w, s, e, n = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise BadRequest("bbox must be four numbers W,S,E,N in lon/lat degrees (e.g. 120.5,27.8,121.2,28.1)") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise BadRequest("bbox values must be finite numbers")
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise BadRequest("bbox is outside longitude -180..180 / latitude -90..90 (order is W,S,E,N)")
    if w >= e or s >= n:
        raise BadRequest("bbox must have W < E and S < N")
    return w, s, e, n


def plan_crs():
    """The pyproj CRS of the planning layers."""
    return CRS.from_user_input(PLAN_CRS)


def lonlat_to_plan(lon, lat):
    """WGS-84/CGCS2000 longitude, latitude → EPSG:4549 easting, northing (metres)."""
    return _to_plan.transform(lon, lat)


def plan_to_lonlat(x, y):
    """EPSG:4549 easting, northing → longitude, latitude."""
    return _to_web.transform(x, y)


def _offset(lon, lat):
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS-84 ``lon, lat`` (arrays)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    ripple_x = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + ripple_x
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + ripple_x
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """WGS-84 → GCJ-02 (the forward, published formula). Scalars or arrays."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, tol_deg=1e-10, max_iter=30):
    """GCJ-02 → WGS-84 by fixed-point iteration on the forward formula.

    Starts from the GCJ point and moves the estimate by the residual until the forward transform of
    the estimate lands on the input within ``tol_deg`` (1e-10° ≈ 0.01 mm). Converges in a handful
    of steps because the offset changes slowly with position.
    """
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        rlon, rlat = flon - glon, flat - glat
        wlon = wlon - rlon
        wlat = wlat - rlat
        if np.all(np.abs(rlon) < tol_deg) and np.all(np.abs(rlat) < tol_deg):
            break
    return wlon, wlat


def _apply_lonlat(geom, func):
    def f(coords):
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, f)


def geometry_gcj02_to_wgs84(geom):
    """A shapely geometry (or array of them) in GCJ-02 lon/lat → WGS-84 lon/lat."""
    return _apply_lonlat(geom, gcj02_to_wgs84)


def geometry_wgs84_to_gcj02(geom):
    """A shapely geometry in WGS-84 lon/lat → GCJ-02 (for tests and for comparing with web maps)."""
    return _apply_lonlat(geom, wgs84_to_gcj02)


def outside_plan_crs_area(geom_lonlat):
    """True where a lon/lat geometry leaves EPSG:4549's area of use (a wrong-CRS symptom)."""
    minx, miny, maxx, maxy = PLAN_CRS_BOUNDS_LONLAT
    b = shapely.bounds(geom_lonlat)
    b = np.atleast_2d(b)
    return (b[:, 0] < minx) | (b[:, 1] < miny) | (b[:, 2] > maxx) | (b[:, 3] > maxy)

"""Small geometry helpers shared by the base, structure and parcel builders."""

import shapely
from shapely import affinity


def scale_to_area(geom, target_m2, tol=1e-4, max_iter=50):
    """``geom`` scaled about its centroid so that its area is ``target_m2`` (planar units).

    Used where the plan states an area but not a shape: the *shape* stays a sketch, the *area* is the
    plan's own figure.
    """
    if geom.is_empty or geom.area <= 0:
        raise ValueError("cannot scale an empty geometry to an area")
    c = geom.centroid
    out = geom
    for _ in range(max_iter):
        ratio = target_m2 / out.area
        if abs(ratio - 1.0) < tol:
            break
        f = ratio ** 0.5
        out = affinity.scale(out, xfact=f, yfact=f, origin=c)
    return out


def area_error(geom, target_m2):
    """Relative area error of ``geom`` against a stated area (0.05 = 5 %)."""
    return abs(geom.area - target_m2) / target_m2


def make_valid_polygonal(geom):
    """``make_valid`` that keeps only the polygonal part (drops stray lines and points)."""
    g = shapely.make_valid(geom)
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    polys = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else g


def fit_area(geom, target_m2, within=None, tol=1e-4, max_iter=60):
    """Scale ``geom`` about its centroid until its part inside ``within`` has area ``target_m2``.

    With ``within=None`` this is :func:`scale_to_area`. With a container (land, a district, a zone)
    the scale factor is found by bisection, because clipping makes area grow unevenly with scale.
    Raises ``ValueError`` when even a large scale cannot reach the target inside the container.
    """
    if within is None:
        return scale_to_area(geom, target_m2, tol=tol)
    c = geom.centroid

    def clipped(f):
        return shapely.intersection(affinity.scale(geom, xfact=f, yfact=f, origin=c), within)

    lo, hi = 0.0, 1.0
    while clipped(hi).area < target_m2:
        hi *= 2.0
        if hi > 64:
            raise ValueError(f"cannot fit {target_m2 / 1e6:.2f} km² inside the container "
                             f"(at most {clipped(hi).area / 1e6:.2f} km² reachable)")
    out = clipped(hi)
    for _ in range(max_iter):
        mid = (lo + hi) / 2.0
        out = clipped(mid)
        if abs(out.area - target_m2) / target_m2 < tol:
            break
        if out.area < target_m2:
            lo = mid
        else:
            hi = mid
    return make_valid_polygonal(out)

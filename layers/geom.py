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

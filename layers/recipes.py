"""Structure recipes: reviewable text files that say how each plan structure's shape is made.

The plans give no coordinates. A recipe (``geodata/recipes/NNN.recipe``, one per plan) records, for
every named structure, what it is (name, kind, role, stated area), which plan lines it rests on, and
a short pipeline of geometry operations on *named real features* — a district, an island, a town, an
earlier structure — or on coordinates sketched by reading the text. A planner can review a recipe
line by line; GIS staff later improve the shapes in QGIS, and their edits win.

Format (``#`` starts a comment; indentation is for the reader)::

    feature 000-phase1
      name_zh    一期片区（瓯江口新区一期）
      name_en    Phase I
      structure  一心两翼
      kind       core
      role       产城融合门户、产业发展先导区
      area_km2   24
      quality    sketched
      accuracy_m 1000
      cite       L53 L55 L323
      alias      浅滩一期 瓯江口新区一期 新区一期
      geom       land 灵昆岛
      geom       cut east 120.925 27.985 120.905 27.90
      geom       fit 24

Each ``geom`` line applies one operation to the shape built so far:

==================================  =========================================================
``land NAME`` / ``land *``          the named land polygon (island, reclaimed shoal) / all land
``district NAME``                   a district or county (name_zh, e.g. 洞头区)
``town NAME``                       a town point (name_zh)
``feature ID``                      a structure built earlier (any plan's recipe)
``polygon LON LAT, LON LAT, …``     a sketched polygon (WGS-84 lon/lat)
``line LON LAT, LON LAT, …``        a sketched line
``point LON LAT``                   a sketched point
``union SOURCE``                    add a source (any of the five above)
``clip SOURCE``                     keep only the part inside a source
``minus SOURCE``                    remove a source
``cut SIDE LON1 LAT1 LON2 LAT2``    keep the part on SIDE (north/south/east/west) of the line
``buffer METRES``                   grow (or, negative, shrink)
``fit KM2 [within SOURCE]``         scale about the centroid to KM2 (inside SOURCE)
``centroid``                        the point at the shape's centre (a point inside it)
==================================  =========================================================

The first source line starts the shape; later source lines without a verb are unions. Any name
that does not exist, an unknown verb or a malformed number fails with the recipe's file and line.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from .crs import lonlat_to_plan
from .errors import RecipeError
from .geom import fit_area, make_valid_polygonal

KINDS = {"core", "wing", "zone", "subzone", "area", "axis", "belt", "corridor", "node", "cluster",
         "park", "port", "block", "station", "hub", "green", "water", "route"}
QUALITIES = {"official", "derived", "sketched", "schematic"}
KEYS = {"name_zh", "name_en", "structure", "kind", "role", "area_km2", "quality", "accuracy_m", "cite",
        "note", "alias"}
REQUIRED = ("name_zh", "structure", "kind", "quality", "cite")


@dataclass
class Recipe:
    """One feature's recipe: attributes and geometry operations, with the lines they stand on."""

    id: str
    plan: str
    path: str
    line: int
    attrs: dict = field(default_factory=dict)
    ops: list = field(default_factory=list)       # (line, verb, args)

    def error(self, line, message):
        return RecipeError(self.path, line, f"{self.id}: {message}")


def parse_recipe_file(path):
    """Read one recipe file into :class:`Recipe` objects (no geometry yet)."""
    path = Path(path)
    plan = path.stem[:3]
    recipes, current, seen = [], None, set()
    for n, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        key, _, rest = line.partition(" ")
        rest = rest.strip()
        if key == "feature":
            if not re.fullmatch(r"[0-9]{3}-[A-Za-z0-9_.-]+", rest):
                raise RecipeError(path, n, f"feature id {rest!r} must look like {plan}-name (ASCII)")
            if rest in seen:
                raise RecipeError(path, n, f"feature id {rest} is used twice")
            seen.add(rest)
            current = Recipe(rest, plan, str(path), n)
            recipes.append(current)
        elif current is None:
            raise RecipeError(path, n, "expected 'feature ID' before attributes")
        elif key == "geom":
            verb, _, args = rest.partition(" ")
            current.ops.append((n, verb, args.strip()))
        elif key in KEYS:
            if not rest:
                raise RecipeError(path, n, f"{key} has no value")
            current.attrs[key] = (n, rest)
        else:
            raise RecipeError(path, n, f"unknown key {key!r} (expected one of: feature, geom, "
                                       + ", ".join(sorted(KEYS)) + ")")
    for r in recipes:
        for k in REQUIRED:
            if k not in r.attrs:
                raise r.error(r.line, f"missing required '{k}'")
        if not r.ops:
            raise r.error(r.line, "has no 'geom' lines")
        n, kind = r.attrs["kind"]
        if kind not in KINDS:
            raise r.error(n, f"kind {kind!r} is not one of {sorted(KINDS)}")
        n, q = r.attrs["quality"]
        if q not in QUALITIES:
            raise r.error(n, f"quality {q!r} is not one of {sorted(QUALITIES)}")
    return recipes


class Gazetteer:
    """The named real features a recipe may refer to, in EPSG:4549."""

    def __init__(self, districts, land, towns):
        self.sources = {
            "district": _by_name(districts),
            "land": _by_name(land[land["name_zh"].astype(bool)]),
            "town": _by_name(towns),
            "feature": {},
        }
        self.all_land = make_valid_polygonal(shapely.union_all(land.geometry.values))

    def lookup(self, recipe, line, kind, name):
        if kind == "land" and name == "*":
            return self.all_land
        table = self.sources[kind]
        if name not in table:
            known = "、".join(sorted(table)[:40]) or "none"
            raise recipe.error(line, f"no {kind} named {name!r} (known: {known})")
        return table[name]


def _by_name(gdf):
    col = "name_zh" if "name_zh" in gdf.columns else "name"
    out = {}
    for name, geom in zip(gdf[col], gdf.geometry):
        out[name] = shapely.union(out[name], geom) if name in out else geom
    return out


_SOURCES = ("land", "district", "town", "feature")
_SHAPES = ("polygon", "line", "point")


def build_geometry(recipe, gaz):
    """Run a recipe's operations; returns a shapely geometry in EPSG:4549."""
    geom = None
    for line, verb, args in recipe.ops:
        try:
            if verb in _SOURCES or verb in _SHAPES:
                g = _source(recipe, gaz, line, verb, args)
                geom = g if geom is None else shapely.union(geom, g)
                continue
            if geom is None:
                raise recipe.error(line, f"'{verb}' needs a shape first (start with a source or a polygon)")
            if verb == "union":
                geom = shapely.union(geom, _source_words(recipe, gaz, line, args))
            elif verb == "clip":
                geom = shapely.intersection(geom, _source_words(recipe, gaz, line, args))
            elif verb == "minus":
                geom = shapely.difference(geom, _source_words(recipe, gaz, line, args))
            elif verb == "cut":
                geom = _cut(recipe, line, geom, args)
            elif verb == "buffer":
                geom = geom.buffer(_float(recipe, line, args))
            elif verb == "fit":
                km2, _, within = args.partition(" within ")
                container = _source_words(recipe, gaz, line, within) if within else None
                try:
                    geom = fit_area(geom, _float(recipe, line, km2) * 1e6, within=container)
                except ValueError as exc:
                    raise recipe.error(line, str(exc)) from None
            elif verb == "centroid":
                geom = geom.point_on_surface() if geom.geom_type.endswith("Polygon") else geom.centroid
            else:
                raise recipe.error(line, f"unknown operation {verb!r}")
        except RecipeError:
            raise
        except Exception as exc:   # a GEOS failure is still the recipe's line that caused it
            raise recipe.error(line, f"{verb} failed: {exc}") from exc
        if geom.is_empty:
            raise recipe.error(line, f"'{verb} {args}' left an empty shape")
    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        geom = make_valid_polygonal(geom)
    return geom


def _source_words(recipe, gaz, line, args):
    verb, _, rest = args.strip().partition(" ")
    if verb not in _SOURCES + _SHAPES:
        raise recipe.error(line, f"expected a source (land/district/town/feature/polygon/line/point), got {args!r}")
    return _source(recipe, gaz, line, verb, rest.strip())


def _source(recipe, gaz, line, verb, args):
    if verb in _SOURCES:
        if not args:
            raise recipe.error(line, f"'{verb}' needs a name")
        return gaz.lookup(recipe, line, verb, args)
    pts = _points(recipe, line, args)
    if verb == "point":
        if len(pts) != 1:
            raise recipe.error(line, "point takes one 'LON LAT'")
        return shapely.Point(pts[0])
    if verb == "line":
        if len(pts) < 2:
            raise recipe.error(line, "line needs at least two points")
        return shapely.LineString(pts)
    if len(pts) < 3:
        raise recipe.error(line, "polygon needs at least three points")
    poly = shapely.Polygon(pts)
    if not poly.is_valid:
        raise recipe.error(line, f"sketched polygon is invalid: {shapely.is_valid_reason(poly)}")
    return poly


def _points(recipe, line, args):
    out = []
    for pair in args.split(","):
        nums = pair.split()
        if len(nums) != 2:
            raise recipe.error(line, f"expected 'LON LAT' pairs separated by commas, got {pair.strip()!r}")
        lon, lat = (_float(recipe, line, v) for v in nums)
        if not (119.0 <= lon <= 122.0 and 27.0 <= lat <= 29.0):
            raise recipe.error(line, f"point {lon} {lat} is outside the Wenzhou area (lon 119-122, lat 27-29); "
                                     "coordinates are WGS-84 longitude then latitude")
        out.append(lonlat_to_plan(lon, lat))
    return out


def _float(recipe, line, s):
    try:
        return float(s)
    except ValueError:
        raise recipe.error(line, f"expected a number, got {s!r}") from None


_SIDES = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}


def _cut(recipe, line, geom, args):
    words = args.split()
    if len(words) != 5 or words[0] not in _SIDES:
        raise recipe.error(line, "cut takes SIDE LON1 LAT1 LON2 LAT2 (SIDE: north/south/east/west)")
    (x1, y1), (x2, y2) = _points(recipe, line, f"{words[1]} {words[2]}, {words[3]} {words[4]}")
    dx, dy = x2 - x1, y2 - y1
    length = float(np.hypot(dx, dy))
    if length == 0:
        raise recipe.error(line, "cut line has zero length")
    # the half-plane on the requested side of the (extended) line, as a very large polygon
    nx, ny = -dy / length, dx / length
    want = _SIDES[words[0]]
    if nx * want[0] + ny * want[1] < 0:
        nx, ny = -nx, -ny
    far = 1e6
    ux, uy = dx / length * far, dy / length * far
    half = shapely.Polygon([(x1 - ux, y1 - uy), (x1 + ux, y1 + uy),
                            (x1 + ux + nx * far, y1 + uy + ny * far), (x1 - ux + nx * far, y1 - uy + ny * far)])
    return shapely.intersection(geom, half)


def attr(recipe, key, default=None):
    """An attribute's value (without its line number)."""
    v = recipe.attrs.get(key)
    return v[1] if v else default


def cite_lines(recipe):
    """``cite L53 L55-L57`` → ``[53, 55, 56, 57]``; a malformed cite fails with the recipe line."""
    n, text = recipe.attrs["cite"]
    out = []
    for tok in text.replace(",", " ").split():
        m = re.fullmatch(r"L(\d+)(?:-L?(\d+))?", tok)
        if not m:
            raise recipe.error(n, f"cite expects line references like L53 or L55-L57, got {tok!r}")
        a = int(m.group(1))
        b = int(m.group(2) or a)
        out.extend(range(a, b + 1))
    return out


def aliases(recipe):
    """Names a plan's text may use for this feature: its name without bracketed parts, the bracketed
    alternative, and any ``alias`` words — used to locate projects and quotas that name the feature."""
    name = attr(recipe, "name_zh")
    out = [name]
    m = re.fullmatch(r"(.+?)（(.+)）", name)
    if m:
        out.append(m.group(1))
        out.extend(p for p in re.split(r"[，,、]", m.group(2)) if len(p) >= 2)
    out.extend(attr(recipe, "alias", "").split())
    seen, uniq = set(), []
    for a in out:
        a = a.strip()
        if len(a) >= 2 and a not in seen:
            seen.add(a)
            uniq.append(a)
    return uniq

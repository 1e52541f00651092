"""The plans' spatial structures as layers: built from the recipes in ``geodata/recipes/``.

Recipes are read in plan order so that a later plan may build on an earlier plan's feature (plan 004's
瓯江口 block sits inside plan 000's 一期). Every feature carries its plan, the pattern it belongs to,
its stated area, how its shape was made (``quality``), the plan lines it rests on (``source_ref``)
and the recipe line that built it (``recipe``), so the map and the sheets can say all of that.
"""

from pathlib import Path

import geopandas as gpd
import shapely

from .crs import PLAN_CRS
from .recipes import Gazetteer, aliases, attr, build_geometry, cite_lines, parse_recipe_file
from .settings import source_dir


COLUMNS = ["id", "plan", "structure", "name_zh", "name_en", "kind", "role", "area_stated_km2", "area_km2",
           "length_km", "quality", "accuracy_m", "source_ref", "recipe", "note", "aliases"]

#: How far a shape may be from the area the plan states.
AREA_TOLERANCE = 0.10


def build_structures(districts, land, towns, recipe_dir=None, plan_lines=None, progress=None):
    """All recipes → ``{"structures": polygons, "structure_lines": lines, "structure_points": points}``.

    ``plan_lines`` maps plan id → number of lines in its text, so that a citation past the end of the
    text fails the build with the recipe's line.
    """
    gaz = Gazetteer(districts, land, towns)
    rows = []
    for path in sorted(source_dir("PLANMAP_RECIPES_DIR", recipe_dir).glob("*.recipe")):
        recipes = parse_recipe_file(path)
        for r in recipes:
            lines = cite_lines(r)
            if plan_lines and r.plan in plan_lines:
                bad = [n for n in lines if not 1 <= n <= plan_lines[r.plan]]
                if bad:
                    raise r.error(r.attrs["cite"][0], f"cites line(s) {bad} beyond the end of plan {r.plan}")
            geom = build_geometry(r, gaz)
            gaz.sources["feature"][r.id] = geom
            stated = attr(r, "area_km2")
            rows.append({
                "id": r.id, "plan": r.plan, "structure": attr(r, "structure"), "name_zh": attr(r, "name_zh"),
                "name_en": attr(r, "name_en", ""), "kind": attr(r, "kind"), "role": attr(r, "role", ""),
                "area_stated_km2": float(stated) if stated else None,
                "quality": attr(r, "quality"), "accuracy_m": float(attr(r, "accuracy_m", "nan")),
                "source_ref": f"{r.plan}:" + ",".join(f"L{n}" for n in lines),
                "recipe": f"{Path(r.path).name}:{r.line}", "note": attr(r, "note", ""),
                "aliases": "|".join(aliases(r)), "geometry": geom,
            })
        if progress:
            progress(f"  recipes {path.name}: {len(recipes)} features")
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=PLAN_CRS)
    kinds = gdf.geometry.geom_type
    out = {}
    for layer, types in (("structures", ("Polygon", "MultiPolygon")),
                         ("structure_lines", ("LineString", "MultiLineString")),
                         ("structure_points", ("Point",))):
        part = gdf[kinds.isin(types)].copy()
        part["area_km2"] = part.geometry.area / 1e6 if layer == "structures" else None
        part["length_km"] = part.geometry.length / 1e3 if layer == "structure_lines" else None
        if layer == "structures":
            part["geometry"] = [shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in part.geometry]
        elif layer == "structure_lines":
            part["geometry"] = [shapely.MultiLineString([g]) if g.geom_type == "LineString" else g
                                for g in part.geometry]
        out[layer] = gpd.GeoDataFrame(part[COLUMNS + ["geometry"]], geometry="geometry", crs=PLAN_CRS)
    return out


def area_mismatches(structures):
    """Polygons whose area is more than 10 % from the plan's stated area: ``[(id, stated, built)]``."""
    out = []
    for row in structures.itertuples():
        if row.area_stated_km2 and abs(row.area_km2 - row.area_stated_km2) > AREA_TOLERANCE * row.area_stated_km2:
            out.append((row.id, row.area_stated_km2, round(row.area_km2, 2)))
    return out


def build_planned_links(path=None):
    """The roads, bridges and rail the plans promise, as lines with a design speed (EPSG:4549).

    Seeded from a reviewable CSV of sketched alignments; GIS staff redraw them in QGIS. The
    ``plan`` scenario of the rings merges them into the road network (layers.network.add_planned_links).
    """
    import pandas as pd
    from shapely import wkt

    from .crs import WEB_CRS

    path = path or source_dir("PLANMAP_RECIPES_DIR") / "planned_links.csv"
    from .errors import RecipeError

    df = pd.read_csv(path, dtype={"plan": str})
    geoms = []
    for n, text in enumerate(df["wkt_lonlat"], start=2):
        try:
            g = wkt.loads(text)
        except Exception as exc:
            raise RecipeError(path, n, f"bad WKT: {exc}") from None
        if g.geom_type != "LineString":
            raise RecipeError(path, n, f"a planned link must be a LINESTRING, got {g.geom_type}")
        geoms.append(g)
    gdf = gpd.GeoDataFrame(df.drop(columns="wkt_lonlat"), geometry=geoms, crs=WEB_CRS).to_crs(PLAN_CRS)
    gdf["length_km"] = gdf.geometry.length / 1e3
    gdf["geometry"] = [shapely.MultiLineString([g]) for g in gdf.geometry]
    return gdf

"""What lies inside each ring: parcels, project sites and their investment, towns."""

from ..crs import PLAN_CRS

def summarise(rings_, layers):
    """What lies inside each ring, from the GeoDataFrames in ``layers`` (a dict; any may be absent).

    * ``parcels``: count of parcels whose representative point is inside;
    * ``project_sites`` (or ``projects`` with geometry): count, and the sum of ``total_investment_yi``;
    * ``towns``: the names (``name_zh``, else ``name``) of the towns inside.

    Returns a DataFrame, one row per ring (smallest first): ``minutes``, ``area_km2``, ``parcels``,
    ``project_sites``, ``investment_yi``, ``towns``.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    def prepared(name):
        gdf = layers.get(name) if layers else None
        if gdf is None or len(gdf) == 0 or not isinstance(gdf, gpd.GeoDataFrame):
            return None
        if gdf.crs is not None and gdf.crs.to_string().upper() != PLAN_CRS:
            gdf = gdf.to_crs(PLAN_CRS)
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        return gdf, shapely.point_on_surface(gdf.geometry.values)

    parcels = prepared("parcels")
    sites = prepared("project_sites") or prepared("projects")
    towns = prepared("towns")
    rows = []
    for m in rings_.minutes:
        poly = rings_.polygons[m]
        shapely.prepare(poly)
        row = {"minutes": m, "area_km2": rings_.areas_km2[m]}
        if parcels is not None:
            row["parcels"] = int(shapely.contains(poly, parcels[1]).sum())
        if sites is not None:
            hit = shapely.contains(poly, sites[1])
            row["project_sites"] = int(hit.sum())
            if "total_investment_yi" in sites[0]:
                row["investment_yi"] = float(pd.to_numeric(sites[0]["total_investment_yi"], errors="coerce")[hit].sum())
        if towns is not None:
            hit = shapely.contains(poly, towns[1])
            col = "name_zh" if "name_zh" in towns[0] else ("name" if "name" in towns[0] else None)
            row["towns"] = "、".join(str(v) for v in towns[0][col][hit]) if col else int(hit.sum())
        rows.append(row)
    return pd.DataFrame(rows)



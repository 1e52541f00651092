"""Drawing each layer on a sheet's map frame: sea and land, districts, structures (polygons, lines,
points), parcels, project sites and towns — each in the cartography's style, each adding its legend
entries and label candidates to the sheet.

Geometries are turned into matplotlib paths directly (:func:`plot`): ``GeoSeries.plot`` costs ~40 ms a
call and asks the canvas to redraw, which an atlas of many pages pays for every feature.
"""

import math

from ..cartography import KINDS, kind
from .labels import PRIORITY, label_poly, point_alts
from .spec import short_name
from .style import (DISTRICT, FOCUS_RING, HALO, LAND, PARCEL, PARCEL_TEXT, SEA, SEATS, SITE, land_style,
                    line_style, parcel_style, point_style, poly_style, town_style)

DISTRICT_DASH = (0, (6, 2, 1, 2))


# -- geometry to paths ----------------------------------------------------------------------------------

def plot(gs, ax, **kw):
    """Draw shapely geometries as one matplotlib collection (polygons or lines) with one style."""
    import numpy as np
    import shapely
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    if gs is None or len(gs) == 0:
        return None
    polys, lines = [], []
    for g in gs:
        if g is None or g.is_empty:
            continue
        for part in shapely.get_parts(g):
            if part.is_empty:
                continue
            t = part.geom_type
            if t == "Polygon":
                rings = [np.asarray(part.exterior.coords)[:, :2]] + [np.asarray(r.coords)[:, :2]
                                                                      for r in part.interiors]
                verts = np.concatenate(rings)
                codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r) - 2) + [MPath.CLOSEPOLY]
                                        for r in rings])
                polys.append(PathPatch(MPath(verts, codes)))
            elif t in ("LineString", "LinearRing"):
                lines.append(np.asarray(part.coords)[:, :2])
            elif t == "GeometryCollection":
                for sub in shapely.get_parts(part):
                    if sub.geom_type in ("LineString", "LinearRing"):
                        lines.append(np.asarray(sub.coords)[:, :2])
    kw = dict(kw)
    zorder = kw.pop("zorder", 1)
    out = None
    if polys:
        st = {k: v for k, v in kw.items() if k != "color"}
        out = PatchCollection(polys, match_original=False, zorder=zorder, **st)
        ax.add_collection(out, autolim=False)
    if lines:
        color = kw.get("color", kw.get("edgecolor", "black"))
        out = LineCollection(lines, colors=[color], linewidths=kw.get("linewidth", 1.0),
                             linestyles=kw.get("linestyle", "solid"), zorder=zorder, capstyle="butt")
        ax.add_collection(out, autolim=False)
    return out


def clip(gdf, ext, pad=0.0):
    """Rows of ``gdf`` whose geometry meets the extent, clipped to it (plus a pad)."""
    import shapely

    x0, y0, x1, y1 = ext
    box = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    hit = gdf[gdf.geometry.intersects(box)]
    if not len(hit):
        return hit
    hit = hit.copy()
    try:
        hit["geometry"] = hit.geometry.clip_by_rect(*box.bounds)
    except shapely.errors.GEOSException:
        # GEOS's fast clip can trip over a degenerate ring; clip shape by shape, exactly, and keep a
        # shape whole when even that fails (the map frame clips what it draws anyway)
        hit["geometry"] = [clip_one(g, box) for g in hit.geometry]
    return hit[~hit.geometry.is_empty]


def clip_one(g, box):
    import shapely

    try:
        return shapely.clip_by_rect(g, *box.bounds)
    except shapely.errors.GEOSException:
        pass
    try:
        return shapely.intersection(shapely.make_valid(g), box)
    except shapely.errors.GEOSException:
        return g


# -- the map ----------------------------------------------------------------------------------------------

def draw_map(sheet):
    """Every layer, bottom to top."""
    draw_base(sheet)
    dist = draw_districts(sheet)
    draw_polys(sheet)
    draw_parcels(sheet)
    draw_lines(sheet)
    draw_points(sheet)
    draw_sites(sheet)
    draw_towns(sheet)
    name_districts(sheet, dist)


def _role(spec):
    """How a structure is drawn on this sheet: ``focus``, ``context`` (grey), ``dim`` or ``styled``."""
    focused = bool(spec.focus_ids or spec.focus_parcels)

    def role(row):
        if row["id"] in spec.focus_ids:
            return "focus"
        if spec.context_kinds and row["kind"] in spec.context_kinds:
            return "context"
        if focused and spec.context_plan:
            return "context" if spec.focus_parcels else "dim"
        return "styled"

    return role


def _of_plan(gdf, spec):
    return gdf if spec.plan is None else gdf[gdf["plan"] == spec.plan]


def draw_base(sheet):
    """Sea, and land — the sketched reclamation in its own pattern so it does not pass for coast."""
    from matplotlib.patches import Rectangle

    ax, ext, lg = sheet.ax, sheet.geo.extent, sheet.legend
    ax.add_patch(Rectangle((ext[0], ext[1]), ext[2] - ext[0], ext[3] - ext[1], facecolor=SEA,
                           edgecolor="none", zorder=0))
    land = clip(sheet.data.land, ext, 50 * sheet.mpm)
    k = KINDS["land"]
    lg.add(("land", "land"), ("poly", land_style("land", "official")), k.zh, k.en, LAND)
    lg.add("sea", ("poly", dict(facecolor=SEA, edgecolor="none")), "海域", "Sea", SEA)
    for (kind_key, q), part in land.groupby([land["kind"].fillna("land"), land["quality"].fillna("official")]):
        st = land_style(kind_key, q)
        surveyed = st.get("linestyle", "solid") == "solid"
        plot(part.geometry, ax, zorder=1 if surveyed else 1.1, **st)
        if not surveyed:
            k = kind(kind_key)
            lg.add(("land", kind_key), ("poly", st), k.zh, k.en, st["facecolor"])
            lg.quality(q)


def draw_districts(sheet):
    """District boundaries as lines, not fills: the polygons include sea."""
    dist = clip(sheet.data.districts, sheet.geo.extent, 50 * sheet.mpm)
    if len(dist):
        plot(dist.geometry.boundary, sheet.ax, color=DISTRICT, linewidth=0.7, linestyle=DISTRICT_DASH,
             zorder=2)
        sheet.legend.add("district", ("line", dict(color=DISTRICT, linewidth=0.8, linestyle=DISTRICT_DASH)),
                         "区县界（参考）", "District boundary (reference)", DISTRICT)
    return dist


def _kind_legend(sheet, group, kind_key, style):
    k = kind(kind_key)
    sheet.legend.add((group, kind_key), (group, style), k.zh, k.en, k.colour)


def _draw_structure(sheet, family, style, row, geom, role, zorder):
    """Plot one structure polygon or line in its role's style (focus a step above the rest), ring it when
    it is the sheet's focus, and give it its kind's and quality's legend entries. False for a context
    feature: drawn grey, neither labelled nor in the legend."""
    st = style(row["kind"], row["quality"], focus=role == "focus", context=role == "context", dim=role == "dim")
    plot([geom], sheet.ax, zorder=zorder + (1 if role == "focus" else 0), **st)
    if role == "focus":
        ring(sheet, geom)
    if role == "context":
        return False
    _kind_legend(sheet, family, row["kind"], style(row["kind"], "official"))
    sheet.legend.quality(row["quality"])
    return True


def draw_polys(sheet):
    """Structure polygons, largest first so the small ones stay on top."""
    import shapely

    s, mpm, ext = sheet.spec, sheet.mpm, sheet.geo.extent
    role = _role(s)
    polys = clip(_of_plan(sheet.data.polys, s), ext, 20 * mpm)
    if s.poly_kinds is not None:
        polys = polys[polys["kind"].isin(tuple(s.poly_kinds) + tuple(s.context_kinds))]
    if not len(polys):
        return
    polys = polys.assign(_a=polys.geometry.area).sort_values("_a", ascending=False)
    frame = shapely.box(*ext)
    for i, (_, row) in enumerate(polys.iterrows()):
        r = role(row)
        g = polys.geometry.iloc[i]
        if not _draw_structure(sheet, "poly", poly_style, row, g, r, zorder=3 + i * 0.001):
            continue
        vis = clip_one(g, frame)
        if not vis.is_empty and (r == "focus" or vis.area / (mpm * mpm) >= 25):
            label_poly(sheet, row, vis, r, short_name(row["name_zh"]))


def draw_parcels(sheet):
    """Parcels; their codes only where they are big enough on paper to carry them."""
    s, ax, mpm = sheet.spec, sheet.ax, sheet.mpm
    if not s.show_parcels:
        return
    pl = clip(_of_plan(sheet.data.parcels, s), sheet.geo.extent)
    if not len(pl):
        return
    foc = pl["parcel_id"].isin(s.focus_parcels)
    for q, part in pl.groupby(pl["quality"].fillna("schematic")):
        pfoc = foc.loc[part.index]
        plot(part[~pfoc].geometry, ax, zorder=5, **parcel_style(q))
        if pfoc.any():
            plot(part[pfoc].geometry, ax, zorder=5.5, **parcel_style(q, focus=True))
        sheet.legend.add("parcel", ("poly", parcel_style(q)), "地块（示意）", "Parcel, schematic", PARCEL)
        sheet.legend.quality(q)
    for g in pl[foc].geometry:
        ring(sheet, g)
    min_mm2 = 6.0
    for _, row in pl.iterrows():
        is_focus = row["parcel_id"] in s.focus_parcels
        if is_focus or (s.focus_parcels and row.geometry.area / (mpm * mpm) > min_mm2):
            p = row.geometry.representative_point()
            t = sheet.text(ax, p.x, p.y, row["code"], fontsize=sheet.fs["label_big" if is_focus else "town"],
                           ha="center", va="center", color=PARCEL_TEXT, zorder=20, bold=is_focus, halo=HALO,
                           clip_on=True)
            sheet.labels.add(PRIORITY["focus" if is_focus else "parcel"], t)


def draw_lines(sheet):
    s, ax, mpm = sheet.spec, sheet.ax, sheet.mpm
    role = _role(s)
    lines = clip(_of_plan(sheet.data.lines, s), sheet.geo.extent, 20 * mpm)
    if s.line_kinds is not None:
        lines = lines[lines["kind"].isin(s.line_kinds)]
    for i, (_, row) in enumerate(lines.iterrows()):
        r = role(row)
        g = lines.geometry.iloc[i]
        if not _draw_structure(sheet, "line", line_style, row, g, r, zorder=6):
            continue
        p = g.interpolate(0.5, normalized=True)
        t = sheet.text(ax, p.x, p.y, short_name(row["name_zh"]),
                       fontsize=sheet.fs["label"] * (1.15 if r == "focus" else 0.9), ha="center", va="bottom",
                       color="#3b2a20", zorder=21, halo=HALO, bold=r == "focus", clip_on=True)
        alts = [(q.x, q.y, "center", "bottom") for q in
                (g.interpolate(f, normalized=True) for f in (0.35, 0.65, 0.2, 0.8))]
        sheet.labels.add(PRIORITY["focus" if r == "focus" else "line"], t, alts)


def draw_points(sheet):
    s, ax, mpm = sheet.spec, sheet.ax, sheet.mpm
    role = _role(s)
    points = clip(_of_plan(sheet.data.points, s), sheet.geo.extent)
    if s.point_kinds is not None:
        points = points[points["kind"].isin(s.point_kinds)]
    for _, row in points.iterrows():
        r = role(row)
        st = point_style(row["kind"], row["quality"], focus=r == "focus", context=r == "context")
        g = row.geometry
        if r == "context":
            ax.plot([g.x], [g.y], linestyle="none", zorder=7, **st)
            continue
        ax.scatter([g.x], [g.y], s=st["markersize"], marker=st["marker"], facecolor=st["facecolor"],
                   edgecolor=st["edgecolor"], linewidth=st["linewidth"], zorder=8)
        if r == "focus":
            ring(sheet, g)
        _kind_legend(sheet, "point", row["kind"], point_style(row["kind"], "official"))
        sheet.legend.quality(row["quality"])
        t = sheet.text(ax, g.x + 1.8 * mpm, g.y, short_name(row["name_zh"]),
                       fontsize=sheet.fs["label"] * (1.15 if r == "focus" else 0.85), ha="left", va="center",
                       color="#1f2d3d", zorder=21, halo=HALO, bold=r == "focus", clip_on=True)
        sheet.labels.add(PRIORITY["focus" if r == "focus" else "point"], t, point_alts(g.x, g.y, 1.8 * mpm))
        sheet.labels.obstacle(g.x, g.y, math.sqrt(st["markersize"]))


def draw_sites(sheet):
    """Project sites, grouped where several share one point (sized by count); hollow when schematic."""
    import numpy as np

    from ..cartography import quality

    s = sheet.spec
    if not s.show_sites:
        return
    sites = _of_plan(sheet.data.sites, s)
    if s.show_parcels:      # projects on parcels are shown by their parcels
        sites = sites[sites["located_by"] != "parcel"]
    sites = clip(sites, sheet.geo.extent)
    if not len(sites):
        return
    xy = np.round(np.column_stack([sites.geometry.x, sites.geometry.y]), 0)
    groups = {}
    for (x, y), q in zip(map(tuple, xy), sites["quality"].fillna("schematic")):
        k = (x, y, quality(q).hollow)
        groups[k] = groups.get(k, 0) + 1
        sheet.legend.quality(q)
    kk = list(groups.items())
    sheet.ax.scatter([k[0] for k, _ in kk], [k[1] for k, _ in kk],
                     s=[(2.2 + 1.3 * math.sqrt(n)) ** 2 for _, n in kk], marker="o", zorder=9,
                     facecolor=["white" if k[2] else SITE for k, _ in kk], edgecolor=SITE, linewidth=0.7,
                     alpha=0.9)
    for k, n in kk:
        sheet.labels.obstacle(k[0], k[1], 2.2 + 1.3 * math.sqrt(n))
    sheet.legend.add("site", ("point", dict(marker="o", markersize=16, facecolor="white", edgecolor=SITE,
                                            linewidth=0.7)),
                     "项目位置（圈大小示项目数；地块上的项目见地块）" if s.show_parcels
                     else "项目位置（圈大小示项目数）", "Project sites, sized by count", SITE)


def draw_towns(sheet):
    ax, mpm = sheet.ax, sheet.mpm
    towns = clip(sheet.data.towns, sheet.geo.extent)
    if not len(towns):
        return
    for (kind_key, q), part in towns.groupby([towns["kind"].fillna("town"), towns["quality"].fillna("official")]):
        st = town_style(kind_key, q)
        ax.scatter(part.geometry.x, part.geometry.y, s=st["markersize"], marker=st["marker"], zorder=10,
                   facecolor=st["facecolor"], edgecolor=st["edgecolor"], linewidth=st["linewidth"])
        _kind_legend(sheet, "point", kind_key, st)
    for _, row in towns.iterrows():
        seat = row["kind"] in SEATS
        g = row.geometry
        t = sheet.text(ax, g.x + 1.5 * mpm, g.y + 0.6 * mpm, row["name_zh"],
                       fontsize=sheet.fs["town"] * (1.15 if seat else 1.0), ha="left", va="bottom",
                       color="#222222", zorder=19, halo=HALO, clip_on=True)
        sheet.labels.add(PRIORITY["seat" if seat else "town"], t, point_alts(g.x, g.y + 0.6 * mpm, 1.5 * mpm))
        sheet.labels.obstacle(g.x, g.y, math.sqrt(town_style(row["kind"], row["quality"])["markersize"]))


def name_districts(sheet, dist):
    """District names, on their land, where a district is big enough on paper to hold one."""
    for _, row in dist.iterrows():
        part = row.geometry
        if part.area / (sheet.mpm * sheet.mpm) < 1500:       # under ~4 × 4 cm of paper: the locator names it
            continue
        p = part.representative_point()
        t = sheet.text(sheet.ax, p.x, p.y, " ".join(row["name_zh"]), fontsize=sheet.fs["district"],
                       ha="center", va="center", color="#8a8a8a", zorder=18, halo=HALO, clip_on=True)
        sheet.labels.add(PRIORITY["district"], t)


def ring(sheet, geom):
    """A red ring around a focus feature too small to find on paper (under 8 mm across)."""
    from matplotlib.patches import Circle

    mpm = sheet.mpm
    x0, y0, x1, y1 = geom.bounds
    size_mm = max(x1 - x0, y1 - y0) / mpm
    if size_mm >= 8:
        return
    c = geom.centroid
    sheet.ax.add_patch(Circle((c.x, c.y), (size_mm / 2 + 3.0) * mpm, fill=False, edgecolor=FOCUS_RING,
                              linewidth=1.3, zorder=12))
    sheet.legend.add("focus_ring", ("point", dict(marker="o", markersize=60, facecolor="none",
                                                  edgecolor=FOCUS_RING, linewidth=1.3)),
                     "本图主题要素（小于 8 mm 时圈出）", "Feature of this sheet, ringed when small", FOCUS_RING)

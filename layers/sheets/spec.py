"""What a sheet shows, decided before anything is drawn: a :class:`SheetSpec` per plan, structure,
parcel, lon/lat box or appended figure, and the rows of an atlas.

Parcels, structures and plans are found with the project's one look-up (:mod:`layers.gpkg.queries`),
so a wrong code gets the same 404 and the same suggestions on a sheet as in the API.
"""

import math
import re
from dataclasses import dataclass, field

from ..errors import SheetError
from ..gpkg.queries import check_plan, find_parcel, find_structure, plan_title
from ..plans import PLAN_IDS, PLAN_PERIODS
from .data import sheet_data
from .figures import load_figures
from .scale import MIN_HALF_M, bbox_to_plan, pad, parse_bbox

ATLAS_KINDS = ("structures", "parcels")


@dataclass
class SheetSpec:
    """Everything a page needs, decided before drawing."""

    title: str
    subtitle: str
    extent: tuple                     # x0, y0, x1, y1 in EPSG:4549 metres, to be fitted
    plan: str | None = None           # plan whose structures are styled (None: all plans)
    focus_ids: tuple = ()             # structure ids drawn emphasised
    focus_parcels: tuple = ()         # parcel ids drawn emphasised
    poly_kinds: tuple | None = None   # None = all kinds
    context_kinds: tuple = ()         # kinds drawn as grey context only
    line_kinds: tuple | None = None
    point_kinds: tuple | None = None
    show_parcels: bool = True
    show_sites: bool = True
    context_plan: bool = False        # draw the plan's other structures faint (structure sheets)
    info: list = field(default_factory=list)      # "要素信息" lines
    notes: list = field(default_factory=list)     # extra notes
    missing: list = field(default_factory=list)   # "图中缺失" lines (figures)
    plan_refs: tuple = ()             # plans cited as sources
    locator_extent: tuple | None = None
    page_label: str = ""
    min_half_m: float = MIN_HALF_M    # the extent is never narrower than twice this
    label_roles: tuple = ()           # kinds whose 定位 (role) is printed under their name


# -- small helpers --------------------------------------------------------------------------------------

def union_bounds(*gdfs):
    import numpy as np

    b = [g.total_bounds for g in gdfs if g is not None and len(g)]
    if not b:
        return None
    b = np.array(b)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def short_name(name):
    """Map label of a structure name: the bracketed gloss dropped."""
    s = re.sub(r"（[^）]*）", "", str(name)).strip()
    return s or str(name)


def period(plan):
    return PLAN_PERIODS.get(plan, ("", ""))[0]


def plan_extent(data, plan):
    b = union_bounds(*(gdf[gdf["plan"] == plan] for gdf in (data.polys, data.lines, data.points, data.parcels)))
    if b is None:
        raise SheetError(f"plan {plan} has no mapped structures or parcels to draw")
    return b


def _num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _fmt_yi(v):
    v = _num(v)
    return None if v is None else f"{v:,.2f}".rstrip("0").rstrip(".")


# -- the info lines -------------------------------------------------------------------------------------

def structure_info(row, layer):
    """The "要素信息" lines of a structure: role, size, projects, how the shape was made, source."""
    from ..cartography import quality

    q = row["quality"]
    acc = _num(row.get("accuracy_m"))
    lines = []
    if isinstance(row.get("role"), str) and row["role"].strip():
        lines.append(f"定位：{row['role'].strip()}")
    a, st, ln = _num(row.get("area_km2")), _num(row.get("area_stated_km2")), _num(row.get("length_km"))
    if layer == "structures" and a is not None:
        lines.append(f"图上面积约 {a:.2f} km²" + (f"（规划文本 {st:g} km²）" if st is not None else ""))
    if layer == "structure_lines" and ln is not None:
        lines.append(f"图上长度约 {ln:.1f} km")
    n = _num(row.get("n_projects"))
    if n:
        t = _fmt_yi(row.get("total_investment_yi"))
        f = _fmt_yi(row.get("fyp_investment_yi"))
        lines.append(f"项目 {int(n)} 个" + (f"，总投资 {t} 亿元" if t else "") + (f"，“十四五”投资 {f} 亿元" if f else ""))
    lines.append(f"图形来源：{quality(q).zh}（{q}）" + (f"，位置误差约 {acc:,.0f} m" if acc else ""))
    lines.append(f"规划依据：{row['source_ref']}")
    if isinstance(row.get("name_en"), str) and row["name_en"]:
        lines.append(f"English: {row['name_en']}")
    return lines


def parcel_info(row):
    acc = _num(row.get("accuracy_m")) or 0.0
    info = [f"地块编号：{row['code']}" + (f"（所属街坊 {row['block']}）" if isinstance(row.get('block'), str) else "")]
    if isinstance(row.get("zone_name"), str):
        info.append(f"所在片区：{row['zone_name']}")
    st = _num(row.get("area_stated_m2"))
    if st:
        info.append(f"用地面积：{st:,.0f} m²（{st / 10000 * 15:,.1f} 亩，按规划文本）")
    n = _num(row.get("n_projects"))
    if n:
        t = _fmt_yi(row.get("total_investment_yi"))
        info.append(f"项目 {int(n)} 个" + (f"，总投资 {t} 亿元" if t else ""))
    info.append(f"图形来源：示意（{row['quality']}）——按面积绘于所属片区内，实际位置未知"
                + (f"，误差约 {acc:,.0f} m" if acc else ""))
    info.append(f"规划依据：{row['source_ref']}")
    return info


# -- one spec per kind of sheet -------------------------------------------------------------------------

def has_shape(row):
    g = row.geometry
    return g is not None and not g.is_empty


def _shape_bounds(row, what):
    """The feature's bounds, or a clear refusal when an editor left it without a shape."""
    if not has_shape(row):
        raise SheetError(f"{what} (feature {row.name}) has no shape, so there is nothing to print; an editor "
                         "must draw it again (`planmap check` lists it)")
    return tuple(row.geometry.bounds)


def spec_for_structure(gp, layer, row, plan=None):
    data = sheet_data(gp)
    sid = row["id"]
    if plan is not None and row["plan"] != plan:
        raise SheetError(f"structure {sid} belongs to plan {row['plan']}, not plan {plan}")
    plan = row["plan"]
    acc = _num(row.get("accuracy_m")) or 0.0
    ext = pad(_shape_bounds(row, f"structure {sid}"), 0.25, max(800.0, min(acc, 3000.0)))
    sub = f"{plan_title(gp, plan)} · 规划期 {period(plan)} · {row['structure']}"
    return SheetSpec(title=row["name_zh"], subtitle=sub, extent=ext, plan=plan, focus_ids=(sid,),
                     context_plan=True, info=structure_info(row, layer), plan_refs=(plan,),
                     locator_extent=pad(plan_extent(data, plan), 0.6, 4000))


def spec_for_parcel(gp, row):
    data = sheet_data(gp)
    plan = row["plan"]
    acc = _num(row.get("accuracy_m")) or 0.0
    # A parcel placed with 2 km uncertainty is shown in its zone's context, not blown up to 1:2000.
    ext = pad(_shape_bounds(row, f"parcel {row['code']}"), 0.3, max(600.0, min(acc, 3000.0)))
    zone = f" · {row['zone_name']}" if isinstance(row.get("zone_name"), str) else ""
    return SheetSpec(title=f"地块 {row['code']}", subtitle=f"{plan_title(gp, plan)} · 规划期 {period(plan)}{zone}",
                     extent=ext, plan=plan, focus_parcels=(row["parcel_id"],), context_plan=True,
                     info=parcel_info(row), plan_refs=(plan,),
                     locator_extent=pad(plan_extent(data, plan), 0.6, 4000))


def spec_for_plan(gp, plan):
    per, note = PLAN_PERIODS.get(plan, ("", ""))
    sub = f"规划期 {per} · {note} · 规划编号 {plan} · 规划空间结构与项目示意图"
    return SheetSpec(title=plan_title(gp, plan), subtitle=sub, extent=pad(plan_extent(sheet_data(gp), plan), 0.06),
                     plan=plan, plan_refs=(plan,))


def spec_for_figure(gp, plan, figure, folder=None):
    figures = load_figures(plan, folder)
    if not figures:
        raise SheetError(f"--figure is for plan 000's three appended maps; plan {plan} has none in the data")
    try:
        fig = figures[int(figure)]
    except (KeyError, ValueError, TypeError):
        raise SheetError(f"unknown figure {figure!r}; plan {plan} appends figures "
                         f"{', '.join(map(str, figures))}") from None
    data = sheet_data(gp)
    title = f"{fig['title']}（附图 {int(figure)}）"
    sub = (f"{plan_title(gp, plan)} · 规划期 {period(plan)} · 据规划文本重绘，"
           f"原图仅存图名（L{fig['line']}）")
    polys = data.polys[(data.polys["plan"] == plan) & data.polys["kind"].isin(fig["poly_kinds"])]
    ext = pad(union_bounds(polys) or plan_extent(data, plan), 0.08)
    return SheetSpec(title=title, subtitle=sub, extent=ext, plan=plan, poly_kinds=fig["poly_kinds"],
                     context_kinds=fig["context_kinds"], line_kinds=fig["line_kinds"],
                     point_kinds=fig["point_kinds"], show_parcels=False, show_sites=False,
                     notes=[fig["shows"]], missing=list(fig["missing"]), plan_refs=(plan,),
                     label_roles=fig["label_roles"])


def spec_for_bbox(bbox):
    w, s, e, n = bbox
    return SheetSpec(title="温州规划地图 · 打印范围",
                     subtitle=f"五部规划的空间结构与项目 · 范围 {w:.4f}°E–{e:.4f}°E，{s:.4f}°N–{n:.4f}°N",
                     extent=bbox_to_plan(bbox), plan=None, plan_refs=tuple(PLAN_IDS))


def make_spec(gp, *, plan=None, structure=None, parcel=None, bbox=None, figure=None):
    """Decide what one sheet of ``gp`` shows.

    Raises :class:`~layers.errors.SheetError` on a request that cannot be honoured and
    :class:`~layers.errors.NotFound` for an unknown plan, structure or parcel.
    """
    if plan is not None:
        plan = check_plan(plan)
    if bbox is not None:
        bbox = parse_bbox(bbox)
    if sum(x is not None for x in (structure, parcel, figure)) > 1:
        raise SheetError("give only one of structure, parcel or figure")
    if figure is not None:
        spec = spec_for_figure(gp, plan or "000", figure)
    elif structure is not None:
        layer, row = find_structure(gp, structure)
        spec = spec_for_structure(gp, layer, row, plan)
    elif parcel is not None:
        spec = spec_for_parcel(gp, find_parcel(gp, parcel, plan))
    elif plan is not None:
        spec = spec_for_plan(gp, plan)
    elif bbox is not None:
        spec = spec_for_bbox(bbox)
    else:
        raise SheetError("say what to print: a plan, a structure id, a parcel code or a bbox")
    if bbox is not None:
        # a box of a few metres (or less) still prints, at the smallest extent a sheet has
        spec.extent = pad(bbox_to_plan(bbox), 0.0, spec.min_half_m)
        spec.subtitle += " · 按所给经纬度范围打印"
    return spec


# -- atlases --------------------------------------------------------------------------------------------

def atlas_rows(gp, plan, of):
    """``[(item id, (layer, row))]``: one atlas page each, in page order."""
    if of not in ATLAS_KINDS:
        raise SheetError(f"unknown atlas {of!r}; use structures or parcels")
    data = sheet_data(gp)
    if of == "structures":
        rows = []
        for layer in ("structures", "structure_lines", "structure_points"):
            gdf = data.structure_layer(layer)
            rows += [(row["id"], (layer, row)) for _, row in gdf[gdf["plan"] == plan].iterrows()]
        return rows
    pl = data.parcels[data.parcels["plan"] == plan].sort_values("code_norm")
    return [(row["parcel_id"], ("parcels", row)) for _, row in pl.iterrows()]


def atlas_spec(gp, plan, layer, row):
    return spec_for_parcel(gp, row) if layer == "parcels" else spec_for_structure(gp, layer, row, plan)

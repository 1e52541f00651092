"""HTML pages: the overview of all five plans, a page per plan, a shareable page per parcel, the print button."""

import shapely
from flask import Blueprint, Response, current_app, render_template, request, url_for

from layers import cartography as carto
from layers.errors import BadRequest, DataUnavailable
from layers.gpkg import queries

from .data import core, gpkg, page_cache
from .maps import PLAN_SHORT, build_map, legend_items, map_parts

bp = Blueprint("pages", __name__)


def _render(key, title, *, plan=None, focus=None, parcel=None):
    key = tuple(key) + (current_app.config["TIANDITU_KEY"] or "",)
    return page_cache(key, lambda: _build_page(title, plan=plan, focus=focus, parcel=parcel))


def _build_page(title, *, plan=None, focus=None, parcel=None):
    gp = gpkg()
    fmap = build_map(gp, plan=plan, focus=focus, tianditu_key=current_app.config["TIANDITU_KEY"],
                     static_url=lambda p: url_for("static", filename="vendor/" + p))
    kinds, qualities = legend_items()
    cartography = {"qualities": {key: q.legend_zh for key, q in carto.QUALITIES.items()}}
    return render_template("map.html", title=title, parts=map_parts(fmap), plans=queries.plans(gp),
                           plan=plan, plan_short=PLAN_SHORT, kinds=kinds, qualities=qualities, parcel=parcel,
                           version=gp.version, cartography=cartography)


@bp.get("/")
def overview():
    return _render(("overview",), "温州五部“十四五”规划地图")


@bp.get("/plan/<plan>")
def plan_page(plan):
    plan = queries.check_plan(plan)
    return _render(("plan", plan), queries.plan_title(gpkg(), plan), plan=plan)


@bp.get("/parcel/<plan>/<code>")
def parcel_page(plan, code):
    plan = queries.check_plan(plan)
    parcel = queries.parcel_answer(gpkg(), code, plan)
    # pages are cached by the feature, not the spelling of its URL: many spellings, one page
    b = shapely.geometry.shape(parcel["geometry"]).buffer(0.01).bounds if parcel["geometry"] else None
    title = f"地块 {parcel['properties']['code']} · {queries.plan_title(gpkg(), plan)}"
    return _render(("parcel", parcel["id"]), title, plan=plan, focus=b, parcel=parcel)


@bp.get("/worklist")
def worklist():
    """What GIS staff should digitise first (layers/worklist.py), as a page."""
    rows = gpkg().layer("worklist")
    qualities = {key: q.zh for key, q in carto.QUALITIES.items()}
    return render_template("worklist.html", rows=[r._asdict() for r in rows.itertuples(index=False)],
                           qualities=qualities)


@bp.get("/worklist.csv")
def worklist_csv():
    from .api import table_csv

    return table_csv("worklist", gpkg().layer("worklist"))


@bp.get("/sheet")
def sheet():
    """The print button: an A3 (or ``size=A4``) PDF sheet of what the planner is looking at.

    Sheets render one at a time (matplotlib's state is global); more than ``PLANMAP_PRINT_SLOTS``
    waiting are refused rather than left to tie up the server's threads.
    """
    from layers.sheets import render_sheet

    from .api import parse_bbox, parse_plan

    bbox = parse_bbox(request.args.get("bbox"))
    plan = parse_plan(request.args.get("plan"))
    size = request.args.get("size", "A3")
    orientation = request.args.get("orientation", "landscape")
    if size not in ("A3", "A4") or orientation not in ("landscape", "portrait"):
        raise BadRequest("size must be A3 or A4, orientation landscape or portrait")
    slots = core().print_slots
    if not slots.acquire(blocking=False):
        raise DataUnavailable("正在生成其他图纸，请稍后再试 (busy printing other sheets; try again shortly)")
    try:
        pdf = render_sheet(gpkg().path, plan=plan, bbox=bbox, size=size, orientation=orientation)
    finally:
        slots.release()
    name = f"wenzhou_plan_{plan or 'all'}_{size}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})

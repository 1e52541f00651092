"""HTML pages: the overview of all five plans, a page per plan, a shareable page per parcel."""

import threading

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from layers.plans import PLAN_IDS, PLAN_TITLES

from .data import NotFound
from .maps import PLAN_SHORT, legend_items, build_map, map_parts

bp = Blueprint("pages", __name__)


def store():
    return current_app.extensions["planmap_store"]


def _render(title, *, plan=None, focus=None, parcel=None):
    from .data import page_cache

    key = (request.path, current_app.config["TIANDITU_KEY"] or "")
    return page_cache(store(), key, lambda: _build_page(title, plan=plan, focus=focus, parcel=parcel))


def _build_page(title, *, plan=None, focus=None, parcel=None):
    fmap = build_map(store(), plan=plan, focus=focus, tianditu_key=current_app.config["TIANDITU_KEY"],
                     static_url=lambda p: url_for("static", filename="vendor/" + p))
    kinds, qualities = legend_items()
    return render_template("map.html", title=title, parts=map_parts(fmap), plans=store().plans(),
                           plan=plan, plan_short=PLAN_SHORT, kinds=kinds, qualities=qualities, parcel=parcel,
                           version=store().version)


@bp.get("/")
def overview():
    return _render("温州五部“十四五”规划地图")


@bp.get("/plan/<plan>")
def plan_page(plan):
    if plan not in PLAN_IDS:
        abort(404, description=f"没有编号为 {plan} 的规划 (plans: {', '.join(PLAN_IDS)})")
    return _render(PLAN_TITLES[plan], plan=plan)


@bp.get("/parcel/<plan>/<code>")
def parcel_page(plan, code):
    if plan not in PLAN_IDS:
        abort(404, description=f"没有编号为 {plan} 的规划")
    try:
        parcel = store().parcel(code, plan)
    except NotFound as exc:
        abort(404, description=str(exc))
    import shapely
    b = shapely.geometry.shape(parcel["geometry"]).buffer(0.01).bounds
    return _render(f"地块 {parcel['properties']['code']} · {PLAN_TITLES[plan]}", plan=plan, focus=b, parcel=parcel)


#: Sheets render one at a time (matplotlib's state is global); more than two waiting is refused
#: rather than left to tie up the server's threads.
_SHEET_SLOTS = threading.BoundedSemaphore(2)


@bp.get("/sheet")
def sheet():
    """The print button: an A3 (or ``size=A4``) PDF sheet of what the planner is looking at."""
    if not _SHEET_SLOTS.acquire(blocking=False):
        abort(503, description="正在生成其他图纸，请稍后再试 (busy printing other sheets; try again shortly)")
    try:
        return _sheet()
    finally:
        _SHEET_SLOTS.release()


def _sheet():
    from layers.sheets import SheetError, render_sheet

    from .api import parse_bbox, parse_plan
    from .data import BadRequest

    try:
        bbox = parse_bbox(request.args.get("bbox"))
        plan = parse_plan(request.args.get("plan"))
        size = request.args.get("size", "A3")
        orientation = request.args.get("orientation", "landscape")
        if size not in ("A3", "A4") or orientation not in ("landscape", "portrait"):
            raise BadRequest("size must be A3 or A4, orientation landscape or portrait")
        pdf = render_sheet(store().path, plan=plan, bbox=bbox, size=size, orientation=orientation)
    except (BadRequest, SheetError) as exc:
        abort(400, description=str(exc))
    name = f"wenzhou_plan_{plan or 'all'}_{size}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})

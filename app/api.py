"""JSON endpoints the map uses and other programs can call.

Errors are JSON too (:mod:`app.errors`): ``{"error": "not_found", "message": "…"}`` with the status
of the error's class in :mod:`layers.errors` — 404 for an unknown parcel or structure, 400 for a
malformed or absurd request (a bbox that is not four numbers in range, a limit outside
1..PLANMAP_MAX_FEATURES, minutes outside 1..180), 503 when the GeoPackage or the road network is
missing, 500 for a fault of the server. Query strings are only ever parsed as numbers or compared as strings — never interpolated
into SQL or HTML — so hostile input changes nothing and comes back escaped inside JSON.
"""

import csv
import io

from flask import Blueprint, Response, current_app, jsonify, request

from layers import crs
from layers.errors import BadRequest, NotFound
from layers.gpkg import queries

from .data import gpkg, parcel_json

bp = Blueprint("api", __name__, url_prefix="/api")

#: The largest bbox a request may ask for, in degrees (Wenzhou spans about 2.5° x 1.7°).
MAX_BBOX_DEG = 10.0


def parse_bbox(text):
    """``?bbox=W,S,E,N`` → a tuple (:func:`layers.crs.parse_bbox`), no larger than MAX_BBOX_DEG a side."""
    if text is None or text == "":
        return None
    w, s, e, n = crs.parse_bbox(text)
    if e - w > MAX_BBOX_DEG or n - s > MAX_BBOX_DEG:
        raise BadRequest(f"bbox is larger than {MAX_BBOX_DEG}° on a side; ask for a smaller area")
    return (w, s, e, n)


def parse_limit(text):
    cap = current_app.config["PLANMAP_MAX_FEATURES"]
    if text is None or text == "":
        return cap
    try:
        limit = int(text)
    except ValueError:
        raise BadRequest(f"limit must be a whole number from 1 to {cap}") from None
    if not 1 <= limit <= cap:
        raise BadRequest(f"limit must be from 1 to {cap}")
    return limit


def parse_plan(text):
    """``?plan=`` as the core reads a plan number (``0`` → ``000``); an unknown one is a bad request."""
    if text in (None, ""):
        return None
    try:
        return queries.check_plan(text)
    except NotFound as exc:
        raise BadRequest(str(exc)) from None


@bp.get("/plans")
def plans():
    return jsonify(queries.plans(gpkg()))


@bp.get("/parcels/<path:code>")
def parcel(code):
    body = parcel_json(code, parse_plan(request.args.get("plan")), current_app.json.dumps)
    return Response(body, mimetype="application/json")


@bp.get("/structures/<ident>")
def structure(ident):
    return jsonify(queries.structure_answer(gpkg(), ident))


@bp.get("/projects/<path:project_id>")
def project(project_id):
    return jsonify(queries.project_answer(gpkg(), project_id))


@bp.get("/entities/<ident>")
def entity(ident):
    return jsonify(queries.entity_answer(gpkg(), ident))


@bp.get("/layers/<name>")
def layer(name):
    fmt = request.args.get("format", "geojson")
    if fmt not in ("geojson", "csv"):
        raise BadRequest("format must be geojson or csv")
    fc = queries.features(gpkg(), name, bbox=parse_bbox(request.args.get("bbox")),
                          limit=parse_limit(request.args.get("limit")), plan=parse_plan(request.args.get("plan")))
    if fmt == "geojson":
        resp = jsonify(fc)
        resp.mimetype = "application/geo+json"
        return resp
    return _csv(name, fc)


def _csv(name, fc):
    """A layer's features as CSV: their properties, a representative lon/lat and the shape as WKT."""
    import shapely

    feats = fc["features"]
    cols = list(feats[0]["properties"]) if feats else []
    rows = []
    for f in feats:
        g = shapely.geometry.shape(f["geometry"])
        pt = g.representative_point()
        rows.append([f["properties"].get(c) for c in cols] + [round(pt.x, 6), round(pt.y, 6), g.wkt])
    return csv_response(name, cols + ["lon", "lat", "geometry_wkt"], rows)


#: A text cell a spreadsheet would run as a formula starts with one of these (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A CSV cell that a spreadsheet shows as text: a string that would start a formula (an edited
    name such as ``=HYPERLINK(…)``) gets a leading apostrophe, as OWASP recommends; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(name, header, rows):
    """A CSV download (UTF-8 with BOM, so spreadsheet programs read the Chinese) whose cells are
    formula-neutralised by :func:`cell`."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([cell(v) for v in row])
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}.csv"})


def table_csv(name, df):
    """An attribute table as CSV."""
    return csv_response(name, list(df.columns), df.itertuples(index=False))


@bp.get("/search")
def search():
    q = request.args.get("q", "")
    if len(q) > 100:
        raise BadRequest("search text is longer than 100 characters")
    return jsonify({"query": q, "results": queries.search(gpkg(), q)})


@bp.get("/rings")
def rings():
    from . import rings as ring_adapter

    return jsonify(ring_adapter.rings_for_request(request.args))


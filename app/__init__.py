"""The outer ring: the Flask web map and the ``planmap`` command line.

Adapters only. Everything the app knows comes from :mod:`layers`: the GeoPackage through
:func:`layers.gpkg.open_gpkg` (the same reader, cache and change check the sheets and the CLI use),
rings through :class:`layers.access.RingEngine`, looks through :mod:`layers.cartography`, settings
through :func:`layers.settings.resolve` (the table in the README), errors through
:mod:`layers.errors` (each class carries its HTTP status). What is left here is about HTTP: routes,
query-string parsing, JSON and HTML, and the Folium page.
"""

import threading

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from layers.settings import BY_NAME, resolve


class SafeJSONProvider(DefaultJSONProvider):
    """JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` etc.: still the same JSON to any parser,
    but text echoed from a query string can never close a script tag if a page embeds it."""

    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class PlanMapFlask(Flask):
    json_provider_class = SafeJSONProvider


class Core:
    """What the adapters share: the settings, the GeoPackage reader and the ring engine."""

    def __init__(self, settings):
        from layers.access import RingEngine
        from layers.gpkg import open_gpkg

        self.settings = settings
        self.gpkg = open_gpkg(settings.path("PLANMAP_GPKG"))
        self.rings = RingEngine(settings)
        # bounded work: each ring holds a travel-time surface, each sheet matplotlib's global state
        self.ring_slots = threading.BoundedSemaphore(settings["PLANMAP_RING_SLOTS"])
        self.print_slots = threading.BoundedSemaphore(settings["PLANMAP_PRINT_SLOTS"])


def _compress_and_cache(app):
    """gzip for every text answer over 1 KB (flask-compress: the overview's megabyte of inline map goes
    out as a fifth of it) and validators so a browser revalidates instead of downloading again: pages
    and JSON carry a weak ETag and ``Cache-Control: no-cache`` (an edit in QGIS may change them at any
    moment); vendored scripts and styles may be kept for a day."""
    from flask import request
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/csv", "application/json",
                                                  "application/geo+json", "application/javascript",
                                                  "text/javascript", "image/svg+xml"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip", "deflate"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 86400

    @app.after_request
    def _validators(resp):
        # registered after flask-compress's own hook, so it runs first, on the uncompressed body
        if request.method == "GET" and resp.status_code == 200 and not resp.direct_passthrough \
                and resp.mimetype in ("text/html", "application/json", "application/geo+json", "text/csv"):
            resp.add_etag(weak=True)
            resp.headers["Cache-Control"] = "no-cache"
            resp.make_conditional(request)
        return resp

    Compress(app)


def create_app(config=None):
    """The app factory (Flask's ``flaskr`` pattern): the settings from their defaults, the instance
    file ``instance/config.py``, the environment, then ``config`` (tests pass a GeoPackage here)."""
    app = PlanMapFlask(__name__, instance_relative_config=True)
    app.config.from_pyfile("config.py", silent=True)
    instance = {k: app.config[k] for k in BY_NAME if k in app.config}
    settings = resolve({k: v for k, v in (config or {}).items() if k in BY_NAME}, instance=instance)
    app.config.update(settings)
    app.config.update({k: v for k, v in (config or {}).items() if k not in BY_NAME})
    app.config["JSON_AS_ASCII"] = False
    core = Core(settings)
    app.extensions["planmap"] = core

    @app.before_request
    def _pin_version():
        try:
            core.gpkg.begin()          # one version of the file for the whole request
        except Exception:              # a missing file is reported by the view that needs it
            core.gpkg.end()

    @app.teardown_request
    def _unpin(exc):
        core.gpkg.end()

    from . import api, errors, pages

    errors.register(app)
    _compress_and_cache(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app

"""The outer ring: the Flask web map and the ``planmap`` command line.

Adapters only: the app reads the GeoPackage through :mod:`app.data` and draws it with :mod:`app.maps`;
everything it knows about plans, geometry and travel times comes from :mod:`layers`.

Configuration (instance file ``instance/config.py``, or environment variables of the same names):

=====================  ==========================================================  ============================
setting                meaning                                                     default
=====================  ==========================================================  ============================
``PLANMAP_GPKG``       the GeoPackage to serve (read-only)                         ``geodata/wenzhou_plans.gpkg``
``TIANDITU_KEY``       a 天地图 API key; adds the 天地图 base layer                   unset (no 天地图 layer)
``PLANMAP_MAX_FEATURES`` the most features one API call returns                    ``5000``
``PLANMAP_NETWORK``    the road network (name in geodata/networks) for the rings   the first one cached
=====================  ==========================================================  ============================
"""

import os
from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider


class SafeJSONProvider(DefaultJSONProvider):
    """JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` etc.: still the same JSON to any parser,
    but text echoed from a query string can never close a script tag if a page embeds it."""

    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

class PlanMapFlask(Flask):
    json_provider_class = SafeJSONProvider


DEFAULTS = {
    "PLANMAP_GPKG": str(Path(__file__).resolve().parents[1] / "geodata" / "wenzhou_plans.gpkg"),
    "TIANDITU_KEY": None,
    "PLANMAP_MAX_FEATURES": 5000,
    "PLANMAP_NETWORK": None,
    "JSON_AS_ASCII": False,
}


def create_app(config=None):
    """The app factory (Flask's ``flaskr`` pattern): defaults, then the instance file, then the
    environment, then ``config`` (tests pass a temporary GeoPackage here)."""
    app = PlanMapFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for key in DEFAULTS:
        if key in os.environ:
            app.config[key] = os.environ[key]
    if config:
        app.config.update(config)
    app.config["PLANMAP_MAX_FEATURES"] = int(app.config["PLANMAP_MAX_FEATURES"])

    from .data import Store
    from . import api, pages

    store = Store(app.config["PLANMAP_GPKG"], dumps=app.json.dumps)
    app.extensions["planmap_store"] = store

    @app.before_request
    def _pin_version():
        try:
            store.begin()
        except Exception:      # a missing file is reported by the view that needs it
            store.end()

    @app.teardown_request
    def _unpin(exc):
        store.end()

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app

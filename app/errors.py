"""How the web app answers an error: the status comes from the exception's class (layers.errors).

Under ``/api`` every error — the project's own and routing errors (404 of an unknown route, 405 of a
wrong method) alike — is JSON ``{"error": kind, "message": …}`` (plus ``command`` when a command
cures it, as for a missing road network); pages get a short HTML page with the same message. A
message leaves the server without its file paths (a path names the file only) and cut to a sane
length, so neither the server's layout nor a 100 kB query string comes back in it. A fault that is
not the project's own (a bug) is logged with its traceback and answered with a plain 500.
"""

import logging
import re

from flask import jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from layers.errors import PlanMapError

log = logging.getLogger("planmap")

MAX_MESSAGE = 400
#: An absolute POSIX path (``/srv/x/y.gpkg``) → its last part; relative names are left alone.
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"`()<>]+/)+([^\s/'\"`()<>]*)")

_PAGE = """<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>{{ status }} · 温州规划地图</title>
<body style="font-family: sans-serif; margin: 2em"><h1>{{ status }}</h1><p>{{ message }}</p>
{% if command %}<p><code>{{ command }}</code></p>{% endif %}<p><a href="{{ request.script_root }}/">温州规划地图 Wenzhou plan map</a></p></body></html>"""


def public(message):
    """A message fit to leave the server: no directories, at most MAX_MESSAGE characters."""
    text = _PATH.sub(lambda m: m.group(1) or "/", str(message))
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def answer(status, kind, message, command=None):
    message = public(message)
    if request.path.startswith("/api/") or request.path == "/api":
        resp = jsonify({"error": kind, "message": message, **({"command": command} if command else {})})
        resp.status_code = status
        return resp
    return render_template_string(_PAGE, status=status, message=message, command=command), status


def register(app):
    @app.errorhandler(PlanMapError)
    def _planmap_error(exc):
        if exc.status >= 500 and not getattr(exc, "command", None):
            log.error("%s %s: %s", request.method, request.path, exc)
        return answer(exc.status, exc.kind, str(exc), getattr(exc, "command", None))

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        return answer(exc.code, exc.name.lower().replace(" ", "_"), exc.description)

    @app.errorhandler(Exception)
    def _bug(exc):
        log.exception("%s %s failed", request.method, request.path)
        return answer(500, "server_error", "服务器内部错误 internal server error (logged)")

    @app.after_request
    def _security_headers(resp):
        """The usual headers on every answer; pages also get a Content-Security-Policy that lets
        scripts and styles come only from the app (folium writes its map as an inline script) and
        tiles only from the two tile services the map offers."""
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy", CSP)
        return resp


CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org "
       "https://*.tianditu.gov.cn; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")

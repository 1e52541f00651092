"""How the web app answers an error: the status comes from the exception's class (layers.errors).

Under ``/api`` every error is JSON ``{"error": kind, "message": …}`` (plus ``command`` when a command
cures it, as for a missing road network); pages get a short HTML page with the same message.
"""

from flask import jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from layers.errors import PlanMapError

_PAGE = """<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>{{ status }} · 温州规划地图</title>
<body style="font-family: sans-serif; margin: 2em"><h1>{{ status }}</h1><p>{{ message }}</p>
{% if command %}<p><code>{{ command }}</code></p>{% endif %}<p><a href="/">温州规划地图 Wenzhou plan map</a></p></body></html>"""


def answer(status, kind, message, command=None):
    if request.path.startswith("/api/") or request.path == "/api":
        resp = jsonify({"error": kind, "message": message, **({"command": command} if command else {})})
        resp.status_code = status
        return resp
    return render_template_string(_PAGE, status=status, message=message, command=command), status


def register(app):
    @app.errorhandler(PlanMapError)
    def _planmap_error(exc):
        return answer(exc.status, exc.kind, str(exc), getattr(exc, "command", None))

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        return answer(exc.code, exc.name.lower().replace(" ", "_"), exc.description)

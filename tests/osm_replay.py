"""A loopback stand-in for the Overpass API, for tests and the benchmark (there is no internet here).

:class:`OverpassReplay` runs ``http.server`` in a thread on 127.0.0.1 (port 0, so the OS picks a
free one) and answers *every* GET and POST with the same recorded body: the shared fixture
``fixtures/osm/dongtou_dongao_highways_nodes_ways.json`` (an Overpass ``out;>;`` response for the
roads around 东岙, 洞头岛; see its PROVENANCE.md). osmnx then runs its real download code —
request building, HTTP, JSON parsing, graph construction, simplification — against that body.

:func:`replayed_osmnx` points ``osmnx.settings.overpass_url`` at the server, turns off the
``/status`` rate-limit probe and the cache (a temporary cache folder, ``use_cache=False``), and puts
every setting back afterwards, so nothing leaks between tests or is cached across runs.
"""

import contextlib
import http.server
import tempfile
import threading
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REPLAY_BODY = SHARED / "fixtures" / "osm" / "dongtou_dongao_highways_nodes_ways.json"

#: The query box of the recorded response (W, S, E, N), from PROVENANCE.md.
FIXTURE_BBOX = (121.14685, 27.81648, 121.16715, 27.83452)


def replay_body_or_none():
    """The fixture path, or None when ../shared is absent (callers skip, saying why)."""
    return REPLAY_BODY if REPLAY_BODY.is_file() else None


class OverpassReplay:
    """Context manager: a thread-served HTTP server on 127.0.0.1 that replays one body.

    ``url`` is the base URL to give osmnx (it appends ``/interpreter``); ``requests`` counts the
    requests served, so a test can prove the download really went through the server.
    """

    def __init__(self, body_path=REPLAY_BODY):
        self.body = Path(body_path).read_bytes()
        self.requests = []
        self._server = None
        self._thread = None

    def __enter__(self):
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                replay.requests.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(replay.body)))
                self.end_headers()
                self.wfile.write(replay.body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api"

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        return False


@contextlib.contextmanager
def replayed_osmnx(body_path=REPLAY_BODY):
    """Serve ``body_path`` and point osmnx at it (no rate-limit probe, no cache); yields the server."""
    import osmnx as ox

    names = ("overpass_url", "overpass_rate_limit", "use_cache", "cache_folder", "requests_timeout")
    saved = {n: getattr(ox.settings, n) for n in names}
    with tempfile.TemporaryDirectory(prefix="osmnx-cache-") as cache, OverpassReplay(body_path) as server:
        try:
            ox.settings.overpass_url = server.url
            ox.settings.overpass_rate_limit = False
            ox.settings.use_cache = False
            ox.settings.cache_folder = cache
            ox.settings.requests_timeout = 30
            yield server
        finally:
            for n, v in saved.items():
                setattr(ox.settings, n, v)

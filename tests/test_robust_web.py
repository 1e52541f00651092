"""Bad edits, damaged files and heavy use never take the map down.

Each test does what the user did: an edit through a GeoPackage connection (as QGIS makes it), a
damaged file on disk, a client holding sockets open (bounded in count and time, loopback only), the
production server with several worker processes.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import shapely
from gpkg_writer import connect, gpkg_blob

from app import create_app

ROOT = Path(__file__).resolve().parents[1]


def _client(gpkg, **config):
    return create_app({"PLANMAP_GPKG": str(gpkg), "TESTING": True, **config}).test_client()


def _edit(gpkg, sql, *params):
    with connect(gpkg) as db:
        db.execute(sql, params)


def _fid(gpkg, where):
    with connect(gpkg) as db:
        return db.execute(f"SELECT fid FROM parcels WHERE {where}").fetchone()[0]


# -- bad features -----------------------------------------------------------------------------------------

def test_a_parcel_without_geometry_is_named_and_takes_nothing_else_down(gpkg_copy):
    gpkg = gpkg_copy()
    fid = _fid(gpkg, "plan = '000' AND code = 'E-16-03'")
    _edit(gpkg, "UPDATE parcels SET geom = NULL WHERE fid = ?", fid)
    c = _client(gpkg)
    r = c.get("/api/parcels/E-16-03?plan=000")
    assert r.status_code == 200
    d = r.get_json()
    assert d["geometry"] is None and d["id"] == fid and any(p == "no geometry (NULL)" for p in d["problems"])
    assert d["projects"] and d["projects"][0]["total_investment_yi"] == pytest.approx(30.11)
    assert c.get("/api/parcels/E-16-01?plan=000").status_code == 200
    assert c.get("/parcel/000/E-16-03").status_code == 200 and c.get("/parcel/000/E-16-01").status_code == 200
    assert c.get("/api/search?q=E-16").status_code == 200
    fc = c.get("/api/layers/parcels?plan=000").get_json()
    assert all(f["geometry"] for f in fc["features"]) and "E-16-03" not in {f["properties"]["code"] for f in fc["features"]}
    assert c.get("/api/layers/parcels?format=csv").status_code == 200
    assert c.get("/").status_code == 200
    ring = c.get("/api/rings?parcel=E-16-03&plan=000")
    assert ring.status_code == 400 and "has no shape" in ring.get_json()["message"]
    pdf = c.get("/sheet?plan=000")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"


def test_two_parcels_with_one_code_and_a_parcel_without_a_code(gpkg_copy):
    gpkg = gpkg_copy()
    first = _fid(gpkg, "plan = '000' AND code = 'E-16-03'")
    other = _fid(gpkg, "plan = '000' AND code = 'E-16-01'")
    _edit(gpkg, "UPDATE parcels SET code = 'E-16-03', code_norm = 'E-16-03' WHERE fid = ?", other)
    nameless = _fid(gpkg, "plan = '000' AND code = 'A-02b'")
    _edit(gpkg, "UPDATE parcels SET code = NULL, code_norm = NULL WHERE fid = ?", nameless)
    c = _client(gpkg)
    d = c.get("/api/parcels/E-16-03?plan=000").get_json()
    assert d["id"] == min(first, other)
    assert any(f"(also feature {max(first, other)})" in p for p in d["problems"])
    assert c.get("/parcel/000/E-16-03").status_code == 200
    assert c.get("/api/search?q=A-02").status_code == 200
    assert c.get("/api/parcels/E-07-01?plan=000").status_code in (200, 404)
    assert c.get("/").status_code == 200 and c.get("/plan/000").status_code == 200


def test_an_invalid_structure_is_served_with_its_problem(gpkg_copy):
    gpkg = gpkg_copy()
    bow_tie = shapely.MultiPolygon([shapely.Polygon([(540000, 3090000), (541000, 3091000), (541000, 3090000),
                                                     (540000, 3091000)])])
    _edit(gpkg, "UPDATE structures SET geom = ? WHERE id = '002-yangwen'", gpkg_blob(bow_tie))
    c = _client(gpkg)
    d = c.get("/api/structures/002-yangwen").get_json()
    assert any(p.startswith("invalid geometry (Self-intersection") for p in d["problems"])
    assert c.get("/plan/002").status_code == 200 and c.get("/api/layers/structures").status_code == 200


# -- bounded memory, safe answers -------------------------------------------------------------------------

def test_many_spellings_of_one_parcel_share_one_cached_page(gpkg_copy):
    app = create_app({"PLANMAP_GPKG": str(gpkg_copy()), "TESTING": True})     # a file no other test reads
    c = app.test_client()
    spellings = [s + "-" * n for s in ("E-16-03", " E-16-03", "e-16-03", "E-16-03地块", "E-16-03 ") for n in range(61)]
    gp = app.extensions["planmap"].gpkg
    titles = set()
    for s in spellings[:300]:
        r = c.get("/parcel/000/" + urllib.parse.quote(s))
        assert r.status_code == 200, s
        titles.add(re.search(r"<title>(.*?)</title>", r.get_data(as_text=True)).group(1))
    assert len(titles) == 1
    with gp.pinned():
        assert gp.cached("pages") == 1, "one parcel, one cached page, however its URL is spelled"
    for plan in ("000", "001", "002", "003", "004"):
        c.get(f"/plan/{plan}")
    with gp.pinned():
        assert gp.cached("pages") <= 32


def test_csv_cells_that_would_run_as_formulas_are_text(gpkg_copy):
    gpkg = gpkg_copy()
    _edit(gpkg, "UPDATE structures SET name_zh = '=HYPERLINK(\"http://x.invalid\",\"点我\")' WHERE id = '002-yangwen'")
    _edit(gpkg, "UPDATE structures SET name_en = '@SUM(1+1)' WHERE id = '002-nantang'")
    text = _client(gpkg).get("/api/layers/structures?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(" in text and "'@SUM(1+1)" in text
    assert not re.search(r"(^|,)[=@+]", text, re.M), "a cell still starts a formula"
    assert re.search(r",-?\d+\.\d+,", text), "numbers stay numbers"


def test_security_headers_and_messages_without_paths(built_gpkg, tmp_path):
    c = _client(built_gpkg[0], PLANMAP_NETWORKS_DIR=str(tmp_path / "secret-folder"))
    for url in ("/", "/api/plans", "/static/planmap.js", "/api/nope"):
        r = c.get(url)
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "SAMEORIGIN"
    csp = c.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    ring = c.get("/api/rings?parcel=E-16-03&plan=000").get_json()
    assert str(tmp_path) not in ring["message"] and not re.search(r"/[\w.-]+/", ring["message"])
    long = c.get("/api/parcels/" + "X" * 100_000 + "?plan=000")
    assert long.status_code == 404 and len(long.get_json()["message"]) <= 400
    missing = _client(tmp_path / "deep" / "none.gpkg").get("/api/plans").get_json()
    assert str(tmp_path) not in missing["message"] and "none.gpkg" in missing["message"]


# -- a damaged GeoPackage ---------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_serving_a_damaged_geopackage_answers_503_and_says_so_at_start(built_gpkg, tmp_path, damage):
    gpkg = tmp_path / "plans.gpkg"
    data = built_gpkg[0].read_bytes()
    gpkg.write_bytes({"truncated": data[: len(data) // 3], "garbage": os.urandom(50_000), "empty": b""}[damage])
    c = _client(gpkg)
    for url in ("/api/plans", "/api/parcels/E-16-03?plan=000", "/api/search?q=E"):
        r = c.get(url)
        assert r.status_code == 503, (url, r.status_code)
        msg = r.get_json()["message"]
        assert str(tmp_path) not in msg and "SELECT" not in msg.upper() and len(msg) < 400
    page = c.get("/")
    assert page.status_code == 503 and "planmap build" in page.get_data(as_text=True)
    with _serve(gpkg) as (url, proc):
        assert urllib.request.urlopen(url + "/static/favicon.svg", timeout=10).status == 200
    assert "warning" in proc.stderr_text and "planmap build" in proc.stderr_text


# -- heavy use --------------------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _serve:
    """``planmap serve`` (or any server command) in a child process on a loopback port."""

    def __init__(self, gpkg, cmd=None, env=None):
        self.port = _free_port()
        self.cmd = cmd or [sys.executable, "-m", "app.cli", "serve", "--gpkg", str(gpkg), "--port", str(self.port)]
        self.cmd = [c.format(port=self.port) for c in self.cmd]
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/static/favicon.svg", timeout=1).read()
                return self.url, self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.__exit__()
        pytest.fail("server did not start: " + self.stderr_text[-2000:])

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.stderr_text = err.decode(errors="replace")


def test_110_idle_connections_do_not_lock_anyone_out(built_gpkg):
    with _serve(built_gpkg[0]) as (url, _):
        idle = []
        try:
            for _ in range(110):
                s = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5)
                idle.append(s)
            time.sleep(0.5)
            t = time.perf_counter()
            body = urllib.request.urlopen(url + "/api/plans", timeout=10).read()
            assert b'"plan"' in body and time.perf_counter() - t < 5
        finally:
            for s in idle:
                s.close()


def test_gunicorn_with_several_workers_serves_and_sees_an_edit(gpkg_copy):
    gpkg = gpkg_copy()
    cmd = [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", "127.0.0.1:{port}", "--timeout", "120",
           "app:create_app()"]
    with _serve(gpkg, cmd, env={"PLANMAP_GPKG": str(gpkg)}) as (url, _):
        for _ in range(12):
            d = urllib.request.urlopen(url + "/api/structures/002-yangwen", timeout=30).read().decode()
            assert "杨文工业区" in d
        with connect(gpkg, keep_wal=True) as db:        # an editor saves while the workers serve
            db.execute("UPDATE structures SET name_zh = '杨文新区' WHERE id = '002-yangwen'")
            db.commit()
            for _ in range(24):                          # spread over the workers: each must see it
                d = urllib.request.urlopen(url + "/api/structures/002-yangwen", timeout=30).read().decode()
                assert "杨文新区" in d
        assert urllib.request.urlopen(url + "/", timeout=60).status == 200


def test_sheets_refuse_a_shapeless_feature_by_name_and_an_atlas_goes_on_without_it(gpkg_copy, tmp_path):
    from click.testing import CliRunner

    from app.cli import main as cli

    gpkg = gpkg_copy()
    fid = _fid(gpkg, "plan = '000' AND code = 'E-16-03'")
    _edit(gpkg, "UPDATE parcels SET geom = NULL WHERE fid = ?", fid)
    res = CliRunner().invoke(cli, ["sheet", "--gpkg", str(gpkg), "--plan", "000", "--parcel", "E-16-03",
                                   "-o", str(tmp_path / "one.pdf")])
    assert res.exit_code == 2 and f"parcel E-16-03 (feature {fid}) has no shape" in res.output
    res = CliRunner().invoke(cli, ["sheet", "--gpkg", str(gpkg), "--plan", "000", "--atlas", "parcels",
                                   "-o", str(tmp_path / "atlas.pdf")])
    assert res.exit_code == 0 and f"skipped 000:E-16-03 (feature {fid}): no shape" in res.output
    info = subprocess.run(["pdfinfo", str(tmp_path / "atlas.pdf")], capture_output=True, text=True).stdout
    with connect(gpkg) as db:
        n = db.execute("SELECT count(*) FROM parcels WHERE plan = '000'").fetchone()[0]
    assert re.search(rf"^Pages:\s+{n - 1}$", info, re.M)


def test_the_api_and_planmap_check_name_the_same_features_in_the_same_words(gpkg_copy):
    from layers.check import check_file
    from layers.gpkg import open_gpkg

    gpkg = gpkg_copy()
    no_shape = _fid(gpkg, "plan = '000' AND code = 'E-16-03'")
    dup = _fid(gpkg, "plan = '000' AND code = 'E-16-01'")
    holder = _fid(gpkg, "plan = '000' AND code = 'A-02b'")
    nameless = _fid(gpkg, "plan = '000' AND code = 'A-04b'")
    _edit(gpkg, "UPDATE parcels SET geom = NULL WHERE fid = ?", no_shape)
    _edit(gpkg, "UPDATE parcels SET code = 'A-02b', code_norm = 'A-02b' WHERE fid = ?", dup)
    _edit(gpkg, "UPDATE parcels SET code = NULL WHERE fid = ?", nameless)
    lines = [line for line in check_file(gpkg) if line.startswith("parcels:")]
    named = {int(f) for line in lines for f in re.findall(r"fid (\d+)|features ([\d, ]+)", line)[0] if f
             for f in f.split(", ")}
    served = open_gpkg(gpkg).problems("parcels")
    assert set(served) == named == {no_shape, dup, holder, nameless}
    for fid, problems in served.items():
        for p in problems:
            assert any(p.split(" (also feature")[0] in line for line in lines), (fid, p)

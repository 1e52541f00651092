"""Every route under generated input (hypothesis): no 500, no traceback, JSON under /api.

The inputs mix arbitrary text (control characters, CJK, slashes, very long strings) with values that
are almost right (plan numbers, parcel codes, bboxes, minutes), so the search reaches past the first
check of each parser.
"""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app

NEAR = ["000", "002", "7", "E-16-03", "002-yangwen", "000-P001", "parcels", "structures", "towns", "projects",
        "csv", "geojson", "drive", "walk", "plan", "today", "15,30,60", "0", "181", "-1", "1e308", "nan",
        "120.9,27.9,121.0,28.0", "121.1555", "27.8255", "1,2,3", "A3", "A4", "portrait", "", " ", "%", "\x00"]
value = st.one_of(st.text(max_size=40), st.sampled_from(NEAR), st.floats(allow_nan=True).map(repr),
                  st.integers(-10**12, 10**12).map(str), st.text(min_size=200, max_size=3000))


def q(text):
    return urllib.parse.quote(text, safe="")


@pytest.fixture(scope="module")
def networks(request, tmp_path_factory):
    """The replayed OSM network where ../shared is present (rings then compute); an empty cache else."""
    try:
        return request.getfixturevalue("dongao_networks")
    except pytest.skip.Exception:
        return tmp_path_factory.mktemp("no-networks")


@pytest.fixture(scope="module")
def damaged(built_gpkg, tmp_path_factory):
    """A copy with the bad edits a careless editor makes: no shape, NULL keys, orphan and duplicate rows."""
    import shutil

    from gpkg_writer import connect

    path = tmp_path_factory.mktemp("fuzz") / "damaged.gpkg"
    shutil.copy(built_gpkg[0], path)
    with connect(path) as db:
        db.execute("UPDATE parcels SET geom = NULL WHERE code = 'E-16-03'")
        db.execute("UPDATE parcels SET code = NULL, code_norm = NULL WHERE code = 'A-02b'")
        db.execute("UPDATE structures SET id = NULL WHERE id = '002-yangwen'")
        db.execute("UPDATE structures SET name_zh = NULL, kind = NULL, quality = NULL WHERE id = '002-nantang'")
        db.execute("UPDATE project_sites SET geom = NULL WHERE fid IN (SELECT fid FROM project_sites LIMIT 3)")
        db.execute("UPDATE entity_members SET entity_id = 'E-orphan' WHERE fid = 1")
        db.execute("UPDATE entities SET n_disagreements = NULL, plans = NULL WHERE fid = 2")
        db.execute("UPDATE parcel_projects SET project_id = 'nowhere' WHERE fid = 1")
    return path


@pytest.fixture(scope="module", params=["clean", "damaged"])
def client(request, built_gpkg, networks):
    path = built_gpkg[0] if request.param == "clean" else request.getfixturevalue("damaged")
    return create_app({"PLANMAP_GPKG": str(path), "PLANMAP_NETWORKS_DIR": str(networks),
                       "TESTING": True}).test_client()


ROUTES = {
    "parcel": lambda v: f"/api/parcels/{q(v[0])}?plan={q(v[1])}",
    "structure": lambda v: f"/api/structures/{q(v[0])}",
    "project": lambda v: f"/api/projects/{q(v[0])}",
    "layer": lambda v: f"/api/layers/{q(v[0])}?bbox={q(v[1])}&limit={q(v[2])}&plan={q(v[3])}&format={q(v[4])}",
    "search": lambda v: f"/api/search?q={q(v[0])}",
    "rings": lambda v: (f"/api/rings?parcel={q(v[0])}&plan={q(v[1])}&minutes={q(v[2])}&mode={q(v[3])}"
                        f"&scenario={q(v[4])}"),
    "rings_point": lambda v: f"/api/rings?lon={q(v[0])}&lat={q(v[1])}&minutes={q(v[2])}&structure={q(v[3])}",
    "plans": lambda v: f"/api/plans?{q(v[0])}={q(v[1])}",
    "unknown_api": lambda v: f"/api/{q(v[0])}/{q(v[1])}",
    "entity": lambda v: f"/api/entities/{q(v[0])}",
    "worklist": lambda v: f"/worklist?{q(v[0])}={q(v[1])}",
    "worklist_csv": lambda v: f"/worklist.csv?{q(v[0])}={q(v[1])}",
    "plan_page": lambda v: f"/plan/{q(v[0])}",
    "parcel_page": lambda v: f"/parcel/{q(v[0])}/{q(v[1])}",
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_no_route_answers_500_or_a_traceback(client, route):
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(value, min_size=5, max_size=5))
    def check(values):
        url = ROUTES[route](values)
        r = client.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code < 500 or r.status_code == 503, (url[:300], r.status_code, body[:300])
        assert "Traceback" not in body and 'File "/' not in body
        if url.startswith("/api/"):
            assert r.is_json, (url[:300], r.content_type)

    check()


def test_the_print_button_under_generated_input(client):
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(value, min_size=4, max_size=4))
    def check(v):
        r = client.get(f"/sheet?bbox={q(v[0])}&plan={q(v[1])}&size={q(v[2])}&orientation={q(v[3])}")
        assert r.status_code in (200, 400, 404, 503), r.status_code
        assert "Traceback" not in r.get_data(as_text=True)

    check()

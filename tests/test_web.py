"""The web app through Flask's test client: every route, and bad input of every kind."""

import json
import shutil
import time

import pyogrio
import pytest

from app import create_app


@pytest.fixture(scope="module")
def gpkg(built_gpkg, tmp_path_factory):
    # a private copy: one test edits it to show that the app picks up changes
    path = tmp_path_factory.mktemp("web") / "plans.gpkg"
    shutil.copy(built_gpkg[0], path)
    return path


@pytest.fixture(scope="module")
def client(gpkg):
    app = create_app({"PLANMAP_GPKG": str(gpkg), "TESTING": True, "PLANMAP_MAX_FEATURES": 500})
    return app.test_client()


def test_overview_lists_the_five_plans_in_chinese_and_embeds_the_map(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for title in ("瓯江口", "瓯海区", "洞头区", "浙南科技城", "环大罗山"):
        assert title in html
    assert "图例" in html and "非测绘" in html and "OpenStreetMap contributors" in html
    assert "folium-map" in html and "planmap.attach" in html
    assert len(r.data) < 2 * 1024 * 1024


def test_pages_load_only_local_scripts_and_styles(client):
    html = client.get("/").get_data(as_text=True)
    import re
    links = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)""", html)
    assert links, "no script or stylesheet found"
    assert all(not l.startswith(("http://", "https://", "//")) for l in links), links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_plan_and_parcel_pages(client):
    for plan in ("000", "001", "002", "003", "004"):
        r = client.get(f"/plan/{plan}")
        assert r.status_code == 200
    r = client.get("/parcel/000/E-16-03")
    assert r.status_code == 200 and "E-16-03" in r.get_data(as_text=True)
    assert client.get("/plan/999").status_code == 404
    assert client.get("/parcel/000/Z-99-99").status_code == 404


def test_parcel_endpoint_carries_the_project_and_its_investment(client):
    r = client.get("/api/parcels/E-16-03?plan=000")
    assert r.status_code == 200
    d = r.get_json()
    assert d["properties"]["code"] == "E-16-03" and d["properties"]["quality"] == "schematic"
    (p,) = d["projects"]
    assert p["total_investment_yi"] == pytest.approx(30.11)
    assert "E-16-03" in p["name"] and p["source_line"] > 0
    assert d["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # lower case and full-width forms find the same parcel
    assert client.get("/api/parcels/e-16-03?plan=000").status_code == 200


def test_unknown_parcel_is_a_json_404(client):
    r = client.get("/api/parcels/Q-00-00?plan=000")
    assert r.status_code == 404 and r.is_json
    assert "Q-00-00" in r.get_json()["message"]
    r = client.get("/api/structures/000-nothing")
    assert r.status_code == 404 and r.is_json


def test_structure_endpoint(client):
    d = client.get("/api/structures/000-phase1").get_json()
    assert d["properties"]["name_zh"].startswith("一期片区")
    assert d["properties"]["quality"] == "sketched" and "000:L" in d["properties"]["source_ref"]
    assert len(d["projects"]) == d["properties"]["n_projects"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "121,28,120,27", "0,0,90,45", "nan,1,2,3",
                                  "120,27,121,95", "1e999,1,2,3", ",,,"])
def test_malformed_or_absurd_bbox_is_400(client, bbox):
    r = client.get(f"/api/layers/parcels?bbox={bbox}")
    assert r.status_code == 400 and r.is_json and "bbox" in r.get_json()["message"]


def test_layer_bbox_and_feature_limit(client):
    d = client.get("/api/layers/parcels?bbox=120.85,27.85,121.05,28.0&limit=5").get_json()
    assert d["numberReturned"] == 5 and d["numberMatched"] > 5
    assert all(f["properties"]["plan"] == "000" for f in d["features"])
    far = client.get("/api/layers/parcels?bbox=119.5,27.0,119.6,27.1").get_json()
    assert far["numberReturned"] == 0
    assert client.get("/api/layers/parcels?limit=501").status_code == 400
    assert client.get("/api/layers/parcels?limit=0").status_code == 400
    assert client.get("/api/layers/parcels?limit=ten").status_code == 400
    assert client.get("/api/layers/secrets").status_code == 404


def test_exports_csv_and_geojson(client):
    r = client.get("/api/layers/structures?format=csv&plan=000")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True).lstrip("\ufeff")
    header = text.splitlines()[0].split(",")
    assert "name_zh" in header and "geometry_wkt" in header
    assert "一期片区" in text
    r = client.get("/api/layers/towns?format=geojson")
    assert r.mimetype == "application/geo+json" and r.get_json()["type"] == "FeatureCollection"
    assert client.get("/api/layers/towns?format=shp").status_code == 400


def test_search_finds_parcels_projects_structures_and_places(client):
    kinds = {r["kind"] for r in client.get("/api/search?q=E-16-03").get_json()["results"]}
    assert {"parcel", "project"} <= kinds
    assert any(r["kind"] == "structure" for r in client.get("/api/search?q=灵昆").get_json()["results"])
    assert any(r["kind"] == "place" for r in client.get("/api/search?q=洞头岛").get_json()["results"])
    assert client.get("/api/search?q=" + "x" * 101).status_code == 400


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "'; DROP TABLE parcels; --",
                                     "\" onmouseover=\"alert(1)", "%00", "../../etc/passwd"])
def test_hostile_query_strings_are_escaped_and_change_nothing(client, gpkg, hostile):
    before = pyogrio.read_dataframe(gpkg, layer="parcels").shape
    for url in (f"/api/search?q={hostile}", f"/api/parcels/{hostile}", f"/api/layers/parcels?plan={hostile}",
                f"/api/layers/parcels?bbox={hostile}", f"/parcel/000/{hostile}", f"/api/structures/{hostile}"):
        r = client.get(url)
        assert r.status_code in (200, 400, 404), url
        body = r.get_data(as_text=True)
        assert "<script>alert(1)" not in body, url
        if r.is_json:
            json.loads(body)
    assert pyogrio.read_dataframe(gpkg, layer="parcels").shape == before
    assert client.get("/api/parcels/E-16-03?plan=000").status_code == 200


def test_rings_without_a_network_say_so_and_which_command_fetches_it(client):
    r = client.get("/api/rings?parcel=E-16-03&plan=000&minutes=15,30,60")
    assert r.status_code == 503 and r.is_json
    assert "network" in r.get_json()["message"]
    assert "planmap network fetch" in json.dumps(r.get_json(), ensure_ascii=False)


def test_a_changed_geopackage_shows_without_restart(client, gpkg):
    before = client.get("/api/parcels/E-16-03?plan=000").get_json()
    parcels = pyogrio.read_dataframe(gpkg, layer="parcels")
    i = parcels.index[(parcels["code_norm"] == "E-16-03") & (parcels["plan"] == "000")][0]
    parcels.loc[i, "zone_name"] = "编辑后的片区"
    time.sleep(0.01)
    pyogrio.write_dataframe(parcels, gpkg, layer="parcels", append=False)
    after = client.get("/api/parcels/E-16-03?plan=000").get_json()
    assert before["properties"]["zone_name"] != "编辑后的片区"
    assert after["properties"]["zone_name"] == "编辑后的片区"


def test_missing_geopackage_is_a_clear_503(tmp_path):
    app = create_app({"PLANMAP_GPKG": str(tmp_path / "none.gpkg"), "TESTING": True})
    r = app.test_client().get("/api/parcels/E-16-03")
    assert r.status_code == 503 and "planmap build" in r.get_json()["message"]


def test_rings_on_the_replayed_osm_network(gpkg, dongao_networks):
    """The real download path (osmnx against a loopback Overpass replay), then rings through the API."""
    client = create_app({"PLANMAP_GPKG": str(gpkg), "PLANMAP_NETWORKS_DIR": str(dongao_networks),
                         "TESTING": True}).test_client()
    r = client.get("/api/rings?lon=121.1555&lat=27.8255&minutes=15,30,60")
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    feats = {f["properties"]["minutes"]: f for f in d["rings"]["features"]}
    assert set(feats) == {15, 30, 60}
    import shapely.geometry as sg
    g15, g30, g60 = (sg.shape(feats[m]["geometry"]) for m in (15, 30, 60))
    assert g15.is_valid and g15.area > 0
    # nested: exactly in EPSG:4549; in lon/lat a shared edge drawn with different vertex counts bends by
    # a few square metres, so allow 1e-4 of the area
    assert g15.difference(g30).area <= 1e-4 * g15.area and g30.difference(g60).area <= 1e-4 * g30.area
    assert d["network"] == "dongao" and "OpenStreetMap" in d["note"]
    # an origin in the sea off 洞头岛, and one outside the recorded box, are refused with a reason
    sea = client.get("/api/rings?lon=121.2100&lat=27.8000")
    assert sea.status_code == 400 and sea.get_json()["message"]
    far = client.get("/api/rings?lon=120.70&lat=28.00")
    assert far.status_code == 400 and "graph" in far.get_json()["message"]
    assert client.get("/api/rings?lon=121.1555&lat=27.8255&minutes=0").status_code == 400
    assert client.get("/api/rings?lon=121.1555&lat=27.8255&minutes=181").status_code == 400


def test_projects_and_plans_endpoints(client):
    plans = client.get("/api/plans").get_json()
    assert [p["plan"] for p in plans] == ["000", "001", "002", "003", "004"]
    assert plans[0]["total_investment_yi"] == pytest.approx(2370.36)
    d = client.get("/api/parcels/E-16-03?plan=000").get_json()
    pid = d["projects"][0]["project_id"]
    p = client.get("/api/projects/" + pid).get_json()
    assert p["located_by"] == "parcel" and p["total_investment_yi"] == pytest.approx(30.11)
    assert client.get("/api/projects/999:L1").status_code == 404


def test_tianditu_layer_only_with_a_key_from_the_environment(gpkg, monkeypatch):
    plain = create_app({"PLANMAP_GPKG": str(gpkg), "TESTING": True}).test_client().get("/").get_data(as_text=True)
    assert "tianditu" not in plain
    monkeypatch.setenv("TIANDITU_KEY", "test-key-123")
    html = create_app({"PLANMAP_GPKG": str(gpkg), "TESTING": True}).test_client().get("/").get_data(as_text=True)
    assert "tianditu.gov.cn" in html and "tk=test-key-123" in html and "Tianditu" in html


def test_print_button_returns_a_pdf_of_the_view(client):
    r = client.get("/sheet?bbox=120.85,27.88,121.05,27.99&plan=000")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data[:5] == b"%PDF-"
    assert client.get("/sheet?bbox=1,2,3").status_code == 400
    assert client.get("/sheet?size=A0").status_code == 400


def test_hostile_names_saved_in_the_geopackage_are_escaped_on_the_page(built_gpkg, tmp_path):
    """A name typed into QGIS is shown as text in tooltips and popups, never run as HTML."""
    import subprocess

    path = tmp_path / "hostile.gpkg"
    shutil.copy(built_gpkg[0], path)
    evil = "<img src=x onerror=alert(1)>"
    subprocess.run(["ogrinfo", "-q", str(path), "-sql",
                    f"UPDATE structures SET name_zh = '{evil}' WHERE id = '000-phase1'"], check=True)
    c = create_app({"PLANMAP_GPKG": str(path), "TESTING": True}).test_client()
    html = c.get("/plan/000").get_data(as_text=True)
    i = html.find(evil)
    assert i == -1, html[i - 300:i + 50]
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u0026lt;img" in html
    body = c.get("/api/structures/000-phase1").get_data(as_text=True)
    assert evil not in body and json.loads(body)["properties"]["name_zh"] == evil


def test_pages_go_out_compressed_with_validators(client):
    """The overview (a megabyte of inline map) is sent gzip-compressed, under 300 KB; a browser that
    has it revalidates with its ETag and gets a 304; vendored files may be cached for a day."""
    import gzip

    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and len(r.data) <= 300 * 1024
    assert "温州五部" in gzip.decompress(r.data).decode("utf-8")
    assert r.headers["Cache-Control"] == "no-cache" and r.headers["ETag"].startswith('W/"')
    again = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    api = client.get("/api/parcels/E-16-03?plan=000", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip" and api.headers["ETag"]
    static = client.get("/static/vendor/leaflet/leaflet.js")
    assert "max-age=86400" in static.headers["Cache-Control"]


def test_the_app_runs_under_a_sub_path(gpkg):
    """Behind nginx at /planmap/: every link, script and API call of the page stays under the prefix."""
    import re

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client
    from werkzeug.wrappers import Response as WResponse

    app = create_app({"PLANMAP_GPKG": str(gpkg), "TESTING": True})
    mounted = DispatcherMiddleware(WResponse("not here", status=404), {"/planmap": app.wsgi_app})
    c = Client(mounted)
    page = c.get("/planmap/plan/000")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<meta name="planmap-root" content="/planmap/">' in html
    refs = re.findall(r"""(?:src|href)=["'](/[^"']*)""", html)
    assert refs and all(r.startswith("/planmap/") for r in refs), [r for r in refs if not r.startswith("/planmap/")]
    assert c.get("/planmap/api/parcels/E-16-03?plan=000").status_code == 200
    js = c.get("/planmap/static/planmap.js").get_data(as_text=True)
    assert not re.search(r"""["']/(api|sheet|parcel)/""", js), "the script must build URLs from the page's root"

"""What a planner does, in a real browser (Debian chromium driven by Playwright) against the real server."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(gpkg, **env):
    """`planmap serve` in its own process, as a planner's IT would run it; yields its URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--gpkg", str(gpkg), "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[1], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/api/plans", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            proc.kill()
            pytest.fail("server did not start: " + proc.stdout.read().decode(errors="replace"))
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(built_gpkg, tmp_path_factory):
    gpkg = tmp_path_factory.mktemp("browser") / "plans.gpkg"
    shutil.copy(built_gpkg[0], gpkg)
    with serving(gpkg, PLANMAP_NETWORK="") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `bash scripts/setup.sh --test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = {"console": [], "failed": [], "http": []}
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems["console"].append(str(e)))
    page.on("requestfailed", lambda r: problems["failed"].append(r.url))
    page.on("response", lambda r: problems["http"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page, problems


def test_overview_loads_with_no_failed_request_and_no_console_error(server, browser):
    page, problems = _page(browser)
    page.goto(server + "/", wait_until="networkidle")
    assert page.locator(".folium-map").count() == 1
    assert page.locator(".leaflet-interactive").count() > 100      # structures, parcels, sites drawn
    assert "瓯江口" in page.inner_text(".pm-plans")
    assert problems == {"console": [], "failed": [], "http": []}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))
    page.close()


def test_clicking_parcel_e_16_03_shows_its_project_and_30_11(server, browser):
    page, problems = _page(browser)
    page.goto(server + "/plan/000", wait_until="networkidle")
    # find it by code, as a planner would, then click the parcel itself on the map
    page.fill("#pm-q", "E-16-03")
    page.click(".pm-search button")
    page.locator("#pm-results li[data-i]", has_text="地块 E-16-03").first.click()
    page.wait_for_timeout(800)
    page.mouse.move(700, 880)
    page.click(".leaflet-popup-close-button")
    xy = page.evaluate("""() => {
        const map = planmap.map(), b = planmap.parcelLayer('E-16-03', '000').getBounds();
        // a quarter in from the south-west corner: the centre holds the project's own marker
        const sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
        const c = {x: sw.x + 0.25 * (ne.x - sw.x), y: sw.y + 0.25 * (ne.y - sw.y)};
        const r = map.getContainer().getBoundingClientRect();
        return [r.left + c.x, r.top + c.y];
    }""")
    page.mouse.click(xy[0], xy[1])
    page.locator(".leaflet-popup-content .pm-popup table").first.wait_for(timeout=5000)
    text = page.inner_text(".leaflet-popup-content")
    assert "E-16-03" in text and "30.11" in text
    assert "示意：仅面积依据规划，位置未知" in text   # the shape is labelled as not survey (layers/cartography.py)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "parcel_E-16-03.png"))

    # 15-30-60 from the popup: with no road network here, the page says which command fetches one
    page.mouse.move(5, 450)                 # let the layer control fold away from the popup
    page.wait_for_timeout(300)
    page.click(".pm-ring-btn")
    page.locator("#pm-rings-summary").wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('#pm-rings-summary').innerText.includes('计算中')")
    summary = page.inner_text("#pm-rings-summary")
    assert "network" in summary and "planmap network fetch" in summary
    # the only non-2xx answer is the rings endpoint's 503 "network missing"
    assert problems["failed"] == []
    assert all(p.startswith("503 ") and "/api/rings" in p for p in problems["http"]), problems["http"]
    page.close()


def test_search_escapes_hostile_text(server, browser):
    page, problems = _page(browser)
    page.goto(server + "/", wait_until="networkidle")
    page.fill("#pm-q", "<img src=x onerror=alert(1)>")
    page.click(".pm-search button")
    page.locator("#pm-results li").first.wait_for()
    assert page.locator("#pm-results img").count() == 0
    assert "<img" in page.inner_text("#pm-results")
    page.close()


def test_search_by_another_spelling_opens_the_plans_side_by_side(server, browser):
    """安全应急 (no brackets) finds the safety park that plans 000, 002 and 004 list; its popup shows
    each plan's figures and the tenfold disagreement on 2021-25 investment."""
    page, problems = _page(browser)
    page.goto(server + "/", wait_until="networkidle")
    page.fill("#pm-q", "安全应急")
    page.click(".pm-search button")
    first = page.locator("#pm-results li").first
    first.wait_for()
    assert "多规划" in first.inner_text() and "000、002、004" in first.inner_text()
    first.click()
    page.locator(".leaflet-popup-content .pm-entity table").wait_for(timeout=5000)
    text = page.inner_text(".leaflet-popup-content")
    assert "各规划对照" in text and "规划002" in text and "相差 10.0 倍" in text
    assert problems == {"console": [], "failed": [], "http": []}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "entity_safety_park.png"))
    page.close()


def test_a_permalink_restores_the_view_the_base_map_and_the_hidden_layers(server, browser):
    """A planner zooms in, hides the towns and switches to OpenStreetMap tiles; the link in the address
    bar opens the same view for a colleague."""
    import base64

    # no internet here: the tile server answers every tile with a blank one
    blank = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

    def tiles(route):
        route.fulfill(status=200, content_type="image/png", body=blank)

    page, problems = _page(browser)
    page.route("https://tile.openstreetmap.org/**", tiles)
    page.goto(server + "/plan/000", wait_until="networkidle")
    page.evaluate("() => planmap.map().setView([27.95123, 120.91234], 14, { animate: false })")
    # hide the towns and pick the OSM base through the layer controls, as a planner does
    page.locator(".leaflet-control-layers").last.hover()
    page.get_by_text("OpenStreetMap", exact=True).last.click()
    page.locator(".leaflet-control-layers").first.hover()
    page.get_by_text("城镇 Towns", exact=True).first.click()
    page.wait_for_timeout(300)
    link = page.url
    assert "#14/27.95123/120.91234" in link and "base=OpenStreetMap" in link and "off=" in link
    other = browser.new_page(viewport={"width": 1400, "height": 900})
    other.route("https://tile.openstreetmap.org/**", tiles)
    other.goto(link, wait_until="load")
    other.wait_for_function("() => window.planmap && planmap.map()")
    got = other.evaluate("""() => { const m = planmap.map(), c = m.getCenter();
        let tiles = 0; m.eachLayer(l => { if (l instanceof L.TileLayer) tiles++; });
        return { z: m.getZoom(), lat: c.lat, lng: c.lng, tiles: tiles }; }""")
    assert got["z"] == 14 and abs(got["lat"] - 27.95123) < 1e-4 and abs(got["lng"] - 120.91234) < 1e-4
    assert got["tiles"] == 1, "the OpenStreetMap base is restored"
    assert "off=城镇 Towns" in urllib.parse.unquote(other.url)      # still hidden after the restore
    towns = other.evaluate("""() => { let n = 0; planmap.map().eachLayer(l => {
        if (l.feature && l.feature.properties && l.feature.properties.kind === "county_seat") n++; }); return n; }""")
    assert towns == 0
    assert problems["console"] == []
    other.close()
    page.close()


def test_the_worklist_page_loads_clean(server, browser):
    page, problems = _page(browser)
    page.goto(server + "/worklist", wait_until="networkidle")
    assert page.locator(".pm-worklist tbody tr").count() > 100
    assert problems == {"console": [], "failed": [], "http": []}
    page.close()


def test_rings_drawn_on_the_replayed_osm_network(gpkg_copy, browser, dongao_networks):
    """With a network fetched through the replayed Overpass API, a right-click on 洞头岛 draws three
    nested rings and lists what lies inside each."""
    with serving(gpkg_copy(), PLANMAP_NETWORKS_DIR=str(dongao_networks)) as url:
        page, problems = _page(browser)
        page.goto(url + "/plan/002", wait_until="networkidle")
        page.evaluate("() => planmap.map().setView([27.8255, 121.1555], 15)")
        page.wait_for_timeout(500)
        xy = page.evaluate("""() => { const m = planmap.map(), c = m.latLngToContainerPoint([27.8255, 121.1555]);
                                      const r = m.getContainer().getBoundingClientRect();
                                      return [r.left + c.x, r.top + c.y]; }""")
        page.mouse.click(xy[0], xy[1], button="right")
        page.wait_for_selector("#pm-rings-summary tr[data-minutes]")
        minutes = page.eval_on_selector_all("#pm-rings-summary tr[data-minutes]",
                                            "rows => rows.map(r => Number(r.dataset.minutes))")
        assert sorted(minutes) == [15, 30, 60]
        drawn = page.evaluate("() => { let n = 0; planmap.map().eachLayer(l => { if (l.feature && "
                              "l.feature.properties && l.feature.properties.minutes) n++; }); return n; }")
        assert drawn == 3
        assert "dongao" in page.inner_text("#pm-rings-summary")
        assert problems == {"console": [], "failed": [], "http": []}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rings_dongao.png"))
        page.close()

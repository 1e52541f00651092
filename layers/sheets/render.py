"""Building sheets and writing them as PDF: one sheet, an atlas of many, or the figure for a test.

Each entry point opens the GeoPackage through the project's one reader and pins one version of it for
the whole sheet (or atlas), so an edit QGIS saves meanwhile is either wholly on a page or wholly on the
next. matplotlib's rcParams are process-global (``pdf.fonttype`` is read when the PDF is written), so
sheets are drawn one at a time; a web app serving prints from several threads stays correct.
"""

import datetime as _dt
import io
import os
import threading
from pathlib import Path

from ..errors import SheetError
from ..gpkg import open_gpkg
from ..gpkg.queries import check_plan, plan_title
from . import draw, page, panel, text
from .data import sheet_data
from .labels import Labels
from .panel import Legend
from .scale import fit_scale, format_ratio
from .spec import atlas_rows, atlas_spec, has_shape, make_spec
from .style import SEA
from .text import NOT_SURVEY, PROBE, Measure, Typesetter, check_glyphs, font_properties

_RENDER_LOCK = threading.RLock()


class Sheet:
    """One page being built: the spec, the figure and its axes, and what the drawing collects (the
    legend, the label candidates, every string for the glyph check)."""

    def __init__(self, gp, spec, size, orientation, date, font):
        self.gp, self.data = gp, sheet_data(gp)
        self.spec, self.date, self.font = spec, date, font
        self.size, self.orientation, self.paper = page.parse_size(size, orientation)
        self.fs = page.font_sizes(self.size)
        props = font_properties(font)
        self.measure = Measure(props)
        self.ts = Typesetter(props)
        self.legend = Legend()
        self.labels = Labels(self.ts)

    @property
    def mpm(self):
        """Ground metres per paper millimetre."""
        return self.geo.scale / 1000.0

    def text(self, ax, x, y, s, **kw):
        return self.ts.put(ax, x, y, s, **kw)

    def build(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        W, H = self.paper
        fig = self.fig = Figure(figsize=(W / 25.4, H / 25.4), dpi=100)
        FigureCanvasAgg(fig)          # for measuring text; nothing is drawn to the screen
        title, frame, cols = page.layout(self.size, self.orientation, self.paper)
        fx, fy, fw, fh = frame
        scale, ext = fit_scale(self.spec.extent, (fw, fh))
        geo = self.geo = page.SheetGeometry(self.size, self.orientation, self.paper, frame, cols, title, scale,
                                            ext, font=self.font, ratio_text=format_ratio(scale), spec=self.spec)
        ax = self.ax = fig.add_axes((fx / W, fy / H, fw / W, fh / H))
        ax.set_axis_off()
        ax.set_facecolor(SEA)
        ax.patch.set_visible(True)
        ax.set_xlim(ext[0], ext[2])
        ax.set_ylim(ext[1], ext[3])
        ax.set_autoscale_on(False)
        pg = self.pg = fig.add_axes((0, 0, 1, 1), zorder=10)
        pg.set_xlim(0, W)
        pg.set_ylim(0, H)
        pg.set_axis_off()
        pg.patch.set_visible(False)
        geo.map_ax, geo.page_ax = ax, pg

        draw.draw_map(self)
        page.frames(self)
        page.title(self)
        page.north_arrow(self)
        page.scalebar(self)
        self.labels.cull(fig, ax)
        panel.panel(self)
        geo.texts = self.ts.texts
        geo.legend = self.legend.listing()
        return fig, geo


# -- entry points ---------------------------------------------------------------------------------------

def _today():
    return _dt.date.today().isoformat()


def rc_params(font):
    """The rcParams every sheet is drawn and written with (embedded TrueType, the CJK family)."""
    return {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "sans-serif",
            "font.sans-serif": [font[0], "DejaVu Sans"], "axes.unicode_minus": False,
            "hatch.linewidth": 0.45, "pdf.compression": 6, "svg.fonttype": "none"}


def sheet_figure(gpkg_path, *, plan=None, structure=None, parcel=None, bbox=None, figure=None,
                 size="A3", orientation="landscape", date=None):
    """Build one sheet as a matplotlib :class:`~matplotlib.figure.Figure`.

    Returns ``(figure, geometry)``; :class:`~.page.SheetGeometry` says where the map frame is on the
    paper (mm), the extent it shows (EPSG:4549 m), the scale denominator and the legend — what the
    tests measure.
    """
    import matplotlib

    size, orientation, _ = page.parse_size(size, orientation)
    font = text.cjk_font()
    gp = open_gpkg(gpkg_path)
    with gp.pinned():
        spec = make_spec(gp, plan=plan, structure=structure, parcel=parcel, bbox=bbox, figure=figure)
        check_glyphs(font, [PROBE, spec.title, spec.subtitle])       # fail before drawing, not after
        with _RENDER_LOCK, matplotlib.rc_context(rc_params(font)):
            fig, geo = Sheet(gp, spec, size, orientation, date or _today(), font).build()
    check_glyphs(font, geo.texts)
    return fig, geo


def _metadata(spec):
    return {"Title": spec.title, "Subject": spec.subtitle, "Creator": "planmap sheet (Wenzhou plan map)",
            "Keywords": "EPSG:4549; CGCS2000; " + NOT_SURVEY}


def write_pdf(out, data):
    """Write ``data`` to ``out`` atomically (nothing when ``out`` is None)."""
    if out is None:
        return
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)


def render_sheet(gpkg_path, *, plan=None, structure=None, parcel=None, bbox=None, size="A3",
                 orientation="landscape", out=None, figure=None, date=None) -> bytes:
    """One PDF map sheet, returned as bytes (and written to ``out`` when given).

    Parameters
    ----------
    gpkg_path : path of the built GeoPackage.
    plan : ``"000"`` … ``"004"``: the plan's sheet; with ``structure``/``parcel`` it checks/chooses the plan.
    structure : a structure ``id`` (any of the three structure layers).
    parcel : a parcel code of ``plan`` (or ``"NNN:CODE"``).
    bbox : ``(W, S, E, N)`` or ``"W,S,E,N"`` in EPSG:4326 degrees: print this area (the web map's view).
    figure : 1, 2 or 3: plan 000's appended maps, redrawn as far as the data allows.
    size : ``"A3"`` or ``"A4"``; orientation : ``"landscape"`` or ``"portrait"``.
    date : the compiling date printed on the sheet (default today).

    Raises :class:`~layers.errors.SheetError` (400) for a request that cannot be honoured,
    :class:`~layers.errors.NotFound` (404) for an unknown plan, structure or parcel,
    :class:`~layers.errors.GeoPackageMissing` when there is no GeoPackage and
    :class:`~layers.errors.FontMissingError` when the Chinese font is not installed.
    """
    import matplotlib

    fig, geo = sheet_figure(gpkg_path, plan=plan, structure=structure, parcel=parcel, bbox=bbox,
                            figure=figure, size=size, orientation=orientation, date=date)
    buf = io.BytesIO()
    with _RENDER_LOCK, matplotlib.rc_context(rc_params(geo.font)):
        fig.savefig(buf, format="pdf", metadata=_metadata(geo.spec))
    data = buf.getvalue()
    write_pdf(out, data)
    return data


def atlas_items(gpkg_path, plan, of="structures"):
    """The ids an atlas of ``plan`` has one page for, in page order."""
    gp = open_gpkg(gpkg_path)
    with gp.pinned():
        return [item for item, _ in atlas_rows(gp, check_plan(plan), of)]


def render_atlas(gpkg_path, *, plan, of="structures", size="A3", orientation="landscape", out=None,
                 limit=None, progress=None, date=None) -> bytes:
    """An atlas: one page per structure (or parcel) of ``plan`` in one PDF, each with its title,
    page number and a locator. ``progress`` (a callable taking a message) is told of every page."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    size, orientation, _ = page.parse_size(size, orientation)
    font = text.cjk_font()
    gp = open_gpkg(gpkg_path)
    with gp.pinned():
        plan = check_plan(plan)
        rows = atlas_rows(gp, plan, of)
        if limit is not None:
            rows = rows[:int(limit)]
        # a feature an editor left without a shape has no page; it does not stop the others
        for item, (layer, row) in rows:
            if not has_shape(row) and progress:
                progress(f"skipped {item} (feature {row.name}): no shape; `planmap check` lists it")
        rows = [r for r in rows if has_shape(r[1][1])]
        if not rows:
            raise SheetError(f"plan {plan} has no {of} to make an atlas of")
        date = date or _today()
        title = plan_title(gp, plan)
        check_glyphs(font, [PROBE, title])
        buf = io.BytesIO()
        n = len(rows)
        what = "空间结构" if of == "structures" else "地块"
        with _RENDER_LOCK, matplotlib.rc_context(rc_params(font)):
            with PdfPages(buf, metadata={"Title": f"{title} · {what}图集",
                                         "Creator": "planmap sheet (Wenzhou plan map)",
                                         "Keywords": "EPSG:4549; " + NOT_SURVEY}) as pdf:
                for i, (item, (layer, row)) in enumerate(rows, 1):
                    spec = atlas_spec(gp, plan, layer, row)
                    spec.page_label = f"{what}图集 第 {i} / {n} 页"
                    fig, geo = Sheet(gp, spec, size, orientation, date, font).build()
                    check_glyphs(font, geo.texts)
                    pdf.savefig(fig)
                    fig.clear()
                    if progress:
                        progress(f"page {i}/{n}: {item} {spec.title}")
    result = buf.getvalue()
    write_pdf(out, result)
    return result

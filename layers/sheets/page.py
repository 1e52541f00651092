"""The page: paper sizes, where the title band, the map frame and the panel go, the type sizes, and
the furniture around and in the frame (border, coordinate ticks, title, north arrow, scale bar).

Everything here is in millimetres from the page's lower-left corner, drawn on a page-sized axes laid
over the figure, so what the tests measure in the PDF is what this module placed.
"""

import math
from dataclasses import dataclass, field

from ..errors import SheetError
from .scale import scalebar_length
from .text import PT_MM

#: Paper sizes in millimetres, portrait (width, height).
PAPER_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0)}
ORIENTATIONS = ("landscape", "portrait")


def parse_size(size, orientation):
    """``("A3", "landscape", (w_mm, h_mm))`` from loosely typed size and orientation."""
    s = str(size).strip().upper()
    if s not in PAPER_MM:
        raise SheetError(f"unknown paper size {size!r}; use one of {', '.join(PAPER_MM)}")
    o = str(orientation).strip().lower()
    if o not in ORIENTATIONS:
        raise SheetError(f"unknown orientation {orientation!r}; use landscape or portrait")
    w, h = PAPER_MM[s]
    return s, o, ((h, w) if o == "landscape" else (w, h))


@dataclass
class SheetGeometry:
    """Where things are on the page (mm from the lower-left corner) and the map's scale."""

    size: str
    orientation: str
    paper_mm: tuple
    frame_mm: tuple        # x, y, w, h of the map frame
    panel_cols: list       # [(x, y, w, h), …]
    title_mm: tuple        # x, y, w, h of the title band
    scale: int
    extent: tuple          # x0, y0, x1, y1 metres shown in the frame
    scalebar_m: float = 0.0
    scalebar_mm: float = 0.0
    map_ax: object = None
    page_ax: object = None
    ratio_text: str = ""
    font: tuple = ()
    texts: list = field(default_factory=list)      # every string on the page
    spec: object = None
    tick_step_m: float = 0.0
    legend: list = field(default_factory=list)     # [(key, zh, en, colour_hex_or_None)] in legend order


def layout(size, orientation, paper):
    """``(title band, map frame, panel columns)`` in mm: the panel right of the map (landscape) or
    under it in three columns (portrait)."""
    W, H = paper
    a3 = size == "A3"
    m, gap = 10.0, 4.0
    tb = 21.0 if a3 else 16.0
    title = (m, H - m - tb, W - 2 * m, tb)
    if orientation == "landscape":
        pw = 98.0 if a3 else 76.0
        frame = (m + gap, m + gap, W - 2 * m - pw - 3 * gap, H - 2 * m - tb - 2 * gap)
        cols = [(W - m - gap - pw, m + gap, pw, H - 2 * m - tb - 2 * gap)]
    else:
        ph = 0.27 * H if a3 else 0.31 * H
        frame = (m + gap, m + gap + ph + gap, W - 2 * m - 2 * gap, H - 2 * m - tb - ph - 4 * gap)
        inner = W - 2 * m - 2 * gap
        cols, x = [], m + gap
        for f in (0.34, 0.30, 0.36):
            cols.append((x, m + gap, inner * f - 3, ph))
            x += inner * f
    return title, frame, cols


def font_sizes(size):
    """Type sizes (points) per role."""
    if size == "A3":
        return dict(title=20, subtitle=9.5, head=8.5, body=7.0, small=6.0, label=7.5, label_big=9.5,
                    town=6.5, district=9.0)
    return dict(title=15, subtitle=7.5, head=7.0, body=5.8, small=5.0, label=6.0, label_big=7.5,
                town=5.3, district=7.0)


def px_box(fig, x_mm, y_mm, w_mm, h_mm):
    """A page box in mm as a display-space Bbox (what label culling compares against)."""
    from matplotlib.transforms import Bbox

    dpi = fig.dpi
    return Bbox.from_bounds(x_mm / 25.4 * dpi, y_mm / 25.4 * dpi, w_mm / 25.4 * dpi, h_mm / 25.4 * dpi)


# -- furniture ------------------------------------------------------------------------------------------

def frames(sheet):
    """Page border, map frame, title rule, and grid ticks at round kilometres along the frame."""
    from matplotlib.patches import Rectangle

    W, H = sheet.paper
    pg, geo = sheet.pg, sheet.geo
    pg.add_patch(Rectangle((10, 10), W - 20, H - 20, fill=False, linewidth=1.2, edgecolor="#222222"))
    pg.add_patch(Rectangle((8.8, 8.8), W - 17.6, H - 17.6, fill=False, linewidth=0.4, edgecolor="#222222"))
    x, y, w, h = geo.frame_mm
    pg.add_patch(Rectangle((x, y), w, h, fill=False, linewidth=0.9, edgecolor="#111111"))
    tx, ty, tw, th = geo.title_mm
    pg.plot([tx, tx + tw], [ty, ty], color="#222222", linewidth=0.6)
    x0, y0, x1, y1 = geo.extent
    mpm = sheet.mpm
    step = scalebar_length((x1 - x0) / 1.2)
    step = max(step, 1000.0) if (x1 - x0) > 4000 else step
    e = math.ceil(x0 / step) * step
    while e < x1:
        px = x + (e - x0) / mpm
        pg.plot([px, px], [y, y + 1.6], color="#333333", linewidth=0.4)
        pg.plot([px, px], [y + h, y + h - 1.6], color="#333333", linewidth=0.4)
        e += step
    n = math.ceil(y0 / step) * step
    while n < y1:
        py = y + (n - y0) / mpm
        pg.plot([x, x + 1.6], [py, py], color="#333333", linewidth=0.4)
        pg.plot([x + w, x + w - 1.6], [py, py], color="#333333", linewidth=0.4)
        n += step
    geo.tick_step_m = step


def title(sheet):
    """The title (shrunk to fit), the subtitle, and an atlas's page label."""
    tx, ty, tw, th = sheet.geo.title_mm
    s, fs, m = sheet.spec, sheet.fs, sheet.measure
    size = fs["title"]
    maxw = tw - 12 - (40 if s.page_label else 0)
    while m.width_pt(s.title, size, "bold") * PT_MM > maxw and size > 8:
        size -= 0.5
    sheet.text(sheet.pg, tx + tw / 2, ty + th * 0.60, s.title, fontsize=size, bold=True, ha="center",
               va="center", color="#111111")
    ssize = fs["subtitle"]
    while m.width_pt(s.subtitle, ssize) * PT_MM > tw - 8 and ssize > 5:
        ssize -= 0.25
    sheet.text(sheet.pg, tx + tw / 2, ty + th * 0.17, s.subtitle, fontsize=ssize, ha="center", va="center",
               color="#444444")
    if s.page_label:
        sheet.text(sheet.pg, tx + tw - 3, ty + th * 0.60, s.page_label, fontsize=fs["body"], ha="right",
                   va="center", color="#444444")


def north_arrow(sheet):
    """A north arrow in the frame's upper right (grid north; the panel gives the convergence)."""
    from matplotlib.patches import FancyBboxPatch, Polygon

    pg = sheet.pg
    x, y, w, h = sheet.geo.frame_mm
    a = 9.0 if sheet.size == "A3" else 7.0
    cx, top = x + w - 6 - a / 2, y + h - 5
    box = (cx - a / 2 - 2, top - 2.2 * a - 3.5, a + 4, 2.2 * a + 5)
    pg.add_patch(FancyBboxPatch(box[:2], box[2], box[3], boxstyle="round,pad=0,rounding_size=1",
                                facecolor=(1, 1, 1, 0.85), edgecolor="#777777", linewidth=0.4))
    tip, base = top - a * 0.55, top - 1.9 * a
    pg.add_patch(Polygon([(cx, tip), (cx - a / 3, base), (cx, base + a * 0.35)], closed=True,
                         facecolor="#111111", edgecolor="#111111", linewidth=0.5))
    pg.add_patch(Polygon([(cx, tip), (cx + a / 3, base), (cx, base + a * 0.35)], closed=True,
                         facecolor="white", edgecolor="#111111", linewidth=0.5))
    sheet.text(pg, cx, top - 0.2, "北 N", fontsize=sheet.fs["body"], bold=True, ha="center", va="top",
               color="#111111")
    sheet.labels.block(px_box(sheet.fig, *box))


def scalebar(sheet):
    """An alternating scale bar of a round length in the frame's lower left, with the ratio under it."""
    from matplotlib.patches import FancyBboxPatch, Rectangle

    pg, geo = sheet.pg, sheet.geo
    x, y, w, h = geo.frame_mm
    x0, _, x1, _ = geo.extent
    L = scalebar_length(x1 - x0)
    L_mm = L / sheet.mpm
    geo.scalebar_m, geo.scalebar_mm = L, L_mm
    lead = int(round(L / 10 ** math.floor(math.log10(L))))
    nseg = {1: 5, 2: 4, 5: 5}.get(lead, 4)
    bx, by = x + 6, y + 6
    a3 = sheet.size == "A3"
    bh = 1.6 if a3 else 1.3
    box = (bx - 3, by - 3.5, L_mm + 14, 12.5 if a3 else 10.5)
    pg.add_patch(FancyBboxPatch(box[:2], box[2], box[3], boxstyle="round,pad=0,rounding_size=1",
                                facecolor=(1, 1, 1, 0.88), edgecolor="#777777", linewidth=0.4))
    seg = L_mm / nseg
    for i in range(nseg):
        pg.add_patch(Rectangle((bx + i * seg, by), seg, bh, facecolor="#111111" if i % 2 == 0 else "white",
                               edgecolor="#111111", linewidth=0.5))
    unit, div = ("km", 1000.0) if L >= 1000 else ("m", 1.0)
    fs = sheet.fs["small"]
    for i in (0, nseg // 2 if nseg % 2 == 0 else None, nseg):
        if i is None:
            continue
        sheet.text(pg, bx + i * seg, by + bh + 0.8, f"{L * i / nseg / div:g}" + (f" {unit}" if i == nseg else ""),
                   fontsize=fs, ha="center", va="bottom", color="#111111")
    sheet.text(pg, bx, by - 0.8, f"比例尺 {geo.ratio_text}", fontsize=fs, ha="left", va="top", color="#111111",
               bold=True)
    sheet.labels.block(px_box(sheet.fig, *box))

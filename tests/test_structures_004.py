"""Plan 004's structures: 大罗山, the ring corridor, its two belts, six 片区, twelve key blocks, the
环山路 loop and the two gateways — checked against the plan text and the base geography.

Expected areas and lengths are read from the plan text (the lines the recipe cites), not from the
recipe; districts and land come from the base layers.
"""

import re

import pytest
import shapely

from layers.base import load_districts, load_land, load_towns
from layers.structures import build_structures

from conftest import PLAN_DIR

TEXT = next(PLAN_DIR.glob("004_*.txt")).read_text(encoding="utf-8").split("\n")
MU = 1 / 1500          # km² per 亩
MOUNTAIN_DISTRICTS = ("瓯海区", "龙湾区", "瑞安市")


def joined(a, b=None):
    """Plan lines a..b (1-based, inclusive) joined, with the PDF's spaces removed."""
    return "".join(TEXT[a - 1:(b or a)]).replace(" ", "")


@pytest.fixture(scope="module")
def built():
    d, l, t = load_districts(), load_land(), load_towns()
    out = build_structures(d, l, t)
    districts = d.set_index("name_zh").geometry
    land = shapely.union_all(l.geometry.values)
    return out, districts, land


def feature(built, name_zh, layer="structures", plan="004"):
    out, _, _ = built
    gdf = out[layer]
    hit = gdf[(gdf["plan"] == plan) & (gdf["name_zh"] == name_zh)]
    assert len(hit) == 1, f"{name_zh} not found once in {layer}"
    return hit.iloc[0]


def cited(row):
    return [int(x[1:]) for x in row.source_ref.split(":")[1].split(",")]


def share_in(geom, container):
    if geom.geom_type.endswith("Point"):
        return 1.0 if container.covers(geom) else 0.0
    if geom.geom_type.endswith("LineString"):
        return geom.intersection(container).length / geom.length
    return geom.intersection(container).area / geom.area


# ------------------------------------------------------------------------------- what must exist

POLYGONS = {
    # name_zh: (kind, district(s) the text puts it in, a word of it that the cited lines must hold)
    "大罗山": ("green", MOUNTAIN_DISTRICTS, "大罗山"),
    "环大罗山科创走廊": ("corridor", MOUNTAIN_DISTRICTS, "环大罗山科创走廊"),
    "浙南产业集聚区片区": ("area", ("龙湾区",), "浙南产业集聚区"),
    "龙湾区片区": ("area", ("龙湾区",), "龙湾区"),
    "瓯海区片区": ("area", ("瓯海区",), "瓯海区"),
    "瑞安市片区": ("area", ("瑞安市",), "瑞安市"),
    "瓯江口产业集聚区片区": ("area", ("洞头区",), "瓯江口产业集聚区"),
    "乐清市片区": ("area", ("乐清市",), "乐清市"),
    "温州浙南科技城核心区": ("block", ("龙湾区",), "浙南科技城"),
    "中国眼谷": ("block", ("龙湾区",), "中国眼谷"),
    "金海湖科创核心区": ("block", ("龙湾区",), "金海湖"),
    "智能制造及数字经济产业园": ("block", ("龙湾区",), "智能制造及数字经济产业园"),
    "温州南湖科创小镇": ("block", ("瓯海区",), "南湖科创小镇"),
    "瓯海生命健康小镇": ("block", ("瓯海区",), "生命健康小镇"),
    "塘下东工业城东新区块": ("block", ("瑞安市",), "塘下东工业城"),
    "塘下北工业园区核心区": ("block", ("瑞安市",), "塘下北工业园区"),
    "温州瓯江口机器人产业园": ("block", ("洞头区",), "机器人产业园"),
    "中国温州安全（应急）产业园": ("block", ("洞头区",), "安全（应急）产业园"),
    "中国温州安全（应急）产业园一期（瓯江口新区一期东南角）": ("subzone", ("洞头区",), "一期东南角"),
    "中国温州安全（应急）产业园二期（瓯江口新区二期中南部）": ("subzone", ("洞头区",), "二期中南部"),
    "高新区核心区块（乐清湾电力科技小镇）": ("block", ("乐清市",), "乐清湾电力科技小镇"),
    "高端智能装备产业园": ("block", ("乐清市",), "高端智能装备产业园"),
}

LINES = {
    "科创带（内环）": ("belt", MOUNTAIN_DISTRICTS, "科创带"),
    "产业带（外环）": ("belt", MOUNTAIN_DISTRICTS, "产业带"),
    "环山北路生态园段": ("route", ("瓯海区",), "环山北路生态园段"),
    "环山北路龙湾段二期": ("route", ("龙湾区",), "环山北路龙湾段"),
    "环山路（温瑞大道-学府北路）": ("route", ("瓯海区",), "环山路温瑞大道-学府北路"),
    "环山南路": ("route", ("瑞安市", "龙湾区"), "环山南路"),
    "环山东路（龙湾段、开发区段）": ("route", ("龙湾区",), "环山东路"),
    "环山东路南延工程": ("route", ("龙湾区", "瑞安市"), "环山东路南延"),
    # added with the coverage list (geodata/recipes/elements.csv)
    "温瑞大道南段快速路": ("route", ("瓯海区", "瑞安市"), "温瑞大道南段快速路"),
    "市域铁路S3线共建段": ("route", ("瓯海区", "瑞安市"), "S3"),
    "滨海大道市区南段快速路": ("route", ("龙湾区",), "滨海大道市区南段快速路"),
    "通海大道": ("route", ("龙湾区",), "通海大道"),
    "温州大道东延": ("route", ("龙湾区",), "温州大道东延"),
    "BRT通道（双屿客运中心-温瑞大道）": ("route", ("鹿城区", "瓯海区"), "双屿客运中心"),
    "主要联系道路（南口大桥-瓯江口大道-雁升路-瓯帆路）": ("route", ("龙湾区", "洞头区"), "南口大桥-瓯江口大道-雁升路-瓯帆路"),
    "环大罗山骑行绿道和游步道": ("corridor", MOUNTAIN_DISTRICTS, "环大罗山骑行绿道"),
}

POINTS = {
    "龙湾机场": ("hub", ("龙湾区",), "龙湾机场"),
    "动车站（温州南站）": ("station", ("瓯海区",), "动车站"),
    "南白象交通枢纽": ("hub", ("瓯海区",), "南白象交通枢纽"),
}

LAYERS = (("structures", POLYGONS, ("MultiPolygon",)),
          ("structure_lines", LINES, ("MultiLineString",)),
          ("structure_points", POINTS, ("Point",)))

ALL = [(layer, name, spec, types) for layer, table, types in LAYERS for name, spec in table.items()]


@pytest.mark.parametrize("layer, name, spec, types", ALL, ids=[a[1] for a in ALL])
def test_structure_exists_with_kind_geometry_quality_and_district(built, layer, name, spec, types):
    kind, homes, _ = spec
    f = feature(built, name, layer)
    assert f.kind == kind
    assert f.geometry.geom_type in types and not f.geometry.is_empty
    assert f.quality in ("sketched", "schematic", "derived")
    assert f.accuracy_m >= 500, "a sketch must not claim better than a few hundred metres"
    _, districts, _ = built
    home = shapely.union_all([districts[n] for n in homes])
    assert share_in(f.geometry, home) >= 0.95, (name, homes, share_in(f.geometry, home))


def test_plan_004_has_no_feature_the_tests_do_not_know(built):
    out, _, _ = built
    known = set(POLYGONS) | set(LINES) | set(POINTS)
    for layer in out.values():
        names = set(layer[layer["plan"] == "004"]["name_zh"])
        assert names <= known, names - known
    assert sum(int((layer["plan"] == "004").sum()) for layer in out.values()) == len(known)


@pytest.mark.parametrize("layer, name, spec, types", ALL, ids=[a[1] for a in ALL])
def test_cited_lines_name_the_structure(built, layer, name, spec, types):
    f = feature(built, name, layer)
    lines = cited(f)
    assert lines and all(1 <= n <= len(TEXT) for n in lines)
    text = "".join(TEXT[n - 1] for n in lines).replace(" ", "")
    assert spec[2] in text, (name, spec[2], f.source_ref)
    assert f.quality != "official"


def test_some_citations_read_as_expected():
    assert "大罗山山边" in joined(284)
    assert "科创带和产业带" in joined(62) and "内外两环" in joined(62, 64)
    assert "环山路、快速路网" in joined(266) and "两环体系" in joined(268)
    assert "动车站或龙湾机场两大门户" in joined(99, 101)
    assert "温州南" in joined(787)
    assert joined(780).startswith("1环山北路生态园段") and "1.2公里" in joined(780)
    assert "6个片区" in joined(66)


# ------------------------------------------------------------------------------- stated areas

def _stated_block_km2(a, b):
    m = re.search(r"总面积约([\d.]+)(平方公里|亩)", joined(a, b))
    assert m, f"L{a}-L{b} states no 总面积"
    value = float(m.group(1))
    return value if m.group(2) == "平方公里" else value * MU


BLOCK_AREAS = [
    ("温州浙南科技城核心区", 440, 444),
    ("中国眼谷", 469, 473),
    ("金海湖科创核心区", 496, 499),
    ("智能制造及数字经济产业园", 524, 527),
    ("温州南湖科创小镇", 548, 553),
    ("瓯海生命健康小镇", 583, 587),
    ("塘下东工业城东新区块", 617, 620),
    ("塘下北工业园区核心区", 644, 648),
    ("温州瓯江口机器人产业园", 675, 678),
    ("高新区核心区块（乐清湾电力科技小镇）", 728, 732),
    ("高端智能装备产业园", 757, 760),
]


@pytest.mark.parametrize("name, a, b", BLOCK_AREAS, ids=[x[0] for x in BLOCK_AREAS])
def test_key_block_has_the_area_its_text_states(built, name, a, b):
    stated = _stated_block_km2(a, b)
    f = feature(built, name)
    assert set(range(a, b + 1)) <= set(cited(f)), "the 四至 and area lines must be cited"
    assert f.area_stated_km2 == pytest.approx(stated, rel=0.005)
    assert abs(f.area_km2 - stated) <= 0.10 * stated, (name, stated, f.area_km2)


def test_the_figures_read_from_the_text_are_the_ones_in_the_table():
    got = [round(_stated_block_km2(a, b), 3) for _, a, b in BLOCK_AREAS]
    assert got == [1.47, round(1000 * MU, 3), 5.47, 5.1, 4.3, 3.5, 4.0, 2.0, round(4258.7 * MU, 3), 3.33, 2.57]


def test_safety_park_has_its_two_phases(built):
    text = joined(698, 704)
    p1 = float(re.search(r"一期拟建范围为瓯江口新区一期东南角，总用地规模约(\d+)亩", text).group(1)) * MU
    p2 = float(re.search(r"二期拟建范围为瓯江口新区二期中南部，总用地规模约(\d+)亩", text).group(1)) * MU
    assert "二期尚未填海" in text
    whole = feature(built, "中国温州安全（应急）产业园")
    phase1 = feature(built, "中国温州安全（应急）产业园一期（瓯江口新区一期东南角）")
    phase2 = feature(built, "中国温州安全（应急）产业园二期（瓯江口新区二期中南部）")
    for f, stated in ((phase1, p1), (phase2, p2), (whole, p1 + p2)):
        assert abs(f.area_km2 - stated) <= 0.10 * stated, (f.name_zh, stated, f.area_km2)
    assert whole.geometry.symmetric_difference(phase1.geometry.union(phase2.geometry)).area < 1e-6 * whole.geometry.area
    # phase I in the south-east corner of plan 000's 一期, phase II (still sea) in plan 000's 二期
    corner = feature(built, "一期东南角（围填海用海处置）", plan="000").geometry
    second = feature(built, "二期片区（温州浅滩二期西片）", plan="000").geometry
    assert share_in(phase1.geometry, corner) >= 0.99
    assert share_in(phase2.geometry, second) >= 0.99
    # "中南部": south of the middle of 二期
    assert phase2.geometry.centroid.y < second.centroid.y


def test_robot_park_is_in_phase1_north(built):
    # plan 000 L325 lists the 机器人 park among the parks of 一期北片区域
    north = feature(built, "一期北片区域", plan="000").geometry
    assert share_in(feature(built, "温州瓯江口机器人产业园").geometry, north) >= 0.99


# ------------------------------------------------------------------------------- placement

def test_daluoshan_straddles_three_districts_and_is_land(built):
    _, districts, land = built
    m = feature(built, "大罗山").geometry
    for name in MOUNTAIN_DISTRICTS:
        assert share_in(m, districts[name]) >= 0.05, name
    assert share_in(m, land) >= 0.99
    assert 40 <= m.area / 1e6 <= 200


def test_corridor_is_a_ring_around_the_mountain_on_land(built):
    _, _, land = built
    m = feature(built, "大罗山").geometry
    ring = feature(built, "环大罗山科创走廊").geometry
    assert ring.intersection(m).area < 1e-3 * m.area, "the corridor goes round the mountain, not over it"
    assert share_in(m.buffer(1000).difference(m), ring) >= 0.9, "it closes round the mountain"
    assert share_in(ring, land) >= 0.90


@pytest.mark.parametrize("area, blocks", [
    ("龙湾区片区", ("温州浙南科技城核心区", "中国眼谷")),
    ("浙南产业集聚区片区", ("金海湖科创核心区", "智能制造及数字经济产业园")),
    ("瓯海区片区", ("温州南湖科创小镇", "瓯海生命健康小镇")),
    ("瑞安市片区", ("塘下东工业城东新区块", "塘下北工业园区核心区")),
    ("瓯江口产业集聚区片区", ("温州瓯江口机器人产业园", "中国温州安全（应急）产业园")),
    ("乐清市片区", ("高新区核心区块（乐清湾电力科技小镇）", "高端智能装备产业园")),
])
def test_each_area_holds_its_two_key_blocks(built, area, blocks):
    # L124-L136 gives each implementing area exactly two key blocks
    assert area.replace("片区", "") in joined(124, 136)
    a = feature(built, area).geometry
    for name in blocks:
        assert name.split("（")[0][-5:] in joined(124, 136), name
        assert share_in(feature(built, name).geometry, a) >= 0.95, (area, name)


def test_mountain_blocks_are_in_the_corridor_off_the_mountain_and_on_land(built):
    _, _, land = built
    m = feature(built, "大罗山").geometry
    ring = feature(built, "环大罗山科创走廊").geometry
    for name, _, _ in BLOCK_AREAS[:8]:
        g = feature(built, name).geometry
        assert share_in(g, ring) >= 0.95, name
        assert share_in(g, m) <= 0.05, name
        assert share_in(g, land) >= 0.90, name


def test_outlying_areas_lie_across_the_oujiang_away_from_the_ring(built):
    ring = feature(built, "环大罗山科创走廊").geometry
    m = feature(built, "大罗山").geometry
    for name in ("瓯江口产业集聚区片区", "乐清市片区"):
        g = feature(built, name).geometry
        assert not g.intersects(ring), name
        assert g.distance(m) > 5000, name


def test_all_land_structures_are_on_land(built):
    out, _, land = built
    polys = out["structures"][out["structures"]["plan"] == "004"]
    for row in polys.itertuples():
        if row.name_zh.startswith("中国温州安全（应急）产业园二期"):
            continue        # "二期尚未填海": still sea in the plan; checked against plan 000's 二期 instead
        assert share_in(row.geometry, land) >= 0.90, row.name_zh


def test_blocks_3_and_4_share_streets_with_4_north_of_3():
    assert "东至金海三道" in joined(496) and "东至金海三道" in joined(524)
    assert "北至滨海十六路" in joined(498) and "南至滨海十六路" in joined(524, 525)


def test_block_4_lies_north_of_block_3_and_they_hardly_overlap(built):
    b3 = feature(built, "金海湖科创核心区").geometry
    b4 = feature(built, "智能制造及数字经济产业园").geometry
    assert b4.centroid.y > b3.centroid.y
    assert b3.intersection(b4).area < 0.05 * b3.area


def test_belts_are_closed_rings_inner_and_outer_round_the_mountain(built):
    m = feature(built, "大罗山").geometry
    inner = feature(built, "科创带（内环）", "structure_lines")
    outer = feature(built, "产业带（外环）", "structure_lines")
    polys = {}
    for f in (inner, outer):
        (line,) = f.geometry.geoms
        assert line.is_ring, f.name_zh
        polys[f.name_zh] = shapely.Polygon(line.coords)
        assert polys[f.name_zh].contains(m), f.name_zh
        assert "inner" in f.note or "outer" in f.note, "the choice of inner/outer must be said in a note"
    assert polys["产业带（外环）"].contains(polys["科创带（内环）"])


@pytest.mark.parametrize("name, line, pattern, reach_m", [
    ("环山北路生态园段", 780, r"长约([\d.]+)公里", 2000),
    ("环山北路龙湾段二期", 783, r"长约([\d.]+)公里", 2000),
    ("环山路（温瑞大道-学府北路）", 803, r"全长约([\d.]+)公里", 2000),
    ("环山南路", 811, r"长约([\d.]+)公里", 2000),
    # the extension leaves the loop southwards, to 塘下中心街 (L841)
    ("环山东路南延工程", 841, r"长约([\d.]+)公里", 4000),
])
def test_ring_road_segments_have_about_the_stated_length_and_hug_the_mountain(built, name, line, pattern, reach_m):
    stated = float(re.search(pattern, joined(line)).group(1))
    f = feature(built, name, "structure_lines")
    assert abs(f.length_km - stated) <= 0.25 * stated, (name, stated, f.length_km)
    m = feature(built, "大罗山").geometry
    assert f.geometry.difference(m.buffer(reach_m)).is_empty, f"{name} strays more than {reach_m} m from the mountain"
    assert share_in(f.geometry, m) <= 0.10, f"{name} runs over the mountain"


def test_east_ring_road_extension_is_split_between_the_zone_and_ruian(built):
    # L843: 经开区段约 1.8 公里, 瑞安段 1.6 公里
    text = joined(843)
    zone = float(re.search(r"经开区段约([\d.]+)公里", text).group(1))
    ruian = float(re.search(r"瑞安段([\d.]+)公", text).group(1))
    _, districts, _ = built
    g = feature(built, "环山东路南延工程", "structure_lines").geometry
    assert g.intersection(districts["龙湾区"]).length / 1e3 == pytest.approx(zone, abs=0.5)
    assert g.intersection(districts["瑞安市"]).length / 1e3 == pytest.approx(ruian, abs=0.5)


def test_gateways_are_outside_the_mountain(built):
    m = feature(built, "大罗山").geometry
    for name in POINTS:
        f = feature(built, name, "structure_points")
        assert not m.contains(f.geometry)
    assert "温州南站" in feature(built, "动车站（温州南站）", "structure_points").note

"""Plan 001 (瓯海区“十四五”规划纲要): the structure layers built from ``geodata/recipes/001.recipe``.

Expectations come from reading the plan text (``geodata/plans/001_*.txt``): the structures it names,
the four sub-park areas of 瓯海经济开发区 (L474-L477, the only areas the plan states) and the 8.5 km of
温瑞塘河 inside 南部新区 (L417) are read from the text here, not copied from the recipe.
"""

import re

import pytest
import shapely

from layers.base import load_districts, load_land, load_towns
from layers.plans import plan_path
from layers.structures import build_structures

PLAN = "001"
DISTRICT = "瓯海区"

POLY, LINE, POINT = "polygon", "line", "point"

# name_zh → (kind, geometry, key words one of which every cited plan line must contain)
EXPECTED = {
    "一核（城市核心区）": ("core", POLY, ["一核"]),
    "科创引领区": ("zone", POLY, ["科创引领区"]),
    "生态休闲区": ("zone", POLY, ["生态休闲区"]),
    "活力亚运中心区（中心区）": ("area", POLY, ["中心区", "亚运"]),
    "高铁新城": ("area", POLY, ["高铁新城"]),
    "南部新区": ("area", POLY, ["南部新区"]),
    "西部生态新城（西部片区）": ("area", POLY, ["西部生态新城", "西部片区"]),
    "温州南站（综合交通枢纽）": ("hub", POINT, ["温州南站"]),
    "商旅经济走廊": ("corridor", LINE, ["商旅经济走廊"]),
    "创新经济走廊": ("corridor", LINE, ["创新经济走廊"]),
    "慈湖家具市场商圈": ("node", POINT, ["慈湖家具市场商圈"]),
    "中心区商圈": ("node", POINT, ["中心区商圈"]),
    "高铁新城商圈": ("node", POINT, ["高铁新城商圈", "高铁商圈"]),
    "瞿溪皮具市场商圈": ("node", POINT, ["瞿溪皮具市场商圈"]),
    "大学城商圈": ("node", POINT, ["大学城商圈"]),
    "华润万象城商圈": ("node", POINT, ["华润万象城商圈", "万象商圈"]),
    "环山休闲运动带": ("belt", LINE, ["环山休闲运动带", "环山运动休闲带"]),
    "沿轨城市经济带": ("belt", LINE, ["沿轨城市经济带", "S3"]),
    "塘河人文体验带": ("belt", LINE, ["塘河人文体验带"]),
    "瓯海经济开发区东片发展园区": ("park", POLY, ["东片发展园区", "瓯海经济开发区"]),
    "瓯海经济开发区南片发展园区": ("park", POLY, ["南片发展园区", "瓯海经济开发区"]),
    "瓯海经济开发区西片发展园区": ("park", POLY, ["西片发展园区", "瓯海经济开发区"]),
    "瓯海经济开发区中片发展园区": ("park", POLY, ["中片发展园区", "瓯海经济开发区"]),
    "中国（瓯海）眼镜小镇": ("node", POINT, ["眼镜小镇"]),
    "南部新区核心区（凤凰山北部）": ("core", POLY, ["凤凰山北部"]),
    "温瑞塘河生态之带": ("belt", LINE, ["温瑞塘河"]),
    "科技创业廊道": ("corridor", LINE, ["科技创业廊道"]),
    "科教研发廊道": ("corridor", LINE, ["科教研发廊道"]),
    "肯恩小镇": ("node", POINT, ["肯恩小镇"]),
    "茶山梦创小镇": ("node", POINT, ["茶山梦创小镇"]),
    "梧慈智创谷": ("node", POINT, ["梧慈智创谷"]),
    "时尚智造小镇": ("node", POINT, ["时尚智造小镇"]),
    "生命健康小镇": ("node", POINT, ["生命健康小镇"]),
    "大罗山生态片区": ("zone", POLY, ["大罗山"]),
    "三垟湿地": ("green", POLY, ["三垟"]),
    "会昌河生态廊道": ("corridor", LINE, ["会昌河"]),
    "城市绿心（牛山、平天镬）": ("green", POLY, ["牛山", "一心"]),
}

# The plan's own wording of each stated sub-park area (专栏六).
PARKS = {"瓯海经济开发区东片发展园区": "东片发展园区",
         "瓯海经济开发区南片发展园区": "南片发展园区",
         "瓯海经济开发区西片发展园区": "西片发展园区",
         "瓯海经济开发区中片发展园区": "中片发展园区"}

GEOM_TYPES = {POLY: ("Polygon", "MultiPolygon"), LINE: ("LineString", "MultiLineString"), POINT: ("Point",)}


@pytest.fixture(scope="module")
def plan_text():
    return plan_path("geodata/plans", PLAN).read_text(encoding="utf-8").split("\n")


def line(plan_text, n):
    return plan_text[n - 1]


@pytest.fixture(scope="module")
def base():
    return load_districts(), load_land(), load_towns()


@pytest.fixture(scope="module")
def built(base):
    out = build_structures(*base)
    return {layer: gdf[gdf["plan"] == PLAN] for layer, gdf in out.items()}


@pytest.fixture(scope="module")
def features(built):
    """name_zh → row (a namedtuple with the layer's columns), over all three layers."""
    out = {}
    for gdf in built.values():
        for row in gdf.itertuples():
            assert row.name_zh not in out, f"{row.name_zh} built twice"
            out[row.name_zh] = row
    return out


@pytest.fixture(scope="module")
def district(base):
    d = base[0]
    return shapely.union_all(d[d["name_zh"] == DISTRICT].geometry.values)


@pytest.fixture(scope="module")
def land(base):
    return shapely.union_all(base[1].geometry.values)


def cited(row):
    assert row.source_ref.startswith(f"{PLAN}:")
    return [int(tok[1:]) for tok in row.source_ref.split(":", 1)[1].split(",")]


def test_every_structure_exists_with_kind_and_geometry(features):
    missing = sorted(set(EXPECTED) - set(features))
    assert not missing, f"structures not built: {missing}"
    for name, (kind, geom, _) in EXPECTED.items():
        row = features[name]
        assert row.kind == kind, (name, row.kind)
        assert row.geometry.geom_type in GEOM_TYPES[geom], (name, row.geometry.geom_type)
        assert not row.geometry.is_empty, name
        assert row.id.startswith(f"{PLAN}-"), row.id


def test_quality_is_honest(features):
    # The plan gives no coordinates and the base data has no 街道 outlines: every shape rests on a
    # sketched line or point, so none may claim to be official or derived.
    for name, row in features.items():
        assert row.quality in {"sketched", "schematic"}, (name, row.quality)
        assert row.accuracy_m >= 500, (name, row.accuracy_m)
        assert row.note or row.role, f"{name} says nothing about what it rests on"


def test_cited_lines_name_the_structure(features, plan_text):
    for name, (_, _, words) in EXPECTED.items():
        row = features[name]
        lines = cited(row)
        assert lines, name
        for n in lines:
            assert 1 <= n <= len(plan_text), (name, n)
            text = line(plan_text, n)
            assert any(w in text for w in words), f"{name}: L{n} names none of {words}: {text[:60]}"


def test_a_few_citations_read_in_the_text(plan_text):
    assert "“一核两区、两廊三带”" in line(plan_text, 372)
    assert "以泽雅镇为主，包含泽雅镇以及瞿溪-郭溪街道西部山体" in line(plan_text, 376)
    assert "沿瓯海大道的商旅经济走廊和沿温瑞大道的创新经济走廊" in line(plan_text, 378)
    assert "一心：以凤凰山北部为主的核心区" in line(plan_text, 416)
    assert "温州南站" in line(plan_text, 425)


def test_stated_park_areas_within_ten_percent(features, plan_text):
    for name, label in PARKS.items():
        row = features[name]
        hits = [n for n in cited(row) if label in line(plan_text, n)]
        assert len(hits) == 1, (name, hits)
        m = re.search(label + r"：\**面积约([0-9.]+)平方公里", line(plan_text, hits[0]))
        assert m, (name, line(plan_text, hits[0])[:40])
        stated = float(m.group(1))
        assert row.area_stated_km2 == pytest.approx(stated), name
        assert abs(row.area_km2 - stated) <= 0.10 * stated, (name, stated, row.area_km2)
        assert abs(row.geometry.area / 1e6 - stated) <= 0.10 * stated, name


def test_parks_add_up_to_the_plan_figures(features, plan_text):
    total = sum(float(re.search(r"面积约([0-9.]+)平方公里", line(plan_text, n)).group(1)) for n in range(474, 478))
    assert total == pytest.approx(33.08)
    built = sum(features[name].geometry.area for name in PARKS) / 1e6
    assert abs(built - total) <= 0.10 * total


def test_tanghe_in_southern_new_district_is_about_the_stated_length(features, plan_text):
    m = re.search(r"规划范围内约\s*([0-9.]+)\s*公里", line(plan_text, 417))
    stated = float(m.group(1))
    assert stated == 8.5
    assert abs(features["温瑞塘河生态之带"].geometry.length / 1e3 - stated) <= 0.15 * stated


WETLAND = "三垟湿地"


def test_polygons_inside_the_district_and_on_land(features, district, land):
    for name, (_, geom, _) in EXPECTED.items():
        if geom != POLY:
            continue
        g = features[name].geometry
        assert g.intersection(district).area >= 0.95 * g.area, f"{name} leaves {DISTRICT}"
        if name != WETLAND:     # every other polygon is land the plan builds on or protects
            assert g.intersection(land).area >= 0.90 * g.area, f"{name} is not on land"


def test_wetland_holds_the_water_the_land_layer_leaves_open(features, district, land):
    # 三垟湿地 (L380, L412, L641) is a wetland: it should take in open water, not only dry land.
    g = features[WETLAND].geometry
    water = g.difference(land).area
    assert water >= 0.2 * g.area
    assert water >= 0.3 * district.difference(land).area


def test_lines_and_points_inside_the_district(features, district):
    grown = district.buffer(50)
    for name, (_, geom, _) in EXPECTED.items():
        g = features[name].geometry
        if geom == LINE:
            assert g.intersection(grown).length >= 0.95 * g.length, f"{name} leaves {DISTRICT}"
        elif geom == POINT:
            assert grown.contains(g), f"{name} is outside {DISTRICT}"


def test_one_core_two_zones_partition_the_district(features, district):
    # L376: the three parts together are the whole district, and they do not overlap.
    parts = [features[n].geometry for n in ("一核（城市核心区）", "科创引领区", "生态休闲区")]
    assert sum(p.area for p in parts) == pytest.approx(district.area, rel=0.01)
    for i in range(3):
        for j in range(i + 1, 3):
            assert parts[i].intersection(parts[j]).area < 1e-3 * district.area
    # L376: 生态休闲区 is the western mountains (泽雅), 科创引领区 the south ("向南拓展重要节点").
    core, innov, eco = (p.centroid for p in parts)
    assert eco.x < core.x < innov.x
    assert innov.y < core.y
    # 生态休闲区 is the largest, mountainous part (泽雅镇 alone is the district's largest unit).
    assert parts[2].area > max(parts[0].area, parts[1].area)


def test_areas_sit_in_their_zone(features):
    def within(inner, outer, share=0.95):
        a, b = features[inner].geometry, features[outer].geometry
        if a.geom_type == "Point":
            return b.buffer(1).contains(a)
        if a.geom_type.endswith("LineString"):
            return a.intersection(b.buffer(1)).length >= share * a.length
        return a.intersection(b).area >= share * a.area

    # L376: 一核 is mainly 中心区 and 高铁新城; 科创引领区 mainly 南部新区; 西部生态新城 = 生态休闲区.
    assert within("活力亚运中心区（中心区）", "一核（城市核心区）")
    assert within("高铁新城", "一核（城市核心区）")
    assert within("南部新区", "科创引领区")
    assert within("西部生态新城（西部片区）", "生态休闲区")
    # L416-L417: the 一心 and the 一带 are inside 南部新区.
    assert within("南部新区核心区（凤凰山北部）", "南部新区")
    assert within("温瑞塘河生态之带", "南部新区")
    assert within("温瑞塘河生态之带", "塘河人文体验带")
    # L425: 高铁新城 is built around 温州南站.
    assert within("温州南站（综合交通枢纽）", "高铁新城")
    # L474, L475, L477: the towns named inside each sub-park.
    assert within("生命健康小镇", "瓯海经济开发区东片发展园区")
    assert within("时尚智造小镇", "瓯海经济开发区南片发展园区")
    assert within("中国（瓯海）眼镜小镇", "瓯海经济开发区中片发展园区")
    # L378: the 商圈 of the two corridors lie on (near) them.
    for node, corridor in (("慈湖家具市场商圈", "商旅经济走廊"), ("中心区商圈", "商旅经济走廊"),
                           ("高铁新城商圈", "商旅经济走廊"), ("瞿溪皮具市场商圈", "商旅经济走廊"),
                           ("华润万象城商圈", "创新经济走廊"), ("大学城商圈", "创新经济走廊")):
        d = features[node].geometry.distance(features[corridor].geometry)
        assert d < 3000, (node, corridor, d)


def test_sub_parks_follow_their_names(features):
    # 东/南/西/中片 (L474-L477): the only placement the plan gives is the name.
    c = {k: features[f"瓯海经济开发区{k}片发展园区"].geometry.centroid for k in "东南西中"}
    assert c["东"].x > c["中"].x > c["西"].x
    assert c["南"].y < min(c["东"].y, c["中"].y, c["西"].y)
    parks = [features[n].geometry for n in PARKS]
    for i in range(4):
        for j in range(i + 1, 4):
            assert parks[i].intersection(parks[j]).area < 0.01 * min(parks[i].area, parks[j].area)


def test_corridors_run_the_right_way(features):
    # 瓯海大道 runs east-west across the district (L378); 温瑞大道 and 温瑞塘河 north-south (L378, L417).
    def extent(name):
        x0, y0, x1, y1 = features[name].geometry.bounds
        return x1 - x0, y1 - y0

    dx, dy = extent("商旅经济走廊")
    assert dx > 3 * dy
    for name in ("创新经济走廊", "塘河人文体验带", "温瑞塘河生态之带"):
        dx, dy = extent(name)
        assert dy > 3 * dx, name

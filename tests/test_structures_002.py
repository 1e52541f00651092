"""Plan 002 (洞头区工业、信息化和科技发展“十四五”规划): its spatial structures, built from 002.recipe.

The layout "双区集群，一港联动，多点发展" (L288, L499-L537) must be on the map, each member where the text
puts it. Expected areas and lengths are read from the plan's own lines (亩 → km² at 1500 亩/km²), never
copied from the recipe; places are checked against the real islands and districts of the base layers.
"""

import re
from pathlib import Path

import pandas as pd
import pytest
import shapely

from layers.base import load_districts, load_land, load_towns
from layers.recipes import parse_recipe_file
from layers.settings import resolve
from layers.structures import build_structures

PLAN = next((Path(__file__).resolve().parents[1] / "geodata" / "plans").glob("002_*.txt"))
MU_PER_KM2 = 1500.0

POLY, LINE, POINT = ("Polygon", "MultiPolygon"), ("LineString", "MultiLineString"), ("Point",)
NOT_OFFICIAL = {"derived", "sketched", "schematic"}

# name_zh → (structure, kind, geometry types); the layout's members and the must-haves
REQUIRED = {
    "大小门石化产业基地": ("双区集群", "zone", POLY),
    "海洋经济产业园": ("双区集群", "zone", POLY),
    "杨文工业区": ("海洋经济产业园", "subzone", POLY),
    "南塘工业区": ("海洋经济产业园", "subzone", POLY),
    "状元岙港区（状元南片）": ("一港联动", "port", POLY),
    "状元岛数字产业城（状元岙南片围垦区域）": ("一港联动", "zone", POLY),
    "电子电器科技园（电子电器创业园）": ("多点发展", "park", POLY),
    "机械汽配产业园": ("多点发展", "park", POLY),
    "霓屿紫菜现代产业园": ("多点发展", "park", POINT),
    "大小门临港石化产业区合规园区（小门岛化工园区）": ("大小门石化产业基地", "park", POLY),
    "温州液化天然气（LNG）接收站": ("大小门石化产业基地", "station", POINT),
    "温州大门港口物流园区（大门岛东北侧围海）": ("大小门石化产业基地", "port", POLY),
    "大小门港区疏港铁路": ("大小门石化产业基地", "route", LINE),
    "洞头海上风电场": ("智能风电产业", "area", POLY),
}

# name_zh → (plan line, text printed just before "亩" on that line) for every stated area
STATED_MU = {
    "大小门临港石化产业区合规园区（小门岛化工园区）": (705, "4900"),
    "温州大门港口物流园区（大门岛东北侧围海）": (962, "6690"),
    "状元岛数字产业城（状元岙南片围垦区域）": (902, "5100"),
    "电子电器科技园（电子电器创业园）": (526, "51.16"),
    "机械汽配产业园": (531, "90.28"),
    "小门东屿精细化工园": (698, "300"),
    "海洋科技产业园（杨文三期）": (916, "130"),
}

# every 002 feature id → words of which each cited line must contain at least one
KEYWORDS = {
    "002-damen-north": ["大门岛北侧"],
    "002-dxm-petrochem": ["大小门", "小门岛", "小门化工", "石化产业基地", "石化行业"],
    "002-xiaomen-chem-park": ["合规", "合格园区", "小门岛"],
    "002-dongyu-finechem": ["东屿"],
    "002-lng-terminal": ["LNG", "液化天然气"],
    "002-damen-logistics": ["大门港口物流园区", "大门岛东北侧"],
    "002-port-railway": ["疏港铁路", "乐清湾铁路支线"],
    "002-yangwen": ["杨文"],
    "002-nantang": ["南塘"],
    "002-marine-econ-park": ["海洋经济产业园"],
    "002-marine-tech-park": ["海洋科技产业园", "杨文三期"],
    "002-electronics-park": ["电子电器", "电子电气"],
    "002-autoparts-park": ["机械汽配"],
    "002-niyu-laver-park": ["霓屿紫菜", "网僚鼻"],
    "002-zhuangyuanao-port": ["状元岙港区", "状元南片", "一港联动"],
    "002-zhuangyuan-digital-city": ["状元岛数字产业城", "状元岙南片围垦", "数字经济产业城"],
    "002-port-expansion": ["霓屿北片", "状元岙"],
    "002-offshore-wind": ["海上风电"],
    # added with the coverage list (geodata/recipes/elements.csv): the element's name and aliases
    "002-damen-granite": ["大门花岗岩产业园"],
    "002-xiaomen-clean-energy": ["小门岛绿色清洁能源基地"],
    "002-damen-finechem": ["大门精细化工园"],
    "002-damen-service": ["大门临港产业基地配套服务区"],
    "002-damen-lng-port": ["大门岛LNG储运港口", "LNG储运港口"],
    "002-nantang-hq": ["南塘经济总部园"],
    "002-zhuangyuanao-logistics": ["状元岙港物流园区", "港区物流经济园"],
    "002-seafood-cluster": ["水产品精深加工产业集聚区", "水产品加工产业功能区", "洞头海洋食品基地"],
    "002-luxi": ["鹿西岛", "鹿西岛区域养殖综合体"],
    "002-half-ring": ["洞头大门—乐清南部—瓯江口核心区半环形交通圈", "半环形交通圈"],
    "002-deepwater-channel": ["温州港核心港区深水进港航道", "深水进港航道"],
    "002-xiaomen-lng-road": ["小门岛LNG专用道路"],
    "002-power-line-damen-xiaomen": ["小门LNG项目110千伏供电线路", "220千伏大门变"],
    "002-oujiang-north-bridge": ["瓯江北口大桥"],
    "002-niyu-north": ["霓屿北片"],
}

# features that the text puts on land (≥ 90 % of the area on the land layer)
ON_LAND = ["大小门石化产业基地", "大小门临港石化产业区合规园区（小门岛化工园区）", "小门东屿精细化工园",
           "海洋经济产业园", "杨文工业区", "南塘工业区", "海洋科技产业园（杨文三期）", "电子电器科技园（电子电器创业园）",
           "机械汽配产业园", "状元岙港区（状元南片）", "状元岛数字产业城（状元岙南片围垦区域）"]

# name_zh → the named island it must lie on (≥ 95 % of a polygon; a point inside)
ON_ISLAND = {
    "大小门临港石化产业区合规园区（小门岛化工园区）": "小门岛",
    "小门东屿精细化工园": "小门岛",
    "温州液化天然气（LNG）接收站": "小门岛",
    "杨文工业区": "洞头岛",
    "南塘工业区": "洞头岛",
    "海洋科技产业园（杨文三期）": "洞头岛",
    "电子电器科技园（电子电器创业园）": "洞头岛",
    "机械汽配产业园": "洞头岛",
    "状元岙港区（状元南片）": "状元岙岛",
    "状元岛数字产业城（状元岙南片围垦区域）": "状元岙岛",
    "霓屿紫菜现代产业园": "霓屿岛",
}


@pytest.fixture(scope="module")
def base():
    return load_districts(), load_land(), load_towns()


@pytest.fixture(scope="module")
def everything(base):
    out = build_structures(*base)
    return pd.concat([out[k] for k in ("structures", "structure_lines", "structure_points")], ignore_index=True)


@pytest.fixture(scope="module")
def built(everything):
    return everything[everything["plan"] == "002"].set_index("name_zh", drop=False)


@pytest.fixture(scope="module")
def lines():
    text = PLAN.read_text(encoding="utf-8").split("\n")
    return lambda n: text[n - 1]


@pytest.fixture(scope="module")
def district(base):
    d = base[0]
    return lambda name: shapely.union_all(d[d["name_zh"] == name].geometry.values)


@pytest.fixture(scope="module")
def island(base):
    land = base[1]
    return lambda name: shapely.union_all(land[land["name_zh"] == name].geometry.values)


@pytest.fixture(scope="module")
def all_land(base):
    return shapely.union_all(base[1].geometry.values)


def geom(built, name):
    assert name in built.index, f"{name} is missing from the plan 002 structures"
    return built.loc[name, "geometry"]


def share_inside(g, container):
    return shapely.intersection(g, container).area / g.area


def cited(row):
    return [int(n) for n in re.findall(r"L(\d+)", row["source_ref"])]


# ---------------------------------------------------------------------------- presence and attributes

def test_layout_members_exist_with_kind_structure_and_geometry(built):
    for name, (structure, kind, types) in REQUIRED.items():
        row = built.loc[name]
        assert row["kind"] == kind, name
        assert row["structure"] == structure, name
        assert row["geometry"].geom_type in types, (name, row["geometry"].geom_type)
        assert not row["geometry"].is_empty, name


def test_layout_is_cited_where_the_plan_states_it(lines):
    assert "双区集群，一港联动，多点发展" in lines(288)
    assert "双区集群，一港联动，多点发展" in lines(499)
    assert "大小门石化产业基地和海洋经济产业园" in lines(298)
    assert "杨文工业区和南塘工业区" in lines(507)
    assert "状元南片为中心" in lines(512)
    assert "工业小微企业园3个" in lines(515)


def test_no_sketch_claims_to_be_official_and_derived_means_real_features_only(built):
    recipes = {r.id: r for r in parse_recipe_file(resolve().path("PLANMAP_RECIPES_DIR") / "002.recipe")}
    assert set(recipes) == set(built["id"])
    for row in built.itertuples():
        assert row.quality in NOT_OFFICIAL, (row.id, row.quality)     # the plan gives no coordinates
        if row.quality == "derived":
            verbs = {verb for _, verb, _ in recipes[row.id].ops}
            assert not verbs & {"polygon", "line", "point", "cut", "fit", "buffer"}, row.id
        if row.quality in ("sketched", "schematic"):
            assert row.accuracy_m >= 500, row.id
            assert row.note, f"{row.id}: a sketch must say what its placement rests on"


def test_every_feature_is_cited_within_the_plan_by_its_own_words(built, lines):
    """Each cited line names the feature — except a table cell (a line starting with a tab or a
    bracket) continuing a cited run whose first line does, as in 表3's rows (L525-L528)."""
    n_lines = len(PLAN.read_text(encoding="utf-8").split("\n"))
    assert set(KEYWORDS) == set(built["id"]), "every plan 002 feature needs its citation keywords here"
    for row in built.itertuples():
        refs = cited(row._asdict())
        assert refs, row.id
        names = lambda n: any(k in lines(n) for k in KEYWORDS[row.id])   # noqa: E731
        run_named = False
        for i, n in enumerate(refs):
            assert 1 <= n <= n_lines, (row.id, n)
            if i == 0 or n != refs[i - 1] + 1:
                run_named = names(n)
                assert run_named, f"{row.id}: L{n} names none of {KEYWORDS[row.id]}"
            elif not names(n):
                assert run_named and lines(n)[:1] in ("\t", "（"), \
                    f"{row.id}: L{n} names none of {KEYWORDS[row.id]}"


# ---------------------------------------------------------------------------- stated sizes

@pytest.mark.parametrize("name", sorted(STATED_MU))
def test_stated_areas_are_the_plans_figures_within_ten_percent(built, lines, name):
    n, figure = STATED_MU[name]
    m = re.search(r"([\d.]+)亩", lines(n))
    assert m and m.group(1) == figure, f"L{n} does not state {figure} 亩: {lines(n)[:80]}"
    km2 = float(figure) / MU_PER_KM2
    row = built.loc[name]
    assert n in cited(row), f"{name} must cite L{n}, where its area is stated"
    assert row["area_stated_km2"] == pytest.approx(km2, rel=0.01)
    assert row["area_km2"] == pytest.approx(km2, rel=0.10)


def test_port_railway_has_the_stated_length_from_yueqing_to_the_islands(built, lines, district, island):
    m = re.search(r"全长约([\d.]+)km", lines(1008))
    assert m and "乐清湾铁路支线" in lines(1008)
    g = geom(built, "大小门港区疏港铁路")
    assert g.length / 1e3 == pytest.approx(float(m.group(1)), rel=0.10)
    ends = shapely.get_coordinates(g)
    start, end = shapely.Point(ends[0]), shapely.Point(ends[-1])
    assert district("乐清市").contains(start)
    assert shapely.union(island("小门岛"), island("大门岛")).buffer(200).contains(end)
    assert g.intersects(island("小门岛")) and g.intersects(island("大门岛"))


# ---------------------------------------------------------------------------- places

def test_all_polygons_but_the_offshore_wind_farm_lie_in_dongtou(built, district):
    dongtou = district("洞头区")
    for row in built.itertuples():
        if row.geometry.geom_type in POLY and row.name_zh != "洞头海上风电场":
            assert share_inside(row.geometry, dongtou) >= 0.95, row.id


def test_points_lie_in_dongtou(built, district):
    dongtou = district("洞头区")
    for row in built.itertuples():
        if row.geometry.geom_type in POINT:
            assert dongtou.contains(row.geometry), row.id


@pytest.mark.parametrize("name", ON_LAND)
def test_land_features_are_on_land(built, all_land, name):
    assert share_inside(geom(built, name), all_land) >= 0.90


@pytest.mark.parametrize("name", sorted(ON_ISLAND))
def test_features_sit_on_the_island_the_text_names(built, island, name):
    g, isl = geom(built, name), island(ON_ISLAND[name])
    if g.geom_type in POINT:
        assert isl.contains(g)
    else:
        assert share_inside(g, isl) >= 0.95


def test_petrochem_base_is_xiaomen_plus_the_north_of_damen(built, island):
    g = geom(built, "大小门石化产业基地")
    xiaomen, damen = island("小门岛"), island("大门岛")
    assert shapely.intersection(g, xiaomen).area >= 0.95 * xiaomen.area    # 以小门岛…为主体 (L503)
    on_damen = shapely.intersection(g, damen)
    assert 0.2 * damen.area < on_damen.area < 0.6 * damen.area              # 大门岛北侧区域, not all of it
    assert on_damen.centroid.y > damen.centroid.y
    assert share_inside(geom(built, "大门岛北侧区域"), damen) >= 0.99


def test_marine_economy_park_is_yangwen_plus_nantang(built):
    g = geom(built, "海洋经济产业园")
    parts = shapely.union(geom(built, "杨文工业区"), geom(built, "南塘工业区"))
    assert shapely.symmetric_difference(g, parts).area < 0.01 * g.area
    for small in ("电子电器科技园（电子电器创业园）", "机械汽配产业园"):           # 南塘工业区 B-07b / C-02
        assert share_inside(geom(built, small), geom(built, "南塘工业区")) >= 0.99
    assert share_inside(geom(built, "海洋科技产业园（杨文三期）"), geom(built, "杨文工业区")) >= 0.99


def test_lng_terminal_is_in_the_east_of_xiaomen(built, island):
    p, xiaomen = geom(built, "温州液化天然气（LNG）接收站"), island("小门岛")
    assert xiaomen.contains(p) and p.x > xiaomen.centroid.x                  # 东屿 = the eastern islet's village


def test_damen_logistics_park_is_sea_off_damen_northeast(built, all_land, island, district):
    g, damen = geom(built, "温州大门港口物流园区（大门岛东北侧围海）"), island("大门岛")
    assert share_inside(g, all_land) <= 0.05                                   # 围海: reclaimed from the sea
    assert g.distance(damen) < 200                                             # against the island's coast
    c = g.centroid
    assert c.x > damen.centroid.x and c.y > damen.centroid.y                   # 大门岛东北侧
    assert share_inside(g, district("洞头区")) >= 0.95


def test_port_is_the_south_of_zhuangyuanao_and_expands_to_niyu_and_oujiangkou(built, island, everything):
    port, zy = geom(built, "状元岙港区（状元南片）"), island("状元岙岛")
    assert port.centroid.y < zy.centroid.y                                      # 状元南片
    assert share_inside(geom(built, "状元岛数字产业城（状元岙南片围垦区域）"), port) >= 0.99
    axis = geom(built, "状元岙港区拓展方向（状元南片—霓屿北片—瓯江口新区）")
    ends = shapely.get_coordinates(axis)
    assert port.buffer(500).contains(shapely.Point(ends[0]))
    niyu = island("霓屿岛")
    assert axis.distance(niyu) < 1000 and axis.distance(niyu.centroid) > 0     # passes 霓屿北片
    oujiangkou = everything.loc[everything["id"] == "000-area", "geometry"].iloc[0]
    assert oujiangkou.contains(shapely.Point(ends[-1]))                          # reaches 瓯江口新区 (plan 000)


def test_offshore_wind_farm_is_sea_near_dongtou_island(built, all_land, island, base):
    g = geom(built, "洞头海上风电场")
    assert share_inside(g, all_land) <= 0.01
    assert g.distance(island("洞头岛")) < 10_000                                 # 洞头岛附近海域
    districts = base[0]
    for name, other in zip(districts["name_zh"], districts.geometry):
        if name != "洞头区":
            assert shapely.intersection(g, other).area <= 0.01 * g.area, name

"""One place, one shape: where two plans name the same place, their structures agree.

Plan 004's 中国眼谷 block (1000 亩) and plan 003's 中国眼谷特色小镇 are one place by both plans' 四至
(龙江路/蓝浦路 to 机场大道, down to 瓯海大道); plan 004's 浙南科技城核心区 is the core of plan 003's
28 km² 浙南科技城 (east of 南洋大道, south of 温州大道: 003's 南核心区). The texts are checked for what
the shapes rest on, then the shapes for lying where the texts put them.
"""

from pathlib import Path

import pytest

from layers.gpkg import read_layer

ROOT = Path(__file__).resolve().parents[1]


def _text(plan):
    path = next((ROOT / "geodata" / "plans").glob(f"{plan}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def shapes(built_gpkg):
    return read_layer(built_gpkg[0], "structures").set_index("id").geometry


def test_the_two_plans_eye_valleys_are_one_place(shapes):
    t3, t4 = _text("003"), _text("004")
    assert "龙江路以东，机场大道以南" in t3[850 - 1] and "核心区用地约1000亩" in t3[850 - 1]
    four = "".join(t4[466:475])                       # the PDF wraps the 四至 cell over several lines
    assert "东至机场大道" in four and "瓯海大道辅道" in four
    block, town = shapes["004-b02-china-eye-valley"], shapes["003-eye-valley"]
    assert block.intersection(town).area >= 0.99 * block.area
    assert block.area == pytest.approx(1000 * 10000 / 15, rel=0.05)        # 1000 亩


def test_004s_science_city_core_lies_in_003s_science_city_south_of_wenzhou_avenue(shapes):
    t4 = _text("004")
    four = "".join(t4[438:444])
    assert "东至金石路" in four and "西至南洋大道" in four
    core = shapes["004-b01-zhenan-sci-city"]
    assert core.intersection(shapes["003-envelope"]).area >= 0.99 * core.area
    assert core.intersection(shapes["003-south-core-1315"]).area >= 0.99 * core.area
    assert core.area == pytest.approx(1.47e6, rel=0.05)                   # 1.47 km², 004 L437-L444


def test_a_shape_cut_from_another_is_no_surer_than_it(built_gpkg):
    """004's core is cut from 003's schematic south core: it cannot claim to be sketched or closer."""
    s = read_layer(built_gpkg[0], "structures").set_index("id")
    core, source = s.loc["004-b01-zhenan-sci-city"], s.loc["003-south-core-1315"]
    assert core["quality"] == source["quality"] == "schematic"
    assert core["accuracy_m"] >= source["accuracy_m"]


def test_where_two_plans_disagree_on_a_place_each_shape_records_the_other(built_gpkg):
    """The safety park's 二期: 000 says 3000 亩 in 二期北部 (L1205), 004 says 2360 亩 in 二期中南部
    (L701-L704). Neither plan is corrected; each shape names the other plan's placement."""
    t0, t4 = _text("000"), _text("004")
    assert "二期 3000 亩，位于瓯江口二期北部" in t0[1205 - 1]
    assert "二期中南部" in "".join(t4[700:704])
    s = read_layer(built_gpkg[0], "structures").set_index("id")
    assert "004-b10-safety-phase2" in s.at["000-safety-park-2", "note"] and "disagree" in s.at["000-safety-park-2", "note"]
    assert "000-safety-park-2" in s.at["004-b10-safety-phase2", "note"]
    entities = read_layer(built_gpkg[0], "entities")
    park = entities[entities["name_zh"] == "中国温州安全（应急）产业园"].iloc[0]
    assert "位置不一致" in park["disagreements"]

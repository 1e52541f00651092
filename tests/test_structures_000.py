"""Plan 000's structures: 一心两翼 and the parts the plan names, checked against the plan text."""

import re

import pytest
import shapely

from layers.base import load_districts, load_land, load_towns
from layers.structures import build_structures

from conftest import PLAN_DIR

TEXT = next(PLAN_DIR.glob("000_*.txt")).read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def layers():
    d, l, t = load_districts(), load_land(), load_towns()
    out = build_structures(d, l, t)
    return out, d, l


def _feature(layers, name_zh, layer="structures"):
    out, _, _ = layers
    gdf = out[layer]
    hit = gdf[(gdf["plan"] == "000") & (gdf["name_zh"].str.startswith(name_zh))]
    assert len(hit) == 1, f"{name_zh} not found once in {layer}"
    return hit.iloc[0]


def _stated_km2(line, pattern):
    m = re.search(pattern, TEXT[line - 1].replace(" ", ""))
    assert m, f"L{line} does not state {pattern}"
    return float(m.group(1))


@pytest.mark.parametrize("name, line, pattern, kind", [
    ("一期片区", 323, r"一期片区面积约(\d+(?:\.\d+)?)平方公里", "core"),
    ("二期片区", 327, r"二期片区面积约(\d+(?:\.\d+)?)平方公里", "wing"),
    ("灵昆片区", 331, r"灵昆片区面积约(\d+(?:\.\d+)?)平方公里", "wing"),
    ("瓯江口产业集聚区规划范围", 53, r"面积合计约(\d+(?:\.\d+)?)平方公里", "area"),
])
def test_one_core_two_wings_have_the_stated_areas(layers, name, line, pattern, kind):
    f = _feature(layers, name)
    stated = _stated_km2(line, pattern)
    assert f.kind == kind and f.structure == "一心两翼"
    assert f.area_stated_km2 == pytest.approx(stated)
    assert abs(f.area_km2 - stated) <= 0.10 * stated
    assert f.quality in ("sketched", "derived") and f"L{line}" in f.source_ref


def test_wings_lie_west_and_east_of_the_core(layers):
    core = _feature(layers, "一期片区").geometry.centroid
    assert _feature(layers, "灵昆片区").geometry.centroid.x < core.x < _feature(layers, "二期片区").geometry.centroid.x


def test_phase1_parts_and_axes_exist_with_citations(layers):
    north, south = _feature(layers, "一期北片区域"), _feature(layers, "一期南片区域")
    core = _feature(layers, "一期片区").geometry
    assert north.geometry.centroid.y > south.geometry.centroid.y
    assert north.geometry.area + south.geometry.area == pytest.approx(core.area, rel=1e-6)
    se = _feature(layers, "一期东南角")
    assert "3000亩" in TEXT[1308 - 1].replace(" ", "") and se.area_km2 == pytest.approx(3000 / 1500, rel=0.1)
    for name in ("中轴线", "南北“会展+旅游”轴", "生态南堤"):
        f = _feature(layers, name, "structure_lines")
        assert f.kind in ("axis", "belt") and f.quality == "sketched"
    for line in (325, 627):
        assert "中轴线" in TEXT[line - 1]
    for name in ("S1、S2 线灵昆枢纽", "S1 线瓯华站", "S1 线瓯江大道站"):
        f = _feature(layers, name, "structure_points")
        assert f.quality == "sketched" and "L1179" in f.source_ref
    assert "灵昆枢纽站" in TEXT[1179 - 1] and "瓯华站" in TEXT[1179 - 1]


def test_lingkun_renewal_area_is_south_west_in_lingkun(layers):
    f = _feature(layers, "灵昆城中村改造范围")
    assert "灵霓线以南" in TEXT[1309 - 1] and "5600" in TEXT[1309 - 1].replace(" ", "")
    assert f.area_km2 == pytest.approx(5600 / 1500, rel=0.1)
    lingkun = _feature(layers, "灵昆片区").geometry
    assert f.geometry.difference(lingkun).area < 1e-3 * f.geometry.area


def test_structures_are_inside_dongtou_and_on_land(layers):
    out, districts, land = layers
    dongtou = districts.set_index("name_zh").geometry["洞头区"]
    all_land = shapely.union_all(land.geometry.values)
    polys = out["structures"][out["structures"]["plan"] == "000"]
    for row in polys.itertuples():
        inside = row.geometry.intersection(dongtou).area / row.geometry.area
        on_land = row.geometry.intersection(all_land).area / row.geometry.area
        assert inside >= 0.95, (row.name_zh, inside)
        assert on_land >= 0.90, (row.name_zh, on_land)


def test_every_citation_names_something_of_the_feature(layers):
    out, _, _ = layers
    for layer in out.values():
        for row in layer[layer["plan"] == "000"].itertuples():
            lines = [int(x[1:]) for x in row.source_ref.split(":")[1].split(",")]
            assert all(TEXT[n - 1].strip() for n in lines), row.id
            assert row.quality != "official", row.id

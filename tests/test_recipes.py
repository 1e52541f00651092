"""The recipe engine: a recipe that names something that does not exist fails with file and line."""

import pytest

from layers.base import load_districts, load_land, load_towns
from layers.errors import RecipeError
from layers.recipes import Gazetteer, build_geometry, parse_recipe_file
from layers.structures import build_structures


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer(load_districts(), load_land(), load_towns())


HEAD = """feature 999-test
  name_zh    测试
  structure  测试
  kind       zone
  quality    sketched
  cite       L1
"""


def _write(tmp_path, body, name="999.recipe"):
    p = tmp_path / name
    p.write_text(HEAD + body, encoding="utf-8")
    return p


def _build(tmp_path, gaz, body):
    (recipe,) = parse_recipe_file(_write(tmp_path, body))
    return build_geometry(recipe, gaz)


def test_unknown_land_name_fails_with_file_and_line(tmp_path, gaz):
    with pytest.raises(RecipeError) as err:
        _build(tmp_path, gaz, "  geom       land 不存在岛\n")
    assert err.value.line == 7
    assert err.value.path.endswith("999.recipe")
    assert "no land named '不存在岛'" in str(err.value) and "洞头岛" in str(err.value)


def test_unknown_feature_and_district_fail(tmp_path, gaz):
    with pytest.raises(RecipeError) as err:
        _build(tmp_path, gaz, "  geom       district 瓯海区\n  geom       minus feature 999-nope\n")
    assert err.value.line == 8 and "no feature named '999-nope'" in str(err.value)
    with pytest.raises(RecipeError) as err:
        _build(tmp_path, gaz, "  geom       district 上海市\n")
    assert err.value.line == 7 and "no district named" in str(err.value)


def test_bad_verbs_numbers_and_coordinates_fail(tmp_path, gaz):
    cases = [
        ("  geom       land 洞头岛\n  geom       grow 3\n", 8, "unknown operation 'grow'"),
        ("  geom       land 洞头岛\n  geom       buffer lots\n", 8, "expected a number"),
        ("  geom       point 27.8 121.1\n", 7, "outside the Wenzhou area"),      # lat/lon swapped
        ("  geom       polygon 121.1 27.8, 121.2 27.8\n", 7, "at least three points"),
        ("  geom       buffer 10\n", 7, "needs a shape first"),
        ("  geom       land 洞头岛\n  geom       fit 5000\n", None, None),
    ]
    for body, line, msg in cases[:-1]:
        with pytest.raises(RecipeError) as err:
            _build(tmp_path, gaz, body)
        assert err.value.line == line, body
        assert msg in str(err.value), body
    with pytest.raises(RecipeError) as err:
        _build(tmp_path, gaz, "  geom       land 洞头岛\n  geom       fit 5000 within district 洞头区\n")
    assert err.value.line == 8 and "cannot fit" in str(err.value)


def test_parse_errors_name_the_line(tmp_path):
    p = tmp_path / "998.recipe"
    p.write_text("feature 998-a\n  colour red\n", encoding="utf-8")
    with pytest.raises(RecipeError) as err:
        parse_recipe_file(p)
    assert err.value.line == 2 and "unknown key 'colour'" in str(err.value)
    p.write_text(HEAD.replace("999", "998") + "  geom       land 洞头岛\n" + HEAD.replace("999", "998"),
                 encoding="utf-8")
    with pytest.raises(RecipeError) as err:
        parse_recipe_file(p)
    assert "used twice" in str(err.value) and err.value.line == 8
    p.write_text(HEAD.replace("999", "998").replace("  quality    sketched\n", "") + "  geom land 洞头岛\n")
    with pytest.raises(RecipeError) as err:
        parse_recipe_file(p)
    assert "missing required 'quality'" in str(err.value)


def test_operations_do_what_they_say(tmp_path, gaz):
    island = gaz.lookup(None, 0, "land", "洞头岛")
    east = _build(tmp_path, gaz, "  geom       land 洞头岛\n  geom       cut east 121.14 27.80 121.14 27.88\n")
    assert east.area < island.area and east.centroid.x > island.centroid.x
    fitted = _build(tmp_path, gaz, "  geom       land 洞头岛\n  geom       centroid\n  geom       buffer 2000\n"
                                   "  geom       fit 5 within land 洞头岛\n")
    assert abs(fitted.area - 5e6) < 5e6 * 1e-3
    assert island.buffer(1).contains(fitted)


def test_citation_beyond_the_plan_text_fails(tmp_path):
    body = HEAD.replace("999", "000").replace("cite       L1", "cite       L99999") + "  geom land 洞头岛\n"
    (tmp_path / "000.recipe").write_text(body, encoding="utf-8")
    with pytest.raises(RecipeError) as err:
        build_structures(load_districts(), load_land(), load_towns(), recipe_dir=tmp_path,
                         plan_lines={"000": 1348})
    assert "beyond the end of plan 000" in str(err.value) and err.value.line == 6

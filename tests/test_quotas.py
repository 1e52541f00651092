"""Quota use with meaning (layers/quotas.py), checked against the plan texts themselves: every quota row
has a class, past results are past in the plan's own line, and only a zone's land quota for
2021-2025 is compared with the land of the projects located in it."""

import math

import pandas as pd
import pyogrio
import pytest

from layers.quotas import CLASSES, FLAGS, RULES, classify_quotas, quota_class

from conftest import PLAN_DIR

TEXTS = {p.name[:3]: p.read_text(encoding="utf-8").split("\n") for p in PLAN_DIR.glob("*.txt")}
MU = 10000 / 15

#: Words of the plan text that make a figure a past one (a 十三五 result or the state at the start).
PAST_WORDS_IN_TEXT = ("十三五", "已完成", "累计", "已建成", "截止", "现状", "现有")
#: The words that make a row a land quota (taken from the rules, so a new word must be added there).
LAND_QUOTA_WORDS = next(words for cls, where, words in RULES if cls == "land_quota")


@pytest.fixture(scope="module")
def gpkg(built_gpkg):
    return built_gpkg[0]


@pytest.fixture(scope="module")
def use(gpkg):
    return pyogrio.read_dataframe(gpkg, layer="quota_use")


@pytest.fixture(scope="module")
def frames(gpkg):
    read = lambda layer: pyogrio.read_dataframe(gpkg, layer=layer)          # noqa: E731
    structures = pd.concat([read(n) for n in ("structures", "structure_lines", "structure_points")],
                           ignore_index=True)
    return {"structures_all": structures, "land": read("land"), "towns": read("towns"),
            "districts": read("districts"), "sites": read("project_sites"), "projects": read("projects")}


def line(row):
    return TEXTS[row["plan"]][int(row["source_line"]) - 1]


def figure_in(row, text):
    v = float(row["value"])
    return any(f in text.replace(" ", "") for f in {f"{v:g}", f"{v:.2f}", f"{v:.1f}", f"{v:,.0f}"})


def the(use, plan, value, **kw):
    rows = use[(use["plan"] == plan) & (use["value"] == value)]
    for k, v in kw.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, (plan, value, kw, rows)
    return rows.iloc[0]


def test_every_quota_row_has_a_class_from_the_vocabulary(gpkg, use):
    quotas = pyogrio.read_dataframe(gpkg, layer="quotas")
    assert len(use) == len(quotas)
    assert list(use["source_line"]) == list(quotas["source_line"])
    assert set(use["quota_class"]) <= set(CLASSES)
    assert (use["quota_class_zh"] == use["quota_class"].map(CLASSES)).all()
    # each class but "other" names the words (or the year) that decided it
    assert (use.loc[use["quota_class"] != "other", "class_words"] != "").all()
    # a road's number in a sentence of figures (拆除旧房228万平方米 → G228) is no zone
    assert not use["zone_matched"].str.fullmatch(r"[\dA-Za-z]+").any()
    flags = {f for fl in use["flag"] for f in fl.split(";") if f}
    assert flags <= set(FLAGS)


def test_every_row_points_at_its_figure_in_the_plan_text(use):
    for _, row in use.iterrows():
        # a sentence holds its figure; a table row of plan 002 (one cell per line) in its next cells
        lines = TEXTS[row["plan"]][int(row["source_line"]) - 1: int(row["source_line"]) + 4]
        assert figure_in(row, line(row)) or (row["plan"] == "002" and figure_in(row, "".join(lines))), \
            (row["plan"], row["source_line"], row["value"])


def test_past_results_are_past_in_the_plan_text(use):
    past = use[use["quota_class"] == "past_result"]
    assert len(past) >= 20
    for _, row in past.iterrows():
        year = row["year"]
        assert (not pd.isna(year) and year < 2021) or any(w in line(row) for w in PAST_WORDS_IN_TEXT), \
            (row["plan"], row["source_line"], row["item"])


def test_only_land_quotas_of_a_zone_for_2021_2025_are_compared(use):
    comparable = use[use["comparable"]]
    assert len(comparable) >= 5
    for _, row in comparable.iterrows():
        text = line(row)
        assert row["quota_class"] == "land_quota"
        assert row["zone_id"] and row["zone_match"] == "name"
        assert pd.isna(row["year"]) or 2021 <= row["year"] <= 2025
        assert not any(w in text[:text.find(f"{row['value']:g}")] for w in ("十三五", "累计", "已完成")), text
        assert any(w in text or w in row["item"] for w in LAND_QUOTA_WORDS), text
        assert row["projects_land_m2"] >= 0 and row["share_used"] == pytest.approx(
            row["projects_land_m2"] / row["value_m2"])
    others = use[~use["comparable"]]
    assert others["share_used"].isna().all() and others["projects_land_m2"].isna().all()


def test_no_share_above_one_unless_the_projects_stated_land_exceeds_the_quota(use, frames):
    stated = dict(zip(frames["projects"]["project_id"], frames["projects"]["land_area_m2"]))
    over = use[use["share_used"] > 1.0]
    for _, row in over.iterrows():
        assert "exceeds_quota" in row["flag"]
        sites = frames["sites"]
        inside = sites[(sites["plan"] == row["plan"]) & (sites["structure_id"] == row["zone_id"])]
        assert sum(stated.get(p) or 0 for p in inside["project_id"]) > row["value_m2"]
    assert not use[use["flag"].str.contains("exceeds_quota") & ~(use["share_used"] > 1.0)].shape[0]


def _one_quota(**kw):
    row = {"plan": "000", "zone": "一期片区", "item": "新增建设用地", "value": 100.0, "unit": "亩",
           "value_m2": 100 * MU, "year": None, "source_line": 1, "text": "一期新增建设用地 100 亩"}
    return pd.DataFrame([{**row, **kw}])


def test_a_share_above_one_is_flagged_only_when_the_plan_says_so(frames):
    args = (frames["structures_all"], frames["land"], frames["towns"], frames["districts"], frames["sites"])
    row = classify_quotas(_one_quota(), *args, projects=frames["projects"]).iloc[0]
    assert row["quota_class"] == "land_quota" and row["comparable"] and row["zone_id"] == "000-phase1"
    assert row["share_used"] > 1.0 and row["flag"] == "exceeds_quota"
    # the same sites, but the plan states no land for them: the excess is the editors', not the plan's
    unstated = frames["projects"].assign(land_area_m2=float("nan"))
    row = classify_quotas(_one_quota(), *args, projects=unstated).iloc[0]
    assert math.isnan(row["share_used"]) and row["flag"] == "exceeds_by_edits"


def test_the_three_cases_of_the_issue(use):
    area = the(use, "000", 65.77)
    assert area["quota_class"] == "planning_area" and area["zone_id"] == "000-area"
    assert "65.77" in line(area) and pd.isna(area["share_used"])
    sold = the(use, "000", 6201.0)
    assert sold["quota_class"] == "past_result" and "十三五" in line(sold) and pd.isna(sold["share_used"])
    park = the(use, "000", 300.0)
    assert "安全（应急）产业园" in line(park) and "一期约 300 亩" in line(park)
    assert park["quota_class"] == "planning_area" and pd.isna(park["share_used"])
    assert park["zone_id"] != "000-phase1"                 # the park's phase one, not all of phase one


def test_the_plan_period_quotas_and_their_shares(use):
    shares = {(r["plan"], r["source_line"], r["value"]): r["share_used"] for _, r in use[use["comparable"]].iterrows()}
    assert ("000", 223, 20.0) in shares                   # 新增开发建设面积 20 平方公里以上 (集聚区)
    assert the(use, "000", 20.0)["zone_id"] == "000-area"
    assert ("003", 277, 14.5) in shares                   # 形成开发建设用地 14.5 平方公里 (2025)
    assert ("003", 275, 8.0) not in shares                # … its 2020 figure is past
    assert all(0 <= s <= 1.0 for s in shares.values())


def test_a_zone_with_its_place_in_brackets_is_the_one_inside_it(use):
    assert the(use, "000", 2167.0)["zone_id"] == "000-bonded-zone"          # 温州综保区（一期片区）
    assert the(use, "000", 4500.0, item="规划面积", source_line=1180)["zone_id"] == "000-bonded-extension"
    assert the(use, "000", 3.0, item="预留用地")["zone_id"] == "000-bonded-extension"
    quarry = the(use, "002", 250.0)                                          # 石子岙（小门岛）
    assert quarry["zone_match"] == "inside" and not quarry["comparable"] and "zone_inside" in quarry["flag"]


def test_past_words_govern_only_the_figures_after_them():
    text = TEXTS["003"][336 - 1]
    row = {"plan": "003", "zone": "中国眼谷特色小镇", "unit": "亩", "year": None, "text": text}
    assert quota_class({**row, "item": "一期用地", "value": 80.0}) == ("past_result", "已建成")
    assert quota_class({**row, "item": "二期用地", "value": 220.0})[0] == "project_land"
    assert quota_class({**row, "item": "核心区面积", "value": 1.0, "unit": "平方公里"})[0] == "planning_area"
    sold = TEXTS["000"][75 - 1]
    assert "十三五" in sold
    assert quota_class({"plan": "000", "zone": "集聚区", "item": "产业项目用地", "value": 4318.0, "unit": "亩",
                        "year": None, "text": sold})[0] == "past_result"


def test_the_vocabulary_is_documented_with_its_words():
    import layers.quotas as quotas

    doc = quotas.__doc__
    for cls, label in CLASSES.items():
        assert cls in doc and label in doc, cls
    for cls, where, words in RULES:
        if where != "project":
            assert all(w.strip("/…") in doc for w in words), (cls, words)
    for w in quotas.PAST_WORDS:
        assert w in doc

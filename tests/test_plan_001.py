"""Plan 001 (瓯海区“十四五”规划纲要): the parsed tables checked against the document.

Expected figures come from the plan text itself (found by regex here, independently of the
reader), from the reading notes (/work/shared/docs/plans/001/*.md) or from the issue; nothing is
copied from the reader's output.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from layers.errors import PlanParseError
from layers.plans import p001, parse_plan, plan_path
from layers.plans.text import PlanText

PLAN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "plans"
PATH = plan_path(PLAN_DIR, "001")

VILLAGES = "专栏三 瓯海区“十四五”规划实施城中村改造项目"
SUBPARKS = "专栏六 瓯海经济开发区整合提升重点"
GREEN = "专栏九 瓯海区“一心三环八廊”全域美丽生态绿面"
TRANSPORT = "专栏十 瓯海区综合交通建设重点项目"

#: Item counts per box, counted by hand in the text (L178–767).
BOX_COUNTS = {
    "专栏一 瓯海区十大标志性“金名片”": 10,
    "专栏二 高层次人才蓄水池重大工程": 9,
    VILLAGES: 38,
    "专栏四 南部新区“一心一带两廊多节点”发展格局": 9,
    "专栏五 “8+3”标志性产业链群": 11,
    SUBPARKS: 4,
    "专栏七 生产性服务业发展重点": 5,
    "专栏八 生活性服务业发展重点": 5,
    GREEN: 12,
    TRANSPORT: 24,
}


@pytest.fixture(scope="module")
def text():
    return PlanText(PATH)


@pytest.fixture(scope="module")
def tables():
    return parse_plan(PATH, "001")


def _rows(tables, list_name):
    return [p for p in tables.projects if p.list_name == list_name]


def _damaged(text, lineno, old, new):
    """The plan text with ``old`` replaced by ``new`` on line ``lineno`` only."""
    lines = list(text.lines)
    assert old in lines[lineno - 1], f"test setup: {old!r} not on line {lineno}"
    lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
    return PlanText(text.path, text="\n".join(lines))


# --- whole-table shape ---------------------------------------------------------------------

def test_every_row_is_plan_001(tables):
    assert tables.plan == "001" and tables.path == str(PATH)
    for name in ("projects", "quotas", "targets", "travel_targets", "printed_totals"):
        rows = getattr(tables, name)
        assert rows, name
        assert {r.plan for r in rows} == {"001"}, name


def test_box_list_counts(tables):
    assert Counter(p.list_name for p in tables.projects) == BOX_COUNTS


def test_village_counts_match_the_prose(tables, text):
    """L388 says “9个街道38个…城中村改造项目”; 专栏三 must list exactly that many."""
    m = re.search(r"(\d+)个街道(\d+)个城市建设用地范围内的城中村改造项目", text[388])
    streets, villages = int(m.group(1)), int(m.group(2))
    rows = _rows(tables, VILLAGES)
    assert len(rows) == villages == 38
    assert len({p.location_text for p in rows}) == streets == 9
    per_street = Counter(p.location_text for p in rows)
    # per-街道 counts from structures.md §12
    assert per_street == {"新桥街道": 1, "娄桥街道": 9, "潘桥街道": 4, "梧田街道": 6, "南白象街道": 3,
                          "郭溪街道": 2, "三垟街道": 1, "茶山街道": 9, "丽岙街道": 3}
    assert all(p.name.endswith("村") for p in rows)


def test_counts_named_in_box_titles(tables):
    """Box titles carry their own counts: 十大, “8+3”, 一心三环八廊."""
    assert len(_rows(tables, "专栏一 瓯海区十大标志性“金名片”")) == 10
    assert len(_rows(tables, "专栏五 “8+3”标志性产业链群")) == 8 + 3
    green = Counter(p.section for p in _rows(tables, GREEN))
    assert green == {"一心": 1, "三环": 3, "八廊": 8}


def test_transport_lists_match_their_labels(tables):
    """“五纵两横” has 5 + 2 roads, “三纵一横” 4, “五横八纵” 5 + 8 (the sub-list labels agree)."""
    by_section = Counter(p.section for p in _rows(tables, TRANSPORT))
    for section, n in by_section.items():
        label = re.search(r"“(.+?)”", section).group(1)
        if "：" in section:                          # a sub-list: “五纵” → 5
            label = section.split("：")[1]
        assert n == sum(p001.cn_number(c) for c in re.findall(r"[一二两三四五六七八九]", label)), section
    assert len(by_section) == 5


# --- money: no investment anywhere, only the missing annex's printed totals ----------------

def test_box_rows_carry_no_investment(tables):
    for p in tables.projects:
        assert p.total_investment_yi is None and p.fyp_investment_yi is None
        assert p.total_investment_raw == "" and p.fyp_investment_raw == ""


def test_printed_totals_of_the_missing_project_list(tables, text):
    """L835: 235 projects, over 6000亿元, about 3449亿元 in 2021–25 — but the list is absent."""
    totals = {t.column: t for t in tables.printed_totals}
    assert set(totals) == {"total_investment_yi", "fyp_investment_yi"}
    assert totals["total_investment_yi"].value_yi == 6000        # literal figure from the issue
    assert totals["fyp_investment_yi"].value_yi == 3449
    for t in totals.values():
        assert t.list_name == p001.MISSING_LIST and t.section == ""
        assert f"{t.value_yi:g}亿元" in text[t.source_line]
        # audit finding: the rows behind the printed total are not in the text
        listed = [p for p in tables.projects if (p.list_name, p.section) == (t.list_name, t.section)]
        column_sum = sum(getattr(p, t.column) or 0 for p in listed)
        assert column_sum == 0 and column_sum != t.value_yi
    assert "235个重大项目" in totals["total_investment_yi"].label
    assert len([p for p in tables.projects if p.list_name == p001.MISSING_LIST]) != 235


# --- source lines -------------------------------------------------------------------------

def test_project_source_lines_hold_the_name(tables, text):
    for p in tables.projects:
        assert p.name[:6] in text[p.source_line], (p.source_line, p.name)


def test_target_source_lines_hold_the_indicator(tables, text):
    for t in tables.targets:
        assert t.indicator.split("：")[-1] in text[t.source_line], (t.source_line, t.indicator)


def test_quota_and_travel_source_lines_hold_the_figure(tables, text):
    for q in tables.quotas:
        assert f"{q.value:g}" in text[q.source_line], q
    for t in tables.travel_targets:
        line = text[t.source_line].replace(" ", "")
        assert f"{t.minutes:g}分钟" in line or f"{t.minutes / 60:g}小时" in line, t


# --- spot checks against the text -------------------------------------------------------------

def test_spot_villages(tables):
    rows = {p.name: p for p in _rows(tables, VILLAGES)}
    shanghui = rows["上汇村"]                       # L394 “上汇村（移民区小区）”
    assert (shanghui.source_line, shanghui.section, shanghui.location_text) == (394, "娄桥街道", "娄桥街道")
    assert shanghui.content == "移民区小区"
    assert rows["黄屿村"].location_text == "三垟街道" and rows["黄屿村"].source_line == 404
    assert rows["高翔村"].location_text == "新桥街道"
    assert rows["王宅村"].source_line == 408
    for p in rows.values():
        assert p.period_start is None and p.owner == "" and p.land_area_m2 is None


def test_spot_subpark_areas(tables):
    rows = {p.name: p for p in _rows(tables, SUBPARKS)}
    assert list(rows) == ["东片发展园区", "南片发展园区", "西片发展园区", "中片发展园区"]
    east = rows["东片发展园区"]
    assert (east.seq, east.source_line, east.land_area_raw, east.land_area_unit) == ("1", 474, 12.52, "平方公里")
    assert east.land_area_m2 == pytest.approx(12.52e6)
    assert east.floor_area_m2 is None and east.period_start is None and east.period_end is None
    # the notes' computed sum: 12.52 + 8.51 + 4.51 + 7.54 = 33.08 km²
    assert sum(p.land_area_m2 for p in rows.values()) == pytest.approx(33.08e6)


def test_spot_structures_and_roads(tables):
    south = {p.name: p for p in tables.projects if p.list_name.startswith("专栏四")}
    belt = south["温瑞塘河生态之带"]
    assert belt.source_line == 417 and "北至瓯江" in belt.location_text and "南至飞云江" in belt.location_text
    assert south["科技创业廊道"].location_text.startswith("串联肯恩生态创新示范区")
    green = {p.name: p for p in _rows(tables, GREEN)}
    assert green["城市绿心"].location_text.startswith("以牛山、平天镬为核心")
    assert green["龙舟绿道环"].section == "三环" and "温州南站" in green["龙舟绿道环"].location_text
    assert "仙湖度假区-泽雅" in green and green["仙湖度假区-泽雅"].source_line == 673
    roads = {p.name: p for p in _rows(tables, TRANSPORT)}
    assert roads["G330"].section == "“五纵两横”对外交通主骨架：两横"
    assert roads["S211"].source_line == 763
    assert roads["温瑞大道快速路一期工程"].section == "“五横八纵”交通内环：八纵"


def test_no_parcel_codes(tables):
    """The notes: no parcel codes anywhere; road and rail names (G330, S211, S1) are not codes."""
    for p in tables.projects:
        assert p.parcel_codes == "" and p.parcel_codes_raw == "", p.name


# --- targets --------------------------------------------------------------------------------

def _fourteenth(tables):
    return [t for t in tables.targets if "十四五" in t.table]


def test_target_counts(tables):
    by_table = Counter(t.table for t in tables.targets)
    assert by_table == {"瓯海区“十三五”规划主要指标完成情况表": 36, "瓯海区“十四五”规划重点指标表": 36}
    assert {t.kind for t in _fourteenth(tables)} == {"预期性", "约束性"}


def test_indicator_numbers_run_through(text):
    rows = p001.read_indicator_tables(text)
    for key, last in (("十三五", 31), ("十四五", 35)):
        seqs = sorted({int(r.seq) for r in rows if key in r.table})
        assert seqs == list(range(1, last + 1))


def test_spot_targets(tables, text):
    t = {x.indicator: x for x in _fourteenth(tables)}
    gdp = t["地区生产总值"]
    assert (gdp.source_line, gdp.unit, gdp.base_2020, gdp.target_2025, gdp.kind, gdp.category) == \
        (262, "亿元", "701.24", "突破 1000", "预期性", "综合实力")
    assert t["外贸进出口：外贸进口"].source_line == 287 and t["外贸进出口：外贸进口"].target_2025 == "100"
    assert t["每万人拥有的律师数"].target_2025 == "力争4"
    # the blank 2025 cell (L284) is kept blank; the prose (L247) gives the target in words
    air = t["城市空气质量优良率"]
    assert air.target_2025 == "" and air.kind == "约束性"
    assert "城市空气质量优良率、单位生产总值能耗降幅完成上级下达目标" in text[247]
    old = {x.indicator: x for x in tables.targets if "十三五" in x.table}
    assert old["森林增长：林木蓄积量"].base_2020 == "111.1" and old["森林增长：林木蓄积量"].source_line == 151
    assert old["主要污染物 排放削减率：氨氮"].base_2020 == "26.9 [累计]"


def _number(cell):
    return float(re.search(r"\d+(?:\.\d+)?", cell).group())


def test_printed_cumulative_column_disagrees_four_times(text):
    """target − base vs the printed “[累计提高]” (rounded to the printed digits): the notes list
    four rows where they disagree; every other bracketed cell agrees."""
    mismatches = {}
    for r in p001.read_indicator_tables(text):
        if "十四五" not in r.table or not r.cells["growth"].startswith("["):
            continue
        printed = r.cells["growth"].strip("[]")
        digits = len(printed.split(".")[1]) if "." in printed else 0
        diff = _number(r.cells["target_2025"]) - _number(r.cells["base_2020"])
        if round(diff, digits) != float(printed):
            mismatches[r.indicator] = (r.cells["growth"], round(diff, 4))
    assert mismatches == {
        "服务业增加值占GDP比重": ("[8]", 6.8),
        "森林覆盖率": ("[0.75]", 0.25),
        "营商环境便利度": ("[5]", 1.0),
        "每千人口执业(助理)医师数": ("[0.26]", 0.56),
    }


# --- quotas ---------------------------------------------------------------------------------

def test_quotas(tables):
    q = {(x.zone, x.item, x.year): x for x in tables.quotas}
    parks = [x for x in tables.quotas if x.item == "面积"]
    assert sorted(x.zone for x in parks) == ["东片发展园区", "中片发展园区", "南片发展园区", "西片发展园区"]
    assert sum(x.value_m2 for x in parks) == pytest.approx(33.08e6)
    assert all(x.unit == "平方公里" and "面积约" in x.text for x in parks)
    assert q[("省级平台", "新批工业用地按“标准地”供应比例", None)].value == 100
    assert q[("瓯海区", "单位生产总值耗地量", 2020)].value == 14.25
    assert q[("瓯海区", "单位生产总值耗地量", 2014)].value == 23.2
    assert q[("南部新区", "温瑞塘河生态之带长度", None)].value == 8.5
    assert not any("人口" in x.item for x in tables.quotas)


# --- travel targets -----------------------------------------------------------------------

#: accessibility.md §A: (line, minutes, a word of the destination, mode) for each statement.
ACCESSIBILITY = [
    (759, 15, "全区镇街驻地", "驾车"),
    (759, 60, "中心城区及周边县市", "驾车"),
    (755, 120, "长三角", "轨道"),
    (755, 60, "全省", "综合"),
    (113, 15, "15分钟文化圈", "未说明"),
    (621, 15, "城市15分钟文化圈", "未说明"),
    (621, 30, "农村30分钟文化圈", "未说明"),
]


def test_travel_targets_cover_accessibility_notes(tables, text):
    got = sorted((t.source_line, t.minutes, t.destinations, t.mode) for t in tables.travel_targets)
    assert len(got) == len(ACCESSIBILITY)
    for line, minutes, dest, mode in ACCESSIBILITY:
        assert any(g[0] == line and g[1] == minutes and dest in g[2] and g[3] == mode for g in got), \
            (line, minutes, dest)
    # every time figure in the whole text is one of them
    figures = sum(len(re.findall(r"\d+\s*(?:分钟|小时)", line)) for line in text.lines)
    assert figures == len(tables.travel_targets)


def test_travel_sentence_joined_across_page_break(tables):
    seat = next(t for t in tables.travel_targets if t.destinations == "全区镇街驻地")
    assert seat.text.startswith("完善城市道路网系统")     # begins on L757
    assert seat.text.endswith("1 小时通达中心城区及周边县市。")


# --- damaged input fails loudly -------------------------------------------------------------

def test_corrupt_target_cell_raises(text):
    bad = _damaged(text, 282, "53.15", "53.l5")     # 森林覆盖率 2025 target
    with pytest.raises(PlanParseError) as err:
        p001.parse(bad)
    assert err.value.line == 282
    assert "target_2025" in err.value.message and "not a number" in err.value.message


def test_missing_cell_raises(text):
    bad = _damaged(text, 265, "\t65\t", "\t")       # 一般公共预算收入: drop the 2025 cell
    with pytest.raises(PlanParseError) as err:
        p001.parse(bad)
    assert err.value.line == 265 and "missing" in err.value.message


def test_indicator_out_of_sequence_raises(text):
    bad = _damaged(text, 288, "\t24\t", "\t25\t")
    with pytest.raises(PlanParseError) as err:
        p001.parse(bad)
    assert err.value.line == 288 and "out of sequence" in err.value.message


def test_box_item_out_of_sequence_raises(text):
    bad = _damaged(text, 476, "- 3. 西片", "- 5. 西片")
    with pytest.raises(PlanParseError) as err:
        p001.parse(bad)
    assert err.value.line == 476 and "out of sequence" in err.value.message


def test_damaged_village_raises(text):
    bad = _damaged(text, 404, "黄屿村", "黄屿")
    with pytest.raises(PlanParseError) as err:
        p001.parse(bad)
    assert err.value.line == 404 and "not a village name" in err.value.message

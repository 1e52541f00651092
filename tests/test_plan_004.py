"""Plan 004 (温州环大罗山科创走廊建设三年行动计划 2020-2022) read against its own text.

Expected figures come from the plan text itself (table headings, cells) or from the reading notes
in shared/docs/plans/004 (row counts, the 12 block areas, the travel statements), never from the
reader's output.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from layers.errors import PlanParseError
from layers.plans import p004, plan_path, units
from layers.plans.text import PlanText

PLAN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "plans"
PATH = plan_path(PLAN_DIR, "004")

KEY_BLOCKS = "重点建设区块大会战"
TRANSPORT = "交通路网大会战"
CLEANUP = "环境整治提升大会战"
TASKS = "三年行动计划重点工作"


@pytest.fixture(scope="module")
def text():
    return PlanText(PATH)


@pytest.fixture(scope="module")
def tables(text):
    return p004.parse(text)


def rows(tables, list_name):
    return [p for p in tables.projects if p.list_name == list_name]


def row(tables, list_name, seq):
    (found,) = [p for p in rows(tables, list_name) if p.seq == str(seq)]
    return found


def damaged(text, lineno, old, new):
    """The plan text with ``old`` replaced by ``new`` on line ``lineno`` (line numbers unchanged)."""
    lines = list(text.lines)
    assert old in lines[lineno - 1], f"line {lineno} no longer holds {old!r}"
    lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
    return PlanText(PATH, text="\n".join(lines))


# ---------------------------------------------------------------------------- projects

@pytest.mark.parametrize("list_name, count", [(KEY_BLOCKS, 12), (TRANSPORT, 20), (CLEANUP, 37), (TASKS, 31)])
def test_row_counts_match_the_table_headings(text, tables, list_name, count):
    heading = [l for _, l in text.numbered(425, 1824) if list_name in l and "条" in l]
    assert len(heading) == 1 and re.search(rf"[（(]\s*{count}\s*条", heading[0])
    got = rows(tables, list_name)
    assert len(got) == count
    assert [p.seq for p in got] == [str(i) for i in range(1, count + 1)]


def test_all_rows_belong_to_plan_004_and_have_an_owner(tables):
    assert len(tables.projects) == 100
    for p in tables.projects:
        assert p.plan == "004"
        assert p.owner, (p.list_name, p.seq)


def test_every_source_line_holds_the_start_of_the_name(text, tables):
    for p in tables.projects:
        assert 437 <= p.source_line <= 1824, (p.name, p.source_line)
        assert p.name[:6] in text[p.source_line], (p.name, p.source_line, text[p.source_line])


def test_wrapped_names_are_joined(tables):
    assert row(tables, KEY_BLOCKS, 1).name == "温州浙南科技城核心区"
    assert row(tables, KEY_BLOCKS, 11).name == "高新区核心区块（乐清湾电力科技小镇）"
    assert row(tables, TRANSPORT, 12).name == "G330 国道仙岩至丽岙段"
    assert row(tables, CLEANUP, 34).name == "主要联系道路（南口大桥-瓯江口大道-雁升路-瓯帆路）"
    assert row(tables, TASKS, 29).name == "利用投资基金撬动社会资本投资科技企业"
    # a name followed on the same line by content that opens with a figure
    assert row(tables, TRANSPORT, 6).name == "环山南路"
    assert row(tables, TRANSPORT, 6).location_text == "330 国道塘下大道至滨海大道"


# ---------------------------------------------------------------------------- money

def test_transport_investments_sum_to_the_notes_figure(tables):
    """629.18 亿元 is the notes' sum of the 18 numeric cells (the plan prints no total)."""
    transport = rows(tables, TRANSPORT)
    numeric = [p.total_investment_yi for p in transport if p.total_investment_yi is not None]
    assert len(numeric) == 18
    assert round(sum(numeric), 2) == 629.18


def test_the_two_blank_money_cells_are_kept_raw(tables):
    blanks = {p.seq: p.total_investment_raw for p in rows(tables, TRANSPORT) if p.total_investment_yi is None}
    assert blanks == {"15": "视情而定", "17": "视情"}


def test_the_plan_prints_no_totals(text, tables):
    annex = "".join(l for _, l in text.numbered(425, 1824))
    assert not re.search(r"合计|小计|总计", annex)
    assert tables.printed_totals == []


def test_row_11_total_equals_its_two_printed_sections(text, tables):
    """环山东路南延工程: 5.75 亿 in the money cell, "总投资 3.6 亿元" + "总投资 2.15 亿元" in the content."""
    parts = re.findall(r"总投资\s*(\d+(?:\.\d+)?)\s*亿元", "".join(text[i] for i in range(840, 845)))
    assert [float(x) for x in parts] == [3.6, 2.15]
    assert row(tables, TRANSPORT, 11).total_investment_yi == pytest.approx(sum(float(x) for x in parts))


def test_largest_transport_rows(tables):
    s2 = row(tables, TRANSPORT, 14)
    assert s2.name == "市域铁路 S2 线一期工程"
    assert s2.total_investment_yi == 261.5
    # "2022 年底前建成": a completion date, not a one-year period (no start, no end)
    assert (s2.period_start, s2.period_end, s2.complete_by) == (None, None, 2022)
    assert s2.period_raw == "2022 年底前建成。"
    assert s2.owner == "市铁投集团"
    assert row(tables, TRANSPORT, 8).total_investment_yi == 110.2


def test_money_cell_with_a_note(tables):
    p = row(tables, TRANSPORT, 4)
    assert p.total_investment_yi == 45.8
    assert p.total_investment_raw.startswith("45.8（含市域铁路") and p.total_investment_raw.endswith("费用）")
    # 力争 2020 年 12 月开工，2023 年底前基本建成: a start and a complete-by date, no printed span
    assert (p.period_start, p.period_end, p.complete_by) == (2020, None, 2023)


def test_cleanup_rows_with_a_stated_investment(tables):
    """The 环境整治 table has no money column; two rows state 工程投资 in 万元."""
    money = {p.seq: p.total_investment_yi for p in rows(tables, CLEANUP) if p.total_investment_yi is not None}
    assert money == {"4": pytest.approx(7453 / 1e4), "9": pytest.approx(1497 / 1e4)}


# ---------------------------------------------------------------------------- key blocks

#: The stated areas from the issue / summary.md, in m².
KM2, MU = 1e6, 10000 / 15
BLOCK_AREAS = {
    "温州浙南科技城核心区": 1.47 * KM2,
    "中国眼谷": 1000 * MU,
    "温州南湖科创小镇": 4.3 * KM2,
    "瓯海生命健康小镇": 3.5 * KM2,
    "塘下东工业城东新区块": 4 * KM2,
    "塘下北工业园区核心区": 2 * KM2,
    "金海湖科创核心区": 5.47 * KM2,
    "智能制造及数字经济产业园": 5.1 * KM2,
    "温州瓯江口机器人产业园": 4258.7 * MU,
    "中国温州安全（应急）产业园": (213 + 2360) * MU,
    "高新区核心区块（乐清湾电力科技小镇）": 3.33 * KM2,
    "高端智能装备产业园": 2.57 * KM2,
}


def test_key_block_areas(tables):
    blocks = rows(tables, KEY_BLOCKS)
    assert {p.name: pytest.approx(p.land_area_m2) for p in blocks} == BLOCK_AREAS
    # summary.md: "31.74 km² plus 7831.7亩"
    assert sum(p.land_area_raw for p in blocks if p.land_area_unit == "平方公里") == pytest.approx(31.74)
    assert sum(p.land_area_raw for p in blocks if p.land_area_unit == "亩") == pytest.approx(7831.7)


def test_emergency_park_phases_summed_raw_kept(tables):
    p = row(tables, KEY_BLOCKS, 10)
    assert (p.land_area_raw, p.land_area_unit) == (2573.0, "亩")
    assert "213 亩" in p.location_text and "2360 亩（二期尚未填海）" in p.location_text


def test_key_block_cells(tables):
    p = row(tables, KEY_BLOCKS, 1)
    assert p.location_text.startswith("东至金石路，南至新瑶路，西至南洋大道")
    assert p.content.startswith("以立足浙南科技城")
    assert "国科大新建大楼" in p.content                         # from the 2022 goal
    assert p.owner == "*浙南科技城管委会、龙湾区政府"
    # 到 2020 年 … 到 2022 年 …: two milestones of the goals, not a construction period
    assert (p.period_start, p.period_end, p.complete_by) == (None, None, 2022)
    assert p.period_raw == "到 2020 年；到 2022 年"
    assert row(tables, KEY_BLOCKS, 9).owner == "瓯江口产业集聚区管委会"   # wrapped over two lines


def test_no_parcel_codes_and_no_road_names_taken_for_codes(text, tables):
    assert "G330" in text[854] and "S2" in text[872]
    for p in tables.projects:
        assert p.parcel_codes == "" and p.parcel_codes_raw == ""


def test_cleanup_and_task_rows(tables):
    # "2020 年 6 月底前见成效，12月底前巩固…": deadlines in 2020, never a 2020-2020 period
    assert all((p.period_start, p.period_end, p.complete_by) == (None, None, 2020) for p in rows(tables, CLEANUP))
    assert all(p.period_raw == "" and p.complete_by is None for p in rows(tables, TASKS))
    p = row(tables, CLEANUP, 36)
    assert p.owner == "龙湾区政府、瓯海区政府、瑞安市政府、浙南产业集聚区管委会"
    assert "各建成 3 个口袋公园" in p.content
    assert row(tables, CLEANUP, 37).owner == "各所在地政府（管委会）"
    t = row(tables, TASKS, 26)
    assert t.name == "打造生态绿道"
    assert "串联三垟湿地、茅竹岭" in t.content
    assert "温州生态园管委会" in t.owner.split("、")
    assert row(tables, TASKS, 13).owner.split("、")[0] == "*温州银保监分局"


# ---------------------------------------------------------------------------- targets, quotas, travel

def test_main_targets(text, tables):
    got = {t.indicator: t.target_2025 for t in tables.targets}
    assert got["有效高新技术企业"] == "900家以上"
    assert got["省级科技型中小企业"] == "3600家以上"
    assert got["累计新增高能级创新平台"] == "20家以上"
    assert got["创建未来社区"] == "4个"
    assert len(tables.targets) == 8
    for t in tables.targets:
        assert 73 <= t.source_line <= 101 and t.indicator[:4] in text[t.source_line]
        assert t.base_2020 == "" and "2022" in t.category


def test_every_area_figure_of_the_text_is_a_quota(text, tables):
    """All area mentions up to the end of the annex (lines joined, so wrapped figures count)."""
    body = "".join(l.strip() for _, l in text.numbered(1, 1824))
    stated = Counter((v, u) for v, u, _ in units.find_areas(body))
    assert sum(stated.values()) == 23
    assert Counter((q.value, q.unit) for q in tables.quotas) == stated
    for q in tables.quotas:
        assert f"{q.value:g}" in text[q.source_line], (q, text[q.source_line])
        assert q.value_m2 == pytest.approx(units.area_to_m2(q.value, q.unit))


def test_block_quota_zones(tables):
    zones = {q.zone: q.value for q in tables.quotas if q.item in ("总面积", "总用地规模")}
    assert zones["中国温州安全（应急）产业园一期"] == 213
    assert zones["中国温州安全（应急）产业园二期"] == 2360
    assert len(zones) == 13
    incubation = [q for q in tables.quotas if q.item == "创业孵化面积"]
    assert [(q.value_m2, q.year) for q in incubation] == [(1.1e6, 2022)] * 2


#: accessibility.md §A: (line of the time phrase, minutes, origin)
TRAVEL = {(95, 30.0, "科创走廊"), (99, 10.0, "各大科创资源集聚地"), (99, 30.0, "各大科创资源集聚地"),
          (101, 30.0, "各大科创资源集聚地"), (266, 30.0, "六个片区")}


def test_travel_targets_cover_accessibility_notes(text, tables):
    got = {(t.source_line, t.minutes, t.origin) for t in tables.travel_targets}
    assert got == TRAVEL
    for t in tables.travel_targets:
        assert re.search(r"半小时|分钟", text[t.source_line])
    gateway = [t for t in tables.travel_targets if t.source_line == 101][0]
    assert gateway.destinations.split(";") == ["动车站", "龙湾机场"]
    assert {t.mode for t in tables.travel_targets if t.source_line == 99} == {"综合"}


# ---------------------------------------------------------------------------- damaged input

def test_money_cell_not_a_number(text):
    with pytest.raises(PlanParseError) as err:
        p004.parse(damaged(text, 787, "37.6", "37x.6"))
    assert err.value.line == 787
    assert "37x.6" in err.value.message and "not a number" in err.value.message


def test_row_number_missing_breaks_the_sequence(text):
    with pytest.raises(PlanParseError) as err:
        p004.parse(damaged(text, 871, "14", ""))
    assert err.value.line == 874
    assert "15" in err.value.message and "expected 14" in err.value.message


def test_last_row_missing_is_reported(text):
    with pytest.raises(PlanParseError) as err:
        p004.parse(damaged(text, 1814, "31 ", ""))
    assert "31" in err.value.message and "found 30 rows" in err.value.message


def test_row_without_its_time_and_money_cells(text):
    with pytest.raises(PlanParseError) as err:
        p004.parse(damaged(text, 909, "。 2020-2022年建成。 5 市交运集团", "。"))
    assert err.value.line == 909

"""Plan 000 (温州瓯江口产业集聚区发展“十四五”规划): the parsed tables checked against the document.

Expected counts and figures come from reading the plan text and the reading notes in
shared/docs/plans/000 (summary.md, accessibility.md), not from the reader's output.
"""

import re
from collections import defaultdict

import pytest

from layers.errors import PlanParseError
from layers.plans import parse_plan, plan_path
from layers.plans.p000 import clean, parse
from layers.plans.text import PlanText
from layers.plans.units import MU_M2

PLAN_DIR = "geodata/plans"
PROJECTS = "重大项目清单"


@pytest.fixture(scope="module")
def path():
    return plan_path(PLAN_DIR, "000")


@pytest.fixture(scope="module")
def text(path):
    return PlanText(path)


@pytest.fixture(scope="module")
def tables(path):
    return parse_plan(path, "000")


def rows_of(tables, list_name):
    return [p for p in tables.projects if p.list_name == list_name]


def project(tables, seq):
    (row,) = [p for p in rows_of(tables, PROJECTS) if p.seq == str(seq)]
    return row


def line_starting(text, prefix, start=1):
    """The first line at or after ``start`` that begins with ``prefix`` (a row number and a tab)."""
    for i, line in text.numbered(start):
        if line.startswith(prefix):
            return i
    raise AssertionError(f"no line starts with {prefix!r}")


# ---------------------------------------------------------------------------------------------
# row counts

# The notes' counts (summary.md: 196 projects, 10 百亿工程, 19 platforms, 16 industries, 12 reforms,
# 20 policies, 17 resource items); checked against the text by eye, they agree.
LIST_COUNTS = {
    "重大项目清单": 196,
    "十大（类）百亿工程": 10,
    "重大平台清单": 19,
    "重大产业清单": 16,
    "重大改革清单": 12,
    "重大政策清单": 20,
    "重大要素清单": 17,
}


@pytest.mark.parametrize("list_name, count", LIST_COUNTS.items())
def test_row_count_per_list(tables, list_name, count):
    assert len(rows_of(tables, list_name)) == count


def test_box_lists_match_their_numbered_items(tables, text):
    """专栏7–15: one row per "- N、" item; counted here straight from the text."""
    expected, box = defaultdict(int), None
    for _, line in text.numbered():
        m = re.match(r"专栏\s*(\d+)：", line.strip())
        if m:
            box = int(m.group(1))
        elif re.match(r"-\s*\d+、", line.strip()) and box is not None:
            expected[box] += 1
    assert sorted(expected) == list(range(7, 16))
    got = defaultdict(int)
    for p in tables.projects:
        m = re.match(r"专栏(\d+) ", p.list_name)
        if m:
            got[int(m.group(1))] += 1
            assert p.total_investment_yi is None and p.fyp_investment_yi is None
    assert dict(got) == dict(expected)
    assert sum(got.values()) == 49


def test_all_lists_total_339_rows_as_in_the_notes(tables):
    # summary.md: projects.csv "339 rows: 196 重大项目 + all other 六重 lists + 专栏7–15"
    assert len(tables.projects) == 339


def test_project_numbering_skips_exactly_four_numbers(tables, text):
    seqs = [int(p.seq) for p in rows_of(tables, PROJECTS)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert max(seqs) == 200
    assert set(range(1, 201)) - set(seqs) == {75, 97, 98, 165}
    # and no numbered row of the list's lines was left unread
    first, last = line_starting(text, "1\t温州港"), line_starting(text, "合计\t")
    numbered = [ln for ln, line in text.numbered(first, last) if re.match(r"\d+\t", line)]
    assert sorted(p.source_line for p in rows_of(tables, PROJECTS)) == numbered


def test_repeated_header_rows_are_not_rows(tables):
    assert not [p for p in tables.projects if p.name in ("项目名称", "平台名称", "产业名称", "类别")]


# ---------------------------------------------------------------------------------------------
# sums against the printed totals


def sums_by_section(rows, column):
    out = defaultdict(float)
    for r in rows:
        v = getattr(r, column)
        if v is not None:
            out[r.section] += v
            out[""] += v
    return {k: round(v, 2) for k, v in out.items()}


def printed(tables, list_name, column):
    return {(t.section, t.label): t.value_yi for t in tables.printed_totals
            if t.list_name == list_name and t.column == column}


def test_printed_totals_of_project_list(tables):
    sections = ["一、基础设施项目", "二、产业发展项目", "三、房地产项目", "四、公共服务项目", "五、生态保护项目"]
    for column in ("total_investment_yi", "fyp_investment_yi"):
        got = printed(tables, PROJECTS, column)
        assert set(got) == {(s, "小计") for s in sections} | {("", "合计")}
    assert {p.section for p in rows_of(tables, PROJECTS)} == set(sections)


def test_total_investment_sums_agree_with_every_printed_total(tables):
    sums = sums_by_section(rows_of(tables, PROJECTS), "total_investment_yi")
    for (section, _label), value in printed(tables, PROJECTS, "total_investment_yi").items():
        assert sums[section] == pytest.approx(value, abs=0.005), section
    assert printed(tables, PROJECTS, "total_investment_yi")[("", "合计")] == 2370.36
    assert sums[""] == pytest.approx(2370.36, abs=0.005)


def test_fyp_sums_disagree_only_in_the_ecology_subtotal(tables):
    """Audit finding: the 十四五 column of 五、生态保护项目 prints 36.84 (its total-investment figure)
    where its rows add to 35.98; the 合计 1613.16 carries that 0.86 and the rows add to 1612.30."""
    sums = sums_by_section(rows_of(tables, PROJECTS), "fyp_investment_yi")
    got = printed(tables, PROJECTS, "fyp_investment_yi")
    for (section, _label), value in got.items():
        if section in ("五、生态保护项目", ""):
            continue
        assert sums[section] == pytest.approx(value, abs=0.005), section
    assert got[("五、生态保护项目", "小计")] == 36.84
    assert sums["五、生态保护项目"] == pytest.approx(35.98, abs=0.005)
    assert got[("", "合计")] == 1613.16
    assert sums[""] == pytest.approx(1612.30, abs=0.005)
    assert sums[""] != pytest.approx(got[("", "合计")], abs=0.005)
    # the printed 合计 is the sum of the printed subtotals: the error sits in one subtotal
    subtotals = sum(v for (s, label), v in got.items() if label == "小计")
    assert subtotals == pytest.approx(1613.16, abs=0.005)


def test_hundred_yi_works_printed_total_is_not_their_sum(tables):
    """Audit finding: the ten 百亿工程 (each "约 N") add to 2510, the 合计 prints 约 2500."""
    rows = rows_of(tables, "十大（类）百亿工程")
    assert all(p.total_investment_raw.startswith("约") for p in rows)
    total = sum(p.total_investment_yi for p in rows)
    assert total == pytest.approx(2510)
    assert printed(tables, "十大（类）百亿工程", "total_investment_yi") == {("", "合计"): 2500}


def test_printed_totals_point_at_their_lines(tables, text):
    for t in tables.printed_totals:
        line = text[t.source_line]
        assert t.label in line
        assert re.search(rf"(?<![\d.]){re.escape(f'{t.value_yi:g}')}(?![\d.])", line), t


# ---------------------------------------------------------------------------------------------
# source lines


def test_every_project_points_at_its_name(tables, text):
    for p in tables.projects:
        line = text[p.source_line]
        assert p.name in clean(line), (p.source_line, p.name)
        assert p.name[:6] in line, (p.source_line, p.name)


def test_wrapped_names_are_joined(tables):
    assert project(tables, 16).name == "温州瓯江口昆九路北段 (330国道至瓯锦大道)市政工程"
    assert project(tables, 18).name == "瓯江口产业集聚区灵昆产业园区道路"
    assert project(tables, 16).owner == "温州市瓯江口开发建设投资集团有限公司"


def test_targets_quotas_travel_point_at_their_lines(tables, text):
    for t in tables.targets:
        assert t.indicator in clean(text[t.source_line]) and t.indicator[:6] in text[t.source_line]
    for q in tables.quotas:
        assert q.text and q.text in clean(text[q.source_line]), q
        assert f"{q.value:g}" in text[q.source_line].replace(" ", ""), q
    for tt in tables.travel_targets:
        assert f"{tt.minutes:g}" in text[tt.source_line] and "分钟" in text[tt.source_line]


# ---------------------------------------------------------------------------------------------
# spot checks against the text


def test_project_on_parcel_e_16_03(tables, text):
    (row,) = [p for p in tables.projects if "E-16-03" in p.parcel_codes.split(";")]
    assert row.total_investment_yi == 30.11          # the downstream acceptance figure
    assert row.fyp_investment_yi == 28.46
    assert row.land_area_raw == 82375.0 and row.land_area_unit == "平方米"
    assert row.land_area_m2 == pytest.approx(82375.0)
    assert row.floor_area_m2 == pytest.approx(336407.5)
    assert (row.period_start, row.period_end) == (2020, 2024)
    assert row.owner == "温州世茂新腾飞房地产开发有限公司"
    assert row.section == "三、房地产项目"
    line = text[row.source_line]
    for figure in ("30.11", "28.46", "82375.00", "2020-2024"):
        assert figure in line


def test_land_area_in_mu_is_converted(tables):
    row = project(tables, 51)     # 中天智控: "总用地 3280 亩, …其中一期用地约 280 亩"
    assert (row.land_area_raw, row.land_area_unit) == (3280.0, "亩")
    assert row.land_area_m2 == pytest.approx(3280 * MU_M2)
    assert row.land_area_m2 == pytest.approx(3280 * 666.67, rel=1e-5)
    assert project(tables, 17).land_area_m2 == pytest.approx(26421.0)   # 2.6421 公顷


def test_site_area_not_floor_area(tables):
    row = project(tables, 57)     # "用地面积 29 亩，总建筑面积 59455.61 平方米"
    assert (row.land_area_raw, row.land_area_unit) == (29.0, "亩")
    assert row.floor_area_m2 == pytest.approx(59455.61)
    row = project(tables, 52)     # only a floor area is printed
    assert row.land_area_m2 is None and row.floor_area_m2 == pytest.approx(111000.0)


def test_blank_money_and_periods(tables):
    row = project(tables, 41)     # 330 国道拓宽: 研究, everything 待定
    assert row.build_type == "研究"
    assert (row.period_start, row.period_end, row.complete_by, row.period_raw) == (None, None, None, "待定")
    assert row.total_investment_yi is None and row.total_investment_raw == "待定"
    assert row.fyp_investment_yi is None and row.fyp_investment_raw == "待定"
    row = project(tables, 29)     # 建设期限 "2021"
    # a one-year 建设期限 cell is that year's period, not a completion date
    assert (row.period_start, row.period_end, row.complete_by, row.period_raw) == (2021, 2021, None, "2021")
    assert {p.build_type for p in rows_of(tables, PROJECTS)} == {"新建", "续建", "研究", "前期"}


def test_parcel_codes(tables, text):
    rows = [p for p in tables.projects if p.parcel_codes]
    codes = {c for p in rows for c in p.parcel_codes.split(";")}
    assert len(codes) == 71       # gazetteer in the notes: 71 parcel codes
    for p in rows:
        line = text[p.source_line]
        for raw, norm in zip(p.parcel_codes_raw.split(";"), p.parcel_codes.split(";")):
            assert re.fullmatch(r"[A-G]-\d{2}[a-z]?(?:-\d+[a-z]?)*(?:-\d+)?", norm), norm
            assert raw in line or raw[:4] in line, (raw, p.source_line)
    assert project(tables, 128).parcel_codes == "B-09a"            # not the block "B-09 街坊"
    assert project(tables, 136).parcel_codes_raw == "B-09H"
    assert project(tables, 136).parcel_codes == "B-09h"
    assert project(tables, 144).parcel_codes == "B-12c;B-12d"      # "B-12(c、d)地块"
    assert project(tables, 135).parcel_codes == "E-16-01b;E-16-01c"
    assert project(tables, 182).parcel_codes == "A-05a-2-1"
    assert "位于瓯江口新区起步区 A-05a-2-1 地块" in project(tables, 182).location_text
    assert not (codes & {"G-330", "S-1", "S-2", "G-228", "S-211"})


def test_location_text(tables):
    assert project(tables, 14).location_text.startswith("位于灵昆岛中部")
    assert project(tables, 124).location_text == "位于浅滩一期东南角"
    assert project(tables, 123).location_text == "拟选址浅滩二期"


def test_other_lists_spot_checks(tables):
    platforms = rows_of(tables, "重大平台清单")
    assert platforms[4].name == "中国温州安全（应急）产业园" and platforms[4].section == "二 重大产业平台"
    assert "规划总面积 4500 亩" in platforms[4].content
    policies = rows_of(tables, "重大政策清单")
    assert policies[0].section == "科技创新" and policies[-1].name == "支持未来社区试点创建政策"
    works = rows_of(tables, "十大（类）百亿工程")
    assert works[5].name == "国际轻工时尚供应链总基地工程" and works[5].total_investment_yi == 600
    assert (works[5].period_start, works[5].period_end) == (2022, 2028)


# ---------------------------------------------------------------------------------------------
# targets, quotas, travel


def test_indicator_table(tables):
    assert len(tables.targets) == 37
    cats = defaultdict(int)
    for t in tables.targets:
        cats[t.category] += 1
    assert dict(cats) == {"经济发展": 12, "创新驱动": 7, "社会民生": 7, "资源环境": 6, "安全保障": 5}
    by_name = {t.indicator: t for t in tables.targets}
    pop = by_name["常住人口"]
    assert (pop.unit, pop.base_2020, pop.target_2025, pop.kind) == ("万人", "5.15", "10", "预期性")
    assert by_name["单位GDP能耗降低"].target_2025 == "完成下达目标"
    assert by_name["单位GDP能耗降低"].kind == "约束性"
    assert by_name["银行金融机构不良贷款率"].base_2020 == "保持省平均水平"
    assert "一般公共预算收入中地方税收" in by_name
    assert sum(t.kind == "约束性" for t in tables.targets) == 9


def quota(tables, zone, item, value):
    found = [q for q in tables.quotas if q.zone == zone and q.item == item and q.value == value]
    assert len(found) >= 1, (zone, item, value)
    return found[0]


def test_zone_areas(tables):
    assert quota(tables, "规划范围", "面积", 65.77).value_m2 == pytest.approx(65.77e6)
    assert quota(tables, "一期片区", "面积", 24.0).unit == "平方公里"
    assert quota(tables, "二期片区", "面积", 19.27)
    assert quota(tables, "灵昆片区", "面积", 22.5)
    # the three sub-areas make up the planning area (summary.md)
    assert 24.0 + 19.27 + 22.5 == pytest.approx(65.77)
    # the other spellings of the phase II area are kept, for the audit
    assert {q.value for q in tables.quotas if q.zone == "二期片区" and q.unit == "平方公里"} >= {19.27, 19.3, 19.26}


def test_land_and_sea_quotas(tables):
    assert quota(tables, "集聚区", "新增开发建设面积", 20.0).value_m2 == pytest.approx(20e6)
    assert quota(tables, "一期东南角", "用海", 3000.0).value_m2 == pytest.approx(3000 * MU_M2)
    assert quota(tables, "二期片区", "用海", 19.27)
    assert quota(tables, "灵昆片区", "城镇开发边界", 8.0).source_line == 331
    assert quota(tables, "温州综保区（一期片区）", "规划面积", 2167.0)
    assert quota(tables, "温州综保区", "规划面积", 1.44)
    assert quota(tables, "灵昆作业区灵霓北堤段", "陆域形成", 2424.28)
    assert quota(tables, "集聚区", "工业用地占年度出让土地比例", 30.0).unit == "%"
    assert quota(tables, "集聚区", "亩均税收整治线", 5.0)


def test_lingkun_5600_mu_and_its_three_uses(tables):
    """Audit finding: L1309 sizes the urban-village area at 约 5600 亩 and lists 商服 500 + 居住 2600 +
    工业 2000 亩, which add to 5100, not 5600 (the remaining 500 亩 are not described)."""
    zone = "灵昆城中村改造范围"
    total = quota(tables, zone, "开发规模", 5600.0)
    parts = [q for q in tables.quotas if q.zone == zone and q.item != "开发规模"]
    assert {q.item: q.value for q in parts} == {"商业服务设施用地": 500.0, "居住用地": 2600.0, "工业用地": 2000.0}
    assert sum(q.value for q in parts) == 5100.0
    assert sum(q.value for q in parts) != total.value
    assert all(q.source_line == total.source_line for q in parts)


def test_floor_areas_are_not_land_quotas(tables):
    # L1182: the expo centre's 766 亩 site is a quota; its 83.31 万平方米 floor area is not
    assert quota(tables, "温州国际博览中心", "用地面积", 766.0)
    assert not [q for q in tables.quotas if q.value in (83.31, 27.39)]


# accessibility.md: every travel-time statement, by line
ACCESSIBILITY_STATEMENTS = {539: 15, 541: 30, 543: 60, 595: 15, 603: 15, 607: 10}


def test_travel_targets_cover_accessibility_notes(tables, text):
    got = {t.source_line: t.minutes for t in tables.travel_targets}
    assert got == ACCESSIBILITY_STATEMENTS
    # the umbrella statement of L535 names the same three rings as the rows of 专栏5
    rings = re.search(r"“([\d-]+) 分钟”交通圈层", text[535]).group(1)
    assert {float(x) for x in rings.split("-")} == {
        t.minutes for t in tables.travel_targets if t.source_line in (539, 541, 543)}


def test_thirty_minute_ring_destinations(tables):
    (ring,) = [t for t in tables.travel_targets if t.source_line == 541]
    assert ring.origin == "规划区" and ring.mode == "综合"
    assert ring.destinations.split(";") == ["温州主城区", "温州机场", "乐清城区", "玉环县"]
    (ring60,) = [t for t in tables.travel_targets if t.source_line == 543]
    assert ring60.destinations == "温州其他县市中心城区"


# ---------------------------------------------------------------------------------------------
# damaged input fails loudly


def damaged(text, lineno, old, new):
    lines = list(text.lines)
    assert old in lines[lineno - 1]
    lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
    return PlanText(text.path, text="\n".join(lines))


def test_damaged_money_cell_raises_at_its_line(text):
    lineno = line_starting(text, "131\t")             # the E-16-03 row
    bad = damaged(text, lineno, "\t30.11\t", "\t12x.5\t")
    with pytest.raises(PlanParseError) as err:
        parse(bad)
    assert err.value.line == lineno
    assert "not a number" in err.value.message and "12x.5" in err.value.message
    assert str(text.path) in str(err.value)


def test_row_out_of_sequence_raises(text):
    lineno = line_starting(text, "132\t")
    with pytest.raises(PlanParseError) as err:
        parse(damaged(text, lineno, "132\t", "133\t"))
    assert err.value.line == lineno and "out of sequence" in err.value.message


def test_lost_row_raises_at_the_next_row(text):
    lineno = line_starting(text, "100\t")
    lines = list(text.lines)
    del lines[lineno - 1]
    with pytest.raises(PlanParseError) as err:
        parse(PlanText(text.path, text="\n".join(lines)))
    assert err.value.line == lineno and "expected 100" in err.value.message


def test_row_with_missing_cells_raises(text):
    lineno = line_starting(text, "48\t")
    with pytest.raises(PlanParseError) as err:
        parse(damaged(text, lineno, "\t续建\t", "\t"))
    assert err.value.line == lineno and "cells" in err.value.message


def test_damaged_indicator_row_raises(text):
    lineno = text.find("常住人口城镇化率")
    with pytest.raises(PlanParseError) as err:
        parse(damaged(text, lineno, "\t预期性", "\t预期"))
    assert err.value.line == lineno

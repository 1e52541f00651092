"""Plan 002 (洞头区工业、信息化和科技发展“十四五”规划): the parsed tables against the document.

Expected figures here are the ones the document prints (row counts, 合计 in 万元, cell values),
read off the text, never the reader's own output.
"""

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from layers.errors import PlanParseError
from layers.plans import plan_path
from layers.plans import p002
from layers.plans.text import PlanText
from layers.plans.units import MU_M2, find_areas

PLAN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "plans"
MONEY = ("total_investment_yi", "fyp_investment_yi")


@pytest.fixture(scope="module")
def path():
    return plan_path(PLAN_DIR, "002")


@pytest.fixture(scope="module")
def text(path):
    return PlanText(path)


@pytest.fixture(scope="module")
def tables(text):
    return p002.parse(text)


def project(tables, name):
    rows = [p for p in tables.projects if p.name == name]
    assert len(rows) == 1, name
    return rows[0]


def line_index(lines, needle):
    """0-based index of the one line that contains ``needle``."""
    hits = [i for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, needle
    return hits[0]


# ---------------------------------------------------------------------------- counts

def test_row_counts_per_list_and_section(tables):
    by_list = Counter(p.list_name for p in tables.projects)
    assert by_list == {"附件2": 54, "附件3": 13, "表3 工业小微企业园": 3}
    by_section = Counter((p.list_name, p.section) for p in tables.projects)
    assert [n for (lst, _), n in by_section.items() if lst == "附件2"] == [17, 10, 7, 9, 11]
    assert [n for (lst, _), n in by_section.items() if lst == "附件3"] == [7, 2, 4]


def test_row_count_matches_an_independent_scan_of_numbered_cells(text, tables):
    """A "\\t<number>" line right after a blank line, between 附件2 and 抄送, opens a project row."""
    start = next(n for n, line in text.numbered() if line.strip() == "附件2")
    end = next(n for n, line in text.numbered(start) if line.startswith("抄送"))
    numbered = [n for n, line in text.numbered(start, end)
                if re.fullmatch(r"\t\d+", line) and not text[n - 1].strip()]
    assert len(numbered) == 54 + 13
    assert sorted(p.source_line - 1 for p in tables.projects if p.list_name != "表3 工业小微企业园") == numbered


def test_section_headings_state_their_row_counts(tables):
    counted = Counter((p.list_name, p.section) for p in tables.projects)
    headings = {t.section: t.label for t in tables.printed_totals if t.section}
    assert len(headings) == 5
    for section, label in headings.items():
        stated = int(re.search(r"（(\d+)项）", label).group(1))
        assert counted[("附件2", section)] == stated, label


# ---------------------------------------------------------------------------- sums vs printed totals

def sums(tables):
    out = defaultdict(float)
    for p in tables.projects:
        for col in MONEY:
            value = getattr(p, col) or 0.0
            out[(p.list_name, p.section, col)] += value
            out[(p.list_name, "", col)] += value
    return out


def test_every_printed_total_matches_its_row_sum(tables):
    computed = sums(tables)
    assert len(tables.printed_totals) == 2 * (1 + 5)
    for t in tables.printed_totals:
        assert computed[(t.list_name, t.section, t.column)] == pytest.approx(t.value_yi, abs=1e-6), t


def test_grand_total_is_the_printed_heji(tables, text):
    """合计：11406800 / 2710700 万元 (line 667–669) = 1140.68 / 271.07 亿元."""
    computed = sums(tables)
    assert computed[("附件2", "", "total_investment_yi")] == pytest.approx(11406800 / 1e4)
    assert computed[("附件2", "", "fyp_investment_yi")] == pytest.approx(2710700 / 1e4)
    grand = {t.column: t for t in tables.printed_totals if t.section == ""}
    assert grand["total_investment_yi"].value_yi == pytest.approx(1140.68)
    assert grand["fyp_investment_yi"].value_yi == pytest.approx(271.07)
    assert "合计" in text[grand["total_investment_yi"].source_line]


def test_section_subtotals_as_printed(tables):
    """The heading rows print 478000/267800, 5431700/1226100, 3267000/277000, 1311500/714400, 918600/225400."""
    printed = {(t.section, t.column): t.value_yi for t in tables.printed_totals if t.section}
    assert printed[("一、产业发展项目", "total_investment_yi")] == pytest.approx(47.80)
    assert printed[("一、产业发展项目", "fyp_investment_yi")] == pytest.approx(26.78)
    assert printed[("二、绿色产业项目", "total_investment_yi")] == pytest.approx(543.17)
    assert printed[("三、信息经济产业项目", "fyp_investment_yi")] == pytest.approx(27.70)
    assert printed[("四、生产性服务业项目", "total_investment_yi")] == pytest.approx(131.15)
    assert printed[("五、基础设施配套项目", "fyp_investment_yi")] == pytest.approx(22.54)


def test_annex3_prints_no_totals(tables, text):
    start = next(n for n, line in text.numbered() if line.strip() == "附件3")
    assert not any("合计" in line or "小计" in line for _, line in text.numbered(start))
    assert not [t for t in tables.printed_totals if t.list_name == "附件3"]


def test_industrial_gas_row_table_blank_but_text_states_investment(tables):
    """Audit finding: 工业气体…酸碱库区 has 待定 in the table while its content says 总投资1.52亿元."""
    row = project(tables, "工业气体、溶液配置及酸碱库区新建项目")
    assert row.total_investment_raw == "待定" and row.total_investment_yi is None
    assert "总投资1.52亿元" in row.content


def test_investment_stated_in_content_agrees_with_table_except_one(tables):
    """Rows whose content states 总投资(约)X亿元 agree with the 万元 cell, except the 待定 row above."""
    disagreeing = []
    for p in tables.projects:
        m = re.search(r"总投资约?(\d+(?:\.\d+)?)亿元", p.content)
        if m and p.total_investment_yi != pytest.approx(float(m.group(1))):
            disagreeing.append(p.name)
    assert disagreeing == ["工业气体、溶液配置及酸碱库区新建项目"]


# ---------------------------------------------------------------------------- source lines

def test_every_source_line_holds_the_row_name(tables, text):
    for p in tables.projects:
        assert p.name[:6] in text[p.source_line], (p.name, p.source_line)
        assert p.name in text[p.source_line]
    for t in tables.targets:
        assert t.indicator in text[t.source_line], t
    for q in tables.quotas:
        assert q.item in text[q.source_line] or q.text in text[q.source_line], q
        row_block = "".join(text[n] for n in range(q.source_line, q.source_line + 3))
        assert f"{q.value:g}" in row_block, q     # a table quota's figure is in the next cell
    for t in tables.printed_totals:
        assert t.label in text[t.source_line], t


# ---------------------------------------------------------------------------- spot checks

def test_spot_huashun_fuel_oil(tables):
    p = project(tables, "华顺燃料油项目")
    assert (p.list_name, p.section, p.seq) == ("附件2", "一、产业发展项目", "1")
    assert (p.period_start, p.period_end) == (2020, 2022)
    assert p.total_investment_raw == "11700" and p.total_investment_yi == pytest.approx(1.17)
    assert p.fyp_investment_yi == pytest.approx(0.62)
    assert (p.land_area_raw, p.land_area_unit) == (30.244, "亩")
    assert p.land_area_m2 == pytest.approx(30.244 * MU_M2, abs=0.01)
    assert p.parcel_codes == "B-02b4"
    assert p.location_text == "位于小门岛石化产业基地B-02b4地块"


def test_spot_land_is_the_site_not_the_floor_area(tables):
    p = project(tables, "温州交通城建工业化生产基地")     # 占地面积约352亩，总建筑面积约8.5万平方米
    assert (p.land_area_raw, p.land_area_unit) == (352, "亩")
    assert p.floor_area_m2 == pytest.approx(85000)
    p = project(tables, "浙江华田特种材料有限公司厂房扩建项目")   # only 总建筑面积87279.54㎡
    assert p.land_area_m2 is None and p.floor_area_m2 == pytest.approx(87279.54)
    p = project(tables, "洞头区冷链物流中心建设项目")
    assert p.land_area_m2 == pytest.approx(38464) and p.floor_area_m2 == pytest.approx(60000)
    assert p.parcel_codes == "NY-A-06"


def test_spot_bare_and_sibling_parcel_codes(tables):
    p = project(tables, "海洋科技产业园")
    assert p.parcel_codes == "A5;A7;A8" and p.land_area_raw == 130
    assert (p.total_investment_yi, p.fyp_investment_yi) == (pytest.approx(20), pytest.approx(1))
    assert (p.period_start, p.period_end) == (2024, 2030)
    assert project(tables, "年产3万吨PLA基全降解材料及产品项目").parcel_codes == "A10"
    assert project(tables, "清洁能源发电厂").parcel_codes == "A"
    p = project(tables, "小门综合供能服务站")
    assert (p.parcel_codes_raw, p.parcel_codes) == ("A-01C", "A-01c")
    assert p.land_area_raw == 6.971
    p = project(tables, "状元岙港物流园区")
    assert p.parcel_codes == "04-04b" and "状南04-04b地块" in p.location_text


def test_parcel_codes_are_exactly_the_printed_ones(tables):
    found = {c for p in tables.projects for c in p.parcel_codes.split(";") if c}
    assert found == {"B-02b2", "B-02b3", "B-02b4", "A", "A-19a1", "A10", "A5", "A7", "A8",
                     "A-01c", "D-02", "04-04b", "NY-A-06", "B-07b", "C-02"}


def test_spot_small_parks_table(tables):
    parks = [p for p in tables.projects if p.list_name == "表3 工业小微企业园"]
    assert [p.name for p in parks] == ["电子电器科技园", "机械汽配产业园", "霓屿紫菜现代产业园"]
    assert [(p.parcel_codes, p.land_area_raw) for p in parks] == [("B-07b", 51.16), ("C-02", 90.28), ("", None)]
    assert parks[2].location_text == "霓屿街道网僚鼻"


def test_spot_pending_and_single_year_periods(tables):
    p = project(tables, "年产10万吨超高纯金属及合金研究院项目")
    assert (p.period_start, p.period_end, p.total_investment_raw, p.fyp_investment_yi) == (None, None, "待定", None)
    p = project(tables, "温州LNG保障通道")               # printed 2021-2021
    assert (p.period_start, p.period_end, p.complete_by, p.period_raw) == (2021, 2021, None, "2021-2021")


def test_spot_annex3(tables):
    p = project(tables, "灵昆产业园")
    assert (p.section, p.seq, p.location_text) == ("三、配套产业园项目", "4", "位于灵昆岛")
    assert p.total_investment_yi == pytest.approx(80) and p.land_area_raw == 1412
    p = project(tables, "中国温州安全（应急）产业园")
    assert p.land_area_m2 == pytest.approx(122857) and p.floor_area_m2 == pytest.approx(376573)


# ---------------------------------------------------------------------------- targets

def test_target_tables(tables):
    per_table = Counter(t.table[:3] for t in tables.targets)
    assert per_table == {"表1：": 7 + 20, "表2 ": 7, "表3 ": 22}
    by_key = {(t.table[:2], t.indicator): t for t in tables.targets}
    t = by_key[("表2", "规上工业总产值")]
    assert (t.unit, t.base_2020, t.target_2025) == ("亿元", "108.29", "285")
    t = by_key[("表3", "R&D经费支出占GDP比重")]
    assert (t.category, t.base_2020, t.target_2025) == ("创新驱动", "1.15", "1.8")
    t = by_key[("表3", "单位工业增加值能耗")]
    assert t.target_2025 == "完成省市下达的目标任务"          # a cell wrapped over two lines
    t = by_key[("表1", "国家高新技术企业")]
    assert (t.category, t.base_2020) == ("创新驱动", "30")


def test_sector_table_subtotal_is_the_sum_of_the_five_sectors(tables):
    rows = {t.indicator: float(t.base_2020) for t in tables.targets if t.table.startswith("表1：五大")}
    five = ["机械汽配", "电子电器工业", "医药化工", "水产品加工", "建材工业"]
    assert sum(rows[s] for s in five) == pytest.approx(rows["五大行业小计"])


# ---------------------------------------------------------------------------- quotas

def test_quotas_named_in_the_plan(tables):
    got = {(q.item, q.value, q.unit): q for q in tables.quotas}
    for key in [("现状工业用地", 2142, "亩"), ("未供地、已征未供、供而未用、待征待拆工业用地", 1466.8, "亩"),
                ("新增土地", 250, "亩"), ("合规化工园区用地", 4900, "亩"), ("围海面积", 6690, "亩"),
                ("可围涂造地滩涂资源", 11.83, "万亩"), ("围垦区域规划总面积", 5100, "亩"),
                ("规上工业亩均增加值", 79.65, "万元/亩"), ("规上工业亩均税收", 24.12, "万元/亩")]:
        assert key in got, key
    assert got[("新增土地", 250, "亩")].year == 2024
    assert got[("围海面积", 6690, "亩")].value_m2 == pytest.approx(6690 * MU_M2, abs=0.01)
    assert got[("可围涂造地滩涂资源", 11.83, "万亩")].value_m2 == pytest.approx(118300 * MU_M2, abs=1)


def test_every_area_in_the_prose_is_a_quota(tables, text):
    """Each area figure on a prose line of the main text (9–639) is in the quota table."""
    quota_keys = {(q.source_line, q.value) for q in tables.quotas}
    for lineno, line in text.numbered(9, 639):
        if line.startswith("\t"):
            continue
        for value, unit, _ in find_areas(line):
            assert (lineno, value) in quota_keys, (lineno, value, unit)


# ---------------------------------------------------------------------------- travel targets

def test_no_travel_time_statement_in_this_plan(tables, text):
    """The accessibility notes list no timed statement; the only 交通圈 (line 633) has no time."""
    timed = [n for n, line in text.numbered() if re.search(r"分钟|[半一两\d]个?小时", line)]
    assert timed == []
    rings = [n for n, line in text.numbered() if "交通圈" in line]
    assert rings == [633]
    assert tables.travel_targets == []


def test_an_unhandled_travel_statement_fails_loudly(path, text):
    lines = list(text.lines)
    lines[632] += "构建洞头至温州市区半小时交通圈。"
    with pytest.raises(PlanParseError) as err:
        p002.parse(PlanText(path, text="\n".join(lines)))
    assert err.value.line == 633 and "travel-time" in err.value.message


# ---------------------------------------------------------------------------- damaged input

def corrupted(path, text, edit):
    lines = list(text.lines)
    edit(lines)
    return PlanText(path, text="\n".join(lines))


def test_damaged_money_cell_names_its_line(path, text):
    lines = list(text.lines)
    name = line_index(lines, "\t华顺燃料油项目")
    assert lines[name + 3] == "\t11700"                  # 序号, 名称, 内容, 期限, 总投资 …
    damaged = corrupted(path, text, lambda ls: ls.__setitem__(name + 3, "\t12x.5"))
    with pytest.raises(PlanParseError) as err:
        p002.parse(damaged)
    assert err.value.line == name + 4                    # 1-based line of the 总投资 cell
    assert "12x.5" in err.value.message and "总投资" in err.value.message
    assert "not a number" in err.value.message and "华顺燃料油项目" in err.value.message


def test_row_number_out_of_sequence(path, text):
    lines = list(text.lines)
    name = line_index(lines, "\t浙江优瑞欣化学有限公司厂房建设工程")
    damaged = corrupted(path, text, lambda ls: ls.__setitem__(name - 1, "\t3"))
    with pytest.raises(PlanParseError) as err:
        p002.parse(damaged)
    assert err.value.line == name and "out of sequence" in err.value.message   # the 序号 line (1-based)


def test_row_with_a_missing_cell(path, text):
    lines = list(text.lines)
    name = line_index(lines, "\t华顺燃料油项目")
    damaged = corrupted(path, text, lambda ls: ls.__delitem__(name + 4))     # drop the 十四五 cell
    with pytest.raises(PlanParseError) as err:
        p002.parse(damaged)
    assert err.value.line == name and "5 cells, expected 6" in err.value.message


def test_section_count_disagreeing_with_rows(path, text):
    lines = list(text.lines)
    heading = line_index(lines, "一、产业发展项目（17项）")
    damaged = corrupted(path, text,
                        lambda ls: ls.__setitem__(heading, ls[heading].replace("17项", "18项")))
    with pytest.raises(PlanParseError) as err:
        p002.parse(damaged)
    assert err.value.line == heading + 1 and "states 18 projects" in err.value.message

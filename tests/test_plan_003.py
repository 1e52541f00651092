"""Plan 003 (温州浙南科技城“十四五”发展规划): the parsed tables checked against the document.

Figures typed here are figures *printed in the plan* (or stated in the issue / reading notes), never
copies of what the reader produced; sums are recomputed from the parsed rows.
"""

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from layers.errors import PlanParseError
from layers.plans import p003, plan_path
from layers.plans.text import PlanText

PLAN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "plans"
LIST = "重大项目安排表"


@pytest.fixture(scope="module")
def text():
    return PlanText(plan_path(PLAN_DIR, "003"))


@pytest.fixture(scope="module")
def tables(text):
    return p003.parse(text)


def by_seq(tables):
    return {p.seq: p for p in tables.projects}


def printed(tables, section, column):
    rows = [t for t in tables.printed_totals if t.section == section and t.column == column]
    assert len(rows) == 1, (section, column)
    return rows[0].value_yi


# ---------------------------------------------------------------------------- counts


def test_row_counts(tables):
    assert tables.plan == "003"
    assert len(tables.projects) == 70
    assert [p.seq for p in tables.projects] == [str(i) for i in range(1, 71)]
    assert {p.list_name for p in tables.projects} == {LIST}
    assert len(tables.targets) == 30
    assert len(tables.travel_targets) == 3
    # 1 合计 + 4 小计, two money columns each
    assert len(tables.printed_totals) == 10
    assert all(r.plan == "003" for name in ("projects", "quotas", "targets", "travel_targets", "printed_totals")
               for r in getattr(tables, name))


def test_sections(tables):
    counts = Counter(p.section for p in tables.projects)
    assert counts == {"一、基础设施项目": 21, "二、产业发展项目": 15, "三、公共服务项目": 16, "四、生态保护项目": 18}
    # every section a project names has its printed 小计, for both columns
    for section in counts:
        for column in ("total_investment_yi", "fyp_investment_yi"):
            assert printed(tables, section, column) is not None


# ---------------------------------------------------------------------------- sums vs printed totals


def test_grand_total_matches_rows(tables):
    total = sum(p.total_investment_yi for p in tables.projects)
    assert total == pytest.approx(printed(tables, "", "total_investment_yi"), abs=1e-4)
    assert round(total, 2) == 740.99               # issue: 7409883万元 = 740.99亿元
    assert printed(tables, "", "total_investment_yi") == pytest.approx(7409883e-4)


def test_grand_fyp_total_disagrees_with_rows(tables):
    """Audit finding: the printed 十四五 合计 (655.39亿) is not the row sum (508.55亿)."""
    fyp = sum(p.fyp_investment_yi for p in tables.projects if p.fyp_investment_yi is not None)
    grand = printed(tables, "", "fyp_investment_yi")
    assert grand == pytest.approx(6553940e-4)
    assert round(grand, 2) == 655.39
    assert round(fyp, 2) == 508.55
    assert abs(grand - fyp) > 100
    # the printed 合计 is the sum of the printed 小计 — which carry the error
    subtotals = sum(t.value_yi for t in tables.printed_totals if t.section and t.column == "fyp_investment_yi")
    assert grand == pytest.approx(subtotals, abs=1e-4)


def test_section_totals(tables):
    sums = defaultdict(lambda: [0.0, 0.0])
    for p in tables.projects:
        sums[p.section][0] += p.total_investment_yi
        sums[p.section][1] += p.fyp_investment_yi or 0.0
    for section, (total, fyp) in sums.items():
        assert total == pytest.approx(printed(tables, section, "total_investment_yi"), abs=1e-4), section
        printed_fyp = printed(tables, section, "fyp_investment_yi")
        if section in ("一、基础设施项目", "二、产业发展项目"):
            # audit finding: these 小计 repeat the 总投资 subtotal in the 十四五 column
            assert printed_fyp == pytest.approx(printed(tables, section, "total_investment_yi"))
            assert fyp < printed_fyp - 10
        else:
            assert fyp == pytest.approx(printed_fyp, abs=1e-4), section


def test_printed_totals_point_at_their_figures(text, tables):
    for t in tables.printed_totals:
        figure = text[t.source_line].strip()
        assert float(figure) * 1e-4 == pytest.approx(t.value_yi)
        assert t.label in text[t.source_line - 1] + text[t.source_line - 2]
        assert t.list_name == LIST


# ---------------------------------------------------------------------------- source lines


def test_source_lines_hold_the_names(text, tables):
    for p in tables.projects:
        assert p.name[:6] in text[p.source_line], p.seq
        assert p.name == p.name.strip()
    for t in tables.targets:
        assert t.indicator in text[t.source_line]
    for q in tables.quotas:
        numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text[q.source_line])}
        assert q.value in numbers, (q.source_line, q.item, q.value)
    for tt in tables.travel_targets:
        assert f"{tt.minutes:g}" in text[tt.source_line] or "1小时" in text[tt.source_line]
        assert tt.text in text[tt.source_line]


# ---------------------------------------------------------------------------- spot checks


def test_spot_check_rows(tables):
    rows = by_seq(tables)
    r = rows["22"]   # L750-756
    assert r.name == "温州浙南科技城创新创业新天地项目"
    assert r.total_investment_yi == pytest.approx(19.58) and r.fyp_investment_yi == pytest.approx(5.0)
    assert r.land_area_raw == 138 and r.land_area_unit == "亩"
    assert r.land_area_m2 == pytest.approx(138 * 10000 / 15, abs=0.01)
    assert r.floor_area_m2 == pytest.approx(300000)   # 地上22万 + 地下8万, not the land area
    assert (r.period_start, r.period_end, r.build_type) == (2016, 2023, "续建")

    r = rows["32"]   # 图盛电力生态园, L840-846
    assert r.parcel_codes == "02-D-20b"
    assert r.location_text == "拟选址于黄石山北单元02-D-20b地块"
    assert r.land_area_raw == 63 and r.total_investment_yi == pytest.approx(2.0)
    assert r.owner == "浙南科技城招商局"

    r = rows["9"]    # 黄石路, 2021-2021
    assert (r.period_start, r.period_end) == (2021, 2021)
    assert r.location_text == "西起机场大道，东至致富路"

    r = rows["52"]   # 浙南欢乐港: period "/"
    assert (r.period_start, r.period_end, r.complete_by, r.period_raw) == (None, None, None, "/")
    assert r.land_area_raw == 1500 and r.total_investment_yi == pytest.approx(100.0)
    assert r.owner == "社会资本"

    r = rows["17"]
    assert r.owner == "区交通工程建设中心、温州浙南科技城建设投资集团有限公司"
    assert r.total_investment_raw == "176383万元" and r.total_investment_yi == pytest.approx(17.6383)

    r = rows["33"]   # 中国眼谷小镇: the town's 3 km², not the 1000亩 core
    assert r.land_area_m2 == pytest.approx(3e6)
    assert "龙江路以东" in r.location_text and "机场大道以南" in r.location_text

    r = rows["67"]   # content wrapped onto a line without a TAB
    assert r.content.endswith("二期实施 11-B-07 地块，用地面积 9550 平方米。")
    assert r.land_area_m2 == pytest.approx(1491 + 9550)

    r = rows["36"]
    assert r.land_area_m2 == 37574 and r.floor_area_m2 == 161017


def test_land_areas_are_sites_not_floors(tables):
    with_land = [p for p in tables.projects if p.land_area_m2]
    assert len(with_land) == 34                     # reading notes: 34 rows state a site/land area
    for p in with_land:
        assert p.land_area_unit and p.land_area_raw
        assert p.floor_area_m2 is None or p.floor_area_m2 != p.land_area_m2


def test_parcel_codes(tables):
    codes = {c for p in tables.projects for c in p.parcel_codes.split(";") if c}
    assert len(codes) == 57
    families = Counter(re.match(r"(YB-BB06-|YB-04-|11-|02-|)", c).group(1) for c in codes)
    assert set(families) == {"YB-BB06-", "YB-04-", "11-", "02-", ""}
    assert [c for c in codes if re.match(r"(YB-BB06-|YB-04-|11-|02-)", c) is None] == ["B-05"]
    assert not any(re.fullmatch(r"[GSM]\d+", c) for c in codes)
    row59 = by_seq(tables)["59"].parcel_codes.split(";")
    assert row59 == ["02-E-7"] + [f"02-E-{i}" for i in range(10, 23)]
    row60 = by_seq(tables)["60"].parcel_codes.split(";")
    assert len(row60) == 7 + 5 + 3 and "02-D-06" in row60
    for p in tables.projects:
        assert len(p.parcel_codes.split(";")) == len(p.parcel_codes_raw.split(";"))
    assert by_seq(tables)["17"].parcel_codes == ""          # G1523 is a motorway, not a parcel


# ---------------------------------------------------------------------------- targets, quotas, travel


def test_targets(tables):
    t = {x.indicator: x for x in tables.targets}
    assert t["固定资产投资"].base_2020 == "57" and t["固定资产投资"].target_2025 == "130"
    assert t["累计新增高能级平台"].base_2020 == "[9]" and t["累计新增高能级平台"].category == "创新平台建设"
    assert t["形成开发建设用地"].unit == "平方公里" and t["形成开发建设用地"].target_2025 == "14.5"
    assert t["环境空气质量（PM2.5年均浓度）"].target_2025 == "总体良好"
    assert Counter(x.kind for x in tables.targets) == {"预期性": 26, "约束性": 4}
    assert Counter(x.category for x in tables.targets) == {"创新支撑产业效益": 9, "创新平台建设": 6, "创新要素集聚": 6,
                                                           "创新能力提升": 3, "开发规模": 2, "环境资源": 4}


def test_quotas(tables):
    def find(item_part, value):
        hits = [q for q in tables.quotas if item_part in q.item and q.value == value]
        assert hits, (item_part, value)
        return hits[0]

    assert find("规划范围面积", 28).value_m2 == pytest.approx(28e6)
    assert find("规划总占地", 2844.20).value_m2 == pytest.approx(28.442e6)      # h㎡ read as hectares
    assert find("开发建设用地", 8).year == 2020
    assert find("开发建设用地", 14.5).year == 2025
    assert find("旧村改造腾出土地", 3717).unit == "亩"
    assert find("旧工业区改造腾出用地", 1893).value_m2 == pytest.approx(1893 * 10000 / 15, abs=0.01)
    assert find("十三五基本建成面积", 3.07).zone.startswith("南核心区")
    assert find("核心区面积", 1).zone == "中国眼谷特色小镇"
    assert find("总规划面积", 3).zone == "中国眼谷小镇"
    assert find("总用地面积", 138).zone == "温州浙南科技城创新创业新天地项目"
    assert find("亩均税收", 60).year == 2025
    for q in tables.quotas:
        assert q.zone and q.item and q.text
        if q.unit in ("亩", "平方公里", "h㎡", "平方米", "㎡", "万平方米"):
            assert q.value_m2 and q.value_m2 > 0


def test_travel_targets_cover_accessibility_notes(tables):
    got = {(t.source_line, t.minutes): t for t in tables.travel_targets}
    assert set(got) == {(345, 60.0), (345, 30.0), (453, 15.0)}     # accessibility.md rows 1-3
    assert got[(345, 60.0)].destinations == "浙南、闽北地区"
    assert got[(345, 30.0)].destinations == "中心城区任意功能中心"
    assert got[(345, 30.0)].origin == "科技城"
    assert "生活圈" in got[(453, 15.0)].destinations
    assert "市域铁路S1线" in got[(345, 60.0)].text


# ---------------------------------------------------------------------------- damaged input


def _damaged(text, edit):
    lines = list(text.lines)
    edit(lines)
    return PlanText(text.path, text="\n".join(lines))


def _line_of(text, needle):
    return next(n for n, line in text.numbered() if needle in line)


def test_damaged_money_cell(text):
    name_line = _line_of(text, "浙南科技城金江路道路工程")
    total_line = name_line + 4            # seq, name, content, type, period, 总投资
    assert re.fullmatch(r"\t\d+ ?", text[total_line])

    def corrupt(lines):
        lines[total_line - 1] = "\t12x.5"

    with pytest.raises(PlanParseError) as err:
        p003.parse(_damaged(text, corrupt))
    assert err.value.line == total_line
    assert "12x.5" in err.value.message and "not a number" in err.value.message
    assert "row 12" in err.value.message


def test_row_out_of_sequence(text):
    seq_line = _line_of(text, "浙南科技城金江路道路工程") - 1

    def renumber(lines):
        lines[seq_line - 1] = "\t14"

    with pytest.raises(PlanParseError) as err:
        p003.parse(_damaged(text, renumber))
    assert err.value.line == seq_line and "out of sequence" in err.value.message


def test_row_with_missing_cell(text):
    owner_line = _line_of(text, "浙南科技城金江路道路工程") + 6

    def drop(lines):
        del lines[owner_line - 1]

    with pytest.raises(PlanParseError) as err:
        p003.parse(_damaged(text, drop))
    assert err.value.line == owner_line - 7 and "7 cells" in err.value.message


def test_damaged_subtotal(text):
    line = _line_of(text, "\t3328925")

    def corrupt(lines):
        lines[line - 1] = "\t33289x5"

    with pytest.raises(PlanParseError) as err:
        p003.parse(_damaged(text, corrupt))
    assert err.value.line == line and "not a number" in err.value.message

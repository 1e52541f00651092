"""Reader for plan 002: 温州市洞头区工业、信息化和科技发展“十四五”规划.

The text is a Word document saved as plain text. Its tables print one cell per line: every cell
starts with a TAB, a cell that wraps continues on the next line without a TAB, and a blank line ends
a table row. A line without a TAB after a blank line ends the table. Four kinds of rows come out:

* projects — 附件2 (洞头区 major projects, 万元, five counted sections with printed subtotals and a
  合计), 附件3 (瓯江口 projects, 万元, three sections, no totals) and 表3 (the three 工业小微企业园);
* targets — the indicator tables 表1 (twice), 表2 and 表3 (the document numbers 表1 and 表3 twice);
* quotas — the land and sea figures the plan states for a zone (prose and a few zone figures in the
  project table), plus the 2020 亩均 figures of 表3;
* printed totals — the 合计 and section subtotals of 附件2.

The plan has no travel-time statement (no "N分钟", no "半小时交通圈"), so ``travel_targets`` is empty;
:func:`read_travel_targets` fails loudly if a text ever contains one, rather than dropping it.

A row that cannot be read (a money cell that is not a number, a row number out of sequence, a row with
missing cells, a section whose stated count disagrees with its rows) raises
:class:`~layers.errors.PlanParseError` with the line of the damage.
"""

import re
from dataclasses import dataclass

from .. import codes
from . import units
from .model import PlanTables, PrintedTotal, Project, Quota, Target
from .periods import cell_period

PLAN = "002"

LIST_MAJOR = "附件2"
LIST_OUJIANGKOU = "附件3"
LIST_SMALL_PARKS = "表3 工业小微企业园"

INVESTMENT_HEADER = ("序号", "项目名称", "建设内容和规模", "建设期限", "总投资", "“十四五”投资")
CHINESE_NUMERAL_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
SECTION_COUNT = re.compile(r"（(\d+)项）$")


# --------------------------------------------------------------------------------------------
# The one-cell-per-line table layout
# --------------------------------------------------------------------------------------------

@dataclass
class Cell:
    """One table cell: its text (wrapped lines joined) and the line where it starts."""

    line: int
    text: str


def read_rows(text, first_line):
    """The rows of the table whose first cell line is at or after ``first_line``.

    Returns ``(rows, last_line)``: each row is a list of :class:`Cell`, ``last_line`` the last line
    that belongs to the table. Wrapped cells are joined without a separator because the wrap falls
    inside a Chinese phrase ("完成省市下达的" + "目标任务").
    """
    rows, row = [], []
    lineno = first_line
    previous_blank = False
    while lineno <= len(text):
        line = text[lineno]
        if line.startswith("\t"):
            row.append(Cell(lineno, line[1:].strip()))
            previous_blank = False
        elif not line.strip():
            if row:
                rows.append(row)
                row = []
            previous_blank = True
        elif previous_blank or not row:
            break                        # prose after the table
        else:
            row[-1].text += line.strip()  # a wrapped cell
        lineno += 1
    if row:
        rows.append(row)
    return rows, lineno - 1


def find_line(text, exact, start=1):
    """The first line at or after ``start`` whose stripped text equals ``exact``; error if none."""
    for lineno, line in text.numbered(start):
        if line.strip() == exact:
            return lineno
    raise text.error(start, f"expected a line reading {exact!r} after this line")


def first_cell_line(text, title_line, lookahead=3):
    """The first TAB line after a table title (a 单位 line may stand between them)."""
    for lineno in range(title_line + 1, min(title_line + 1 + lookahead, len(text)) + 1):
        if text[lineno].startswith("\t"):
            return lineno
    raise text.error(title_line, "expected the table's first cell after its title")


def cells_text(row):
    return [c.text for c in row]


def require_width(text, row, width, what):
    """A row must have exactly ``width`` cells: a missing cell shifts every column after it."""
    if len(row) != width:
        raise text.error(row[0].line, f"{what}: row has {len(row)} cells, expected {width} "
                                      f"({' | '.join(cells_text(row))[:80]})")


# --------------------------------------------------------------------------------------------
# Cells: money, periods, areas, places, parcel codes
# --------------------------------------------------------------------------------------------

def parse_money_wan(text, cell, column, row_label):
    """A 万元 money cell as 亿元, ``None`` for 待定/视情/blank; error for anything else."""
    try:
        value = units.parse_number(cell.text)
    except ValueError:
        raise text.error(cell.line, f"{row_label}: {column} cell {cell.text!r} is not a number "
                                    f"(nor 待定/视情/blank)") from None
    if value is None:
        return None
    return round(units.money_to_yi(value, "万元"), 6)


def parse_period(text, cell, row_label):
    """``"2021-2025"`` → (2021, 2025); ``"2021"`` → (2021, 2021); 待定/blank → (None, None)."""
    s = cell.text.replace(" ", "")
    if s in ("", "待定"):
        return None, None
    m = re.fullmatch(r"(\d{4})(?:[-—–~～至](\d{4}))?年?", s)
    if not m:
        raise text.error(cell.line, f"{row_label}: 建设期限 {cell.text!r} is not a year or a year span")
    start = int(m.group(1))
    return start, int(m.group(2) or start)


def clauses(content):
    """The comma/semicolon clauses of a content cell (areas are labelled clause by clause)."""
    return [c.strip() for c in re.split(r"[，,。；;（）()]", content) if c.strip()]


def is_floor_clause(clause):
    """建筑面积 / 总建设面积 describe buildings, not the site (建设用地面积 is the site)."""
    return "建筑面积" in clause or ("建设面积" in clause and "建设用地" not in clause)


LAND_WORDS = re.compile(r"用地|占地|规划总面积|规划面积|围海面积")


def land_and_floor(content):
    """The site area and the floor area a content cell states.

    Returns ``(land_raw, land_unit, land_m2, floor_m2)``. The site is the first clause that names
    用地/占地/规划(总)面积/围海面积; the floor area prefers 总建筑面积 over a part (地上建筑面积 …).
    """
    land = None
    floors = []
    for clause in clauses(content):
        areas = units.find_areas(clause)
        if not areas:
            continue
        if is_floor_clause(clause):
            floors.append(("总建筑面积" in clause or "总建设面积" in clause, areas[0]))
        elif land is None and LAND_WORDS.search(clause):
            land = areas[0]
    floor_m2 = None
    if floors:
        totals = [a for is_total, a in floors if is_total]
        floor_m2 = (totals or [floors[0][1]])[0][2]
    if land is None:
        return None, "", None, floor_m2
    value, unit, m2 = land
    return value, unit, round(m2, 2), floor_m2


PLACE_WORD = re.compile(r"(?:拟)?(?:位于|选址于|选址)")
BOUNDARY_CLAUSE = re.compile(r"^[东南西北][起至到]")


def location_of(content):
    """The phrase that places a project: the 位于/选址 clause with any 四至 clauses after it.

    Falls back to the 在…区块/地块 places of a content that has no 位于 clause (状元岙港物流园区).
    A parenthesis that only states an area is dropped ("（规划总面积约5100亩）").
    """
    parts = [p.strip() for p in re.split(r"[，,。；;]", content)]
    for i, part in enumerate(parts):
        m = PLACE_WORD.search(part)
        if m:
            phrase = [part[m.start():]]
            for nxt in parts[i + 1:]:
                if not BOUNDARY_CLAUSE.match(nxt):
                    break
                phrase.append(nxt)
            joined = "，".join(phrase)
            return re.sub(r"（[^）]*）", lambda p: "" if units.find_areas(p.group(0)) else p.group(0), joined)
    places = re.findall(r"在([^，。；]*?(?:区块|地块)(?:（[^）]*）)?)", content)
    return "；".join(places)


PARCEL_BEFORE_DIKUAI = re.compile(
    r"(?<![A-Za-z0-9\-])"
    r"((?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+)*、)*[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+)*)"
    r"地块"
)
BARE_CODE = re.compile(r"[A-Z]{1,2}\d{0,3}[a-z]?\d?|\d{2}-\d{2}[a-z]?\d?")


def parcel_codes_of(*texts):
    """Parcel codes printed right before 地块, as ``(printed, normalised)`` pairs.

    In this plan every real parcel code stands before 地块 ("B-02b4地块", "杨文三期A5、A7、A8地块",
    "状南04-04b地块"), while road and rail names (G330, S2线) never do, so 地块 is the context check.
    :func:`layers.codes.split_codes` reads the dashed codes; it rejects the bare block codes this
    plan prints ("A地块", "A10地块") and codes whose only letter is lower case ("04-04b"), so those
    are matched here and normalised with :func:`layers.codes.normalise`.
    """
    out, seen = [], set()
    for t in texts:
        for m in PARCEL_BEFORE_DIKUAI.finditer(t):
            for piece in m.group(1).split("、"):
                found = codes.split_codes(piece)
                if not found and BARE_CODE.fullmatch(piece):
                    found = [(piece, codes.normalise(piece))]
                for printed, norm in found:
                    if norm not in seen:
                        seen.add(norm)
                        out.append((printed, norm))
    return out


def fill_place(project, name, content, location=None):
    """Set a project's parcel codes, location and areas from its name and content cells."""
    pairs = parcel_codes_of(name, content)
    project.parcel_codes = ";".join(n for _, n in pairs)
    project.parcel_codes_raw = ";".join(p for p, _ in pairs)
    project.location_text = location if location is not None else location_of(content)
    raw, unit, m2, floor = land_and_floor(content)
    project.land_area_raw, project.land_area_unit, project.land_area_m2 = raw, unit, m2
    project.floor_area_m2 = floor


# --------------------------------------------------------------------------------------------
# 附件2 and 附件3: investment tables in 万元
# --------------------------------------------------------------------------------------------

class SectionTally:
    """The rows seen under one section heading, to check its stated count and its numbering."""

    def __init__(self, heading_cell, stated_count):
        self.heading_cell = heading_cell
        self.stated_count = stated_count
        self.rows = 0

    def close(self, text):
        if self.stated_count is not None and self.rows != self.stated_count:
            raise text.error(self.heading_cell.line,
                             f"section {self.heading_cell.text!r} states {self.stated_count} projects "
                             f"but {self.rows} rows follow it")


def read_investment_table(text, list_name, title_line):
    """Projects and printed totals of one 万元 investment table (附件2 or 附件3)."""
    rows, _ = read_rows(text, first_cell_line(text, title_line))
    header = rows[0]
    if tuple(cells_text(header)) != INVESTMENT_HEADER:
        raise text.error(header[0].line, f"{list_name}: unexpected header {cells_text(header)}")
    projects, totals = [], []
    section, tally = None, None
    for row in rows[1:]:
        cells = cells_text(row)
        if any(c.startswith("合计") for c in cells):
            totals.extend(grand_totals(text, list_name, row))
        elif CHINESE_NUMERAL_HEADING.match(cells[0]):
            if tally:
                tally.close(text)
            section, tally, subtotals = read_section_heading(text, list_name, row)
            totals.extend(subtotals)
        elif cells[0].isdigit():
            if tally is None:
                raise text.error(row[0].line, f"{list_name}: project row before any section heading")
            tally.rows += 1
            projects.append(read_project_row(text, list_name, section, tally.rows, row))
        else:
            raise text.error(row[0].line, f"{list_name}: cannot read row {' | '.join(cells)[:80]!r}")
    if tally:
        tally.close(text)
    return projects, totals


def grand_totals(text, list_name, row):
    """The 合计 row: blank 序号/名称/内容 cells, the label, then the two money columns."""
    require_width(text, row, 6, f"{list_name} 合计")
    label = row[3]
    return [
        PrintedTotal(PLAN, list_name, "", column,
                     parse_money_wan(text, cell, header, f"{list_name} {label.text}"),
                     label.line, label.text)
        for column, header, cell in (("total_investment_yi", "总投资", row[4]),
                                     ("fyp_investment_yi", "“十四五”投资", row[5]))
    ]


def read_section_heading(text, list_name, row):
    """A section heading row: ``一、产业发展项目（17项）`` with its subtotals, or the name alone.

    Returns ``(section, tally, printed_subtotals)``; the section name drops the "（N项）" count,
    which is kept for the check in :class:`SectionTally`.
    """
    heading = row[0]
    m = SECTION_COUNT.search(heading.text)
    section = heading.text[: m.start()] if m else heading.text
    tally = SectionTally(heading, int(m.group(1)) if m else None)
    if len(row) == 1:
        return section, tally, []
    require_width(text, row, 3, f"{list_name} section heading")
    subtotals = [
        PrintedTotal(PLAN, list_name, section, column,
                     parse_money_wan(text, cell, header, f"{list_name} {heading.text}"),
                     heading.line, heading.text)
        for column, header, cell in (("total_investment_yi", "总投资", row[1]),
                                     ("fyp_investment_yi", "“十四五”投资", row[2]))
    ]
    return section, tally, subtotals


def read_project_row(text, list_name, section, expected_seq, row):
    """One numbered project row: 序号, 项目名称, 建设内容和规模, 建设期限, 总投资, “十四五”投资."""
    seq = row[0].text
    if int(seq) != expected_seq:
        raise text.error(row[0].line, f"{list_name} {section}: row number {seq} out of sequence, "
                                      f"expected {expected_seq}")
    require_width(text, row, 6, f"{list_name} {section} row {seq}")
    seq_cell, name, content, period, total, fyp = row
    label = f"{list_name} {section} row {seq} {name.text}"
    start, end = parse_period(text, period, label)
    project = Project(
        plan=PLAN, list_name=list_name, seq=seq, name=name.text, source_line=name.line,
        section=section, content=content.text,
        total_investment_raw=total.text,
        total_investment_yi=parse_money_wan(text, total, "总投资", label),
        fyp_investment_raw=fyp.text,
        fyp_investment_yi=parse_money_wan(text, fyp, "“十四五”投资", label),
    )
    cell_period(start, end, period.text).apply(project)
    fill_place(project, name.text, content.text)
    return project


# --------------------------------------------------------------------------------------------
# 表3 工业小微企业园 (the second 表3)
# --------------------------------------------------------------------------------------------

def read_small_parks(text):
    """The three 工业小微企业园: name, 园区规模 (area and, in brackets, the parcel), 主导产业.

    The table has no row numbers; ``seq`` is the row's position. The 园区规模 cell of 霓屿 holds a
    place instead of a size, so that park has a location and no area.
    """
    title = text.find("表3 “十四五”期间工业小微企业园")
    rows, _ = read_rows(text, first_cell_line(text, title))
    if cells_text(rows[0]) != ["布局规划", "园区规模", "主导产业"]:
        raise text.error(rows[0][0].line, f"{LIST_SMALL_PARKS}: unexpected header {cells_text(rows[0])}")
    projects = []
    for i, row in enumerate(rows[1:], start=1):
        require_width(text, row, 3, f"{LIST_SMALL_PARKS} row {i}")
        name, size, industry = row
        project = Project(plan=PLAN, list_name=LIST_SMALL_PARKS, seq=str(i), name=name.text,
                          source_line=name.line, content=industry.text)
        bracket = re.search(r"（([^）]*)）", size.text)
        if units.find_areas(size.text):
            location = bracket.group(1) if bracket else ""
        else:
            location = size.text
        fill_place(project, name.text, size.text, location=location)
        areas = units.find_areas(size.text)
        if areas:
            value, unit, m2 = areas[0]
            project.land_area_raw, project.land_area_unit, project.land_area_m2 = value, unit, round(m2, 2)
        projects.append(project)
    return projects


# --------------------------------------------------------------------------------------------
# Indicator tables → targets
# --------------------------------------------------------------------------------------------

def table_title(text, needle):
    """``(line, title)`` of the table whose title line contains ``needle``."""
    line = text.find(needle)
    return line, text[line].strip()


def data_rows(text, rows, width, what):
    """The body rows of an indicator table, each with exactly ``width`` cells.

    ``rows`` starts after the printed header. All-blank rows directly under the header are the
    empty second line of a two-level header and are dropped; a blank row among the data is an error.
    """
    out = []
    for row in rows:
        if not any(cells_text(row)):
            if out:
                raise text.error(row[0].line, f"{what}: blank row among the data rows")
            continue
        require_width(text, row, width, what)
        out.append(row)
    return out


def read_sector_output_table(text):
    """The first 表1: 2020 output of the five traditional sectors, in 万元 (no 2025 column)."""
    line, title = table_title(text, "表1：五大传统行业")
    unit = re.search(r"（([^）]+)）$", title).group(1)
    rows, _ = read_rows(text, line + 1)
    if cells_text(rows[0])[0] != "行业":
        raise text.error(rows[0][0].line, f"{title}: unexpected header {cells_text(rows[0])}")
    return [
        Target(PLAN, title, re.sub(r"^其中：", "", row[0].text), unit, row[0].line,
               base_2020=row[1].text)
        for row in data_rows(text, rows[1:], 4, title)
    ]


def read_fyp13_table(text):
    """The second 表1: the 十三五 indicators; base_2020 is the 2020 actual value.

    The table also prints the 2020 planned value and the planned/actual growth rates; a
    :class:`Target` has no column for them, so they stay in the text (target_2025 is empty).
    """
    line, title = table_title(text, "表1：“十三五”规划纲要")
    rows, _ = read_rows(text, line + 1)
    header, sub_header = cells_text(rows[0]), cells_text(rows[1])
    if header[:2] != ["类型", "序号"] or "2020年实际值" not in sub_header:
        raise text.error(rows[0][0].line, f"{title}: unexpected header {header} / {sub_header}")
    actual_col = sub_header.index("2020年实际值")
    body = rows[2:]
    targets, category = [], ""
    for expected, row in enumerate(data_rows(text, body, 8, title), start=1):
        kind_cell, seq, name, unit = row[:4]
        if seq.text != str(expected):
            raise text.error(seq.line, f"{title}: row number {seq.text} out of sequence, expected {expected}")
        category = kind_cell.text or category
        targets.append(Target(PLAN, title, name.text, unit.text, name.line, category=category,
                              base_2020=row[actual_col].text))
    return targets


def read_goal_table(text, needle, with_category):
    """表2 / the first 表3: [分类,] 指标名称, 单位, 2020年, 2025年."""
    line, title = table_title(text, needle)
    rows, _ = read_rows(text, line + 1)
    width = 5 if with_category else 4
    header = [c.replace(" ", "") for c in cells_text(rows[0])]
    if header[-2:] != ["2020年", "2025年"] or len(header) != width:
        raise text.error(rows[0][0].line, f"{title}: unexpected header {cells_text(rows[0])}")
    targets, category = [], ""
    for row in data_rows(text, rows[1:], width, title):
        if with_category:
            category = row[0].text or category
            row = row[1:]
        name, unit, base, goal = row
        targets.append(Target(PLAN, title, name.text, unit.text, name.line, category=category,
                              base_2020=base.text, target_2025=goal.text))
    return targets


def read_targets(text):
    return (read_sector_output_table(text) + read_fyp13_table(text)
            + read_goal_table(text, "表2 “十四五”时期", with_category=False)
            + read_goal_table(text, "表3 “十四五”时期", with_category=True))


# --------------------------------------------------------------------------------------------
# Quotas: land and sea figures per zone
# --------------------------------------------------------------------------------------------

NUM = r"(\d+(?:\.\d+)?)"


@dataclass
class QuotaRule:
    """One stated land/sea figure: where it stands (``pattern``) and what it is about.

    ``pattern`` captures the value and the unit (and a year where the sentence gives one). Each
    rule must match exactly one line, so a text that drops or repeats the figure fails loudly.
    """

    pattern: str
    zone: str
    item: str


QUOTA_RULES = (
    QuotaRule(r"全区现有工业用地企业\d+家占用用地" + NUM + "(亩)", "洞头区", "现状工业用地"),
    QuotaRule(r"未供地、已征未供、供而未用、待征待拆工业用地" + NUM + "(亩)", "洞头区",
              "未供地、已征未供、供而未用、待征待拆工业用地"),
    QuotaRule(r"石子岙料场挂牌进程，力争(?P<year>\d{4})年新增土地" + NUM + "(亩)", "石子岙（小门岛）",
              "新增土地"),
    QuotaRule(r"滩涂围垦洞头" + NUM + "(万亩)10米等深线以内前海面积", "洞头", "10米等深线以内前海面积"),
    QuotaRule(NUM + "(万亩)滩涂资源面积", "洞头", "滩涂资源面积"),
    QuotaRule(r"可围涂造地滩涂资源为" + NUM + "(万亩)", "洞头", "可围涂造地滩涂资源"),
    QuotaRule(r"项目位于小门岛，总用地面积约" + NUM + "(亩)，创建合规化工园区", "小门岛（大小门临港石化产业区）",
              "合规化工园区用地"),
    QuotaRule(r"状元岙南片围垦区域（规划总面积约" + NUM + "(亩)）", "状元岙南片围垦区域", "围垦区域规划总面积"),
    QuotaRule(r"大门岛东北侧，西起老鼠尾，东至滩头，围海面积" + NUM + "(亩)", "大门岛东北侧（老鼠尾—滩头）", "围海面积"),
)


def sentence_around(line, start, end):
    """The sentence of ``line`` that holds ``line[start:end]``, trimmed."""
    left = max(line.rfind(p, 0, start) for p in "。；")
    right = [i for i in (line.find(p, end) for p in "。；") if i >= 0]
    return line[left + 1: (min(right) + 1 if right else len(line))].strip().lstrip("\t")


def read_rule_quotas(text):
    """The figures of :data:`QUOTA_RULES`, each from the one line that states it."""
    quotas = []
    for rule in QUOTA_RULES:
        regex = re.compile(rule.pattern)
        hits = [(n, m) for n, line in text.numbered() for m in [regex.search(line)] if m]
        if len(hits) != 1:
            raise text.error(hits[1][0] if hits else 1,
                             f"expected one line stating {rule.item} of {rule.zone}, found {len(hits)}")
        lineno, m = hits[0]
        value, unit = m.group(m.re.groups - 1), m.group(m.re.groups)
        year = m.groupdict().get("year")
        quotas.append(Quota(PLAN, rule.zone, rule.item, float(value), unit, lineno,
                            value_m2=round(units.area_to_m2(value, unit), 2),
                            year=int(year) if year else None,
                            text=sentence_around(text[lineno], m.start(), m.end())))
    return quotas


def per_mu_quotas(targets):
    """The 2020 亩均 (per-mu) figures of the 小洞头 indicator table; their 2025 cells are blank."""
    out = []
    for t in targets:
        if "亩均" not in t.indicator or not t.table.startswith("表3"):
            continue
        for year, cell in ((2020, t.base_2020), (2025, t.target_2025)):
            try:
                value = units.parse_number(cell)
            except ValueError:
                continue          # "完成省市下达的目标任务": a target without a figure
            if value is not None:
                out.append(Quota(PLAN, "洞头区（小洞头）", t.indicator, value, t.unit, t.source_line,
                                 year=year, text=f"{t.table}：{t.indicator} {year}年 {cell}{t.unit}"))
    return out


# --------------------------------------------------------------------------------------------
# Travel-time statements
# --------------------------------------------------------------------------------------------

TRAVEL_TIME = re.compile(r"(\d+(?:\.\d+)?|半|一|两)\s*个?(分钟|小时)[^。；]{0,12}?(交通圈|通勤圈|生活圈|通达|可达|到达|直达|抵达|车程)"
                         r"|(交通圈|通勤圈|车程)[^。；]{0,12}?(\d+(?:\.\d+)?|半|一|两)\s*个?(分钟|小时)")


def read_travel_targets(text):
    """Travel-time statements: this plan has none (its 半环形交通圈 has no time).

    The accessibility notes confirm there is no "N分钟" or "半小时/一小时" statement. If a text of this
    plan ever holds one, stop here instead of leaving it out of the travel-target table.
    """
    for lineno, line in text.numbered():
        if TRAVEL_TIME.search(line):
            raise text.error(lineno, "travel-time statement found, but the 002 reader knows of none "
                                     "in this plan: add a rule for it")
    return []


# --------------------------------------------------------------------------------------------

def parse(text):
    """Read plan 002 into :class:`PlanTables`."""
    tables = PlanTables(plan=PLAN, path=str(text.path))
    annex2 = find_line(text, "附件2")
    major, major_totals = read_investment_table(
        text, LIST_MAJOR, text.find("洞头区工业、科技和信息化“十四五”重大项目表", annex2))
    annex3 = find_line(text, "附件3", annex2)
    ojk, ojk_totals = read_investment_table(
        text, LIST_OUJIANGKOU, text.find("温州瓯江口产业集聚区“十四五”期间投资项目表", annex3))
    tables.projects = read_small_parks(text) + major + ojk
    tables.printed_totals = major_totals + ojk_totals
    tables.targets = read_targets(text)
    tables.quotas = read_rule_quotas(text) + per_mu_quotas(tables.targets)
    tables.travel_targets = read_travel_targets(text)
    return tables

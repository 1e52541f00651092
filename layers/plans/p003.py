"""Reader for plan 003, 温州浙南科技城“十四五”发展规划 (Zhenan Science City).

The text is a Word export: ``[bookmark: …]`` tags stand in front of headings, and both tables are
flattened to *one cell per line*, each cell line starting with a TAB, rows separated by blank lines.

What is read, and from where:

* **Targets**: 表1 “十四五”时期主要规划指标 (30 indicators, 7 cells a row; the 类别 cell is only filled
  on the first row of each category).
* **Projects**: the annex 附表：十四五期间重大项目安排表 (70 rows of 8 cells, money in 万元), in four
  sections (一 … 四) with a 小计 after each section and the 合计 printed *above* the first section.
* **Printed totals**: that 合计 and the four 小计, for both money columns.
* **Quotas**: land and water figures the prose states for the science city and its zones, the
  亩均 targets, the land rows of Table 1 and the land figures of the annex rows.
* **Travel targets**: the three travel-time statements (L345 ×2, L453).

The 45 project items the prose names (正文项目) are not read: TODO if the map needs them.
"""

import re

from . import units
from .model import PlanTables, Project, PrintedTotal, Quota, Target, TravelTarget
from .periods import cell_period
from ..codes import split_codes

PLAN = "003"
ANNEX_TITLE = "附表：十四五期间重大项目安排表"
ANNEX_LIST = "重大项目安排表"
TABLE1_TITLE = "表1"
ANNEX_HEADER = ("序号", "项目名称", "建设规模和内容", "建设性质", "计划建设期限", "总投资（万元）", "十四五投资", "责任单位")
TABLE1_HEADER = ("类别", "指标名称", "单位", "2020年", "2023年", "2025年", "指标属性")
ANNEX_MONEY_UNIT = "万元"

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_NUM = r"(\d+(?:\.\d+)?)"
# ``h㎡`` (hectares typed as h + ㎡) is not in units.AREA_TO_M2; it is mapped to 公顷 here.
_LOCAL_AREA_UNITS = {"h㎡": "公顷"}
_AREA_UNIT_RE = "|".join(re.escape(u) for u in sorted(list(units.AREA_TO_M2) + list(_LOCAL_AREA_UNITS),
                                                       key=len, reverse=True))


def parse(text):
    """Read plan 003 into :class:`PlanTables` (see the module docstring for what comes from where)."""
    tables = PlanTables(plan=PLAN, path=str(text.path))
    tables.targets = read_targets(text)
    tables.projects, tables.printed_totals = read_annex(text)
    tables.quotas = read_quotas(text, tables.targets, tables.projects)
    tables.travel_targets = read_travel_targets(text)
    return tables


# --------------------------------------------------------------------------------------------
# Cell blocks: the tables' one-cell-per-line layout


def clean_cell(s):
    """A cell without its TAB, surrounding spaces and the full-width spaces Word puts in blanks."""
    return s.replace("\u3000", " ").strip()


def cell_blocks(text, start, end):
    """The table rows between lines ``start`` and ``end``: lists of ``(lineno, cell)``.

    A line starting with a TAB is a cell; a blank line ends a row. A non-blank line without a TAB
    inside a row continues the previous cell (a wrapped cell, e.g. annex row 67), and is joined to it
    without a space because the text is Chinese.
    """
    blocks, block = [], []
    for lineno, line in text.numbered(start, end):
        if line.startswith("\t"):
            block.append((lineno, clean_cell(line[1:])))
        elif not line.strip():
            if block:
                blocks.append(block)
            block = []
        elif block:
            prev_line, prev = block[-1]
            block[-1] = (prev_line, prev + line.strip())
        else:
            raise text.error(lineno, f"expected a table cell (a line starting with TAB), found {line[:30]!r}")
    if block:
        blocks.append(block)
    return blocks


# --------------------------------------------------------------------------------------------
# Table 1 → targets


def read_targets(text):
    """The 30 indicator rows of 表1: indicator, unit, 2020 and 2025 as printed, kind, category."""
    title_line = text.find(TABLE1_TITLE)
    end = text.find("备注", title_line) - 1
    title = re.sub(r"\s+", " ", text[title_line]).strip()
    blocks = cell_blocks(text, title_line + 1, end)
    header = tuple(c for _, c in blocks[0])
    if header != TABLE1_HEADER:
        raise text.error(blocks[0][0][0], f"表1 header is {header}, expected {TABLE1_HEADER}")
    targets, category = [], ""
    for block in blocks[1:]:
        cells = [c for _, c in block]
        if not any(c for c in cells[1:] if c not in ("实际", "中期目标", "目标")):
            continue  # the second header line (实际 / 中期目标 / 目标)
        if len(cells) != len(TABLE1_HEADER):
            raise text.error(block[0][0], f"表1 row has {len(cells)} cells, expected {len(TABLE1_HEADER)}")
        cat, name, unit, base, _mid, target, kind = cells
        category = cat or category
        if kind not in ("预期性", "约束性"):
            raise text.error(block[6][0], f"表1 指标属性 is {kind!r}, expected 预期性 or 约束性")
        if not name:
            raise text.error(block[1][0], "表1 row without an indicator name")
        targets.append(Target(plan=PLAN, table=title, indicator=name, unit=unit, source_line=block[1][0],
                              category=category, base_2020=base, target_2025=target, kind=kind))
    return targets


def table1_cells(text):
    """Each 表1 row's cells with their lines, keyed by the indicator's line (quotas need the 2023
    column and the line of each figure, which Target does not keep)."""
    title_line = text.find(TABLE1_TITLE)
    end = text.find("备注", title_line) - 1
    return {block[1][0]: block for block in cell_blocks(text, title_line + 1, end)[1:]
            if len(block) == len(TABLE1_HEADER)}


# --------------------------------------------------------------------------------------------
# The annex → projects and printed totals


def read_annex(text):
    """The 70 project rows and the printed 合计/小计 of the annex (money in 万元 → 亿元)."""
    title_line = text.find(ANNEX_TITLE)
    blocks = cell_blocks(text, title_line + 1, len(text))
    header = tuple(c for _, c in blocks[0])
    if header != ANNEX_HEADER:
        raise text.error(blocks[0][0][0], f"annex header is {header}, expected {ANNEX_HEADER}")
    projects, totals, section = [], [], ""
    for block in blocks[1:]:
        filled = [(ln, c) for ln, c in block if c]
        if not filled:
            continue  # the empty second header line
        first = filled[0][1]
        if first in ("合计", "小计"):
            totals.extend(_printed_totals(text, filled, "" if first == "合计" else section))
        elif re.fullmatch(r"[一二三四五六七八九十]+", first):
            if len(filled) != 2:
                raise text.error(filled[0][0], f"section heading row has {len(filled)} filled cells, expected 2")
            section = f"{first}、{filled[1][1]}"
        elif first.isdigit():
            if not section:
                raise text.error(filled[0][0], "project row before any section heading")
            project = _project(text, block, section)
            expected = str(len(projects) + 1)
            if project.seq != expected:
                raise text.error(block[0][0], f"row number {project.seq} out of sequence, expected {expected}")
            projects.append(project)
        else:
            raise text.error(filled[0][0], f"unrecognised annex row starting with {first!r}")
    return projects, totals


def _printed_totals(text, filled, section):
    """A 合计/小计 row as two PrintedTotal rows (总投资 and 十四五投资); each points at its figure's line."""
    label = filled[0][1]
    figures = filled[1:]
    if len(figures) != 2:
        raise text.error(filled[0][0], f"{label} row has {len(figures)} figures, expected 2")
    out = []
    for (lineno, cell), column in zip(figures, ("total_investment_yi", "fyp_investment_yi")):
        value = _money(text, lineno, cell, f"{label} {column}")
        out.append(PrintedTotal(plan=PLAN, list_name=ANNEX_LIST, section=section, column=column,
                                value_yi=value, source_line=lineno, label=label))
    return out


def _money(text, lineno, cell, what):
    """A money cell in 万元 as 亿元; None for the plan's blanks; PlanParseError for anything else."""
    try:
        value = units.parse_number(cell)
    except ValueError:
        raise text.error(lineno, f"{what}: money cell {cell!r} is not a number") from None
    # rounded so that 56981万元 is 5.6981亿元, not 5.698100000000001
    return None if value is None else round(units.money_to_yi(value, ANNEX_MONEY_UNIT), 6)


def _period(text, lineno, cell):
    """``2019-2024`` → (2019, 2024); ``2021`` → (2021, 2021); 待定, ``/`` or blank → (None, None)."""
    s = cell.replace("—", "-").replace("－", "-").replace("～", "-").replace("~", "-").replace(" ", "")
    if s in ("", "/", "-", "待定", "视情"):
        return None, None
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", s)
    if not m:
        raise text.error(lineno, f"建设期限 {cell!r} is not a year or a year span")
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else start
    if end < start:
        raise text.error(lineno, f"建设期限 {cell!r} ends before it starts")
    return start, end


def _project(text, block, section):
    """One annex row (8 cells) as a Project."""
    if len(block) != len(ANNEX_HEADER):
        raise text.error(block[0][0], f"annex row {block[0][1]!r} has {len(block)} cells, expected {len(ANNEX_HEADER)}")
    (_, seq), (name_line, name), (_, content), (_, build_type), (period_line, period), \
        (total_line, total), (fyp_line, fyp), (_, owner) = block
    if not name:
        raise text.error(name_line, f"annex row {seq} has no project name")
    label = f"row {seq} ({name})"
    start, end = _period(text, period_line, period)
    codes = parcel_codes(name, content)
    land = land_area(content)
    return cell_period(start, end, period).apply(Project(
        plan=PLAN, list_name=ANNEX_LIST, seq=seq, name=name, source_line=name_line, section=section,
        parcel_codes=";".join(n for _, n in codes), parcel_codes_raw=";".join(r for r, _ in codes),
        location_text=location_text(name, content), content=content,
        land_area_raw=land[0] if land else None, land_area_unit=land[1] if land else "",
        land_area_m2=land[2] if land else None, floor_area_m2=floor_area(content),
        build_type=build_type,
        total_investment_raw=_raw_money(total), total_investment_yi=_money(text, total_line, total, f"{label} 总投资"),
        fyp_investment_raw=_raw_money(fyp), fyp_investment_yi=_money(text, fyp_line, fyp, f"{label} 十四五投资"),
        owner=owner,
    ))


def _raw_money(cell):
    """The money cell as printed, with the table's unit when it is a figure (``56981万元``)."""
    return cell + ANNEX_MONEY_UNIT if re.fullmatch(r"\d+(?:\.\d+)?", cell) else cell


# --------------------------------------------------------------------------------------------
# Parcel codes and location phrases


def clauses(s):
    """``s`` split at ，。；, but not inside brackets (a code list in （…） stays one clause)."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if ch in "，。；;" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [c.strip() for c in out if c.strip()]


def _parcel_clauses(name, content):
    """The clauses of name and content that speak of 地块 — only there do dashed codes name parcels."""
    return [c for c in clauses(name) + clauses(content) if "地块" in c]


def parcel_codes(name, content):
    """``(printed, normalised)`` parcel codes of a row, from its 地块 clauses, without duplicates."""
    seen, out = set(), []
    for clause in _parcel_clauses(name, content):
        for raw, norm in split_codes(clause):
            if norm not in seen:
                seen.add(norm)
                out.append((raw, norm))
    return out


_FILLER = re.compile(r"^(?:浙南科技城|其中[：:]?|包括|\s)+")
_AREA_FIGURE = re.compile(r"\s*" + _NUM + r"\s*(?:" + _AREA_UNIT_RE + r")")
_BOUNDS = re.compile(r"[东西南北]起[^，。；]+?[，,]\s*[东西南北]至[^，。；]+?(?=全长|道路|河道|[，。；]|$)")
_SIDES = re.compile(r"[^，。；]*?以[东西南北](?:[，,][^，。；]*?以[东西南北])*")
_ROAD = r"[\u4e00-\u9fff]+?(?:路|大道|岭|山|桥|公园|河|浃|环岛)"
# The right-hand road must end at a non-Chinese character (or 段), so 黄石山公园 is not cut to 黄石山.
_SEGMENT = re.compile(_ROAD + r"[-—一～~]" + _ROAD + r"(?=[^\u4e00-\u9fff]|段|$)")


def _parcel_phrase(clause):
    """A 地块 clause trimmed to the words that place the parcel (no area figures, no project words)."""
    cut = clause.rfind("地块") + 2
    if clause[cut:cut + 1] == "段":
        cut += 1
    phrase = clause[:cut]
    if phrase.count("（") > phrase.count("）") and clause[cut:cut + 1] == "）":
        phrase += "）"
    first_code = re.search(r"[A-Za-z0-9]+-", phrase)
    bracket = phrase.find("（")
    if first_code and 0 <= bracket < first_code.start() and not re.search(r"(单元|片|片区)$", phrase[:bracket]):
        phrase = phrase[bracket + 1:].rstrip("）")  # 瑶溪北二小（11-A-38a地块） → 11-A-38a地块
    phrase = _AREA_FIGURE.sub("", phrase)
    return _FILLER.sub("", phrase).strip()


def location_text(name, content):
    """The phrases that place a row: its 地块 clauses, its 四至 (西起…东至…), its 以东/以南 sides,
    or else the road segments it names (金石路-龙瑶大道); "" when the row places nothing."""
    parts, covered = [], set()
    for clause in _parcel_clauses(name, content):
        new = {n for _, n in split_codes(clause)} - covered
        if new:
            covered |= new
            parts.append(_parcel_phrase(clause))
    units_named = [m.group(1) for c in clauses(content) if (m := re.match(r"([\u4e00-\u9fff]{2,4}单元)$", c))]
    if parts and units_named and not any("单元" in p for p in parts):
        parts.insert(0, units_named[0])  # row 61: 龙水单元，… YB-04-F-13 地块
    row = name + "。" + content
    bounds = [m.group(0).strip() for m in _BOUNDS.finditer(row)]
    sides = [m.group(0).strip() for m in _SIDES.finditer(content)]
    parts += bounds + sides
    if not bounds:
        segments = []
        for m in _SEGMENT.finditer(row):
            if m.group(0) not in segments:
                segments.append(m.group(0))
        parts += segments
    return "；".join(p for p in parts if p)


# --------------------------------------------------------------------------------------------
# Land and floor areas of a row


_LAND = re.compile(r"(总|净|项目总)?(?:用地|占地|规划)(?:面积)?(?:需求)?\s*(?:约|近|为)?\s*" + _NUM
                   + r"\s*(" + _AREA_UNIT_RE + r")")
_FLOOR = re.compile(r"(总)?建筑面积\s*(?:约|为)?\s*" + _NUM + r"\s*(" + _AREA_UNIT_RE + r")")
_PART_FLOOR = re.compile(r"地([上下])建筑面积\s*(?:约|为)?\s*" + _NUM + r"\s*(" + _AREA_UNIT_RE + r")")


def area_m2(value, unit):
    """units.area_to_m2, plus the ``h㎡`` spelling of hectares this plan uses."""
    return round(units.area_to_m2(value, _LOCAL_AREA_UNITS.get(unit, unit)), 2)


def land_area(content):
    """``(raw, unit, m2)`` of the site a row states (用地/占地/规划面积), or None.

    The first such figure is the site, except where the row gives no total but one figure per parcel
    (rows 63 and 67: ``11-B-23 地块用地面积 3100 平方米…``): then the parcel figures are summed.
    Floor areas (建筑面积) and works areas (修复/疏浚/绿化改造面积) are not sites.
    """
    matches = [m for m in _LAND.finditer(content)
               if not re.search(r"(居住|商业|康体|核心区)$", content[:m.start()])]
    if not matches:
        return None
    first = matches[0]
    per_parcel = len(matches) > 1 and not first.group(1) and _each_after_own_code(content, matches)
    if not per_parcel:
        value, unit = float(first.group(2)), first.group(3)
        return value, unit, area_m2(value, unit)
    unit = matches[0].group(3)
    if any(m.group(3) != unit for m in matches):
        return None
    value = sum(float(m.group(2)) for m in matches)
    return value, unit, area_m2(value, unit)


def _each_after_own_code(content, matches):
    """True when every land figure follows a parcel code printed since the previous figure."""
    prev = 0
    for m in matches:
        if not re.search(r"[A-Za-z0-9]+-[A-Za-z0-9]+-[A-Za-z0-9]+", content[prev:m.start()]):
            return False
        prev = m.end()
    return True


def floor_area(content):
    """Total floor area in m²: 总建筑面积, else 地上 + 地下, else the first 建筑面积; None if absent."""
    floors = list(_FLOOR.finditer(content))
    totals = [m for m in floors if m.group(1)]
    if totals:
        return area_m2(float(totals[0].group(2)), totals[0].group(3))
    parts = {m.group(1): area_m2(float(m.group(2)), m.group(3)) for m in _PART_FLOOR.finditer(content)}
    if {"上", "下"} <= set(parts):
        return parts["上"] + parts["下"]
    if floors:
        return area_m2(float(floors[0].group(2)), floors[0].group(3))
    return None


# --------------------------------------------------------------------------------------------
# Quotas


#: Land and water figures of the prose: (anchor regex with the figure as group "v" and unit as "u",
#: zone, item, year). The figure itself is always read from the text.
PROSE_QUOTAS = (
    (r"规划(?P<v>\d+)(?P<u>平方公里)作为浙南科技城的区域范围", "浙南科技城", "规划范围面积（2015年划定）", None),
    (r"面积合计约\s*(?P<v>[\d.]+)(?P<u>平方公里)", "浙南科技城规划范围（东至滨海大道，南至瓯海大道，西至茅竹岭，北至瓯江）", "规划范围面积", None),
    (r"12个旧工业片区改造.{0,30}?腾出用地(?P<v>[\d.]+)(?P<u>亩)", "原温州工业园等12个旧工业片区", "旧工业区改造腾出用地（累计）", None),
    (r"农转用土地征收(?P<v>[\d.]+)(?P<u>亩)", "浙南科技城", "农转用土地征收（累计）", None),
    (r"城镇低效用地征收(?P<v>[\d.]+)(?P<u>亩)", "浙南科技城", "城镇低效用地征收（累计）", None),
    (r"拆除旧房(?P<v>[\d.]+)(?P<u>万平方米)", "永中、瑶溪、海滨街道21个村（区块）", "旧村改造拆除旧房（建筑面积，累计）", None),
    (r"腾出土地空间约(?P<v>[\d.]+)(?P<u>亩)", "永中、瑶溪、海滨街道21个村（区块）", "旧村改造腾出土地（累计）", None),
    (r"到(?P<y>\d{4})年.{0,200}?亩均产值不低于(?P<v>[\d.]+)(?P<u>万元)", "浙南科技城", "亩均产值（万元/亩，不低于）", "y"),
    (r"到(?P<y>\d{4})年.{0,220}?亩均税收不低于(?P<v>[\d.]+)(?P<u>万元)", "浙南科技城", "亩均税收（万元/亩，不低于）", "y"),
    (r"开发建设用地达到(?P<v>[\d.]+)(?P<u>平方公里)", "浙南科技城", "开发建设用地", 2025),
    (r"十三五期间南核心区(?P<v>[\d.]+)(?P<u>平方公里)基本建成", "南核心区（南部数字科创核心区）", "十三五基本建成面积", 2020),
    (r"一期已建成(?P<v>[\d.]+)(?P<u>亩)国际眼视光眼科医院", "中国眼谷特色小镇", "一期用地（国际眼视光眼科医院，已建成）", None),
    (r"二期(?P<v>[\d.]+)(?P<u>亩)以眼视光", "中国眼谷特色小镇", "二期用地（眼视光科创产业园，三年内建成）", None),
    (r"核心区约(?P<v>[\d.]+)个(?P<u>平方公里)", "中国眼谷特色小镇", "核心区面积", None),
    (r"现状水系面积约(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城规划范围", "现状水系面积（现状河道74条）", 2020),
    (r"水面率(?P<v>[\d.]+)(?P<u>%)", "浙南科技城规划范围", "现状水面率", 2020),
    (r"规划水系面积约(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城规划范围", "规划水系面积（规划河道69条）", None),
    (r"总水面率达到(?P<v>[\d.]+)(?P<u>%)", "浙南科技城规划范围", "规划水面率", None),
    (r"增加水面面积为(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城规划范围", "实施前后增加水面面积", None),
    (r"规划总占地(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城规划范围", "规划总占地（永久占地，水土保持）", None),
    (r"防治责任范围面积共计(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城", "水土流失防治责任范围", None),
    (r"项目建设区(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城", "水土流失防治责任范围：项目建设区", None),
    (r"直接影响区(?P<v>[\d.]+)(?P<u>h㎡)", "浙南科技城", "水土流失防治责任范围：直接影响区", None),
)

#: Table 1 rows that are also land quotas (their 2020, 2023 and 2025 figures each become a quota).
TABLE1_QUOTAS = ("形成开发建设用地", "亩均产值", "亩均税收")

#: Land/water labels of the annex rows that make a quota (floor areas are not land).
_ANNEX_LAND = re.compile(r"((?:[A-Za-z0-9-]+\s*地块)?(?:项目总|总|净|公共|公园|居住|商业|文娱康体|核心区|一期|二期|河道)?"
                         r"(?:用地|占地|规划|绿地|水域|修复|疏浚|绿化景观|绿化改造)(?:面积)?(?:需求)?)"
                         r"\s*(?:约|近|为)?\s*" + _NUM + r"\s*(" + _AREA_UNIT_RE + r")")


def read_quotas(text, targets, projects):
    """Land figures: the prose list above, Table 1's land rows, and every land label of the annex."""
    quotas = [_prose_quota(text, *spec) for spec in PROSE_QUOTAS]
    quotas += _table1_quotas(text, targets)
    for p in projects:
        quotas += _annex_quotas(text, p)
    return quotas


def _sentence(line, start, end):
    """The sentence of ``line`` around ``start``–``end`` (between 。 marks), trimmed."""
    line = _BOOKMARK.sub("", line)
    left = max(line.rfind("。", 0, start), line.rfind("；", 0, start)) + 1
    right = line.find("。", end)
    return line[left: right + 1 if right >= 0 else len(line)].strip()


def _prose_quota(text, pattern, zone, item, year):
    """One prose figure: its anchor must occur exactly once in the text."""
    rx = re.compile(pattern)
    hits = [(n, m) for n, line in text.numbered() if not line.startswith("\t") for m in rx.finditer(line)]
    if len(hits) != 1:
        raise text.error(1, f"quota anchor {pattern!r} found {len(hits)} times in the prose, expected once")
    lineno, m = hits[0]
    value, unit = float(m.group("v")), m.group("u")
    m2 = area_m2(value, unit) if unit in units.AREA_TO_M2 or unit in _LOCAL_AREA_UNITS else None
    if unit == "万元":
        unit = "万元/亩"
    y = int(m.group("y")) if year == "y" else year
    return Quota(plan=PLAN, zone=zone, item=item, value=value, unit=unit, source_line=lineno, value_m2=m2,
                 year=y, text=_sentence(text[lineno], m.start("v"), m.end()))


def _table1_quotas(text, targets):
    """The land rows of 表1 as quotas for 2020, 2023 and 2025, each pointing at its figure's line."""
    cells = table1_cells(text)
    out = []
    for t in targets:
        if t.indicator not in TABLE1_QUOTAS:
            continue
        row = cells[t.source_line]
        for year, (lineno, cell) in zip((2020, 2023, 2025), row[3:6]):
            value = float(cell.strip("[]%"))
            m2 = area_m2(value, t.unit) if t.unit in units.AREA_TO_M2 else None
            out.append(Quota(plan=PLAN, zone="浙南科技城", item=t.indicator, value=value, unit=t.unit,
                             source_line=lineno, value_m2=m2, year=year,
                             text=f"{t.table}：{t.indicator} {cell}{t.unit}（{year}年）"))
    return out


def _annex_quotas(text, project):
    """Every land or water figure of an annex row's content (用地, 占地, 绿地, 水域, 修复面积 …)."""
    out = []
    for m in _ANNEX_LAND.finditer(project.content):
        value, unit = float(m.group(2)), m.group(3)
        out.append(Quota(plan=PLAN, zone=project.name, item=m.group(1).strip(), value=value, unit=unit,
                         source_line=_figure_line(text, project.source_line + 1, m.group(2)),
                         value_m2=area_m2(value, unit), text=_clip(project.content, m.start(), m.end())))
    return out


def _figure_line(text, content_line, figure):
    """The line of a figure inside a content cell that may wrap over several lines (row 67)."""
    for lineno in range(content_line, min(content_line + 5, len(text) + 1)):
        if figure in text[lineno]:
            return lineno
    raise text.error(content_line, f"figure {figure} not found on the content lines")


def _clip(s, start, end):
    """The clause of ``s`` holding ``start``–``end``."""
    left = max(s.rfind(c, 0, start) for c in "，。；,") + 1
    rights = [i for i in (s.find(c, end) for c in "，。；,") if i >= 0]
    return s[left: min(rights) if rights else len(s)].strip()


# --------------------------------------------------------------------------------------------
# Travel targets


_TIME = re.compile(r"(\d+|半)\s*(分钟|小时)")
#: How each kind of travel-time phrase names its destinations (the phrase is group "t").
_TRAVEL_PATTERNS = (
    (re.compile(r"辐射(?P<dest>[^，。]+?)的(?P<t>\d+|半)(?P<u>小时)交通圈"), "综合"),
    (re.compile(r"(?P<t>\d+)(?P<u>分钟)到达(?P<dest>[^，。]+)"), "综合"),
    (re.compile(r"(?P<t>\d+)(?P<u>分钟)(?P<dest>生活圈、服务圈)"), "未说明"),
)


def read_travel_targets(text):
    """Every travel-time statement; a time phrase that no pattern reads stops the build."""
    out = []
    for lineno, line in text.numbered():
        if line.startswith("\t"):
            continue  # the annex's design speeds (80公里/小时) are not travel times
        spans = {m.start() for m in _TIME.finditer(line)}
        for rx, mode in _TRAVEL_PATTERNS:
            for m in rx.finditer(line):
                spans.discard(m.start("t"))
                out.append(_travel(line, lineno, m, mode))
        if spans:
            raise text.error(lineno, f"travel-time phrase {line[min(spans):min(spans) + 12]!r} not read")
    return out


def _travel(line, lineno, m, mode):
    """A TravelTarget from one matched phrase; origin and means are read from the same sentence."""
    per_unit = 60.0 if m.group("u") == "小时" else 1.0
    minutes = (0.5 if m.group("t") == "半" else float(m.group("t"))) * per_unit   # 半小时 = 30
    sentence = _sentence(line, m.start(), m.end())
    origin = re.search(r"加强(.+?)与", sentence)
    unit = re.search(r"(未来城市单元)", sentence) or re.search(r"(城市单元)设置原则", sentence)
    dest = m.group("dest")
    functions = re.search(r"重点建设(.+?)等主导功能", sentence)
    if functions:
        dest = f"{dest}（{functions.group(1)}等主导功能）"
    return TravelTarget(plan=PLAN, origin=origin.group(1) if origin else (unit.group(1) if unit else "浙南科技城"),
                        destinations=dest, minutes=minutes, mode=mode, source_line=lineno, text=sentence)

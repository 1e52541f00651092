"""Reader for plan 001, the 瓯海区“十四五”规划纲要 (district master plan, March 2021).

This plan has no investment table. Its map content is:

* two indicator tables (十三五 review and 十四五 targets), tab-separated, with merged cells that
  the text conversion left as blank or shifted cells → ``targets``;
* ten boxes (专栏一 … 专栏十) whose items are the nearest thing to a project list: villages to
  rebuild, sub-parks, greenway rings, road lists … → ``projects`` without investment;
* a few land/area figures in prose and boxes (the four sub-park areas, …) → ``quotas``;
* seven travel-time statements on four lines → ``travel_targets``;
* one sentence giving the size of the absent project annex (“235个重大项目，总投资超6000亿元，
  ‘十四五’时期预计投资3449亿元左右”) → ``printed_totals`` for a list that is not in the text.

Page breaks split sentences (and box items) over two lines; the readers below join a line to the
one before when the earlier one does not end a sentence.

Local workarounds (the shared model has no place for them): the indicator tables have more
columns than :class:`~layers.plans.model.Target` (2015 base, 2020 plan target, growth and the
“[累计提高]” cells). :func:`read_indicator_tables` returns every cell verbatim as
:class:`IndicatorRow`; ``parse`` maps them onto ``Target`` (for the 十三五 table, the 2020
完成情况 value goes to ``base_2020`` and ``target_2025`` stays empty).
"""

import re
from dataclasses import dataclass, field

from ..codes import split_codes
from .model import PlanTables, PrintedTotal, Project, Quota, Target, TravelTarget
from .units import find_areas

PLAN = "001"

#: The project annex the table of contents announces (附件2 八重清单) but the text does not carry.
MISSING_LIST = "八重清单(未附)"

#: Characters that end a sentence; a line ending otherwise continues on the next non-empty line.
_SENTENCE_END = "。；！？”"

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(s):
    """A Chinese numeral up to 99 (``"十"`` = 10, ``"三"`` = 3, ``"十二"`` = 12) as an int."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def _plain(s):
    """Cell or item text without the Markdown bold marks the conversion left, trimmed."""
    return s.replace("**", "").strip()


def parse(text):
    """Read plan 001 into :class:`PlanTables`."""
    tables = PlanTables(plan=PLAN, path=str(text.path))
    tables.targets = [row.as_target() for row in read_indicator_tables(text)]
    tables.projects = read_box_projects(text)
    tables.quotas = read_quotas(text)
    tables.travel_targets = read_travel_targets(text)
    tables.printed_totals = read_printed_totals(text)
    return tables


# --------------------------------------------------------------------------------------------
# Indicator tables
# --------------------------------------------------------------------------------------------

#: The two tables: caption (as printed, found by code), the value columns after the unit, and
#: which of them are growth cells ("7%", "[0.35]") rather than values ("突破 1000").
_TABLES = (
    ("主要指标完成情况表",
     ("base_2015", "target_2020", "growth_plan", "actual_2020", "growth_actual"),
     {"growth_plan", "growth_actual"}),
    ("重点指标表",
     ("base_2020", "target_2025", "growth", "kind"),
     {"growth"}),
)

#: Units the two tables print ("-" where the unit cell is a dash).
_UNITS = {
    "亿元", "万元", "亿美元", "%", "件", "万元/人", "平方米", "立方米", "万吨", "微克/立方米",
    "万立方米", "元", "万人", "人", "张", "年", "万套", "个/千人", "-",
}

_VALUE_RE = re.compile(
    r"(?:突破|超|力争|约)?\s*[≥≤><]?\s*\d+(?:\.\d+)?\s*(?:以上|左右)?"
    r"\s*(?:\[累计\]|\(\d{4}年\)|\(亿元\))?"
)
_GROWTH_RE = re.compile(r"-?\d+(?:\.\d+)?%(?:左右|以上)?|\[\d+(?:\.\d+)?\]")
_WORD_CELLS = {"", "-", "完成上级下达目标"}
_KINDS = {"预期性", "约束性"}


@dataclass
class IndicatorRow:
    """One row of an indicator table with every cell as printed.

    ``indicator`` is the printed name; a sub-indicator (主要污染物排放削减率 → 化学需氧量 …) is
    ``"<group>：<sub>"``, and its line holds the ``<sub>`` part.
    """

    table: str
    line: int
    category: str
    seq: str
    indicator: str
    unit: str
    cells: dict = field(default_factory=dict)

    def as_target(self):
        """The row as a :class:`Target` (see the module docstring for the 十三五 mapping)."""
        c = self.cells
        return Target(
            plan=PLAN, table=self.table, indicator=self.indicator, unit=self.unit,
            source_line=self.line, category=self.category,
            base_2020=c.get("base_2020", c.get("actual_2020", "")),
            target_2025=c.get("target_2025", ""), kind=c.get("kind", ""),
        )


def read_indicator_tables(text):
    """Both indicator tables, row by row, cells verbatim; a damaged row raises."""
    rows = []
    for caption_key, columns, growth_cols in _TABLES:
        caption_line = text.find(caption_key)
        rows.extend(_read_indicator_table(text, caption_line, columns, growth_cols))
    return rows


def _read_indicator_table(text, caption_line, columns, growth_cols):
    """Rows from the caption to the 注释 line.

    The conversion merged cells in three ways that must be read, not skipped: blank leading
    cells (category or seq continue from above), a sub-indicator cell inserted after the group
    name (one extra cell), and rows shifted one cell left (the seq printed in the category
    column). So each row is read from the right: the last ``len(columns)`` cells are the values,
    the cell before them is the unit, and what is left names the row.
    """
    table = text[caption_line].strip()
    out, category, group, last_seq = [], "", "", 0
    lineno = caption_line + 1
    while True:
        if lineno > len(text):
            raise text.error(caption_line, "indicator table has no closing 注释 line")
        line = text[lineno]
        lineno += 1
        if not line.strip():
            continue
        if line.startswith("注释"):
            break
        if "\t" not in line:
            raise text.error(lineno - 1, "indicator table row is not tab-separated")
        if "指标名称" in line or "年均增长" in line:
            continue  # header rows
        row_line = lineno - 1
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        n = len(columns)
        if len(cells) < n + 2:
            raise text.error(row_line, f"indicator row has {len(cells)} cells, fewer than the "
                                       f"{n + 2} needed (name, unit, values): a cell is missing")
        head, unit, values = cells[: -n - 1], cells[-n - 1], cells[-n:]
        seq, names, row_category = _read_row_head(head)
        if not names:
            raise text.error(row_line, "indicator row has no name: a cell is missing or shifted")
        if unit not in _UNITS:
            raise text.error(row_line, f"unit cell {unit!r} is not a unit: a cell is missing "
                                       f"or shifted")
        if row_category:
            category = _collapse_cjk_spaces(row_category)
        if seq:
            if int(seq) != last_seq + 1:
                raise text.error(row_line, f"indicator number {seq} out of sequence "
                                           f"(expected {last_seq + 1})")
            last_seq = int(seq)
            group = names[0] if len(names) > 1 else ""
            name = names[-1]
        elif group and len(names) == 1:
            name = names[0]
        else:
            raise text.error(row_line, "indicator row has no number and continues no group")
        indicator = f"{group}：{name}" if group else name
        cell_map = dict(zip(columns, values))
        _check_cells(text, row_line, cell_map, growth_cols)
        out.append(IndicatorRow(table=table, line=row_line, category=category,
                                seq=str(last_seq), indicator=indicator, unit=unit,
                                cells=cell_map))
    return out


def _read_row_head(head):
    """``(seq, names, category)`` from the cells left of the unit.

    A leading non-number cell is the category only when the seq follows it; a number anywhere is
    the seq; the other non-empty cells are the indicator name (and sub-indicator).
    """
    seq, names, category = "", [], ""
    for i, cell in enumerate(head):
        if not cell:
            continue
        if cell.isdigit() and not seq:
            seq = cell
        elif i == 0 and len(head) > 1 and head[1].isdigit():
            category = cell
        else:
            names.append(cell)
    return seq, names, category


def _check_cells(text, lineno, cells, growth_cols):
    """Every value cell is a printed number, a growth figure, or one of the plan's words."""
    for col, cell in cells.items():
        if col == "kind":
            if cell not in _KINDS:
                raise text.error(lineno, f"指标属性 cell {cell!r} is not 预期性/约束性")
            continue
        if cell in _WORD_CELLS:
            continue
        pattern = _GROWTH_RE if col in growth_cols else _VALUE_RE
        if not pattern.fullmatch(cell):
            raise text.error(lineno, f"{col} cell {cell!r} is not a number")


def _collapse_cjk_spaces(s):
    """``"综合 实力"`` → ``"综合实力"`` (a PDF line-wrap inside a cell)."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", s)


# --------------------------------------------------------------------------------------------
# Boxes (专栏) → projects
# --------------------------------------------------------------------------------------------

_BOX_RE = re.compile(r"^专栏([一二三四五六七八九十]+)：(.+)$")
_NUMBERED_RE = re.compile(r"^(?:-\s*)?(\d+)\.\s*(?:\*\*)?([^：*]+?)(?:\*\*)?：(.*)$")

#: How each box prints its items: numbered ("1. 名称：…") or "label：…" with the label pattern.
_BOX_ITEM_RES = {
    1: _NUMBERED_RE,
    2: re.compile(r"^()([^：]{2,20}工程)：(.*)$"),
    3: re.compile(r"^()([^：]{1,6}街道)：(.*)$"),
    4: re.compile(r"^()(一心|一带|两廊|多节点)：(.*)$"),
    5: _NUMBERED_RE,
    6: _NUMBERED_RE,
    7: _NUMBERED_RE,
    8: _NUMBERED_RE,
    9: re.compile(r"^()(一心|三环|八廊)：(.*)$"),
    10: re.compile(r"^()(“[^”]+”[^：“]{2,12})：(.*)$"),
}


@dataclass
class Box:
    """A 专栏 as printed: number, title, header line and its items."""

    number: int
    title: str
    line: int
    items: list = field(default_factory=list)

    @property
    def list_name(self):
        return f"专栏{_cn(self.number)} {self.title}"


@dataclass
class BoxItem:
    """One item of a box: printed number ("" if none), label, body (continuations joined)."""

    line: int
    number: str
    label: str
    body: str


def _cn(n):
    """1…10 → 一…十 (for the box names)."""
    return "十" if n == 10 else "一二三四五六七八九"[n - 1]


def read_boxes(text):
    """The ten boxes with their items; a box that reads no items, or out of order, raises."""
    boxes = []
    for lineno, line in text.numbered():
        m = _BOX_RE.match(line.strip())
        if not m:
            continue
        number = cn_number(m.group(1))
        if number != len(boxes) + 1:
            raise text.error(lineno, f"专栏{m.group(1)} out of sequence (expected 专栏"
                                     f"{_cn(len(boxes) + 1)})")
        if number not in _BOX_ITEM_RES:
            raise text.error(lineno, f"专栏{m.group(1)}: this reader knows no layout for it")
        box = Box(number=number, title=m.group(2).strip(), line=lineno)
        box.items = _read_box_items(text, lineno, _BOX_ITEM_RES[number])
        if not box.items:
            raise text.error(lineno, f"专栏{m.group(1)} has no items in the expected layout")
        boxes.append(box)
    return boxes


def _read_box_items(text, header_line, item_re):
    """Items after a box header until the first line that neither starts an item nor continues
    an unfinished one (a page break leaves an item's sentence open at the end of a line)."""
    items = []
    for lineno, line in text.numbered(header_line + 1):
        s = line.strip()
        if not s:
            continue
        m = item_re.match(s)
        if m:
            items.append(BoxItem(line=lineno, number=m.group(1), label=_plain(m.group(2)),
                                 body=_plain(m.group(3))))
        elif items and not items[-1].body.endswith(tuple(_SENTENCE_END)):
            items[-1].body += _plain(s)
        else:
            break
    return items


def read_box_projects(text):
    """Every box item as a project row without investment.

    ``list_name`` is “专栏X <title>”; ``seq`` is the printed item number, or the item's position in
    the box where the box prints none (专栏二, 三, 四, 九, 十).
    """
    projects = []
    for box in read_boxes(text):
        if box.number == 3:
            rows = _village_rows(text, box)
        elif box.number in (4, 9):
            rows = _structure_rows(text, box)
        elif box.number == 10:
            rows = _transport_rows(text, box)
        else:
            rows = _item_rows(text, box)
        for i, row in enumerate(rows, 1):
            row.seq = row.seq or str(i)
            codes = _parcel_codes(row.name, row.content, row.location_text)
            row.parcel_codes = ";".join(norm for _, norm in codes)
            row.parcel_codes_raw = ";".join(raw for raw, _ in codes)
        projects.extend(rows)
    return projects


def _project(box, line, name, **kw):
    """A project row of ``box`` (no investment: the boxes carry none)."""
    return Project(plan=PLAN, list_name=box.list_name, seq=kw.pop("seq", ""), name=name,
                   source_line=line, **kw)


def _item_rows(text, box):
    """One row per item (boxes 1, 2, 5–8); numbered items must run 1, 2, 3 …; an area the item
    states (面积约12.52平方公里) becomes the land area."""
    rows = []
    for i, item in enumerate(box.items, 1):
        if item.number and int(item.number) != i:
            raise text.error(item.line, f"item number {item.number} out of sequence in "
                                        f"专栏{_cn(box.number)} (expected {i})")
        area = _stated_area(item.body)
        kw = {}
        if area:
            kw = dict(land_area_raw=area[0], land_area_unit=area[1], land_area_m2=area[2])
        rows.append(_project(box, item.line, item.label, seq=item.number, content=item.body, **kw))
    return rows


_AREA_WORDS_RE = re.compile(r"(?:总用地面积|用地面积|占地面积|规划面积|用地|占地|面积)约?\s*")


def _stated_area(body):
    """``(value, unit, m2)`` of the site area an item states, or None (floor areas excluded)."""
    for m in _AREA_WORDS_RE.finditer(body):
        if body[max(0, m.start() - 2): m.start()] == "建筑":
            continue
        rest = body[m.end():]
        number = re.match(r"\d+(?:\.\d+)?", rest)
        found = find_areas(rest[:20]) if number else []
        if found and found[0][0] == float(number.group()):
            return found[0]
    return None


def _village_rows(text, box):
    """专栏三: one row per village, its 街道 as section and location."""
    rows = []
    for item in box.items:
        for name in item.body.rstrip("；;。").split("、"):
            m = re.fullmatch(r"([^（）、]+村)(?:（([^）]+)）)?", name.strip())
            if not m:
                raise text.error(item.line, f"{name!r} in the 城中村 list is not a village name")
            rows.append(_project(box, item.line, m.group(1), section=item.label,
                                 location_text=item.label, content=m.group(2) or ""))
    return rows


_PLACING_WORDS = ("以", "串联", "依托", "连接", "贯通", "北至", "南至", "位于", "沿")


def _placing_phrase(body):
    """The clauses of ``body`` that place a structure (以…为核心, 串联…, 北至…南至…)."""
    clauses = re.split(r"[，。；]", body)
    return "，".join(c.strip() for c in clauses if c.strip().startswith(_PLACING_WORDS))


def _structure_rows(text, box):
    """专栏四 and 专栏九 (“一心一带两廊多节点”, “一心三环八廊”): one row per named element.

    Three printed forms: ``**名称**——描述`` segments (两廊, 三环), plain lists (多节点, 八廊:
    “包括A、B…，打造…”), and a single described element (一心, 一带) whose name is read from
    “即X” / “…的X” / “形成…的X”.
    """
    rows = []
    for item in box.items:
        section = item.label
        segments = re.findall(r"\*\*(.+?)\*\*——(.*?)(?=\*\*|$)",
                              text[item.line].split("：", 1)[1])
        if segments:
            for name, desc in segments:
                desc = _plain(desc).rstrip("；;")
                rows.append(_project(box, item.line, name.strip(), section=section,
                                     content=desc, location_text=_placing_phrase(desc)))
        elif item.body.startswith("包括") or "，" not in item.body:
            listed = item.body.split("，")[0].removeprefix("包括").rstrip("。")
            for name in listed.split("、"):
                rows.append(_project(box, item.line, name.strip(), section=section))
        else:
            rows.append(_project(box, item.line, _single_structure_name(item), section=section,
                                 content=item.body, location_text=_placing_phrase(item.body)))
    return rows


def _single_structure_name(item):
    """The name a one-element item gives itself, or its label when it gives none."""
    for pattern in (r"^即([^，。]+)", r"^以.+?为主的([^，。]+)", r"形成[^，。]*?的([^，。的]+)。?$"):
        m = re.search(pattern, item.body)
        if m:
            return m.group(1).strip()
    return item.label


def _transport_rows(text, box):
    """专栏十: each road of each list; “五纵”/“两横” sub-lists become part of the section."""
    rows = []
    for item in box.items:
        for part in item.body.rstrip("。").split("；"):
            m = re.match(r"^“(.+?)”为(.+)$", part.strip())
            section = f"{item.label}：{m.group(1)}" if m else item.label
            listed = m.group(2) if m else part
            for name in listed.split("、"):
                name = name.strip()
                if not name:
                    raise text.error(item.line, f"empty road name in {section}")
                rows.append(_project(box, item.line, name, section=section))
    return rows


#: Codes that split_codes may find but that name roads or rail lines, not parcels.
_ROUTE_RE = re.compile(r"^(?:[GSM]\d{1,4}|BRT|TOD)$", re.I)


def _parcel_codes(*texts):
    """Parcel codes in the row's texts, without road/rail names (G330, S1) or class ranges."""
    out = []
    for raw, norm in split_codes(" ".join(t for t in texts if t)):
        if _ROUTE_RE.match(norm) or re.fullmatch(r"[IVX]+-[IVX]+", norm):
            continue
        out.append((raw, norm))
    return out


# --------------------------------------------------------------------------------------------
# Quotas: the land/area figures the plan states
# --------------------------------------------------------------------------------------------

def read_quotas(text):
    """Land and area figures with the zone they are about.

    The plan sets no land quotas (新增建设用地 etc. appear only as policy wording). It does state:
    the four sub-park areas (专栏六), the length of the 温瑞塘河 belt inside 南部新区 (专栏四), the
    share of new industrial land on provincial platforms supplied as “标准地”, and the land used
    per unit of GDP (十三五 table). 常住人口 and per-capita sports area are not land figures.
    """
    quotas = []
    for box in read_boxes(text):
        if box.number == 6:
            for row in _item_rows(text, box):
                if row.land_area_raw is None:
                    raise text.error(row.source_line, f"sub-park {row.name} states no area")
                quotas.append(Quota(plan=PLAN, zone=row.name, item="面积",
                                    value=row.land_area_raw, unit=row.land_area_unit,
                                    source_line=row.source_line, value_m2=row.land_area_m2,
                                    text=_sentence(text, row.source_line, "面积")))
        if box.number == 4:
            for item in box.items:
                m = re.search(r"规划范围内约\s*(\d+(?:\.\d+)?)\s*(公里)", item.body)
                if m:
                    quotas.append(Quota(plan=PLAN, zone="南部新区",
                                        item=f"{_single_structure_name(item)}长度",
                                        value=float(m.group(1)), unit=m.group(2),
                                        source_line=item.line,
                                        text=_sentence(text, item.line, "规划范围内")))
    quotas.extend(_standard_land_quota(text))
    quotas.extend(_land_per_gdp_quotas(text))
    return quotas


def _standard_land_quota(text):
    """“实现省级平台新批工业用地100%按‘标准地’供应”."""
    lineno = text.find("新批工业用地")
    m = re.search(r"实现(.+?)新批工业用地(\d+(?:\.\d+)?)%按“标准地”供应", text[lineno])
    if not m:
        raise text.error(lineno, "expected the 新批工业用地 …% 按“标准地”供应 figure here")
    return [Quota(plan=PLAN, zone=m.group(1), item="新批工业用地按“标准地”供应比例",
                  value=float(m.group(2)), unit="%", source_line=lineno,
                  text=_sentence(text, lineno, "新批工业用地"))]


def _land_per_gdp_quotas(text):
    """单位生产总值耗地量 from the 十三五 table: the base (with its year) and the 2020 value."""
    out = []
    for row in read_indicator_tables(text):
        if row.indicator != "单位生产总值耗地量":
            continue
        for col, default_year in (("base_2015", 2015), ("actual_2020", 2020)):
            m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:\((\d{4})年\))?", row.cells[col])
            if m:
                out.append(Quota(plan=PLAN, zone="瓯海区", item=row.indicator,
                                 value=float(m.group(1)), unit=row.unit,
                                 source_line=row.line,
                                 year=int(m.group(2) or default_year),
                                 text=text[row.line].strip().replace("\t", " ")))
    if not out:
        raise text.error(1, "单位生产总值耗地量 not found in the 十三五 indicator table")
    return out


# --------------------------------------------------------------------------------------------
# Travel-time statements
# --------------------------------------------------------------------------------------------

_TIME = r"(\d+(?:\.\d+)?|半)\s*(分钟|小时)"
_ANY_TIME_RE = re.compile(_TIME)
_TRAVEL_FORMS = (
    # 实现 15 分钟到达全区镇街驻地、1 小时通达中心城区及周边县市
    re.compile(_TIME + r"\s*(?:到达|通达|可达|直达)([^、，。；]+)"),
    # 融入长三角“2小时交通圈”
    re.compile(r"融入([^“，。]{1,6})“" + _TIME + r"交通圈”"),
    # “城市15分钟文化圈”, “15分钟文化圈”
    re.compile(r"“(城市|农村)?" + _TIME + r"(文化圈|生活圈|服务圈)”"),
)


def _minutes(value, unit):
    v = 0.5 if value == "半" else float(value)
    return v * 60 if unit == "小时" else v


def _mode(sentence):
    """The mode a sentence implies by the infrastructure it names."""
    if re.search(r"高铁|铁路|轨道", sentence):
        return "轨道"
    if re.search(r"公路|快速路|主干路|道路|高速", sentence):
        return "驾车"
    return "综合"


def read_travel_targets(text):
    """Every travel-time figure in the text; one the forms above cannot read raises.

    The plan names no origin point: the district (瓯海区) is the subject of every transport
    statement; the culture circles name 城市/农村 as their population where printed.
    """
    out = []
    for lineno, line in text.numbered():
        times = list(_ANY_TIME_RE.finditer(line))
        if not times:
            continue
        read = set()
        for form_no, form in enumerate(_TRAVEL_FORMS):
            for m in form.finditer(line):
                sentence = _sentence(text, lineno, m.group(0))
                if form_no == 0:
                    value, unit, dest = m.group(1), m.group(2), m.group(3)
                    origin, mode = "瓯海区", _mode(sentence)
                    time_start = m.start(1)
                elif form_no == 1:
                    dest, value, unit = m.group(1), m.group(2), m.group(3)
                    origin, mode = "瓯海区", _mode(_clause_before(line, m.start()))
                    time_start = m.start(2)
                else:
                    origin = m.group(1) or "瓯海区"
                    value, unit = m.group(2), m.group(3)
                    dest, mode = f"公共文化设施（{m.group(0).strip('“”')}）", "未说明"
                    time_start = m.start(2)
                read.add(time_start)
                out.append(TravelTarget(plan=PLAN, origin=origin, destinations=dest.strip(),
                                        minutes=_minutes(value, unit), mode=mode,
                                        source_line=lineno, text=sentence))
        for t in times:
            if t.start() not in read:
                raise text.error(lineno, f"time figure {t.group(0)!r} is not in a travel "
                                         f"statement form this reader knows")
    return out


def _clause_before(line, pos):
    """The part of the sentence in ``line`` that leads up to ``pos`` (from the last 。)."""
    return line[: pos].rsplit("。", 1)[-1]


def _sentence(text, lineno, needle):
    """The sentence of line ``lineno`` that holds ``needle``, joined across a page break."""
    line = text[lineno].strip()
    pos = line.find(needle)
    start = line.rfind("。", 0, max(pos, 0)) + 1
    end = line.find("。", pos)
    sentence = line[start: end + 1 if end >= 0 else len(line)]
    if start == 0:
        prev = lineno - 1
        while prev >= 1 and not text[prev].strip():
            prev -= 1
        prev_line = text[prev].strip() if prev >= 1 else ""
        if _continues(prev_line, line):
            sentence = prev_line.rsplit("。", 1)[-1] + sentence
    return _plain(re.sub(r"^-?\s*\d+\.\s*", "", sentence))


def _continues(prev_line, line):
    """True when ``line`` carries on the sentence ``prev_line`` left open at a page break.

    A heading or box title (short, no sentence end) or a new list item does not carry on.
    """
    if not prev_line or prev_line.endswith(tuple(_SENTENCE_END)) or len(prev_line) < 30:
        return False
    return not re.match(r"^(?:-\s*)?\d+\.", line)


# --------------------------------------------------------------------------------------------
# Printed totals
# --------------------------------------------------------------------------------------------

def read_printed_totals(text):
    """The project annex's totals, printed in prose (L835) for a list the text does not carry."""
    lineno = text.find("个重大项目")
    line = text[lineno]
    total = re.search(r"(\d+)个重大项目，项目总投资超(\d+(?:\.\d+)?)亿元", line)
    fyp = re.search(r"“十四五”时期预计投资(\d+(?:\.\d+)?)亿元左右", line)
    if not (total and fyp):
        raise text.error(lineno, "expected “…个重大项目，项目总投资超…亿元，“十四五”时期预计投资…"
                                 "亿元左右” here")
    count = total.group(1)
    return [
        PrintedTotal(plan=PLAN, list_name=MISSING_LIST, section="", column="total_investment_yi",
                     value_yi=float(total.group(2)), source_line=lineno,
                     label=f"{count}个重大项目，项目总投资超{total.group(2)}亿元"),
        PrintedTotal(plan=PLAN, list_name=MISSING_LIST, section="", column="fyp_investment_yi",
                     value_yi=float(fyp.group(1)), source_line=lineno,
                     label=f"“十四五”时期预计投资{fyp.group(1)}亿元左右"),
    ]

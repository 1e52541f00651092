"""Reader for plan 004: 温州环大罗山科创走廊建设三年行动计划（2020-2022）.

The file is a PDF dump. Its annex (《三大会战及重点任务分解表》) holds four tables whose columns are
wrapped over many lines with no delimiter but spacing:

- a cell that wraps continues on the next non-blank line, and such a line has *no* trailing space;
- the last line of a cell ends with a space;
- two cells on one line are separated by a space between two Chinese characters (or after "。").
  Spaces next to Latin letters or digits ("到 2020 年", "S2 线", "G330 国道") belong to the cell.

So the reader first turns each row into a list of cells (:class:`Flow`), then reads the cells in the
known column order of each table. Rows are found by their printed row numbers ("1 温州浙南科技城核"
at a line start): the numbers must run 1..N where N is the count the table heading prints ("（12 条）"),
and a number out of sequence or a short table stops the build with the line to look at.

The plan prints no 小计/合计, so ``printed_totals`` stays empty; the transport table's sum (629.18 亿元)
is a derived figure of the reading notes, not a printed one. The notice and main text (lines 1–424)
give the corridor targets (主要目标), the travel-time promises and some area figures; the partial
second copy of the main text at the end of the file (after 抄送) is ignored.
"""

import re
from dataclasses import dataclass, field

from ..codes import split_codes
from . import units
from .model import PlanTables, Project, Quota, Target, TravelTarget
from .periods import read_period

PLAN = "004"

# --------------------------------------------------------------------------------------------
# Text flow: wrapped PDF lines joined into cells, every character remembering its line
# --------------------------------------------------------------------------------------------

#: A page number line such as " — 7 — " (dropped: it can fall inside a wrapped sentence).
_PAGE_MARK = re.compile(r"^\s*[—-]\s*\d+\s*[—-]\s*$")
#: Spacing that separates two cells printed on one line (see the module docstring).
_CELL_SEP = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+(?=[^\x00-\x7f])|(?<=。)[ \t\u3000]+")


@dataclass
class Cell:
    """One cell of a row (or one paragraph of prose), with the line of its first character."""

    text: str
    line: int
    flow: "Flow" = field(repr=False, default=None)
    start: int = 0          # offset of ``text`` in ``flow.text``

    def line_of(self, offset):
        """The file line of character ``offset`` of this cell's text."""
        return self.flow.lines[self.start + offset]


class Flow:
    """Running text built from numbered lines; ``lines[i]`` is the file line of ``text[i]``.

    Wrapped lines are joined without a space, cell ends become ``"\\n"``. Keeping the line of every
    character lets each parsed row point back at the line where its name or figure is printed.
    """

    def __init__(self, pairs, split_cells=True):
        parts, lines = [], []
        for lineno, raw in pairs:
            if _PAGE_MARK.match(raw):
                continue
            body = raw.strip()
            if not body:
                continue        # blank lines never end a cell: wrapped cells continue across them
            pieces = _CELL_SEP.split(body) if split_cells else [body]
            chunk = "\n".join(pieces)
            if raw[-1:].isspace():
                chunk += "\n"   # a trailing space closes the cell
            parts.append(chunk)
            lines.extend([lineno] * len(chunk))
        self.text = "".join(parts)
        self.lines = lines

    def cells(self, start=0):
        """The non-empty cells (``"\\n"``-separated pieces) from offset ``start`` on."""
        out = []
        for m in re.finditer(r"[^\n]+", self.text[start:]):
            stripped = m.group(0).strip()
            if stripped:
                offset = start + m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
                out.append(Cell(stripped, self.lines[offset], self, offset))
        return out

    def line_at(self, offset):
        return self.lines[offset]


# --------------------------------------------------------------------------------------------
# Small readers shared by the tables
# --------------------------------------------------------------------------------------------

#: "2020 年", "2020年 12月", "2020-2022 年" (a year is only a year when 年 follows it).
_YEAR = re.compile(r"(20\d\d)\s*(?:-\s*(20\d\d)\s*)?年")
#: A cell of a responsible body: Chinese characters, quotes and brackets only, no punctuation.
_ORG_CELL = re.compile(r"\*?[\u4e00-\u9fff“”‘’（）()]+")
#: How the name of a body ends ("温州医科大会" is a misprint of 温州医科大学 kept as printed).
_ORG_END = re.compile(r"(政府|管委会|局|集团|委|办|部|联|协|学|大会|支行|）|\))$")


def _years(s):
    """All years stated as "20xx 年" / "20xx-20yy 年" in ``s``."""
    out = []
    for m in _YEAR.finditer(s):
        out.append(int(m.group(1)))
        if m.group(2):
            out.append(int(m.group(2)))
    return out


#: A clause that dates something: it holds "20xx 年" (a 时间安排 / 进度要求 / milestone clause).
_DATED_CLAUSE = re.compile(r"[^，,；;。\n]*20\d\d\s*年[^，,；;。\n]*")
#: A schedule cell of the 环境整治 table: it names a month or a year ("2020 年 6 月底前…", "12 月底前…").
_SCHEDULE = re.compile(r"20\d\d\s*年|\d{1,2}\s*月")


def _milestones(s):
    """The dated clauses of a goal text, as printed: "到 2020 年；到 2022 年" (the goals are in content).

    A 三年建设目标 cell lists what is due by each year; its years are milestones (complete-by), not a
    construction period, and the starts it names belong to parts of the block, not to the block.
    """
    return "；".join(m.group(0).strip() for m in _DATED_CLAUSE.finditer(s))


def _join(s):
    """Cell text with the cell breaks removed (a Chinese cell wraps without spaces)."""
    return s.replace("\n", "")


def _merge_owner_cells(text, cells):
    """Join the 责任单位 cells of a row into body names.

    A body name wrapped by the PDF ("瓯江口产业集聚区" / "管委会", "“一区五园”所在地政府" / "（管委会）")
    comes as two cells; a piece is glued to the one before when that one does not end like a body
    name or the piece opens with a bracket. Every resulting name must end like a body name, else the
    row is reported (a content cell was probably taken for an owner).
    """
    names = []   # [text, line]
    for cell in cells:
        t = cell.text
        glue = names and (t.startswith(("（", "(")) or not _ORG_END.search(names[-1][0])
                          or names[-1][0].count("（") > names[-1][0].count("）"))
        if glue:
            names[-1][0] += t
        else:
            names.append([t, cell.line])
    for name, line in names:
        if not _ORG_END.search(name):
            raise text.error(line, f"cannot read the responsible body {name!r}")
    return "、".join(n for n, _ in names)


def _split_owner_cells(cells):
    """(owner cells, other cells): owners are the cells made of Chinese characters only."""
    owners = [c for c in cells if _ORG_CELL.fullmatch(c.text)]
    others = [c for c in cells if not _ORG_CELL.fullmatch(c.text)]
    return owners, others


def _money(text, token, line, unit):
    """A money cell in ``unit`` → 亿元; 视情/视情而定/待定/blank → None. Anything else is an error."""
    if token.startswith("视情") or token in ("待定", ""):
        return None
    try:
        value = units.parse_number(token)
    except ValueError:
        raise text.error(line, f"money cell {token!r} is not a number") from None
    return None if value is None else units.money_to_yi(value, unit)


def _parcel_codes(*texts):
    """Parcel codes in the row, as (normalised, printed) ';'-joined strings.

    This plan prints no control-plan parcel codes; road and rail names such as G330, S2, S3 or
    "104 国道-钟桥河" must not be taken for one, so codes of the road/rail shape are dropped.
    """
    found = []
    for t in texts:
        for raw, norm in split_codes(t):
            if re.fullmatch(r"[GSK]\d+", norm) or norm in (n for _, n in found):
                continue
            found.append((raw, norm))
    return ";".join(n for _, n in found), ";".join(r for r, _ in found)


# --------------------------------------------------------------------------------------------
# The annex tables
# --------------------------------------------------------------------------------------------

_TABLE_HEADING = re.compile(r"^\s*([一二三四])、\s*(\S+?)\s*[（(]\s*(\d+)\s*条\s*[）)]\s*$")
_ANCHOR = re.compile(r"^\s*(\d{1,3})(?=\s|$)(.*)$")
#: What may follow a number at a line start inside a cell ("2 平方公里", "7 个以上", "12 月").
_UNIT_START = re.compile(r"\s*(?:[个家名项条座亿万亩年月号%㎡.．\-]|平方|公里|米)")


@dataclass
class Table:
    numeral: str
    title: str
    count: int
    heading_line: int
    header_line: int
    end_line: int
    money_unit: str = ""


@dataclass
class Row:
    seq: int
    line: int                                   # the line of the printed row number
    pairs: list = field(default_factory=list)   # (line, text) of the row, number removed
    flow: Flow = None


def _find_tables(text):
    """The four annex tables: title, printed row count, header line and last line of each.

    The annex starts at the first table heading and ends before the 抄送 line, which keeps the
    partial second copy of the main text (at the end of the file) out.
    """
    end = text.find("抄送", start=text.find("三大会战及重点任务分解表"))
    headings = []
    for no, line in text.numbered(1, end - 1):
        m = _TABLE_HEADING.match(line)
        if m:
            headings.append((no, m))
    if [m.group(1) for _, m in headings] != list("一二三四"):
        raise text.error(headings[0][0] if headings else 1,
                         f"expected the four annex tables 一…四, found {[m.group(0) for _, m in headings]}")
    tables = []
    for i, (no, m) in enumerate(headings):
        last = headings[i + 1][0] - 1 if i + 1 < len(headings) else end - 1
        header = text.find("序号", start=no, end=last)
        money = re.search(r"总投资（(亿元|万元)）", text[header])
        tables.append(Table(m.group(1), m.group(2), int(m.group(3)), no, header, last,
                            money.group(1) if money else ""))
    return tables


def _rows(text, table):
    """Cut a table into rows at its printed row numbers, checking they run 1..count.

    A line starting with the next expected number (not followed by a unit, as in "2 平方公里")
    opens a row. A line that starts with another row number of the table is a numbering error.
    """
    rows, expected = [], 1
    for no, raw in text.numbered(table.header_line + 1, table.end_line):
        m = _ANCHOR.match(raw)
        if m and not _UNIT_START.match(m.group(2)):
            n = int(m.group(1))
            if n == expected:
                rest = m.group(2).lstrip()
                rows.append(Row(n, no, [(no, rest)] if rest.strip() else []))
                expected += 1
                continue
            if 1 <= n <= table.count:
                raise text.error(no, f"{table.title}: row number {n} out of sequence, expected {expected}")
        if rows:
            rows[-1].pairs.append((no, raw))
    if len(rows) != table.count:
        raise text.error(table.end_line, f"{table.title}: found {len(rows)} rows (row {expected} missing), "
                                         f"the heading says {table.count}")
    for row in rows:
        row.flow = Flow(row.pairs)
    return rows


def _name_and_cells(text, table, row):
    """The row's name (its first cell) and the cells after it."""
    cells = row.flow.cells()
    if not cells:
        raise text.error(row.line, f"{table.title}: row {row.seq} is empty")
    first = cells[0]
    punct = re.search(r"[，。；]", first.text)
    if punct:
        # A name cell never holds punctuation: the content followed the name on the same line with
        # only a space before a figure ("环山南路 330 国道塘下大道至…"), which is not a cell break
        # by the general rule. Cut at the first space that is followed by a digit.
        cut = re.search(r"(?<=[^\x00-\x7f])\s+(?=\d)", first.text[:punct.start()])
        if not cut:
            raise text.error(first.line, f"{table.title}: row {row.seq}: cannot tell the name from "
                                         f"the next cell in {first.text[:30]!r}")
        rest = Cell(first.text[cut.end():], first.line_of(cut.end()), row.flow, first.start + cut.end())
        first = Cell(first.text[:cut.start()], first.line, row.flow, first.start)
        cells = [first, rest] + cells[1:]
    return cells[0], cells[1:]


def _project(table, row, name, **kw):
    return Project(plan=PLAN, list_name=table.title, seq=str(row.seq), name=name.text,
                   source_line=name.line, **kw)


def _key_block(text, table, row):
    """一 重点建设区块: 区块名称 | 四至范围 (with the area) | 总体定位 | 三年建设目标 | 责任主体."""
    name, cells = _name_and_cells(text, table, row)
    owner_cells, others = _split_owner_cells(cells)
    if not owner_cells or len(others) < 3:
        raise text.error(row.line, f"{table.title}: row {row.seq} lacks cells "
                                   "(四至, 总体定位, 目标 and 责任主体 expected)")
    bounds, role, goals = others[0], others[1], others[2:]
    areas = units.find_areas(bounds.text)
    if not areas:
        raise text.error(bounds.line, f"{table.title}: row {row.seq}: the 四至 cell states no area")
    if len({u for _, u, _ in areas}) != 1:
        raise text.error(bounds.line, f"{table.title}: row {row.seq}: areas in mixed units")
    goal_text = " ".join(c.text for c in goals)
    period = read_period(_milestones(goal_text))
    codes, codes_raw = _parcel_codes(name.text, bounds.text)
    project = _project(
        table, row, name,
        location_text=bounds.text,
        content=" ".join([role.text] + [c.text for c in goals]),
        land_area_raw=round(sum(v for v, _, _ in areas), 6),   # 应急产业园: 一期 + 二期
        land_area_unit=areas[0][1],
        land_area_m2=sum(m2 for _, _, m2 in areas),
        owner=_merge_owner_cells(text, owner_cells),
        parcel_codes=codes, parcel_codes_raw=codes_raw,
    )
    period.apply(project)
    quotas = _block_quotas(project, bounds) + _prose_area_quotas(text, [role] + goals, place=name.text)
    return project, quotas


def _from_to(content):
    """The "甲至乙" / "甲-乙" clause that opens a transport row's 建设内容, if any."""
    first = re.split(r"[，。（(]", content, maxsplit=1)[0]
    return first if re.search(r"至|-", first) and "长" not in first else ""


def _transport(text, table, row):
    """二 交通路网: 项目名称 | 建设内容 | 时间安排 | 总投资（亿元） | 责任单位.

    建设内容 is the first sentence, 时间安排 runs to the last "。", and what follows is the money
    cell (a number, possibly with a bracketed note, or 视情/视情而定) and then the bodies.
    """
    name, _ = _name_and_cells(text, table, row)
    flow = row.flow
    body_start = name.start + len(name.text)
    body = flow.text[body_start:]
    first, last = body.find("。"), body.rfind("。")
    if first < 0 or first == last:
        raise text.error(row.line, f"{table.title}: row {row.seq} lacks the 建设内容 or 时间安排 cell")
    content = _join(body[:first + 1]).strip()
    timing = _join(body[first + 1:last + 1]).strip()
    tail_start = body_start + last + 1
    tail = flow.text[tail_start:]
    m = re.match(r"\s*([^\s（(]+)((?:（|\()[^）)]*(?:）|\)))?", tail)
    if not m:
        raise text.error(flow.line_at(tail_start - 1),
                         f"{table.title}: row {row.seq} lacks the 总投资 and 责任单位 cells")
    token, note = m.group(1), _join(m.group(2) or "")
    value = _money(text, token, flow.line_at(tail_start + m.start(1)), table.money_unit)
    owner_cells = flow.cells(tail_start + m.end())
    if not owner_cells:
        raise text.error(flow.line_at(tail_start + m.start(1)),
                         f"{table.title}: row {row.seq} lacks the 责任单位 cell")
    codes, codes_raw = _parcel_codes(name.text, content)
    quotas = _terminal_quotas(flow) if "首末站" in name.text else []
    return read_period(timing).apply(_project(
        table, row, name,
        location_text=_from_to(content),
        content=content + (" " + timing if timing else ""),
        total_investment_raw=token + note,
        total_investment_yi=value,
        owner=_merge_owner_cells(text, owner_cells),
        parcel_codes=codes, parcel_codes_raw=codes_raw,
    )), quotas


#: An investment stated inside a 整治项目 cell: "工程投资约 7453 万元".
_INLINE_MONEY = re.compile(r"投资约?\s*(\d+(?:\.\d+)?)\s*(万元|亿元)")


def _cleanup(text, table, row):
    """三 环境整治提升: 道路（区块）名称 | 整治项目 | 进度要求 | 责任单位, plus unnumbered sub-items.

    Several rows continue after the 责任单位 cell with further 整治项目/进度要求 pairs that share the
    row's body; they stay inside the row's content. The road or block named is the row's location.
    The table has no money column; two rows state a works investment inside the text, which is
    kept as the row's total investment (for row 9 it covers one of its three items).
    """
    name, cells = _name_and_cells(text, table, row)
    owner_cells, others = _split_owner_cells(cells)
    if not owner_cells or not others:
        raise text.error(row.line, f"{table.title}: row {row.seq} lacks cells "
                                   "(整治项目, 进度要求 and 责任单位 expected)")
    content = " ".join(c.text for c in others)
    period = read_period(" ".join(c.text for c in others if _SCHEDULE.search(c.text)))
    raw, value = "", None
    money = [(c, m) for c in others for m in _INLINE_MONEY.finditer(c.text)]
    if len(money) > 1:
        raise text.error(money[1][0].line, f"{table.title}: row {row.seq} states several investments")
    if money:
        cell, m = money[0]
        raw = m.group(0)
        value = _money(text, m.group(1), cell.line_of(m.start(1)), m.group(2))
    codes, codes_raw = _parcel_codes(name.text, content)
    return period.apply(_project(
        table, row, name,
        location_text=name.text,
        content=content,
        total_investment_raw=raw, total_investment_yi=value,
        owner=_merge_owner_cells(text, owner_cells),
        parcel_codes=codes, parcel_codes_raw=codes_raw,
    )), []


def _task(text, table, row):
    """四 重点工作: 任务名称 | 重点工作任务和目标 | 责任单位 (no place, no period, no money)."""
    name, cells = _name_and_cells(text, table, row)
    owner_cells, others = _split_owner_cells(cells)
    if not owner_cells or not others:
        raise text.error(row.line, f"{table.title}: row {row.seq} lacks cells "
                                   "(重点工作任务和目标 and 责任单位 expected)")
    content = " ".join(c.text for c in others)
    codes, codes_raw = _parcel_codes(name.text, content)
    project = _project(table, row, name, content=content, owner=_merge_owner_cells(text, owner_cells),
                       parcel_codes=codes, parcel_codes_raw=codes_raw)
    return project, _prose_area_quotas(text, others)


_ROW_READERS = {"一": _key_block, "二": _transport, "三": _cleanup, "四": _task}


# --------------------------------------------------------------------------------------------
# Quotas: every area figure the plan states
# --------------------------------------------------------------------------------------------

def _area_quota(zone, item, cell, match_start, value, unit, year=None, sentence=""):
    return Quota(plan=PLAN, zone=zone, item=item, value=value, unit=unit,
                 source_line=cell.line_of(match_start), value_m2=units.area_to_m2(value, unit),
                 year=year, text=sentence)


_AREA_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(万平方米|平方公里|平方米|万㎡|㎡|万亩|亩|公顷)")


def _block_quotas(project, bounds):
    """The stated area of a key block; 应急产业园 gives one figure per phase (一期/二期)."""
    out = []
    for clause_m in re.finditer(r"[^；;]+", bounds.text):
        clause = clause_m.group(0)
        for m in _AREA_RE.finditer(clause):
            item = re.search(r"(总面积|总用地规模|用地规模|面积)\s*约?\s*$", clause[:m.start()])
            phase = re.search(r"[一二三]期", clause)
            zone = project.name + (phase.group(0) if phase else "")
            out.append(_area_quota(zone, item.group(1) if item else "面积", bounds,
                                   clause_m.start() + m.start(), float(m.group(1)), m.group(2),
                                   sentence=clause.strip("，。 ")))
    return out


def _sentence_around(s, i):
    """The sentence (between 。/；) of ``s`` that holds offset ``i``, trimmed."""
    a = max(s.rfind(p, 0, i) for p in "。；") + 1
    ends = [j for j in (s.find(p, i) for p in "。；") if j >= 0]
    return s[a:min(ends) + 1 if ends else len(s)].strip()


_BY_YEAR = re.compile(r"到\s*(20\d\d)\s*年")


def _prose_area_quotas(text, cells, place=""):
    """Area figures in running text: 创业孵化面积, 科技园面积, 综合体 … with the year they are due.

    The zone is the thing whose 面积 is stated ("温州市国家大学科技园面积扩容至 24 万㎡"); a figure
    that qualifies a building ("7 万平方米的综合体") becomes that building's 建筑面积, named after
    ``place`` (the key block the sentence is about). The year is the last "到 20xx 年" before it.
    """
    out = []
    for cell in cells:
        s = cell.text
        for m in _AREA_RE.finditer(s):
            before = s[:m.start()]
            clause = re.split(r"[，、；。]", before)[-1].strip()
            years = _BY_YEAR.findall(before)
            stated = re.match(r"(?:其中)?(.*?)面积(?:达到|扩容至|为)?\s*约?$", clause)
            if stated:
                zone, item = stated.group(1) or place or "科创走廊", "面积"
                if zone == "创业孵化":
                    zone, item = "科创走廊", "创业孵化面积"
            else:
                building = re.match(r"的([^\s，。、；]+?)(?:建成|投用|$)", s[m.end():])
                if not building:
                    raise text.error(cell.line_of(m.start()), f"cannot tell what the area {m.group(0)!r} is of")
                zone, item = place + building.group(1), "建筑面积"
            out.append(_area_quota(zone, item, cell, m.start(), float(m.group(1)), m.group(2),
                                   year=int(years[-1]) if years else None,
                                   sentence=_sentence_around(s, m.start())))
    return out


def _terminal_quotas(flow):
    """The six bus-terminal sites of 公交首末站配套建设, each printed as "<site>约 N ㎡"."""
    out = []
    for m in re.finditer(r"([^、，\n]*?)约\s*(\d+(?:\.\d+)?)\s*(㎡)", flow.text):
        site = m.group(1).strip()
        out.append(Quota(plan=PLAN, zone=site, item="公交首末站配套面积", value=float(m.group(2)),
                         unit=m.group(3), source_line=flow.line_at(m.start(2)),
                         value_m2=units.area_to_m2(m.group(2), m.group(3)),
                         text=f"{site}约{m.group(2)}{m.group(3)}"))
    return out


# --------------------------------------------------------------------------------------------
# Main text: targets and travel times
# --------------------------------------------------------------------------------------------

def _main_flow(text):
    """The main text (notice and 行动计划, before the annex) as paragraphs."""
    annex = text.find("附件")
    return Flow(list(text.numbered(1, annex - 1)), split_cells=False)


_TARGET_ITEM = re.compile(r"^(?P<ind>.+?)(?:达到)?\s*(?P<val>\d+(?:\.\d+)?)\s*(?P<unit>家|名|个|项|%)"
                          r"(?P<tail>以上|左右)?$")


def _targets(text, flow):
    """The 主要目标 items with a figure: "累计新增高能级创新平台 20 家以上" …

    The plan prints no baselines; each target is for the year of the section's "到 2022 年", kept in
    ``target_2025`` (the column for the plan's end year) with the year noted in ``category``.
    """
    s = flow.text
    a, b = s.find("主要目标"), s.find("三、具体任务")
    if a < 0 or b < 0:
        raise text.error(1, "cannot find the 主要目标 section")
    year_m = _YEAR.search(s, a, b)
    year = year_m.group(1) if year_m else ""
    out = []
    for para in re.finditer(r"[^\n]+", s[a:b]):
        p0 = a + para.start()
        ptext = para.group(0)
        head = ptext.split("。", 1)[0]
        for item in re.finditer(r"[^，、；。]+", ptext):
            m = _TARGET_ITEM.match(item.group(0).strip())
            if not m:
                continue
            ind = m.group("ind").strip()
            lead = item.group(0).index(ind[0])
            out.append(Target(plan=PLAN, table="主要目标", indicator=ind, unit=m.group("unit"),
                              source_line=flow.line_at(p0 + item.start() + lead),
                              category=f"{head}（{year}年目标）", base_2020="",
                              target_2025=m.group("val") + m.group("unit") + (m.group("tail") or ""),
                              kind=""))
    return out


_TRAVEL = re.compile(r"(?P<time>半小时|\d+\s*分钟|\d+\s*小时)\s*"
                     r"(?:(?P<circle>交通圈)|(?P<ring>入环|通环)|通达(?P<dest>[^”。，、]+))")
_ORIGINS = ("各大科创资源集聚地", "六个片区", "科创走廊")
_MODE_WORDS = {"轨道": "轨道", "公交": "公交", "BRT": "公交", "快速路": "驾车", "主干路": "驾车",
               "道路": "驾车", "路网": "驾车"}


def _minutes(s):
    s = s.replace(" ", "")
    if s == "半小时":
        return 30.0
    if s.endswith("小时"):
        return 60.0 * float(s[:-2])
    return float(s[:-2])


def _mode(s):
    """综合 when the words name several modes, else the one mode they name ("" if none)."""
    kinds = {kind for word, kind in _MODE_WORDS.items() if word in s}
    return "综合" if len(kinds) > 1 else (kinds.pop() if kinds else "")


def _travel_targets(flow):
    """Every travel-time promise of the main text: 半小时交通圈, 10 分钟入环, 30 分钟通环, 半小时通达…

    Origin and mode come from the clause the promise stands in, or from its sentence when the
    clause names none (e.g. "打造半小时交通圈，六个片区都以…").
    """
    s = flow.text
    out = []
    for m in _TRAVEL.finditer(s):
        sentence = s[s.rfind("。", 0, m.start()) + 1: s.find("。", m.end()) + 1].replace("\n", "").strip()
        c0 = max(s.rfind(p, 0, m.start()) for p in "，。\n") + 1
        c1 = min(j for j in (s.find(p, m.end()) for p in "，。\n") if j >= 0)
        clause = s[c0:c1].strip()
        origin = next((o for o in _ORIGINS if o in clause), None)
        where = clause if origin else sentence
        origin = origin or next((o for o in _ORIGINS if o in sentence), "")
        mode = _mode(clause) or _mode(sentence)
        if m.group("circle"):
            dest = "交通圈"
        elif m.group("ring"):
            dest = f"环（{m.group('ring')}）"
        else:
            dest = ";".join(re.sub(r"两大门户$|\S大门户$", "", m.group("dest")).split("或"))
        out.append(TravelTarget(plan=PLAN, origin=origin, destinations=dest,
                                minutes=_minutes(m.group("time")), mode=mode,
                                source_line=flow.line_at(m.start()), text=where))
    return out


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def parse(text):
    """Read plan 004 into :class:`PlanTables`: four annex tables, then the main text."""
    tables = PlanTables(plan=PLAN, path=str(text.path))
    main = _main_flow(text)
    tables.quotas.extend(_prose_area_quotas(text, main.cells()))
    for table in _find_tables(text):
        for row in _rows(text, table):
            project, quotas = _ROW_READERS[table.numeral](text, table, row)
            tables.projects.append(project)
            tables.quotas.extend(quotas)
    tables.targets.extend(_targets(text, main))
    tables.travel_targets.extend(_travel_targets(main))
    return tables

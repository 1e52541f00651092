"""Reader for plan 000, 温州瓯江口产业集聚区发展“十四五”规划.

What this text holds and how it prints it:

* the appendix 「“六重”清单」: seven tab-separated tables (重大项目清单 with its 十大（类）百亿工程,
  重大平台 / 产业 / 改革 / 政策 / 要素清单). The header row repeats at every page break, cells of wrapped
  text keep the PDF's line-break spaces ("市政 工程"), the 重大项目清单 prints section subtotals (小计)
  and a grand total (合计), and its row numbers skip four numbers (see :data:`SKIPPED_PROJECT_SEQS`);
* 专栏7–15 in the main text: numbered lists ("- 1、…") of major works, without money;
* the indicator table 「瓯江口产业集聚区“十四五”主要发展指标规划表」 (tab-separated, header repeated);
* land and sea figures in running text and in the list cells (→ quotas);
* the 「15-30-60 分钟」 transport rings (专栏5) and three walk-scale service circles (→ travel targets).

Every table row is read or the build stops with a :class:`~layers.errors.PlanParseError` naming the line:
a row number out of sequence, a wrong number of cells or a money cell that is not a number all raise.
"""

import re

from ..codes import is_parcel_code, split_codes
from .model import PlanTables, PrintedTotal, Project, Quota, Target, TravelTarget
from .periods import cell_period
from .units import AREA_TO_M2, area_to_m2, money_to_yi, parse_number

PLAN = "000"

#: The appendix heading (it also stands in the table of contents, with a page number after a tab).
APPENDIX_HEADING = "附件：瓯江口产业集聚区发展“十四五”规划“六重”清单"
INDICATOR_TABLE_HEADING = "瓯江口产业集聚区“十四五”主要发展指标规划表"

#: Row numbers the printed 重大项目清单 jumps over (74→76, 96→99, 164→166): no row is missing from
#: the text, the numbering itself has holes. Any *other* jump means a damaged or lost row and raises.
SKIPPED_PROJECT_SEQS = frozenset({75, 97, 98, 165})
PROJECT_LIST = "重大项目清单"

# --------------------------------------------------------------------------------------------------
# text helpers

_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")
_CN_NUM = "一二三四五六七八九十"


def clean(cell):
    """A cell as one clean string: whitespace collapsed, line-wrap spaces between Chinese removed.

    The PDF conversion left a space wherever a cell wrapped ("市政 工程", "灵昆产 业园区"); spaces
    next to Latin letters or digits ("228 国道", "A-18a 地块") are the typesetter's and stay.
    """
    s = re.sub(r"\s+", " ", (cell or "").strip())
    return _CJK_GAP.sub("", s)


def _cells(line):
    return [c.strip() for c in line.split("\t")]


def _is_heading_line(line):
    """A line of the appendix that starts a new list: "一、重大项目清单", "其中：十大（类）百亿工程"."""
    s = line.strip()
    return "\t" not in line and (
        re.fullmatch(rf"[{_CN_NUM}]+、\S+清单", s) is not None or s.startswith("其中：")
    )


def _list_name(heading):
    """The list's printed name without its numbering: "一、重大项目清单" → "重大项目清单"."""
    s = heading.strip()
    s = re.sub(rf"^[{_CN_NUM}]+、", "", s)
    return s.removeprefix("其中：")


def _find_line(text, wanted, start=1):
    """The line number whose stripped text is exactly ``wanted`` (the TOC line has a page number)."""
    for i, line in text.numbered(start):
        if line.strip() == wanted:
            return i
    raise text.error(start, f"expected a line reading {wanted!r} after this line")


# --------------------------------------------------------------------------------------------------
# cell readers


def _money(text, lineno, cell, unit, what):
    """A money cell → (raw, 亿元 or None). "约 200" reads as 200; 待定/视情/blank → None."""
    raw = clean(cell)
    number = raw.removeprefix("约").strip()
    try:
        value = parse_number(number)
    except ValueError:
        raise text.error(lineno, f"{what}: money cell {raw!r} is not a number") from None
    return raw, (None if value is None else round(money_to_yi(value, unit), 6))


def _period(text, lineno, cell, what):
    """建设期限 "2021-2025" → (2021, 2025); "2021" → (2021, 2021); 待定/blank → (None, None).

    A one-year cell is that year's period (the column prints a period, not a completion date):
    the start and end are both the year the cell prints.
    """
    s = clean(cell)
    if s in ("", "待定"):
        return None, None
    m = re.fullmatch(r"(\d{4})\s*(?:[-~—–至]\s*(\d{4}))?", s)
    if not m:
        raise text.error(lineno, f"{what}: period cell {s!r} is not a year or a year span")
    start = int(m.group(1))
    end = int(m.group(2) or start)
    if end < start:
        raise text.error(lineno, f"{what}: period {s!r} ends before it starts")
    return start, end


_UNIT_RE = "|".join(re.escape(u) for u in sorted(AREA_TO_M2, key=len, reverse=True))
_AREA_AFTER = rf"\s*(?:约|为|：|:)?\s*(?:约|为)?\s*(\d+(?:\.\d+)?)\s*({_UNIT_RE})"
# Site-area words, in the spellings the rows use. 建筑面积 / 计容面积 / 投影面积 are floor areas.
_LAND_RE = re.compile(
    r"(总用地面积|建设用地面积|项目用地面积|用地面积|总用地|建设用地|项目用地|用地|工程总占地|占地面积"
    r"|总占地|占地|项目规划面积|规划面积|陆域面积|治理区面积|工程总面积|总面积)" + _AREA_AFTER
)
_FLOOR_KEYS = ("总建筑面积", "建筑面积", "地上建筑面积")


def _normalise_units(s):
    """"m ²" / "m2" spellings → "m2", so that the unit table matches (a PDF artefact)."""
    return re.sub(r"m\s*[²2](?!\d)", "m2", s)


def land_area(content):
    """The site area a row states: (value, unit, m²) or None. The first site-area phrase wins."""
    m = _LAND_RE.search(_normalise_units(content))
    if not m:
        return None
    value, unit = float(m.group(2)), m.group(3)
    return value, unit, area_to_m2(value, unit)


def floor_area_m2(content):
    """The floor area (总建筑面积, else the first 建筑面积) in m², or None when it has no unit."""
    s = _normalise_units(content)
    for key in _FLOOR_KEYS:
        i = s.find(key)
        if i < 0:
            continue
        m = re.match(_AREA_AFTER, s[i + len(key):])
        return area_to_m2(float(m.group(1)), m.group(2)) if m else None
    return None


def parcel_codes(*texts):
    """Control-plan parcel codes in a row: [(printed, normalised)], checked in context.

    Kept: codes shaped like this plan's parcels (a block letter, a dash, two digits: E-16-03,
    B-09a, A-05a-2-1). Dropped: a 街坊 (block) number such as "B-09 街坊", which is not a parcel.
    "B-12(c、d)地块" prints two parcels in shorthand; it is expanded to B-12c and B-12d.
    """
    out, seen = [], set()
    for t in texts:
        t = re.sub(
            r"([A-Z]-\d{2})\(([a-z](?:、[a-z])+)\)",
            lambda m: "、".join(m.group(1) + x for x in m.group(2).split("、")),
            t,
        )
        for printed, norm in split_codes(t):
            if not re.match(r"[A-Z]-\d{2}", norm) or not is_parcel_code(norm):
                continue
            after = t[t.find(printed) + len(printed):].lstrip()
            if after.startswith("街坊"):
                continue
            if norm not in seen:
                seen.add(norm)
                out.append((printed, norm))
    return out


_LOCATION_PATTERNS = (
    r"(?:该地块|项目)?(位于[^，,。；;]+)",
    r"(拟选址[^，,。；;]+)",
    r"(拟布局[^，,。；;]+)",
    r"(以[^，,。；;]{2,12}为建设地点)",
    r"(计划在[^，,。；;]+建设)",
    r"((?:东侧与|西侧连接|北起|南至|西起|东至|止于)[^，,。；;]+)",
)


def location_text(name, content):
    """The words that place a row: "位于…" / "拟选址…" / 四至 clauses, else the "…地块" of its name."""
    found = []
    for pat in _LOCATION_PATTERNS:
        for m in re.finditer(pat, content):
            phrase = m.group(1).strip()
            if phrase not in found:
                found.append(phrase)
    if found:
        return "；".join(found)
    m = re.search(r"(\S.*?地块)", name) or re.search(r"([A-Z]-[\w、\-]+\s*地块)", content)
    return m.group(1).strip() if m else ""


# --------------------------------------------------------------------------------------------------
# the appendix lists

#: Header label → Project field. The header row names the columns of each list.
_COLUMNS = {
    "序号": "seq",
    "项目名称": "name",
    "平台名称": "name",
    "产业名称": "name",
    "政策名称": "name",
    "类别": "name",
    "领域": "section",
    "建设规模和内容": "content",
    "建设内容": "content",
    "工作目标任务": "content",
    "项目类型": "build_type",
    "建设期限": "period",
    "建设年限": "period",
    "总投资": "total_investment",
    "“十四五”投资": "fyp_investment",
    "责任单位": "owner",
}


def _header_columns(text, lineno, cells):
    """Map a header row to (field, money unit) per column; error on a label this reader doesn't know."""
    out = []
    for cell in cells:
        m = re.fullmatch(r"(.+?)\s*(?:\((亿元|万元)\))?", clean(cell))
        label, unit = m.group(1).strip(), m.group(2) or "亿元"
        if label not in _COLUMNS:
            raise text.error(lineno, f"unknown column {label!r} in the table header")
        out.append((_COLUMNS[label], unit))
    return out


class _ListReader:
    """Reads the rows of one appendix list, line by line, into projects and printed totals."""

    def __init__(self, text, tables, list_name):
        self.text, self.tables, self.list_name = text, tables, list_name
        self.header = None          # raw header cells
        self.columns = None         # [(field, unit)]
        self.section = ""
        self.last_seq = 0

    def feed(self, lineno, line):
        cells = _cells(line)
        if self.header is None:
            if cells[0] != "序号":
                raise self.text.error(lineno, f"{self.list_name}: expected the header row (序号 …)")
            self.header, self.columns = cells, _header_columns(self.text, lineno, cells)
            return
        if [clean(c) for c in cells] == [clean(c) for c in self.header]:
            return                  # the header repeats after every page break
        if len(cells) != len(self.header):
            raise self.text.error(
                lineno, f"{self.list_name}: row has {len(cells)} cells, the table has {len(self.header)}")
        first, second = clean(cells[0]), clean(cells[1])
        rest_empty = all(not c for c in cells[2:])
        if first in ("小计", "合计") or (not first and second in ("小计", "合计")):
            self._total(lineno, cells, first or second)
        elif re.fullmatch(rf"[{_CN_NUM}]+、.+", first) and not second and rest_empty:
            self.section = first                       # "一、基础设施项目"
        elif re.fullmatch(rf"[{_CN_NUM}]+", first) and second and rest_empty:
            self.section = f"{first} {second}"         # "一" + "重大开放平台"
        elif re.fullmatch(r"\d+", first):
            self._row(lineno, cells, int(first))
        else:
            raise self.text.error(lineno, f"{self.list_name}: cannot read this row (first cell {first!r})")

    def _expected_next(self):
        n = self.last_seq + 1
        while self.list_name == PROJECT_LIST and n in SKIPPED_PROJECT_SEQS:
            n += 1
        return n

    def _row(self, lineno, cells, seq):
        expected = self._expected_next()
        if seq != expected:
            raise self.text.error(
                lineno, f"{self.list_name}: row number {seq} out of sequence (expected {expected})")
        self.last_seq = seq
        what = f"{self.list_name} row {seq}"
        values = {field: (cell, unit) for (field, unit), cell in zip(self.columns, cells)}
        name = clean(values["name"][0])
        if not name:
            raise self.text.error(lineno, f"{what}: the name cell is empty")
        content = clean(values.get("content", ("", ""))[0])
        row = Project(plan=PLAN, list_name=self.list_name, seq=str(seq), name=name,
                      source_line=lineno, section=self.section, content=content)
        if "section" in values:                       # 重大政策清单: the 领域 column groups the rows
            row.section = clean(values["section"][0])
        if "build_type" in values:
            row.build_type = clean(values["build_type"][0])
        if "owner" in values:
            row.owner = clean(values["owner"][0])
        if "period" in values:
            cell = values["period"][0]
            cell_period(*_period(self.text, lineno, cell, what), clean(cell)).apply(row)
        for col in ("total_investment", "fyp_investment"):
            if col in values:
                cell, unit = values[col]
                raw, yi = _money(self.text, lineno, cell, unit, f"{what}, {col.replace('_', ' ')}")
                setattr(row, f"{col}_raw", raw)
                setattr(row, f"{col}_yi", yi)
        if self.list_name == PROJECT_LIST:
            self._locate(row)
        elif content:
            row.location_text = location_text("", content)
        self.tables.projects.append(row)

    def _locate(self, row):
        """Site area, floor area, parcel codes and location words of a 重大项目 row."""
        area = land_area(row.content)
        if area:
            row.land_area_raw, row.land_area_unit, row.land_area_m2 = area
        row.floor_area_m2 = floor_area_m2(row.content)
        codes = parcel_codes(row.name, row.content)
        row.parcel_codes = ";".join(n for _, n in codes)
        row.parcel_codes_raw = ";".join(p for p, _ in codes)
        row.location_text = location_text(row.name, row.content)

    def _total(self, lineno, cells, label):
        section = "" if label == "合计" else self.section
        if label == "小计" and not section:
            raise self.text.error(lineno, f"{self.list_name}: 小计 outside any section")
        found = False
        for (field, unit), cell in zip(self.columns, cells):
            if field not in ("total_investment", "fyp_investment") or not clean(cell):
                continue
            raw, yi = _money(self.text, lineno, cell, unit, f"{self.list_name} {label}")
            self.tables.printed_totals.append(PrintedTotal(
                plan=PLAN, list_name=self.list_name, section=section, column=f"{field}_yi",
                value_yi=yi, source_line=lineno, label=label))
            found = True
        if not found:
            raise self.text.error(lineno, f"{self.list_name}: {label} row without a figure")
        if label == "合计":
            self.section = ""


def read_appendix(text, tables, start):
    """The 「“六重”清单」 (from its heading at line ``start``): every list up to the next heading."""
    reader = None
    for lineno, line in text.numbered(start + 1):
        s = line.strip()
        if not s:
            continue
        if _is_heading_line(line):
            reader = _ListReader(text, tables, _list_name(s))
        elif "\t" in line:
            if reader is None:
                raise text.error(lineno, "table row before any list heading")
            reader.feed(lineno, line)
        elif reader is not None and reader.header is not None and re.match(r"\d", s):
            raise text.error(lineno, f"{reader.list_name}: a numbered row without tab-separated cells")
        # other lines: 备注 notes and the captions of the appended maps


# --------------------------------------------------------------------------------------------------
# 专栏 lists in the main text

_BOX_RE = re.compile(r"专栏\s*(\d+)\s*[：:]\s*(.+)")
_ITEM_RE = re.compile(r"-\s*(\d+)、\s*(.+)")


def read_boxes(text, tables, end):
    """专栏 boxes whose body is a numbered list ("- 1、…"): each item a project row without money."""
    box, expected = None, 1
    for lineno, line in text.numbered(1, end):
        s = line.strip()
        if not s:
            continue
        m = _BOX_RE.fullmatch(s)
        if m:
            box, expected = f"专栏{m.group(1)} {clean(m.group(2))}", 1
            continue
        item = _ITEM_RE.fullmatch(s) if box else None
        if item:
            seq = int(item.group(1))
            if seq != expected:
                raise text.error(lineno, f"{box}: item {seq} out of sequence (expected {expected})")
            expected += 1
            tables.projects.append(Project(
                plan=PLAN, list_name=box, seq=str(seq), name=clean(item.group(2)), source_line=lineno))
        else:
            box = None                  # prose: the box (if any) has ended


# --------------------------------------------------------------------------------------------------
# the indicator table


def read_indicators(text, tables):
    """The 37 rows of the 主要发展指标规划表, category carried down, header repeats skipped."""
    title_line = _find_line(text, INDICATOR_TABLE_HEADING)
    category, header = "", None
    for lineno, line in text.numbered(title_line + 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("备注"):
            break
        cells = _cells(line)
        if header is None or cells == header:
            if "指标名称" not in cells:
                raise text.error(lineno, "expected the indicator table's header row")
            header = cells
            continue
        if len(cells) != 7:
            raise text.error(lineno, f"indicator row has {len(cells)} cells, the table has 7")
        cat, name, unit, base, target, _growth, kind = (clean(c) for c in cells)
        category = cat or category
        if not name or kind not in ("预期性", "约束性"):
            raise text.error(lineno, f"indicator row: cannot read name {name!r} / kind {kind!r}")
        tables.targets.append(Target(
            plan=PLAN, table=INDICATOR_TABLE_HEADING, indicator=name, unit=unit, source_line=lineno,
            category=category, base_2020=base, target_2025=target, kind=kind))


# --------------------------------------------------------------------------------------------------
# travel targets

_RING_RE = re.compile(r"“(\d+)”：(.+)")
_RING_TRIP_RE = re.compile(r"实现(.+?)(?:至(.+?)的|内任意)出行时间不超过\s*(\d+)\s*分钟")
_CIRCLE_RE = re.compile(r"(\d+)\s*分钟([\u4e00-\u9fff]{1,6}圈)(?!层)")


def read_travel(text, tables, end):
    """The 15/30/60-minute rings of 专栏5 and the 15/10-minute service circles.

    The umbrella sentence 「实现“15-30-60 分钟”交通圈层」 is represented by the three ring rows of 专栏5,
    which give each ring its destinations (one row per ring, not a second copy).
    The service circles name no mode; they are community-scale, so mode "步行" (walk) is assumed.
    A line with a "N 分钟" figure that yields no row raises: a statement the map would silently lose.
    """
    for lineno, line in text.numbered(1, end):
        s = line.strip()
        if re.search(r"\d\s*分钟", s) and "交通圈层" not in s \
                and not (_RING_RE.fullmatch(s) or _CIRCLE_RE.search(s)):
            raise text.error(lineno, "a travel-time statement this reader cannot read")
        ring = _RING_RE.fullmatch(s)
        if ring:
            trip = _RING_TRIP_RE.search(s)
            if not trip or trip.group(3) != ring.group(1):
                raise text.error(lineno, "a 15-30-60 ring whose trip sentence cannot be read")
            origin = trip.group(1)
            dests = trip.group(2).split("、") if trip.group(2) else [f"{origin}内任意地点"]
            tables.travel_targets.append(TravelTarget(
                plan=PLAN, origin=origin, destinations=";".join(dests), minutes=float(ring.group(1)),
                mode="综合", source_line=lineno, text=s))
            continue
        for m in _CIRCLE_RE.finditer(s):
            kind = m.group(2)
            sentence = _sentence_around(s, m.start())
            tables.travel_targets.append(TravelTarget(
                plan=PLAN, origin="社区", destinations=kind.removesuffix("圈") + "设施",
                minutes=float(m.group(1)), mode="步行", source_line=lineno, text=sentence))


def _sentence_around(s, pos):
    """The sentence (between 。/；) of ``s`` that holds position ``pos``, with its full stop."""
    start, end = _bounds(s, pos, "。；")
    return s[start:end + 1].strip()


# --------------------------------------------------------------------------------------------------
# quotas: land and sea figures

#: Place words → the planning sub-area they name (the word ending latest, then the longest, wins).
_PLACES = {
    "规划范围": "规划范围",
    "一期东南角": "一期东南角",
    "瓯江口新区一期": "一期片区", "瓯江口一期": "一期片区", "新区一期": "一期片区",
    "一期片区": "一期片区", "浅滩一期": "一期片区",
    "温州浅滩二期拓展区": "二期片区", "浅滩二期西片": "二期片区", "二期片区": "二期片区",
    "浅滩二期": "二期片区", "瓯江口二期": "二期片区",
    "灵昆片区": "灵昆片区", "灵昆街道": "灵昆片区", "灵昆岛": "灵昆片区", "灵昆": "灵昆片区",
}
#: Facilities whose own land the plan sizes.
_FACILITIES = {
    "城中村改造": "灵昆城中村改造范围",
    "综保区": "温州综保区",
    "安全（应急）产业园": "中国温州安全（应急）产业园",
    "国际博览中心": "温州国际博览中心",
    "灵霓北堤段": "灵昆作业区灵霓北堤段",
}
#: (pattern, item): what a figure measures. Longer phrases first: on a tie the first listed wins.
_ITEMS = (
    (r"用海|海域|围垦", "用海"),
    (r"城镇开发边界", "城镇开发边界"),
    (r"新增开发建设面积", "新增开发建设面积"),
    (r"商业服务设施用地", "商业服务设施用地"),
    (r"居住用地", "居住用地"),
    (r"工业用地", "工业用地"),
    (r"产业项目用地", "产业项目用地"),
    (r"房地产项目", "房地产项目用地"),
    (r"批而未供", "批而未供土地清理"),
    (r"供而未用(?:土地)?", "供而未用土地清理"),
    (r"低效用地再开发", "低效用地再开发"),
    (r"出让(?:土地)?", "土地出让"),
    (r"做地", "做地"),
    (r"预留", "预留用地"),
    (r"储备", "储备用地"),
    (r"陆域(?:面积)?", "陆域形成"),
    (r"开发规模", "开发规模"),
    (r"规划(?:总)?面积", "规划面积"),
    (r"用地(?:面积)?", "用地面积"),
    (r"市政基础设施", "市政基础设施建成面积"),
    (r"范围|平方公里内", "建设范围"),
    (r"面积", "面积"),
)
_FLOOR_WORDS = re.compile(r"建筑面积|展览|会议中心|酒店|商业配套|办公|住房|计容")
_AREA_FIGURE = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT_RE})")
_LAND_UNITS = {"亩", "万亩", "公顷", "平方公里", "平方千米", "km2", "km²"}
_YEAR_RE = re.compile(r"(20\d\d)\s*年")
_CLAUSE_MARKS = "，,；;：:。"
_BARE_PHASE = re.compile(r"(一期|二期)\s*约?\s*$")


def _item_before(s):
    """The item whose words end latest in ``s`` (the words just before a figure)."""
    best, best_end = None, -1
    for pat, item in _ITEMS:
        for m in re.finditer(pat, s):
            if m.end() > best_end:
                best, best_end = item, m.end()
    return best


def _item_after(s):
    """The item whose words come first in ``s`` (the words just after a figure: "3000 亩用海")."""
    best, best_start = None, len(s) + 1
    for pat, item in _ITEMS:
        m = re.search(pat, s)
        if m and m.start() < best_start:
            best, best_start = item, m.start()
    return best


def _last_of(table, s):
    """The value of the key of ``table`` that ends latest in ``s`` (longest key on a tie)."""
    best, best_key = None, (-1, 0)
    for key, value in table.items():
        i = s.rfind(key)
        if i >= 0 and (i + len(key), len(key)) > best_key:
            best, best_key = value, (i + len(key), len(key))
    return best


def _place_in(s):
    place = _last_of(_PLACES, s)
    if not place:
        bare = _BARE_PHASE.search(s)        # "二期 19.3 平方公里", "一期约 300 亩"
        place = bare and ("一期片区" if bare.group(1) == "一期" else "二期片区")
    return place


def _zone(clause_before, sentence_before, context_before, topic, row_name):
    """The zone of a figure: a named facility (with the sub-area its clause names), else a sub-area.

    A facility is looked for in the clause, the sentence before the figure and the list row's name.
    A sub-area is looked for in the clause, then in the words since the previous figure of the
    sentence (a place named in a clause that carries its own figure belongs to that figure), then in
    the paragraph's run-in topic ("规划范围。"), then in the row's name. Words naming several
    sub-areas at once ("一期、二期和灵昆片区") mean the whole 集聚区, as does a figure with no place.
    """
    place = _place_in(clause_before)
    facility = _last_of(_FACILITIES, clause_before) or _last_of(_FACILITIES, sentence_before) \
        or _last_of(_FACILITIES, row_name)
    if facility:
        return f"{facility}（{place}）" if place else facility
    if place:
        return place
    places = {v for k, v in _PLACES.items() if k in context_before}
    if len(places) == 1:
        return places.pop()
    if topic and _place_in(topic):
        return _place_in(topic)
    if not places and _place_in(row_name):
        return _place_in(row_name)
    return "集聚区"


def _figures(s):
    """Area figures of ``s``, leaving out parenthesised equivalents ("2167 亩（1.44 平方公里）")."""
    out, prev_end = [], None
    for m in _AREA_FIGURE.finditer(s):
        between = s[prev_end:m.start()] if prev_end is not None else None
        prev_end = m.end()
        if between is not None and re.fullmatch(r"\s*[（(]\s*(?:合|折合)?\s*约?\s*", between):
            continue
        out.append(m)
    return out


def _bounds(s, pos, marks):
    """(start, end) of the stretch of ``s`` around ``pos`` delimited by any of ``marks``."""
    start = max(s.rfind(c, 0, pos) for c in marks) + 1
    ends = [i for i in (s.find(c, pos) for c in marks) if i >= 0]
    return start, (min(ends) if ends else len(s))


def quotas_from(s, lineno, row_name="", zone_scale_only=False):
    """Quota rows for every land or sea figure in the prose ``s``.

    ``zone_scale_only`` (for 重大项目 rows, whose site areas are in the projects table): keep only
    km²-scale figures that name a sub-area, such as "二期 19.3 平方公里内" or "22 平方公里的灵昆岛".
    """
    out = []
    s = _normalise_units(s)
    topic_m = re.match(r"\s*([^。，,]{2,15})。", s)
    topic = topic_m.group(1) if topic_m else ""
    prev_end = 0
    for m in _figures(s):
        value, unit = float(m.group(1)), m.group(2)
        sent_start, sent_end = _bounds(s, m.start(), "。；")
        clause_start, clause_end = _bounds(s, m.start(), _CLAUSE_MARKS)
        clause, clause_before = s[clause_start:clause_end], s[clause_start:m.start()]
        context_before = s[max(sent_start, prev_end):m.start()]
        prev_end = m.end()
        if _FLOOR_WORDS.search(clause):
            continue                        # floor areas of buildings, not land
        if unit not in _LAND_UNITS and not re.search(r"用地|面积", clause_before):
            continue
        names_zone = _place_in(clause_before) or _last_of(_PLACES, clause)
        if zone_scale_only and (unit != "平方公里" or not names_zone):
            continue
        zone = _zone(clause_before, s[sent_start:m.start()], context_before, topic, row_name)
        item = _item_before(clause_before) or _item_after(s[m.start():clause_end]) \
            or _item_before(context_before) or (zone != "集聚区" and "面积") or None
        if item is None:
            continue
        years = _YEAR_RE.findall(s[sent_start:m.start()])
        out.append(Quota(
            plan=PLAN, zone=zone, item=item, value=value, unit=unit, source_line=lineno,
            value_m2=area_to_m2(value, unit), year=int(years[-1]) if years else None,
            text=s[sent_start:sent_end].strip(" -")))
    return out


#: Non-area land quotas: (pattern, item, unit). The value is the pattern's first group.
_RATE_QUOTAS = (
    (r"水面率达到\s*(\d+(?:\.\d+)?)\s*%", "水面率", "%"),
    (r"工业用地[^。；]*?比例不低于\s*(\d+(?:\.\d+)?)\s*%", "工业用地占年度出让土地比例", "%"),
    (r"亩均税收\s*(\d+(?:\.\d+)?)\s*万元以下", "亩均税收整治线", "万元/亩"),
)


def rate_quotas_from(s, lineno):
    """Quota rows for the percentage and 亩均 targets of ``s`` (水面率, 工业用地比例, 亩均税收)."""
    out = []
    for pat, item, unit in _RATE_QUOTAS:
        for m in re.finditer(pat, s):
            out.append(Quota(plan=PLAN, zone="集聚区", item=item, value=float(m.group(1)), unit=unit,
                             source_line=lineno, text=_sentence_around(s, m.start())))
    return out


def read_quotas(text, tables, appendix_start):
    """Land/sea figures from the prose (before the appendix) and from the appendix list cells."""
    for lineno, line in text.numbered(1, appendix_start - 1):
        if "\t" in line or not line.strip():
            continue                      # tables (indicator tables, TOC) are read elsewhere
        s = clean(line)
        tables.quotas.extend(quotas_from(s, lineno))
        tables.quotas.extend(rate_quotas_from(s, lineno))
    for row in tables.projects:
        if row.source_line < appendix_start or not row.content:
            continue
        only_zones = row.list_name == PROJECT_LIST
        tables.quotas.extend(
            quotas_from(row.content, row.source_line, row.name, zone_scale_only=only_zones))
        if not only_zones:
            tables.quotas.extend(rate_quotas_from(row.content, row.source_line))


# --------------------------------------------------------------------------------------------------


def parse(text):
    """Read plan 000 into :class:`PlanTables`."""
    tables = PlanTables(plan=PLAN, path=str(text.path))
    appendix_start = _find_line(text, APPENDIX_HEADING)
    read_boxes(text, tables, end=appendix_start - 1)
    read_appendix(text, tables, appendix_start)
    read_indicators(text, tables)
    read_travel(text, tables, end=appendix_start - 1)
    read_quotas(text, tables, appendix_start)
    return tables

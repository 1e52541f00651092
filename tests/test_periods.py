"""Periods as the plan text says them: every row's start, end and complete-by year checked against
the plan text itself, by rules over every row of all five plans (not a list of known cases).

A row's text is the stretch of its plan file from its ``source_line`` to the line before the next
row (at most 60 lines): the 建设期限 cell, the 时间安排 / 进度要求 cells or the goal milestones all
stand there. The rules say where a year must stand for each column:

* ``period_start``: the first year of a printed span ("2021-2025"), a year followed in its clause by
  开工/启动/开始/动工 or 起, or a 建设期限 cell that is that one year;
* ``period_end``: the last year of a printed span, or that one-year cell;
* ``complete_by``: a year followed in its clause by 建成/完成/完工/投用/投运/竣工/前, "到 <year> 年"
  (by that year), or a phase's year ("一期 2022 年"); it is the last such year of the period words;
* a start equal to its end never comes from a single year said with a completion word.
"""

import re
from pathlib import Path

import pytest

from layers.plans import PLAN_IDS, ingest, plan_path
from layers.plans.model import Project, columns
from layers.plans.periods import read_period
from layers.plans.text import PlanText

PLAN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "plans"
PERIOD_COLUMNS = ("period_start", "period_end", "complete_by")

_PAGE_MARK = re.compile(r"^\s*[—-]\s*\d+\s*[—-]\s*$")
_STOP = r"[^，,；;。\t]"          # inside one clause (a TAB ends a cell of the tab-separated tables)
_DONE = r"(?:建成|完成|完工|投用|投运|投入使用|竣工|前(?!期))"
_START = r"(?:开工|启动|开始|动工)"


@pytest.fixture(scope="module")
def tables():
    return ingest(PLAN_DIR)


@pytest.fixture(scope="module")
def spans(tables):
    """project (plan, source_line) → the row's text: its lines up to the next row, wraps joined."""
    out = {}
    for plan in PLAN_IDS:
        text = PlanText(plan_path(PLAN_DIR, plan))
        starts = sorted({p.source_line for p in tables.projects if p.plan == plan})
        for i, first in enumerate(starts):
            last = min(starts[i + 1] - 1 if i + 1 < len(starts) else len(text), first + 60)
            lines = [text[n] for n in range(first, last + 1) if not _PAGE_MARK.match(text[n])]
            out[(plan, first)] = "".join(lines)
    return out


def span(spans, p):
    return spans[(p.plan, p.source_line)]


def _y(year):
    return rf"(?<!\d){year}(?!\d)"


def start_positions(s, year):
    """Where ``year`` stands as a start in ``s``."""
    y = _y(year)
    return (re.search(rf"{y}\s*年?\s*[-—–~～至]\s*20\d\d", s)
            or re.search(rf"{y}\s*年{_STOP}{{0,12}}?{_START}", s)
            or re.search(rf"{y}\s*年\s*起", s)
            or re.search(rf"(?:^|\t)\s*{y}\s*(?:\t|$)", s))       # a one-year 建设期限 cell


def end_positions(s, year):
    y = _y(year)
    return (re.search(rf"20\d\d\s*年?\s*[-—–~～至]\s*{y}", s)
            or re.search(rf"(?:^|\t)\s*{y}\s*(?:\t|$)", s))


def completion_positions(s, year):
    y = _y(year)
    return (re.search(rf"{y}\s*年{_STOP}{{0,20}}?{_DONE}", s)
            or re.search(rf"到\s*{y}\s*年", s)
            or re.search(rf"[一二三四五六七八九十]期\s*{y}\s*年", s))


def completion_years(s):
    """Every year ``s`` says something is finished by."""
    return {int(y) for y in re.findall(r"(20\d\d)\s*年", s) if completion_positions(s, int(y))}


# ------------------------------------------------------------------------------ the model


def test_the_two_columns_flow_into_the_projects_table():
    cols = columns(Project)
    assert {"complete_by", "period_raw"} <= set(cols)
    assert cols.index("period_end") < cols.index("complete_by") < cols.index("period_raw")


# ------------------------------------------------------------------------------ rules over every row


def test_every_start_stands_in_a_start_position(tables, spans):
    """(a) A start year is a span's first year or a year before 开工/启动/起 in the row's text."""
    bad = [(p.plan, p.source_line, p.name, p.period_start) for p in tables.projects
           if p.period_start is not None and not start_positions(span(spans, p), p.period_start)]
    assert bad == []
    assert sum(p.period_start is not None for p in tables.projects) > 200   # the rule was exercised


def test_every_end_is_the_end_of_a_printed_span(tables, spans):
    bad = [(p.plan, p.source_line, p.name, p.period_end) for p in tables.projects
           if p.period_end is not None and not end_positions(span(spans, p), p.period_end)]
    assert bad == []


def test_every_complete_by_is_a_completion_the_text_states(tables, spans):
    """(b) complete_by is a year the row's text says something is finished by (建成/完成/…前/到…年)."""
    bad = [(p.plan, p.source_line, p.name, p.complete_by) for p in tables.projects
           if p.complete_by is not None and not completion_positions(span(spans, p), p.complete_by)]
    assert bad == []
    assert sum(p.complete_by is not None for p in tables.projects) > 60


def test_complete_by_is_the_last_completion_of_the_period_words(tables):
    for p in tables.projects:
        done = completion_years(p.period_raw)
        assert p.complete_by == (max(done) if done else None), (p.plan, p.source_line, p.period_raw)


def test_one_completion_year_is_never_a_one_year_period(tables, spans):
    """(c) start == end never comes from a single year said with a completion word."""
    for p in tables.projects:
        if p.period_start is None or p.period_start != p.period_end:
            continue
        for words in (p.period_raw, span(spans, p)):
            for clause in re.findall(r"[^，,；;。\t]+", words):
                if re.search(_y(p.period_start), clause):
                    assert not re.search(_DONE, clause), (p.plan, p.source_line, clause)


def test_two_completion_dates_are_never_a_start_and_an_end(tables, spans):
    for p in tables.projects:
        if p.period_start is None:
            continue
        s = span(spans, p)
        said_done = completion_positions(s, p.period_start)
        said_start = start_positions(s, p.period_start)
        assert said_start or not said_done, (p.plan, p.source_line, p.name)


def test_every_period_year_is_in_the_period_words_as_printed(tables, spans):
    """period_raw is printed text of the row, and every year the row carries is in it."""
    for p in tables.projects:
        flat = re.sub(r"\s+", "", span(spans, p))
        for piece in re.split(r"[；。]", p.period_raw):
            assert re.sub(r"\s+", "", piece) in flat, (p.plan, p.source_line, piece)
        for col in PERIOD_COLUMNS:
            year = getattr(p, col)
            assert year is None or str(year) in p.period_raw, (p.plan, p.source_line, col, p.period_raw)


def test_no_period_is_defaulted(tables, spans):
    """A row whose text gives no year has no period: nothing falls back to the plan's 2021-2025."""
    for p in tables.projects:
        if not re.search(r"20\d\d", p.period_raw):
            assert all(getattr(p, c) is None for c in PERIOD_COLUMNS), (p.plan, p.source_line, p.name)
        if not re.search(r"20\d\d", span(spans, p)):
            assert p.period_raw == "" or not re.search(r"\d", p.period_raw)
    lists_without_periods = {p.plan for p in tables.projects if p.period_raw == ""}
    assert {"000", "001", "004"} <= lists_without_periods


def test_the_readers_agree_with_the_period_rules(tables):
    """Running text (plan 004) reads the same from period_raw alone: the years come from those words."""
    for p in tables.projects:
        if p.plan != "004" or not p.period_raw:
            continue
        q = read_period(p.period_raw)
        assert (q.start, q.end, q.complete_by) == (p.period_start, p.period_end, p.complete_by)


def test_period_columns_keep_the_printed_cell(tables):
    """000/002/003 print a 建设期限 column: its cell is kept as printed (blank, 待定, 2021, 2021-2025)."""
    for p in tables.projects:
        if p.plan in ("000", "002", "003") and p.period_start is not None:
            m = re.fullmatch(r"(20\d\d)\s*(?:[-—–~～至]\s*(20\d\d))?\s*年?", p.period_raw)
            assert m, (p.plan, p.source_line, p.period_raw)
            assert (p.period_start, p.period_end) == (int(m.group(1)), int(m.group(2) or m.group(1)))
            assert p.complete_by is None


# ------------------------------------------------------------------------------ the named cases


def _row(tables, plan, name):
    (p,) = [p for p in tables.projects if p.plan == plan and p.name == name]
    return p


def test_s2_phase_one_is_complete_by_2022_without_a_start(tables, spans):
    p = _row(tables, "004", "市域铁路 S2 线一期工程")
    assert "2022 年底前建成" in span(spans, p)
    assert (p.period_start, p.period_end, p.complete_by) == (None, None, 2022)
    assert p.period_raw == "2022 年底前建成。"


def test_huanshan_road_two_completions_give_the_later_one(tables, spans):
    p = _row(tables, "004", "环山路")
    s = span(spans, p)
    assert "2021 年 12 月建成二期工程" in s and "2022 年 12月全线建成" in s
    assert (p.period_start, p.period_end, p.complete_by) == (None, None, 2022)
    assert "2021" in p.period_raw and "2022" in p.period_raw     # both dates kept as printed


def test_a_stated_start_with_a_deadline(tables):
    p = _row(tables, "004", "温瑞大道南段快速路二期")       # 力争 2020 年 12 月开工，2023 年底前基本建成
    assert (p.period_start, p.period_end, p.complete_by) == (2020, None, 2023)
    p = _row(tables, "004", "G330 国道仙岩至丽岙段")         # 2019 年底前开工，2023 年底前建成
    assert (p.period_start, p.period_end, p.complete_by) == (2019, None, 2023)


def test_an_undated_start_is_not_replaced_by_a_part_s_start(tables):
    p = _row(tables, "004", "环山东路南延工程")   # 经开区段已开工，2021 年底前完成，瑞安段 2020-2022 年建成
    assert (p.period_start, p.period_end, p.complete_by) == (None, None, 2022)


def test_a_span_said_built_keeps_start_end_and_completion(tables):
    p = _row(tables, "004", "公交枢纽")                     # 2020-2022年建成
    assert (p.period_start, p.period_end, p.complete_by) == (2020, 2022, 2022)
    p = _row(tables, "004", "轨道交通公交衔接")             # 2020-2022 年，具体按轨道交通开通时间确定
    assert (p.period_start, p.period_end, p.complete_by) == (2020, 2022, None)


@pytest.mark.parametrize("words, expected", [
    ("2022年底前建成", (None, None, 2022)),
    ("2025年前完成", (None, None, 2025)),
    ("力争2023年建成", (None, None, 2023)),
    ("2021-2025", (2021, 2025, None)),
    ("2021—2023", (2021, 2023, None)),
    ("2021年开工", (2021, None, None)),
    ("2021年起实施", (2021, None, None)),
    ("一期2022年、二期2025年", (None, None, 2025)),
    ("2021年开工，一期2023年、二期2025年建成", (2021, None, 2025)),
    ("2021 年 12 月建成二期工程，2022 年 12月全线建成。", (None, None, 2022)),
    ("2021年前期工作", (None, None, None)),
    ("与金丽温高速东延工程同步建成。", (None, None, None)),
    ("", (None, None, None)),
])
def test_period_words(words, expected):
    q = read_period(words)
    assert (q.start, q.end, q.complete_by) == expected
    assert q.raw == words

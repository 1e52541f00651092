"""Periods as the plan text says them: a start, an end, or a "complete by" year — never invented.

A project row gets up to three years and the words they came from:

* ``period_start`` — only when the text gives a start: the first year of a printed span ("2021-2025",
  "2020-2022 年建成"), a year said to start something ("力争 2020 年 12 月开工", "2019 年底前开工"), or
  the single year a 建设期限 column prints (that column's period is that one year);
* ``period_end`` — only the last year of a printed span, and only when the text states one period
  (a row whose sections each have their own dates gets no end: see ``complete_by``);
* ``complete_by`` — the year a thing is to be finished by: a year followed in its clause by 建成,
  完成, 完工, 投用, 投运, 竣工 or 前 ("2022 年底前建成", "2020 年 6 月底前见成效"), a deadline
  "到 2022 年" (by 2022), or a phase's year in a schedule ("一期 2022 年、二期 2025 年"). Several such years (环山路: "2021 年 12 月建成二期工程，2022 年 12 月全线
  建成") give the last one; two completion dates are never read as a start and an end;
* ``period_raw`` — the period words as printed, so that nothing the reader reduces to years is lost.

A year the text does not give stays empty: nothing is defaulted to the plan's own period. A start
the text gives without a year ("经开区段已开工") means the earliest start is not dated, so a later
dated start of another part is not taken for the project's start.
"""

import re
from dataclasses import dataclass

#: Words that say a year finishes something ("底前", "年前" end in 前; 前期 is preliminary work).
COMPLETION_WORDS = re.compile(r"建成|完成|完工|投用|投运|投入使用|竣工|前(?!期)")
#: Words that say a year starts something.
START_WORDS = re.compile(r"开工|启动|开始|动工")

_SPAN = re.compile(r"(20\d\d)\s*年?\s*[-—–~～至]\s*(20\d\d)\s*年?")
_YEAR = re.compile(r"(20\d\d)\s*年")
_CLAUSE = re.compile(r"[^，,；;。\n]+")
_UNDATED_START = re.compile(r"已(?:开工|启动|动工|开始)")
#: A phase named right before its year ("一期 2022 年"): in a schedule, the year that phase is done.
_PHASE_END = re.compile(r"[一二三四五六七八九十]期\s*$")


@dataclass
class Period:
    """What a row's period words say: start, end and complete-by years, and the words themselves."""

    start: int | None = None
    end: int | None = None
    complete_by: int | None = None
    raw: str = ""

    def apply(self, project):
        """Set the four period columns of ``project``."""
        project.period_start, project.period_end = self.start, self.end
        project.complete_by, project.period_raw = self.complete_by, self.raw
        return project


def cell_period(start, end, raw):
    """The period of a 建设期限 column cell that the plan's reader has already split into years.

    The cell is a span ("2021-2025", "2021-2021") or one year ("2021", the period is that year);
    its text is kept as ``raw``. A blank or 待定 cell keeps its text and no years.
    """
    return Period(start=start, end=end, raw=(raw or "").strip())


def _first(words, s):
    """The position of the first match of the pattern ``words`` in ``s`` (len(s) when none occurs)."""
    m = words.search(s)
    return m.start() if m else len(s)


def read_period(raw):
    """The period that running text (a 时间安排 / 进度要求 cell, a milestone) states.

    Clause by clause (between ，；。): a span gives a start and an end (and a complete-by year when a
    completion word follows it); a single year gives a start when a start word follows it in its
    clause before any completion word ("2019 年底前开工" starts), a complete-by year when a completion
    word follows or "到" comes before it ("到 2022 年": by 2022), and nothing otherwise.
    """
    raw = (raw or "").strip()
    starts, spans, completes = [], [], []
    undated_start = bool(_UNDATED_START.search(raw))
    statements = 0
    for cm in _CLAUSE.finditer(raw):
        clause = cm.group(0)
        taken = []
        for m in _SPAN.finditer(clause):
            a, b = int(m.group(1)), int(m.group(2))
            starts.append(a)
            spans.append((a, b))
            statements += 1
            if _first(COMPLETION_WORDS, clause[m.end():]) < len(clause) - m.end():
                completes.append(b)
            taken.append((m.start(), m.end()))
        for m in _YEAR.finditer(clause):
            if any(a <= m.start() < b for a, b in taken):
                continue
            year = int(m.group(1))
            nxt = _YEAR.search(clause, m.end())
            after = clause[m.end():nxt.start() if nxt else len(clause)]
            before = clause[:m.start()].rstrip()
            start_at, done_at = _first(START_WORDS, after), _first(COMPLETION_WORDS, after)
            if (start_at < len(after) and start_at <= done_at + 1) or after.lstrip().startswith("起"):
                starts.append(year)          # "开工", "底前开工" (前 stands right before 开工), "2021 年起"
                statements += 1
            elif done_at < len(after) or before.endswith(("到", "至")) or _PHASE_END.search(before):
                completes.append(year)       # "…建成", "底前", "到 2022 年", "一期 2022 年、二期 2025 年"
                statements += 1
    start = None if undated_start or not starts else min(starts)
    # A span among other dated statements is one part's period, not the row's: no end then.
    end = spans[0][1] if len(spans) == 1 and statements == 1 else None
    return Period(start=start, end=end, complete_by=max(completes) if completes else None, raw=raw)

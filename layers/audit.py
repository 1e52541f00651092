"""``planmap audit``: recompute every total the plans print and list where the rows disagree.

The audit reports; it never changes a plan's number. A planner reading the map needs to know, for
example, that plan 000's printed 十四五 total (1613.16 亿元) is not the sum of its own rows, and which
rows are internally inconsistent (a 十四五 share larger than the total, a period that ends before it
starts, one project printed twice with different figures).
"""

from collections import defaultdict
from dataclasses import dataclass

#: Money is printed to 0.01 亿元; sums of rows rounded to 0.01 can drift by a few hundredths.
TOLERANCE_YI = 0.015


@dataclass
class Finding:
    plan: str
    kind: str          # total_mismatch | total_ok | row_inconsistent | duplicate_conflict | list_missing
    where: str         # list / section / row
    message: str
    source_line: int
    printed: float | None = None
    computed: float | None = None

    @property
    def is_problem(self):
        return self.kind != "total_ok"


def audit(tables):
    """All findings for a :class:`~layers.plans.model.PlanTables` (one plan or all five)."""
    return _totals(tables) + _rows(tables) + _duplicates(tables)


def _totals(tables):
    sums = defaultdict(float)
    counts = defaultdict(int)
    for p in tables.projects:
        for col in ("total_investment_yi", "fyp_investment_yi"):
            v = getattr(p, col)
            if v is None:
                continue
            # a row counts towards its section and, once, towards its whole list
            for section in {p.section, ""}:
                sums[(p.plan, p.list_name, section, col)] += v
                counts[(p.plan, p.list_name, section, col)] += 1
    out = []
    for t in tables.printed_totals:
        key = (t.plan, t.list_name, t.section, t.column)
        where = f"{t.list_name} / {t.section or '合计'} / {_COLUMN_ZH.get(t.column, t.column)}"
        if counts[key] == 0:
            out.append(Finding(t.plan, "list_missing", where,
                               f"printed {t.value_yi} 亿元 but the text holds no rows to add up",
                               t.source_line, t.value_yi, None))
            continue
        computed = round(sums[key], 4)
        if t.value_yi is None:
            continue
        diff = computed - t.value_yi
        kind = "total_ok" if abs(diff) <= TOLERANCE_YI else "total_mismatch"
        msg = (f"printed {t.value_yi:.2f} 亿元, rows sum to {computed:.2f} 亿元"
               + ("" if kind == "total_ok" else f" (difference {diff:+.2f})"))
        out.append(Finding(t.plan, kind, where, msg, t.source_line, t.value_yi, computed))
    return out


def _rows(tables):
    out = []
    for p in tables.projects:
        where = f"{p.list_name} #{p.seq} {p.name}"
        if (p.total_investment_yi is not None and p.fyp_investment_yi is not None
                and p.fyp_investment_yi > p.total_investment_yi + TOLERANCE_YI):
            out.append(Finding(p.plan, "row_inconsistent", where,
                               f"十四五 investment {p.fyp_investment_yi} exceeds total {p.total_investment_yi}",
                               p.source_line, p.total_investment_yi, p.fyp_investment_yi))
        if p.period_start and p.period_end and p.period_end < p.period_start:
            out.append(Finding(p.plan, "row_inconsistent", where,
                               f"period ends ({p.period_end}) before it starts ({p.period_start})", p.source_line))
        if (p.period_start and p.period_start > 2025 and p.fyp_investment_yi):
            out.append(Finding(p.plan, "row_inconsistent", where,
                               f"starts in {p.period_start} yet has {p.fyp_investment_yi} 亿元 in 2021-2025",
                               p.source_line))
    return out


def _duplicates(tables):
    by_name = defaultdict(list)
    for p in tables.projects:
        if p.total_investment_yi is not None:
            by_name[(p.plan, p.name)].append(p)
    out = []
    for (plan, name), rows in by_name.items():
        values = {round(r.total_investment_yi, 2) for r in rows}
        if len(rows) > 1 and len(values) > 1:
            lines = ", ".join(f"L{r.source_line} ({r.list_name}: {r.total_investment_yi})" for r in rows)
            out.append(Finding(plan, "duplicate_conflict", name,
                               f"printed {len(rows)} times with different totals: {lines}", rows[0].source_line))
    return out


_COLUMN_ZH = {"total_investment_yi": "总投资", "fyp_investment_yi": "十四五投资"}


def format_findings(findings, show_ok=False):
    """Human-readable report, one line per finding, grouped by plan."""
    lines = []
    for f in sorted(findings, key=lambda f: (f.plan, f.source_line)):
        if not show_ok and not f.is_problem:
            continue
        tag = {"total_ok": "OK ", "total_mismatch": "DIFF", "row_inconsistent": "ROW ",
               "duplicate_conflict": "DUP ", "list_missing": "MISS"}[f.kind]
        lines.append(f"[{tag}] plan {f.plan} L{f.source_line}: {f.where}: {f.message}")
    return "\n".join(lines)

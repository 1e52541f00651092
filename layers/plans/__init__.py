"""Plan ingest: the five plan texts → projects, quotas, targets, travel targets and printed totals.

Each plan has its own reader module (``p000`` … ``p004``) because each text prints its tables in its
own way (tab-separated rows, one cell per line, a PDF's wrapped columns). Every reader exposes
``parse(text: PlanText) -> PlanTables`` and raises :class:`~layers.errors.PlanParseError` with the
file and line of a row it cannot read: a damaged row stops the build instead of vanishing.
"""

import importlib
from pathlib import Path

from ..errors import PlanParseError
from .model import PlanTables
from .text import PlanText

PLAN_IDS = ("000", "001", "002", "003", "004")

#: Short Chinese titles, used for labels and sheet titles.
PLAN_TITLES = {
    "000": "温州瓯江口产业集聚区发展“十四五”规划",
    "001": "温州市瓯海区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要",
    "002": "温州市洞头区工业、信息化和科技发展“十四五”规划",
    "003": "温州浙南科技城“十四五”发展规划",
    "004": "温州环大罗山科创走廊建设三年行动计划（2020-2022）",
}

#: The planning period each plan text states, and how it says it (file line in brackets): printed in
#: sheet subtitles.
PLAN_PERIODS = {
    "000": ("2021—2025", "规划期限 2021—2025 年，展望 2035 年（L51）"),
    "001": ("2021—2025", "十四五规划和二〇三五年远景目标纲要"),
    "002": ("2021—2025", "“十四五”规划"),
    "003": ("2021—2025", "以 2021—2025 年为重点，远期展望到 2035 年（L3）"),
    "004": ("2020—2022", "三年行动计划（2020—2022）"),
}


def plan_path(plan_dir, plan_id):
    """The text file of ``plan_id`` in ``plan_dir`` (named ``NNN_<hash>.txt``).

    None or two such files raise a :class:`PlanParseError` naming the pattern (``plans/000_*.txt:
    …``): the build must not guess which text a plan is.
    """
    plan_dir = Path(plan_dir)
    pattern = plan_dir / f"{plan_id}_*.txt"
    if not plan_dir.is_dir():
        raise PlanParseError(plan_dir, None, "no such folder: the plan texts are missing "
                                             "(set PLANMAP_PLANS_DIR or pass --plans)")
    matches = sorted(p for p in plan_dir.glob(f"{plan_id}_*.txt") if p.is_file())
    if not matches:
        raise PlanParseError(pattern, None, f"missing: no text of plan {plan_id} ({PLAN_TITLES.get(plan_id, '?')}) "
                                            f"in {plan_dir}; it needs one file named {plan_id}_<hash>.txt")
    if len(matches) > 1:
        raise PlanParseError(pattern, None, f"{len(matches)} files match ({', '.join(p.name for p in matches)}); "
                                            f"plan {plan_id} needs exactly one — move the others out of {plan_dir}")
    return matches[0]


def parse_plan(path, plan_id=None):
    """Read one plan text with its own reader."""
    text = PlanText(path)
    plan_id = plan_id or text.plan
    reader = importlib.import_module(f"{__name__}.p{plan_id}")
    return reader.parse(text)


def ingest(plan_dir, plan_ids=PLAN_IDS, progress=None):
    """Read every plan in ``plan_dir`` into one :class:`PlanTables` (``plan`` column tells them apart)."""
    out = PlanTables(plan="*", path=str(plan_dir))
    for pid in plan_ids:
        tables = parse_plan(plan_path(plan_dir, pid), pid)
        out.extend(tables)
        if progress:
            progress(f"plan {pid}: {len(tables.projects)} projects, {len(tables.quotas)} quotas, "
                     f"{len(tables.targets)} targets, {len(tables.travel_targets)} travel targets")
    return out

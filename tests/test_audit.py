"""`planmap audit` against the figures the plans print."""

import re

import pytest
from click.testing import CliRunner

from app.cli import main as cli
from layers.audit import audit
from layers.plans import ingest

from conftest import PLAN_DIR


@pytest.fixture(scope="module")
def all_tables():
    return ingest(PLAN_DIR)


@pytest.fixture(scope="module")
def findings(all_tables):
    return audit(all_tables)


def _find(findings, plan, list_name, section, column_zh):
    where = f"{list_name} / {section or '合计'} / {column_zh}"
    hits = [f for f in findings if f.plan == plan and f.where == where]
    assert len(hits) == 1, f"no single finding for {plan} {where}: {[f.where for f in findings if f.plan == plan]}"
    return hits[0]


def _printed_in_text(plan, line, value):
    """The printed figure really stands at that line of the plan text (in 亿元 or 万元).

    Tables printed one cell per line put the figure a line or two below its label.
    """
    lines = next(PLAN_DIR.glob(f"{plan}_*.txt")).read_text(encoding="utf-8").split("\n")
    text = " ".join(lines[line - 1: line + 2])
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]
    return any(abs(n - value) < 0.005 or abs(n / 1e4 - value) < 0.005 for n in numbers)


def test_plan000_grand_total_agrees_and_its_fyp_total_does_not(findings):
    total = _find(findings, "000", "重大项目清单", "", "总投资")
    assert total.kind == "total_ok" and total.printed == pytest.approx(2370.36)
    fyp = _find(findings, "000", "重大项目清单", "", "十四五投资")
    assert fyp.kind == "total_mismatch"
    assert fyp.printed == pytest.approx(1613.16)
    assert fyp.computed == pytest.approx(1612.30, abs=0.005)
    assert _printed_in_text("000", fyp.source_line, 1613.16)


def test_plan002_annex2_totals_agree(findings):
    for col, value in (("总投资", 1140.68), ("十四五投资", 271.07)):
        f = _find(findings, "002", "附件2", "", col)
        assert f.kind == "total_ok" and f.printed == pytest.approx(value)
        assert _printed_in_text("002", f.source_line, value)


def test_plan003_total_agrees_and_fyp_subtotals_repeat_the_totals(findings):
    total = _find(findings, "003", "重大项目安排表", "", "总投资")
    assert total.kind == "total_ok" and total.printed == pytest.approx(740.9883, abs=0.005)
    fyp = _find(findings, "003", "重大项目安排表", "", "十四五投资")
    assert fyp.kind == "total_mismatch"
    assert fyp.printed == pytest.approx(655.39, abs=0.005) and fyp.computed == pytest.approx(508.55, abs=0.005)
    # the two sections whose printed 十四五 subtotal equals their 总投资 subtotal
    mism = [f for f in findings if f.plan == "003" and f.kind == "total_mismatch" and f.where.endswith("十四五投资")
            and "合计" not in f.where]
    assert len(mism) == 2
    for f in mism:
        section = f.where.split(" / ")[1]
        same_total = _find(findings, "003", "重大项目安排表", section, "总投资")
        assert same_total.printed == pytest.approx(f.printed)


def test_audit_reports_every_printed_total_once(all_tables, findings):
    checked = [f for f in findings if f.kind in ("total_ok", "total_mismatch", "list_missing")]
    with_value = [t for t in all_tables.printed_totals if t.value_yi is not None]
    assert len(checked) == len(with_value)


def test_audit_never_changes_a_printed_number(all_tables):
    before = [(t.list_name, t.section, t.column, t.value_yi) for t in all_tables.printed_totals]
    audit(all_tables)
    assert [(t.list_name, t.section, t.column, t.value_yi) for t in all_tables.printed_totals] == before


def test_row_contradictions_are_found_in_a_modified_table(all_tables):
    """A row whose 十四五 share exceeds its total, or whose period runs backwards, is reported."""
    import copy

    tables = copy.deepcopy(all_tables)
    row = next(p for p in tables.projects if p.total_investment_yi and p.plan == "000")
    row.fyp_investment_yi = row.total_investment_yi + 5
    row.period_start, row.period_end = 2025, 2021
    found = [f for f in audit(tables) if f.kind == "row_inconsistent" and f.source_line == row.source_line]
    assert len(found) == 2


def test_cli_audit_lists_the_disagreements():
    result = CliRunner().invoke(cli, ["audit"])
    assert result.exit_code == 0, result.output
    assert "1613.16" in result.output and "1612.30" in result.output
    assert "655.39" in result.output
    result = CliRunner().invoke(cli, ["audit", "--plan", "002", "--all"])
    assert "[OK ]" in result.output and "1140.68" in result.output


def test_check_and_audit_speak_json_for_scripts(built_gpkg, tmp_path):
    """`--json`: one document a script can read; the same findings and exit codes as the text output."""
    import json

    from click.testing import CliRunner

    from app.cli import main as cli

    res = CliRunner().invoke(cli, ["audit", "--json"])
    doc = json.loads(res.output)
    assert res.exit_code == 0 and doc["problems"] == len(doc["findings"]) > 0
    assert all({"plan", "kind", "message", "source_line"} <= set(f) for f in doc["findings"])
    text = CliRunner().invoke(cli, ["audit"]).output
    assert f"{doc['problems']} finding(s); {doc['agree']} printed total(s) agree" in text
    ok = CliRunner().invoke(cli, ["check", "--json", "--gpkg", str(built_gpkg[0])])
    assert json.loads(ok.stdout)["ok"] is True and ok.exit_code == 0
    missing = CliRunner().invoke(cli, ["check", "--json", "--gpkg", str(tmp_path / "none.gpkg")])
    assert missing.exit_code == 4 and json.loads(missing.stdout) == {"file": str(tmp_path / "none.gpkg"), "ok": False,
                                                                    "exists": False, "problems": []}

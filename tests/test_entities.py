"""One project, several plans: the entity shows each plan's figures and flags what differs; search
folds brackets, width and spaces."""

from pathlib import Path

import pytest

from app import create_app
from layers.entities import FIGURES, PLACE_LISTS, TOLERANCE, YEARS
from layers.gpkg import read_layer
from layers.names import entity_key, name_key

ROOT = Path(__file__).resolve().parents[1]
PLAN_FILES = {p.name[:3]: p for p in (ROOT / "geodata" / "plans").glob("*.txt")}


@pytest.fixture(scope="module")
def tables(built_gpkg):
    path = built_gpkg[0]
    return read_layer(path, "entities"), read_layer(path, "entity_members"), read_layer(path, "projects")


@pytest.fixture(scope="module")
def client(built_gpkg):
    return create_app({"PLANMAP_GPKG": str(built_gpkg[0]), "TESTING": True}).test_client()


def _line(plan, n):
    return PLAN_FILES[plan].read_text(encoding="utf-8").splitlines()[n - 1]


def test_the_safety_park_is_one_entity_with_the_figures_of_000_002_and_004(tables):
    entities, members, _ = tables
    mine = members[members["name"].map(name_key).str.contains("安全应急产业园")
                   & members["name"].str.startswith("中国温州")]
    assert mine["entity_id"].nunique() == 1
    e = entities[entities["entity_id"] == mine["entity_id"].iloc[0]].iloc[0]
    assert set(e["plans"].split(";")) == {"000", "002", "004"}
    fyp = {plan: {v for v in grp["fyp_investment_yi"] if v == v} for plan, grp in mine.groupby("plan")}
    assert fyp["000"] == {20.0} and fyp["002"] == {2.0}           # 000 lists it twice, once without money
    for _, m in mine.iterrows():                   # each figure is its own plan's, read from its line
        line = _line(m["plan"], int(m["source_line"])).replace(" ", "")
        assert "中国温州安全" in line                  # the row starts on its line (002 prints a cell per line)
    assert "十四五投资不一致：规划002（附件3） 2亿元 / 规划000（重大项目清单） 20亿元（相差 10.0 倍）" in e["disagreements"]
    assert "用地不一致" in e["disagreements"] and "规划004（重点建设区块大会战） 2,573亩" in e["disagreements"]


def test_every_entity_is_one_name_in_several_plans_and_flags_exactly_what_differs(tables):
    entities, members, projects = tables
    for _, e in entities.iterrows():
        mine = members[members["entity_id"] == e["entity_id"]]
        assert mine["plan"].nunique() >= 2 and mine["name"].map(entity_key).nunique() == 1
        for col, (label, _) in FIGURES.items():
            values = sorted(float(v) for v in mine[col] if v == v)
            tol = 0.0 if col in YEARS else TOLERANCE          # a year differs by one; money by rounding
            differ = any(b - a > tol * max(abs(b), 1e-9) for a, b in zip(values, values[1:]))
            assert (f"{label}不一致" in (e["disagreements"] or "")) == differ, (e["name_zh"], label, values)
    # no project whose name several plans share is left out; no row about a place is taken for a project
    rows = projects[[(p, lst) not in PLACE_LISTS for p, lst in zip(projects["plan"], projects["list_name"])]]
    keys = rows["name"].map(entity_key)
    shared = {k for k, g in rows.assign(k=keys)[keys != ""].groupby("k") if g["plan"].nunique() > 1}
    assert {entity_key(n) for n in members["name"]} == shared
    assert not set(zip(members["plan"], members["list_name"])) & PLACE_LISTS


def test_one_year_apart_is_a_disagreement(tables):
    """000 L988 says 台商科技产业园 runs 2020-2023, 002 L1167 2020-2022: the entity says so."""
    entities, _, _ = tables
    e = entities[entities["name_zh"] == "温州台商科技产业园"].iloc[0]
    assert "期限止年不一致" in e["disagreements"] and "2022年" in e["disagreements"] and "2023年" in e["disagreements"]
    assert "开工年不一致" not in e["disagreements"]


def test_search_finds_the_entity_by_any_spelling(client):
    for q in ("安全应急", "安全（应急）产业园", "安全(应急)产业园", "安全 应急"):
        results = client.get("/api/search", query_string={"q": q}).get_json()["results"]
        assert results and results[0]["kind"] == "entity" and "规划000、002、004" in results[0]["label"], q
        assert any(r["kind"] == "project" and "(应急)" in r["label"] for r in results), q   # the ASCII row too


def test_the_api_answers_for_the_entity_and_from_each_member(client, tables):
    entities, members, _ = tables
    eid = members[members["name"].str.contains("安全（应急）产业园")]["entity_id"].iloc[0]
    e = client.get(f"/api/entities/{eid}").get_json()
    assert len(e["members"]) >= 3 and e["disagreements"]
    pid = e["members"][0]["project_id"]
    assert client.get(f"/api/projects/{pid}").get_json()["entity"]["entity_id"] == eid
    assert client.get("/api/entities/E-nope").status_code == 404

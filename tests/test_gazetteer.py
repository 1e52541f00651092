"""The gazetteer and the whole-name rule: projects, travel statements and district checks go through
``geodata/recipes/gazetteer.csv`` (layers.gazetteer), and no located site lies outside the district its
row implies."""

from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from layers import gazetteer as G
from layers.base import load_districts, load_land, load_towns
from layers.joins import PLAN_DISTRICTS, implied_districts

ROOT = Path(__file__).resolve().parents[1]
PLAN_DIR = ROOT / "geodata" / "plans"


def names(text, *candidates):
    return [n for n, _ in G.whole_names(text, candidates)]


@pytest.mark.parametrize("text,name", [
    ("金丽温高速六虹桥路以北段", "虹桥"),          # a road named after, not the 乐清 town
    ("六虹桥路", "虹桥"),
    ("王尖路道路工程(机场大道-瓯海大道)", "瓯海"),   # a road, not the district
    ("发展大楼2-3号楼内环境提升", "内环"),           # 楼内环境: a building's interior
    ("S1线桥下空间", "桥下"),                       # under the viaduct, not 永嘉's 桥下镇
    ("打造浙南对外开放桥头堡", "桥头"),
    ("建好长三角南大门", "大门"),
    ("半小时通达动车站或龙湾机场两大门户", "大门"),
    ("西雁荡省级森林公园", "雁荡"),
    ("瓯", "瓯"),                                   # a single character never names a place
])
def test_a_name_inside_a_longer_word_is_not_found(text, name):
    assert names(text, name) == []


@pytest.mark.parametrize("text,candidates,found", [
    ("瓯海区政府", ("瓯海", "瓯海区"), ["瓯海区"]),
    ("S211 省道瓯海段", ("瓯海",), ["瓯海"]),           # 道 before a place is a road's section in it
    ("228 国道洞头灵昆段", ("洞头", "灵昆"), ["洞头", "灵昆"]),
    ("瓯江口新区街道社区卫生服务中心", ("瓯江口新区",), ["瓯江口新区"]),   # 街道 is the subdistrict
    ("温州市域铁路 S2 线一期工程瓯江口段", ("瓯江口", "乐清"), ["瓯江口"]),
])
def test_whole_names_are_found(text, candidates, found):
    assert names(text, *candidates) == found


@pytest.fixture(scope="module")
def base():
    return load_districts(), load_land(), load_towns()


@pytest.fixture(scope="module")
def table():
    return G.load_gazetteer(ROOT / "geodata" / "recipes" / "gazetteer.csv")


def test_gazetteer_rows_say_kind_quality_and_district(table, base):
    districts = set(base[0]["name_zh"])
    assert set(table["kind"]) <= {"district", "town", "island", "area", "airport", "station", "port",
                                  "city_centre", "not_placed"}
    assert set(table["quality"]) <= {"official", "derived", "sketched", "schematic", "unplaced"}
    for r in table.itertuples():
        assert r.name_zh and r.kind
        if r.kind != "not_placed":
            assert r.district in districts, r.name_zh
        if r.quality == "unplaced":
            assert r.note, f"{r.name_zh}: an unplaced name says why"
        if r.quality != "unplaced":
            assert r.source, f"{r.name_zh}: a placed row says where its shape or point comes from"
    dup = table["name_zh"].duplicated()
    assert not dup.any(), list(table.loc[dup, "name_zh"])


def test_no_name_is_shared_by_two_places(table):
    for plan in PLAN_DISTRICTS:
        shared = {n: rows for n, rows in G.name_index(table, plan).items() if len(rows) > 1}
        assert not shared, f"plan {plan}: ambiguous names {shared}"


def test_placed_rows_resolve_to_a_point_in_their_district(table, base):
    districts, land, towns = base
    places = G.Places(table, districts, land, towns, structures=None)
    assert places.problems == []
    geoms = dict(zip(districts["name_zh"], districts.geometry))
    for i, r in places.table.iterrows():
        if r["ref"].startswith("structure:"):
            continue              # resolved against the build's structures (checked on the build below)
        if r["quality"] == "unplaced":
            assert places.point[i] is None
            continue
        assert places.point[i] is not None, r["name_zh"]
        assert geoms[r["district"]].buffer(50).contains(places.point[i]), r["name_zh"]


def test_listed_plan_lines_name_the_place(table):
    from dataclasses import asdict

    from layers.plans import PLAN_IDS, ingest, plan_path

    texts = {p: Path(plan_path(PLAN_DIR, p)).read_text(encoding="utf-8").splitlines() for p in PLAN_IDS}
    tt = pd.DataFrame([asdict(t) for t in ingest(PLAN_DIR).travel_targets])
    n = 0
    for _, r in table.iterrows():
        for plan, line in G.listed_lines(r["plan_lines"]):
            own = G.names_of(r, plan)
            idx = G.name_index(table, plan)
            in_text = set(own) & {x for x, _ in G.whole_names(texts[plan][line - 1], idx)}
            st = tt[(tt["plan"] == plan) & (tt["source_line"] == line)]
            in_statement = any(set(own) & {s.origin, *s.destinations.split(";")} for s in st.itertuples())
            assert in_text or in_statement, f"{r['name_zh']}: {plan}:L{line} does not name it"
            n += 1
    assert n > 200


def test_plan_lines_are_up_to_date(table):
    assert G.plan_lines_of(table.to_dict("records"), PLAN_DIR) == dict(
        zip(table["name_zh"], table["plan_lines"]))


# ---- on the build --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(built_gpkg, base):
    path, _ = built_gpkg
    structures = pd.concat([pyogrio.read_dataframe(path, layer=n)
                            for n in ("structures", "structure_lines", "structure_points")], ignore_index=True)
    places = G.Places(G.load_gazetteer(ROOT / "geodata" / "recipes" / "gazetteer.csv"), *base, structures)
    return {"places": places,
            "sites": pyogrio.read_dataframe(path, layer="project_sites"),
            "unlocated": pyogrio.read_dataframe(path, layer="unlocated_projects"),
            "projects": pyogrio.read_dataframe(path, layer="projects").set_index("project_id")}


def test_gazetteer_structure_refs_resolve_on_the_build(built):
    assert built["places"].problems == []


def test_every_located_site_lies_in_the_district_its_row_implies(built, base):
    """The acceptance rule, for every located site of the build (not a list of known cases)."""
    districts = base[0]
    wrong = []
    for s in built["sites"].itertuples():
        implied, why = implied_districts(built["projects"].loc[s.project_id].to_dict() | {"plan": s.plan},
                                         built["places"])
        assert implied, s.project_id
        inside = districts[districts.contains(s.geometry)]["name_zh"]
        if not set(inside) & implied:
            wrong.append(f"{s.project_id} {s.name}: in {list(inside)} at {s.located_on}, but {why}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("pid,not_on", [
    ("001:L767#4", "虹桥"), ("001:L763#4", "虹桥"), ("001:L763#6", "虹桥"),     # 六虹桥路
    ("003:L556", "瓯海"), ("003:L574", "瓯海"),                                   # 金石路, 龙盛路 (瓯海大道)
    ("000:L1132", "内环"),                                                         # 楼内环境
    ("000:L923", "乐清"),                                                          # S2 线瓯江口段
])
def test_the_issues_cases_are_not_placed_by_a_substring(built, pid, not_on):
    sites, unl = built["sites"], built["unlocated"]
    site = sites[sites["project_id"] == pid]
    assert len(site) + (unl["project_id"] == pid).sum() == 1
    if len(site):
        assert site["located_on"].iloc[0] != not_on
    else:
        assert unl.loc[unl["project_id"] == pid, "reason"].iloc[0]


def test_a_site_refused_by_its_district_says_which_district_and_where(built):
    unl = built["unlocated"]
    refused = unl[unl["reason"].str.contains("what its words name lies elsewhere")]
    assert len(refused) >= 1
    for r in refused.itertuples():
        assert "so it lies in" in r.reason


# ---- travel-time statements -------------------------------------------------------------------------

def test_travel_statements_are_located_through_the_gazetteer(table):
    """Every name of the 21 statements has a gazetteer row; each place in them has a point; the rest
    are rows that say why they are not one place (a region, a service circle, an unnamed facility)."""
    from layers.access import evaluate_targets, load_places
    from layers.plans import ingest

    targets = ingest(PLAN_DIR).travel_targets
    t = evaluate_targets(targets, None, places=load_places(ROOT / "geodata" / "recipes" / "gazetteer.csv"))
    assert len(t) == 21
    ready = t[t["status"] == "network missing"]
    assert list(zip(ready["plan"], ready["source_line"])) == [("000", 541)]
    for r in t[t["status"] == "not located"].itertuples():
        assert r.note and "no entry in gazetteer.csv" not in r.note, (r.plan, r.source_line)
    by_name = {n: row for _, row in table.iterrows() for n in G.names_of(row)}
    for s in targets:
        for n in [s.origin, *s.destinations.split(";")]:
            row = by_name[n]
            if row["kind"] != "not_placed" and row["quality"] != "unplaced":
                assert row["lon"] == row["lon"] or row["ref"], n


def test_plan_000s_planning_area_is_its_own():
    """「规划区」 is plan 000's 瓯江口 area only: another plan's 规划区 is not located there."""
    import pandas as pd

    from layers.access import evaluate_targets

    stmt = pd.DataFrame([{"plan": p, "origin": "规划区", "destinations": "温州机场", "minutes": 30, "mode": "驾车",
                          "source_line": 1, "text": ""} for p in ("000", "003")])
    t = evaluate_targets(stmt, None)
    assert list(t["status"]) == ["network missing", "not located"]

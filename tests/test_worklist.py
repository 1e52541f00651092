"""The digitising worklist: every sketched or schematic feature once, ranked by what rests on it."""

import csv
import io

import pytest

from app import create_app
from layers.gpkg import read_layer
from layers.worklist import LAYERS


@pytest.fixture(scope="module")
def worklist(built_gpkg):
    return read_layer(built_gpkg[0], "worklist")


def test_every_rough_feature_is_listed_once_and_nothing_surveyed(built_gpkg, worklist):
    expected = set()
    for name, (key, _) in LAYERS.items():
        gdf = read_layer(built_gpkg[0], name)
        expected |= {(name, f) for f in gdf.loc[gdf["quality"].isin(["sketched", "schematic"]), key]}
        surveyed = set(gdf.loc[~gdf["quality"].isin(["sketched", "schematic"]), key])
        assert not surveyed & set(worklist.loc[worklist["layer"] == name, "feature"])
    listed = list(zip(worklist["layer"], worklist["feature"]))
    assert len(listed) == len(set(listed)) and set(listed) == expected


def test_ranked_by_the_investment_placed_on_each_feature(built_gpkg, worklist):
    assert list(worklist["rank"]) == list(range(1, len(worklist) + 1))
    structures = read_layer(built_gpkg[0], "structures")
    envelopes = set(structures.loc[structures["kind"] == "area", "id"])
    inner = worklist[~worklist["feature"].isin(envelopes)]
    assert list(inner["rank"]) == list(range(1, len(inner) + 1)), "plan outlines come after the shapes inside them"
    direct = list(inner["direct_investment_yi"])
    assert direct == sorted(direct, reverse=True)
    # direct investment is every site located on the shape, whichever plan lists it (counted here anew)
    sites = read_layer(built_gpkg[0], "project_sites")
    on = sites[(sites["located_by"] == "structure") & sites["in_rollup"].astype(bool)]
    expect = on.groupby("structure_id")["total_investment_yi"].sum()
    for _, r in worklist[worklist["layer"] != "parcels"].iterrows():
        assert r["direct_investment_yi"] == pytest.approx(float(expect.get(r["feature"], 0.0)), abs=1e-6), r["feature"]
    safety = worklist[worklist["feature"] == "004-b10-safety-phase1"].iloc[0]
    assert safety["n_direct"] >= 1 or safety["direct_investment_yi"] >= 0      # listed whatever it holds
    assert worklist["source_ref"].str.match(r"^\d{3}:").all(), "each row cites the plan lines it rests on"
    top = worklist.iloc[0]
    assert top["n_direct"] > 0 and str(top["n_direct"]) in top["why"]


def test_the_page_and_its_csv(built_gpkg, worklist):
    c = create_app({"PLANMAP_GPKG": str(built_gpkg[0]), "TESTING": True}).test_client()
    page = c.get("/worklist").get_data(as_text=True)
    assert "待数字化清单" in page and worklist.iloc[0]["name"] in page
    rows = list(csv.DictReader(io.StringIO(c.get("/worklist.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(worklist) and rows[0]["feature"] == worklist.iloc[0]["feature"]

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


def test_ranked_by_the_investment_placed_on_each_feature(worklist):
    assert list(worklist["rank"]) == list(range(1, len(worklist) + 1))
    direct = list(worklist["direct_investment_yi"])
    assert direct == sorted(direct, reverse=True)
    assert (worklist["direct_investment_yi"] <= worklist["total_investment_yi"] + 1e-6).all()
    assert worklist["source_ref"].str.match(r"^\d{3}:").all(), "each row cites the plan lines it rests on"
    top = worklist.iloc[0]
    assert top["n_direct"] > 0 and str(top["n_direct"]) in top["why"]


def test_the_page_and_its_csv(built_gpkg, worklist):
    c = create_app({"PLANMAP_GPKG": str(built_gpkg[0]), "TESTING": True}).test_client()
    page = c.get("/worklist").get_data(as_text=True)
    assert "待数字化清单" in page and worklist.iloc[0]["name"] in page
    rows = list(csv.DictReader(io.StringIO(c.get("/worklist.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(worklist) and rows[0]["feature"] == worklist.iloc[0]["feature"]

"""Shared fixtures: paths to the project's data and to ../shared (skipped, saying why, when absent),
one real build, private copies of it, and the replayed OSM network.

Every test runs with ``PLANMAP_DATA_DIR`` pointed at a temporary folder, so no test reads or writes
the checkout's ``geodata/wenzhou_plans.gpkg`` or whatever road networks a user has cached there.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PLAN_DIR = ROOT / "geodata" / "plans"


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory):
    """An empty data folder for the whole session (subprocesses inherit it through the environment)."""
    data = tmp_path_factory.mktemp("planmap-data")
    old = os.environ.get("PLANMAP_DATA_DIR")
    os.environ["PLANMAP_DATA_DIR"] = str(data)
    for name in ("PLANMAP_GPKG", "PLANMAP_NETWORKS_DIR", "PLANMAP_NETWORK"):
        os.environ.pop(name, None)
    yield data
    if old is None:
        os.environ.pop("PLANMAP_DATA_DIR", None)
    else:
        os.environ["PLANMAP_DATA_DIR"] = old


@pytest.fixture(scope="session")
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (CI places ../shared beside the clone)")
    return SHARED


@pytest.fixture(scope="session")
def osm_fixture(shared_dir):
    path = shared_dir / "fixtures" / "osm" / "dongtou_dongao_overpass.json"
    if not path.exists():
        pytest.skip(f"OSM fixture missing: {path}")
    return path


@pytest.fixture(scope="session")
def built_gpkg(tmp_path_factory):
    """One real build into a temporary folder, shared by the tests that read the GeoPackage."""
    from layers.build import build

    out = tmp_path_factory.mktemp("gpkg") / "wenzhou_plans.gpkg"
    summary = build(out=out, plan_dir=PLAN_DIR, progress=lambda m: None)
    return out, summary


@pytest.fixture
def gpkg_copy(built_gpkg, tmp_path):
    """A private copy of the built GeoPackage, for a test that edits it or serves it: ``gpkg_copy(name)``."""
    def copy(name="plans.gpkg"):
        path = tmp_path / name
        shutil.copy(built_gpkg[0], path)
        return path

    return copy


@pytest.fixture(scope="session")
def dongao_networks(tmp_path_factory):
    """A network cache holding ``dongao`` (drive), fetched once through the loopback Overpass replay of
    the shared OSM fixture — osmnx's real download code, no internet."""
    from osm_replay import FIXTURE_BBOX, replay_body_or_none, replayed_osmnx

    if replay_body_or_none() is None:
        pytest.skip("../shared/fixtures/osm is absent: no recorded Overpass response to replay")
    from layers import network

    nets = tmp_path_factory.mktemp("networks")
    with replayed_osmnx() as server:
        network.fetch(FIXTURE_BBOX, mode="drive", name="dongao", margin_m=0, cache_dir=nets)
    assert server.requests, "the download did not go through the replay server"
    return nets

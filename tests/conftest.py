"""Shared fixtures: paths to the project's data and to ../shared (skipped, saying why, when absent)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PLAN_DIR = ROOT / "geodata" / "plans"


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

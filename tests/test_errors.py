"""One errors module: each class carries its HTTP status and exit code, the docstring's table says
so, and the web and the CLI answer with them."""

import inspect
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main as cli
from layers import errors as E

ROOT = Path(__file__).resolve().parents[1]
BASES = (E.PlanMapError, E.BadRequest, E.NotFound, E.DataUnavailable, E.CheckFailed)


def _classes():
    return [c for _, c in inspect.getmembers(E, inspect.isclass) if issubclass(c, E.PlanMapError)]


def test_the_table_in_the_module_is_the_code():
    rows = re.findall(r"^``(\w+)``\s+(\d{3})\s+(\d)\s", E.__doc__, re.M)
    assert {r[0] for r in rows} == {c.__name__ for c in BASES}
    for name, status, code in rows:
        cls = getattr(E, name)
        assert (cls.status, cls.exit_code) == (int(status), int(code)), name


def test_every_project_exception_lives_in_the_errors_module():
    stray = []
    for path in list((ROOT / "layers").rglob("*.py")) + list((ROOT / "app").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*class \w+\((\w+\.)?(\w*Error|\w*Exception|PlanMapError|BadRequest|NotFound|"
                        r"DataUnavailable)\)", line) and path.name != "errors.py":
                stray.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not stray, "\n".join(stray)
    for cls in _classes():
        assert any(issubclass(cls, b) for b in BASES)
        assert cls.status in (400, 404, 500, 503) and cls.exit_code in (1, 2, 3, 4)


@pytest.fixture(scope="module")
def client(built_gpkg):
    return create_app({"PLANMAP_GPKG": str(built_gpkg[0]), "TESTING": True}).test_client()


@pytest.mark.parametrize("cls", _classes(), ids=lambda c: c.__name__)
def test_http_status_and_exit_code_per_class(cls, client, monkeypatch):
    exc = cls(["p1", "p2"]) if cls is E.CheckFailed else \
        cls("x.txt", 3, "damaged row") if issubclass(cls, E.LocatedError) else \
        cls("drive") if cls is E.NetworkMissing else cls("what went wrong")

    def boom(*a, **k):
        raise exc

    monkeypatch.setattr("layers.gpkg.queries.plans", boom)
    r = client.get("/api/plans")
    assert r.status_code == cls.status
    body = r.get_json()
    assert body["error"] == cls.kind and body["message"] == str(exc)
    if getattr(exc, "command", None):
        assert body["command"] == exc.command
    if cls is not E.CheckFailed:                     # pages answer with the same status, in HTML
        monkeypatch.setattr("layers.gpkg.queries.plan_title", boom)
        page = client.get("/plan/001")
        assert page.status_code == cls.status and "text/html" in page.content_type
    monkeypatch.setattr("layers.plans.ingest", boom)
    res = CliRunner().invoke(cli, ["audit"])
    assert res.exit_code == (1 if cls is E.CheckFailed else cls.exit_code), res.output
    if cls is not E.CheckFailed:
        assert f"planmap: {exc}" in res.output


def test_routing_errors_under_api_are_json(client):
    r = client.get("/api/structures/a/b")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"
    r = client.post("/api/plans")
    assert r.status_code == 405 and r.get_json()["error"] == "method_not_allowed"
    assert client.get("/no/such/page").content_type.startswith("text/html")


def test_unknown_plan_in_a_ring_request_is_a_bad_request(client):
    r = client.get("/api/rings?parcel=E-16-03&plan=999")
    assert r.status_code == 400 and "unknown plan '999'; the plans are 000" in r.get_json()["message"]

"""One settings table: the README documents exactly the settings the code reads, and every command
acts on the configured data folder whatever folder it is run from."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layers import settings as S

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_settings():
    section = README.split("\n## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.*?) \| (.*?) \| (.*?) \|$", section, re.M)
    return {name: (default.strip("` "), option.strip("` "), help_.strip()) for name, default, option, help_ in rows}


def test_the_readme_table_is_the_settings_table():
    documented = _readme_settings()
    assert list(documented) == [s.name for s in S.SETTINGS]
    for name, default, option, help_ in S.table():
        assert documented[name] == (default, option, help_), f"README's row for {name} differs from the code"


def test_only_the_settings_module_reads_the_environment_or_finds_geodata_from_its_own_path():
    offenders = []
    for path in list((ROOT / "layers").rglob("*.py")) + list((ROOT / "app").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if rel == "layers/settings.py":
            continue
        for n, line in enumerate(text.splitlines(), 1):
            # XDG_CACHE_HOME is the desktop standard for the user's cache (the sheets' trimmed font)
            reads_env = re.search(r"\benviron\b|\bgetenv\b", line) and "XDG_CACHE_HOME" not in line
            if reads_env or "__file__" in line:
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_precedence_explicit_environment_instance_default(tmp_path):
    env = {"PLANMAP_DATA_DIR": str(tmp_path / "env"), "PLANMAP_MAX_FEATURES": "70"}
    inst = {"PLANMAP_MAX_FEATURES": 60, "PLANMAP_PRINT_SLOTS": 3}
    s = S.resolve({"PLANMAP_MAX_FEATURES": 80, "PLANMAP_GPKG": None}, environ=env, instance=inst)
    assert s["PLANMAP_MAX_FEATURES"] == 80 and s.where["PLANMAP_MAX_FEATURES"] == "explicit"
    assert s["PLANMAP_PRINT_SLOTS"] == 3 and s.where["PLANMAP_PRINT_SLOTS"] == "instance config"
    # derived defaults follow the data folder they name
    assert s["PLANMAP_GPKG"] == tmp_path / "env" / "wenzhou_plans.gpkg"
    assert s["PLANMAP_NETWORKS_DIR"] == tmp_path / "env" / "networks"
    assert s["PLANMAP_PLANS_DIR"] == ROOT / "geodata" / "plans"
    with pytest.raises(S.SettingError, match="PLANMAP_MAX_FEATURES .*environment.* must be int"):
        S.resolve(environ={"PLANMAP_MAX_FEATURES": "many"})
    with pytest.raises(S.SettingError, match="at least 1"):
        S.resolve({"PLANMAP_RING_SLOTS": 0}, environ={})


def test_the_app_reads_the_same_settings(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("PLANMAP_MAX_FEATURES", "77")
    app = create_app({"PLANMAP_GPKG": str(tmp_path / "x.gpkg")})
    assert app.config["PLANMAP_MAX_FEATURES"] == 77
    core = app.extensions["planmap"]
    assert core.gpkg.path == tmp_path / "x.gpkg" and core.rings.gpkg == tmp_path / "x.gpkg"


def _planmap(args, cwd, env):
    """The installed ``planmap`` command as a user runs it (``python -m app.cli`` where it is not installed)."""
    exe = shutil.which("planmap")
    cmd = [exe] if exe else [sys.executable, "-m", "app.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_build_and_check_from_another_folder_act_on_the_configured_data_folder(tmp_path):
    checkout_gpkg = ROOT / "geodata" / "wenzhou_plans.gpkg"
    before = checkout_gpkg.stat().st_mtime_ns if checkout_gpkg.exists() else None
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    data = tmp_path / "data"
    env = {"PLANMAP_DATA_DIR": str(data)}
    built = _planmap(["build"], elsewhere, env)
    assert built.returncode == 0, built.stderr + built.stdout
    assert (data / "wenzhou_plans.gpkg").is_file()
    assert not list(elsewhere.iterdir()), "build wrote into the folder it was run from"
    after = checkout_gpkg.stat().st_mtime_ns if checkout_gpkg.exists() else None
    assert after == before, "build wrote into the checkout although another data folder was configured"
    checked = _planmap(["check"], elsewhere, env)
    assert checked.returncode == 0 and f"{data / 'wenzhou_plans.gpkg'}: OK" in checked.stdout
    missing = _planmap(["check"], elsewhere, {"PLANMAP_DATA_DIR": str(tmp_path / "empty")})
    assert missing.returncode == 4 and "does not exist" in missing.stderr

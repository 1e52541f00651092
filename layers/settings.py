"""Every path and limit the project reads, in one table, with its default and where it may be set.

A setting is read, in increasing order of precedence, from its default, the web app's instance file
(``instance/config.py``), the environment (a variable of the same name), and an explicit value (a
``planmap`` option such as ``--gpkg``, or the ``config`` a test passes to ``create_app``). Nothing else
in the project reads the environment or finds a folder from ``__file__``: the CLI, the web app, the
build and the sheets all ask :func:`resolve`, so ``planmap build`` run in any folder writes where the
settings say and nowhere else.

Two kinds of folder: the *sources* (plan texts, base geography, recipes: shipped with the project
under ``geodata/`` and only ever read) and the *data folder* ``PLANMAP_DATA_DIR`` (what planmap writes:
the GeoPackage and the road-network cache). The README's settings table is checked against
:data:`SETTINGS` by ``tests/test_settings.py``, as datasette checks its documented settings.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import SettingError

#: The project's checkout: the sources and the default data folder live in its ``geodata/``.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
GEODATA = PROJECT_ROOT / "geodata"


@dataclass(frozen=True)
class Setting:
    """One setting: its name (also the environment variable), default, type and meaning.

    ``default`` may name another setting in braces (``{PLANMAP_DATA_DIR}/networks``): it follows that
    setting unless set itself. ``option`` is the ``planmap`` option that sets it, if any.
    """

    name: str
    default: object
    type: type
    help: str
    option: str = ""

    def parse(self, value, where):
        if value is None:
            return None
        try:
            parsed = value if isinstance(value, self.type) else self.type(value)
        except (TypeError, ValueError):
            raise SettingError(f"{self.name} (from {where}) must be {self.type.__name__}, not {value!r}") from None
        if self.type in (int, float) and parsed < 1:
            raise SettingError(f"{self.name} (from {where}) must be at least 1, not {value!r}")
        return parsed


SETTINGS = (
    Setting("PLANMAP_DATA_DIR", str(GEODATA), Path,
            "the folder planmap writes to: the GeoPackage and the road-network cache"),
    Setting("PLANMAP_GPKG", "{PLANMAP_DATA_DIR}/wenzhou_plans.gpkg", Path,
            "the GeoPackage that build writes and check, serve, sheet and access read", "--gpkg"),
    Setting("PLANMAP_NETWORKS_DIR", "{PLANMAP_DATA_DIR}/networks", Path,
            "cached road networks (GraphML) and their compiled ring indexes (.npz)", "--cache-dir"),
    Setting("PLANMAP_PLANS_DIR", str(GEODATA / "plans"), Path, "the five plan texts (read only)", "--plans"),
    Setting("PLANMAP_BASE_DIR", str(GEODATA / "base"), Path,
            "vendored base geography: districts, land, towns (read only)"),
    Setting("PLANMAP_RECIPES_DIR", str(GEODATA / "recipes"), Path,
            "structure recipes, parcel zones, planned links, the gazetteer of places the plans name, sheet "
            "figures (read only)"),
    Setting("PLANMAP_NETWORK", None, str,
            "the road network rings use (a cached name or a .graphml path); unset: the only one cached; "
            "build uses none unless given", "--network"),
    Setting("PLANMAP_CELL_M", 50.0, float, "raster cell of the travel-time surface, metres", "--cell-m"),
    Setting("PLANMAP_RING_NETWORKS", 2, int,
            "compiled networks (mode × scenario) one process keeps in memory, least recently used dropped"),
    Setting("PLANMAP_RING_SLOTS", 4, int,
            "rings the web app computes at once; more wait (up to PLANMAP_RING_WAIT_S)"),
    Setting("PLANMAP_RING_WAIT_S", 30, int, "seconds a ring request waits for a slot before a 503"),
    Setting("PLANMAP_MAX_FEATURES", 5000, int, "the most features one API call returns"),
    Setting("PLANMAP_PRINT_SLOTS", 2, int, "sheets the web app renders at once; more are refused with 503"),
    Setting("PLANMAP_THREADS", 8, int, "worker threads of planmap serve", "--threads"),
    Setting("PLANMAP_CONNECTION_LIMIT", 1000, int,
            "open connections planmap serve accepts at once (idle ones included); more wait in the backlog"),
    Setting("PLANMAP_IDLE_TIMEOUT_S", 60, int, "seconds planmap serve keeps an idle connection open"),
    Setting("TIANDITU_KEY", None, str, "a 天地图 API key; adds the 天地图 base layer"),
)
BY_NAME = {s.name: s for s in SETTINGS}


class Settings(dict):
    """Resolved settings: a dict by name, with ``where[name]`` saying which source gave each value."""

    def __init__(self, values, where):
        super().__init__(values)
        self.where = where

    def path(self, name):
        return Path(self[name])

    def updated(self, explicit):
        """These settings with ``explicit`` values (``None`` = keep) laid over them."""
        out = resolve(explicit, environ={}, instance=self)
        out.where = {k: ("explicit" if out.where[k] == "explicit" else self.where.get(k, "default")) for k in out}
        return out


def resolve(explicit=None, *, environ=None, instance=None):
    """The settings, each from the strongest of ``explicit``, ``environ``, ``instance`` and its default.

    ``explicit`` values of ``None`` are ignored (an option the user did not give). Keys that are not
    settings are ignored too, so a Flask config can be passed whole.
    """
    environ = os.environ if environ is None else environ
    layers_ = (("explicit", explicit or {}), ("environment", environ), ("instance config", instance or {}))
    raw, where = {}, {}
    for s in SETTINGS:
        for source, values in layers_:
            v = values.get(s.name)
            if v is not None and v != "":
                raw[s.name], where[s.name] = v, source
                break
        else:
            raw[s.name], where[s.name] = s.default, "default"
    values = {}

    def value(name):
        if name not in values:
            s = BY_NAME[name]
            v = raw[name]
            if isinstance(v, str) and "{" in v and where[name] == "default":
                v = v.format(**{n: value(n) for n in BY_NAME if "{" + n + "}" in v})
            values[name] = s.parse(v, where[name])
        return values[name]

    for s in SETTINGS:
        value(s.name)
    return Settings(values, where)


def source_dir(name, given=None):
    """A folder setting, unless the caller names one: ``source_dir("PLANMAP_RECIPES_DIR", recipe_dir)``."""
    return Path(given) if given is not None else resolve().path(name)


def table():
    """The settings as the README's Markdown table rows (what ``tests/test_settings.py`` compares)."""
    rows = []
    for s in SETTINGS:
        default = "unset" if s.default is None else str(s.default).replace(str(PROJECT_ROOT) + os.sep, "")
        rows.append((s.name, default, s.option or "", s.help))
    return rows

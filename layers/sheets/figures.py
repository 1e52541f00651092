"""A plan's appended maps (附图), read from ``<recipes>/NNN.figures.toml`` beside the plan's recipe.

Plan 000 appends three maps of which its text keeps only the captions. What each redrawn figure shows,
which kinds it draws and what the data lacks are plan data, not code: they live with the recipes in
``geodata/recipes/`` (the folder the ``PLANMAP_RECIPES_DIR`` setting names) and are checked against
the one table of kinds, :data:`layers.cartography.KINDS`.
"""

import tomllib
from pathlib import Path

from ..cartography import KINDS
from ..errors import PlanMapError

REQUIRED = ("title", "en", "line", "shows", "missing")
KIND_FIELDS = ("poly_kinds", "context_kinds", "line_kinds", "point_kinds", "label_roles")


def recipes_dir():
    from ..settings import resolve

    return resolve().path("PLANMAP_RECIPES_DIR")


def figures_path(plan, folder=None):
    return Path(folder if folder is not None else recipes_dir()) / f"{plan}.figures.toml"


def load_figures(plan="000", folder=None):
    """``{number: figure}`` of ``plan``'s appended maps (empty when it has none); each figure a dict
    with ``title``, ``en``, ``line``, the kind tuples of :data:`KIND_FIELDS`, ``shows`` and
    ``missing`` (a list of texts). ``folder`` defaults to the recipes folder of the settings."""
    path = figures_path(plan, folder)
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise PlanMapError(f"{path}: {exc}") from exc
    out = {}
    for key, fig in doc.get("figure", {}).items():
        fig = dict(fig)
        lacking = [name for name in REQUIRED if name not in fig]
        if not key.isdigit() or lacking:
            raise PlanMapError(f"{path}: [figure.{key}] must be numbered and have {', '.join(REQUIRED)}"
                               + (f"; it lacks {', '.join(lacking)}" if lacking else ""))
        number = int(key)
        for name in KIND_FIELDS:
            fig[name] = tuple(fig.get(name, ()))
            unknown = [k for k in fig[name] if k not in KINDS]
            if unknown:
                raise PlanMapError(f"{path}: figure {number} {name} names unknown kinds {unknown}; "
                                   f"kinds are those of layers/cartography.py")
        fig["missing"] = list(fig["missing"])
        out[number] = fig
    return dict(sorted(out.items()))

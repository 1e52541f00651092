"""What the web app adds to the core's answers: JSON bytes and rendered pages, cached per version.

Both are cached in the GeoPackage reader's per-version memo (:meth:`layers.gpkg.GeoPackage.memo`), so
an edit saved in QGIS shows on the next request, and keyed on the canonical thing — the parcel id, not
the URL it was asked by — with a bound on how many pages are kept.
"""

from flask import current_app

from layers.gpkg import queries

#: Rendered pages kept per version of the file (each is about a megabyte).
MAX_PAGES = 32


def core():
    return current_app.extensions["planmap"]


def gpkg():
    return core().gpkg


def parcel_json(code, plan, dumps):
    """The parcel's answer as JSON bytes, serialised once per file version and parcel."""
    gp = gpkg()
    answer = queries.parcel_answer(gp, code, plan)
    return gp.memo("parcel_json", answer["id"], lambda: dumps(answer).encode("utf-8"), max_entries=10_000)


def page_cache(key, render):
    """A rendered page, once per file version and canonical ``key``: building the Folium map costs a
    second or more, and nothing in it changes until the file does."""
    return gpkg().memo("pages", tuple(key), render, max_entries=MAX_PAGES)

"""``planmap``: the one command line for every user-facing task.

    planmap build   # plan texts + base geography → geodata/wenzhou_plans.gpkg
    planmap check   # validate a GeoPackage (exit 1 with a report when something is wrong)
    planmap audit   # recompute the plans' printed totals and list disagreements
    planmap serve   # the web map (waitress, a production WSGI server)
    planmap network / access   # road networks and 15-30-60 minute rings
    planmap sheet   # PDF map sheets and atlases

Errors a user can cause (a damaged plan row, a broken GeoPackage) print one readable message and exit
with the code of the error's class (:mod:`layers.errors`); tracebacks are for bugs. Paths and limits
come from the settings (:mod:`layers.settings`): an option beats the environment beats the default,
and no command depends on the folder it is run from.
"""

import sys
from pathlib import Path

import click

from layers.errors import CheckFailed, PlanMapError

CTX = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def settings(**explicit):
    """The settings, with the options the user gave (``None`` = not given) laid over them."""
    from layers.settings import resolve

    return resolve(explicit)


gpkg_option = click.option("--gpkg", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="The GeoPackage file [default: the PLANMAP_GPKG setting, "
                                "geodata/wenzhou_plans.gpkg].")
plans_option = click.option("--plans", "plan_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help="Folder of the plan texts [default: the PLANMAP_PLANS_DIR setting].")


def _fail(message, code=1):
    click.echo(f"planmap: {message}", err=True)
    sys.exit(code)


class PlanMapGroup(click.Group):
    """A click group that turns every project error into one line and the exit code of its class."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CheckFailed:
            raise
        except PlanMapError as exc:
            command = getattr(exc, "command", None)
            click.echo(f"planmap: {exc}" + (f"\n  fix: {command}" if command and command not in str(exc) else ""),
                       err=True)
            sys.exit(exc.exit_code)


@click.group(cls=PlanMapGroup, context_settings=CTX)
@click.version_option(package_name="wenzhou-planmap")
def main():
    """温州规划地图 Wenzhou plan map: five 14th-five-year plans as GeoPackage layers and maps."""


@main.command(context_settings=CTX)
@gpkg_option
@plans_option
@click.option("--network", default=None,
              help="A cached drive network (name or .graphml) to time the plans' travel-time statements on; "
                   "without it they stay \"network missing\" (the build never uses a network it was not given).")
def build(gpkg, plan_dir, network):
    """Build the GeoPackage from the plan texts and the vendored base geography.

    Parses the five plans' project, quota, indicator and travel-time tables, loads districts, land
    and towns (converting GCJ-02 sources), validates the result and replaces GPKG atomically: a
    failed build leaves the previous file untouched.
    """
    from layers.build import build as run_build

    s = settings(PLANMAP_GPKG=gpkg, PLANMAP_PLANS_DIR=plan_dir)
    try:
        run_build(network=network, settings=s)
    except CheckFailed as exc:
        _fail("the new GeoPackage failed its checks; the old file was kept:\n  " + "\n  ".join(exc.problems))
    except PlanMapError as exc:
        _fail(f"build stopped, the old GeoPackage was kept: {exc}", exc.exit_code)


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document (for scripts and CI).")


@main.command(context_settings=CTX)
@gpkg_option
@json_option
def check(gpkg, as_json):
    """Validate a GeoPackage: GDAL's GeoPackage validator, every layer readable, EPSG:4549, valid geometry
    inside the CRS's area, required columns, unique parcel codes, and edits that break those rules."""
    import json

    from layers.check import check_file, validator
    from layers.edits import edit_problems

    gpkg = settings(PLANMAP_GPKG=gpkg).path("PLANMAP_GPKG")
    if not gpkg.exists():
        if as_json:
            click.echo(json.dumps({"file": str(gpkg), "ok": False, "exists": False, "problems": []}))
            sys.exit(4)
        _fail(f"{gpkg} does not exist; run `planmap build` first", 4)
    if validator() is None:
        click.echo("note: GDAL's GeoPackage validator was not run (apt-get install python3-gdal)", err=True)
    problems = check_file(gpkg)
    edited = edit_problems(gpkg)
    if edited:
        problems = problems + ["edited in QGIS — " + str(p) for p in edited]
    if as_json:
        click.echo(json.dumps({"file": str(gpkg), "ok": not problems, "exists": True, "problems": problems,
                               "validator": validator() is not None}, ensure_ascii=False, indent=1))
        sys.exit(1 if problems else 0)
    if problems:
        click.echo(f"{gpkg}: {len(problems)} problem(s)")
        for p in problems:
            click.echo(f"  {p}")
        sys.exit(1)
    click.echo(f"{gpkg}: OK")


@main.command(context_settings=CTX)
@plans_option
@click.option("--plan", "plan_ids", multiple=True, help="Only this plan (000…004); repeatable.")
@click.option("--all", "show_ok", is_flag=True, help="Also list the totals that agree.")
@json_option
def audit(plan_dir, plan_ids, show_ok, as_json):
    """Recompute every subtotal and total the plans print; list disagreements and inconsistent rows.

    Reports only: it never changes a plan's number. Exit code 0 even when it finds disagreements
    (they are the plans' own), 1 when a plan cannot be read.
    """
    from layers.audit import audit as run_audit, format_findings
    from layers.plans import PLAN_IDS, ingest

    plan_dir = settings(PLANMAP_PLANS_DIR=plan_dir).path("PLANMAP_PLANS_DIR")
    tables = ingest(plan_dir, plan_ids or PLAN_IDS)
    findings = run_audit(tables)
    if as_json:
        import json
        from dataclasses import asdict

        rows = [{**asdict(f), "is_problem": f.is_problem} for f in findings if show_ok or f.is_problem]
        click.echo(json.dumps({"findings": rows, "problems": sum(f.is_problem for f in findings),
                               "agree": sum(not f.is_problem for f in findings)}, ensure_ascii=False, indent=1))
        return
    report = format_findings(findings, show_ok=show_ok)
    click.echo(report or "no disagreements")
    n_ok = sum(not f.is_problem for f in findings)
    click.echo(f"\n{len(findings) - n_ok} finding(s); {n_ok} printed total(s) agree with their rows")


@main.command(context_settings=CTX)
@gpkg_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the LAN).")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=None, type=int, help="Worker threads [default: the PLANMAP_THREADS setting, 8].")
@click.option("--network", default=None, help="The road network for rings [default: the PLANMAP_NETWORK setting].")
def serve(gpkg, host, port, threads, network):
    """Serve the web map of the GeoPackage: overview, plan and parcel pages and the JSON API.

    Read-only: GIS staff may edit the GeoPackage in QGIS meanwhile; pages show the edits on the next
    load. A 天地图 base layer appears when TIANDITU_KEY is set in the environment.
    """
    from waitress import serve as waitress_serve

    from app import create_app

    explicit = {"PLANMAP_GPKG": gpkg, "PLANMAP_THREADS": threads, "PLANMAP_NETWORK": network}
    s = settings(**explicit)
    gpkg = s.path("PLANMAP_GPKG")
    if not gpkg.exists():
        _fail(f"{gpkg} does not exist; run `planmap build` first", 4)
    app = create_app({k: v for k, v in explicit.items() if v is not None})
    problem = _readable(app)
    if problem:
        click.echo(f"planmap: warning: {problem}; the map answers 503 until `planmap build` replaces it", err=True)
    click.echo(f"温州规划地图 serving {gpkg.name} on http://{host}:{port}/  (Ctrl-C to stop)")
    # waitress's defaults (100 connections, 120 s idle) let 100 idle sockets lock everyone out
    waitress_serve(app, host=host, port=port, threads=s["PLANMAP_THREADS"], ident="planmap",
                   connection_limit=s["PLANMAP_CONNECTION_LIMIT"], channel_timeout=s["PLANMAP_IDLE_TIMEOUT_S"],
                   backlog=2048)


def _readable(app):
    """Why the app's GeoPackage cannot be served (None when it can): what serve says at start."""
    from layers.errors import DataUnavailable
    from layers.gpkg import queries

    gp = app.extensions["planmap"].gpkg
    try:
        with gp.pinned():
            queries.plans(gp)
            gp.layer("parcels")
    except DataUnavailable as exc:
        return str(exc)
    return None


from app.cli_access import access, network  # noqa: E402  (click commands; light imports only)
from app.cli_sheets import sheet  # noqa: E402

main.add_command(network)
main.add_command(access)
main.add_command(sheet)


if __name__ == "__main__":
    main()

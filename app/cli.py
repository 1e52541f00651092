"""``planmap``: the one command line for every user-facing task.

    planmap build   # plan texts + base geography → geodata/wenzhou_plans.gpkg
    planmap check   # validate a GeoPackage (exit 1 with a report when something is wrong)
    planmap audit   # recompute the plans' printed totals and list disagreements
    planmap serve   # the web map (waitress, a production WSGI server)
    planmap network / access   # road networks and 15-30-60 minute rings
    planmap sheet   # PDF map sheets and atlases

Errors a user can cause (a damaged plan row, a broken GeoPackage) print one readable message and exit
non-zero; tracebacks are for bugs.
"""

import sys
from pathlib import Path

import click

from layers.errors import CheckFailed, PlanMapError

DEFAULT_GPKG = Path(__file__).resolve().parents[1] / "geodata" / "wenzhou_plans.gpkg"
DEFAULT_PLANS = Path(__file__).resolve().parents[1] / "geodata" / "plans"

gpkg_option = click.option("--gpkg", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_GPKG,
                           show_default=True, help="The GeoPackage file.")
plans_option = click.option("--plans", "plan_dir", type=click.Path(file_okay=False, path_type=Path),
                            default=DEFAULT_PLANS, show_default=True, help="Folder of the plan texts.")


def _fail(message, code=1):
    click.echo(f"planmap: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wenzhou-planmap")
def main():
    """温州规划地图 Wenzhou plan map: five 14th-five-year plans as GeoPackage layers and maps."""


@main.command()
@gpkg_option
@plans_option
def build(gpkg, plan_dir):
    """Build the GeoPackage from the plan texts and the vendored base geography.

    Parses the five plans' project, quota, indicator and travel-time tables, loads districts, land
    and towns (converting GCJ-02 sources), validates the result and replaces GPKG atomically: a
    failed build leaves the previous file untouched.
    """
    from layers.build import build as run_build

    try:
        run_build(out=gpkg, plan_dir=plan_dir)
    except CheckFailed as exc:
        _fail("the new GeoPackage failed its checks; the old file was kept:\n  " + "\n  ".join(exc.problems))
    except PlanMapError as exc:
        _fail(f"build stopped, the old GeoPackage was kept: {exc}")


@main.command()
@gpkg_option
def check(gpkg):
    """Validate a GeoPackage: every layer readable by GDAL, EPSG:4549, valid geometry, required columns."""
    from layers.check import check_file

    if not gpkg.exists():
        _fail(f"{gpkg} does not exist; run `planmap build` first")
    from layers.edits import edit_problems

    problems = check_file(gpkg)
    edited = edit_problems(gpkg)
    if edited:
        problems = problems + ["edited in QGIS — " + str(p) for p in edited]
    if problems:
        click.echo(f"{gpkg}: {len(problems)} problem(s)")
        for p in problems:
            click.echo(f"  {p}")
        sys.exit(1)
    click.echo(f"{gpkg}: OK")


@main.command()
@plans_option
@click.option("--plan", "plan_ids", multiple=True, help="Only this plan (000…004); repeatable.")
@click.option("--all", "show_ok", is_flag=True, help="Also list the totals that agree.")
def audit(plan_dir, plan_ids, show_ok):
    """Recompute every subtotal and total the plans print; list disagreements and inconsistent rows.

    Reports only: it never changes a plan's number. Exit code 0 even when it finds disagreements
    (they are the plans' own), 1 when a plan cannot be read.
    """
    from layers.audit import audit as run_audit, format_findings
    from layers.plans import PLAN_IDS, ingest

    try:
        tables = ingest(plan_dir, plan_ids or PLAN_IDS)
    except PlanMapError as exc:
        _fail(str(exc))
    findings = run_audit(tables)
    report = format_findings(findings, show_ok=show_ok)
    click.echo(report or "no disagreements")
    n_ok = sum(not f.is_problem for f in findings)
    click.echo(f"\n{len(findings) - n_ok} finding(s); {n_ok} printed total(s) agree with their rows")


@main.command()
@gpkg_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the LAN).")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(gpkg, host, port, threads):
    """Serve the web map of the GeoPackage: overview, plan and parcel pages and the JSON API.

    Read-only: GIS staff may edit the GeoPackage in QGIS meanwhile; pages show the edits on the next
    load. A 天地图 base layer appears when TIANDITU_KEY is set in the environment.
    """
    from waitress import serve as waitress_serve

    from app import create_app

    if not gpkg.exists():
        _fail(f"{gpkg} does not exist; run `planmap build` first")
    app = create_app({"PLANMAP_GPKG": str(gpkg)})
    click.echo(f"温州规划地图 serving {gpkg.name} on http://{host}:{port}/  (Ctrl-C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="planmap")


from app.cli_access import access, network  # noqa: E402  (click commands; light imports only)
from app.cli_sheets import sheet  # noqa: E402

main.add_command(network)
main.add_command(access)
main.add_command(sheet)


if __name__ == "__main__":
    main()

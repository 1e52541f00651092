"""``planmap sheet``: printable PDF map sheets and atlases (A3/A4, in Chinese).

    planmap sheet --plan 000 --size A3 -o sheet.pdf
    planmap sheet --structure 000-phase1 -o phase1.pdf
    planmap sheet --plan 000 --parcel E-16-03 --size A4 --orientation portrait -o e1603.pdf
    planmap sheet --bbox 120.70,27.92,120.95,28.05 -o view.pdf
    planmap sheet --plan 000 --figure 1 -o fig1.pdf
    planmap sheet --plan 000 --atlas parcels -o atlas.pdf

Registered on the ``planmap`` group by ``main.add_command(sheet)``. Importing this module loads only
click: the drawing code (matplotlib, geopandas) is imported when the command runs.
"""

import sys
from pathlib import Path

import click

def _fail(message, code=1):
    click.echo(f"planmap: {message}", err=True)
    sys.exit(code)


def _default_out(plan, structure, parcel, bbox, figure, atlas, size):
    if atlas:
        return Path(f"atlas_{plan}_{atlas}_{size}.pdf")
    if figure:
        return Path(f"sheet_{plan}_figure{figure}_{size}.pdf")
    if structure:
        return Path(f"sheet_{structure}_{size}.pdf")
    if parcel:
        return Path(f"sheet_{plan or 'parcel'}_{parcel.replace(':', '_').replace('/', '_')}_{size}.pdf")
    if bbox:
        return Path(f"sheet_bbox_{size}.pdf")
    return Path(f"sheet_{plan}_{size}.pdf")


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--gpkg", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The GeoPackage file [default: the PLANMAP_GPKG setting].")
@click.option("--plan", help="Plan number 000…004: the plan's sheet, or the plan of --parcel/--atlas/--figure.")
@click.option("--structure", help="A structure id (e.g. 000-phase1): a sheet of that structure.")
@click.option("--parcel", help="A parcel code of --plan (e.g. E-16-03): a sheet of that parcel.")
@click.option("--bbox", help="W,S,E,N in degrees (EPSG:4326): print this area.")
@click.option("--figure", help="1, 2 or 3: plan 000's appended maps, redrawn as far as the data allows.")
@click.option("--atlas", help="structures or parcels: one page per feature of --plan, in one PDF.")
@click.option("--limit", type=int, help="Atlas: only the first N pages.")
@click.option("--size", default="A3", show_default=True, help="Paper size: A3 or A4.")
@click.option("--orientation", default="landscape", show_default=True, help="landscape or portrait.")
@click.option("--date", help="Compiling date printed on the sheet (default: today).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Output PDF (default: a name made from the options, in the current folder).")
def sheet(gpkg, plan, structure, parcel, bbox, figure, atlas, limit, size, orientation, date, out):
    """Print a PDF map sheet (A3/A4) of a plan, a structure, a parcel or an area; or an atlas.

    Each sheet has the title and plan period, the map at a round scale 1:N (EPSG:4549 metres), a
    legend in Chinese with English, scale bar, north arrow, CRS note, sources with the OpenStreetMap
    attribution, the compiling date, and marks sketched and schematic shapes as not survey.
    """
    from layers.errors import PlanMapError
    from layers.settings import resolve

    gpkg = resolve({"PLANMAP_GPKG": gpkg}).path("PLANMAP_GPKG")
    if not gpkg.exists():
        _fail(f"{gpkg} does not exist; run `planmap build` first", 4)
    out = out or _default_out(plan, structure, parcel, bbox, figure, atlas, str(size).upper())
    try:
        from layers import sheets

        if atlas:
            if plan is None:
                _fail("--atlas needs --plan")
            if structure or parcel or figure:
                _fail("--atlas cannot be combined with --structure, --parcel or --figure")
            data = sheets.render_atlas(gpkg, plan=plan, of=atlas, size=size, orientation=orientation,
                                       out=out, limit=limit, date=date,
                                       progress=lambda m: click.echo(m, err=True))
        else:
            data = sheets.render_sheet(gpkg, plan=plan, structure=structure, parcel=parcel, bbox=bbox,
                                       figure=figure, size=size, orientation=orientation, out=out,
                                       date=date)
    except PlanMapError as exc:
        _fail(str(exc), exc.exit_code)
    click.echo(f"wrote {out} ({len(data) / 1024:.0f} KiB)")

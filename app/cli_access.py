"""``planmap network …`` and ``planmap access``: road networks and travel-time rings on the command line.

    planmap network fetch --bbox 120.55,27.80,121.25,28.20 --mode drive
    planmap network import wenzhou.osm --mode walk
    planmap network info
    planmap access --lonlat 120.942,27.939 --minutes 15,30,60 --geojson rings.geojson --geotiff time.tif

Register with ``main.add_command(network); main.add_command(access)``. Importing this module loads
only click; osmnx, scipy and rasterio are imported when a command runs.
"""

import sys
from pathlib import Path

import click

from layers.errors import PlanMapError

MODE = click.Choice(["drive", "walk"])
CTX = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message, code=1):
    click.echo(f"planmap: {message}", err=True)
    sys.exit(code)


def _say(msg):
    click.echo(msg, err=True)


def _pair(text, what):
    try:
        a, b = (float(v) for v in text.split(","))
    except (ValueError, AttributeError):
        _fail(f"{what} must be two numbers separated by a comma, not {text!r}")
    return a, b


cache_option = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help="Network cache folder [default: the PLANMAP_NETWORKS_DIR setting, geodata/networks/].")


def _settings(**explicit):
    from layers.settings import resolve

    return resolve(explicit)


def _precompile(path, mode, cache_dir):
    """Compile a freshly cached network for rings now, so the first ring on the web is quick."""
    from layers.access import RingEngine

    engine = RingEngine(_settings(PLANMAP_NETWORKS_DIR=cache_dir, PLANMAP_NETWORK=str(path)), progress=_say)
    try:
        ag = engine.network(mode)
    except PlanMapError as exc:
        _fail(f"saved {path.name}, but compiling it for rings failed (the first ring will try again): {exc}",
              exc.exit_code)
    _say(f"compiled for rings: {ag.info.get('nodes')} nodes, grid {ag.grid_shape[0]}×{ag.grid_shape[1]} "
         f"cells of {ag.cell_m:g} m" + (", clipped to land" if ag.land is not None else ""))


@click.group(context_settings=CTX)
def network():
    """Road networks for travel-time rings: fetch from OSM, import a file, list the cache.

    Networks are cached as GraphML in geodata/networks/ (gitignored), one file per name and mode,
    projected to EPSG:4549 with a speed and a travel time on every road.
    """


@network.command("fetch", context_settings=CTX)
@click.option("--bbox", required=True, help="W,S,E,N in lon/lat degrees, e.g. 120.55,27.80,121.25,28.20.")
@click.option("--mode", type=MODE, default="drive", show_default=True, help="drive (cars) or walk.")
@click.option("--name", default=None, help="Cache name (default: from the bbox).")
@click.option("--margin-m", type=float, default=2000.0, show_default=True,
              help="Also fetch this many metres around the box, so trips that leave it are not cut.")
@click.option("--overpass-url", default=None, help="Overpass API base URL (default: osmnx's, overpass-api.de).")
@cache_option
def fetch_cmd(bbox, mode, name, margin_m, overpass_url, cache_dir):
    """Download the roads in a box from the Overpass API (osmnx) and cache them.

    Speeds: OSM maxspeed where tagged, else the JTG B01-2014 / CJJ 37-2012 class table
    (layers.network.DRIVE_SPEEDS_KMH); walk at 4.5 km/h.
    """
    from layers import network as N
    from layers.crs import parse_bbox

    try:
        box = parse_bbox(bbox)
        path = N.fetch(box, mode, name=name, margin_m=margin_m, overpass_url=overpass_url, cache_dir=cache_dir,
                       progress=_say)
    except PlanMapError as exc:
        _fail(str(exc), exc.exit_code)
    _precompile(path, mode, cache_dir)
    click.echo(str(path))


@network.command("import", context_settings=CTX)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mode", type=MODE, default="drive", show_default=True, help="drive (cars) or walk.")
@click.option("--name", default=None, help="Cache name (default: the file's name).")
@click.option("--bbox", default=None, help="W,S,E,N in degrees: keep only the roads in this box (for a province extract).")
@cache_option
def import_cmd(path, mode, name, bbox, cache_dir):
    """Import a local .osm.pbf (e.g. a Geofabrik extract), .osm / .osm.xml or .graphml file into the cache.

    A .osm.pbf is streamed with pyosmium: only its roads (in --bbox, if given) are kept.
    """
    from layers import network as N
    from layers.crs import parse_bbox

    try:
        box = parse_bbox(bbox) if bbox else None
        out = N.import_file(path, mode, name=name, cache_dir=cache_dir, progress=_say, bbox=box)
    except PlanMapError as exc:
        _fail(str(exc), exc.exit_code)
    _precompile(out, mode, cache_dir)
    click.echo(str(out))


@network.command("info", context_settings=CTX)
@click.argument("name", required=False)
@click.option("--mode", type=MODE, default=None, help="Only this mode.")
@cache_option
def info_cmd(name, mode, cache_dir):
    """List the cached networks, or describe one (NAME)."""
    from layers import network as N

    have = [n for n in N.available(cache_dir) if (mode is None or n["mode"] == mode)
            and (name is None or n["name"] == name)]
    if not have:
        where = N.networks_dir(cache_dir)
        if name:
            _fail(f"network missing: no cached network {name!r} in {where}; run `planmap network fetch …`")
        click.echo(f"no networks cached in {where}; run `planmap network fetch --bbox W,S,E,N --mode drive` "
                   f"(or `planmap network import FILE`)")
        return
    for n in have:
        if name is None:
            click.echo(f"{n['name']}\t{n['mode']}\t{n['bytes'] / 1e6:.1f} MB\t{n['path']}")
            continue
        G = N.load(str(n["path"]), n["mode"])
        d = N.info(G)
        click.echo(f"{d['name']} ({d['mode']}): {d['nodes']} nodes, {d['edges']} edges, {d['edge_km']} km of road")
        w, s, e, nn = d["bbox_lonlat"]
        click.echo(f"  extent {w:.5f},{s:.5f},{e:.5f},{nn:.5f}; source: {d['source']}")
        click.echo("  classes: " + ", ".join(f"{k} {v}" for k, v in d["classes"].items()))
        click.echo(f"  file: {n['path']}")


def _planned_links(path):
    import geopandas as gpd

    text = str(path)
    layer = None
    if ":" in text and not Path(text).exists():
        text, layer = text.rsplit(":", 1)
    try:
        return gpd.read_file(text, layer=layer)
    except Exception as exc:
        _fail(f"cannot read planned links from {path}: {type(exc).__name__}: {exc}", 2)


@click.command(context_settings=CTX, short_help="15/30/60-minute travel-time rings from a point on a road network.")
@click.option("--lonlat", default=None, help="Origin as LON,LAT (WGS-84 degrees).")
@click.option("--xy", default=None, help="Origin as X,Y in EPSG:4549 metres.")
@click.option("--minutes", default="15,30,60", show_default=True, help="Ring thresholds, each 1-180 minutes.")
@click.option("--mode", type=MODE, default="drive", show_default=True, help="drive or walk network.")
@click.option("--scenario", type=click.Choice(["today", "plan"]), default="today", show_default=True,
              help="today: the OSM network; plan: with the planned links added (--planned-links, "
                   "default: the planned_links layer of the GeoPackage).")
@click.option("--planned-links", "planned", default=None, help="Planned roads/bridges: FILE or FILE:LAYER.")
@click.option("--network", "name", default=None,
              help="Cached network name or .graphml path [default: the PLANMAP_NETWORK setting, else the only one].")
@click.option("--gpkg", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The GeoPackage whose land and planned links the rings use [default: the PLANMAP_GPKG setting].")
@click.option("--geojson", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the rings as GeoJSON (WGS-84).")
@click.option("--geotiff", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the travel-time surface (minutes) as a GeoTIFF (EPSG:4549).")
@click.option("--cell-m", type=float, default=None, help="Raster cell size in metres [default: the PLANMAP_CELL_M setting, 50].")
@click.option("--snap-m", type=float, default=None,
              help="Farthest an origin may be from the network [default: the compiled network's, 1000 m].")
@cache_option
def access(lonlat, xy, minutes, mode, scenario, planned, name, gpkg, geojson, geotiff, cell_m, snap_m, cache_dir):
    """Travel-time rings (e.g. 15/30/60 minutes) from a point on a cached road network.

    The same ring engine as the web map's rings and the build's travel-time check: the network
    compiled once (cached beside its GraphML), clipped to the GeoPackage's land. The rings are nested
    polygons from a travel-time surface that includes the walk from the origin to the network and
    from the network to the ground. Prints each ring's area; writes GeoJSON and/or a GeoTIFF. Errors
    (off the network, in the sea, outside the graph, minutes outside 1-180, no network) print one line
    and exit non-zero.
    """
    from layers import access as A

    if (lonlat is None) == (xy is None):
        _fail("give the origin as exactly one of --lonlat LON,LAT or --xy X,Y", 2)
    try:
        mins = A.check_minutes(minutes)
        origin = (A.origin_geometry(lonlat=_pair(lonlat, "--lonlat")) if lonlat
                  else A.origin_geometry(_pair(xy, "--xy")))
        s = _settings(PLANMAP_NETWORK=name, PLANMAP_NETWORKS_DIR=cache_dir, PLANMAP_GPKG=gpkg, PLANMAP_CELL_M=cell_m)
        links = _planned_links(planned) if planned else None
        engine = A.RingEngine(s, planned_links=links, progress=_say)
        _say(f"loading the {mode} network ({scenario})")
        ag = engine.network(mode, scenario)
        _say(f"rings {', '.join(f'{m:g}' for m in mins)} min from {origin.x:.1f}, {origin.y:.1f} on {ag.name} "
             f"({ag.info.get('nodes')} nodes, {scenario})")
        r = A.rings(ag, origin, mins, snap_m=snap_m)
    except PlanMapError as exc:
        _fail(str(exc), exc.exit_code)
    for m in r.minutes:
        click.echo(f"{m:g} min\t{r.areas_km2[m]:.3f} km²")
    if geojson:
        click.echo(f"wrote {r.to_geojson(geojson)}")
    if geotiff:
        click.echo(f"wrote {r.to_geotiff(geotiff)}")

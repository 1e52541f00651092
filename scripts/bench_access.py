"""Benchmark travel-time rings through the door planners use and in the core, side by side.

    python scripts/bench_access.py                   # 100 000-node generated network + the OSM fixture
    python scripts/bench_access.py --nodes 2000 --repeats 2 --load-seconds 3
    python scripts/bench_access.py --no-web          # the core only

**The web** (``--no-web`` skips it): a GeoPackage is built, the generated network is laid over plan
000's parcels and cached as GraphML, and ``planmap serve`` runs in a child process. Timed:

* the **first** ``/api/rings`` request (the server reads the GraphML and compiles it, land included);
* ``/api/rings?parcel=…&plan=000`` from ``--repeats`` different parcels (a new origin each time), and
  :meth:`layers.access.RingEngine.rings` on the same parcels in this process: medians and the
  web/core ratio;
* a **restart**: a new server's first request, which loads the compiled ``.npz`` the first one saved;
* ``--clients`` concurrent clients for ``--load-seconds`` over all of plan 000's parcels: p50, p95,
  errors, and the server's peak resident memory.

**The core**:

What is timed (one ring set = the 15/30/60-minute polygons from one origin):

* **warm**: network, arrays and cell index in memory; a *new random origin* each time (a node plus a
  random offset of tens of metres), so no answer is reused — search, surface and polygons all run.
* **cold**: the compiled network (:func:`layers.access.save_compiled`, a ``.npz`` of arrays written
  to a temporary folder) loaded from disk, its KD-tree rebuilt, then the first ring set.
  (``--graphml-cold`` also times the GraphML route: ``osmnx.load_graphml`` + compile + first ring.)
* **recipe**: osmnx's documented isochrone recipe (osmnx-examples, "isolines"): nearest node, then for
  each trip time ``networkx.ego_graph(G, node, radius=seconds, distance="travel_time")`` and the convex
  hull of the reached nodes — run on the same graph and the same origins as the first warm runs.

The generated network is a two-way grid 100 m apart (√N × √N nodes) with 30 km/h streets and a 50 km/h
arterial every 10th line, in EPSG:4549 (over plan 000's parcels for the web run). The last line printed
is always ``web_median_ms=… core_median_ms=… web_core_ratio=… first_request_s=… restart_first_s=…
load_p95_ms=… load_errors=… server_peak_mb=… warm_median_ms=… cold_median_ms=… recipe_ratio=…
nodes=…`` (web figures ``nan`` with ``--no-web``).
"""

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "scripts"))

from layers import access as A  # noqa: E402
from layers import network as N  # noqa: E402


def say(msg):
    print(msg, flush=True)


def random_origins(ag, n, rng, jitter_m=30.0):
    """``n`` points near random access nodes (within ``jitter_m``), EPSG:4549."""
    idx = ag.access[rng.integers(0, len(ag.access), n)]
    return ag.xy[idx] + rng.normal(0.0, jitter_m, size=(n, 2))


def recipe(G, center, minutes):
    """osmnx's isochrone recipe: ego_graph by travel time per trip time, convex hull of reached nodes.

    The centre node is found beforehand with a KD-tree and not timed (the recipe's own
    ``ox.distance.nearest_nodes`` rebuilds a GeoDataFrame of the graph per call, which would flatter
    the ratio).
    """
    import networkx as nx
    import shapely

    out = {}
    for m in sorted(minutes, reverse=True):
        sub = nx.ego_graph(G, center, radius=m * 60, distance="travel_time")
        pts = shapely.MultiPoint([(d["x"], d["y"]) for _, d in sub.nodes(data=True)])
        out[m] = pts.convex_hull
    return out


def time_warm(ag, origins, minutes):
    times = []
    for o in origins:
        t = time.perf_counter()
        A.rings(ag, o, minutes)
        times.append(1e3 * (time.perf_counter() - t))
    return times


def time_cold(npz, origins, minutes):
    times = []
    for o in origins:
        t = time.perf_counter()
        ag = A.load_compiled(npz)
        A.rings(ag, o, minutes)
        times.append(1e3 * (time.perf_counter() - t))
    return times


def time_recipe(G, origins, minutes):
    from scipy.spatial import cKDTree

    ids = list(G.nodes)
    tree = cKDTree([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in ids])
    times = []
    for x, y in origins:
        center = ids[tree.query([x, y])[1]]
        t = time.perf_counter()
        recipe(G, center, minutes)
        times.append(1e3 * (time.perf_counter() - t))
    return times


def bench(G, label, args, rng, tmp):
    minutes = A.check_minutes(args.minutes)
    say(f"[{label}] {len(G)} nodes, {G.number_of_edges()} edges; compiling (cell {args.cell_m:g} m, k {args.k})")
    t = time.perf_counter()
    ag = A.compile_network(G, cell_m=args.cell_m, k=args.k)
    say(f"[{label}]   compiled in {time.perf_counter() - t:.2f} s: {ag.info}, grid {ag.grid_shape}")
    npz = A.save_compiled(ag, Path(tmp) / f"{label}.npz")
    say(f"[{label}]   saved {npz.name} ({npz.stat().st_size / 1e6:.1f} MB)")

    origins = random_origins(ag, args.repeats + 1, rng)
    A.rings(ag, origins[-1], minutes)          # first call pays for imports; not counted
    say(f"[{label}] warm: {args.repeats} ring sets, a new random origin each")
    warm = time_warm(ag, origins[:-1], minutes)
    last = A.rings(ag, origins[0], minutes)
    say(f"[{label}]   median {statistics.median(warm):.1f} ms (min {min(warm):.1f}, max {max(warm):.1f}); "
        f"last split {', '.join(f'{k} {v:.1f}' for k, v in last.timings_ms.items())} ms; "
        f"areas {', '.join(f'{m:g}′ {a:.1f} km²' for m, a in last.areas_km2.items())}")

    cold_origins = random_origins(ag, args.cold_repeats, rng)
    say(f"[{label}] cold: {args.cold_repeats} × (load {npz.name} from disk + first ring set)")
    cold = time_cold(npz, cold_origins, minutes)
    say(f"[{label}]   median {statistics.median(cold):.1f} ms")

    if args.graphml_cold:
        gpath = Path(tmp) / f"{label}.graphml"
        import osmnx as ox

        ox.save_graphml(G, gpath)
        t = time.perf_counter()
        H = ox.load_graphml(gpath)
        H.graph.update(G.graph)
        ag2 = A.compile_network(H, cell_m=args.cell_m, k=args.k)
        A.rings(ag2, cold_origins[0], minutes)
        say(f"[{label}]   GraphML route (load_graphml + compile + first ring): {time.perf_counter() - t:.2f} s")

    n_rec = min(args.recipe_repeats, len(origins) - 1)
    say(f"[{label}] osmnx recipe (ego_graph + convex hull) on the same graph and the first {n_rec} origins")
    rec = time_recipe(G, origins[:n_rec], minutes)
    ours_same = warm[:n_rec]
    ratio = statistics.median(rec) / statistics.median(ours_same)
    say(f"[{label}]   recipe median {statistics.median(rec):.1f} ms vs ours {statistics.median(ours_same):.1f} ms "
        f"on the same origins: {ratio:.1f}× faster")
    return {"warm": statistics.median(warm), "cold": statistics.median(cold), "ratio": ratio, "nodes": len(G)}


def bench_web(args, tmp):
    """The end-to-end run: ``planmap serve`` over a generated network under plan 000's parcels."""
    import json
    import os
    import urllib.parse
    import urllib.request

    import osmnx as ox

    from bench_web import free_port, load, peak_rss_mb, pct, start_server
    from layers.build import build
    from layers.gpkg import open_gpkg
    from layers.settings import resolve

    tmp = Path(tmp)
    gpkg = Path(args.gpkg) if args.gpkg else tmp / "web.gpkg"
    if not args.gpkg:
        say(f"[web] building a GeoPackage into {gpkg.name}")
        t = time.perf_counter()
        build(out=gpkg, progress=lambda m: None)
        say(f"[web]   built in {time.perf_counter() - t:.1f} s")
    parcels = open_gpkg(gpkg).layer("parcels")
    mine = parcels[parcels["plan"] == "000"].reset_index(drop=True)
    x0, y0, x1, y1 = mine.total_bounds
    side = max(2, math.ceil(math.sqrt(args.nodes)))
    # 100 m apart, or wider when a small test grid must still cover every parcel with 2 km to spare
    spacing = max(100.0, (max(x1 - x0, y1 - y0) + 4000.0) / (side - 1))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    origin_xy = (cx - (side - 1) * spacing / 2, cy - (side - 1) * spacing / 2)    # centred on the parcels
    G = N.synthetic_grid(side, side, spacing, 30.0, origin_xy=origin_xy, arterial_every=10, arterial_kmh=50.0,
                         name="bench_web")
    nets = tmp / "networks"
    nets.mkdir(exist_ok=True)
    t = time.perf_counter()
    ox.save_graphml(G, nets / "bench_web.drive.graphml")
    say(f"[web] {len(G)}-node grid ({spacing:g} m apart) over plan 000's {len(mine)} parcels saved as GraphML "
        f"in {time.perf_counter() - t:.1f} s")
    env = {"PLANMAP_NETWORKS_DIR": str(nets), "PLANMAP_NETWORK": "bench_web"}

    def ring_url(url, code):
        return f"{url}/api/rings?parcel={urllib.parse.quote(code)}&plan=000&minutes={args.minutes}"

    def get(u):
        t0 = time.perf_counter()
        with urllib.request.urlopen(u, timeout=120) as r:
            body = r.read()
        return (time.perf_counter() - t0), json.loads(body)

    codes = list(mine["code"])
    rng = np.random.default_rng(args.seed)
    order = [codes[i] for i in rng.permutation(len(codes))]
    first_code, sample = order[0], (order[1:] * (args.repeats // max(1, len(order) - 1) + 1))[: args.repeats]
    proc, url = start_server(gpkg, free_port(), env=env)
    try:
        first_s, d = get(ring_url(url, first_code))
        areas = ", ".join("{:g}′ {:.1f} km²".format(f["properties"]["minutes"], f["properties"]["area_km2"])
                          for f in d["rings"]["features"])
        say(f"[web] first request (GraphML read + compile + ring): {first_s:.2f} s; areas {areas}")
        web = [1e3 * get(ring_url(url, c))[0] for c in sample]
        say(f"[web] /api/rings from {len(sample)} parcels: median {statistics.median(web):.1f} ms "
            f"(min {min(web):.1f}, max {max(web):.1f})")
        say(f"[web] {args.clients} clients × {args.load_seconds:g} s over {len(codes)} parcels …")
        lat, err = load([ring_url(url, c) for c in order], args.clients, args.load_seconds)
        peak = peak_rss_mb(proc.pid)
        say(f"[web]   {len(lat)} ok, {len(err)} errors{' (' + err[0] + ')' if err else ''}, "
            f"p50 {pct(lat, 0.5):.0f} ms, p95 {pct(lat, 0.95):.0f} ms; server peak {peak:.0f} MB")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc, url = start_server(gpkg, free_port(), env=env)
    try:
        restart_s, _ = get(ring_url(url, order[1]))
        say(f"[web] after a restart, first request (load the compiled .npz + ring): {restart_s:.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    # the core, on the same parcels, with the same engine and settings as the server
    os.environ.update(env)
    engine = A.RingEngine(resolve({"PLANMAP_GPKG": gpkg}))
    engine.network("drive")
    geoms = {c: g for c, g in zip(mine["code"], mine.geometry)}
    core = []
    for c in sample:
        t0 = time.perf_counter()
        engine.rings(geoms[c], A.check_minutes(args.minutes))
        core.append(1e3 * (time.perf_counter() - t0))
    say(f"[web] core RingEngine.rings on the same {len(sample)} parcels: median {statistics.median(core):.1f} ms; "
        f"web/core {statistics.median(web) / statistics.median(core):.2f}")
    return {"web": statistics.median(web), "core": statistics.median(core), "first": first_s, "restart": restart_s,
            "p95": pct(lat, 0.95) if lat else float("nan"), "errors": len(err), "peak": peak}


def fixture_graph():
    """The real OSM fixture through osmnx's download path and the loopback replay, or None (with why)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from osm_replay import FIXTURE_BBOX, replay_body_or_none, replayed_osmnx

    if replay_body_or_none() is None:
        return None
    with replayed_osmnx():
        return N.download(FIXTURE_BBOX, "drive", margin_m=0, name="dongtou_dongao")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, default=100_000, help="nodes of the generated grid (default 100000)")
    p.add_argument("--repeats", type=int, default=20, help="warm ring sets (default 20)")
    p.add_argument("--cold-repeats", type=int, default=3, help="cold ring sets (default 3)")
    p.add_argument("--recipe-repeats", type=int, default=3, help="origins for the osmnx recipe (default 3)")
    p.add_argument("--minutes", default="15,30,60")
    p.add_argument("--cell-m", type=float, default=100.0, help="raster cell in metres (default 100)")
    p.add_argument("--k", type=int, default=4, help="nearest nodes per cell (default 4)")
    p.add_argument("--seed", type=int, default=2021)
    p.add_argument("--no-fixture", action="store_true", help="skip the real OSM fixture")
    p.add_argument("--graphml-cold", action="store_true", help="also time GraphML load + compile + first ring")
    p.add_argument("--no-web", action="store_true", help="skip the end-to-end run through planmap serve")
    p.add_argument("--gpkg", default=None, help="web run: serve this GeoPackage (default: build one)")
    p.add_argument("--clients", type=int, default=20, help="web run: concurrent clients (default 20)")
    p.add_argument("--load-seconds", type=float, default=20.0, help="web run: seconds of load (default 20)")
    args = p.parse_args(argv)
    args.repeats = max(1, args.repeats)
    args.cold_repeats = max(1, args.cold_repeats)
    args.recipe_repeats = max(1, args.recipe_repeats)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-access-") as tmp:
        if not args.no_fixture:
            G = fixture_graph()
            if G is None:
                say("[fixture] skipped: ../shared/fixtures/osm is absent (the real OSM fixture lives there)")
            else:
                bench(G, "fixture", args, rng, tmp)
        side = max(2, math.ceil(math.sqrt(args.nodes)))
        say(f"[grid] generating a {side}×{side} grid ({side * side} nodes, 100 m apart)")
        G = N.synthetic_grid(side, side, 100.0, 30.0, arterial_every=10, arterial_kmh=50.0, name="bench_grid")
        r = bench(G, "grid", args, rng, tmp)
        nan = float("nan")
        w = {"web": nan, "core": nan, "first": nan, "restart": nan, "p95": nan, "errors": -1, "peak": nan} \
            if args.no_web else bench_web(args, tmp)
    print(f"web_median_ms={w['web']:.1f} core_median_ms={w['core']:.1f} web_core_ratio={w['web'] / w['core']:.2f} "
          f"first_request_s={w['first']:.2f} restart_first_s={w['restart']:.2f} load_p95_ms={w['p95']:.0f} "
          f"load_errors={w['errors']} server_peak_mb={w['peak']:.0f} "
          f"warm_median_ms={r['warm']:.1f} cold_median_ms={r['cold']:.1f} recipe_ratio={r['ratio']:.1f} "
          f"nodes={r['nodes']}", flush=True)


if __name__ == "__main__":
    main()

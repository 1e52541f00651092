"""Benchmark travel-time rings: cold and warm medians, and the ratio against osmnx's isochrone recipe.

    python scripts/bench_access.py                   # 100 000-node generated network + the OSM fixture
    python scripts/bench_access.py --nodes 2000 --repeats 2

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
arterial every 10th line, in EPSG:4549 near Wenzhou. The last line printed is always
``warm_median_ms=<x> cold_median_ms=<y> recipe_ratio=<z> nodes=<n>`` (for the generated network).
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
    print(f"warm_median_ms={r['warm']:.1f} cold_median_ms={r['cold']:.1f} recipe_ratio={r['ratio']:.1f} "
          f"nodes={r['nodes']}", flush=True)


if __name__ == "__main__":
    main()

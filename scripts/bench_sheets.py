"""Benchmark the sheet printer: a 20-page atlas (plan 000's parcels, the first 20), its time and peak memory.

    python scripts/bench_sheets.py [--gpkg PATH] [--pages 20] [--plan 000] [--of parcels]

Without --gpkg (or when the file is missing) it builds a GeoPackage into a temporary folder first, in a
separate process, so the build's memory does not count. Prints progress, then one final line:

    atlas_sheets=<n> seconds=<s> peak_mb=<m>

``seconds`` is the wall time of ``render_atlas`` (data loading, drawing, PDF writing with the font
subset); ``peak_mb`` is the process's peak resident set size (``ru_maxrss``), which includes Python,
matplotlib, geopandas and the loaded layers.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpkg", type=Path, default=None, help="the GeoPackage (default: the PLANMAP_GPKG setting)")
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--plan", default="000")
    ap.add_argument("--of", default="parcels", choices=("parcels", "structures"))
    ap.add_argument("--out", type=Path, help="keep the atlas here (default: a temporary file)")
    args = ap.parse_args(argv)
    if args.gpkg is None:
        from layers.settings import resolve

        args.gpkg = resolve().path("PLANMAP_GPKG")

    with tempfile.TemporaryDirectory(prefix="bench_sheets_") as tmp:
        gpkg = args.gpkg
        if not gpkg.exists():
            gpkg = Path(tmp) / "wenzhou_plans.gpkg"
            print(f"building {gpkg} …", flush=True)
            subprocess.run([sys.executable, "-c", "import sys; from layers.build import build; "
                            "build(out=sys.argv[1], progress=lambda m: None)", str(gpkg)],
                           cwd=ROOT, check=True)
        from layers import sheets

        out = args.out or Path(tmp) / "atlas.pdf"
        t0 = time.perf_counter()
        data = sheets.render_atlas(gpkg, plan=args.plan, of=args.of, limit=args.pages, out=out,
                                   progress=lambda m: print(m, flush=True))
        seconds = time.perf_counter() - t0
        n = len(sheets.atlas_items(gpkg, args.plan, args.of)[:args.pages])
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss     # kilobytes on Linux
        print(f"wrote {out} ({len(data) / 1024:.0f} KiB)")
        print(f"atlas_sheets={n} seconds={seconds:.1f} peak_mb={peak_kb / 1024:.0f}")


if __name__ == "__main__":
    main()

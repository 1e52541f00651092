#!/usr/bin/env python3
"""Benchmark the web map: page size, the parcel endpoint under load, and first paint in chromium.

Starts `planmap serve` (waitress) on loopback with a GeoPackage, then:

1. the overview page's HTML size (target: under 2 MB);
2. the parcel endpoint ``/api/parcels/<code>`` under N concurrent clients for S seconds (default 20 and
   30), cycling through every parcel code — median and p95 latency, requests per second, errors —
   and, side by side under the same load, the baseline of a trivial endpoint (``/api/plans``) so the
   ratio shows what the parcel lookup itself costs (target: p95 under 50 ms, zero errors);
3. the same parcel load again while one hostile client holds 110 idle connections open (more than
   waitress's default limit of 100): errors and p95 (target: zero errors);
4. time to first contentful paint of the overview in Debian chromium (Playwright);
5. the server's peak resident memory over all of it.

    python scripts/bench_web.py [--gpkg PATH] [--clients 20] [--seconds 30]

The last line is machine-readable so one run can be compared with the next.
"""

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(gpkg, port, threads=8, env=None):
    """``planmap serve`` on loopback in a child process; ``env`` adds settings (PLANMAP_NETWORKS_DIR …)."""
    import os

    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--gpkg", str(gpkg), "--port", str(port),
                             "--threads", str(threads)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/api/plans", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def load(urls, clients, seconds):
    """``clients`` threads requesting ``urls`` round-robin for ``seconds``; latencies in ms and errors."""
    lat, errors, lock = [], [], threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(offset):
        # one keep-alive connection per client, as a browser or a script with a session would hold
        parts = urllib.parse.urlsplit(urls[0])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        i = offset
        while time.perf_counter() < stop:
            u = urllib.parse.urlsplit(urls[i % len(urls)])
            i += clients
            t0 = time.perf_counter()
            try:
                conn.request("GET", u.path + ("?" + u.query if u.query else ""))
                r = conn.getresponse()
                r.read()
                ok, exc_text = r.status == 200, f"HTTP {r.status}"
            except (http.client.HTTPException, OSError) as exc:
                ok, exc_text = False, str(exc)
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                (lat if ok else errors).append(dt if ok else exc_text)
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors


def peak_rss_mb(pid):
    """The peak resident memory of process ``pid`` so far (Linux ``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def first_paint(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--no-first-run", "--disable-sync"])
        times = []
        for _ in range(3):
            page = b.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url, wait_until="load")
            # this chromium files the paint entries a moment after "load": wait for them (buffered)
            fcp = page.evaluate("""() => new Promise(done => {
                new PerformanceObserver(list => {
                    const e = list.getEntriesByName('first-contentful-paint')[0];
                    if (e) done(e.startTime);
                }).observe({type: 'paint', buffered: true});
                setTimeout(() => done(null), 10000);
            })""")
            times.append(fcp)
            page.close()
        b.close()
    times = [t for t in times if t is not None]
    return statistics.median(times) if times else float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gpkg", default=None, help="the GeoPackage (default: the PLANMAP_GPKG setting)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads (planmap serve's default)")
    ap.add_argument("--no-browser", action="store_true", help="skip the chromium first-paint measurement")
    args = ap.parse_args(argv)
    if args.gpkg is None:
        sys.path.insert(0, str(ROOT))
        from layers.settings import resolve

        args.gpkg = resolve().path("PLANMAP_GPKG")
    gpkg = Path(args.gpkg)
    if not gpkg.exists():
        raise SystemExit(f"{gpkg} missing: run `planmap build` first")
    proc, url = start_server(gpkg, free_port(), args.threads)
    try:
        html = urllib.request.urlopen(url + "/", timeout=30).read()
        print(f"overview page: {len(html) / 1024:.0f} KB", flush=True)
        parcels = json.loads(urllib.request.urlopen(url + "/api/layers/parcels?limit=5000", timeout=30).read())
        codes = [(f["properties"]["code"], f["properties"]["plan"]) for f in parcels["features"]]
        urls = [f"{url}/api/parcels/{urllib.parse.quote(c)}?plan={p}" for c, p in codes]
        for u in urls[:5]:
            urllib.request.urlopen(u).read()                       # warm the layer cache once
        print(f"parcel endpoint: {args.clients} clients x {args.seconds:.0f} s over {len(urls)} parcels …", flush=True)
        lat, err = load(urls, args.clients, args.seconds)
        print(f"  {len(lat)} ok, {len(err)} errors, {len(lat) / args.seconds:.0f} req/s, "
              f"median {statistics.median(lat):.1f} ms, p95 {pct(lat, 0.95):.1f} ms", flush=True)
        print(f"baseline /api/plans: {args.clients} clients x {args.seconds:.0f} s …", flush=True)
        blat, berr = load([url + "/api/plans"], args.clients, args.seconds)
        print(f"  {len(blat)} ok, {len(berr)} errors, median {statistics.median(blat):.1f} ms, "
              f"p95 {pct(blat, 0.95):.1f} ms", flush=True)
        print(f"hostile client: 110 idle connections held while {args.clients} clients load the parcel endpoint …",
              flush=True)
        port = int(url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(110)]
        try:
            hlat, herr = load(urls, args.clients, min(args.seconds, 15.0))
        finally:
            for sock in idle:
                sock.close()
        print(f"  {len(hlat)} ok, {len(herr)} errors{' (' + herr[0] + ')' if herr else ''}, "
              f"p95 {pct(hlat, 0.95):.1f} ms", flush=True)
        fcp = float("nan") if args.no_browser else first_paint(url + "/")
        peak = peak_rss_mb(proc.pid)
        print(f"server peak resident memory: {peak:.0f} MB", flush=True)
        print(f"first contentful paint (chromium, median of 3): {fcp:.0f} ms", flush=True)
        print(f"page_kb={len(html) / 1024:.0f} parcel_p50_ms={statistics.median(lat):.1f} "
              f"parcel_p95_ms={pct(lat, 0.95):.1f} errors={len(err)} "
              f"baseline_p95_ms={pct(blat, 0.95):.1f} ratio_p95={pct(lat, 0.95) / pct(blat, 0.95):.2f} "
              f"hostile_errors={len(herr)} hostile_p95_ms={pct(hlat, 0.95):.1f} server_peak_mb={peak:.0f} "
              f"first_paint_ms={fcp:.0f}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()

"""The benchmark script runs end to end on a small network and ends with its one summary line.

Not a timing test (timings depend on the machine): it checks that the script works through both
doors — ``planmap serve`` in a child process and the core in-process — and that its last line has the
agreed format, with numbers that are positive, no errors under load, and a node count that matches
``--nodes``.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAST = re.compile(r"web_median_ms=(\d+\.\d) core_median_ms=(\d+\.\d) web_core_ratio=(\d+\.\d\d) "
                  r"first_request_s=(\d+\.\d\d) restart_first_s=(\d+\.\d\d) load_p95_ms=(\d+) load_errors=(\d+) "
                  r"server_peak_mb=(\d+) warm_median_ms=(\d+\.\d) cold_median_ms=(\d+\.\d) "
                  r"recipe_ratio=(\d+\.\d) nodes=(\d+)")


def test_bench_script_last_line():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_access.py"), "--nodes", "2000",
                          "--repeats", "3", "--cold-repeats", "1", "--recipe-repeats", "1", "--no-fixture",
                          "--clients", "4", "--load-seconds", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    m = LAST.fullmatch(last)
    assert m, last
    values = [float(v) for v in m.groups()]
    assert all(v > 0 for i, v in enumerate(values) if i != 6)
    assert int(m[7]) == 0, "errors under load"
    assert int(m[12]) == 45 * 45                 # ceil(sqrt(2000)) = 45 per side
    assert "[grid] warm: 3 ring sets" in out.stdout and "[web] /api/rings from 3 parcels" in out.stdout

"""The benchmark script runs end to end on a small network and ends with its one summary line.

Not a timing test (timings depend on the machine): it checks the script works and that its last line
has the agreed format, with numbers that are positive and a node count that matches ``--nodes``.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_script_last_line():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_access.py"), "--nodes", "2000",
                          "--repeats", "2", "--cold-repeats", "1", "--recipe-repeats", "1", "--no-fixture"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"warm_median_ms=(\d+\.\d) cold_median_ms=(\d+\.\d) recipe_ratio=(\d+\.\d) nodes=(\d+)", last)
    assert m, last
    warm, cold, ratio, nodes = float(m[1]), float(m[2]), float(m[3]), int(m[4])
    assert warm > 0 and cold > 0 and ratio > 0
    assert nodes == 45 * 45                      # ceil(sqrt(2000)) = 45 per side
    assert "[grid] warm: 2 ring sets" in out.stdout

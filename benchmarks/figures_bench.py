"""Benchmark of `pkdata figures`: a full run and a run with nothing changed (prints, asserts nothing);
and of `pkdata brief`, one country's page.

Each is timed as a whole command (`pkdata figures --out DIR`), interpreter start included, as
`make figures` runs it. Targets on the 2-core reference machine: full < 30 s, unchanged < 3 s, a brief < 10 s.

Run: ``python benchmarks/figures_bench.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(args: list[str], command: str = "figures") -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pkdata", command, *args], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> int:
    out = Path(tempfile.mkdtemp(prefix="pkdata-figures-"))
    try:
        full = _run(["--out", str(out)])
        unchanged = min(_run(["--out", str(out)]) for _ in range(3))
        forced = _run(["--out", str(out), "--force"])
        charts = len(list(out.glob("*.png")))
        brief = _run(["IND", "--out", str(out / "briefs")], "brief")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{'measurement':<44} {'seconds':>8}  target")
    print(f"{f'full run, {charts} charts (PNG + SVG)':<44} {full:>8.2f}  < 30 s")
    print(f"{'second run, nothing changed':<44} {unchanged:>8.2f}  < 3 s")
    print(f"{'--force (redraw all)':<44} {forced:>8.2f}")
    print(f"{'pkdata brief IND (PNG + PDF)':<44} {brief:>8.2f}  < 10 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

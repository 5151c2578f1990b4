"""Benchmarks for pkdata: prints seconds and ratios; asserts nothing.

Measures, each beside the time pandas needs to read the same contributions table from CSV:
1. full build from every UN PDF report (empty parse cache),
2. rebuild after adding one report (warm cache),
3. ``import pkdata`` in a fresh interpreter,
4. ``pkdata.contributions()`` from the processed parquet (cold and warm in-process cache).

Targets on the 2-core reference machine: full build < 90 s, one-report rebuild < 5 s,
import < 0.5 s, contributions() >= 5x faster than the CSV read.

Run: ``make benchmark`` or ``python benchmarks/bench.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from pkdata import paths
from pkdata.build import build


def _time(fn, repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="repeats for the quick measurements (median)")
    args = ap.parse_args()

    pdf_dir = paths.reference_dir() / "personnel" / "un_monthly_pdfs_kl371218"
    pdfs = sorted(pdf_dir.glob("*.pdf"))
    work = Path(tempfile.mkdtemp(prefix="pkdata-bench-"))
    try:
        # The CSV baseline: the committed contributions table written as CSV, read back by pandas.
        table = pd.read_parquet(paths.REPO_DIR / "data" / "processed" / "contributions.parquet")
        csv = work / "contributions.csv"
        table.to_csv(csv, index=False)
        t_csv = _time(lambda: pd.read_csv(csv, parse_dates=["date"]), args.repeat)

        raw = work / "raw" / "un_monthly_pdfs"
        raw.mkdir(parents=True)
        for p in pdfs[:-1]:
            (raw / p.name).symlink_to(p)
        steps = ["pkdata.build.personnel:step_un_pdfs"]
        t_full = _time(lambda: build(raw=work / "raw", out=work / "out", cache=work / "cache", steps=steps))
        (raw / pdfs[-1].name).symlink_to(pdfs[-1])
        t_one = _time(lambda: build(raw=work / "raw", out=work / "out", cache=work / "cache", steps=steps))

        cmd = [sys.executable, "-c", "import pkdata"]
        t_import = _time(lambda: subprocess.run(cmd, check=True), args.repeat)
        t_python = _time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.repeat)

        # Both sides with their libraries already imported: pandas for the CSV read, pyarrow for parquet.
        code = ("import time, pandas, pyarrow.parquet, pkdata; t=time.perf_counter(); pkdata.contributions(); "
                "print(time.perf_counter()-t)")
        cold = statistics.median(
            float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
            for _ in range(args.repeat))
        import pkdata
        from pkdata import store

        pkdata.contributions()
        warm = _time(pkdata.contributions, args.repeat)

        def uncached():
            store._read.cache_clear()
            pkdata.contributions()

        t_uncached = _time(uncached, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        (f"full build, all PDFs ({len(pdfs[:-1])} files, empty cache)", t_full, "< 90 s"),
        ("rebuild after adding one report", t_one, "< 5 s"),
        ("import pkdata (fresh interpreter, minus bare python start)", t_import - t_python, "< 0.5 s"),
        ("pkdata.contributions(), first call in a fresh process (libs imported)", cold, ""),
        ("pkdata.contributions(), parquet read in a warm process", t_uncached, ">= 5x faster than CSV"),
        ("pkdata.contributions(), cached in memory", warm, ""),
    ]
    print(f"contributions table: {len(table):,} rows; pandas.read_csv of it: {t_csv:.3f} s")
    print(f"{'measurement':<62} {'seconds':>9} {'x CSV read':>11}  target")
    for name, secs, target in rows:
        print(f"{name:<62} {secs:>9.3f} {secs / t_csv:>11.2f}  {target}")
    print(f"CSV read / contributions() parquet read = {t_csv / t_uncached:.1f}x faster; "
          f"/ first call in a fresh process = {t_csv / cold:.1f}x; / cached = {t_csv / max(warm, 1e-9):.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

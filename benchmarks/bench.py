"""Benchmarks for pkdata: prints seconds and ratios; asserts nothing.

Measures:
1. the cold full build (every step, every reference file, empty caches) as a ratio to a bare words
   extraction of the same PDFs (pymupdf ``get_text("words")`` on every page, the same two worker
   processes), timed in the same run (goal: 2x);
   and the cold build of a raw folder holding a copy of every report beside the reference (``inputs="add"``,
   what ``pkdata build`` does after ``pkdata fetch --all``: files with the same bytes are parsed once);
2. a no-op build (nothing changed; in-process and as the whole ``pkdata build`` command; target < 1 s);
3. a build after adding one report to a raw folder holding the others (target < 3 s);
4. ``import pkdata`` in a fresh interpreter;
5. ``pkdata.contributions()`` from the processed parquet (cold and warm in-process cache), each beside
   the time pandas needs to read the same table from CSV (target >= 5x faster);
6. ``pkdata.claims.check()`` and ``pkdata.claims.timeline()`` of every claim on the committed data,
   in a warm process (target < 0.3 s each).

Run: ``make benchmark`` or ``python benchmarks/bench.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from pkdata.builder import build
from pkdata.core import paths


def _time(fn, repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def _words(path: str) -> int:
    import pymupdf

    with pymupdf.open(path) as doc:
        return sum(len(page.get_text("words")) for page in doc)


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

        (work / "no-raw").mkdir()  # an empty raw folder: every source from the reference copies
        with ProcessPoolExecutor(2) as pool:
            t_words = _time(lambda: sum(pool.map(_words, map(str, pdfs))))
        t_full = _time(lambda: build(raw=work / "no-raw", out=work / "full", cache=work / "cold-cache"))
        mirror = work / "mirror" / "un_monthly_pdfs"
        mirror.mkdir(parents=True)
        for p in pdfs:
            (mirror / p.name).symlink_to(p)
        t_mirror = _time(
            lambda: build(raw=mirror.parent, out=work / "mirror-out", cache=work / "mirror-cache", inputs="add")
        )
        t_noop = _time(lambda: build(raw=work / "no-raw", out=work / "full", cache=work / "cold-cache"), args.repeat)
        cli = [sys.executable, "-m", "pkdata", "build", "--raw", str(work / "no-raw"), "--out", str(work / "full")]
        env = {**os.environ, "PKDATA_CACHE": str(work / "cold-cache")}
        t_noop_cli = _time(lambda: subprocess.run(cli, check=True, env=env, capture_output=True), args.repeat)

        raw = work / "raw" / "un_monthly_pdfs"
        raw.mkdir(parents=True)
        for p in pdfs[:-1]:
            (raw / p.name).symlink_to(p)
        build(raw=work / "raw", out=work / "out", cache=work / "cache")
        (raw / pdfs[-1].name).symlink_to(pdfs[-1])
        t_one = _time(lambda: build(raw=work / "raw", out=work / "out", cache=work / "cache"))

        cmd = [sys.executable, "-c", "import pkdata"]
        t_import = _time(lambda: subprocess.run(cmd, check=True), args.repeat)
        t_python = _time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.repeat)

        # Both sides with their libraries already imported: pandas for the CSV read, pyarrow for parquet.
        code = (
            "import time, pandas, pyarrow.parquet, pkdata; t=time.perf_counter(); pkdata.contributions(); "
            "print(time.perf_counter()-t)"
        )
        cold = statistics.median(
            float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
            for _ in range(args.repeat)
        )
        import pkdata
        from pkdata.core import store

        pkdata.contributions()
        warm = _time(pkdata.contributions, args.repeat)

        def uncached():
            store._TABLES.clear()
            pkdata.contributions()

        t_uncached = _time(uncached, args.repeat)

        from pkdata.analysis import claims

        claims.check("2018-09")  # tables read once (as in a notebook that has loaded the data)
        t_check = _time(lambda: claims.check("2018-09"), args.repeat)
        t_timelines = {c: _time(lambda c=c: claims.timeline(c), args.repeat) for c in claims.CLAIMS}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"bare words extraction of {len(pdfs)} PDFs (2 processes): {t_words:.1f} s; cold full build (all steps, "
        f"empty caches, 2 workers): {t_full:.1f} s = {t_full / t_words:.2f}x the extraction (goal 2x); "
        f"the same with a raw copy of every report added: {t_mirror:.1f} s = {t_mirror / t_words:.2f}x"
    )
    print(
        f"no-op build: {t_noop:.3f} s in-process, {t_noop_cli:.2f} s as `pkdata build` (target < 1 s); "
        f"adding one report: {t_one:.2f} s (target < 3 s)"
    )
    rows = [
        ("import pkdata (fresh interpreter, minus bare python start)", t_import - t_python, "< 0.5 s"),
        ("pkdata.contributions(), first call in a fresh process (libs imported)", cold, ""),
        ("pkdata.contributions(), parquet read in a warm process", t_uncached, ">= 5x faster than CSV"),
        ("pkdata.contributions(), cached in memory", warm, ""),
    ]
    print(f"contributions table: {len(table):,} rows; pandas.read_csv of it: {t_csv:.3f} s")
    print(f"{'measurement':<62} {'seconds':>9} {'x CSV read':>11}  target")
    for name, secs, target in rows:
        print(f"{name:<62} {secs:>9.3f} {secs / t_csv:>11.2f}  {target}")
    print(
        f"CSV read / contributions() parquet read = {t_csv / t_uncached:.1f}x faster; "
        f"/ first call in a fresh process = {t_csv / cold:.1f}x; / cached = {t_csv / max(warm, 1e-9):.0f}x"
    )
    slowest = max(t_timelines, key=t_timelines.get)
    print(
        f"claims.check('2018-09'): {t_check:.3f} s; claims.timeline(), {len(t_timelines)} claims: "
        f"{min(t_timelines.values()):.3f} - {t_timelines[slowest]:.3f} s (slowest: {slowest}); target < 0.3 s each"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

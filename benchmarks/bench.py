"""Benchmarks for pkdata: prints seconds and ratios; asserts nothing.

Measures:
1. the cold full build (every step, every reference file, empty caches) as a ratio to a bare words
   extraction of the same PDFs (pymupdf ``get_text("words")`` on every page, the same two worker
   processes), timed in turn in the same run, five times each by default (medians; target 2.5x, goal 2x);
   and the cold build of a raw folder holding a copy of every report beside the reference (``inputs="add"``,
   what ``pkdata build`` does after ``pkdata fetch --all``: files with the same bytes are parsed once);
2. a no-op build (nothing changed; in-process and as the whole ``pkdata build`` command; target < 1 s);
3. a build after adding one report to a raw folder holding the others (target < 3 s);
4. ``import pkdata`` in a fresh interpreter;
5. ``pkdata.contributions()`` from the processed parquet (cold and warm in-process cache), each beside
   the time pandas needs to read the same table from CSV (target >= 5x faster);
6. ``pkdata.claims.check()`` and ``pkdata.claims.timeline()`` of every claim on the committed data,
   in a warm process (target < 0.3 s each).

Run: ``make benchmark`` or ``python benchmarks/bench.py [--repeat N] [--cold-repeat N] [--cold-only]``.
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
from typing import Any

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


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended (the worker pools)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _words(path: str) -> int:
    import pymupdf

    with pymupdf.open(path) as doc:
        return sum(len(page.get_text("words")) for page in doc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="repeats for the quick measurements (median)")
    ap.add_argument("--cold-only", action="store_true", help="measure only the extraction and the cold full build")
    ap.add_argument("--cold-repeat", type=int, default=5, help="runs of the extraction and of the cold build (median)")
    args = ap.parse_args()

    pdfs = sorted((paths.reference_dir() / "personnel" / "un_monthly_pdfs_kl371218").glob("*.pdf"))
    work = Path(tempfile.mkdtemp(prefix="pkdata-bench-"))
    try:
        t = _cold_builds(work, pdfs, mirror=not args.cold_only, repeat=args.cold_repeat)
        if not args.cold_only:
            t |= _warm_builds(work, pdfs, args.repeat) | _reads(work, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _report(t, len(pdfs))
    return 0


def _cold_builds(work: Path, pdfs: list[Path], *, mirror: bool, repeat: int) -> dict[str, Any]:
    """The bare words extraction and the cold full build, each ``repeat`` times in turn (medians; every build into
    empty folders), and (``mirror``) the cold build of a raw copy of every report added to the reference."""
    (work / "no-raw").mkdir()  # an empty raw folder: every source from the reference copies
    runs: dict[str, list[float]] = {"words": [], "words_cpu": [], "full": [], "full_cpu": []}
    for i in range(repeat):
        # CPU seconds beside wall seconds: on a busy machine the wall-clock ratio swings, the CPU ratio much less
        start = _cpu()
        with ProcessPoolExecutor(2) as pool:
            runs["words"].append(_time(lambda pool=pool: sum(pool.map(_words, map(str, pdfs)))))
        runs["words_cpu"].append(_cpu() - start)
        start = _cpu()
        runs["full"].append(
            _time(lambda i=i: build(raw=work / "no-raw", out=work / f"full-{i}", cache=work / f"cold-cache-{i}"))
        )
        runs["full_cpu"].append(_cpu() - start)
    t: dict[str, Any] = {k: statistics.median(v) for k, v in runs.items()}
    t["ratios"] = [f / w for f, w in zip(runs["full"], runs["words"], strict=True)]
    if mirror:
        folder = work / "mirror" / "un_monthly_pdfs"
        folder.mkdir(parents=True)
        for p in pdfs:
            (folder / p.name).symlink_to(p)
        t["mirror"] = _time(
            lambda: build(raw=folder.parent, out=work / "mirror-out", cache=work / "mirror-cache", inputs="add")
        )
    return t


def _warm_builds(work: Path, pdfs: list[Path], repeat: int) -> dict[str, float]:
    """A no-op build (in-process and as the command) and a build after adding one report."""
    # from the first cold build's folder and cache
    t = {"noop": _time(lambda: build(raw=work / "no-raw", out=work / "full-0", cache=work / "cold-cache-0"), repeat)}
    cli = [sys.executable, "-m", "pkdata", "build", "--raw", str(work / "no-raw"), "--out", str(work / "full-0")]
    env = {**os.environ, "PKDATA_CACHE": str(work / "cold-cache-0")}
    t["noop_cli"] = _time(lambda: subprocess.run(cli, check=True, env=env, capture_output=True), repeat)
    raw = work / "raw" / "un_monthly_pdfs"
    raw.mkdir(parents=True)
    for p in pdfs[:-1]:
        (raw / p.name).symlink_to(p)
    build(raw=work / "raw", out=work / "out", cache=work / "cache")
    (raw / pdfs[-1].name).symlink_to(pdfs[-1])
    t["one"] = _time(lambda: build(raw=work / "raw", out=work / "out", cache=work / "cache"))
    return t


def _reads(work: Path, repeat: int) -> dict[str, Any]:
    """``import pkdata``, ``pkdata.contributions()`` beside a CSV read of the same table, claims."""
    # The CSV baseline: the committed contributions table written as CSV, read back by pandas.
    table = pd.read_parquet(paths.REPO_DIR / "data" / "processed" / "contributions.parquet")
    csv = work / "contributions.csv"
    table.to_csv(csv, index=False)
    t: dict[str, Any] = {"rows": len(table), "csv": _time(lambda: pd.read_csv(csv, parse_dates=["date"]), repeat)}
    cmd = [sys.executable, "-c", "import pkdata"]
    t["import"] = _time(lambda: subprocess.run(cmd, check=True), repeat)
    t["python"] = _time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat)
    # Both sides with their libraries already imported: pandas for the CSV read, pyarrow for parquet.
    code = (
        "import time, pandas, pyarrow.parquet, pkdata; t=time.perf_counter(); pkdata.contributions(); "
        "print(time.perf_counter()-t)"
    )
    t["cold"] = statistics.median(
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(repeat)
    )
    import pkdata
    from pkdata.analysis import claims
    from pkdata.core import store

    pkdata.contributions()
    t["warm"] = _time(pkdata.contributions, repeat)

    def uncached():
        store._TABLES.clear()
        pkdata.contributions()

    t["uncached"] = _time(uncached, repeat)
    claims.check("2018-09")  # tables read once (as in a notebook that has loaded the data)
    t["check"] = _time(lambda: claims.check("2018-09"), repeat)
    t["timelines"] = {c: _time(lambda c=c: claims.timeline(c), repeat) for c in claims.CLAIMS}
    return t


def _report(t: dict[str, Any], n_pdfs: int) -> None:
    runs = ", ".join(f"{r:.2f}x" for r in t["ratios"])
    print(
        f"bare words extraction of {n_pdfs} PDFs (2 processes): {t['words']:.1f} s; cold full build (all steps, "
        f"empty caches, 2 workers): {t['full']:.1f} s = {t['full'] / t['words']:.2f}x the extraction (medians of "
        f"{len(t['ratios'])} runs each; run by run {runs}; target 2.5x, goal 2x)"
        + (
            f"; the same with a raw copy of every report added: {t['mirror']:.1f} s = {t['mirror'] / t['words']:.2f}x"
            if "mirror" in t
            else ""
        )
    )
    print(
        f"CPU seconds (process and workers): extraction {t['words_cpu']:.1f}, cold full build {t['full_cpu']:.1f} "
        f"= {t['full_cpu'] / t['words_cpu']:.2f}x"
    )
    if "noop" not in t:
        return
    print(
        f"no-op build: {t['noop']:.3f} s in-process, {t['noop_cli']:.2f} s as `pkdata build` (target < 1 s); "
        f"adding one report: {t['one']:.2f} s (target < 3 s)"
    )
    csv = t["csv"]
    rows = [
        ("import pkdata (fresh interpreter, minus bare python start)", t["import"] - t["python"], "< 0.5 s"),
        ("pkdata.contributions(), first call in a fresh process (libs imported)", t["cold"], ""),
        ("pkdata.contributions(), parquet read in a warm process", t["uncached"], ">= 5x faster than CSV"),
        ("pkdata.contributions(), cached in memory", t["warm"], ""),
    ]
    print(f"contributions table: {t['rows']:,} rows; pandas.read_csv of it: {csv:.3f} s")
    print(f"{'measurement':<62} {'seconds':>9} {'x CSV read':>11}  target")
    for name, secs, target in rows:
        print(f"{name:<62} {secs:>9.3f} {secs / csv:>11.2f}  {target}")
    print(
        f"CSV read / contributions() parquet read = {csv / t['uncached']:.1f}x faster; "
        f"/ first call in a fresh process = {csv / t['cold']:.1f}x; / cached = {csv / max(t['warm'], 1e-9):.0f}x"
    )
    timelines = t["timelines"]
    slowest = max(timelines, key=timelines.get)
    print(
        f"claims.check('2018-09'): {t['check']:.3f} s; claims.timeline(), {len(timelines)} claims: "
        f"{min(timelines.values()):.3f} - {timelines[slowest]:.3f} s (slowest: {slowest}); target < 0.3 s each"
    )


if __name__ == "__main__":
    raise SystemExit(main())

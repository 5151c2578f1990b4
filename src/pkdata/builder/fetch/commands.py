"""The ``pkdata fetch`` and ``pkdata update`` commands: their arguments, the summary they print, the exit code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pkdata.builder.fetch.batch import fetch
from pkdata.builder.fetch.catalog import GROUPS, registry
from pkdata.builder.fetch.diff import change_lines, changes, record_revisions, table_lines
from pkdata.builder.fetch.manifest import load_manifest
from pkdata.builder.fetch.months import _last_full_month, parse_months
from pkdata.builder.fetch.plan import dry_run_lines, next_month
from pkdata.builder.fetch.previous import prune_previous, restore_previous
from pkdata.builder.fetch.remote import FetchConfig, FetchResult, RemoteFile
from pkdata.core import paths
from pkdata.core.errors import PkdataError


def add_fetch_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata fetch`` (and ``pkdata update``).

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_fetch_args(p)
    >>> p.parse_args(["--offline", "--only", "un_pdf"]).only
    'un_pdf'
    """
    p.add_argument("--raw", help=f"raw folder to fill (default PKDATA_RAW or {paths.raw_dir()})")
    p.add_argument("--offline", action="store_true", help="no network: use and report only what is on disk")
    p.add_argument(
        "--from",
        dest="mirror",
        metavar="DIR",
        help="take the files from a local mirror (e.g. ../shared/reference) instead of the network",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="every source of the registry (pkdata/data/sources.toml), not only the personnel ones",
    )
    p.add_argument(
        "--only",
        help="comma-separated source ids or groups to fetch (groups: "
        f"{', '.join(GROUPS)}; default: those groups; `pkdata fetch --only x` lists the ids)",
    )
    p.add_argument(
        "--months",
        help="monthly PDFs to fetch, FIRST[:LAST] as YYYY-MM (default 2015-01 to last month; "
        "with --from, the months DIR holds)",
    )
    p.add_argument("--retries", type=int, default=4, help="retries per file on network errors and 5xx (default 4)")
    p.add_argument("--timeout", type=float, default=60.0, help="read timeout in seconds (default 60)")
    p.add_argument(
        "--deadline", type=float, default=600.0, help="seconds one file may take in all, retries included (default 600)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="list every missing file")


def _groups(args: argparse.Namespace) -> list[str]:
    if args.only:
        return [g.strip() for g in args.only.split(",") if g.strip()]
    return ["all"] if getattr(args, "all", False) else list(GROUPS)


def _specs(args: argparse.Namespace) -> list[RemoteFile]:
    months = parse_months(args.months) if args.months else None
    return registry(months=months, groups=_groups(args), mirror=args.mirror)


def _run_fetch(args: argparse.Namespace) -> list[FetchResult]:
    config = FetchConfig(
        retries=args.retries,
        timeout=(10.0, args.timeout),
        deadline=args.deadline,
        progress=False if args.no_progress else None,
    )
    results = fetch(
        _specs(args),
        args.raw,
        offline=args.offline,
        mirror=args.mirror,
        config=config,
        processed=getattr(args, "out", None),
    )
    counts: dict[str, int] = {}
    verbose = getattr(args, "verbose", False)
    unreachable: dict[str, list[FetchResult]] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        if r.extra.get("unreachable"):  # one line per host that cannot be reached, not one per file
            unreachable.setdefault(r.extra["unreachable"], []).append(r)
        # Missing files are listed with -v only: offline, every file not yet on disk is one.
        elif r.status in ("new", "updated", "failed", "kept") or (r.status == "missing" and verbose):
            print(f"{r.status:>9}: {r.dest}: {r.message}")
    for host, failed in unreachable.items():
        print(f"   failed: {len(failed)} file(s) from {host}: {failed[0].message}")
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to fetch"
    print(f"fetch: {summary} (raw folder {Path(args.raw).resolve() if args.raw else paths.raw_dir()})")
    if counts.get("missing"):
        print(
            f"fetch: {counts['missing']} file(s) not in {args.raw or paths.raw_dir()}"
            + (" (offline)" if args.offline else "")
            + f"; `pkdata build` reads those from the reference copies ({paths.reference_dir()}) where it has "
            "them" + ("" if verbose else "; -v lists them")
        )
    return results


def cli_fetch(args: argparse.Namespace) -> int:
    """``pkdata fetch``: exit 0 when every file is in place, 1 when any failed (nothing good was lost).

    >>> p = argparse.ArgumentParser(); add_fetch_args(p)
    >>> cli_fetch(p.parse_args(["--offline", "--only", "un_pdf", "--months", "2015-01", "--raw", "/nonexistent"]))
    fetch: 1 missing (raw folder /nonexistent)
    fetch: 1 file(s) not in /nonexistent (offline); ...; -v lists them
    0
    """
    if getattr(args, "restore", False):
        restored = restore_previous(args.raw)
        print(f"restored {len(restored)} file(s): {', '.join(restored) or 'nothing was kept'}")
        return 0
    results = _run_fetch(args)
    return 1 if any(r.status == "failed" for r in results) else 0


def add_update_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata update``: those of fetch plus the build's ``--out`` and ``--workers``.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_update_args(p)
    >>> p.parse_args(["--workers", "1"]).workers
    1
    """
    add_fetch_args(p)
    p.add_argument("--out", help=f"processed folder to write (default PKDATA_DATA or {paths.build_dir()})")
    p.add_argument("--workers", type=int, default=2, help="parallel PDF parsers (default 2)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch and build nothing: print, per source, the address it would fetch next (publisher or copy)",
    )


def _previous_build(folder: Path) -> tuple[Any, dict[str, Any]]:
    """The contributions table and manifest a folder holds before an update; a damaged folder counts as none
    (the build repairs or replaces it) and is said in one line.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text("{not json")
    >>> _previous_build(d)  # doctest: +ELLIPSIS
    update: .../manifest.json cannot be read (...); the build replaces it, and no changes are listed
    (None, {})
    """
    import pandas as pd

    table, manifest = folder / "contributions.parquet", folder / "manifest.json"
    try:
        old_manifest = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
        if not isinstance(old_manifest, dict):
            raise ValueError("not a JSON object")
        return (pd.read_parquet(table) if table.exists() else None), old_manifest
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        damaged = manifest if isinstance(exc, json.JSONDecodeError) or not table.exists() else table
        print(f"update: {damaged} cannot be read ({str(exc)[:120]}); the build replaces it, and no changes are listed")
        return None, {}


def cli_update(args: argparse.Namespace) -> int:
    """``pkdata update``: fetch, then build, then print what changed in the contributions table."""
    import pandas as pd

    from pkdata.builder.pipeline import build

    out = Path(args.out) if args.out else paths.build_dir()
    # what the loaders read before the update (for an installed package: the shipped copy until a first build)
    before = out if args.out or (out / "manifest.json").exists() else paths.processed_dir()
    if getattr(args, "dry_run", False):
        for line in dry_run_lines(before, _groups(args)):
            print(line)
        return 0
    old_table, old_manifest = _previous_build(before)
    if not args.months and args.mirror is None:
        # What is new since the last build: the monthly reports after its last month (others are re-checked).
        first, last = next_month(before) if old_manifest else _last_full_month(), _last_full_month()
        args.months = f"{first}:{last}" if first <= last else None
    results = _run_fetch(args)
    failed = [r for r in results if r.status == "failed"]
    try:
        manifest = build(
            raw=args.raw,
            out=out,
            workers=args.workers,
            inputs="only" if getattr(args, "raw_only", False) else "add",
            allow_shrink=bool(getattr(args, "allow_shrink", False)),
        )
    except PkdataError as exc:
        kept = any(load_manifest(args.raw)["files"].get(r.dest, {}).get("previous") for r in results)
        print(f"update: build failed, {out} is unchanged: {exc}", file=sys.stderr)
        if kept:
            print(
                f"update: the previous versions of changed files are kept in "
                f"{Path(args.raw or paths.raw_dir()) / '.previous'}; "
                "`pkdata fetch --restore` puts them back",
                file=sys.stderr,
            )
        return 1
    prune_previous(args.raw, out)
    new_table = pd.read_parquet(out / "contributions.parquet") if (out / "contributions.parquet").exists() else None
    c = changes(
        old_table,
        new_table,
        old_manifest.get("contributions", {}).get("months"),
        manifest.get("contributions", {}).get("months"),
    )
    for line in [*change_lines(c), *table_lines(old_manifest, manifest)]:
        print(f"update: {line}")
    if record_revisions(args.raw, c["revised"], str(out)):
        print(
            f"update: the revised cells are recorded in {args.raw or paths.raw_dir()}/fetch_manifest.json (revisions)"
        )
    from pkdata.builder.expected import differences

    for line in differences(manifest):
        print(f"update: {line}")
    if failed:
        print(f"update: {len(failed)} file(s) could not be fetched; the build used the copies on disk", file=sys.stderr)
        return 1
    return 0

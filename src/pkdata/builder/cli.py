"""The builder's commands: ``pkdata build``, ``pkdata fetch``, ``pkdata update`` (registered by :mod:`pkdata.cli`).

>>> import argparse
>>> p = argparse.ArgumentParser(); build_args(p)
>>> p.parse_args(["--workers", "1"]).workers
1
"""

from __future__ import annotations

import argparse
from pathlib import Path


def build_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata build``."""
    from pkdata.core import paths

    p.add_argument(
        "--raw",
        help=f"folder of raw source files (default PKDATA_RAW or {paths.raw_dir()}, falling back to the reference "
        f"copies in PKDATA_REFERENCE or {paths.reference_dir()})",
    )
    p.add_argument("--out", help=f"output folder (default PKDATA_DATA or {paths.build_dir()})")
    p.add_argument("--workers", type=int, default=2, help="parallel PDF parsers (default 2)")
    _input_args(p)


def _input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--raw-only",
        action="store_true",
        help="read the UN PDF reports of the raw folder alone (default: add them to the reference "
        "reports, a raw report replacing the one that prints the same month)",
    )
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="write the new tables even if they drop months the output folder has (default: refuse, naming the months)",
    )


def _build_options(args: argparse.Namespace) -> dict:
    return {
        "inputs": "only" if getattr(args, "raw_only", False) else "add",
        "allow_shrink": bool(getattr(args, "allow_shrink", False)),
    }


def build_cmd(args: argparse.Namespace) -> int:
    """``pkdata build``: build data/processed and print what it holds."""
    from pkdata.builder import build
    from pkdata.core.errors import PkdataError

    if args.raw and not Path(args.raw).is_dir():
        raise PkdataError(
            f"--raw {args.raw}: {'not a folder' if Path(args.raw).exists() else 'no such folder'}; "
            "pass an existing raw folder, or leave --raw out to use data/raw and the reference copies"
        )
    from pkdata.core import paths

    out = Path(args.out).resolve() if args.out else paths.build_dir()
    manifest = build(raw=args.raw, out=out, workers=args.workers, **_build_options(args))
    for name, meta in manifest["tables"].items():
        print(f"{name}: {meta['rows']:,} rows -> {out / meta['file']}")
    dups = [s for s in manifest["sources"] if s.get("duplicate_of")]
    for s in dups:
        print(f"duplicate: {s['name']} prints {s['report_date']}, same as {s['duplicate_of']}; not counted twice")
    c = manifest.get("contributions")
    if c:
        print(
            f"contributions: {c['first_month']} .. {c['last_month']}, {len(c['months'])} months, "
            f"missing: {', '.join(c['missing_months']) or 'none'}"
        )
    return 0


def fetch_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata fetch``."""
    from pkdata.builder.fetch import add_fetch_args

    add_fetch_args(p)
    p.add_argument(
        "--restore",
        action="store_true",
        help="put back the previous versions of files that changed upstream (kept in RAW/.previous)",
    )


def fetch_cmd(args: argparse.Namespace) -> int:
    """``pkdata fetch``."""
    from pkdata.builder.fetch import cli_fetch

    return cli_fetch(args)


def update_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata update``."""
    from pkdata.builder.fetch import add_update_args

    add_update_args(p)
    _input_args(p)


def update_cmd(args: argparse.Namespace) -> int:
    """``pkdata update``: fetch then build (``inputs="add"`` unless ``--raw-only``; refuses to shrink)."""
    from pkdata.builder.fetch import cli_update

    return cli_update(args)

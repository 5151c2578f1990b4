"""The ``pkdata`` command line: ``pkdata --help`` lists the subcommands.

>>> main(["info"])  # doctest: +ELLIPSIS
Tables:
...
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pkdata.core.errors import PkdataError, shorten


def _cmd_info(args: argparse.Namespace) -> int:
    from pkdata.core import store

    m = store.manifest(args.data)
    problems = store.verify(args.data)
    print("Tables:")
    for name, meta in m["tables"].items():
        print(f"  {name:<16} {meta['rows']:>8,} rows  {meta['file']}")
    by_table: dict[str, list[dict]] = {}
    for s in m["sources"]:
        by_table.setdefault(s.get("table", "?"), []).append(s)
    print("Sources:")
    for t, items in sorted(by_table.items()):
        pubs = sorted({s.get("publisher", "?") for s in items})
        print(f"  {t}: {len(items)} files from")
        for pub in pubs:
            print(f"    - {pub}")
        for s in items:
            if s.get("duplicate_of"):
                print(f"    duplicate: {s['name']} = {s['duplicate_of']} ({s.get('report_date', '')}), not counted")
    c = m.get("contributions")
    if c:
        print(f"Contributions: {c['first_month']} .. {c['last_month']} ({len(c['months'])} months with data)")
        print(f"Months with no report ({len(c['missing_months'])}): {', '.join(c['missing_months']) or 'none'}")
        if args.months:
            print("Month     granularity       source")
            for month, v in c["months"].items():
                note = f"  ({v['note']})" if v.get("note") else ""
                print(f"{month}   {v['granularity']:<17} {v['source']}{note}")
            if m.get("contributions_precedence"):
                print("Precedence (the first source having a month supplies all of it):")
            for i, p in enumerate(m.get("contributions_precedence", []), 1):
                print(f"  {i}. {p['label']}: {p['why']}")
        else:
            print("(pkdata info --months lists, month by month, the source file and its granularity)")
    rows = exclusion_rows(m)
    if rows:
        print("Exclusions the build made on purpose (known defects of a source):")
        print(_table(["table", "file", "action", "how many", "reason"], rows))
    _print_quality(args.data, m)
    for line in problems:
        print(f"problem: {line}", file=sys.stderr)
    if problems:
        print(
            "pkdata info: the folder is inconsistent; `pkdata verify --repair` or `pkdata build` fixes it",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from pkdata.core import atomic, store

    folder = store.data_folder(args.data)
    if args.repair:
        for line in atomic.repair(folder):
            print(line)
    problems = store.verify(folder)
    for line in problems:
        print(f"problem: {line}", file=sys.stderr)
    if problems:
        print(f"pkdata verify: {folder} is inconsistent; {store.fix_hint(folder)}", file=sys.stderr)
        return 1
    tables = store.manifest(folder)["tables"]
    print(f"{folder}: {len(tables)} tables, each matching its manifest sha256, columns and rows; months as listed")
    return 0


def _count(entry: dict[str, Any]) -> str:
    for key in ("rows", "months"):
        value = entry.get(key)
        if isinstance(value, int | float):
            return f"{int(value):,} {key}"
        if isinstance(value, dict | list) and value:
            return f"{len(value):,} {key}"
    return ""


def exclusion_rows(manifest: dict[str, Any]) -> list[list[str]]:
    """The manifest's ``*_exclusions`` entries as rows: table, file, action, how many, reason.

    >>> exclusion_rows({"fatalities_exclusions": {"duplicate_casualty_id": {"rows": 6, "reasons": ["same id"],
    ...     "table": "fatality_exclusions.csv"}}})
    [['fatalities', 'fatality_exclusions.csv', 'duplicate_casualty_id', '6 rows', 'same id']]
    """
    out = []
    for key, value in manifest.items():
        if not key.endswith("_exclusions") or not value:
            continue
        table = key.removesuffix("_exclusions").removesuffix("_history")
        entries = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        for name, e in entries:
            e = e if isinstance(e, dict) else {"action": str(e)}
            reason = e.get("reason") or "; ".join(map(str, e.get("reasons", [])))
            out.append(
                [
                    table,
                    str(e.get("file") or e.get("table") or ""),
                    str(e.get("action") or name or ""),
                    _count(e),
                    str(reason),
                ]
            )
    return out


def _table(heads: list[str], rows: list[list[str]], width: int = 120) -> str:
    """Rows as aligned columns; the last column wraps to ``width``."""
    import textwrap

    widths = [min(max(len(h), *(len(r[i]) for r in rows)), 34) for i, h in enumerate(heads[:-1])]
    indent = sum(widths) + 2 * len(widths) + 2
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(heads[:-1], widths, strict=True)) + "  " + heads[-1]]
    for r in rows:
        cut = [c if len(c) <= w else c[: w - 1] + "…" for c, w in zip(r[:-1], widths, strict=True)]
        cells = "  ".join(c.ljust(w) for c, w in zip(cut, widths, strict=True))
        wrapped = textwrap.wrap(r[-1], max(60, width - indent)) or [""]
        lines.append("  " + cells + "  " + wrapped[0])
        lines.extend(" " * indent + more for more in wrapped[1:])
    return "\n".join(lines)


def _print_quality(data: str | None, m: dict[str, Any]) -> None:
    """The quality flags (``pkdata.quality()``): one line per flag, then the detectors that ran."""
    from pkdata.core import store
    from pkdata.core.errors import DataNotFoundError

    try:
        q = store.table("quality", data)
    except DataNotFoundError:
        print("Quality flags: none (no quality.parquet; rebuild with `pkdata build`)")
        return
    print(f"Quality flags ({len(q)}; pkdata.quality(); 'exclude' = treated as missing, totals kept):")
    for r in q.itertuples():
        print(f"  {r.month}  {r.scope:<20} {r.field:<7} {r.action:<8} {r.issue} [{r.detected_by}]")
    detectors = m.get("quality", {}).get("detectors", {})
    for name, rule in detectors.items():
        print(f"  detector {name}: {rule}")


#: Commands of the builder layer, implemented in this module (named, never imported by the library).
BUILDER_CLI = "pkdata.builder.cli"
BUILDER_COMMANDS: dict[str, str] = {
    "build": "turn raw files into data/processed (parquet + manifest.json)",
    "fetch": "fetch the publishers' files into data/raw (checked, atomic, nothing good is ever lost)",
    "update": "fetch, then build, then print what changed (months added, rows changed)",
}

COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


DATA_HELP = (
    "processed folder (default: PKDATA_DATA, else the checkout's data/processed, else the user's build, "
    "else the installed copy; `pkdata verify` prints which)"
)


def _info_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help=DATA_HELP)
    p.add_argument("--months", action="store_true", help="list every month with its source and granularity")


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help=DATA_HELP)
    p.add_argument(
        "--repair",
        action="store_true",
        help="first finish an interrupted build's switch of files (or remove its leftovers)",
    )


def _burden_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("year", help="calendar year, e.g. 2019")
    p.add_argument(
        "--measure",
        choices=("billed", "scale"),
        help="funding measure: USD billed in the calendar year, or the scale's rate (default: billed where the UN's "
        "amounts exist, else the scale; the report names the one used)",
    )
    p.add_argument("--data", help=DATA_HELP)


def _burden_cmd(args: argparse.Namespace) -> int:
    from pkdata.tables.finance import burden_report

    print(burden_report(args.year, measure=args.measure, data_dir=args.data))
    return 0


#: Commands implemented in other modules: name -> (help, module, its arguments function, its command function).
#: A module is imported only when its command runs, so ``pkdata --help`` stays fast.
LAZY_COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "claims": (
        "the claims of Lanteigne, The Role of UN Peacekeeping in China's Expanding Strategic "
        "Interests (USIP, Sept 2018), checked against the data, with evidence",
        "pkdata.analysis.claims",
        "cli_args",
        "cli_claims",
    ),
    "check": (
        "check the claims of any claim file (TOML, see docs/claims.md) against the data, with evidence",
        "pkdata.analysis.claims",
        "cli_check_args",
        "cli_check",
    ),
    "notebooks": (
        "execute the notebooks in notebooks/ and write them as HTML",
        "pkdata.outputs.notebooks",
        "cli_args",
        "cli_notebooks",
    ),
    "export": (
        "write a table or panel as CSV, Parquet, Stata .dta or Excel, with its provenance",
        "pkdata.outputs.export",
        "cli_args",
        "cli_export",
    ),
    "codebook": (
        "write docs/codebook.md and data/processed/datapackage.json from the codebook data",
        "pkdata.outputs.codebook",
        "cli_args",
        "cli_codebook",
    ),
    "cite": (
        "BibTeX or plain citations of pkdata and its sources, with the data version",
        "pkdata.outputs.citations",
        "cli_args",
        "cli_cite",
    ),
    "brief": (
        "a one-page brief (PNG and PDF) on any member: personnel by type and mission, rank, peers, "
        "pays vs sends, fatalities",
        "pkdata.outputs.brief",
        "cli_args",
        "cli_brief",
    ),
    "figures": (
        "draw every chart as PNG and SVG (only those whose data or code changed)",
        "pkdata.outputs.figures",
        "cli_args",
        "cli_figures",
    ),
}


def _add_lazy(name: str) -> None:
    help_text, module, args_fn, cmd_fn = LAZY_COMMANDS[name]
    COMMANDS[name] = (help_text, _lazy(module, args_fn), _lazy(module, cmd_fn))


def _register() -> None:
    """Fill :data:`COMMANDS` in the order ``pkdata --help`` lists them.

    >>> list(COMMANDS)[:5]
    ['info', 'verify', 'claims', 'check', 'burden']
    """
    COMMANDS["info"] = ("sources, months covered and missing, rows", _info_args, _cmd_info)
    COMMANDS["verify"] = (
        "check that every processed table is the one its manifest names (sha256, columns)",
        _verify_args,
        _cmd_verify,
    )
    _add_lazy("claims")
    _add_lazy("check")
    COMMANDS["burden"] = (
        "who pays and who serves: P5 and top-10 personnel contributors, funding vs personnel share",
        _burden_args,
        _burden_cmd,
    )
    # The builder's commands (pip install "pkdata[build]"): named by module so that the library never imports
    # the builder; only the command that runs is imported (see main).
    for name, help_text in BUILDER_COMMANDS.items():
        COMMANDS[name] = (help_text, _lazy(BUILDER_CLI, f"{name}_args"), _lazy(BUILDER_CLI, f"{name}_cmd"))
    for name in ("notebooks", "export", "codebook", "cite", "brief", "figures"):
        _add_lazy(name)


def _lazy(module: str, function: str) -> Callable[..., Any]:
    """A function that imports ``module`` only when called (keeps ``pkdata --help`` fast)."""

    def call(*args: Any) -> Any:
        from importlib import import_module

        return getattr(import_module(module), function)(*args)

    return call


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 data error, 2 usage)."""
    parser = _Parser(prog="pkdata", description="UN peacekeeping data as checked tables and charts")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (help_text, add_args, _) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:  # only the chosen command's options: the others' modules stay unimported
            add_args(p)
    args = parser.parse_args(argv)
    _robust_streams()
    previous = _stop_on_sigterm()
    try:
        code = COMMANDS[args.command][2](args)
        sys.stdout.flush()
        return code
    except BaseException as exc:
        if args.debug or isinstance(exc, SystemExit):
            raise
        return _report(args.command, exc)
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _robust_streams() -> None:
    """Text the terminal's encoding cannot show is escaped, not a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and getattr(stream, "errors", "strict") == "strict":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _stop_on_sigterm() -> Any:
    """SIGTERM unwinds like Ctrl-C (temporary files removed, worker processes stopped); returns the old handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: Any) -> None:
        print("pkdata: stopped (SIGTERM); nothing half-written was kept", file=sys.stderr)
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _report(command: str, exc: BaseException) -> int:
    """One line on stderr for an error (no traceback; ``pkdata --debug`` shows it); the exit code."""
    import os

    if isinstance(exc, BrokenPipeError):  # e.g. `pkdata info | head -1`: the reader has what it wanted
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    if isinstance(exc, KeyboardInterrupt):
        print(f"pkdata {command}: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    if isinstance(exc, PkdataError):
        message = str(exc)
    elif isinstance(exc, OSError):
        message = _os_error(exc)
    else:
        message = (
            f"unexpected {type(exc).__name__}: {exc}. This is a bug in pkdata or an input it does not "
            "check yet; run `pkdata --debug ...` for the traceback and report it"
        )
    print(f"pkdata {command}: error: {shorten(message)}", file=sys.stderr)
    return 1


def _os_error(exc: OSError) -> str:
    """One line for an operating-system error: the path, what happened and what to do about it.

    >>> import errno
    >>> _os_error(OSError(errno.ENOSPC, "No space left on device", "/data/out.png"))[:60]
    '/data/out.png: the disk is full (No space left on device); f'
    """
    import errno

    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"{where or 'a file being written: '}the disk is full ({exc.strerror or exc}); free some space there "
            "(or write elsewhere) and run the command again"
        )
    return f"{where}{exc.strerror or exc}; check that the path exists and that you may read (or write) it"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors cut a huge argument instead of echoing it whole."""

    def error(self, message: str):  # type: ignore[override]
        super().error(shorten(message))

"""The output of :func:`~pkdata.analysis.claims.check` as text, CSV or JSON, and the ``pkdata claims`` command.

Reads only the frame and the registry's units (what a value is: personnel, a ratio, a rank...).

>>> value_text("missions", 2.0, 1.0, out_of=2), value_text("ratio", 1.5, float("inf"))
('2 of 2 (latest 1)', '1.50x (latest: none deployed)')
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Literal

import pandas as pd

from pkdata.analysis.claims.checking import check, check_file, timeline
from pkdata.analysis.claims.model import REPORT, REPORT_MONTH, number, percent
from pkdata.analysis.claims.registry import CLAIMS
from pkdata.core import paths
from pkdata.core.errors import PkdataError


def _latest_text(unit: str, latest: float) -> str:
    if unit == "ratio":
        return f" (latest {latest:.2f}x)" if not math.isinf(latest) else " (latest: none deployed)"
    if unit == "missions":
        return f" (latest {int(latest)})"
    if unit == "rank":
        return f" (latest #{int(latest)})"
    return f" (latest {number(latest)})"


def value_text(unit: str, value: float, latest: float, out_of: int = 0) -> str:
    """A claim's value as read (``out_of``: of how many missions).

    >>> value_text("personnel", 2518.5, 2506.0), value_text("rank", 11.0, 10.0), value_text("percent", 10.24, math.nan)
    ('2,518.5 (latest 2,506)', '#11 (latest #10)', '10.240%')
    """
    if pd.isna(value):
        return "-"
    if unit == "personnel":
        text = number(value)
    elif unit == "ratio":
        text = "more than any (none deployed)" if math.isinf(value) else f"{value:.2f}x"
    elif unit == "missions":
        text = f"{int(value)} of {out_of}"
    elif unit == "percent":
        text = percent(value)
    elif unit == "rank":
        text = f"#{int(value)}"
    elif unit == "rate":
        text = f"{value:.2f}"
    elif unit == "usd":
        text = f"${value / 1e6:,.1f}m"
    else:
        text = f"{int(value)}"
    return text if pd.isna(latest) else text + _latest_text(unit, latest)


def _short_sources(source: str) -> str:
    files = [s for s in source.split("; ") if s]
    if len(files) > 3:
        return f"{files[0]} .. {files[-1]} ({len(files)} files)"
    return "; ".join(files) or "-"


def _table(frame: pd.DataFrame) -> str:
    """The aligned table of verdicts, then each claim's evidence."""
    units = frame.attrs.get("units") or {c.claim_id: (c.unit, c.out_of) for c in CLAIMS.values()}
    values = []
    for r in frame.itertuples():
        unit, out_of = units.get(r.claim_id, ("", 0))
        values.append(value_text(unit, r.value, r.latest, out_of))
    cells = [(r.claim_id, r.verdict, v, r.data_date) for r, v in zip(frame.itertuples(), values, strict=True)]
    heads = ("claim", "verdict", "value", "data")
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads[:-1])]
    folder = Path(frame.attrs.get("data_dir", "?"))
    if folder.is_relative_to(paths.REPO_DIR):
        folder = folder.relative_to(paths.REPO_DIR)
    lines = [
        f"Claims of {frame.attrs.get('report', REPORT)}, checked as of "
        f"{frame.attrs.get('as_of', '?')} (data: {folder})",
        "",
    ]
    lines.append("  ".join(h.ljust(w) for h, w in zip(heads, [*widths, 0], strict=True)).rstrip())
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, [*widths, 0], strict=True)).rstrip())
    for r, v in zip(frame.itertuples(), values, strict=True):
        lines += [
            "",
            f"{r.claim_id}: {r.verdict.upper()}",
            f"  claim:      {r.statement}",
            f"  metric:     {r.metric}",
            f"  value:      {v}",
            f"  comparison: {r.comparison or '-'}",
            f"  data:       {r.data_date or '-'}",
            f"  evidence:   {r.evidence}",
            f"  source:     {_short_sources(r.source)}",
        ]
    return "\n".join(lines)


def render(frame: pd.DataFrame, fmt: Literal["table", "csv", "json"] = "table") -> str:
    """The output of :func:`check` as text: an aligned table with the evidence below it, CSV or JSON.

    >>> print(render(check("2018-09"), "csv").splitlines()[0])
    claim_id,statement,metric,value,latest,comparison,verdict,data_date,source,evidence
    """
    if fmt == "csv":
        return frame.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records", force_ascii=False, default_handler=str))
        return json.dumps(
            {"as_of": frame.attrs.get("as_of"), "report": frame.attrs.get("report"), "claims": records},
            indent=1,
            ensure_ascii=False,
        )
    if fmt != "table":
        raise PkdataError(f"format {fmt!r}: expected table, csv or json")
    return _table(frame)


def cli_args(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``pkdata claims`` to a parser.

    >>> parser = argparse.ArgumentParser()
    >>> cli_args(parser)
    >>> parser.parse_args(["--as-of", "2020-01", "--format", "json"]).format
    'json'
    """
    p.add_argument(
        "--as-of",
        default=REPORT_MONTH,
        help=f"month 'YYYY-MM' the claims are checked at (default {REPORT_MONTH}, the report's month; "
        "'latest' for the last month of the data)",
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default table)")
    p.add_argument("--data", help="processed folder (default data/processed or PKDATA_DATA)")


def cli_claims(args: argparse.Namespace) -> int:
    """Run ``pkdata claims``: print every claim's verdict with its evidence.

    >>> cli_claims(argparse.Namespace(as_of="2018-09", format="csv", data=None))  # doctest: +ELLIPSIS
    claim_id,statement,...
    0
    """
    print(render(check(args.as_of, data_dir=args.data), args.format))
    return 0


def cli_check_args(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``pkdata check`` to a parser.

    >>> parser = argparse.ArgumentParser()
    >>> cli_check_args(parser)
    >>> parser.parse_args(["claims.toml", "--timeline", "x"]).timeline
    'x'
    """
    p.add_argument("file", help="a claim file (TOML: [report] and [[claims]], see docs/claims.md)")
    p.add_argument("--as-of", help="check every claim at this month 'YYYY-MM' (default: each claim's own date)")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format (default text)")
    p.add_argument("--timeline", metavar="ID", help="the claim ID's verdict at every month or year the data cover")
    p.add_argument("--data", help="processed folder (default data/processed or PKDATA_DATA)")


def cli_check(args: argparse.Namespace) -> int:
    """Run ``pkdata check FILE``: every claim's verdict with its evidence (or one claim's timeline).

    >>> from pkdata.analysis.claims.model import SEED
    >>> cli_check(argparse.Namespace(file=str(SEED), as_of="2018-09", format="csv", timeline=None, data=None))
    ... # doctest: +ELLIPSIS
    claim_id,statement,...
    0
    """
    if args.timeline:
        t = timeline(args.timeline, data_dir=args.data, path=args.file)
        print(t.to_csv(index=False).rstrip("\n") if args.format == "csv" else t.to_string(index=False))
        return 0
    frame = check_file(args.file, args.as_of, data_dir=args.data)
    print(render(frame, "table" if args.format == "text" else args.format))
    return 0

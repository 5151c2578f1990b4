"""Claim files: a report's claims as data (TOML), read and checked for unknown metrics, subjects and keys.

A file has a ``[report]`` table (``title``, ``author``, ``publisher``, ``date`` 'YYYY-MM', ``address``; optional
``series``, ``date_text``) and ``[[claims]]``, each with ``id``, ``quote`` (the words checked), ``metric`` and
its parameters (:data:`~pkdata.analysis.claims.metrics.METRICS`); optional ``as_of`` (a month or a year;
default the report's date), ``statement`` (our paraphrase), ``describe`` (what is measured), ``address``
(where the quote is, if not the report's) and ``note``. docs/claims.md documents every metric.

>>> f = load(SEED)
>>> f.report["author"], len(f.claims), f.claims[0].params["expect"]
('Marc Lanteigne', 8, 2500)
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pkdata.analysis.claims import groups
from pkdata.analysis.claims.compare import COMPARISONS
from pkdata.analysis.claims.metrics import METRICS
from pkdata.analysis.claims.metrics.general import FATALITY_TYPES, PERSONNEL_TYPES, WINDOWS
from pkdata.analysis.claims.model import SEED, Claim
from pkdata.core.errors import PkdataError

#: The claim files shipped with the package.
CLAIMS_DIR = SEED.parent
REPORT_KEYS = ("title", "author", "publisher", "date", "address", "series", "date_text", "note")
CLAIM_KEYS = ("id", "quote", "metric", "as_of", "statement", "describe", "address", "note")
_MONTH = re.compile(r"\d{4}(-\d{2})?")
#: Values a key may take (checked when the claim file is read).
CHOICES: dict[str, tuple[Any, ...]] = {
    "window": WINDOWS,
    "compare": COMPARISONS,
    "personnel_type": (*PERSONNEL_TYPES, "civilian"),
    "gender": ("total", "female", "male"),
    "measure": ("scale", "billed"),
    "kind": ("peacekeeping", "regular"),
    "scope": ("all", "pko"),
}

#: A fatality metric's ``personnel_type``: a group or one of the fatalities table's types.
FATALITY_CHOICES = (
    *FATALITY_TYPES,
    "military",
    "police",
    "experts_on_mission",
    "international_civilian",
    "local_civilian",
    "other",
)


@dataclass(frozen=True)
class ClaimFile:
    """A claim file as read: its path, report table, citation and claims."""

    path: Path
    report: dict[str, Any]
    claims: list[Claim]

    @property
    def cite(self) -> str:
        """The report cited in full (author, title, series, publisher, date).

        >>> load(SEED).cite.split(", ")[0]
        'Marc Lanteigne'
        """
        r = self.report
        parts = (r.get("author"), r.get("title"), r.get("series"), r.get("publisher"), r.get("date_text", r["date"]))
        return ", ".join(str(p) for p in parts if p)


def _fail(path: Path, claim: str, what: str) -> PkdataError:
    return PkdataError(f"{path.name}: claim {claim!r}: {what}")


def _params(path: Path, cid: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The claim's metric parameters, checked: known keys only, needed keys present, known values."""
    metric = METRICS[raw["metric"]]
    params = {k: v for k, v in raw.items() if k not in CLAIM_KEYS}
    for key in params:
        if key not in metric.keys:
            raise _fail(
                path, cid, f"unknown key {key!r} for metric {raw['metric']!r} (its keys: {', '.join(metric.keys)})"
            )
    for key in metric.needs:
        if key not in params:
            raise _fail(path, cid, f"metric {raw['metric']!r} needs the key {key!r}")
    choices = {**CHOICES, "personnel_type": FATALITY_CHOICES} if metric.periods == "fatalities" else CHOICES
    for key, allowed in choices.items():
        if key in params and params[key] not in allowed:
            raise _fail(path, cid, f"{key} = {params[key]!r}: expected one of {', '.join(map(str, allowed))}")
    if "subject" in params:
        try:
            params["subject"] = groups.subject(params["subject"])
        except PkdataError as exc:
            raise _fail(path, cid, f"unknown subject: {exc}") from None
    if params.get("window") == "month" and "month" not in params:
        raise _fail(path, cid, "window 'month' needs the key 'month' ('YYYY-MM')")
    return params


def describe(metric: str, params: dict[str, Any]) -> str:
    """What a claim measures, when its file does not say (``describe``): the metric and its parameters.

    >>> describe("personnel", {"subject": "BGD", "window": "month", "month": "2010-10", "expect": 10748})
    'personnel: subject BGD, window month, month 2010-10'
    """
    shown = [f"{k} {v}" for k, v in params.items() if k not in ("expect", "compare", "tolerance")]
    return f"{metric}: {', '.join(shown)}" if shown else metric


def _claim(path: Path, report: dict[str, Any], raw: dict[str, Any], seen: set[str]) -> Claim:
    cid = str(raw.get("id", "?"))
    for key in ("id", "quote", "metric"):
        if key not in raw:
            raise _fail(path, cid, f"the key {key!r} is missing")
    if cid in seen:
        raise _fail(path, cid, "the id is used twice")
    seen.add(cid)
    if raw["metric"] not in METRICS:
        raise _fail(path, cid, f"unknown metric {raw['metric']!r} (the metrics: {', '.join(sorted(METRICS))})")
    as_of = str(raw.get("as_of", report["date"]))
    if not _MONTH.fullmatch(as_of):
        raise _fail(path, cid, f"as_of = {as_of!r}: expected 'YYYY-MM' or 'YYYY'")
    metric = METRICS[raw["metric"]]
    params = _params(path, cid, raw)
    return Claim(
        cid,
        str(raw.get("statement") or raw["quote"]),
        str(raw.get("describe") or describe(str(raw["metric"]), params)),
        metric.unit,
        metric.frequency,  # type: ignore[arg-type]
        functools.partial(metric.func, p=params),
        metric.periods,
        len(params.get("missions", ())),
        quote=str(raw["quote"]),
        as_of=as_of,
        address=str(raw.get("address", report.get("address", ""))),
        metric_name=str(raw["metric"]),
        params=params,
    )


def load(path: str | Path) -> ClaimFile:
    """Read and check a claim file; a mistake is one line naming the file, the claim and the key.

    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
    >>> _ = bad.write_text('[report]\\ntitle="t"\\nauthor="a"\\npublisher="p"\\ndate="2018-09"\\naddress="u"\\n'
    ...                    '[[claims]]\\nid="x"\\nquote="q"\\nmetric="nope"\\n')
    >>> load(bad)
    Traceback (most recent call last):
    pkdata.core.errors.PkdataError: bad.toml: claim 'x': unknown metric 'nope' (the metrics: ...)
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PkdataError(f"{path}: no such claim file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PkdataError(f"{path.name}: not valid TOML: {exc}") from None
    report = doc.get("report")
    if not isinstance(report, dict):
        raise PkdataError(f"{path.name}: the [report] table is missing")
    for key in report:
        if key not in REPORT_KEYS:
            raise PkdataError(f"{path.name}: [report]: unknown key {key!r} (its keys: {', '.join(REPORT_KEYS)})")
    for key in ("title", "author", "publisher", "date", "address"):
        if key not in report:
            raise PkdataError(f"{path.name}: [report]: the key {key!r} is missing")
    unknown = [k for k in doc if k not in ("report", "claims")]
    if unknown:
        raise PkdataError(f"{path.name}: unknown table {unknown[0]!r} (expected [report] and [[claims]])")
    seen: set[str] = set()
    claims = [_claim(path, report, raw, seen) for raw in doc.get("claims", [])]
    if not claims:
        raise PkdataError(f"{path.name}: no [[claims]]")
    return ClaimFile(path, report, claims)


def shipped() -> list[Path]:
    """The claim files shipped with the package.

    >>> [p.name for p in shipped()][:1]
    ['bangladesh_ispr_2010.toml']
    """
    return sorted(CLAIMS_DIR.glob("*.toml"))

"""Readers for the UN's own financial data files (``united-nations/open``, ``public/data/``).

Three shapes, one reader each; every reader checks the shape it expects and raises
:class:`~pkdata.core.errors.ParseError` naming the file and the JSON key otherwise:

===================================  ==========================================================
file                                 reader
===================================  ==========================================================
``donors-YYYY.json``                 :func:`read_donors`: assessed peacekeeping contribution
                                     (entity ``UN-DPO``, ``Assessed``) per member, calendar year
``regular-budget-contributors-       :func:`read_regular_budget`: regular-budget rate and
YYYY.json``                          assessment per member (ST/ADM/SER.B circular), calendar year
``budget-pko-YYYY.json``,            :func:`read_pko_budget`: expenditure per mission and the
``budget-audited-pko-YYYY.json``     total, per July-June fiscal year (``meta.fiscalYear``)
===================================  ==========================================================

Calendar years and fiscal years are kept apart: the donors and regular-budget files are
per calendar year (the year is in the file name, and in ``meta.year``); the budget files
are per fiscal year, read from ``meta.fiscalYear`` only, because their ``meta.year`` means
the fiscal year's *first* calendar year in ``budget-pko`` files and its *last* in
``budget-audited-pko`` files.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.core import countries
from pkdata.core.errors import ParseError, UnknownNameError

#: Entity code of UN peacekeeping in the donors files.
PEACEKEEPING_ENTITY = "UN-DPO"
#: Financing instrument counted as the assessed contribution.
ASSESSED = "Assessed"

_FISCAL = re.compile(r"^(\d{4})/(\d{2})$")

DONOR_COLUMNS = ("year", "member_iso3", "member_state", "assessed_usd", "share_percent", "key")
REGULAR_COLUMNS = (
    "year",
    "member_iso3",
    "member_state",
    "rate_percent",
    "assessed_usd",
    "share_percent",
    "payment_status",
    "source_document",
    "source_url",
    "key",
)
BUDGET_COLUMNS = (
    "fiscal_year",
    "fiscal_year_start",
    "mission",
    "mission_name",
    "level",
    "usd",
    "basis",
    "printed_basis",
    "scope",
    "source_document",
    "source_url",
    "row_label",
    "key",
)


def _load(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ParseError(str(path), f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise ParseError(str(path), f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc


def _year_from_name(path: Path, prefix: str) -> int:
    m = re.fullmatch(rf"{re.escape(prefix)}-(\d{{4}})\.json", Path(path).name)
    if not m:
        raise ParseError(str(path), f"file name should be {prefix}-YYYY.json (the calendar year is read from it)")
    return int(m.group(1))


def _amount(value: Any, path: Path, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParseError(str(path), f"key {key}: expected an amount in USD (a number), got {value!r}")
    if value < 0:
        raise ParseError(str(path), f"key {key}: amount {value} is negative; an assessed amount is >= 0")
    return float(value)


def _iso3_for(names: dict[str, str], path: Path) -> dict[str, str]:
    """Names (-> the JSON key they were found under) to ISO3; unknown names listed with their keys."""
    try:
        return countries.to_iso3(names, file=str(path))
    except UnknownNameError as exc:
        keys = ", ".join(names[n] for n in exc.names)
        raise UnknownNameError("country", exc.names, file=f"{path} (key {keys})") from None


def _no_duplicate_members(iso: dict[str, str], names: dict[str, str], path: Path) -> None:
    seen: dict[str, str] = {}
    for name, code in iso.items():
        if code in seen:
            raise ParseError(
                str(path),
                f"keys {names[seen[code]]} and {names[name]} are the same member ({code}); "
                "expected one entry per member and year",
            )
        seen[code] = name


def read_donors(path: str | Path) -> pd.DataFrame:
    """Assessed peacekeeping contributions of one calendar year (``donors-YYYY.json``).

    One row per contributor with an ``Assessed`` amount for entity ``UN-DPO``: ``year``,
    ``member_iso3``, ``member_state`` (as printed), ``assessed_usd``, ``share_percent``
    (amount / sum over all contributors x 100) and ``key`` (the JSON key). Other financing
    instruments for ``UN-DPO`` (voluntary, "Other") are not assessments and are left out;
    ``frame.attrs["ignored"]`` counts them by instrument.

    >>> df = read_donors(FIXTURES / "budget/un_open/donors-2016.json")  # fixture: 8 largest contributors
    >>> df.sort_values("share_percent", ascending=False)["member_iso3"].head(3).tolist()
    ['USA', 'JPN', 'CHN']
    """
    path = Path(path)
    year = _year_from_name(path, "donors")
    data = _load(path)
    if not isinstance(data, dict) or not data:
        raise ParseError(
            str(path),
            f"expected a JSON object mapping contributor name -> "
            f"{{status, category, contributions}}; got {type(data).__name__}",
        )
    amounts, keys, ignored = _assessed_amounts(data, path)
    iso = _iso3_for(keys, path)
    _no_duplicate_members(iso, keys, path)
    total = sum(amounts.values())
    if total <= 0:
        raise ParseError(str(path), f"the assessed amounts for {PEACEKEEPING_ENTITY} sum to {total}; expected > 0")
    frame = pd.DataFrame(
        {
            "year": year,
            "member_iso3": [iso[n] for n in amounts],
            "member_state": list(amounts),
            "assessed_usd": list(amounts.values()),
            "share_percent": [100 * a / total for a in amounts.values()],
            "key": [keys[n] for n in amounts],
        },
        columns=list(DONOR_COLUMNS),
    )
    frame.attrs["ignored"] = dict(sorted(ignored.items()))
    return frame


def _assessed_amounts(data: dict[str, Any], path: Path) -> tuple[dict[str, float], dict[str, str], dict[str, int]]:
    """Contributor -> assessed USD for ``UN-DPO``, contributor -> its JSON key, and other instruments -> count."""
    amounts: dict[str, float] = {}
    keys: dict[str, str] = {}
    ignored: dict[str, int] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("contributions"), dict):
            raise ParseError(
                str(path),
                f"key {name!r}: expected an object with 'contributions' "
                f"(entity -> instrument -> USD), as in donors-YYYY.json; got "
                f"{sorted(entry) if isinstance(entry, dict) else type(entry).__name__}",
            )
        dpo = entry["contributions"].get(PEACEKEEPING_ENTITY)
        if dpo is None:
            continue
        if not isinstance(dpo, dict):
            raise ParseError(
                str(path),
                f"key {name!r} > contributions > {PEACEKEEPING_ENTITY}: expected an object "
                f"instrument -> USD, got {type(dpo).__name__}",
            )
        for instrument in dpo:
            if instrument != ASSESSED:
                ignored[instrument] = ignored.get(instrument, 0) + 1
        if ASSESSED in dpo:
            key = f"{name!r} > contributions > {PEACEKEEPING_ENTITY} > {ASSESSED}"
            amounts[name] = _amount(dpo[ASSESSED], path, key)
            keys[name] = repr(name)
    if not amounts:
        raise ParseError(
            str(path),
            f"no contributor has an '{ASSESSED}' amount for entity {PEACEKEEPING_ENTITY!r}; "
            "is this a donors-YYYY.json file?",
        )
    return amounts, keys, ignored


def read_regular_budget(path: str | Path) -> pd.DataFrame:
    """Regular-budget assessments of one calendar year (``regular-budget-contributors-YYYY.json``).

    One row per member: ``rate_percent`` (the scale rate the circular prints),
    ``assessed_usd`` (the circular's amount column, named in ``meta.assessment_amount_column``),
    ``share_percent`` (amount / ``meta.assessment_total`` x 100), ``payment_status`` and the
    circular's symbol. Checks: the rates of the full table sum to 100 within rounding, the
    amounts to ``meta.assessment_total`` exactly, and ``meta.year`` matches the file name.

    >>> df = read_regular_budget(FIXTURES / "budget/un_open/regular-budget-contributors-2019.json")
    >>> row = df.set_index("member_iso3").loc["CHN"]
    >>> float(row["rate_percent"]), row["source_document"]
    (12.005, 'ST/ADM/SER.B/992')
    """
    path = Path(path)
    year = _year_from_name(path, "regular-budget-contributors")
    data = _load(path)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("meta"), dict)
        or not isinstance(data.get("contributors"), list)
    ):
        got = sorted(data)[:6] if isinstance(data, dict) else type(data).__name__
        raise ParseError(
            str(path),
            f"expected an object with 'meta' (object) and 'contributors' (list), "
            f"as in regular-budget-contributors-YYYY.json; got {got}",
        )
    meta = data["meta"]
    if meta.get("year") != year:
        raise ParseError(str(path), f"key meta > year is {meta.get('year')!r} but the file name says {year}")
    symbol, url = _assessment_document(meta, path)
    rows, names = _regular_rows(data["contributors"], path)
    iso = _iso3_for(names, path)
    _no_duplicate_members(iso, names, path)
    total = _check_regular_sums(rows, meta, path)
    return pd.DataFrame(
        {
            "year": year,
            "member_iso3": [iso[r[0]] for r in rows],
            "member_state": [r[0] for r in rows],
            "rate_percent": [r[1] for r in rows],
            "assessed_usd": [r[2] for r in rows],
            "share_percent": [100 * r[2] / total for r in rows],
            "payment_status": [r[3] for r in rows],
            "source_document": symbol,
            "source_url": url,
            "key": [r[4] for r in rows],
        },
        columns=list(REGULAR_COLUMNS),
    )


def _assessment_document(meta: dict[str, Any], path: Path) -> tuple[str, str]:
    """Symbol and address of the circular the regular-budget file's amounts come from."""
    try:
        doc = meta["sources"]["assessment_document"]
        return str(doc["symbol"]), str(doc.get("url", ""))
    except (KeyError, TypeError) as exc:
        raise ParseError(str(path), "key meta > sources > assessment_document > symbol is missing") from exc


def _regular_rows(contributors: list[Any], path: Path) -> tuple[list[tuple], dict[str, str]]:
    """(name, rate, amount, payment status, key) per contributor, checked, and name -> how to find it in the file."""
    rows = []
    names: dict[str, str] = {}
    for i, c in enumerate(contributors):
        key = f"contributors[{i}]"
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise ParseError(
                str(path),
                f"key {key}: expected an object with 'name', 'assessment_rate', 'assessment_amount'; got {c!r}"[:300],
            )
        for field in ("assessment_rate", "assessment_amount"):
            if field not in c:
                raise ParseError(str(path), f"key {key} ({c['name']!r}): missing {field!r}")
        rate = c["assessment_rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 100:
            raise ParseError(
                str(path), f"key {key} ({c['name']!r}) > assessment_rate: {rate!r} is not a rate in (0, 100]"
            )
        amount = _amount(c["assessment_amount"], path, f"{key} ({c['name']!r}) > assessment_amount")
        names[c["name"]] = f"{key} ({c['name']!r})"
        rows.append((c["name"], float(rate), amount, c.get("payment_status"), key))
    if not rows:
        raise ParseError(str(path), "key contributors is empty")
    if len(names) != len(rows):
        dup = sorted({r[0] for r in rows if sum(1 for s in rows if s[0] == r[0]) > 1})
        raise ParseError(str(path), f"member(s) listed twice in contributors: {dup}")
    return rows, names


def _check_regular_sums(rows: list[tuple], meta: dict[str, Any], path: Path) -> float:
    """The rates sum to 100 within rounding and the amounts to ``meta.assessment_total``, which is returned."""
    rate_sum = sum(r[1] for r in rows)
    tolerance = len(rows) * 0.0005  # the circulars print 3 decimals
    if abs(rate_sum - 100) > tolerance:
        raise ParseError(
            str(path),
            f"assessment rates sum to {rate_sum:.6f}; a full scale sums to 100 (within rounding, +/- {tolerance:.4f})",
        )
    total = meta.get("assessment_total")
    amount_sum = sum(r[2] for r in rows)
    if not isinstance(total, (int, float)) or abs(amount_sum - total) > 0.5:
        raise ParseError(
            str(path), f"assessment amounts sum to {amount_sum:,.0f}, key meta > assessment_total is {total!r}"
        )
    return total


def _fiscal_year(value: Any, path: Path) -> tuple[str, int]:
    m = _FISCAL.match(value) if isinstance(value, str) else None
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ParseError(
            str(path),
            f"key meta > fiscalYear: expected a July-June fiscal year 'YYYY/YY' (e.g. '2022/23'), got {value!r}",
        )
    return value, int(m.group(1))


def read_pko_budget(path: str | Path) -> pd.DataFrame:
    """Peacekeeping money per mission for one July-June fiscal year (``budget[-audited]-pko-YYYY.json``).

    One row per mission node and one for the whole (``mission == "TOTAL"``, ``level ==
    "total"``). ``basis`` is ``"expenditure"`` (performance reports, ``budget-pko``) or
    ``"audited_expenditure"`` (``budget-audited-pko``); ``scope`` is the file's scope label
    and warning (the support account is outside both). Checks: ``meta.currency`` is USD,
    mission amounts are >= 0 and add up to the total exactly.

    >>> df = read_pko_budget(FIXTURES / "budget/un_open/budget-audited-pko-2019.json")
    >>> row = df.set_index("mission").loc["MINUSMA"]
    >>> row["fiscal_year"], int(row["usd"]), row["basis"]
    ('2018/19', 1105667000, 'audited_expenditure')
    """
    path = Path(path)
    data = _load(path)
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict) or not isinstance(data.get("nodes"), list):
        got = sorted(data)[:6] if isinstance(data, dict) else type(data).__name__
        raise ParseError(
            str(path),
            f"expected an object with 'meta' (object) and 'nodes' (list), as in budget-pko-YYYY.json; got {got}",
        )
    meta = data["meta"]
    fiscal, start = _fiscal_year(meta.get("fiscalYear"), path)
    if meta.get("currency") != "USD":
        raise ParseError(str(path), f"key meta > currency is {meta.get('currency')!r}; expected 'USD'")
    audited = meta.get("sourceKind") == "audited" or Path(path).name.startswith("budget-audited-")
    basis = "audited_expenditure" if audited else "expenditure"
    scope = " ".join(str(meta.get(k, "")).strip() for k in ("scopeLabel", "scopeWarning")).strip()
    release = meta.get("source") if isinstance(meta.get("source"), dict) else {}
    names = meta.get("missionNames") if isinstance(meta.get("missionNames"), dict) else {}
    rows, whole = _budget_rows(data["nodes"], release, names, path)
    _check_missions(rows, whole, path)
    return pd.DataFrame(
        [(fiscal, start, *r[:4], basis, r[4], scope, *r[5:]) for r in rows], columns=list(BUDGET_COLUMNS)
    )


def _budget_rows(
    nodes: list[Any], release: dict[str, Any], names: dict[str, Any], path: Path
) -> tuple[list[tuple], float | None]:
    """One row per ``whole`` or ``mission`` node (cost classes below a mission are skipped) and the whole's amount."""
    rows = []
    whole = None
    for i, node in enumerate(nodes):
        key = f"nodes[{i}]"
        if not isinstance(node, dict) or "tier" not in node or "amount" not in node:
            raise ParseError(str(path), f"key {key}: expected an object with 'tier' and 'amount'")
        if node["tier"] not in ("whole", "mission"):
            continue  # cost classes and items below a mission
        amount = _amount(node["amount"], path, f"{key} > amount")
        if node["tier"] == "whole":
            if whole is not None:
                raise ParseError(str(path), f"key {key}: a second 'whole' node; expected one total")
            whole = amount
            label = str(node.get("label", ""))
            url = str(release.get("url", ""))
            rows.append(("TOTAL", label, "total", amount, node.get("basis"), "sum of the mission rows", url, "", key))
        else:
            rows.append(_mission_row(node, key, amount, release, names, path))
    return rows, whole


def _mission_row(
    node: dict[str, Any], key: str, amount: float, release: dict[str, Any], names: dict[str, Any], path: Path
) -> tuple:
    """A mission node's row: its code and name, amount, basis, and the document it comes from."""
    src = node.get("source") if isinstance(node.get("source"), dict) else {}
    code = node.get("code") or node.get("mission")
    if not isinstance(code, str) or not code:
        raise ParseError(str(path), f"key {key}: mission node without a 'code'")
    symbol = str(src.get("symbol") or release.get("release") or "")
    url = str(src.get("url") or release.get("url") or "")
    name = str(names.get(code, node.get("label", code)))
    return (code, name, "mission", amount, node.get("basis"), symbol, url, str(src.get("rowLabel", "")), key)


def _check_missions(rows: list[tuple], whole: float | None, path: Path) -> None:
    """One total, at least one mission, each mission once, and the missions add up to the total."""
    if whole is None:
        raise ParseError(str(path), "no node with tier 'whole' (the total)")
    missions = [r for r in rows if r[2] == "mission"]
    if not missions:
        raise ParseError(str(path), "no node with tier 'mission'")
    codes = [r[0] for r in missions]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise ParseError(str(path), f"mission(s) listed twice: {dup}")
    mission_sum = sum(r[3] for r in missions)
    if abs(mission_sum - whole) > 0.5:
        raise ParseError(str(path), f"mission amounts sum to {mission_sum:,.0f} but the 'whole' node is {whole:,.0f}")

"""Reader for the Peace and Security Data Hub's ``DPO-PKBUDGET``: peacekeeping budgets by mission and budget
class since 2010/11 (approved budget = apportionment, expenditure, variance), each row with its document symbol.

The columns are the hub catalogue's (``metadata/all``): :data:`COLUMNS`; a file lacking one is refused naming
it. Amounts are in thousands of US dollars upstream and in dollars here. The output is long: one row per
mission, fiscal year (``"2022/23"``: the budget year runs 1 July - 30 June), budget class and basis
(``approved`` from ``Apportionment``, ``expenditure`` from ``Expenditure``), with the document symbol; an empty
amount gives no row. Where both amounts and ``Variance`` are printed, variance = apportionment - expenditure must
hold to the upstream rounding (0.1 thousand), else the row is refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pkdata.builder.readers import psdata_hub
from pkdata.core.errors import ParseError

#: The hub catalogue's columns of DPO-PKBUDGET (folded to lower case, as :func:`un_csv._read` gives them).
COLUMNS: tuple[str, ...] = (
    "apportionment",
    "budget_class",
    "budget_subclass",
    "document_symbol",
    "end_date",
    "expenditure",
    "mission_acronym",
    "start_date",
    "variance",
)
#: Upstream column -> basis.
BASES: dict[str, str] = {"apportionment": "approved", "expenditure": "expenditure"}
_TOLERANCE_THOUSANDS = 0.15


def _amount(raw: pd.DataFrame, col: str, file: str) -> pd.Series:
    values = raw[col].str.replace(",", "", regex=False).str.strip()
    num = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & num.isna()
    if bad.any():
        raise ParseError(file, f"{col} is not a number: {values[bad].iloc[0]!r}", row=int(bad.to_numpy().argmax()) + 2)
    return num


def _fiscal_year(raw: pd.DataFrame, file: str) -> pd.Series:
    start = pd.to_datetime(raw["start_date"].str.strip(), errors="coerce")
    end = pd.to_datetime(raw["end_date"].str.strip(), errors="coerce")
    bad = start.isna() | end.isna() | (start.dt.month != 7) | (end.dt.year != start.dt.year + 1)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ParseError(
            file,
            f"Start_date/End_date {raw['start_date'].iloc[i]!r}/{raw['end_date'].iloc[i]!r} is not a 1 July - 30 June "
            "budget year",
            row=i + 2,
        )
    return start.dt.year.astype(str) + "/" + (end.dt.year % 100).astype(str).str.zfill(2)


def read(path: str | Path) -> pd.DataFrame:
    """``DPO-PKBUDGET.csv`` as long rows: fiscal_year, mission, budget_class, budget_subclass, basis, usd,
    document_symbol, source.

    >>> df = read(FIXTURES / "psdata/DPO-PKBUDGET.csv")
    >>> row = df[(df["mission"] == "UNFICYP") & (df["basis"] == "approved")].iloc[0]
    >>> row["fiscal_year"], float(row["usd"]), row["document_symbol"]
    ('2021/22', 57567300.0, 'A/RES/75/299')
    """
    file = Path(path).name
    raw = psdata_hub.read_hub_csv(path, COLUMNS, "DPO-PKBUDGET")
    amounts = {c: _amount(raw, c, file) for c in ("apportionment", "expenditure", "variance")}
    gap = (amounts["apportionment"] - amounts["expenditure"] - amounts["variance"]).abs()
    if (gap > _TOLERANCE_THOUSANDS).any():
        i = int((gap > _TOLERANCE_THOUSANDS).to_numpy().argmax())
        raise ParseError(file, "Variance differs from Apportionment - Expenditure", row=i + 2)
    base = pd.DataFrame(
        {
            "fiscal_year": _fiscal_year(raw, file),
            "mission": raw["mission_acronym"].str.strip(),
            "budget_class": raw["budget_class"].fillna("").str.strip(),
            "budget_subclass": raw["budget_subclass"].fillna("").str.strip(),
            "document_symbol": raw["document_symbol"].fillna("").str.strip(),
        }
    )
    parts = [base.assign(basis=basis, usd=(amounts[col] * 1000).round(0)) for col, basis in BASES.items()]
    out = pd.concat(parts, ignore_index=True).dropna(subset=["usd"])
    out["source"] = file
    cols = ["fiscal_year", "mission", "budget_class", "budget_subclass", "basis", "usd", "document_symbol", "source"]
    return (
        out[cols]
        .sort_values(["fiscal_year", "mission", "basis", "budget_class"], kind="mergesort")
        .reset_index(drop=True)
    )


def mission_totals(budget: pd.DataFrame) -> pd.DataFrame:
    """One row per fiscal year, mission and basis: the sum over budget classes (what pkdata's budgets table holds).

    >>> t = mission_totals(read(FIXTURES / "psdata/DPO-PKBUDGET.csv"))
    >>> t[t["basis"] == "expenditure"].set_index("mission")["usd"].to_dict()
    {'UNFICYP': 53027300.0, 'UNIFIL': 502919100.0, 'UNMIK': 40665900.0}
    """
    return budget.groupby(["fiscal_year", "mission", "basis"], as_index=False, sort=True)["usd"].sum()

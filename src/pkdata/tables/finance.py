"""Who pays: peacekeeping and regular-budget assessments, mission budgets, and who pays vs who serves.

Two processed tables, written by the build step :func:`pkdata.builder.steps.funding.step_finance`:

``assessments``
    One row per kind (``peacekeeping`` or ``regular``) x calendar year x member x source, with
    ``share_percent`` and its ``basis``:

    * ``assessed_usd``: exact. The member's assessed amount in USD over the sum of all
      members' (peacekeeping: ``donors-YYYY.json``, entity ``UN-DPO``, CEB financial
      statistics; regular budget: ``regular-budget-contributors-YYYY.json``, the ST/ADM/SER.B
      circular's amounts). These are *calendar-year* amounts; a calendar year straddles two
      July-June peacekeeping fiscal years and, in the first year of a scale period, two scales.
    * ``scale_rate``: exact. The adopted rate (regular budget: the Committee on Contributions
      workbook, 3 decimals, every period 2010-2027; peacekeeping: a user-supplied General
      Assembly effective-rates table, see :func:`pkdata.builder.readers.assessments.read_ga_effective_rates`).
    * ``scale_rate_rounded``: a rate compiled from secondary documents with the precision they
      printed (``precision``: ``2dp``, ``integer``, ``1dp_truncated``, ...), from partial tables.

    Ranks are precision-aware: ``rank_min`` / ``rank_max`` bound the rank given the precision of
    every value and, for partial tables, the share the table leaves to members it does not list;
    ``rank`` is set only where the two agree (``rank_certain``). The *preferred* rows of a
    kind-year (``preferred``) come from the best basis that year has: ``scale_rate``, then
    ``assessed_usd``, then ``scale_rate_rounded``; several rounded sources for the same
    member-year are reduced to one (``chosen``: printed for that year rather than for the
    whole period, then the most decimals).

``budgets``
    One row per July-June fiscal year x mission (or ``TOTAL``) x basis x source: ``approved``
    (headline figures compiled from press releases, rounded as printed), ``expenditure``
    (performance reports) and ``audited_expenditure``. Fiscal years are strings ``'2022/23'``;
    they are never joined to calendar years.

>>> import pkdata
>>> int(pkdata.funding_rank(2017).set_index("member_iso3").loc["CHN", "rank"])
2
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata.core import countries, store
from pkdata.core.errors import PkdataError
from pkdata.core.funding import (  # noqa: F401 - the finance vocabulary, also public here
    ALL_BASES,
    ASSESSMENT_COLUMNS,
    BASES,
    BUDGET_TABLE_COLUMNS,
    KINDS,
    MEASURE_COLUMNS,
    MEASURES,
    rank_bounds,
)

Kind = Literal["peacekeeping", "regular"]
Measure = Literal["scale", "billed"]

# --------------------------------------------------------------------------- loaders and queries


def _calendar_year(year: Any) -> int:
    if isinstance(year, str) and re.fullmatch(r"\d{4}/\d{2}", year.strip()):
        raise PkdataError(
            f"{year!r} is a July-June fiscal year; assessments and burden are by calendar year "
            f"(pass {year[:4]} or {int(year[:4]) + 1}); budgets are by fiscal year: "
            f"pkdata.budgets({year!r})"
        )
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise PkdataError(f"{year!r} is not a calendar year; pass e.g. 2019") from None
    if isinstance(year, float) and year != value:
        raise PkdataError(f"{year!r} is not a calendar year; pass e.g. 2019")
    return value


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise PkdataError(f"kind={kind!r}: expected 'peacekeeping' or 'regular'")
    return kind


_PUBLIC = [
    "year",
    "member_iso3",
    "member",
    "share_percent",
    "rank",
    "rank_min",
    "rank_max",
    "rank_certain",
    "basis",
    "precision",
    "coverage",
    "assessed_usd",
    "rate_printed",
    "share_low",
    "share_high",
    "period_start",
    "period_end",
    "year_stated",
    "rank_note",
    "source",
    "source_document",
    "source_url",
    "note",
]


def assessments(
    kind: Kind = "peacekeeping",
    *,
    measure: Measure | None = None,
    basis: str | None = None,
    all_rows: bool = False,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Year x member shares of the peacekeeping or regular-budget assessments, with rank, basis and measure.

    Two measures (column ``measure`` on every row):

    * ``measure="scale"``: the rate each member was assessed for the period. The GA's exact table
      where present (``scale_rate``), else a secondary rate printed for that year
      (``scale_rate_rounded``), else the bounds derived from the regular-budget scale by the
      levels of the peacekeeping scale (``scale_rate_derived``: ``share_low``..``share_high``,
      ``share_percent`` missing where only bounds are known). One row per year and member; ranks
      are precision-aware and computed over that mix.
    * ``measure="billed"``: calendar-year assessed USD over all members' (``assessed_usd``). In the
      first year of a scale period this still contains amounts billed at the old rates.

    Without ``measure``: one row per year and member from the best basis that year has
    (``scale_rate``, then ``assessed_usd``, then ``scale_rate_rounded``; see the module docstring).
    ``basis=`` picks one basis instead; ``all_rows=True`` returns every row of every source
    (including less precise duplicates, ``chosen`` False). Years are calendar years. ``rank`` is
    missing where the precision of the figures or a partial table leaves it open: see
    ``rank_min``, ``rank_max`` and ``rank_note``.

    >>> df = assessments("regular")
    >>> china = df[(df.year == 2025) & (df.member_iso3 == "CHN")].iloc[0]
    >>> float(china["share_percent"]), int(china["rank"]), china["basis"]
    (20.004, 2, 'scale_rate')
    >>> scale = assessments("peacekeeping", measure="scale").set_index(["year", "member_iso3"])
    >>> int(scale.loc[(2016, "CHN"), "rank"]), float(scale.loc[(2016, "CHN"), "share_percent"])
    (2, 10.29)
    """
    df = store.table("assessments", data_dir)
    df = df[df["kind"] == _kind(kind)]
    if all_rows:
        return df.reset_index(drop=True)
    if basis is not None and basis not in ALL_BASES:
        raise PkdataError(f"basis={basis!r}: expected one of {list(ALL_BASES)}")
    if measure is not None:
        if measure not in ("scale", "billed"):
            raise PkdataError(
                f"measure={measure!r}: expected 'scale' (the rate set for the period) or 'billed' "
                "(calendar-year assessed USD)"
            )
        if basis is not None and MEASURES[basis] != measure:
            raise PkdataError(f"basis={basis!r} belongs to measure {MEASURES[basis]!r}, not {measure!r}")
        df = df[(df["measure"] == measure) & df["measure_pick"]]
        if basis is not None:
            df = df[df["basis"] == basis]
        df = df.assign(
            rank=df["measure_rank"],
            rank_min=df["measure_rank_min"],
            rank_max=df["measure_rank_max"],
            rank_note=df["measure_rank_note"],
            rank_certain=df["measure_rank"].notna(),
        )
    elif basis is not None:
        df = df[(df["basis"] == basis) & df["chosen"]]
    else:
        df = df[df["preferred"]]
    df = df.sort_values(
        ["year", "share_percent", "share_high", "member_iso3"], ascending=[True, False, False, True], kind="mergesort"
    )
    return df.loc[:, [*_PUBLIC, "measure"]].reset_index(drop=True)


def funding_rank(
    year: int,
    kind: Kind = "peacekeeping",
    *,
    measure: Measure | None = "scale",
    basis: str | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Members ranked by their share of the assessments in one calendar year, by default on the scale.

    ``measure="scale"`` (default): the rate set for the period; ``"billed"``: calendar-year assessed
    USD; ``None``: the preferred basis as in :func:`assessments`; a ``basis`` ranks that basis alone. ``rank`` is set
    where it is certain; otherwise ``rank_min``..``rank_max`` and ``rank_note`` say what the
    precision of the source allows. Rows are in rank order (the best possible rank where it is
    not certain); ``share_known`` is False where only bounds (``share_low``..``share_high``) are known.

    >>> funding_rank(2024)["member_iso3"].iloc[0]
    'USA'
    >>> top = funding_rank(2016).head(3)
    >>> [(r.member_iso3, int(r.rank)) for r in top.itertuples()]
    [('USA', 1), ('CHN', 2), ('JPN', 3)]
    >>> int(funding_rank(2016, measure="billed").set_index("member_iso3").loc["CHN", "rank"])
    3
    """
    y = _calendar_year(year)
    if basis is not None:  # a basis keeps its meaning: that basis's own rows and ranks
        measure = None
    df = assessments(kind, measure=measure, basis=basis, data_dir=data_dir)
    out = df[df["year"] == y]
    if out.empty:
        have = sorted(int(v) for v in df["year"].dropna().unique())
        raise PkdataError(
            f"no {kind} assessment figures for {y}"
            + (f" on measure {measure!r}" if measure else "")
            + (f" on basis {basis!r}" if basis else "")
            + f"; years with figures: {have}"
        )
    # by rank: a certain rank, else the best rank the bounds allow (ties by the highest possible share)
    out = out.assign(
        share_known=out["share_percent"].notna(),
        _by=out["rank"].astype("Float64").fillna(out["rank_min"].astype("Float64")),
        _hi=out["share_high"].fillna(out["share_percent"]),
    )
    out = out.sort_values(["_by", "_hi", "member_iso3"], ascending=[True, False, True], kind="mergesort")
    return out.drop(columns=["_by", "_hi"]).reset_index(drop=True)


def rank_history(
    iso3: str = "CHN", kind: Kind = "peacekeeping", *, basis: str | None = None, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """One member's share and rank for every year any source of that kind covers (first to last year).

    Years no source gives a figure for the member are rows with ``basis`` missing and a
    ``rank_note`` saying so, rather than being left out.

    >>> int(rank_history("CHN").set_index("year").loc[2017, "rank"])
    2
    """
    iso3 = iso3.upper()
    every = store.table("assessments", data_dir)
    every = every[every["kind"] == _kind(kind)]
    first = int(every[["period_start", "year"]].min().min())
    last = int(every[["period_end", "year"]].max().max())
    df = assessments(kind, basis=basis, data_dir=data_dir)
    mine = df[df["member_iso3"] == iso3].set_index("year")
    rows = []
    for year in range(first, last + 1):
        if year in mine.index:
            rows.append(mine.loc[year].to_dict() | {"year": year})
        else:
            listed = df[df["year"] == year]
            why = (
                f"no source gives a figure for {iso3} in {year}"
                if listed.empty
                else f"the {year} source ({', '.join(sorted(set(listed['source'])))}) lists "
                f"{len(listed)} members, not {iso3}"
            )
            rows.append({"year": year, "member_iso3": iso3, "member": countries.display_name(iso3), "rank_note": why})
    out = pd.DataFrame(rows).reindex(columns=_PUBLIC)
    out["year"] = out["year"].astype("int64")
    return out


def compare_sources(kind: Kind = "regular", *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every member-year where an exact figure and a rounded one overlap, side by side.

    Columns: ``year``, ``member_iso3``, ``exact`` (share), ``exact_basis``, ``rounded``
    (the printed rate), ``precision``, ``low``/``high`` (the interval the precision allows),
    ``diff`` (rounded - exact), ``within_precision`` and the rounded row's source. For the
    regular budget both are scale rates; for peacekeeping the exact figure is the calendar-year
    share of assessed USD, a different measure from the scale rate (see docs/finance.md).

    >>> bool(compare_sources("regular")["within_precision"].mean() > 0.9)
    True
    """
    df = store.table("assessments", data_dir)
    df = df[df["kind"] == _kind(kind)]
    exact_basis = "scale_rate" if kind == "regular" else "assessed_usd"
    exact = df[(df["basis"] == exact_basis) & df["chosen"]]
    if kind == "peacekeeping":  # a user-supplied GA table, where present, is the better exact figure
        ga = df[(df["basis"] == "scale_rate") & df["chosen"]]
        exact = pd.concat([ga, exact[~exact["year"].isin(ga["year"])]])
    rounded = df[df["basis"] == "scale_rate_rounded"]
    m = rounded.merge(
        exact[["year", "member_iso3", "share_percent", "basis"]], on=["year", "member_iso3"], suffixes=("", "_exact")
    )
    out = pd.DataFrame(
        {
            "year": m["year"].astype("int64"),
            "member_iso3": m["member_iso3"],
            "exact": m["share_percent_exact"],
            "exact_basis": m["basis_exact"],
            "rounded": m["share_percent"],
            "precision": m["precision"],
            "low": m["share_low"],
            "high": m["share_high"],
            "diff": m["share_percent"] - m["share_percent_exact"],
            "within_precision": (m["share_percent_exact"] >= m["share_low"] - 1e-9)
            & ((m["share_percent_exact"] < m["share_high"] - 1e-9) | (m["share_low"] == m["share_high"])),
            "year_stated": m["year_stated"],
            "source_document": m["source_document"],
            "source": m["source"],
        }
    )
    return out.sort_values(["year", "member_iso3", "source_document"], kind="mergesort").reset_index(drop=True)


#: The basis :func:`budgets` returns when none is asked for and the selection holds several, first found first.
BUDGET_BASIS_ORDER: tuple[str, ...] = ("approved", "expenditure", "audited_expenditure")


def budgets(
    fiscal_year: str | None = None,
    *,
    basis: str | list[str] | None = None,
    mission: str | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Peacekeeping money per July-June fiscal year: mission or ``TOTAL``, USD, basis and source document.

    One row per fiscal year, mission and basis, so a basis's rows can be summed. ``basis`` is
    ``approved`` (as adopted; rounded as printed: see ``precision`` and ``rounding_usd``),
    ``expenditure`` (performance reports) or ``audited_expenditure``; a list asks for several,
    ``"all"`` for every one. Without ``basis`` the answer holds one: ``approved`` where the
    selection has it, else the first of expenditure, audited expenditure (named in
    ``frame.attrs["basis"]``). Totals of different bases have different scopes (``scope``).
    ``fiscal_year`` is ``'2022/23'`` (1 July 2022 - 30 June 2023); a bare calendar year is
    refused rather than guessed.

    >>> int(budgets("2022/23", basis="expenditure").set_index("mission").loc["MINUSMA", "usd"])
    1192292200
    >>> b = budgets("2022/23")
    >>> b.attrs["basis"], b["basis"].nunique(), b["mission"].is_unique
    ('approved', 1, True)
    """
    df = store.table("budgets", data_dir)
    if fiscal_year is not None:
        if not isinstance(fiscal_year, str) or not re.fullmatch(r"\d{4}/\d{2}", fiscal_year):
            raise PkdataError(
                f"fiscal_year={fiscal_year!r}: budgets are by July-June fiscal year; pass e.g. "
                "'2019/20' (1 July 2019 - 30 June 2020). A calendar year would mix two fiscal years."
            )
        df = df[df["fiscal_year"] == fiscal_year]
    if mission is not None:
        df = df[df["mission"].str.upper() == mission.upper()]
    known = sorted(set(store.table("budgets", data_dir)["basis"]))
    if basis is None:
        present = set(df["basis"])
        chosen = [next((b for b in BUDGET_BASIS_ORDER if b in present), BUDGET_BASIS_ORDER[0])]
    else:
        chosen = known if basis == "all" else [basis] if isinstance(basis, str) else list(basis)
        unknown = [b for b in chosen if b not in known]
        if unknown:
            raise PkdataError(f"basis={basis!r}: expected one of {known}, a list of them or 'all'")
    df = df[df["basis"].isin(chosen)]
    if df.empty:
        raise PkdataError(f"no budget rows for fiscal_year={fiscal_year!r}, basis={basis!r}, mission={mission!r}")
    out = df.reset_index(drop=True)
    out.attrs["basis"] = chosen[0] if len(chosen) == 1 else list(chosen)
    return out


def budget_coverage(*, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Fiscal years x basis: how many missions the ``budgets`` table has, and whether it has a whole-year total.

    One row per fiscal year; per basis the number of missions (support accounts and service
    centres included) and ``total`` where a document states the year's total. ``coverage_markdown``
    renders it for the README.

    >>> c = budget_coverage().set_index("fiscal_year")
    >>> int(c.loc["2011/12", "approved"]), bool(c.loc["2011/12", "approved_total"])
    (12, True)
    """
    df = store.table("budgets", data_dir)
    missions = df[df["level"] == "mission"].groupby(["fiscal_year", "basis"]).size().unstack(fill_value=0)
    totals = df[df["level"] == "total"].groupby(["fiscal_year", "basis"]).size().unstack(fill_value=0) > 0
    out = pd.DataFrame(index=sorted(set(df["fiscal_year"])))
    for basis in BUDGET_BASIS_ORDER:
        out[basis] = missions.get(basis, pd.Series(dtype="int64")).reindex(out.index, fill_value=0).astype("int64")
        out[f"{basis}_total"] = totals.get(basis, pd.Series(dtype=bool)).reindex(out.index, fill_value=False)
    out.index.name = "fiscal_year"
    return out.reset_index()


def coverage_markdown(*, data_dir: str | Path | None = None) -> str:
    """:func:`budget_coverage` as a Markdown table: missions per basis, ``+ total`` where a total is stated.

    >>> coverage_markdown().splitlines()[0]
    '| fiscal year | approved | expenditure | audited expenditure |'
    """
    c = budget_coverage(data_dir=data_dir)
    lines = [
        "| fiscal year | " + " | ".join(b.replace("_", " ") for b in BUDGET_BASIS_ORDER) + " |",
        "|---|" + "---:|" * len(BUDGET_BASIS_ORDER),
    ]
    for r in c.to_dict("records"):
        cells = []
        for b in BUDGET_BASIS_ORDER:
            n, total = int(r[b]), bool(r[f"{b}_total"])
            cells.append(
                " + ".join([*([f"{n} mission{'s' if n != 1 else ''}"] if n else []), *(["total"] if total else [])])
                or "-"
            )
        lines.append(f"| {r['fiscal_year']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def burden(year: int, *, measure: Measure | None = None, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Who pays and who serves in one calendar year: funding share next to uniformed-personnel share.

    ``funding_share``: the member's share of assessed peacekeeping funding that year on
    ``measure`` (``"billed"``: the calendar year's assessed USD; ``"scale"``: the rate of the
    scale; ``None``: the preferred basis of :func:`funding_rank`, billed where the UN's amounts
    exist), named per row in ``funding_measure`` and ``funding_basis`` and in
    ``frame.attrs["funding_measure"]``. The two differ (China 2019: 12.7% billed, 15.22% on the
    scale): never compare one with the other. ``personnel_share``:
    the mean over the year's monthly reports of the member's uniformed personnel / all
    contributors' (a member missing from a report counts 0 that month); ``personnel_mean``:
    its mean monthly headcount. ``ratio`` = personnel share / funding share. The months used
    are in ``frame.attrs["months"]``.

    >>> b = burden(2019)
    >>> b.attrs["months"][0], int(b.set_index("member_iso3").loc["CHN", "funding_rank"]), b.attrs["funding_measure"]
    ('2019-01', 2, 'billed')
    >>> round(float(burden(2019, measure="scale").set_index("member_iso3").loc["CHN", "funding_share"]), 2)
    15.22
    """
    y = _calendar_year(year)
    contributions = store.table("contributions", data_dir)
    rows = contributions[contributions["date"].dt.year == y]
    if rows.empty:
        have = sorted(int(v) for v in contributions["date"].dt.year.unique())
        raise PkdataError(f"no monthly personnel reports for {y} in the contributions table; years: {have}")
    monthly = rows.groupby(["date", "contributor_iso3"], observed=True)["total"].sum().astype("float64")
    counts = monthly.unstack("contributor_iso3", fill_value=0.0)
    shares = counts.div(counts.sum(axis=1), axis=0) * 100
    months = [d.strftime("%Y-%m") for d in counts.index]
    personnel = pd.DataFrame({"personnel_share": shares.mean(axis=0), "personnel_mean": counts.mean(axis=0)})
    fund = funding_rank(y, measure=measure, data_dir=data_dir).set_index("member_iso3")
    keep = ["share_percent", "rank", "rank_min", "rank_max", "rank_certain", "measure", "basis", "precision", "source"]
    out = (
        fund[keep]
        .rename(
            columns={
                "share_percent": "funding_share",
                "rank": "funding_rank",
                "rank_min": "funding_rank_min",
                "rank_max": "funding_rank_max",
                "rank_certain": "funding_rank_certain",
                "measure": "funding_measure",
                "basis": "funding_basis",
                "precision": "funding_precision",
                "source": "funding_source",
            }
        )
        .join(personnel, how="outer")
    )
    out.index.name = "member_iso3"
    out[["personnel_share", "personnel_mean"]] = out[["personnel_share", "personnel_mean"]].fillna(0.0)
    served = out["personnel_share"] > 0
    out["personnel_rank"] = out["personnel_share"].where(served).rank(method="min", ascending=False).astype("Int64")
    out["ratio"] = (out["personnel_share"] / out["funding_share"]).where(out["funding_share"] > 0)
    out = out.reset_index()
    out.insert(1, "member", out["member_iso3"].map(countries.display_name))
    out = out.sort_values(
        ["funding_share", "personnel_share", "member_iso3"],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    cols = [
        "member_iso3",
        "member",
        "funding_share",
        "funding_rank",
        "funding_rank_min",
        "funding_rank_max",
        "funding_rank_certain",
        "personnel_share",
        "personnel_rank",
        "personnel_mean",
        "ratio",
        "funding_measure",
        "funding_basis",
        "funding_precision",
        "funding_source",
    ]
    out = out.loc[:, cols]
    bases = sorted(set(fund["basis"]))
    out.attrs.update(
        {
            "year": y,
            "months": months,
            "funding_basis": bases[0] if len(bases) == 1 else ", ".join(bases),
            "funding_measure": ", ".join(sorted(set(fund["measure"].dropna()))),
            "funding_sources": sorted(set(fund["source"])),
            "note": (
                f"funding: share of {y} assessed peacekeeping funding (calendar year; basis "
                f"{', '.join(bases)}); personnel: mean of {len(months)} monthly reports ({', '.join(months)})"
            ),
        }
    )
    return out


def _rank_text(rank: Any, low: Any, high: Any) -> str:
    if pd.notna(rank):
        return str(int(rank))
    if pd.isna(low):
        return "-"
    return f"{int(low)}-{int(high)}" if pd.notna(high) else f">={int(low)}"


def burden_report(year: int, *, measure: Measure | None = None, data_dir: str | Path | None = None) -> str:
    """Text for ``pkdata burden YEAR``: the P5 and the ten largest personnel contributors, pays vs serves.

    >>> print(burden_report(2019).splitlines()[0])
    Who pays and who serves, 2019
    """
    b = burden(year, measure=measure, data_dir=data_dir)
    months = b.attrs["months"]
    y = b.attrs["year"]
    missing = [m for m in (f"{y}-{i:02d}" for i in range(1, 13)) if m not in months]
    lines = [
        f"Who pays and who serves, {y}",
        f"  pays:   share of assessed peacekeeping funding in calendar year {y}, measure "
        f"{b.attrs['funding_measure']} (basis {b.attrs['funding_basis']}; "
        f"{', '.join(b.attrs['funding_sources'])})"
        + (
            "; calendar-year amounts straddle two July-June fiscal years"
            if "assessed_usd" in b.attrs["funding_basis"]
            else "; the scale rate of that calendar year"
        ),
        f"  serves: mean monthly share of uniformed personnel over {len(months)} monthly report(s): "
        + (
            f"{months[0]} .. {months[-1]}"
            if not missing
            else ", ".join(months) + f" (no report for {', '.join(missing)})"
        ),
    ]
    table = b.set_index("member_iso3")
    p5 = sorted(countries.P5, key=lambda c: -table["funding_share"].get(c, 0.0) if c in table.index else 0.0)
    groups = [
        ("Permanent members of the Security Council", p5),
        (
            "Ten largest contributors of uniformed personnel",
            b.dropna(subset=["personnel_rank"])
            .sort_values(["personnel_rank", "member_iso3"])["member_iso3"]
            .head(10)
            .tolist(),
        ),
    ]
    for title, members in groups:
        lines += [
            "",
            title,
            f"  {'member':<28}{'pays %':>8}{'rank':>8}{'serves %':>10}{'rank':>6}{'personnel':>11}{'serves/pays':>13}",
        ]
        for iso3 in members:
            if iso3 in table.index:
                r = table.loc[iso3]
                share = r["funding_share"]
                pays = "-" if pd.isna(share) else f"{share:.3f}" if share >= 0.01 else f"{share:.4f}"
                ratio = (
                    "-" if pd.isna(r["ratio"]) else f"{r['ratio']:,.0f}" if r["ratio"] >= 100 else f"{r['ratio']:.2f}"
                )
                rank = _rank_text(r["funding_rank"], r["funding_rank_min"], r["funding_rank_max"])
                prank = str(int(r["personnel_rank"])) if pd.notna(r["personnel_rank"]) else "-"
                lines.append(
                    f"  {countries.display_name(iso3):<28}{pays:>8}{rank:>8}{r['personnel_share']:>10.3f}"
                    f"{prank:>6}{r['personnel_mean']:>11,.0f}{ratio:>13}"
                )
            else:
                lines.append(f"  {countries.display_name(iso3):<28}{'-':>8}{'-':>8}{0:>10.3f}{'-':>6}{0:>11}{'-':>13}")
    return "\n".join(lines)

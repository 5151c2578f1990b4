"""Reader for the International Peace Institute (IPI) Peacekeeping Database files.

IPI compiled the UN's monthly contributor reports into CSV files (Providing for Peacekeeping
project, Perry & Smith 2013). pkdata reads five of their shapes; ``SOURCES.md`` in the shared
reference folder says where each copy comes from.

=================================  =========================================================
file                               canonical rows
=================================  =========================================================
``countries/<Country>.csv``        contributor x type, no mission, no gender (Nov 1990 ..)
``Gender.Full.csv``                contributor x mission x type x gender (Nov 2009 .. Feb 2014)
``full_gender_data.csv``           the same shape, later copy (Nov 2009 .. Aug 2014)
``current_month.csv``              contributor x mission x type, no gender (one month)
``Data.Mission.csv`` / ``data_mission.csv``, ``Data.Monthly.csv`` / ``data_monthly.csv``
                                   mission or world totals only: *not* canonical rows; read by
                                   :func:`read_mission_totals` / :func:`read_world_totals`
                                   for cross-checks
=================================  =========================================================

Known defects, and what the readers do about them (each is counted in ``frame.attrs["cleaning"]``):

- **Police is not split** in ``countries/*.csv``: one "Police" column holds individual police and
  formed police units together. pkdata has no canonical type for unsplit police, so these counts
  go to :data:`UNSPLIT_POLICE_TYPE` (``individual_police``) and every month they fill is flagged
  with :data:`UNSPLIT_POLICE_NOTE` in the manifest. Before formed police units existed (the first
  deployed in 1999) this is exact; after, ``individual_police`` in those months includes FPUs.
- **Predecessor states**: IPI files the USSR under ``Russian Federation.csv``, Czechoslovakia under
  ``Czech Republic.csv`` and Yugoslavia / Serbia and Montenegro under ``Serbia.csv``. pkdata keeps
  IPI's attribution (RUS, CZE, SRB from Nov 1990) rather than re-dating states itself.
- **Two files for one country**: ``Macedonia.csv`` and ``The former Yugoslav Republic o.csv`` both
  hold MKD for Aug-Dec 2013 with identical numbers (Gender.Full.csv shows one contingent). Identical
  copies are counted once; different numbers for one country and month raise :class:`ParseError`.
- ``full_gender_data.csv``: names of Mar-Aug 2014 carry a stray trailing apostrophe (``China'``),
  those months repeat every row two or three times (exact duplicates), and Nov 2009 - Feb 2014 also
  hold **subtotal rows** (contributor ``all`` = mission totals, mission ``all`` = contributor totals)
  so that a plain sum of those months is about three times the true total. The reader strips the
  apostrophes, drops exact duplicates and subtotal rows, and reports every month whose raw sum was
  inflated (:func:`inflated_months`). Rows whose male + female differ from the printed total keep
  the total and lose the gender split.
- Zero rows are dropped (the canonical table holds no zero counts).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pkdata.core import countries, schema
from pkdata.core.errors import ParseError

#: Canonical type that receives IPI's unsplit "Police" column (see the module docstring).
UNSPLIT_POLICE_TYPE = "individual_police"

#: Manifest note for months whose police figures are not split into individual police and FPUs.
UNSPLIT_POLICE_NOTE = (
    "police not split by the source: individual_police holds all police (individual police and formed police units)"
)

#: Wide IPI gender columns (spaces or underscores) -> canonical personnel type.
_GENDER_TYPES = {
    "individual police": "individual_police",
    "formed police units": "formed_police_units",
    "experts on mission": "experts_on_mission",
    "troops": "troops",
}

#: current_month.csv count columns -> canonical type. ``Civilian_Police``, ``Observers`` and
#: ``Total`` repeat these (checked), so they are not read as rows.
_CURRENT_MONTH_TYPES = {
    "Troops": "troops",
    "Inidividual_Police": "individual_police",  # [sic] in IPI's header
    "Formed_Police_Units": "formed_police_units",
    "Experts_on_Mission": "experts_on_mission",
}

_COUNTRY_FILE_TYPES = {"Troops": "troops", "Police": UNSPLIT_POLICE_TYPE, "Experts": "experts_on_mission"}


def _fold(col: str) -> str:
    return re.sub(r"[\s_]+", " ", col).strip().casefold()


def _month_end(values: pd.Series, file: str) -> pd.Series:
    codes, distinct = pd.factorize(values)  # a file repeats each date on many rows: parse each once
    if (codes >= 0).all():
        ends = pd.to_datetime(pd.Series(distinct), format="%Y-%m-%d", errors="coerce")
        if ends.notna().all():
            ends = ends.dt.to_period("M").dt.to_timestamp("M").astype("datetime64[ns]")
            return pd.Series(ends.to_numpy()[codes], index=values.index, name=values.name)
    dates = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = values[dates.isna()].head(3).tolist()
        row = int(dates.isna().to_numpy().argmax()) + 2
        raise ParseError(file, f"dates must be YYYY-MM-DD, found {bad}", row=row)
    return dates.dt.to_period("M").dt.to_timestamp("M").astype("datetime64[ns]")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path, encoding="utf-8-sig", na_values=["NA", ""], keep_default_na=False, dtype_backend="numpy_nullable"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ParseError(path.name, f"not a readable CSV file: {exc}") from exc


def _require(df: pd.DataFrame, cols: list[str], file: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParseError(file, f"missing columns {missing}; found {list(df.columns)[:12]}", row=1)


def _counts(s: pd.Series, file: str, col: str) -> pd.Series:
    if pd.api.types.is_integer_dtype(s.dtype) and not (s < 0).any():  # as read_csv gives whole numbers: no parse
        return s.astype("Int64")
    num = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & num.isna()
    if bad.any() or (num.dropna() % 1 != 0).any() or (num.dropna() < 0).any():
        row = int((bad | (num.fillna(0) % 1 != 0) | (num.fillna(0) < 0)).to_numpy().argmax()) + 2
        raise ParseError(file, f"column {col!r} must hold non-negative whole numbers or NA", row=row)
    return num.astype("Int64")


def _constant_category(value: str, n: int, categories: list[str] | None = None) -> pd.Categorical:
    """``n`` times ``value`` as a categorical (:func:`schema.coerce` keeps it rather than re-reading ``n`` strings).

    >>> list(_constant_category("b", 2, ["a", "b"])), list(_constant_category("x", 1).categories)
    (['b', 'b'], ['x'])
    """
    categories = categories or [value]
    return pd.Categorical.from_codes(np.full(n, categories.index(value)), categories=categories)


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    df = df[df["total"].fillna(0) > 0].copy()
    if not isinstance(df["contributor_iso3"].dtype, pd.CategoricalDtype):  # then the names below are one too
        df["contributor_iso3"] = df["contributor_iso3"].astype("category")
    names = {iso: countries.display_name(iso) for iso in df["contributor_iso3"].dropna().unique()}
    df["contributor"] = df["contributor_iso3"].map(names)
    out = schema.coerce(df)
    return out.sort_values(list(schema.KEY), na_position="first", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- countries/*.csv


def _country_rows(path: Path, source: str) -> pd.DataFrame:
    raw = _read_csv(path)
    _require(raw, ["Date", *_COUNTRY_FILE_TYPES], source)
    iso = countries.to_iso3([path.stem], file=source)
    dates = _month_end(raw["Date"], source)
    if dates.duplicated().any():
        raise ParseError(source, f"month {dates[dates.duplicated()].iloc[0]:%Y-%m} appears twice")
    totals = [_counts(raw[col], source, col) for col in _COUNTRY_FILE_TYPES]
    return _country_blocks([iso[path.stem]], [source], np.zeros(len(raw), dtype="int64"), dates, totals)


#: The header of IPI's per-country files, quoted as the site writes it or not.
_COUNTRY_HEADERS = ('"Date","Troops","Police","Experts"', "Date,Troops,Police,Experts")


#: Lines of four fields, none quoted or holding a carriage return (an empty body too).
_PLAIN_BODY = re.compile(r"(?:[^,\n\r\"]*,[^,\n\r\"]*,[^,\n\r\"]*,[^,\n\r\"]*\n)*")


def _plain_lines(path: Path) -> list[str] | None:
    """A per-country file's data lines when it has the usual header and plain lines (three commas, no quotes,
    no blank line, ``\\n`` or ``\\r\\n`` endings), else None."""
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None
    head, _, body = text.partition("\n")
    body = body if body.endswith("\n") or not body else body + "\n"
    if head not in _COUNTRY_HEADERS or not _PLAIN_BODY.fullmatch(body):
        return None
    return body.split("\n")[:-1]


def _country_rows_at_once(files: list[Path]) -> pd.DataFrame | None:
    """The rows :func:`_country_rows` gives for each file, in the same order, from one parse of all files (a
    parse per small file costs more than its rows). None when a file is not plain or a check fails: the caller
    then reads file by file, which raises naming the file and row."""
    bodies = [body for body in map(_plain_lines, files) if body is not None]
    if len(bodies) < len(files):
        return None
    text = "\n".join(f"{i},{line}" for i, body in enumerate(bodies) for line in body)
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            names=["file", "Date", *_COUNTRY_FILE_TYPES],
            na_values=["NA", ""],
            keep_default_na=False,
            dtype_backend="numpy_nullable",
        )
        dates = _month_end(raw["Date"], "countries")
        totals = [_counts(raw[col], "countries", col) for col in _COUNTRY_FILE_TYPES]
    except (pd.errors.ParserError, ValueError, ParseError):
        return None
    file = raw["file"].to_numpy(dtype="int64")
    if len(raw) != sum(map(len, bodies)) or pd.DataFrame({"file": file, "date": dates}).duplicated().any():
        return None  # a month twice in one file: file by file, which names it
    iso = countries.to_iso3([f.stem for f in files], file="countries")
    return _country_blocks([iso[f.stem] for f in files], [f"countries/{f.name}" for f in files], file, dates, totals)


def _country_blocks(
    isos: list[str], sources: list[str], file: np.ndarray, dates: pd.Series, totals: list[pd.Series]
) -> pd.DataFrame:
    """The rows of per-country files: per file (its contributor ``isos[i]``, named ``sources[i]``) a block of rows
    per type, the file's rows in order in each; ``file`` is each row's file index, ascending (one file, or many
    read in one parse), and ``totals`` holds each type's counts."""
    k = len(totals)
    order = np.argsort(np.tile(file, k), kind="stable")  # type blocks within each file, rows in file order
    files_of_rows = np.tile(file, k)[order]
    names, iso_of_file = np.unique(isos, return_inverse=True)
    types = [schema.PERSONNEL_TYPES.index(t) for t in _COUNTRY_FILE_TYPES.values()]
    row = np.arange(len(file)) - np.searchsorted(file, file)  # position within its file
    # the names as categoricals (codes of a few hundred names), which schema.coerce keeps instead of re-reading
    rows = pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), k)[order],
            "contributor_iso3": pd.Categorical.from_codes(iso_of_file[files_of_rows], categories=names.tolist()),
            "mission": pd.NA,
            "personnel_type": pd.Categorical.from_codes(
                np.repeat(types, len(file))[order], categories=list(schema.PERSONNEL_TYPES)
            ),
            "male": pd.NA,
            "female": pd.NA,
            "total": pd.concat(totals, ignore_index=True).take(order).reset_index(drop=True),
            "source": pd.Categorical.from_codes(files_of_rows, categories=sources),
            "source_row": np.tile(row + 2, k)[order],
        }
    )
    return rows[rows["total"].fillna(0) > 0]


def read_country_file(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """One IPI ``countries/<Country>.csv``: that contributor's monthly totals by type (no mission).

    The country is the file name; ``source`` is ``countries/<file name>``. "Police" goes to
    :data:`UNSPLIT_POLICE_TYPE`.

    >>> df = read_country_file(FIXTURES / "personnel/ipi_peacekeeping_db_tcc_datascraper/countries/China.csv")
    >>> first = df.iloc[0]
    >>> f"{first.date:%Y-%m}", first.contributor_iso3, first.personnel_type, int(first.total)
    ('1990-11', 'CHN', 'troops', 5)
    """
    path = Path(path)
    return _finish(_country_rows(path, name or f"countries/{path.name}"))


def read_country_totals(folder: str | Path) -> pd.DataFrame:
    """Every ``countries/*.csv`` of an IPI TCC-DataScraper folder, one contributor per ISO3 and month.

    Two files naming one country (e.g. ``Macedonia.csv`` and ``The former Yugoslav Republic o.csv``)
    count once when their numbers for a month are identical; the copy is recorded in
    ``attrs["cleaning"]["same_country_copies"]``. Different numbers raise :class:`ParseError`.

    >>> df = read_country_totals(FIXTURES / "personnel/ipi_peacekeeping_db_tcc_datascraper")
    >>> jun05 = df[(df.contributor_iso3 == "CHN") & (df.date == "2005-06-30")]
    >>> dict(zip(jun05.personnel_type.astype(str), jun05.total.astype(int)))
    {'troops': 788, 'experts_on_mission': 60, 'individual_police': 178}
    """
    folder = Path(folder)
    sub = folder / "countries" if (folder / "countries").is_dir() else folder
    files = sorted(sub.glob("*.csv"))
    if not files:
        raise ParseError(str(sub), "no IPI per-country files (countries/*.csv) here")
    unknown = [f.stem for f in files if countries.lookup(f.stem) is None]
    if unknown:
        countries.to_iso3(unknown, file=str(sub))  # raises, listing every unknown name
    rows = _country_rows_at_once(files)
    if rows is None:  # a file of another shape: file by file, each checked with its own row numbers
        rows = pd.concat([_country_rows(f, f"countries/{f.name}") for f in files], ignore_index=True)
    df = _finish(rows)
    # One country, two files: same month and type from different files.
    key = ["date", "contributor_iso3", "personnel_type"]
    month_files = df.groupby(["date", "contributor_iso3"], observed=True)["source"].nunique()
    clashes = month_files[month_files > 1]
    copies: list[dict[str, object]] = []
    drop = pd.Series(False, index=df.index)
    for date, iso in clashes.index:
        rows = df[(df["date"] == date) & (df["contributor_iso3"] == iso)]
        by_file = {
            src: g.set_index("personnel_type")["total"].astype(int).to_dict()
            for src, g in rows.groupby("source", sort=True)
        }
        names = sorted(by_file)
        first = by_file[names[0]]
        if any(by_file[n] != first for n in names[1:]):
            raise ParseError(
                names[1],
                f"{iso} in {date:%Y-%m}: {by_file[names[1]]} here but {first} in "
                f"{names[0]}; two files for one country must agree",
            )
        drop |= (df["date"] == date) & (df["contributor_iso3"] == iso) & (df["source"] != names[0])
        copies.append({"month": f"{date:%Y-%m}", "contributor_iso3": iso, "kept": names[0], "dropped": names[1:]})
    df = df[~drop].reset_index(drop=True)
    assert not df.duplicated(key).any()
    df.attrs["cleaning"] = {"files": len(files), "same_country_copies": copies}
    return df


# --------------------------------------------------------------------------- Gender.Full / full_gender_data


def _gender_columns(raw: pd.DataFrame, file: str) -> dict[str, dict[str, str]]:
    """canonical type -> {"male"|"female"|"total": column name}."""
    folded = {_fold(c): c for c in raw.columns}
    out: dict[str, dict[str, str]] = {}
    for label, ptype in _GENDER_TYPES.items():
        cols = {}
        for part in ("male", "female", "total"):
            col = folded.get(f"{label} {part}")
            if col is None:
                raise ParseError(
                    file, f"missing column '{label.title()} {part.title()}' (spaces or underscores)", row=1
                )
            cols[part] = col
        out[ptype] = cols
    return out


def read_gender_file(path: str | Path) -> pd.DataFrame:
    """``Gender.Full.csv`` or ``full_gender_data.csv``: contributor x mission x type x gender rows.

    Cleans the defects listed in the module docstring and records, in ``attrs["cleaning"]``, how
    many rows each step removed and the months whose raw sum was inflated
    (``inflated_months``: month -> raw sum / clean sum).

    >>> df = read_gender_file(FIXTURES / "personnel/ipi_peacekeeping_db_tcc_datascraper/Gender.Full.csv")
    >>> int(df[(df.contributor_iso3 == "CHN") & (df.date == "2014-02-28")]["total"].sum())
    2188
    """
    path = Path(path)
    file = path.name
    raw = _read_csv(path)
    raw = raw.drop(columns=[c for c in raw.columns if c == "" or c.startswith("Unnamed")])
    frame, cols, apostrophes = _gender_frame(raw, file)
    total_total = {_fold(c): c for c in raw.columns}.get("total total")
    raw_sum = pd.to_numeric(raw[total_total], errors="coerce").groupby(frame["date"]).sum() if total_total else None
    # Subtotal rows: contributor "all" (mission totals) or mission "all" (contributor totals).
    subtotal = _is_all(frame["contributor"]) | _is_all(frame["mission"])
    n_subtotal = int(subtotal.sum())
    frame = frame[~subtotal]
    value_cols = [c for c in frame.columns if c != "row"]
    dup = frame.duplicated(value_cols)
    n_dup = int(dup.sum())
    frame = _with_contributor_iso3(frame[~dup], file)
    long, gender_dropped = _gender_long(frame, cols, file)
    df = _finish(long)
    inflated: dict[str, float] = {}
    if raw_sum is not None:
        clean_sum = df.groupby("date")["total"].sum()
        ratio = (raw_sum / clean_sum.reindex(raw_sum.index)).dropna()
        inflated = {f"{d:%Y-%m}": round(float(r), 2) for d, r in ratio.items() if r > 1.05}
    df.attrs["cleaning"] = {
        "rows_read": int(len(raw)),
        "subtotal_rows_dropped": n_subtotal,
        "duplicate_rows_dropped": n_dup,
        "rows_with_trailing_apostrophe": apostrophes,
        "rows_gender_dropped_male_plus_female_not_total": gender_dropped,
        "inflated_months": inflated,
    }
    return df


def _is_all(names: pd.Series) -> pd.Series:
    """Which names are "all" in any case (a subtotal row), folding each distinct name once.

    >>> _is_all(pd.Series(["ALL", "China", None, "all"])).tolist()
    [True, False, False, True]
    """
    return names.isin([n for n in names.dropna().unique() if n.casefold() == "all"])


def _gender_frame(raw: pd.DataFrame, file: str) -> tuple[pd.DataFrame, dict[str, dict[str, str]], int]:
    """One row per file row: its number, month, names (stray apostrophes stripped) and a ``type|part`` count column.

    Returns the frame, the gender columns (:func:`_gender_columns`) and the most names of one column that ended in
    an apostrophe.
    """
    folded = {_fold(c): c for c in raw.columns}
    need = {"date": "date", "contributor": "contributor", "contributor iso-3": "iso3", "mission": "mission"}
    missing = [k for k in need if k not in folded]
    if missing:
        raise ParseError(file, f"missing columns {missing}; this is not an IPI gender file", row=1)
    cols = _gender_columns(raw, file)
    names = {v: raw[folded[k]].astype("string") for k, v in need.items()}
    # Stray apostrophes (full_gender_data.csv, Mar-Aug 2014): "China'", "CHN'", "MINURSO'".
    apostrophes = 0
    for k in ("contributor", "iso3", "mission"):
        s = names[k].str.strip()
        has = s.str.endswith("'").fillna(False)
        apostrophes = max(apostrophes, int(has.sum()))
        names[k] = s.str.rstrip("'").str.strip()
    counts = {}
    for ptype, parts in cols.items():
        for part, col in parts.items():
            counts[(ptype, part)] = _counts(raw[col], file, col)
    frame = pd.DataFrame(
        {
            "row": range(2, len(raw) + 2),
            "date": _month_end(names["date"], file),
            "contributor": names["contributor"],
            "file_iso3": names["iso3"].str.upper(),
            "mission": names["mission"],
        }
    )
    for (ptype, part), s in counts.items():
        frame[f"{ptype}|{part}"] = s.to_numpy()
    return frame, cols, apostrophes


def _with_contributor_iso3(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """The frame with ``contributor_iso3``; checked against the file's own code and for one row per key."""
    if frame["contributor"].isna().any() or frame["mission"].isna().any():
        row = int(frame.loc[frame["contributor"].isna() | frame["mission"].isna(), "row"].iloc[0])
        raise ParseError(file, "row without a contributor or mission", row=row)
    iso = countries.to_iso3(sorted(frame["contributor"].unique()), file=file)
    frame = frame.assign(contributor_iso3=frame["contributor"].map(iso))
    disagree = (frame["file_iso3"].fillna("") != "") & (frame["file_iso3"] != frame["contributor_iso3"])
    if disagree.fillna(False).any():
        first = frame[disagree.fillna(False)].iloc[0]
        raise ParseError(
            file,
            f"contributor {first['contributor']!r} is {first['contributor_iso3']} in "
            f"pkdata/core/countries.py but the row's Contributor ISO-3 says {first['file_iso3']!r}; correct "
            "the name or the code",
            row=int(first["row"]),
        )
    clash = frame.duplicated(["date", "contributor_iso3", "mission"], keep=False)
    if clash.any():
        first = frame[clash].iloc[0]
        others = frame.loc[
            clash
            & (frame["date"] == first["date"])
            & (frame["contributor_iso3"] == first["contributor_iso3"])
            & (frame["mission"] == first["mission"]),
            "row",
        ].tolist()
        raise ParseError(
            file,
            f"{first['contributor_iso3']} in {first['mission']}, {first['date']:%Y-%m}: rows "
            f"{others} give different numbers for one contributor and mission",
            row=int(others[0]),
        )
    return frame


def _gender_long(frame: pd.DataFrame, cols: dict[str, dict[str, str]], file: str) -> tuple[pd.DataFrame, int]:
    """One row per file row and type; where male + female differ from the total, the total stays, the split goes.

    Returns the rows and how many non-zero ones lost their split.
    """
    long = []
    gender_dropped = 0
    for ptype in cols:
        male, female, total = (frame[f"{ptype}|{p}"] for p in ("male", "female", "total"))
        total = total.fillna(male + female)
        mismatch = (male.notna() & female.notna() & total.notna() & (male + female != total)).fillna(False)
        gender_dropped += int((mismatch & (total > 0)).sum())
        male = male.mask(mismatch)
        female = female.mask(mismatch)
        long.append(
            pd.DataFrame(
                {
                    "date": frame["date"],
                    "contributor_iso3": frame["contributor_iso3"],
                    "mission": frame["mission"],
                    "personnel_type": _constant_category(ptype, len(frame), list(schema.PERSONNEL_TYPES)),
                    "male": male,
                    "female": female,
                    "total": total,
                    "source": _constant_category(file, len(frame)),
                    "source_row": frame["row"],
                }
            )
        )
    return pd.concat(long, ignore_index=True), gender_dropped


def inflated_months(df: pd.DataFrame) -> dict[str, float]:
    """Months whose raw sum (all rows as printed) exceeded the cleaned sum by over 5%: month -> ratio.

    >>> df = read_gender_file(FIXTURES / "personnel/ipi_peacekeeping_db_ppp_loader/full_gender_data.csv")
    >>> inflated_months(df)  # the fixture holds Jan 2014 (subtotal rows) and Aug 2014 (rows doubled)
    {'2014-01': 3.0, '2014-08': 2.0}
    """
    return dict(df.attrs.get("cleaning", {}).get("inflated_months", {}))


# --------------------------------------------------------------------------- current_month.csv


def read_current_month(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """An IPI ``current_month.csv`` snapshot: contributor x mission x type for one month, no gender.

    Checks, row by row, that ``Civilian_Police`` = FPU + individual police, ``Observers`` = experts
    on mission and ``Total`` = troops + civilian police + observers; reads only the four types.

    >>> p = FIXTURES / "personnel/ipi_ppp_loader_current_month_history/2014-08-31/current_month.csv"
    >>> df = read_current_month(p)  # the fixture holds China's rows
    >>> sorted(set(df.contributor_iso3)), int(df["total"].sum())
    (['CHN'], 2192)
    """
    path = Path(path)
    file = name or path.name
    raw = _read_csv(path)
    _require(
        raw, ["Date", "Contributor", "Mission", *_CURRENT_MONTH_TYPES, "Civilian_Police", "Observers", "Total"], file
    )
    n = _current_month_counts(raw, file)
    names = raw["Contributor"].astype("string").str.strip().str.rstrip("'")
    missions = raw["Mission"].astype("string").str.strip().str.rstrip("'")
    iso = _current_month_iso3(raw, names, file)
    dates = _month_end(raw["Date"].astype("string"), file)
    k, types = len(_CURRENT_MONTH_TYPES), list(schema.PERSONNEL_TYPES)
    df = pd.DataFrame(  # a block of rows per type, one after the other
        {
            "date": pd.concat([dates] * k, ignore_index=True),
            "contributor_iso3": pd.concat([names.map(iso)] * k, ignore_index=True),
            "mission": pd.concat([missions] * k, ignore_index=True),
            "personnel_type": pd.Categorical.from_codes(
                np.repeat([types.index(t) for t in _CURRENT_MONTH_TYPES.values()], len(raw)), categories=types
            ),
            "male": pd.NA,
            "female": pd.NA,
            "total": pd.concat([n[col] for col in _CURRENT_MONTH_TYPES], ignore_index=True),
            "source": _constant_category(file, k * len(raw)),
            "source_row": np.tile(np.arange(2, len(raw) + 2), k),
        }
    )
    dup = df.duplicated(list(schema.KEY), keep=False) & (df["total"] > 0)
    if dup.any():
        first = df[dup].iloc[0]
        raise ParseError(file, f"{first['contributor_iso3']} in {first['mission']} appears twice")
    return _finish(df)


# --------------------------------------------------------------------------- totals for cross-checks


def _totals(path: Path, wanted: dict[str, list[str]]) -> pd.DataFrame:
    raw = _read_csv(path)
    folded = {_fold(c).replace(".", " "): c for c in raw.columns}
    out = {}
    for name, options in wanted.items():
        col = next((folded[o] for o in options if o in folded), None)
        if col is None:
            raise ParseError(path.name, f"no column for {name!r} (looked for {options})", row=1)
        out[name] = raw[col]
    df = pd.DataFrame(out)
    df["date"] = _month_end(df["date"].astype("string"), path.name)
    for c in df.columns:
        if c not in ("date", "mission"):
            df[c] = _counts(df[c], path.name, c).fillna(0).astype("int64")
    df["source"] = path.name
    return df


def read_mission_totals(path: str | Path) -> pd.DataFrame:
    """``Data.Mission.csv`` / ``data_mission.csv``: per mission and month, troops, police, observers, total.

    Not canonical rows (no contributor); used to cross-check other sources.

    >>> m = read_mission_totals(FIXTURES / "personnel/ipi_peacekeeping_db_ppp_loader/data_mission.csv")
    >>> m["date"].max().strftime("%Y-%m")
    '2017-03'
    """
    return (
        _totals(
            Path(path),
            {
                "date": ["date"],
                "mission": ["mission"],
                "troops": ["troops"],
                "police": ["police"],
                "observers": ["observers"],
                "total": ["total"],
            },
        )
        .sort_values(["date", "mission"], kind="mergesort")
        .reset_index(drop=True)
    )


def read_world_totals(path: str | Path) -> pd.DataFrame:
    """``Data.Monthly.csv`` / ``data_monthly.csv``: world totals per month (contributors, troops, police, ...).

    >>> w = read_world_totals(FIXTURES / "personnel/ipi_peacekeeping_db_ppp_loader/data_monthly.csv")
    >>> int(w.set_index("date").loc["2015-06-30", "total"])
    105659
    """
    return (
        _totals(
            Path(path),
            {
                "date": ["date"],
                "contributors": ["n conributors", "n contributors", "number of contributors"],
                "troops": ["troops sum", "troop contributions"],
                "police": ["police sum", "police contributions"],
                "observers": ["observers sum", "eom contributions"],
                "total": ["total sum", "total contributions"],
            },
        )
        .sort_values("date", kind="mergesort")
        .reset_index(drop=True)
    )


def _current_month_counts(raw: pd.DataFrame, file: str) -> dict[str, pd.Series]:
    """The count columns (missing as 0), checked row by row: the repeated columns agree with the four types."""
    n = {
        c: _counts(raw[c], file, c).fillna(0) for c in [*_CURRENT_MONTH_TYPES, "Civilian_Police", "Observers", "Total"]
    }
    checks = {
        "Civilian_Police = Formed_Police_Units + Inidividual_Police": n["Civilian_Police"]
        != n["Formed_Police_Units"] + n["Inidividual_Police"],
        "Observers = Experts_on_Mission": n["Observers"] != n["Experts_on_Mission"],
        "Total = Troops + Civilian_Police + Observers": n["Total"]
        != n["Troops"] + n["Civilian_Police"] + n["Observers"],
    }
    for rule, bad in checks.items():
        if bad.any():
            raise ParseError(file, f"expected {rule}", row=int(bad.to_numpy().argmax()) + 2)
    return n


def _current_month_iso3(raw: pd.DataFrame, names: pd.Series, file: str) -> dict[str, str]:
    """Contributor name -> ISO3, checked against the file's ``Contributor_ISO-3`` where it has one."""
    iso = countries.to_iso3(sorted(names.dropna().unique()), file=file)
    if "Contributor_ISO-3" in raw.columns:
        codes = raw["Contributor_ISO-3"].astype("string").str.strip().str.rstrip("'").str.upper()
        disagree = ((codes.fillna("") != "") & (codes != names.map(iso))).fillna(False)
        if disagree.any():
            i = int(disagree.to_numpy().argmax())
            raise ParseError(
                file,
                f"contributor {names.iloc[i]!r} is {iso[names.iloc[i]]} in pkdata/core/countries.py but "
                f"the row's Contributor_ISO-3 says {codes.iloc[i]!r}; correct the name or the code",
                row=i + 2,
            )
    return iso

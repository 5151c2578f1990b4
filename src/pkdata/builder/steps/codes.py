"""Country codes: derive ``src/pkdata/data/country_codes.csv`` and check every table's codes resolve.

Two jobs:

- :func:`derive_country_codes` turns the upstream lists (``tests/fixtures/country_codes/``, listed with
  URL, licence and sha256 in ``src/pkdata/data/country_codes_SOURCES.md``) into the package table:
  ISO 3166 alpha-3 and numeric and UN M49 from countrycode's ``codelist_without_cldr.csv``; the COW
  and Gleditsch-Ward codes proposed there, checked against the state lists themselves
  (``cowstates.csv``, ``gwstates.csv``), with the corrections in :data:`OVERRIDES`, each with its
  reason. Regenerate with ``python -m pkdata.builder.steps.codes tests/fixtures/country_codes``.
- :func:`step_codes`, a build step, fails the build when a contributor, nationality or member code
  of a table built before it has no row in the package table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.core import atomic, countries
from pkdata.core.codes import CODES_CSV, unresolved_codes
from pkdata.core.errors import PkdataError

COLUMNS: tuple[str, ...] = (
    "iso3",
    "name",
    "iso_numeric",
    "m49",
    "cown",
    "cowc",
    "cow_name",
    "cow_start",
    "cow_end",
    "gwno",
    "gwc",
    "gw_name",
    "gw_start",
    "gw_end",
    "cown_before",
    "cowc_before",
    "gwno_before",
    "gwc_before",
    "microstate",
    "historical",
    "note",
)

#: Retired ISO 3166-3 codes (and Kosovo's user-assigned XKX) that pkdata's tables use, with the
#: name the UN printed. countrycode's codelist has no ISO3 for them.
HISTORICAL: dict[str, str] = {
    "YUG": "Yugoslavia",
    "SCG": "Serbia and Montenegro",
    "CSK": "Czechoslovakia",
    "SUN": "USSR",
    "ANT": "Netherlands Antilles",
    "XKX": "Kosovo",
}

#: ISO3 -> COW / GW code where countrycode's codelist has none or not the one the state lists give
#: for the years pkdata covers (1990 on), with the reason. Each code is checked against the lists.
OVERRIDES: dict[str, dict[str, object]] = {
    "SRB": {
        "cown": 345,
        "reason": "COW keeps 345 (YUG) for Serbia after Montenegro's independence "
        "(2006-06-03); cowstates has no other code for Serbia. GW codes Serbia 340 from 2006-06-05.",
    },
    "YUG": {
        "cown": 345,
        "gwno": 345,
        "reason": "the UN's 'Yugoslavia': the SFRY until 1992, then the "
        "Federal Republic of Yugoslavia until 2003; COW 345 and GW 345 cover both.",
    },
    "SCG": {
        "cown": 345,
        "gwno": 345,
        "reason": "Serbia and Montenegro (2003-02-04 to 2006-06-03) is the "
        "FRY renamed: COW 345; GW 345 until 2006-06-04.",
    },
    "CSK": {"cown": 315, "gwno": 315, "reason": "Czechoslovakia until 1992-12-31; then CZE 316, SVK 317."},
    "SUN": {
        "cown": 365,
        "gwno": 365,
        "reason": "COW and GW code the USSR and the Russian Federation as one state, 365.",
    },
    "XKX": {
        "cown": 347,
        "gwno": 347,
        "reason": "Kosovo (from 2008-02-17) is 347 in both lists; not a UN "
        "member, no ISO 3166 code (XKX is user-assigned).",
    },
    "YEM": {
        "gwno": 678,
        "reason": "GW codes unified Yemen (from 1990-05-22) 678, continuing the Yemen "
        "Arab Republic; COW starts a new state, 679.",
    },
    "WSM": {"gwno": 990, "reason": "GW's microstate list names Samoa 'Samoa/Western Samoa' (990)."},
    "VNM": {
        "gwno": 816,
        "reason": "countrycode's codelist gives GW 815 (Annam, to 1893) because its GW "
        "list drops DRV; GW codes Vietnam 816 (DRV, from 1954-05-01).",
    },
}

#: ISO3 -> the COW / GW code of the same territory's state before the spell of its own code began (in 1990
#: or later), for panels that start in 1990. Checked against the lists: the predecessor's spell must end
#: the day before (or on the day) the successor's begins.
PREDECESSORS: dict[str, dict[str, int]] = {
    "DEU": {"cown": 260},  # COW: German Federal Republic until 1990-10-02, then Germany 255
    "YEM": {"cown": 678},  # COW: Yemen Arab Republic until 1990-05-21, then Yemen 679
    "SRB": {"gwno": 345},  # GW: Yugoslavia until 2006-06-04, then Serbia 340
    # Czechoslovakia until 1992-12-31 in both lists: the IPI data file it under the Czech Republic
    "CZE": {"cown": 315, "gwno": 315},
}

#: Notes on states whose code does not change although the state did (no override needed).
NOTES: dict[str, str] = {
    "SDN": "Sudan before and after South Sudan's independence (2011-07-09): one code, 625, in COW and GW; "
    "the UN data keep SDN throughout. South Sudan is SSD, 626.",
    "DEU": "COW codes unified Germany 255 (from 1990-10-03); GW continues the Federal Republic, 260.",
    "RUS": "COW and GW code the USSR and the Russian Federation as one state, 365.",
    "MNE": "Montenegro from 2006-06-03: COW and GW 341.",
    "PSE": "State of Palestine: UN observer state, in neither state list.",
    "TWN": "Taiwan: in both state lists (713), not a UN member.",
}

_FIRST_YEAR = "1990-01-01"


def _read_states(path: Path, code: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={code: "int64", "microstate": str}, keep_default_na=False)
    need = {code, "country_name", "start", "end", "microstate"}
    if not need <= set(df.columns):
        raise PkdataError(f"{path}: expected columns {sorted(need)}, found {list(df.columns)}")
    return df


def _spell(states: pd.DataFrame, code_col: str, code: int, *, file: str, iso3: str, strict: bool) -> pd.Series | None:
    """The latest membership spell of ``code`` that reaches 1990 or later (``None``, or an error if strict)."""
    rows = states[(states[code_col] == code) & (states["end"] >= _FIRST_YEAR)]
    if rows.empty and not strict and (states[code_col] == code).any():
        return None
    if rows.empty:
        raise PkdataError(
            f"{file}: {iso3} -> {code_col} {code}, but the list has no spell of {code} after {_FIRST_YEAR}"
        )
    return rows.sort_values("start").iloc[-1]


def _gw_by_name(gw: pd.DataFrame) -> dict[str, int]:
    """GW microstates by their name folded (the codelist has no GW code for them)."""
    micro = gw[(gw["microstate"] == "TRUE") & (gw["end"] >= _FIRST_YEAR)]
    return {countries.name_key(n): int(c) for n, c in zip(micro["country_name"], micro["gwcode"], strict=True)}


def derive_country_codes(folder: Path) -> pd.DataFrame:
    """The country codes table from the upstream files in ``folder`` (see the module docstring).

    >>> from pkdata.core import paths
    >>> t = derive_country_codes(paths.REPO_DIR / "tests" / "fixtures" / "country_codes")
    >>> t.set_index("iso3").loc[["CHN", "DEU", "SRB"], ["cown", "gwno"]].to_dict("index")
    {'CHN': {'cown': 710, 'gwno': 710}, 'DEU': {'cown': 255, 'gwno': 260}, 'SRB': {'cown': 345, 'gwno': 340}}
    """
    folder = Path(folder)
    cl_path, cow_path, gw_path = (folder / n for n in ("codelist_without_cldr.csv", "cowstates.csv", "gwstates.csv"))
    cl = pd.read_csv(cl_path, keep_default_na=False, na_values=[""], dtype=str)
    lists = _StateLists(_read_states(cow_path, "cowcode"), _read_states(gw_path, "gwcode"), cow_path.name, gw_path.name)
    micro = _gw_by_name(lists.gw)
    cl = cl[cl["iso3c"].notna()]
    entries = [(r["iso3c"], r) for _, r in cl.iterrows()] + [(iso3, None) for iso3 in HISTORICAL]
    out = pd.DataFrame([_code_row(iso3, r, micro, lists) for iso3, r in entries], columns=list(COLUMNS))
    if out["iso3"].duplicated().any():
        raise PkdataError(f"{cl_path}: duplicate ISO3 codes {sorted(out.loc[out['iso3'].duplicated(), 'iso3'])}")
    for col in ("iso_numeric", "m49", "cown", "gwno", "cown_before", "gwno_before"):
        out[col] = out[col].astype("Int64")
    for col in ("microstate", "historical"):
        out[col] = out[col].astype("boolean")
    return out.sort_values("iso3", kind="mergesort").reset_index(drop=True)


@dataclass
class _StateLists:
    cow: pd.DataFrame
    gw: pd.DataFrame
    cow_file: str
    gw_file: str

    def each(self) -> tuple[tuple[str, str, pd.DataFrame, str, str], ...]:
        """(code key, prefix, list, its code column, its file name) for COW then GW."""
        return (
            ("cown", "cow", self.cow, "cowcode", self.cow_file),
            ("gwno", "gw", self.gw, "gwcode", self.gw_file),
        )


def _code_row(iso3: str, r: pd.Series | None, micro: dict[str, int], lists: _StateLists) -> dict[str, object]:
    """One row of the table: the codelist's codes (or the override's), each checked against its state list."""
    over = OVERRIDES.get(iso3, {})
    codes = {
        "cown": over.get("cown", None if r is None or pd.isna(r["cown"]) else int(r["cown"])),
        "gwno": over.get("gwno", None if r is None or pd.isna(r["gwn"]) else int(r["gwn"])),
    }
    notes = [str(over["reason"])] if over else []
    if codes["gwno"] is None and r is not None:
        names = {
            countries.name_key(str(r[c]))
            for c in ("country.name.en", "cow.name", "iso.name.en", "un.name.en")
            if pd.notna(r[c])
        }
        found = {micro[n] for n in names if n in micro}
        if len(found) == 1:
            codes["gwno"] = found.pop()
            notes.append("GW microstates list, matched by name.")
    if iso3 in NOTES:
        notes.append(NOTES[iso3])
    row: dict[str, object] = {
        "iso3": iso3,
        "name": countries.DISPLAY.get(iso3) or (HISTORICAL.get(iso3) if r is None else r["country.name.en"]),
        "iso_numeric": None if r is None or pd.isna(r["iso3n"]) else int(r["iso3n"]),
        "m49": None if r is None or pd.isna(r["un"]) else int(r["un"]),
        "historical": iso3 in HISTORICAL,
    }
    for key, prefix, states, col, file in lists.each():
        _state_code(row, notes, key, prefix, codes[key], states, col, file, strict=key in over)
    row.setdefault("microstate", None)
    for key, prefix, states, col, file in lists.each():
        _predecessor(row, notes, iso3, key, prefix, states, col, file)
    row["note"] = " ".join(notes) or None
    return row


def _state_code(
    row: dict[str, object],
    notes: list[str],
    key: str,
    prefix: str,
    code: object,
    states: pd.DataFrame,
    col: str,
    file: str,
    *,
    strict: bool,
) -> None:
    """Fill ``row``'s code, abbreviation, name and spell from the state list (no code: the fields stay empty)."""
    empty = {f"{prefix}c": None, f"{prefix}_name": None, f"{prefix}_start": None, f"{prefix}_end": None}
    row[key] = code
    if code is None:
        row.update(empty)
        return
    spell = _spell(states, col, int(code), file=file, iso3=str(row["iso3"]), strict=strict)
    if spell is None:  # the codelist's code is a state that ended before 1990 (VAT: Papal States)
        notes.append(
            f"codelist's {key} {code} is {states.loc[states[col] == code, 'country_name'].iloc[0]}, "
            f"which left the list before 1990: not used."
        )
        row.update({key: None, **empty})
        return
    row.update(
        {
            f"{prefix}c": spell[f"{prefix}c"],
            f"{prefix}_name": spell["country_name"],
            f"{prefix}_start": spell["start"],
            f"{prefix}_end": spell["end"],
        }
    )
    if prefix == "gw":
        row["microstate"] = spell["microstate"] == "TRUE"


def _predecessor(
    row: dict[str, object],
    notes: list[str],
    iso3: str,
    key: str,
    prefix: str,
    states: pd.DataFrame,
    col: str,
    file: str,
) -> None:
    """The code of the same territory's state before its own code's spell began (:data:`PREDECESSORS`)."""
    before = PREDECESSORS.get(iso3, {}).get(key)
    row[f"{key}_before"], row[f"{prefix}c_before"] = None, None
    if before is None:
        return
    prev = states[(states[col] == before) & (states["end"] < str(row[f"{prefix}_start"]))]
    prev = prev[prev["end"] >= _FIRST_YEAR]
    if prev.empty:
        raise PkdataError(
            f"{file}: {iso3} -> {key} before {row[f'{prefix}_start']} is {before}, but the "
            f"list has no spell of {before} ending then"
        )
    row[f"{key}_before"], row[f"{prefix}c_before"] = before, prev.iloc[-1][f"{prefix}c"]
    notes.append(f"Before {row[f'{prefix}_start']}: {key} {before} ({prev.iloc[-1]['country_name']}).")


def write_country_codes(folder: Path, out: Path = CODES_CSV) -> Path:
    """Write :func:`derive_country_codes` to ``out`` (deterministic CSV, sorted by ISO3); return the path."""
    table = derive_country_codes(folder)
    atomic.write_with(out, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n"))
    return out


def step_codes(ctx: BuildContext) -> StepResult:
    """Build step: every contributor, nationality and member code in the tables built so far resolves.

    Raises :class:`pkdata.core.errors.PkdataError` naming the table, the column and the unknown codes.
    """
    missing = unresolved_codes(ctx.tables)
    if missing:
        listed = "; ".join(f"{where}: {', '.join(codes)}" for where, codes in missing.items())
        raise PkdataError(
            f"codes with no row in {CODES_CSV}: {listed}. Add them to the upstream lists' "
            "mapping in pkdata/builder/steps/codes.py (OVERRIDES/HISTORICAL, with the reason) and "
            "regenerate with `python -m pkdata.builder.steps.codes tests/fixtures/country_codes`."
        )
    return StepResult(tables={})


STEP = Step(
    "codes",
    "pkdata.builder.steps.codes:step_codes",
    "every contributor, nationality, member and host code has a row in the country codes table",
    optional=("contributions", "fatalities", "assessments", "missions"),
    cache=False,
)


if __name__ == "__main__":  # pragma: no cover - maintenance command
    print(write_country_codes(Path(sys.argv[1])))

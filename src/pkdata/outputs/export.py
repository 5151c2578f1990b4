"""Exports for R, Stata and Excel users: tables and panels as CSV, Parquet, Stata .dta or Excel .xlsx.

``pkdata export TARGET [TARGET ...] --format csv|parquet|dta|xlsx --out FILE``. A target is a processed
table (``contributions``, ``missions``, ``fatalities``, ``assessments``, ``budgets``), ``country_codes``, or
``panel:<unit>`` (``panel:country-year``, ...). Every export carries its provenance: a sidecar
``FILE.json`` (pkdata's version, the manifest's sha256, the months covered, the sources of its columns and
their citations); an Excel workbook also has a ``notes`` sheet with the same and a ``codebook`` sheet.
Stata files carry variable labels (the codebook's definitions, cut to Stata's 80 characters). Files are
written atomically: a temporary file in the same folder, then a rename.

>>> import tempfile, pandas as pd
>>> out = Path(tempfile.mkdtemp()) / "cy.csv"
>>> _ = export(["panel:country-year"], "csv", out)
>>> pd.read_csv(out).columns[:3].tolist(), out.with_name("cy.csv.json").exists()
(['iso3', 'country', 'cown'], True)
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.core import atomic, paths, store
from pkdata.core.errors import PkdataError
from pkdata.outputs import codebook

FORMATS: tuple[str, ...] = ("csv", "parquet", "dta", "xlsx")
#: Stata's limits: variable names (32 characters) and variable labels (80 characters).
STATA_NAME, STATA_LABEL = 32, 80


def targets() -> list[str]:
    """Every name :func:`frame` accepts.

    >>> "panel:country-year" in targets() and "contributions" in targets()
    True
    """
    from pkdata.tables.panels import UNITS

    return [*codebook.TABLES, *codebook.EXTRA_TABLES, *(f"panel:{u}" for u in UNITS)]


def frame(target: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The frame a target names (see the module docstring).

    >>> frame("panel:mission-year").columns[0]
    'mission'
    """
    from pkdata.tables.panels import UNITS, country_codes, panel

    if target in codebook.TABLES:
        return store.table(target, data_dir)
    if target == "country_codes":
        return country_codes()
    unit = target.split(":", 1)[1] if target.startswith("panel:") else None
    if unit in UNITS:
        return panel(unit, data_dir=data_dir)  # type: ignore[arg-type]
    raise PkdataError(f"unknown export target {target!r}: expected one of {targets()}")


def provenance(items: dict[str, pd.DataFrame], fmt: str, data_dir: str | Path | None = None) -> dict[str, Any]:
    """What an export says about itself: versions, data hash and months, sources and citations."""
    from pkdata.outputs.citations import data_version, plain

    ids: set[str] = set()
    for name, df in items.items():
        ids |= {codebook.entry(name, str(c))["source"] for c in df.columns}
    ids.discard("")
    ordered = ["pkdata", *sorted(ids - {"pkdata"})]
    return {
        "exported": list(items),
        "format": fmt,
        "rows": {name: int(len(df)) for name, df in items.items()},
        "data_version": data_version(data_dir),
        "sources": {sid: plain(sid, data_dir) for sid in ordered},
        "codebook": "docs/codebook.md (pkdata codebook); column definitions also in the Stata labels / codebook sheet",
        "missing_values": "empty cells (CSV, Excel), null (Parquet), Stata missing '.' for numbers and '' for strings",
    }


def _atomic(out: Path, write: Callable[[Path], None]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic.clean_leftovers(out.parent)  # e.g. `.x.csv.<pid>.part.csv` of a killed export
    atomic.write_with(out, write)


def check_out(out: str | Path, fmt: str) -> Path:
    """``out`` as a path to write ``fmt`` to, or one line saying why not (a suffix of another format, a file where
    a folder should be, an existing folder).

    >>> check_out("x.csv", "dta")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: --format dta but --out x.csv names a .csv file; name it x.dta, or leave --format out
    """
    out = Path(out)
    suffix = out.suffix.lstrip(".").lower()
    if suffix != fmt and suffix in (*FORMATS, "pq", "xls", "tsv", "json", "feather", "sav", "rds"):
        raise PkdataError(
            f"--format {fmt} but --out {out} names a .{suffix} file; name it {out.with_suffix('.' + fmt)}, "
            "or leave --format out"
        )
    if out.is_dir():
        raise PkdataError(f"--out {out} is a folder; pass a file name such as {out / ('table.' + fmt)}")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise PkdataError(f"--out {out}: {parent} is a file, not a folder; pass a path in a folder")
            break
    return out


def _require_openpyxl() -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise PkdataError(
            '--format xlsx needs openpyxl, which is not installed: pip install "pkdata[export]"'
        ) from None


def stata_name(column: str) -> str:
    """A valid Stata variable name for a column: ``_`` for other characters, a leading ``_`` for a reserved
    word or a leading digit (as pandas' writer would do, but before the labels are attached), 32 characters.

    >>> stata_name("end"), stata_name("panel:country-year"), stata_name("total_dec")
    ('_end', 'panel_country_year', 'total_dec')
    """
    name = re.sub(r"[^A-Za-z0-9_]", "_", column)
    if name in pd.io.stata.StataParser().RESERVED_WORDS or name[:1].isdigit():
        name = "_" + name
    return name[:STATA_NAME]


def _for_stata(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Stata-ready copy (nullable ints/bools to float, strings with '' for missing), labels, date columns."""
    out = pd.DataFrame(index=df.index)
    labels: dict[str, str] = {}
    dates: list[str] = []
    for col in df.columns:
        s = df[col]
        key = stata_name(str(col))
        if key in out.columns:
            raise PkdataError(f"{name}: columns {col!r} and another both become Stata variable {key!r}")
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[key] = s
            dates.append(key)
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
            out[key] = s.astype("Float64").astype("float64") if s.isna().any() else s.astype("int32")
        elif pd.api.types.is_float_dtype(s.dtype):
            out[key] = s.astype("float64")
        else:
            out[key] = s.astype("string").fillna("").astype(object)
        e = codebook.entry(name, str(col))
        label = e["definition"] + (f" ({e['unit']})" if e["unit"] else "")
        labels[key] = label if len(label) <= STATA_LABEL else label[: STATA_LABEL - 3] + "..."
    return out, labels, dates


def _write_xlsx(items: dict[str, pd.DataFrame], prov: dict[str, Any], path: Path) -> None:
    rows = [
        ("exported", ", ".join(prov["exported"])),
        ("pkdata version", prov["data_version"]["pkdata_version"]),
        ("manifest sha256", prov["data_version"]["manifest_sha256"]),
        ("contributions", f"{prov['data_version']['first_month']} to {prov['data_version']['last_month']}"),
        ("months without a report", ", ".join(prov["data_version"]["missing_months"])),
        ("missing values", prov["missing_values"]),
    ]
    rows += [(f"source: {sid}", text) for sid, text in prov["sources"].items()]
    book = [
        (
            name,
            str(c),
            codebook.field_type(df[c]),
            *(codebook.entry(name, str(c))[k] for k in ("unit", "definition", "source", "caveats")),
        )
        for name, df in items.items()
        for c in df.columns
    ]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in items.items():
            sheet = name.replace(":", "_")[:31]
            clean = df.copy()
            for col in clean.columns:  # Excel has no NA: nullable columns as objects with None
                if clean[col].hasnans if hasattr(clean[col], "hasnans") else False:
                    clean[col] = clean[col].astype(object).where(clean[col].notna(), None)
            clean.to_excel(xw, sheet_name=sheet, index=False)
        pd.DataFrame(rows, columns=["item", "value"]).to_excel(xw, sheet_name="notes", index=False)
        pd.DataFrame(book, columns=["table", "column", "type", "unit", "definition", "source", "caveats"]).to_excel(
            xw, sheet_name="codebook", index=False
        )


def export(names: Sequence[str], fmt: str, out: str | Path, *, data_dir: str | Path | None = None) -> list[Path]:
    """Write ``names`` (one target; several for ``xlsx``) as ``fmt`` to ``out`` plus ``out.json``; return both paths."""
    if fmt not in FORMATS:
        raise PkdataError(f"--format {fmt!r}: expected one of {list(FORMATS)}")
    if not names:
        raise PkdataError(f"nothing to export: name one of {targets()}")
    if len(names) > 1 and fmt != "xlsx":
        raise PkdataError(f"{len(names)} targets given: only --format xlsx takes several (one sheet each)")
    out = check_out(out, fmt)
    if fmt == "xlsx":
        _require_openpyxl()
    items = {name: frame(name, data_dir) for name in names}
    prov = provenance(items, fmt, data_dir)
    name, df = next(iter(items.items()))
    if fmt == "csv":
        _atomic(out, lambda p: df.to_csv(p, index=False, lineterminator="\n"))
    elif fmt == "parquet":
        _atomic(out, lambda p: df.to_parquet(p, index=False))
    elif fmt == "dta":
        data, labels, dates = _for_stata(df, name)
        prov["stata_renamed"] = {str(c): k for c, k in zip(df.columns, data.columns, strict=True) if str(c) != k}
        version = prov["data_version"]
        note = f"pkdata {version['pkdata_version']} {name}; manifest {version['manifest_sha256'][:12]}"
        _atomic(
            out,
            lambda p: data.to_stata(
                p,
                write_index=False,
                version=118,
                variable_labels=labels,
                convert_dates={d: "td" for d in dates},
                data_label=note[:80],
            ),
        )
    else:
        _atomic(out, lambda p: _write_xlsx(items, prov, p))
    side = out.with_name(out.name + ".json")
    _atomic(side, lambda p: p.write_text(json.dumps(prov, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"))
    return [out, side]


def cli_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata export``."""
    p.add_argument(
        "target",
        nargs="+",
        help="a table (contributions, missions, fatalities, assessments, budgets, "
        "country_codes) or panel:<unit> (panel:country-year, ...); several only for xlsx",
    )
    p.add_argument("--format", choices=FORMATS, help="default: from the --out suffix")
    p.add_argument("--out", required=True, help="file to write (its provenance goes to FILE.json)")
    p.add_argument("--data", help=f"processed folder (default PKDATA_DATA or {paths.processed_dir()})")


def cli_export(args: argparse.Namespace) -> int:
    """``pkdata export``: write the file and its provenance sidecar, print their paths."""
    fmt = args.format or Path(args.out).suffix.lstrip(".").lower()
    try:
        written = export(args.target, fmt, args.out, data_dir=args.data)
    except OSError as exc:  # a folder that cannot be written is the user's to fix: no traceback
        raise PkdataError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    for path in written:
        print(path.resolve())
    return 0

"""Build step: the UN's gender-parity targets for uniformed personnel, copied from the curated table.

``data/raw/curated/gender_targets.csv`` holds one row per personnel category and target year, each with
the document it comes from (title, symbol where it has one, year, URL) and where the value was read
(``seen_in``). Only targets found in a citable document are in it. The step checks every row and writes
``gender_targets.parquet``, which :mod:`pkdata.tables.gender` reads.
"""

from __future__ import annotations

import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.core import registry, sources
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file

#: Target categories: the Strategy's personnel categories, named by pkdata's personnel types.
CATEGORIES: tuple[str, ...] = ("troops", "staff_officers_and_experts", "individual_police", "formed_police_units")
COLUMNS: tuple[str, ...] = registry.columns("gender_targets")
NAME = "gender_targets.csv"


def read_targets(path: str) -> pd.DataFrame:
    """Read and check the curated targets table; rows sorted by category and year.

    >>> from pkdata.core import paths
    >>> t = read_targets(paths.curated_dir() / "gender_targets.csv")
    >>> sorted(set(t["category"])) == sorted(CATEGORIES)
    True
    """
    df = pd.read_csv(path, dtype="string", keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise PkdataError(f"{path}: missing column(s) {missing}; expected {list(COLUMNS)}")
    problems = []
    for i, row in df.iterrows():
        line = int(i) + 2  # header is line 1
        if row["category"] not in CATEGORIES:
            problems.append(f"line {line}: category {row['category']!r} is not one of {list(CATEGORIES)}")
        for col, lo, hi in (("year", 2015, 2040), ("document_year", 2000, 2040)):
            if not str(row[col]).isdigit() or not lo <= int(row[col]) <= hi:
                problems.append(f"line {line}: {col} {row[col]!r} is not a year {lo}..{hi}")
        try:
            pct = float(row["target_percent"])
            if not 0 < pct <= 100:
                raise ValueError
        except ValueError:
            problems.append(f"line {line}: target_percent {row['target_percent']!r} is not a per cent in (0, 100]")
        for col in ("document_title", "url"):
            if not str(row[col]).strip():
                problems.append(f"line {line}: empty {col} (every target names its document)")
    if problems:
        raise PkdataError(f"{path}: " + "; ".join(problems))
    out = df.loc[:, list(COLUMNS)].copy()
    out["year"] = out["year"].astype("int64")
    out["document_year"] = out["document_year"].astype("int64")
    out["target_percent"] = out["target_percent"].astype("float64")
    dup = out.duplicated(["category", "year"])
    if dup.any():
        raise PkdataError(f"{path}: two targets for {out.loc[dup, ['category', 'year']].values.tolist()}")
    return out.sort_values(["category", "year"], kind="mergesort").reset_index(drop=True)


def step_targets(ctx: BuildContext) -> StepResult:
    """The ``gender_targets`` table from the curated CSV, with its manifest entry.

    >>> from pkdata.core import paths
    >>> raw = paths.REPO_DIR / "data" / "raw"
    >>> ctx = BuildContext(raw=raw, reference=paths.reference_dir(), cache=paths.cache_dir())
    >>> r = step_targets(ctx)
    >>> list(r.tables), r.sources[0]["rows"] == len(r.tables["gender_targets"])
    (['gender_targets'], True)
    """
    path = ctx.curated(NAME)
    table = read_targets(path)
    curated = sources.load()["curated"]["tables"]
    source = {
        "name": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "publisher": curated["publisher"],
        "url_pattern": curated["url_pattern"].format(name=NAME),
        "table": "gender_targets",
        "rows": len(table),
        "role": "UN gender-parity targets for uniformed personnel (Uniformed Gender Parity Strategy 2018-2028)",
    }
    return StepResult(tables={"gender_targets": table}, sources=[source])


STEP = Step(
    "targets",
    "pkdata.builder.steps.targets:step_targets",
    "the UN's gender-parity targets, from the curated table",
    curated=(NAME,),
    writes=("gender_targets",),
)

"""Raw source files -> ``data/processed`` (parquet tables + ``manifest.json``).

The build is deterministic (same inputs, byte-identical outputs: rows sorted by key, no
timestamps) and all-or-nothing: every table is written to a temporary folder beside the
output and moved into place only after every source parsed and validated, so a failed
build leaves ``data/processed`` as it was.

Each topic contributes a *step*: a function ``step(ctx) -> StepResult``. Parse results of
the UN PDFs are cached per file, keyed by the file's sha256 and the reader's code version,
so adding one report re-parses only that report.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata import paths, schema
from pkdata.errors import PkdataError
from pkdata.hashes import sha256_file

MANIFEST = "manifest.json"
FORMAT_VERSION = 1

UN_PDF_PUBLISHER = "UN Department of Peace Operations (DPO), monthly troop and police contributors reports"
UN_PDF_URL = "https://peacekeeping.un.org/sites/default/files/<report>.pdf (monthly 'contributions by country' report)"


@dataclass
class BuildContext:
    """Where a build reads and caches."""

    raw: Path
    reference: Path
    cache: Path
    workers: int = 2
    #: Tables produced by the steps that ran before (name -> frame), for cross-checks.
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def find(self, raw_sub: str, reference_sub: str) -> Path:
        """``raw/raw_sub`` if it exists and is not empty, else ``reference/reference_sub``."""
        candidate = self.raw / raw_sub
        if candidate.exists() and (candidate.is_file() or any(candidate.iterdir())):
            return candidate
        return self.reference / reference_sub


@dataclass
class StepResult:
    """What one build step produced: tables (name -> frame) and manifest entries."""

    tables: dict[str, pd.DataFrame]
    sources: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def code_version(*modules: str) -> str:
    """A short hash of the source of the given package sub-folders/modules (cache key part).

    >>> len(code_version("readers/un_pdf"))
    12
    """
    h = hashlib.sha256()
    for mod in modules:
        target = paths.PACKAGE_DIR / mod
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


# --------------------------------------------------------------------------- UN PDF reports


def _parse_pdf(path: str) -> tuple[dict[str, Any], pd.DataFrame]:
    from pkdata.readers.un_pdf import parse_report, to_frame

    report = parse_report(path)
    frame = to_frame(report)
    grand = [p.total for p in report.printed if p.scope == "grand"]
    meta = {
        "report_date": report.date.strftime("%Y-%m-%d"),
        "date_source": report.date_source,
        "layout": report.layout,
        "pages": report.pages,
        "has_mission": report.has_mission,
        "has_gender": report.has_gender,
        "printed_grand_total": grand[0] if grand else None,
        "printed_totals_checked": len(report.printed),
        "rows_total": int(report.grand_total),
    }
    return meta, frame


def parse_cache_version() -> str:
    """Cache key part for parsed reports: the reader code, country and type tables, curated dates.

    >>> len(parse_cache_version())
    12
    """
    from pkdata.readers.un_pdf import REPORT_DATES

    version = code_version("readers/un_pdf", "countries", "schema")
    if REPORT_DATES.exists():
        version = hashlib.sha256((version + sha256_file(REPORT_DATES)).encode()).hexdigest()[:12]
    return version


def _cached_parse(pdfs: list[Path], ctx: BuildContext) -> dict[Path, tuple[str, dict[str, Any], pd.DataFrame]]:
    version = parse_cache_version()
    cache = ctx.cache / "un_pdf"
    cache.mkdir(parents=True, exist_ok=True)
    out: dict[Path, tuple[str, dict[str, Any], pd.DataFrame]] = {}
    todo: list[tuple[Path, str]] = []
    for pdf in pdfs:
        digest = sha256_file(pdf)
        stem = cache / f"{digest}-{version}"
        if stem.with_suffix(".json").exists() and stem.with_suffix(".parquet").exists():
            meta = json.loads(stem.with_suffix(".json").read_text())
            frame = pd.read_parquet(stem.with_suffix(".parquet"))
            frame["source"] = pdf.name  # the same bytes may arrive under another name
            out[pdf] = (digest, meta, schema.coerce(frame))
        else:
            todo.append((pdf, digest))
    if todo:
        errors: list[tuple[str, BaseException]] = []

        def keep(pdf: Path, digest: str, result: tuple[dict[str, Any], pd.DataFrame]) -> None:
            meta, frame = result
            stem = cache / f"{digest}-{version}"
            frame.to_parquet(stem.with_suffix(".parquet"), index=False)
            stem.with_suffix(".json").write_text(json.dumps(meta, sort_keys=True))
            out[pdf] = (digest, meta, frame)

        workers = max(1, min(ctx.workers, len(todo)))
        if workers == 1:
            for pdf, digest in todo:
                try:
                    keep(pdf, digest, _parse_pdf(str(pdf)))
                except PkdataError as exc:
                    errors.append((pdf.name, exc))
        else:
            with ProcessPoolExecutor(workers) as pool:
                futures = {pool.submit(_parse_pdf, str(pdf)): (pdf, digest) for pdf, digest in todo}
                for fut, (pdf, digest) in futures.items():
                    try:
                        keep(pdf, digest, fut.result())
                    except PkdataError as exc:
                        errors.append((pdf.name, exc))
        if errors:
            # Reports that parsed are cached; the first failure (by file name) is raised, the rest listed.
            errors.sort(key=lambda e: e[0])
            first = errors[0][1]
            if len(errors) > 1:
                others = "; ".join(f"{name}: {type(e).__name__}" for name, e in errors[1:])
                first.add_note(f"{len(errors) - 1} more file(s) failed: {others}")
            raise first
    return out


def _content_key(frame: pd.DataFrame) -> str:
    body = frame.drop(columns=["source"]).to_csv(index=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _same_month_choice(date: str, files: list[Path]) -> Path:
    """Of several files printing the same month, prefer the one whose name says that month."""
    tag = date[:7].replace("-", "_")
    named = [f for f in files if tag in f.name]
    return named[0] if named else sorted(files)[0]


def step_un_pdfs(ctx: BuildContext) -> StepResult:
    """Parse every UN monthly PDF; detect duplicate months by content; one table of rows.

    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> (raw / "un_monthly_pdfs").mkdir()
    >>> report = FIXTURES / "UN_country_contributions_2019_08.pdf"
    >>> (raw / "un_monthly_pdfs" / report.name).symlink_to(report)
    >>> ctx = BuildContext(raw=raw, reference=FIXTURES, cache=Path(tempfile.mkdtemp()))
    >>> result = step_un_pdfs(ctx)  # without PDFs in the raw folder: the 126 reference copies
    >>> len(result.sources), sorted(result.extra["contributions_months"])
    (1, ['2019-08'])
    """
    folder = ctx.find("un_monthly_pdfs", "personnel/un_monthly_pdfs_kl371218")
    pdfs = sorted(folder.glob("*.pdf"))
    if not pdfs:
        raise PkdataError(f"no UN monthly PDF reports (*.pdf) in {folder}")
    parsed = _cached_parse(pdfs, ctx)
    by_date: dict[str, list[Path]] = {}
    for pdf in pdfs:
        by_date.setdefault(parsed[pdf][1]["report_date"], []).append(pdf)
    frames = []
    sources = []
    months: dict[str, dict[str, Any]] = {}
    for date in sorted(by_date):
        files = by_date[date]
        keep = _same_month_choice(date, files)
        keep_key = _content_key(parsed[keep][2])
        for f in files:
            if f != keep and _content_key(parsed[f][2]) != keep_key:
                raise PkdataError(
                    f"{f.name} and {keep.name} both print the report date {date} but their contents differ; "
                    "remove the wrong file from the raw folder and rebuild")
        frames.append(parsed[keep][2])
        meta = parsed[keep][1]
        months[date[:7]] = {
            "source": keep.name,
            "granularity": ("mission" if meta["has_mission"] else "country")
            + ("+gender" if meta["has_gender"] else ""),
        }
        for f in files:
            digest, fmeta, frame = parsed[f]
            entry = {
                "name": f.name,
                "sha256": digest,
                "bytes": f.stat().st_size,
                "publisher": UN_PDF_PUBLISHER,
                "url_pattern": UN_PDF_URL,
                "table": "contributions",
                **fmeta,
                "rows": int(len(frame)) if f == keep else 0,
            }
            if f != keep:
                entry["duplicate_of"] = keep.name
                entry["note"] = f"same report date ({date}) and identical rows as {keep.name}; not counted twice"
            sources.append(entry)
    table = pd.concat(frames, ignore_index=True)
    sources.sort(key=lambda e: e["name"])
    return StepResult({"contributions": table}, sources, {"contributions_months": months})


# --------------------------------------------------------------------------- orchestration

#: Build steps, in order, as "module:function" (imported when the build runs). Each takes a
#: BuildContext and returns a StepResult; later steps see earlier tables in ``ctx.tables``.
STEPS: list[str] = [
    "pkdata.build:step_un_pdfs",
    "pkdata.history:step_history",
    "pkdata.operations:step_missions",
    "pkdata.finance:step_finance",
]


def _resolve(step: str | Callable[[BuildContext], StepResult]) -> Callable[[BuildContext], StepResult]:
    if callable(step):
        return step
    module, _, func = step.partition(":")
    return getattr(import_module(module), func)


def _finalise_contributions(table: pd.DataFrame) -> pd.DataFrame:
    table = schema.coerce(table)
    table = table.sort_values(list(schema.KEY), na_position="first", kind="mergesort").reset_index(drop=True)
    return schema.validate(table)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="snappy", write_statistics=True)


def _months_between(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def build(raw: str | Path | None = None, out: str | Path | None = None, *, reference: str | Path | None = None,
          cache: str | Path | None = None, steps: list[str | Callable[[BuildContext], StepResult]] | None = None,
          workers: int = 2) -> dict[str, Any]:
    """Build every processed table from the raw files; return the manifest.

    ``raw`` defaults to ``PKDATA_RAW`` / ``data/raw``; sources missing there are read from
    the reference copies (``PKDATA_REFERENCE``). ``out`` defaults to ``PKDATA_DATA`` /
    ``data/processed``. Nothing in ``out`` changes unless the whole build succeeds.

    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp()) / "raw"
    >>> (raw / "un_monthly_pdfs").mkdir(parents=True)
    >>> report = FIXTURES / "UN_country_contributions_2019_08.pdf"
    >>> (raw / "un_monthly_pdfs" / report.name).symlink_to(report)
    >>> m = build(raw=raw, out=raw.parent / "out", steps=["pkdata.build:step_un_pdfs"])
    >>> m["contributions"]["months"]
    {'2019-08': {'source': 'UN_country_contributions_2019_08.pdf', 'granularity': 'country+gender'}}
    """
    ctx = BuildContext(
        raw=Path(raw) if raw else paths.raw_dir(),
        reference=Path(reference) if reference else paths.reference_dir(),
        cache=Path(cache) if cache else paths.cache_dir(),
        workers=workers,
    )
    out_dir = Path(out) if out else paths.processed_dir()
    tables: dict[str, pd.DataFrame] = {}
    sources: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for step in steps if steps is not None else STEPS:
        result = _resolve(step)(ctx)
        for name, df in result.tables.items():
            if name in tables:
                raise PkdataError(f"two build steps produce table {name!r}")
            if name == "contributions":
                df = _finalise_contributions(df)
            tables[name] = ctx.tables[name] = df
        sources.extend(result.sources)
        extra.update(result.extra)
        if "contributions_history" in tables:
            # IPI / UN CSV months that no PDF covers join the one canonical table (precedence in
            # pkdata.history); later steps (missions) then check the merged table.
            from pkdata.history import fold_history

            tables.pop("contributions_history")
            ctx.tables.pop("contributions_history")
            merged, extra["contributions_months"] = fold_history(
                tables.get("contributions"), result.tables["contributions_history"],
                extra.get("contributions_months"), extra.pop("contributions_history_months", {}))
            tables["contributions"] = ctx.tables["contributions"] = _finalise_contributions(merged)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".pkdata-build-", dir=out_dir.parent))
    try:
        table_meta = {}
        for name in sorted(tables):
            path = tmp / f"{name}.parquet"
            _write_parquet(tables[name], path)
            table_meta[name] = {
                "file": path.name,
                "rows": int(len(tables[name])),
                "columns": list(map(str, tables[name].columns)),
                "sha256": sha256_file(path),
            }
        manifest: dict[str, Any] = {"format_version": FORMAT_VERSION, "tables": table_meta,
                                    "sources": sorted(sources, key=lambda e: (e.get("table", ""), e["name"]))}
        months = extra.pop("contributions_months", None)
        if months:
            covered = sorted(months)
            manifest["contributions"] = {
                "first_month": covered[0],
                "last_month": covered[-1],
                "months": {m: months[m] for m in covered},
                "missing_months": [m for m in _months_between(covered[0], covered[-1]) if m not in months],
            }
        manifest.update(extra)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in sorted(tmp.iterdir()):
            os.replace(f, out_dir / f.name)
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

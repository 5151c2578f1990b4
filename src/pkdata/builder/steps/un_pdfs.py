"""Build step for the UN monthly PDF reports: parse (cached per file), de-duplicate months, one table."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pkdata.builder import stepcache
from pkdata.builder.context import BuildContext, Step, StepResult, code_version
from pkdata.builder.readers.un_pdf import (
    REPORT_DATES,
    listed_contributors,
    parse_report,
    preload,
    report_date_overrides,
    table_to_frame,
    to_table,
)
from pkdata.core import atomic, countries, schema, sources
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file

SOURCE = "un_dpo_monthly_pdfs"

# --------------------------------------------------------------------------- UN PDF reports


def _parse_pdf(path: str, dates: dict[str, pd.Timestamp] | None = None) -> tuple[dict[str, Any], pa.Table]:
    report = parse_report(path, date_overrides=dates)
    rows = to_table(report)
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
        # every contributor the report lists, zeros included: [[iso3, total], ...] (table listed_contributors)
        "listed": [[k, int(v)] for k, v in listed_contributors(report).items()],
    }
    return meta, rows


def parse_cache_version(dates: Path = REPORT_DATES) -> str:
    """Cache key part for parsed reports: the reader code, country and type tables, the curated dates (the
    ``report_dates.csv`` the build reads: the raw folder's, else the package's).

    >>> len(parse_cache_version())
    12
    """
    version = code_version(
        "builder/readers/un_pdf", "core/countries", "core/schema", "data/country_names.csv", "data/countries.csv"
    )
    if dates.exists():
        version = hashlib.sha256((version + sha256_file(dates)).encode()).hexdigest()[:12]
    return version


def _cached_parse(pdfs: list[Path], ctx: BuildContext) -> dict[Path, tuple[str, dict[str, Any], pa.Table]]:
    """Each report's (sha256, meta, rows): from the parse cache, else parsed (in worker processes) and cached."""
    dates_file = ctx.curated("report_dates.csv")
    dates = report_date_overrides(dates_file)  # checked before any parse (a bad row is one clear error)
    version = parse_cache_version(dates_file)
    cache = ctx.cache / "un_pdf"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:  # parsed without a cache: said once after the parse
        pass
    atomic.clean_leftovers(cache)  # .part files of a killed build
    out: dict[Path, tuple[str, dict[str, Any], pa.Table]] = {}
    hits: dict[str, tuple[dict[str, Any], pa.Table] | None] = {}  # one cache lookup per distinct content
    todo: dict[str, list[Path]] = {}  # sha256 -> the files with those bytes (a raw copy of a reference report)
    for pdf in pdfs:
        digest = stepcache.file_digest(pdf)  # hashed once, when the build planned its step keys
        if digest not in hits:
            hits[digest] = _cache_get(cache / f"{digest}-{version}")
        hit = hits[digest]
        if hit is not None:
            out[pdf] = (digest, *hit)  # the source column is set from the file's name in step_un_pdfs
        else:
            todo.setdefault(digest, []).append(pdf)
    if todo:
        jobs = [(str(files[0]), str(cache / f"{digest}-{version}"), dates) for digest, files in todo.items()]
        parsed = _parse_all(jobs, ctx)
        errors: list[tuple[str, BaseException]] = []
        unwritten = set()
        for (digest, files), result in zip(todo.items(), parsed, strict=True):
            if isinstance(result, BaseException):
                errors.append((files[0].name, result))
                continue
            *parse, why = result
            unwritten.add(why)
            for pdf in files:
                out[pdf] = (digest, *parse)
        unwritten.discard(None)
        if unwritten:  # once, not once per report
            stepcache.warn(f"cannot write the parse cache {cache} ({', '.join(sorted(unwritten))}); not kept")
        _raise_first(errors)
    return out


def _parse_all(jobs: list[tuple[str, str, dict[str, pd.Timestamp]]], ctx: BuildContext) -> list[Any]:
    """Parse each (path, cache stem, curated dates) job, in worker processes when ``ctx.workers`` > 1: (meta,
    rows, why the cache was not written) or the report's error, in the order of ``jobs``. Stops (and stops the
    workers) when the build stops."""
    workers = max(1, min(ctx.workers, len(jobs)))
    if workers == 1:
        return [_caught(functools.partial(_parse_into_cache, *job), ctx) for job in jobs]
    preload()  # workers forked (Linux) start with the PDF library and the layouts imported
    pool = ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(os.getpid(),))
    try:
        # the largest reports first, so that no long parse is left for one worker at the end
        by_size = sorted(range(len(jobs)), key=lambda i: -os.path.getsize(jobs[i][0]))
        futures = {i: pool.submit(_parse_into_cache, *jobs[i]) for i in by_size}
        results = []
        for i in range(len(jobs)):
            while not wait([futures[i]], timeout=0.2).done:
                ctx.check_stop()
            results.append(_caught(futures[i].result, ctx))
    except BaseException:
        _stop_pool(pool)  # SIGTERM/SIGINT, another step failed, or an unexpected error: no worker outlives the build
        raise
    pool.shutdown()
    return results


def _caught(call: Callable[[], tuple[Any, ...]], ctx: BuildContext) -> Any:
    ctx.check_stop()
    try:
        return call()
    except PkdataError as exc:
        return exc


def _raise_first(errors: list[tuple[str, BaseException]]) -> None:
    """Reports that parsed are cached; the first failure (by file name) is raised, the rest listed."""
    if not errors:
        return
    errors.sort(key=lambda e: e[0])
    first = errors[0][1]
    if len(errors) > 1:
        others = "; ".join(f"{name}: {type(e).__name__}" for name, e in errors[1:])
        first.add_note(f"{len(errors) - 1} more file(s) failed: {others}")
    raise first


# --------------------------------------------------------------------------- parse cache and workers


def _cache_get(stem: Path) -> tuple[dict[str, Any], pa.Table] | None:
    """A cached parse (meta, rows as an Arrow table), or None when missing, unreadable or failing its checksums
    (a cut, flipped or hand-edited file: one line says so, and the report is parsed again and the entry
    replaced).

    An entry is ``<pdf sha256>-<version>.parquet`` (the rows) and ``.json``: the report's meta, the inputs
    (the PDF's sha256 and the parser version, as the name gives them), the rows file's sha256 and the sha256 of
    the JSON's own content.
    """
    meta_path, rows_path = stem.with_suffix(".json"), stem.with_suffix(".parquet")
    if not (meta_path.exists() and rows_path.exists()):
        return None
    try:
        entry = json.loads(meta_path.read_text(encoding="utf-8"))
        _check_entry(entry, stem, rows_path)
        frame = pq.read_table(rows_path)
        if frame.column_names != list(schema.COLUMNS):
            raise ValueError("its columns are not those of the parser")
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is a cache miss; it is replaced
        why = str(exc) if isinstance(exc, ValueError) else f"it cannot be read ({type(exc).__name__})"
        stepcache.warn(f"parse cache entry {stem.name} is damaged: {why}; parsing the report again")
        for f in (meta_path, rows_path):
            with contextlib.suppress(OSError):
                f.unlink()
        return None
    return entry["meta"], frame


def _check_entry(entry: Any, stem: Path, rows_path: Path) -> None:
    """Raise ValueError naming what fails: the entry's form, inputs or checksums."""
    if not isinstance(entry, dict) or not isinstance(entry.get("meta"), dict) or "report_date" not in entry["meta"]:
        raise ValueError("it is not a parse cache entry of this version")
    if entry.get("checksum") != stepcache.content_digest(entry):
        raise ValueError(f"{stem.name}.json does not match its checksum")
    if entry.get("inputs") != _inputs(stem):
        raise ValueError("it was stored for another report or parser version")
    if sha256_file(rows_path) != entry.get("rows_sha256"):
        raise ValueError(f"{rows_path.name} does not match its checksum")


def _inputs(stem: Path) -> dict[str, str]:
    digest, _, version = stem.name.rpartition("-")
    return {"pdf_sha256": digest, "parser": version}


def _parse_into_cache(
    path: str, stem: str, dates: dict[str, pd.Timestamp] | None = None
) -> tuple[dict[str, Any], pa.Table, str | None]:
    """Parse one report and store it in the parse cache (in a worker process, so that the writing is parallel
    too); its (meta, rows, why the cache could not be written or None)."""
    meta, rows = _parse_pdf(path, dates)
    try:
        _cache_put(Path(stem), meta, rows)
    except (OSError, pa.ArrowException) as exc:  # a full disk under the cache must not fail the build
        return meta, rows, getattr(exc, "strerror", None) or type(exc).__name__
    return meta, rows, None


def _cache_put(stem: Path, meta: dict[str, Any], rows: pa.Table) -> None:
    """Store a parse: rows then meta, each written to a temporary name and renamed (the meta marks it complete
    and carries the checksums :func:`_cache_get` checks)."""
    rows_path = stem.with_suffix(".parquet")
    tmp = atomic.part_name(rows_path)
    try:
        pq.write_table(rows, tmp)
        digest = sha256_file(tmp)
        atomic.replace_from(tmp, rows_path)
    finally:
        tmp.unlink(missing_ok=True)
    atomic.fault_point("cache_json")
    entry = json.loads(json.dumps({"meta": meta, "inputs": _inputs(stem), "rows_sha256": digest}))
    entry["checksum"] = stepcache.content_digest(entry)
    atomic.write_text(stem.with_suffix(".json"), json.dumps(entry, sort_keys=True))


def _worker_init(parent: int) -> None:
    """In each parser process: die with the parent (a killed build leaves no worker behind); collect garbage
    less often."""
    import gc
    import signal
    import sys
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler, inherited through fork
    if sys.platform.startswith("linux"):
        import ctypes

        try:  # PR_SET_PDEATHSIG (1): the kernel sends SIGKILL when the parent exits
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the worker started

    def watch() -> None:  # other systems (and a belt to the braces): poll the parent
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="pkdata-parent-watch").start()
    # A report is some 7,000 short-lived objects a page and almost no cycles: with the default thresholds the
    # collector ran hundreds of times a report, each time walking the modules inherited from the parent too
    # (about a tenth of the parse). Those are set aside (freeze) and the young generation collected less often.
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()


def _same_rows(a: pa.Table, b: pa.Table) -> bool:
    """Two reports' rows are the same, whatever their file names (equal Arrow tables, else equal as CSV text)."""
    a, b = a.drop_columns(["source"]), b.drop_columns(["source"])
    return a.equals(b) or table_to_frame(a).to_csv(index=False) == table_to_frame(b).to_csv(index=False)


def _rows_of(chosen: list[tuple[str, pa.Table]]) -> pd.DataFrame:
    """The rows of the chosen reports, in order, as one canonical frame; ``source`` is each file's name (the same
    bytes may arrive under another name). One Arrow concatenation and one conversion, not one per report."""
    if not chosen:
        return schema.empty_contributions()
    table = pa.concat_tables([rows.drop_columns(["source"]) for _, rows in chosen], promote_options="permissive")
    names = sorted({name for name, _ in chosen})
    code = {name: i for i, name in enumerate(names)}
    codes = np.repeat([code[name] for name, _ in chosen], [rows.num_rows for _, rows in chosen])
    frame = table_to_frame(table)
    frame.insert(list(schema.COLUMNS).index("source"), "source", pd.Categorical.from_codes(codes, categories=names))
    return schema.coerce(frame)


def _same_month_choice(date: str, files: list[Path]) -> Path:
    """Of several files printing the same month, prefer the one whose name says that month."""
    tag = date[:7].replace("-", "_")
    named = [f for f in files if tag in f.name]
    return named[0] if named else sorted(files)[0]


def step_un_pdfs(ctx: BuildContext) -> StepResult:
    """Parse every UN monthly PDF; detect duplicate months by content; one table of rows (``contributions_pdf``,
    merged with the history by :func:`pkdata.builder.steps.history.step_merge`).

    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> (raw / "un_monthly_pdfs").mkdir()
    >>> report = FIXTURES / "UN_country_contributions_2019_08.pdf"
    >>> (raw / "un_monthly_pdfs" / report.name).symlink_to(report)
    >>> ctx = BuildContext(raw=raw, reference=FIXTURES, cache=Path(tempfile.mkdtemp()))
    >>> result = step_un_pdfs(ctx)  # the raw folder's one report (inputs="only")
    >>> len(result.sources), sorted(result.extra["contributions_pdf_months"])
    (1, ['2019-08'])
    """
    registry = sources.source(SOURCE)
    raw_pdfs, reference_pdfs = ctx.find_all(registry["raw_sub"], registry["reference_sub"], ".pdf")
    pdfs = raw_pdfs + reference_pdfs
    if not pdfs:
        raise PkdataError(
            f"no UN monthly PDF reports (*.pdf) in {ctx.raw / registry['raw_sub']} or "
            f"{ctx.reference / registry['reference_sub']}: get them with `pkdata fetch` (from the "
            f"publisher, or `pkdata fetch --all --from DIR` from a local copy) into {ctx.raw / registry['raw_sub']}, "
            f"or point PKDATA_REFERENCE at a folder holding {registry['reference_sub']}"
        )
    parsed = _cached_parse(pdfs, ctx)
    by_date = _by_date(parsed, pdfs, set(raw_pdfs))
    frames, listed, entries = [], [], []
    months: dict[str, dict[str, Any]] = {}
    for date in sorted(by_date):
        files = by_date[date]
        keep = _same_month_choice(date, files)
        _check_same_rows(date, files, keep, parsed)
        frames.append((keep.name, parsed[keep][2]))
        meta = parsed[keep][1]
        listed.append(
            pd.DataFrame(meta["listed"], columns=["contributor_iso3", "total"]).assign(
                date=pd.Timestamp(date), source=keep.name
            )
        )
        granularity = ("mission" if meta["has_mission"] else "country") + ("+gender" if meta["has_gender"] else "")
        months[date[:7]] = {"source": keep.name, "granularity": granularity}
        entries += [_source_entry(f, keep, date, parsed[f], registry) for f in files]
    entries.sort(key=lambda e: e["name"])
    return StepResult(
        {"contributions_pdf": _rows_of(frames), "listed_contributors": _listed_table(listed)},
        entries,
        {"contributions_pdf_months": months},
    )


def _by_date(parsed: dict[Path, tuple[str, dict[str, Any], pa.Table]], pdfs: list[Path], from_raw: set[Path]) -> dict:
    """Report date -> the files printing it; with inputs="add" a raw report replaces the reference one."""
    by_date: dict[str, list[Path]] = {}
    for pdf in pdfs:
        by_date.setdefault(parsed[pdf][1]["report_date"], []).append(pdf)
    for date, files in by_date.items():
        if any(f in from_raw for f in files):
            by_date[date] = [f for f in files if f in from_raw]
    return by_date


def _check_same_rows(date: str, files: list[Path], keep: Path, parsed: dict) -> None:
    for f in files:
        if f != keep and not _same_rows(parsed[f][2], parsed[keep][2]):
            raise PkdataError(
                f"{f.name} and {keep.name} both print the report date {date} but their contents differ; "
                "remove the wrong file from the raw folder and rebuild"
            )


def _source_entry(
    f: Path, keep: Path, date: str, parse: tuple[str, dict[str, Any], pa.Table], registry: dict[str, Any]
) -> dict[str, Any]:
    """The manifest entry of one report file (a duplicate of the kept one counts no rows)."""
    digest, fmeta, frame = parse
    zero = sum(1 for _, total in fmeta["listed"] if total == 0)
    fmeta = {k: v for k, v in fmeta.items() if k != "listed"}
    fmeta |= {"contributors_listed": len(parse[1]["listed"]), "contributors_listed_with_0": zero}
    entry = {
        "name": f.name,
        "sha256": digest,
        "bytes": f.stat().st_size,
        "publisher": registry["publisher"],
        "url_pattern": registry["url_pattern"],
        "table": "contributions",
        **fmeta,
        "rows": int(frame.num_rows) if f == keep else 0,
    }
    if f != keep:
        entry["duplicate_of"] = keep.name
        entry["note"] = f"same report date ({date}) and identical rows as {keep.name}; not counted twice"
    return entry


def _listed_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Month x contributor as each report lists them, 0 personnel included (``contributions`` keeps total > 0)."""
    df = pd.concat(frames, ignore_index=True)
    df["contributor"] = df["contributor_iso3"].map(countries.display_name)
    df = df.loc[:, ["date", "contributor_iso3", "contributor", "total", "source"]]
    df["total"] = df["total"].astype("int64")
    for col in ("contributor_iso3", "contributor", "source"):
        df[col] = df[col].astype("string")
    return df.sort_values(["date", "contributor_iso3"], kind="mergesort").reset_index(drop=True)


STEP = Step(
    "un_pdfs",
    "pkdata.builder.steps.un_pdfs:step_un_pdfs",
    "parse the UN monthly PDF reports (parse cache per file, worker processes)",
    sources=(SOURCE,),
    curated=("report_dates.csv",),
    writes=("listed_contributors",),
    passes=("contributions_pdf", "contributions_pdf_months"),
    cache=False,  # the parse cache serves it: the step itself only joins the parsed reports (a fraction of a second)
    needs=("pymupdf",),
)

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
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata.builder import stepcache
from pkdata.builder.context import BuildContext, StepResult
from pkdata.builder.steps.history import fold_history
from pkdata.core import atomic, paths, schema
from pkdata.core.errors import PkdataError, ShrinkError
from pkdata.core.hashes import sha256_file

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


# --------------------------------------------------------------------------- orchestration

#: Build steps, in order, as "module:function" (imported when the build runs). Each takes a
#: BuildContext and returns a StepResult; later steps see earlier tables in ``ctx.tables``.
STEPS: list[str] = [
    "pkdata.builder.steps.un_pdfs:step_un_pdfs",
    "pkdata.builder.steps.history:step_history",
    "pkdata.builder.steps.missions:step_missions",
    "pkdata.builder.steps.funding:step_finance",
    "pkdata.builder.steps.quality_flags:step_quality",
    "pkdata.builder.steps.targets:step_targets",
    "pkdata.builder.steps.codes:step_codes",  # every contributor, nationality and member code has COW/GW/ISO rows
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


def build(
    raw: str | Path | None = None,
    out: str | Path | None = None,
    *,
    reference: str | Path | None = None,
    cache: str | Path | None = None,
    steps: list[str | Callable[[BuildContext], StepResult]] | None = None,
    workers: int = 2,
    inputs: Literal["add", "only"] = "only",
    allow_shrink: bool = False,
) -> dict[str, Any]:
    """Build every processed table from the raw files; return the manifest.

    ``raw`` defaults to ``PKDATA_RAW`` / ``data/raw``; sources missing there are read from
    the reference copies (``PKDATA_REFERENCE``). ``out`` defaults to ``PKDATA_DATA`` /
    ``data/processed``. Nothing in ``out`` changes unless the whole build succeeds.

    ``inputs="only"`` reads the UN PDF reports of the raw folder alone when it has any;
    ``inputs="add"`` (what ``pkdata build`` and ``pkdata update`` use) adds them to the reference
    reports, a raw report replacing the reference report that prints the same month. A build that
    would drop months ``out`` already has raises :class:`~pkdata.core.errors.ShrinkError` unless
    ``allow_shrink=True``.

    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp()) / "raw"
    >>> (raw / "un_monthly_pdfs").mkdir(parents=True)
    >>> report = FIXTURES / "UN_country_contributions_2019_08.pdf"
    >>> (raw / "un_monthly_pdfs" / report.name).symlink_to(report)
    >>> m = build(raw=raw, out=raw.parent / "out", steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs"])
    >>> m["contributions"]["months"]
    {'2019-08': {'source': 'UN_country_contributions_2019_08.pdf', 'granularity': 'country+gender'}}
    """
    if inputs not in ("add", "only"):
        raise PkdataError(f"inputs={inputs!r}: expected 'add' or 'only'")
    _check_out(Path(out) if out else paths.processed_dir())
    ctx = BuildContext(
        raw=Path(raw) if raw else paths.raw_dir(),
        reference=Path(reference) if reference else paths.reference_dir(),
        cache=Path(cache) if cache else paths.cache_dir(),
        workers=workers,
        input_mode=inputs,
    )
    out_dir = Path(out) if out else paths.processed_dir()
    step_list = list(steps if steps is not None else STEPS)
    ctx.tables = stepcache.ReadTracker()
    ctx.extra = stepcache.ReadTracker()
    planned = _plan(ctx, step_list)
    memo = _memo_path(ctx, out_dir)
    if planned is not None:
        done = _unchanged(out_dir, memo, planned)
        if done is not None:
            return done
    tables: dict[str, pd.DataFrame] = {}
    sources: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    lineage: dict[str, tuple[str, ...]] = {}
    cacheable = True
    for step in step_list:
        name_of_step = step if isinstance(step, str) and cacheable else None
        entry = stepcache.lookup(ctx, name_of_step, lineage) if name_of_step else None
        if entry is not None:
            result, key = stepcache.load(entry), entry.key
        else:
            ctx.inputs.clear()
            ctx.tables.read.clear()
            ctx.extra.read.clear()
            result = _resolve(step)(ctx)
            reads = ctx.tables.read | {f"extra:{k}" for k in ctx.extra.read}
            key = stepcache.store(ctx, name_of_step, result, lineage, reads) if name_of_step else None
            cacheable = cacheable and key is not None  # later steps may read what this one made
        _advance(lineage, result.tables, result.extra, key or "")
        if "contributions_history" in result.tables:
            # IPI / UN CSV months that no PDF covers join the one canonical table (precedence in
            # pkdata.builder.steps.history); later steps (missions) then check the merged table.
            merged, extra["contributions_months"], result = fold_history(
                tables.get("contributions"), extra.get("contributions_months"), result
            )
            tables["contributions"] = _finalise_contributions(merged)
            dict.__setitem__(ctx.tables, "contributions", tables["contributions"])
            dict.__setitem__(ctx.extra, "contributions_months", extra["contributions_months"])
        for name, df in result.tables.items():
            if name in tables and name not in result.replaces:
                raise PkdataError(f"two build steps produce table {name!r}")
            if name == "contributions":
                df = _finalise_contributions(df)
            tables[name] = df
            dict.__setitem__(ctx.tables, name, df)
        sources.extend(result.sources)
        extra.update(result.extra)
        dict.update(ctx.extra, result.extra)

    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "sources": sorted(sources, key=lambda e: (e.get("table", ""), e["name"])),
    }
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
    manifest = _publish(out_dir, tables, manifest, allow_shrink=allow_shrink)
    if planned is not None or cacheable:
        _remember(memo, _plan(ctx, step_list), out_dir)
    return manifest


# --------------------------------------------------------------------------- writing the outputs


def _check_out(out_dir: Path) -> None:
    """Before any work: the output can be written (created later, only by a build that succeeds), and what an
    interrupted build left there is finished or removed."""
    if out_dir.is_dir():
        atomic.check_output_dir(out_dir)
        atomic.repair(out_dir)
        return
    if out_dir.exists():
        atomic.check_output_dir(out_dir)  # raises: a file where the folder should be
    parent = next((p for p in out_dir.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise PkdataError(
            f"cannot create the output folder {out_dir}: {parent} is not a folder you can write; "
            "pass --out a folder you can write"
        )


def _previous_months(out_dir: Path) -> set[str]:
    """Months of the contributions table the output folder holds now (none if it has no readable manifest)."""
    try:
        old = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return set(old.get("contributions", {}).get("months", {}))
    except (OSError, ValueError, AttributeError):
        return set()


def _check_shrink(out_dir: Path, manifest: dict[str, Any], allow_shrink: bool) -> None:
    dropped = sorted(_previous_months(out_dir) - set(manifest.get("contributions", {}).get("months", {})))
    if dropped and not allow_shrink:
        shown = ", ".join(dropped[:24]) + (f" and {len(dropped) - 24} more" if len(dropped) > 24 else "")
        raise ShrinkError(
            f"the build would drop {len(dropped)} month(s) that {out_dir} has: {shown}. Nothing was changed. "
            "If the raw folder is meant to add to the reference reports, leave out --raw-only; to replace the "
            "data with fewer months on purpose, pass --allow-shrink (allow_shrink=True)"
        )


def _publish(
    out_dir: Path, tables: dict[str, pd.DataFrame], manifest: dict[str, Any], *, allow_shrink: bool
) -> dict[str, Any]:
    """Write the tables and the manifest into a swap folder inside ``out_dir``, then switch them in atomically.

    The manifest (written last) names each table's sha256; the loaders refuse a table that does not match.
    """
    if out_dir.is_dir():
        atomic.repair(out_dir)  # finish (or clear) what an interrupted build left
    tmp = atomic.new_swap(out_dir)  # creates out_dir if needed
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
            atomic.fault_point("write_table")
        manifest = {**manifest, "tables": table_meta}
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        # the Frictionless descriptor of the tables, from the codebook (fails on a column it does not document)
        from pkdata.core.datapackage import DATAPACKAGE, datapackage_json

        (tmp / DATAPACKAGE).write_text(datapackage_json(tmp), encoding="utf-8")
        atomic.mark_ready(tmp, [*(meta["file"] for meta in table_meta.values()), DATAPACKAGE, MANIFEST])
        atomic.fault_point("ready")
        atomic.commit_swap(tmp, out_dir, check=lambda: _check_shrink(out_dir, manifest, allow_shrink))
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- step cache


def _advance(lineage: dict[str, tuple[str, ...]], produced: Any, extras: Any, key: str) -> None:
    """Record which step made each table and manifest key.

    The fold (:func:`~pkdata.builder.steps.history.fold_history`) makes ``contributions``, its months and every
    manifest key of the history step from both the PDF rows and the history rows: they carry both keys.
    """
    for name in produced:
        lineage[name] = (key,)
    for name in extras:
        lineage[f"extra:{name}"] = (key,)
    if "contributions_history" in produced:
        both = lineage.get("contributions", ()) + (key,)
        lineage["contributions"] = both
        for name in [*extras, "contributions_months"]:
            lineage[f"extra:{name}"] = both


def _plan(ctx: BuildContext, step_list: list[Any]) -> list[str] | None:
    """The cache keys of every step when every step is cached for the current inputs, else None."""
    lineage: dict[str, tuple[str, ...]] = {}
    keys = []
    for step in step_list:
        entry = stepcache.lookup(ctx, step, lineage) if isinstance(step, str) else None
        if entry is None:
            return None
        keys.append(entry.key)
        _advance(lineage, entry.tables, entry.extras, entry.key)
    return keys


def _memo_path(ctx: BuildContext, out_dir: Path) -> Path:
    where = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return ctx.cache / "builds" / f"{where}.json"


def _unchanged(out_dir: Path, memo: Path, keys: list[str]) -> dict[str, Any] | None:
    """The output's manifest when the last build into ``out_dir`` had these step keys and its files are intact."""
    try:
        seen = json.loads(memo.read_text())
        manifest_path = out_dir / MANIFEST
        if seen.get("keys") != keys or sha256_file(manifest_path) != seen.get("manifest"):
            return None
        manifest = json.loads(manifest_path.read_text())
        for meta in manifest["tables"].values():
            if sha256_file(out_dir / meta["file"]) != meta["sha256"]:
                return None
        return manifest
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(memo: Path, keys: list[str] | None, out_dir: Path) -> None:
    if keys is None:
        return
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(f".{memo.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"keys": keys, "manifest": sha256_file(out_dir / MANIFEST), "out": str(out_dir)}))
    os.replace(tmp, memo)

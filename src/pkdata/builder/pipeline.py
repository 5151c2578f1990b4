"""Raw source files -> ``data/processed`` (parquet tables + ``manifest.json``).

The build is deterministic (same inputs, byte-identical outputs: rows sorted by key, no
timestamps) and all-or-nothing: every table is written to a temporary folder beside the
output and moved into place only after every source parsed and validated, so a failed
build leaves ``data/processed`` as it was.

Each step is a function ``step(ctx) -> StepResult`` with a declaration
(:class:`~pkdata.builder.context.Step`: the sources, curated files and tables it reads, the tables and
manifest keys it writes). The pipeline is a plain runner over that graph (:mod:`pkdata.builder.graph`):
a step starts when the writers of what it reads have finished, steps that do not depend on each other run
side by side (threads; the PDF step parses in worker processes), a failing step stops the build with its
error, and a step whose declared inputs are unchanged is served by the step cache
(:mod:`pkdata.builder.stepcache`). Tables a step passes on (``contributions_pdf``, ...) are not published.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata.builder import graph, stepcache
from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.core import atomic, paths, store
from pkdata.core.errors import PkdataError, ShrinkError
from pkdata.core.hashes import sha256_file

MANIFEST = "manifest.json"
FORMAT_VERSION = store.FORMAT_VERSION  # the loaders refuse a folder of another version

#: Every build step, as "module:function", in the order the declarations list them (:func:`graph.declared`).
STEPS: list[str] = [s.run for s in graph.declared()]

StepSpec = str | Callable[[BuildContext], StepResult]


# --------------------------------------------------------------------------- orchestration


@dataclass
class _Run:
    """What the steps of one build produced so far."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)  # step name -> its cache key (None: not cacheable)
    published: set[str] = field(default_factory=set)

    def accept(self, name: str, result: StepResult, published: set[str]) -> None:
        self.tables.update(result.tables)
        self.extra.update(result.extra)
        self.sources[name] = list(result.sources)
        self.published |= published & (set(result.tables) | set(result.extra))


def _split(steps: list[StepSpec]) -> tuple[list[Callable[[BuildContext], StepResult]], list[tuple[Step, Any]]]:
    """Functions without a declaration (run first, in order, as given) and declared steps with the function to
    call (a declared step passed as a function runs that function, uncached)."""
    loose, declared = [], []
    for spec in steps:
        run = spec if isinstance(spec, str) else f"{spec.__module__}:{spec.__name__}"
        step = graph.by_run(run)
        if step is None and isinstance(spec, str):
            raise PkdataError(f"unknown build step {spec!r}; the steps are: {', '.join(STEPS)}")
        if step is None:
            loose.append(spec)
        else:
            declared.append((step, None if isinstance(spec, str) else spec))
    return loose, declared


def _resolve(run: str) -> Callable[[BuildContext], StepResult]:
    module, _, func = run.partition(":")
    return getattr(import_module(module), func)


def build(
    raw: str | Path | None = None,
    out: str | Path | None = None,
    *,
    reference: str | Path | None = None,
    cache: str | Path | None = None,
    steps: list[StepSpec] | None = None,
    workers: int = 2,
    inputs: Literal["add", "only"] = "only",
    allow_shrink: bool = False,
) -> dict[str, Any]:
    """Build every processed table from the raw files; return the manifest.

    ``raw`` defaults to ``PKDATA_RAW`` / ``data/raw``; sources missing there are read from
    the reference copies (``PKDATA_REFERENCE``). ``out`` defaults to ``PKDATA_DATA`` /
    ``data/processed``. Nothing in ``out`` changes unless the whole build succeeds.

    ``steps`` (default :data:`STEPS`) lists steps as "module:function" or functions; the steps that join
    them (the merge of the contributions, the mission check) run too.
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
    out_dir = Path(out) if out else paths.build_dir()
    _check_out(out_dir)
    folders = (raw or paths.raw_dir(), reference or paths.reference_dir(), cache or paths.cache_dir())
    ctx = BuildContext(*map(Path, folders), workers=workers, input_mode=inputs)
    loose, declared = _split(list(steps if steps is not None else STEPS))
    run = _Run()
    _run_loose(ctx, loose, run)
    given = set(run.tables) | set(run.extra)
    plan = graph.select([s for s, _ in declared], given)
    calls = {s.name: fn for s, fn in declared if fn is not None}
    _plan_keys(ctx, plan, calls, run, given)
    memo = _memo_path(ctx, out_dir)
    keys = [run.keys[s.name] for s in plan]
    if not loose and all(keys):
        done = _unchanged(out_dir, memo, keys)
        if done is not None:
            return done
    _check_needs(plan)
    _run_graph(ctx, plan, calls, run, given)
    manifest = _publish(out_dir, _published_tables(run), _manifest(run, plan), allow_shrink=allow_shrink)
    if not loose and all(keys):
        _remember(memo, keys, out_dir)
    return manifest


def _check_needs(plan: list[Step]) -> None:
    """Before any step runs, import every module a planned step needs: one line saying how to get one that is
    missing (not a failure after the other steps ran), and the step threads (and the workers they fork) find
    them imported."""
    for s in plan:
        for module in s.needs:
            try:
                import_module(module)
            except ImportError:
                raise PkdataError(
                    f"build step {s.name!r} needs {module}, which is not installed: "
                    'pip install "pkdata[build]" (the embedded data in data/processed need no build)'
                ) from None


def _run_loose(ctx: BuildContext, loose: list[Callable[[BuildContext], StepResult]], run: _Run) -> None:
    """Functions without a declaration (tests pass them), in order: everything they return is published."""
    for fn in loose:
        result = fn(replace(ctx, tables=dict(run.tables), extra=dict(run.extra)))
        twice = sorted(set(result.tables) & set(run.tables))
        if twice:
            raise PkdataError(f"two build steps produce table {twice[0]!r}")
        run.accept(f"{fn.__module__}:{fn.__name__}#{len(run.sources)}", result, set(result.tables) | set(result.extra))


def _plan_keys(ctx: BuildContext, plan: list[Step], calls: dict[str, Any], run: _Run, given: set[str]) -> None:
    """Each step's cache key from its declaration and its writers' keys (None when a writer is not cacheable:
    a function passed directly, or a step reading one's tables)."""
    made = graph.writers(plan, given)
    for s in plan:
        upstream = {name: run.keys.get(made[name]) for name in s.inputs if name in made}
        cacheable = s.name not in calls and all(upstream.values())
        run.keys[s.name] = stepcache.step_key(ctx, s, upstream) if cacheable else None  # type: ignore[arg-type]


def _run_graph(ctx: BuildContext, plan: list[Step], calls: dict[str, Any], run: _Run, given: set[str]) -> None:
    """Run the planned steps, each as soon as the writers of what it reads are done, side by side in threads.

    The first failing step stops the build: no step starts after it, the running ones are told to stop
    (``ctx.stop``; the PDF step stops its workers) and its error is raised once they have ended. An interrupt
    (Ctrl-C, the command's SIGTERM) is raised at once: the step threads are daemons, so they do not hold the
    process, and the PDF workers die with it.
    """
    waits_for = {s.name: graph.needs(s, plan, given) for s in plan}
    pending, running, done = list(plan), set(), set()
    finished: queue.Queue[tuple[Step, StepResult | None, BaseException | None]] = queue.Queue()
    failure: BaseException | None = None
    try:
        while (pending and failure is None) or running:
            for s in [s for s in pending if waits_for[s.name] <= done] if failure is None else []:
                pending.remove(s)
                running.add(s.name)
                threading.Thread(
                    target=_in_thread, args=(ctx, s, calls.get(s.name), run, finished), daemon=True, name=s.name
                ).start()
            if not running:
                raise graph.GraphError(f"the steps {[s.name for s in pending]} wait for each other")
            step, result, error = finished.get()
            running.discard(step.name)
            if error is not None:
                failure = failure or error
                ctx.stop.set()
                continue
            run.accept(step.name, result, set(step.writes) | set(step.keys))  # type: ignore[arg-type]
            done.add(step.name)
    except BaseException:
        ctx.stop.set()
        _settle(running)
        raise
    if failure is not None:
        raise failure


#: How long an interrupted build waits for its running steps to see ``ctx.stop`` (the PDF step ends its workers).
SETTLE_SECONDS = 10.0


def _settle(running: set[str]) -> None:
    """After an interrupt, give the running step threads a bounded time to stop before the exception unwinds the
    process: a daemon thread still writing while the interpreter shuts down can abort it (SIGABRT), and the PDF
    step stops its worker processes on its way out."""
    deadline = time.monotonic() + SETTLE_SECONDS
    for thread in [t for t in threading.enumerate() if t.name in running and t.daemon]:
        thread.join(max(0.0, deadline - time.monotonic()))


def _in_thread(ctx: BuildContext, step: Step, call: Any, run: _Run, finished: queue.Queue) -> None:
    try:
        finished.put((step, _one(ctx, step, call, run), None))
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
        finished.put((step, None, exc))


def _one(ctx: BuildContext, step: Step, call: Any, run: _Run) -> StepResult:
    """One step: from the step cache, else run (with the tables it declared it reads) and checked."""
    key = run.keys.get(step.name)
    if key and step.cache:
        cached = stepcache.load(ctx, step, key)
        if cached is not None:
            return cached
    view = replace(
        ctx,
        step=step,
        tables={n: run.tables[n] for n in step.inputs if n in run.tables},
        extra={n: run.extra[n] for n in step.inputs if n in run.extra},
    )
    result = (call or _resolve(step.run))(view)
    undeclared = sorted(set(stepcache.result_names(result)) - set(step.outputs))
    if undeclared:
        raise PkdataError(f"build step {step.name!r} produced {undeclared}, which its declaration does not name")
    if key and step.cache:
        stepcache.store(ctx, step, key, result)
    return result


def _published_tables(run: _Run) -> dict[str, pd.DataFrame]:
    return {name: df for name, df in run.tables.items() if name in run.published}


def _manifest(run: _Run, plan: list[Step]) -> dict[str, Any]:
    """The manifest without its ``tables`` entry: every step's sources, the published keys, the months."""
    order = [name for name in run.sources if name not in {s.name for s in plan}] + [s.name for s in plan]
    entries = [e for name in order for e in run.sources.get(name, [])]
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "sources": sorted(entries, key=lambda e: (e.get("table", ""), e["name"])),
    }
    extra = {k: v for k, v in run.extra.items() if k in run.published}
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
    return manifest


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="snappy", write_statistics=True)


def _months_between(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


# --------------------------------------------------------------------------- writing the outputs


def _check_out(out_dir: Path) -> None:
    """Before any work: the output can be written (created later, only by a build that succeeds), and what an
    interrupted build left there is finished or removed."""
    if out_dir.is_dir():
        atomic.check_output_dir(out_dir)
        _repair(out_dir)
        return
    if out_dir.exists():
        atomic.check_output_dir(out_dir)  # raises: a file where the folder should be
    parent = next((p for p in out_dir.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise PkdataError(
            f"cannot create the output folder {out_dir}: {parent} is not a folder you can write; "
            "pass --out a folder you can write"
        )


def _repair(out_dir: Path) -> None:
    """Finish or clear what an interrupted build left; a swap rolled back (its commit checks fail) is said."""
    for line in atomic.repair(out_dir):
        if "rolled back" in line:
            stepcache.warn(line)


def _check_shrink(out_dir: Path, manifest: dict[str, Any], allow_shrink: bool) -> None:
    dropped = atomic.dropped_months(out_dir, manifest)
    if dropped and not allow_shrink:
        raise ShrinkError(
            f"{atomic.shrink_message(out_dir, dropped)}. Nothing was changed. "
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
        _repair(out_dir)  # finish (or clear) what an interrupted build left
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
        # what the commit's checks allow, for a repair that finishes this swap after a kill (atomic.refusal)
        (tmp / atomic.GUARDS).write_text(json.dumps({"allow_shrink": allow_shrink}), encoding="utf-8")
        atomic.mark_ready(tmp, [*(meta["file"] for meta in table_meta.values()), DATAPACKAGE, MANIFEST])
        atomic.fault_point("ready")
        atomic.commit_swap(tmp, out_dir, check=lambda: _check_shrink(out_dir, manifest, allow_shrink))
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- step cache


def _memo_path(ctx: BuildContext, out_dir: Path) -> Path:
    where = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return ctx.cache / "builds" / f"{where}.json"


def _unchanged(out_dir: Path, memo: Path, keys: list[str]) -> dict[str, Any] | None:
    """The output's manifest when the last build into ``out_dir`` had these step keys and its files (tables,
    manifest and ``datapackage.json``) are intact."""
    from pkdata.core.datapackage import DATAPACKAGE

    try:
        seen = json.loads(memo.read_text())
        manifest_path = out_dir / MANIFEST
        if seen.get("keys") != keys or sha256_file(manifest_path) != seen.get("manifest"):
            return None
        if sha256_file(out_dir / DATAPACKAGE) != seen.get("datapackage"):
            return None
        manifest = json.loads(manifest_path.read_text())
        for meta in manifest["tables"].values():
            if sha256_file(out_dir / meta["file"]) != meta["sha256"]:
                return None
        return manifest
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _remember(memo: Path, keys: list[str] | None, out_dir: Path) -> None:
    """Record what this build wrote (a memo that cannot be written only costs the next build its shortcut)."""
    from pkdata.core.datapackage import DATAPACKAGE

    if keys is None:
        return
    digests = {"manifest": sha256_file(out_dir / MANIFEST), "datapackage": sha256_file(out_dir / DATAPACKAGE)}
    with contextlib.suppress(OSError):
        memo.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(memo, json.dumps({"keys": keys, **digests, "out": str(out_dir)}))

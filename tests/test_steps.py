"""The declared steps: one writer per name, the graph in the docs, the runner's errors, the step cache's keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pkdata.builder import build, graph, stepcache
from pkdata.builder.context import BuildContext, Step
from pkdata.core import paths
from pkdata.core.errors import PkdataError
from pkdata.tables.panels import CODE_FIELDS

from .helpers import folder_digest

FIXTURES = Path(__file__).parent / "fixtures"
PDF_STEP = "pkdata.builder.steps.un_pdfs:step_un_pdfs"
TARGETS = "pkdata.builder.steps.targets:step_targets"
QUALITY = "pkdata.builder.steps.quality_flags:step_quality"


def test_the_declared_steps_form_a_graph_with_one_writer_for_every_published_table():
    graph.check()
    made = graph.writers(graph.declared())
    manifest = json.loads((paths.REPO_DIR / "data" / "processed" / "manifest.json").read_text())
    published = set(manifest["tables"])
    assert published == {n for s in graph.declared() for n in s.writes}
    assert {made[name] for name in published} == {
        "un_pdfs",
        "missions",
        "finance",
        "quality",
        "contributions",
        "targets",
    }
    keys = set(manifest) - {"format_version", "sources", "tables", "contributions"}
    assert keys == {n for s in graph.declared() for n in s.keys} - {"contributions_months"}
    assert not published & graph.intermediate()


def test_the_architecture_doc_shows_the_graph_the_declarations_make():
    text = (paths.REPO_DIR / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert graph.generated_part(text) == graph.render(), "run: python -m pkdata.builder.graph docs/architecture.md"
    for name, writer in graph.writers(graph.declared()).items():
        if any(name in s.writes for s in graph.declared()):
            assert f"| `{name}` | `{writer}` |" in text


def test_the_code_check_reads_every_table_with_codes():
    (codes,) = [s for s in graph.declared() if s.name == "codes"]
    assert set(codes.optional) == set(CODE_FIELDS)


def test_steps_that_do_not_meet_the_pdf_rows_do_not_wait_for_them():
    steps = graph.declared()
    waits = {s.name: graph.needs(s, steps) for s in steps}
    assert waits["missions"] == waits["finance"] == waits["targets"] == waits["history"] == set()
    assert waits["contributions"] == {"merge", "quality"} and waits["codes"] == {"contributions", "missions", "finance"}


def test_a_step_reading_what_no_step_writes_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(graph.GraphError, match="step 'quality' reads 'contributions_merged'.*step 'merge'"):
        build(raw=tmp_path, out=tmp_path / "out", cache=tmp_path / "cache", steps=[QUALITY])
    assert not (tmp_path / "out").exists()
    with pytest.raises(PkdataError, match="unknown build step 'pkdata.builder.steps.nope:step'"):
        build(raw=tmp_path, out=tmp_path / "out", steps=["pkdata.builder.steps.nope:step"])


def test_a_cycle_and_two_writers_are_clear_errors():
    with pytest.raises(graph.GraphError, match="two build steps write 'contributions': contributions and mine"):
        graph.writers([*graph.declared(), Step("mine", "m:f", writes=("contributions",))])
    a = Step("a", "m:a", reads=("y",), writes=("x",))
    b = Step("b", "m:b", reads=("x",), writes=("y",))
    with pytest.raises(graph.GraphError, match="a, b read each other's tables in a cycle"):
        graph.order([a, b])


def _raw_with_report(root: Path) -> Path:
    raw = root / "raw"
    (raw / "un_monthly_pdfs").mkdir(parents=True)
    report = FIXTURES / "UN_country_contributions_2019_08.pdf"
    (raw / "un_monthly_pdfs" / report.name).symlink_to(report)
    return raw


def test_a_failing_step_stops_the_build_with_its_error_and_leaves_the_output(tmp_path):
    raw = _raw_with_report(tmp_path)
    out = tmp_path / "out"
    build(raw=raw, out=out, cache=tmp_path / "cache", steps=[PDF_STEP, TARGETS], workers=1)
    before = folder_digest(out)
    (raw / "curated").mkdir()
    (raw / "curated" / "gender_targets.csv").write_text("category,year\ntroops,2028\n")
    with pytest.raises(PkdataError, match=r"gender_targets.csv: missing column\(s\) \['target_percent'"):
        build(raw=raw, out=out, cache=tmp_path / "cache", steps=[PDF_STEP, TARGETS], workers=1)
    assert folder_digest(out) == before


def test_an_unreadable_step_cache_entry_is_a_miss_and_is_replaced(tmp_path):
    raw = _raw_with_report(tmp_path)
    cache = tmp_path / "cache"
    first = build(raw=raw, out=tmp_path / "a", cache=cache, steps=[TARGETS])
    (entry,) = (cache / "steps" / "targets").glob("*/entry.json")
    entry.write_text('{"key": ')
    (entry.parent / "gender_targets.parquet").write_bytes(b"PAR1 cut")
    assert build(raw=raw, out=tmp_path / "b", cache=cache, steps=[TARGETS]) == first
    assert json.loads(entry.read_text())["tables"] == ["gender_targets"]
    assert folder_digest(tmp_path / "a") == folder_digest(tmp_path / "b")


def test_the_key_follows_the_declared_inputs_only(tmp_path):
    raw = tmp_path / "raw"
    (raw / "curated").mkdir(parents=True)
    ctx = BuildContext(raw=raw, reference=tmp_path / "reference", cache=tmp_path / "cache")
    step = Step("s", "m:f", curated=("mine.csv",), reads=("t",))
    key = stepcache.step_key(ctx, step, {"t": "writer-key"})
    (raw / "curated" / "other.csv").write_text("a\n1\n")  # not declared: same key
    assert stepcache.step_key(ctx, step, {"t": "writer-key"}) == key
    (raw / "curated" / "mine.csv").write_text("a\n1\n")  # declared: another key
    changed = stepcache.step_key(ctx, step, {"t": "writer-key"})
    assert changed != key
    assert stepcache.step_key(ctx, step, {"t": "another-writer-key"}) != changed
    assert (
        stepcache.step_key(BuildContext(**{**ctx.__dict__, "input_mode": "add"}), step, {"t": "writer-key"}) != changed
    )


def test_a_step_returning_an_undeclared_table_is_refused(tmp_path, monkeypatch):
    import pandas as pd

    from pkdata.builder.context import StepResult
    from pkdata.builder.steps import targets

    monkeypatch.setattr(
        targets, "step_targets", lambda ctx: StepResult({"gender_targets": pd.DataFrame(), "x": pd.DataFrame()})
    )
    with pytest.raises(
        PkdataError, match=r"build step 'targets' produced \['x'\], which its declaration does not name"
    ):
        build(raw=tmp_path, out=tmp_path / "out", cache=tmp_path / "cache", steps=[TARGETS])

"""The codebook covers every column of every table and panel, and the written files are in step."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pkdata.core import paths
from pkdata.core.errors import PkdataError
from pkdata.outputs import codebook

PROCESSED = paths.processed_dir()


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return codebook.frames()


def test_every_column_has_an_entry(frames: dict[str, pd.DataFrame]) -> None:
    assert codebook.missing_entries(frames) == []
    # the frames are the real ones: every parquet file's columns, read independently
    for name in codebook.TABLES:
        assert list(frames[name].columns) == pq.read_schema(PROCESSED / f"{name}.parquet").names


def test_a_new_column_without_an_entry_fails(frames: dict[str, pd.DataFrame]) -> None:
    grown = dict(frames)
    grown["contributions"] = frames["contributions"].assign(rotation_days=1)
    grown["panel:country-year"] = frames["panel:country-year"].assign(troops_median=1.0)
    assert codebook.missing_entries(grown) == ["contributions.rotation_days", "panel:country-year.troops_median"]
    with pytest.raises(PkdataError, match="rotation_days"):
        codebook.markdown(grown)


def test_written_codebook_and_datapackage_are_up_to_date() -> None:
    md, dp = codebook.render()
    assert codebook.CODEBOOK_MD.read_text(encoding="utf-8") == md, "run `pkdata codebook`"
    assert (PROCESSED / "datapackage.json").read_text(encoding="utf-8") == dp, "run `pkdata codebook`"


def test_codebook_md_lists_every_column(frames: dict[str, pd.DataFrame]) -> None:
    text = codebook.CODEBOOK_MD.read_text(encoding="utf-8")
    for name, df in frames.items():
        section = text.split(f"(`{name}`)", 1)[1].split("\n## ", 1)[0]
        rows = [line.split("|")[1].strip().strip("`") for line in section.splitlines() if line.startswith("| `")]
        assert rows == list(df.columns), name


def test_datapackage_describes_the_parquet_files() -> None:
    dp = json.loads((PROCESSED / "datapackage.json").read_text())
    assert {r["name"] for r in dp["resources"]} == set(codebook.TABLES)
    types = {"string", "integer", "number", "boolean", "date"}
    for r in dp["resources"]:
        path = PROCESSED / r["path"]
        assert r["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert r["rows"] == pq.read_metadata(path).num_rows
        assert [f["name"] for f in r["schema"]["fields"]] == pq.read_schema(path).names
        assert all(f["type"] in types and f["description"] for f in r["schema"]["fields"])


def test_the_build_writes_the_datapackage_and_refuses_undocumented_columns(tmp_path, un_pdf) -> None:
    from pkdata.builder import build
    from pkdata.builder.context import StepResult

    from .helpers import raw_with_reports

    raw = raw_with_reports(tmp_path, un_pdf, ["2019_06"])
    steps = ["pkdata.builder.steps.un_pdfs:step_un_pdfs", "pkdata.builder.steps.codes:step_codes"]
    build(raw=raw, out=tmp_path / "out", cache=tmp_path / "cache", steps=steps)
    dp = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    # the PDF step writes contributions and the contributors each report lists
    assert sorted(r["name"] for r in dp["resources"]) == ["contributions", "listed_contributors"]
    res = next(r for r in dp["resources"] if r["name"] == "contributions")
    parquet = tmp_path / "out" / "contributions.parquet"
    assert res["name"] == "contributions" and res["rows"] == pq.read_metadata(parquet).num_rows
    assert res["hash"] == "sha256:" + hashlib.sha256(parquet.read_bytes()).hexdigest()

    def odd_missions(ctx):
        return StepResult(tables={"missions": pd.DataFrame({"acronym": ["UNMISS"], "colour": ["blue"]})})

    with pytest.raises(PkdataError, match=r"table missions has columns \[.acronym., .colour.\], the registry declares"):
        build(raw=raw, out=tmp_path / "out2", cache=tmp_path / "cache", steps=[steps[0], odd_missions])
    assert not (tmp_path / "out2" / "missions.parquet").exists()


def test_every_processed_table_is_what_the_registry_declares() -> None:
    from pkdata.core import registry, sources
    from pkdata.core.datapackage import check_frame

    assert registry.tables() == codebook.TABLES
    for name in registry.tables():
        path = PROCESSED / f"{name}.parquet"
        df = pd.read_parquet(path)
        check_frame(name, df)  # columns in order and their types
        keys = list(registry.keys(name))
        assert not df.duplicated(keys).any(), f"{name}: rows share a key {keys}"
        assert set(registry.sources(name)) <= set(sources.ids()), name


def test_a_malformed_registry_table_is_refused() -> None:
    from pkdata.core import registry

    good = {"fields": [{"name": "a", "type": "string"}], "keys": ["a"], "sources": []}
    registry._check_table("t", good)
    for bad, says in (
        ({**good, "fields": [{"name": "a", "type": "text"}]}, "has no type"),
        ({**good, "fields": [{"name": "a", "type": "string"}] * 2}, "names a column twice"),
        ({**good, "keys": ["b"]}, r"keys must be columns of the table \(not \['b'\]\)"),
        ({k: v for k, v in good.items() if k != "sources"}, "needs sources"),
    ):
        with pytest.raises(PkdataError, match=says):
            registry._check_table("t", bad)


def test_a_column_of_another_type_than_declared_is_refused() -> None:
    from pkdata.core.datapackage import check_frame

    df = pd.read_parquet(PROCESSED / "gender_targets.parquet")
    with pytest.raises(PkdataError, match=r"gender_targets: column types \{'year': 'string'\}"):
        check_frame("gender_targets", df.assign(year=df["year"].astype(str)))


def test_a_table_without_a_declared_column_is_refused_by_the_loaders(tmp_path) -> None:
    import shutil

    from pkdata.core import store
    from pkdata.core.errors import InconsistentDataError

    from .helpers import replace_table

    out = tmp_path / "processed"
    shutil.copytree(PROCESSED, out)
    # a manifest that agrees with the file (sha256, columns) is not enough: the registry declares `evidence`
    replace_table(out, "quality", pd.read_parquet(PROCESSED / "quality.parquet").drop(columns=["evidence"]))
    with pytest.raises(InconsistentDataError, match="its quality table has no column evidence"):
        store.table("quality", out)
    assert list(store.table("missions", out).columns) == list(store.REQUIRED_COLUMNS["missions"])

"""The build: duplicates by content, determinism, per-file cache, and the committed data being current."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pkdata.builder import build, expected
from pkdata.builder.expected import differences
from pkdata.builder.steps.un_pdfs import parse_cache_version
from pkdata.core import paths

from .helpers import folder_digest, raw_with_reports

STEP = ["pkdata.builder.steps.un_pdfs:step_un_pdfs"]


def test_duplicate_month_detected_by_content_and_counted_once(tmp_path, un_pdf):
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_03", "2015_04", "2015_05"])
    m = build(raw=raw, out=tmp_path / "out", cache=tmp_path / "cache", steps=STEP)
    dup = {s["name"]: s for s in m["sources"] if s.get("duplicate_of")}
    assert list(dup) == ["UN_country_contributions_2015_03.pdf"]
    assert dup["UN_country_contributions_2015_03.pdf"]["duplicate_of"] == "UN_country_contributions_2015_04.pdf"
    assert dup["UN_country_contributions_2015_03.pdf"]["rows"] == 0
    df = pd.read_parquet(tmp_path / "out" / "contributions.parquet")
    assert sorted(df["date"].dt.strftime("%Y-%m").unique()) == ["2015-04", "2015-05"]
    april = df[df["date"] == "2015-04-30"]
    assert set(april["source"]) == {"UN_country_contributions_2015_04.pdf"}
    assert m["contributions"]["missing_months"] == []


def test_files_with_the_same_bytes_are_parsed_once(tmp_path, un_pdf, monkeypatch):
    """The reference's March 2015 file is April's report byte for byte (as a raw copy of a reference report is):
    one parse serves both names."""
    import pkdata.builder.steps.un_pdfs as b

    assert un_pdf("2015_03").read_bytes() == un_pdf("2015_04").read_bytes()
    parsed = []
    real = b._parse_pdf
    monkeypatch.setattr(b, "_parse_pdf", lambda p, *a: parsed.append(p.rsplit("/", 1)[-1]) or real(p, *a))
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_03", "2015_04", "2015_05"])
    m = build(raw=raw, out=tmp_path / "out", cache=tmp_path / "cache", steps=STEP, workers=1)
    assert sorted(parsed) == ["UN_country_contributions_2015_03.pdf", "UN_country_contributions_2015_05.pdf"]
    assert len(list((tmp_path / "cache" / "un_pdf").glob("*.json"))) == 2
    assert sorted(m["contributions"]["months"]) == ["2015-04", "2015-05"]


def test_two_builds_are_byte_identical_and_cache_is_used(tmp_path, un_pdf):
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01", "2016_06", "2017_01"])
    build(raw=raw, out=tmp_path / "a", cache=tmp_path / "cache", steps=STEP, workers=2)
    cached = sorted((tmp_path / "cache" / "un_pdf").glob("*.parquet"))
    assert len(cached) == 3 and all(parse_cache_version() in p.name for p in cached)
    build(raw=raw, out=tmp_path / "b", cache=tmp_path / "cache", steps=STEP, workers=1)
    build(raw=raw, out=tmp_path / "c", cache=tmp_path / "fresh-cache", steps=STEP, workers=1)
    assert folder_digest(tmp_path / "a") == folder_digest(tmp_path / "b") == folder_digest(tmp_path / "c")


def test_adding_one_report_parses_only_that_report(tmp_path, un_pdf, monkeypatch):
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01", "2015_02"])
    build(raw=raw, out=tmp_path / "out", cache=tmp_path / "cache", steps=STEP, workers=1)
    import pkdata.builder.steps.un_pdfs as b

    parsed = []
    real = b._parse_pdf
    monkeypatch.setattr(b, "_parse_pdf", lambda p, *a: parsed.append(p) or real(p, *a))
    raw_with_reports(tmp_path, un_pdf, ["2015_04"])
    m = build(raw=raw, out=tmp_path / "out", cache=tmp_path / "cache", steps=STEP, workers=1)
    assert [p.rsplit("/", 1)[-1] for p in parsed] == ["UN_country_contributions_2015_04.pdf"]
    assert sorted(m["contributions"]["months"]) == ["2015-01", "2015-02", "2015-04"]
    assert m["contributions"]["missing_months"] == ["2015-03"]


def test_adding_a_report_leaves_the_history_step_cached_and_equals_a_clean_build(tmp_path, un_pdf, reference):
    """The history step (IPI, UN CSV) does not read the PDF rows, so adding a report does not re-run it; the fold
    with the PDF months happens in the pipeline, and the result is the clean build's, byte for byte. (The steps
    that meet the PDF rows: personnel, history and its fold, missions, quality, codes; not finance or targets.)"""
    import shutil

    import pkdata.builder.steps.history as history
    from pkdata.builder.pipeline import STEPS

    steps = [s for s in STEPS if not s.startswith(("pkdata.builder.steps.funding", "pkdata.builder.steps.targets"))]
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01", "2015_02"])
    build(raw=raw, out=tmp_path / "out", steps=steps, workers=1)  # the test run's cache
    ran = []
    real = history.step_history
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(history, "step_history", lambda ctx: ran.append(1) or real(ctx))
        raw_with_reports(tmp_path, un_pdf, ["2015_04"])
        m = build(raw=raw, out=tmp_path / "out", steps=steps, workers=1)
    assert ran == [], "adding a report re-ran the history step"
    months = m["contributions"]["months"]
    assert [k for k in ("2014-08", "2015-01", "2015-02", "2015-03", "2015-04") if k in months] == [
        "2014-08",
        "2015-01",
        "2015-02",
        "2015-04",
    ]
    # the same inputs built from nothing but the parsed reports (every step computed afresh)
    (tmp_path / "clean-cache").mkdir()
    # (complete entries only: another worker may be writing a temporary .part file into the shared cache)
    shutil.copytree(
        paths.cache_dir() / "un_pdf", tmp_path / "clean-cache" / "un_pdf", ignore=shutil.ignore_patterns(".*")
    )
    build(raw=raw, out=tmp_path / "clean", cache=tmp_path / "clean-cache", steps=steps, workers=1)
    assert folder_digest(tmp_path / "out") == folder_digest(tmp_path / "clean")


def test_manifest_names_every_source_with_hash_publisher_url_date_rows_and_total(tmp_path, un_pdf):
    raw = raw_with_reports(tmp_path, un_pdf, ["2016_06"])
    m = build(raw=raw, out=tmp_path / "out", cache=tmp_path / "cache", steps=STEP)
    (src,) = m["sources"]
    assert src["name"] == "UN_country_contributions_2016_06.pdf"
    assert len(src["sha256"]) == 64
    assert "Peace Operations" in src["publisher"] and src["url_pattern"].startswith("https://")
    assert src["report_date"] == "2016-06-30"
    df = pd.read_parquet(tmp_path / "out" / "contributions.parquet")
    assert src["rows"] == len(df)
    assert src["rows_total"] == int(df["total"].sum())
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk == m


@pytest.mark.slow
def test_fetch_all_then_build_reproduces_every_report_and_the_committed_data(full_build):
    """All 126 reference reports, fetched with ``pkdata fetch --all --from`` into a raw folder and built:
    each parses with every printed total reproduced, or is a duplicate.

    The result must be byte-identical to the committed data/processed (so the embedded data is current).
    """
    m = json.loads((full_build / "manifest.json").read_text())
    assert differences(m) == []  # report count, months, duplicates, gaps: src/pkdata/data/expected.toml
    pinned = expected.load()
    c = m["contributions"]
    pdf_months = {k for k, v in c["months"].items() if v["source"].endswith(".pdf")}
    for dup in pinned["un_pdf"]["duplicates"]:  # a duplicate's own file month has no PDF rows
        assert dup[-11:-4].replace("_", "-") not in pdf_months or dup[-11:-4] == "2020_06"
    for month in pinned["contributions"]["missing_months"]:
        assert month not in c["months"]
    committed = paths.REPO_DIR / "data" / "processed"
    assert folder_digest(full_build) == folder_digest(committed), (
        "data/processed is stale: run `pkdata build` and commit the result"
    )


def test_build_without_any_report_says_how_to_get_them(tmp_path):
    from pkdata.core.errors import PkdataError

    with pytest.raises(PkdataError, match=r"no UN monthly PDF reports .*pkdata fetch.*PKDATA_REFERENCE"):
        build(raw=tmp_path / "raw", out=tmp_path / "out", reference=tmp_path / "no-reference", steps=STEP)
    assert not (tmp_path / "out").exists()


def test_info_prints_exclusions_as_a_table_not_reprs(capsys):
    from pkdata.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    part = out.split("Exclusions the build made on purpose", 1)[1]
    assert "{" not in part and "[{" not in part  # no Python reprs
    assert max(len(line) for line in out.splitlines()) <= 200
    # the six duplicated UNMIK rows of the fatalities file, with their reason
    assert any(line.split()[:1] == ["fatalities"] and "6 rows" in line for line in part.splitlines())

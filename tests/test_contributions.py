"""Loaders and queries on a small processed folder built from real reports (PKDATA_DATA points at it)."""

from __future__ import annotations

import pandas as pd
import pytest

import pkdata
from pkdata.builder import build
from pkdata.core.errors import PkdataError

from .helpers import raw_with_reports


@pytest.fixture(scope="module")
def small(tmp_path_factory, un_pdf):
    root = tmp_path_factory.mktemp("small")
    raw = raw_with_reports(root, un_pdf, ["2015_01", "2015_02", "2015_04", "2016_06"])
    build(raw=raw, out=root / "out", steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs"])
    return root / "out"


@pytest.fixture
def data(small, monkeypatch):
    monkeypatch.setenv("PKDATA_DATA", str(small))
    return small


def test_contributions_reads_the_folder_named_by_PKDATA_DATA(data):
    df = pkdata.contributions()
    assert sorted(df["date"].dt.strftime("%Y-%m").unique()) == ["2015-01", "2015-02", "2015-04", "2016-06"]
    assert df["source"].notna().all()


def test_snapshot_ranks_contributors_and_sums_types(data):
    snap = pkdata.snapshot("2015-01")
    arg = snap.set_index("contributor_iso3").loc["ARG"]
    assert arg["total"] == 880  # Argentina's country total printed on page 1
    assert (
        arg[["troops", "staff_officers", "experts_on_mission", "individual_police", "formed_police_units"]].sum() == 880
    )
    assert snap["rank"].iloc[0] == 1 and snap["total"].is_monotonic_decreasing
    df = pkdata.contributions()
    assert int(snap["total"].sum()) == int(df.loc[df["date"] == pd.Timestamp("2015-01-31"), "total"].sum())


def test_snapshot_of_a_month_without_data_names_the_nearest_months(data):
    with pytest.raises(PkdataError, match=r"2015-03.*\['2015-02', '2015-04'\]"):
        pkdata.snapshot("2015-03")


def test_series_has_a_row_per_month_and_nan_where_no_report(data):
    s = pkdata.series("CHN")
    assert s.index[0] == pd.Timestamp("2015-01-31") and s.index[-1] == pd.Timestamp("2016-06-30")
    assert len(s) == 18
    assert pd.isna(s.loc["2015-03-31", "total"])
    assert s.loc["2015-01-31", "total"] == 2222
    by_mission = pkdata.series("CHN", by="mission")
    assert by_mission.loc["2015-01-31"].sum() == 2222
    assert by_mission.loc["2016-06-30", "MINUSMA"] > 0 and by_mission.loc["2016-06-30", "UNMISS"] > 0
    by_type = pkdata.series("chn", by="personnel_type")
    assert by_type.loc["2015-01-31"].sum() == 2222
    with pytest.raises(PkdataError, match="by="):
        pkdata.series("CHN", by="colour")


def test_p5_lists_the_five_permanent_members(data):
    p = pkdata.p5("2016-06")
    assert set(p.index) == {"CHN", "FRA", "GBR", "RUS", "USA"}
    assert p.index[0] == "CHN"
    # Each country's total as the June 2016 report prints it (the line before the country's name closes its
    # block: China 2,645 on page 9; France 886; Russian Federation 98; United Kingdom 299; United States 73).
    printed = {"CHN": 2645, "FRA": 886, "RUS": 98, "GBR": 299, "USA": 73}
    assert {iso: int(p.loc[iso, "total"]) for iso in p.index} == printed


def test_series_by_mission_puts_country_only_months_in_their_own_column():
    """On the committed data: 2018-03 .. 2019-08 reports print country totals only."""
    s = pkdata.series("CHN", by="mission")
    june_2018 = s.loc["2018-06-30"]
    assert june_2018["(no mission detail)"] == pkdata.series("CHN").loc["2018-06-30", "total"]
    assert june_2018.drop("(no mission detail)").sum() == 0
    assert s.loc["2017-06-30", "(no mission detail)"] == 0 and s.loc["2017-06-30", "MINUSMA"] > 0


def test_loaders_hand_out_copies_that_are_safe_to_modify():
    first = pkdata.contributions()
    before = int(first["total"].iloc[0])
    first.loc[first.index[0], "total"] = before + 1_000_000
    first["extra"] = 1
    again = pkdata.contributions()
    assert int(again["total"].iloc[0]) == before and "extra" not in again.columns


def test_every_row_names_its_file_and_the_page_or_line_it_came_from(reference):
    """On the committed data: source_row is the PDF page or the CSV line that printed the number."""
    import pymupdf

    df = pkdata.contributions()
    assert df["source"].notna().all() and df["source_row"].notna().all()
    row = df[
        (df["contributor_iso3"] == "ARG")
        & (df["date"] == pd.Timestamp("2015-01-31"))
        & (df["mission"] == "MINUSTAH")
        & (df["personnel_type"] == "troops")
    ].iloc[0]
    pdf = reference / "personnel" / "un_monthly_pdfs_kl371218" / str(row["source"])
    page_text = pymupdf.open(pdf)[int(row["source_row"]) - 1].get_text()
    assert "MINUSTAH" in page_text and f"{int(row['total'])}" in page_text  # 566 on page 1
    row = df[
        (df["contributor_iso3"] == "CHN") & (df["date"] == pd.Timestamp("2014-02-28")) & (df["mission"] == "MINUSMA")
    ].iloc[0]
    assert row["source"] == "Gender.Full.csv"
    path = reference / "personnel" / "ipi_peacekeeping_db_tcc_datascraper" / "Gender.Full.csv"
    line = path.read_text().splitlines()[int(row["source_row"]) - 1]
    assert '"China","CHN","MINUSMA"' in line and line.endswith(f",{int(row['total'])}")

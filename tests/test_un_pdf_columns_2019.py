"""Layout "columns_2019" (2019-10: country x mission, M/F columns per type): real report, real numbers."""

from __future__ import annotations

import pandas as pd
import pymupdf
import pytest

from pkdata.builder.readers.un_pdf import parse_report, to_frame
from pkdata.builder.readers.un_pdf.columns_2019 import detect, read_body
from pkdata.builder.readers.un_pdf.core import Report, read_lines, verify
from pkdata.core.errors import ParseError
from pkdata.core.paths import REPO_DIR


def test_october_2019_prints_no_date_so_it_is_not_guessed(fixture_pdf):
    with pytest.raises(ParseError, match="prints no date.*report_dates.csv"):
        parse_report(fixture_pdf("2019_10"), date_overrides={})


def test_october_2019_takes_its_date_from_the_curated_table_with_evidence(fixture_pdf):
    report = parse_report(fixture_pdf("2019_10"))
    assert report.date == pd.Timestamp("2019-10-31")
    assert "curated" in report.date_source
    table = pd.read_csv(pkdata_curated("report_dates.csv"))
    (row,) = table.to_dict("records")
    assert row["file"] == "UN_country_contributions_2019_10.pdf"
    assert "BINUH" in row["evidence"] and "MINUJUSTH" in row["evidence"]
    # The evidence holds in the reports themselves: Sep 2019 lists MINUJUSTH, Oct 2019 lists BINUH instead.
    sep = {r.mission for r in parse_report(fixture_pdf("2019_09")).rows}
    assert "MINUJUSTH" in sep and "BINUH" not in sep
    assert "BINUH" in {r.mission for r in report.rows} and "MINUJUSTH" not in {r.mission for r in report.rows}


def test_a_curated_date_row_without_evidence_is_rejected(tmp_path):
    from pkdata.builder.readers.un_pdf import report_date_overrides

    bad = tmp_path / "report_dates.csv"
    bad.write_text("sha256,file,report_date,reason,evidence\nabc,x.pdf,2019-10-31,no date printed,\n")
    with pytest.raises(ParseError, match="report_dates.csv, row 2: every column must be filled"):
        report_date_overrides(bad)


def test_october_2019_body_reproduces_every_country_total_and_the_grand_total(fixture_pdf):
    path = fixture_pdf("2019_10")
    lines = read_lines(pymupdf.open(path))
    assert detect(lines)
    rows, printed = read_body(lines, path.name)  # raises if any per-type, per-sex total differs
    # 119 "Total by Country" lines and one "Grand Total" (page 42: 1068 216 69109 3345 1720 647
    # 6034 758 1767 304).
    assert sum(p.scope == "country" for p in printed) == 119
    grand = [p for p in printed if p.scope == "grand"]
    assert [(p.page, p.total, p.male, p.female) for p in grand] == [(42, 84968, 79698, 5270)]
    # Page 1: Argentina, UNFICYP: Troops 211 M 23 F, MSO 6 M 3 F.
    arg = [(r.label, r.male, r.female, r.total) for r in rows if (r.contributor, r.mission) == ("Argentina", "UNFICYP")]
    assert arg == [("Troops", 211, 23, 234), ("MSO", 6, 3, 9)]
    # A name over four lines is joined.
    assert "The former Yugoslav Republic of Macedonia" in {r.contributor for r in rows}
    # A stand-in date only to run the shared checks and the canonical table.
    report = Report(path.name, "columns_2019", pd.Timestamp("2019-10-31"), rows, printed)
    verify(report)
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2520
    assert set(df["personnel_type"]) == {
        "troops",
        "staff_officers",
        "experts_on_mission",
        "individual_police",
        "formed_police_units",
    }


def pkdata_curated(name: str):
    return REPO_DIR / "data" / "raw" / "curated" / name

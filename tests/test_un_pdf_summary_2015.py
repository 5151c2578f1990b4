"""Layout "UN Mission's Summary detailed by Country" (2015-01 .. 2017-04): real reports, real numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers.un_pdf import parse_report, to_frame


def test_january_2015_reads_every_row_and_subtotal(fixture_pdf):
    report = parse_report(fixture_pdf("2015_01"))
    assert report.layout == "summary_2015"
    assert report.date == pd.Timestamp("2015-01-31")
    # Printed on page 1: Argentina's country total line, and its MINUSTAH troops row.
    argentina = [p for p in report.printed if p.scope == "country" and p.contributor == "Argentina"]
    assert [(p.page, p.total) for p in argentina] == [(1, 880)]
    troops = [
        r
        for r in report.rows
        if r.contributor == "Argentina" and r.mission == "MINUSTAH" and r.label == "Contingent Troop"
    ]
    assert [(r.male, r.female, r.total) for r in troops] == [(529, 37, 566)]
    df = to_frame(report)
    # Zimbabwe's last country total on page 44 is 81.
    assert int(df.loc[df.contributor_iso3 == "ZWE", "total"].sum()) == 81


def test_date_comes_from_the_report_not_the_file_name(un_pdf):
    # The file named 2015_03 is the April 2015 report.
    assert parse_report(un_pdf("2015_03")).date == pd.Timestamp("2015-04-30")


@pytest.mark.parametrize("month", ["2015_02", "2016_06", "2017_04"])
def test_stray_part_rows_and_later_months_still_reproduce_every_subtotal(un_pdf, month):
    report = parse_report(un_pdf(month))  # verify() ran inside: every printed subtotal matched
    assert len(report.printed) > 600
    df = to_frame(report)
    assert set(df["personnel_type"].unique()) <= {
        "troops",
        "experts_on_mission",
        "individual_police",
        "formed_police_units",
    }

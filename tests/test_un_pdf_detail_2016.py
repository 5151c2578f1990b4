"""Layout "Summary of Contributions to Peackeeping by Country and Mission Detail" (2016-11): real numbers."""

from __future__ import annotations

import pandas as pd

from pkdata.builder.readers.un_pdf import parse_report, to_frame


def test_november_2016_reads_every_row_mission_total_and_grand_total(fixture_pdf):
    report = parse_report(fixture_pdf("2016_11"))  # verify() ran inside: every printed total matched
    assert report.layout == "detail_2016"
    assert report.pages == 127
    assert report.date == pd.Timestamp("2016-11-30")  # "by End of November, 2016"
    # Page 127: "Grand Total 100,851" (no male/female split printed).
    grand = [p for p in report.printed if p.scope == "grand"]
    assert [(p.page, p.total, p.male, p.female) for p in grand] == [(127, 100851, None, None)]
    assert report.grand_total == 100851
    # Page 1: Argentina, MINUSTAH: "Contingent Troops 48 25 73" and "Total for Mission 63 25 88".
    troops = [
        r for r in report.rows if (r.contributor, r.mission, r.label) == ("Argentina", "MINUSTAH", "Contingent Troops")
    ]
    assert [(r.male, r.female, r.total, r.page) for r in troops] == [(48, 25, 73, 1)]
    mission = [
        p
        for p in report.printed
        if p.scope == "country_mission" and (p.contributor, p.mission) == ("Argentina", "MINUSTAH")
    ]
    assert [(p.male, p.female, p.total) for p in mission] == [(63, 25, 88)]
    # Every mission prints all four types, zeros included (e.g. Algeria's MONUSCO troops).
    assert len(report.rows) == 4 * sum(p.scope == "country_mission" for p in report.printed)
    zero = [
        r for r in report.rows if (r.contributor, r.mission, r.label) == ("Algeria", "MONUSCO", "Contingent Troops")
    ]
    assert [r.total for r in zero] == [0]


def test_november_2016_china_and_truncated_names(fixture_pdf):
    report = parse_report(fixture_pdf("2016_11"))
    # Page 25: China in UNMISS, "Total for Mission 1,042 26 1,068".
    unmiss = [p for p in report.printed if p.contributor == "China" and p.mission == "UNMISS"]
    assert [(p.male, p.female, p.total) for p in unmiss] == [(1042, 26, 1068)]
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2643  # sum of China's 10 mission totals
    # Long names are printed cut short ("United States of Americ"); they still map.
    assert {"USA", "TZA", "COD", "IRN", "MKD"} <= set(df["contributor_iso3"])
    assert int(df["total"].sum()) == 100851

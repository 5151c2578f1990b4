"""Layout "... by Mission, Country, and Personnel Type" (2021-02 .. 2025-07): real reports, real numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers.un_pdf import parse_report, to_frame


def _rows(report, contributor, mission):
    return [
        (r.label, r.male, r.female, r.total)
        for r in report.rows
        if r.contributor == contributor and r.mission == mission
    ]


def test_february_2021_rows_mission_totals_and_grand_total(un_pdf):
    report = parse_report(un_pdf("2021_02"))
    assert report.layout == "personnel_2021"
    assert report.date == pd.Timestamp("2021-02-28")
    # Page 1, MINURSO: "Bangladesh" is printed half-way between its two type lines.
    assert _rows(report, "Bangladesh", "MINURSO") == [("Experts on Mission", 5, 1, 6), ("Troops", 19, 11, 30)]
    # ... and "Ghana" on the middle one of its three; Germany above it has one line only.
    assert _rows(report, "Ghana", "MINURSO") == [
        ("Experts on Mission", 3, 6, 9),
        ("Individual Police", 0, 0, 0),
        ("Staff Officer", 4, 3, 7),
    ]
    assert _rows(report, "Germany", "MINURSO") == [("Experts on Mission", 3, 0, 3)]
    missions = {p.mission: (p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "mission"}
    assert missions["BINUH"] == (1, 10, 3, 13)
    assert missions["MINURSO"] == (2, 174, 60, 234)
    [grand] = [p for p in report.printed if p.scope == "grand"]
    assert (grand.page, grand.male, grand.female, grand.total) == (33, 75255, 5778, 81033)
    assert report.grand_total == 81033
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2464


def test_april_2025_rows_mission_totals_and_grand_total(fixture_pdf):
    report = parse_report(fixture_pdf("2025_04"))
    assert report.layout == "personnel_2021"
    assert report.pages == 29
    assert report.date == pd.Timestamp("2025-04-30")  # "As of: 30/04/2025"
    # Page 1: nine BINUH police lines, "Total BINUH 16 3 19"; MINURSO's Bangladesh and Ghana, two lines each.
    assert _rows(report, "Madagascar", "BINUH") == [("Individual Police", 1, 2, 3)]
    assert len([r for r in report.rows if r.mission == "BINUH"]) == 9
    assert _rows(report, "Bangladesh", "MINURSO") == [("Experts on Mission", 10, 1, 11), ("Troops", 16, 4, 20)]
    assert _rows(report, "Ghana", "MINURSO") == [("Experts on Mission", 4, 2, 6), ("Staff Officer", 3, 2, 5)]
    missions = {p.mission: (p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "mission"}
    assert missions["BINUH"] == (1, 16, 3, 19)
    assert missions["UNVMC"] == (29, 114, 52, 166)
    # Page 29: "Grand Total 55212 6173 61385".
    [grand] = [p for p in report.printed if p.scope == "grand"]
    assert (grand.page, grand.male, grand.female, grand.total) == (29, 55212, 6173, 61385)
    df = to_frame(report)
    assert int(df["total"].sum()) == 61385
    # China's 16 lines (pages 1 .. 29) sum to 1859.
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 1859


def test_file_2020_06_is_the_june_2022_report(un_pdf):
    report = parse_report(un_pdf("2020_06"))
    assert report.date == pd.Timestamp("2022-06-30")
    assert report.grand_total == parse_report(un_pdf("2022_06")).grand_total == 74892


def test_september_2022_excel_print_pairs_names_across_page_breaks(un_pdf):
    report = parse_report(un_pdf("2022_09"))
    assert report.layout == "personnel_2021"
    assert report.date == pd.Timestamp("2022-09-30")
    # Tunisia's MINUSCA block starts on page 4 and ends on page 5 with its name printed once.
    assert [
        (r.page, r.label, r.total) for r in report.rows if r.contributor == "Tunisia" and r.mission == "MINUSCA"
    ] == [(4, "Experts on Mission", 3), (4, "Individual Police", 63), (4, "Staff Officer", 11), (5, "Troops", 310)]
    # "Luxembourg" is drawn at the foot of page 6 and again at the head of page 7: one name.
    assert _rows(report, "Luxembourg", "MINUSMA") == [("Staff Officer", 0, 0, 0), ("Troops", 2, 0, 2)]
    [grand] = [p for p in report.printed if p.scope == "grand"]
    assert (grand.page, grand.male, grand.female, grand.total) == (23, 69168, 6056, 75224)
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2222
    # No row read twice.
    keys = [(r.contributor, r.mission, r.label) for r in report.rows]
    assert len(keys) == len(set(keys))


def test_a_name_wrapped_over_two_lines_is_joined(un_pdf):
    report = parse_report(un_pdf("2022_10"))
    assert _rows(report, "Democratic Republic of the Congo", "MINUSCA") == [("Staff Officer", 0, 0, 0)]


@pytest.mark.parametrize("month, total, china", [("2023_10", 70625, 2275), ("2025_07", 61127, 1860)])
def test_later_months_reproduce_every_printed_total(un_pdf, month, total, china):
    report = parse_report(un_pdf(month))  # verify() ran inside: every mission total and the grand total
    assert report.layout == "personnel_2021"
    assert report.grand_total == total
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == china

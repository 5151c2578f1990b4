"""Layout "... by Country, Mission and Post." (2017-05 .. 2018-02): real reports, real numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers.un_pdf import parse_report, to_frame


def test_may_2017_total_for_country_lines_and_grand_total(un_pdf):
    report = parse_report(un_pdf("2017_05"))
    assert report.layout == "post_2017"
    assert report.date == pd.Timestamp("2017-05-31")  # "... Staff Officers and Troops 31/05/2017"
    # Page 1: "Total for Country 406 55 461" closes Argentina.
    argentina = [p for p in report.printed if p.scope == "country" and p.contributor == "Argentina"]
    assert [(p.page, p.male, p.female, p.total) for p in argentina] == [(1, 406, 55, 461)]
    # Page 2: Bangladesh, MINUSMA, "Contingent Troops 1,514 4 1518" (total printed without comma).
    rows = [
        r for r in report.rows if (r.contributor, r.mission, r.label) == ("Bangladesh", "MINUSMA", "Contingent Troops")
    ]
    assert [(r.male, r.female, r.total, r.page) for r in rows] == [(1514, 4, 1518, 2)]
    # Page 43: "Grand Total 92,520 4097 96,617".
    grand = [p for p in report.printed if p.scope == "grand"]
    assert [(p.page, p.male, p.female, p.total) for p in grand] == [(43, 92520, 4097, 96617)]


def test_november_2017_mission_subtotals_country_totals_and_grand_total(fixture_pdf):
    report = parse_report(fixture_pdf("2017_11"))
    assert report.layout == "post_2017"
    assert report.pages == 57
    assert report.date == pd.Timestamp("2017-11-30")  # "... Staff Officers and Troops  30/11/2017"
    # Page 1: Argentina, UNFICYP: "Contingent Troops 253 11 264", "Staff Officer 8 4 12", subtotal 276.
    unficyp = [
        (r.label, r.male, r.female, r.total, r.page)
        for r in report.rows
        if (r.contributor, r.mission) == ("Argentina", "UNFICYP")
    ]
    assert unficyp == [("Contingent Troops", 253, 11, 264, 1), ("Staff Officer", 8, 4, 12, 1)]
    argentina = [(p.scope, p.mission, p.total) for p in report.printed if p.contributor == "Argentina"]
    assert argentina == [
        ("country_mission", "MINURSO", 3),
        ("country_mission", "UNFICYP", 276),
        ("country_mission", "UNMISS", 9),
        ("country_mission", "UNTSO", 3),
        ("country_mission", "UNVMC", 39),
        ("country", None, 330),
    ]
    country = {p.contributor: (p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "country"}
    assert country["Argentina"] == (1, 313, 17, 330)
    assert country["Armenia"][1:] == (34, 0, 34)
    assert country["China"] == (12, 2592, 59, 2651)  # page 12: "2,592 59 2,651 China"
    # Page 57: "92,657 88,548 4,109 Grand Total" (total printed first).
    grand = [(p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "grand"]
    assert grand == [(57, 88548, 4109, 92657)]
    df = to_frame(report)
    assert int(df["total"].sum()) == 92657
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2651
    assert df["mission"].notna().all()


def test_june_2017_mission_subtotals_and_named_country_totals(un_pdf):
    report = parse_report(un_pdf("2017_06"))
    # Page 1: Argentina's mission subtotals (mission name under FEMALE, total only), then
    # "Argentina 403 55 458".
    argentina = [(p.scope, p.mission, p.total) for p in report.printed if p.contributor == "Argentina"]
    assert argentina == [
        ("country_mission", "MINURSO", 3),
        ("country_mission", "MINUSTAH", 81),
        ("country_mission", "UNFICYP", 276),
        ("country_mission", "UNMC", 91),
        ("country_mission", "UNMISS", 4),
        ("country_mission", "UNTSO", 3),
        ("country", None, 458),
    ]
    grand = [p for p in report.printed if p.scope == "grand"]
    assert [(p.male, p.female, p.total) for p in grand] == [(92613, 4240, 96853)]


def test_october_2017_country_total_printed_without_a_name(un_pdf):
    # Page 13 opens with "203 7 210": Côte d'Ivoire's country total, its name not printed.
    report = parse_report(un_pdf("2017_10"))
    civ = [p for p in report.printed if p.scope == "country" and p.contributor == "Côte d'Ivoire"]
    assert [(p.page, p.male, p.female, p.total) for p in civ] == [(13, 203, 7, 210)]


@pytest.mark.parametrize("month", ["2017_05", "2017_12", "2018_02"])
def test_every_month_maps_names_and_types(un_pdf, month):
    report = parse_report(un_pdf(month))
    df = to_frame(report)
    assert int(df["total"].sum()) == report.grand_total
    assert set(df["personnel_type"].unique()) == {
        "troops",
        "staff_officers",
        "experts_on_mission",
        "individual_police",
        "formed_police_units",
    }
    assert df["mission"].notna().all()


def test_february_2018_china(un_pdf):
    report = parse_report(un_pdf("2018_02"))
    assert report.date == pd.Timestamp("2018-02-28")
    china = [p for p in report.printed if p.scope == "country" and p.contributor == "China"]
    assert [p.total for p in china] == [2518]

"""Layout "... by Country and Post." (2018-03 .. 2019-08), country totals only: real numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers.un_pdf import country_2018, parse_report, to_frame
from pkdata.builder.readers.un_pdf.core import Line, Word
from pkdata.core.errors import ParseError


def test_june_2019_grand_total_from_sources_md(un_pdf):
    report = parse_report(un_pdf("2019_06"))
    assert report.layout == "country_2018"
    assert report.has_mission is False
    assert report.date == pd.Timestamp("2019-06-30")
    # Page 19: "Total 82,221 5,103 87,324".
    grand = [p for p in report.printed if p.scope == "grand"]
    assert [(p.page, p.male, p.female, p.total) for p in grand] == [(19, 82221, 5103, 87324)]
    df = to_frame(report)
    assert int(df["total"].sum()) == 87324
    assert df["mission"].isna().all()
    # Page 4: China, "Total for Country 2,456 63 2,519"; troops "2,383 54 2,437".
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2519
    troops = [r for r in report.rows if r.contributor == "China" and r.label == "Contingent Troops"]
    assert [(r.mission, r.male, r.female, r.total, r.page) for r in troops] == [(None, 2383, 54, 2437, 4)]


def test_march_2018_counts_printed_above_their_labels(un_pdf):
    report = parse_report(un_pdf("2018_03"))
    assert report.date == pd.Timestamp("2018-03-31")
    # Page 1: Argentina's four types, each count line 3 points above its label.
    argentina = [(r.label, r.male, r.female, r.total) for r in report.rows if r.contributor == "Argentina"]
    assert argentina == [
        ("Contingent Troops", 210, 15, 225),
        ("Experts on Mission", 15, 0, 15),
        ("Individual Police", 21, 4, 25),
        ("Staff Officer", 10, 4, 14),
    ]
    totals = {p.contributor: (p.male, p.female, p.total) for p in report.printed if p.scope == "country"}
    assert totals["Argentina"] == (256, 23, 279)
    assert totals["Armenia"] == (34, 0, 34)  # label and counts extracted as separate lines here
    assert totals["Bangladesh"] == (6853, 154, 7007)
    grand = [p for p in report.printed if p.scope == "grand"]
    assert [(p.male, p.female, p.total) for p in grand] == [(86723, 4335, 91058)]


def test_august_2019_country_and_grand_totals(fixture_pdf):
    report = parse_report(fixture_pdf("2019_08"))
    assert report.layout == "country_2018"
    assert report.date == pd.Timestamp("2019-08-31")  # "... Staff Officers  and Troops 31/08/2019"
    # Page 1: Argentina, counts printed above their labels, then "256 36 292 Total for Country".
    argentina = [(r.label, r.male, r.female, r.total) for r in report.rows if r.contributor == "Argentina"]
    assert argentina == [
        ("Contingent Troops", 222, 23, 245),
        ("Experts on Mission", 6, 0, 6),
        ("Individual Police", 19, 10, 29),
        ("Staff Officer", 9, 3, 12),
    ]
    totals = {p.contributor: (p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "country"}
    assert totals["Argentina"] == (1, 256, 36, 292)
    # Page 4: China "2,074 77 2,151"; page 18: Zimbabwe (country 121) "42 42 84".
    assert totals["China"] == (4, 2074, 77, 2151)
    assert totals["Zimbabwe"] == (18, 42, 42, 84)
    assert len(totals) == 121
    # Page 18: "80,740 5,211 85,951 Total".
    grand = [(p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "grand"]
    assert grand == [(18, 80740, 5211, 85951)]
    df = to_frame(report)
    assert int(df["total"].sum()) == 85951
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2151
    assert {p.contributor for p in report.printed if p.scope == "country"} == {r.contributor for r in report.rows}
    assert all(r.mission is None for r in report.rows)


@pytest.mark.parametrize("month", ["2018_03", "2018_12"])
def test_every_country_total_is_printed_and_reproduced(un_pdf, month):
    report = parse_report(un_pdf(month))
    countries = {r.contributor for r in report.rows}
    assert {p.contributor for p in report.printed if p.scope == "country"} == countries
    assert all(r.mission is None for r in report.rows)


def test_does_not_accept_the_october_2019_columns_layout(fixture_pdf):
    import pymupdf

    from pkdata.builder.readers.un_pdf.core import read_lines

    lines = read_lines(pymupdf.open(fixture_pdf("2019_10")))
    assert not country_2018.detect(lines)


def _line(y: float, *words: tuple[float, str]) -> Line:
    return Line(1, y, [Word(x, y - 4, x + 5 * len(t), y + 4, t) for x, t in words])


def _page(*body: Line) -> list[Line]:
    return [
        _line(30, (152, "Summary of Contributions to UN Peacekeeping by Country and Post.")),
        _line(40, (168, "Police,UN Military Experts on Mission , Staff Officers and Troops"), (417, "31/03/2018")),
        _line(50, (43, "Country"), (75, "Name"), (207, "POST"), (379, "MALE"), (429, "FEMALE"), (501, "TOTAL")),
        _line(100, (28, "1"), (43, "Algeria")),
        *body,
    ]


def test_synthetic_page_pairs_counts_with_the_label_below():
    lines = _page(
        _line(120, (394, "1"), (452, "0"), (518, "1")),
        _line(123, (207, "Experts on Mission")),
        _line(140, (43, "Total for Country"), (394, "1"), (452, "0"), (518, "1")),
        _line(160, (394, "1"), (452, "0"), (518, "1")),
        _line(163, (43, "Total")),
    )
    assert country_2018.detect(lines)
    report = country_2018.parse(lines, "x.pdf")
    assert [(r.contributor, r.label, r.total) for r in report.rows] == [("Algeria", "Experts on Mission", 1)]
    assert [p.scope for p in report.printed] == ["country", "grand"]


def test_counts_with_no_label_beside_them_are_an_error():
    lines = _page(
        _line(120, (394, "1"), (452, "0"), (518, "1")),
        _line(123, (207, "Experts on Mission")),
        _line(160, (394, "5"), (452, "0"), (518, "5")),
    )  # stray counts, no label near
    with pytest.raises(ParseError, match="no label beside them"):
        country_2018.parse(lines, "x.pdf")


def test_a_label_without_counts_is_an_error():
    lines = _page(_line(123, (207, "Experts on Mission")))
    with pytest.raises(ParseError, match="has no counts beside it"):
        country_2018.parse(lines, "x.pdf")

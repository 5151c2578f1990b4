"""Layout "... by Mission, Country and Post" (2019-11 .. 2021-01): real reports, real numbers."""

from __future__ import annotations

import pandas as pd
import pymupdf
import pytest

from pkdata.builder.readers.un_pdf import parse_report, to_frame
from pkdata.builder.readers.un_pdf.core import Line, Word, read_lines, verify
from pkdata.builder.readers.un_pdf.mission_2019 import detect, parse
from pkdata.core.errors import ParseError, TotalsMismatchError


def _china(report) -> int:
    df = to_frame(report)
    return int(df.loc[df.contributor_iso3 == "CHN", "total"].sum())


def test_november_2019_type_right_of_total_and_mission_totals(un_pdf):
    report = parse_report(un_pdf("2019_11"))
    assert report.layout == "mission_2019"
    assert report.date == pd.Timestamp("2019-11-30")
    # BINUH closes on page 1 with "6 5 11"; no grand total is printed (only "1015" type lines).
    binuh = [p for p in report.printed if p.mission == "BINUH"]
    assert [(p.scope, p.page, p.male, p.female, p.total) for p in binuh] == [("mission", 1, 6, 5, 11)]
    assert not any(p.scope == "grand" for p in report.printed)
    assert len(report.rows) == 1015
    # Page 3: "United Republic of 431 19 450 Troops", then "Tanzania" on a line of its own.
    tza = [
        r
        for r in report.rows
        if r.contributor == "United Republic of Tanzania" and r.label == "Troops" and r.mission == "MINUSCA"
    ]
    assert [(r.male, r.female, r.total, r.page) for r in tza] == [(431, 19, 450, 3)]
    assert _china(report) == 2524


def test_january_2020_mission_totals_row_count_and_grand_total(fixture_pdf):
    report = parse_report(fixture_pdf("2020_01"))
    assert report.layout == "mission_2019"
    assert report.date == pd.Timestamp("2020-01-31")  # "... Staff Officers and Troops 31/01/2020"
    # Page 1: BINUH, "Mali police 2 0 2", "Canada police 3 0 3", "Niger police 1 0 1", closed by "6 0 6".
    binuh = [(r.contributor, r.label, r.male, r.female, r.total) for r in report.rows if r.mission == "BINUH"]
    assert binuh == [("Mali", "police", 2, 0, 2), ("Canada", "police", 3, 0, 3), ("Niger", "police", 1, 0, 1)]
    assert [(p.scope, p.page, p.male, p.female, p.total) for p in report.printed if p.mission == "BINUH"] == [
        ("mission", 1, 6, 0, 6)
    ]
    # Page 47: UNVMC closes with "75 43 118", then "1025" and the unlabelled "77579 5284 82863".
    unvmc = [
        (p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "mission" and p.mission == "UNVMC"
    ]
    assert unvmc == [(47, 75, 43, 118)]
    assert len(report.rows) == 1025
    grand = [(p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "grand"]
    assert grand == [(47, 77579, 5284, 82863)]
    # "Democratic Republic of" / "the Congo (DRC)" on two lines (page 47) is one name.
    assert ("UNVMC", "police", 3, 1, 4) in {
        (r.mission, r.label, r.male, r.female, r.total)
        for r in report.rows
        if r.contributor.startswith("Democratic Republic of")
    }
    # China's 17 lines (pages 1 .. 46) sum to 2544.
    assert _china(report) == 2544


@pytest.mark.parametrize(
    ("month", "grand", "china"),
    [
        ("2019_12", (47, 78021, 5310, 83331), 2545),
        ("2020_02", (52, 77853, 5415, 83268), 2550),
        ("2020_12", (49, 76037, 5795, 81832), 2520),
    ],
)
def test_unlabelled_grand_total_after_the_last_mission(un_pdf, month, grand, china):
    report = parse_report(un_pdf(month))
    assert report.layout == "mission_2019"
    g = [(p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "grand"]
    assert g == [grand]
    assert report.grand_total == grand[3]
    assert _china(report) == china


def test_august_2020_odd_sex_split_is_read_as_printed(un_pdf):
    # The August 2020 report prints implausible male/female splits (e.g. Bangladesh, MINUSMA,
    # contingent: 0 male, 1265 female), but its totals agree with its rows.
    report = parse_report(un_pdf("2020_08"))
    g = [(p.male, p.female, p.total) for p in report.printed if p.scope == "grand"]
    assert g == [(40637, 41183, 81820)]


def test_january_2021_mission_contributor_and_grand_totals(un_pdf):
    report = parse_report(un_pdf("2021_01"))
    assert report.layout == "mission_2019"
    assert report.date == pd.Timestamp("2021-01-31")
    scopes = [p.scope for p in report.printed]
    assert scopes.count("grand") == 1 and scopes.count("mission") == 22 and scopes.count("country_mission") == 541
    minusca = [
        (p.page, p.male, p.female, p.total) for p in report.printed if p.scope == "mission" and p.mission == "MINUSCA"
    ]
    assert minusca == [(2, 12600, 904, 13504)]
    chn = [
        (p.male, p.female, p.total)
        for p in report.printed
        if p.scope == "country_mission" and p.contributor == "China" and p.mission == "MINURSO"
    ]
    assert chn == [(9, 2, 11)]
    assert [(p.page, p.total) for p in report.printed if p.scope == "grand"] == [(29, 81932)]
    assert _china(report) == 2465


def test_june_2020_file_is_a_2022_report_and_not_this_layout(un_pdf):
    assert not detect(read_lines(pymupdf.open(un_pdf("2020_06"))))


def test_a_missing_row_or_a_stray_line_is_caught(un_pdf):
    path = un_pdf("2020_02")
    lines = read_lines(pymupdf.open(path))
    row = next(i for i, line in enumerate(lines) if line.words[0].text == "contingent")
    report = parse(lines[:row] + lines[row + 1 :], path.name)
    report.layout = "mission_2019"
    with pytest.raises(TotalsMismatchError):
        verify(report)
    at = lines[row]
    odd = Line(at.page, at.y, [Word(30, at.y, 60, at.y + 5, "zzz"), Word(260, at.y, 280, at.y + 5, "yyy")])
    with pytest.raises(ParseError, match="zzz"):
        parse(lines[:row] + [odd] + lines[row:], path.name)

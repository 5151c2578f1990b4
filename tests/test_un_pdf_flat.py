"""Layout "flat" (2019-09 and 2024-10 tables): real reports, real numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers.un_pdf import parse_report, to_frame
from pkdata.builder.readers.un_pdf.core import Row
from pkdata.builder.readers.un_pdf.flat import _resolve_cut_names
from pkdata.core.errors import ParseError


def test_september_2019_reads_every_row_and_maps_cut_names(fixture_pdf):
    report = parse_report(fixture_pdf("2019_09"))
    assert report.layout == "flat"
    assert report.date == pd.Timestamp("2019-09-30")
    # The table prints no totals at all: only male + female = total is checked per row.
    assert report.prints_totals is False and report.printed == []
    assert len(report.rows) == 1032
    # Page 2: "MINUSCA Bangladesh Contingent Troops 984 14 998 30/09/2019".
    bgd = [
        r for r in report.rows if (r.contributor, r.mission, r.label) == ("Bangladesh", "MINUSCA", "Contingent Troops")
    ]
    assert [(r.male, r.female, r.total, r.page) for r in bgd] == [(984, 14, 998, 2)]
    # Cut names are kept as printed ...
    assert {"Russian", "United States of", "United Republic", "Moldova,"} <= {r.contributor for r in report.rows}
    # ... except the ambiguous "Republic of", which is Korea here (Moldova is printed as "Moldova,").
    kor = [
        r
        for r in report.rows
        if r.mission == "UNIFIL" and r.label == "Contingent Troops" and r.contributor == "Republic of Korea"
    ]
    assert [(r.male, r.female, r.total) for r in kor] == [(308, 19, 327)]
    df = to_frame(report)
    by_iso = df.groupby("contributor_iso3")["total"].sum()
    assert int(by_iso["CHN"]) == 2521
    assert int(by_iso["RUS"]) > 0 and int(by_iso["USA"]) > 0 and int(by_iso["TZA"]) > 0
    assert int(by_iso["KOR"]) > 0 and int(by_iso["MDA"]) > 0
    assert int(df["total"].sum()) == 85676


def test_october_2024_joins_names_printed_above_and_below_their_row(un_pdf):
    report = parse_report(un_pdf("2024_10"))
    assert report.layout == "flat"
    assert report.date == pd.Timestamp("2024-10-31")
    assert report.prints_totals is False
    # Page 5: "United Republic of" above and "Tanzania" below "MINUSCA Troops 448 62 510".
    tza = [
        r
        for r in report.rows
        if r.mission == "MINUSCA" and r.label == "Troops" and r.contributor == "United Republic of Tanzania"
    ]
    assert [(r.male, r.female, r.total, r.page) for r in tza] == [(448, 62, 510, 5)]
    assert not any(r.contributor in ("United Republic of", "Tanzania") for r in report.rows)
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 1797
    assert report.grand_total == 61247


def test_ambiguous_cut_name_without_context_raises():
    rows = [Row("Republic of", "UNIFIL", "Staff Officer", 1, 0, 1, 3), Row("China", "UNIFIL", "Troops", 1, 0, 1, 3)]
    with pytest.raises(ParseError, match="Republic of"):
        _resolve_cut_names(rows, "f.pdf")

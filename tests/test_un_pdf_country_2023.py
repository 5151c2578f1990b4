"""Layout "... by Country and Personnel Type", country totals only (2023-09): real report, real numbers."""

from __future__ import annotations

import pandas as pd

from pkdata.builder.readers.un_pdf import parse_report, to_frame


def test_september_2023_country_totals(fixture_pdf):
    report = parse_report(fixture_pdf("2023_09"))
    assert report.layout == "country_2023"
    assert report.date == pd.Timestamp("2023-09-30")
    assert not report.has_mission and not report.has_gender
    # Page 1: China 30 experts, 0 FPU, 0 police, 51 staff officers, 2194 troops, total 2275.
    assert [(r.label, r.total) for r in report.rows if r.contributor == "China"] == [
        ("Experts on Mission", 30),
        ("Staff Officer", 51),
        ("Troops", 2194),
    ]
    assert all(r.mission is None and r.male is None and r.female is None for r in report.rows)
    countries = {p.contributor: (p.page, p.total) for p in report.printed if p.scope == "country"}
    assert countries["China"] == (1, 2275)
    # "United Republic of" / "Tanzania" wraps onto two lines.
    assert countries["United Republic of Tanzania"] == (1, 1533)
    # Ukraine prints a line of zeros: a checked total, no rows.
    assert countries["Ukraine"] == (4, 0)
    [grand] = [p for p in report.printed if p.scope == "grand"]
    assert (grand.page, grand.total) == (4, 72631)
    assert report.grand_total == 72631
    df = to_frame(report)
    assert int(df.loc[df.contributor_iso3 == "CHN", "total"].sum()) == 2275
    assert int(df.loc[df.personnel_type == "troops", "total"].sum()) == 62258

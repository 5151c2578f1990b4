"""The UN's own list of contributing countries, zeros included, reproduced from listed_contributors."""

from __future__ import annotations

import pandas as pd
import pymupdf
import pytest

import pkdata
from pkdata.core import countries


def _lines(pdf) -> list[str]:
    with pymupdf.open(pdf) as doc:
        return [line.strip() for page in doc for line in page.get_text().splitlines()]


def test_september_2023_lists_122_countries_two_with_0(un_pdf):
    """Country_2023 layout: one line per country, each ending with its End Date '30/09/2023'."""
    lines = _lines(un_pdf("2023_09"))
    printed = sum(1 for line in lines if line == "30/09/2023")
    assert printed == 122
    listed = pkdata.listed_contributors("2023-09")
    assert len(listed) == printed
    # Page 4 prints North Macedonia and Ukraine with a line of zeros.
    assert sorted(listed.loc[listed["total"] == 0, "contributor_iso3"]) == ["MKD", "UKR"]
    # contributions keeps those with personnel: two fewer.
    c = pkdata.contributions()
    assert c.loc[c["date"] == "2023-09-30", "contributor_iso3"].nunique() == printed - 2


def test_october_2024_flat_report_country_count(un_pdf):
    """Flat layout: mission, country, type, male, female, total, date on seven lines per printed row."""
    lines = _lines(un_pdf("2024_10"))
    at = [i for i, line in enumerate(lines) if line == "31/10/2024"]
    printed = {lines[i - 5] for i in at}
    listed = pkdata.listed_contributors("2024-10")
    assert len(listed) == len(printed)
    assert "Ukraine" in printed and listed.set_index("contributor_iso3").loc["UKR", "total"] == 0


def test_january_2022_matches_the_uns_ranking_export(reference):
    """The UN's ranking export for Jan 2022 lists 122 countries, Papua New Guinea with 0 personnel."""
    ranks = pd.read_csv(
        reference / "personnel" / "odp_contributionranks_gouliev" / "odp_contributionranks.csv", encoding="utf-8-sig"
    )
    assert set(ranks["Last_Reporting_Date"]) == {"31-Jan-22"}
    listed = pkdata.listed_contributors("2022-01").set_index("contributor_iso3")
    assert set(listed.index) == set(ranks["ISOCode3"])
    by_rank = ranks.set_index("ISOCode3")["Total_Uniformed_Personnel"]
    assert (listed["total"] == by_rank.reindex(listed.index)).all()
    assert listed.loc["PNG", "total"] == 0


@pytest.mark.parametrize("month", ["2015_06", "2016_11", "2017_06", "2018_06", "2019_10", "2020_08", "2022_01"])
def test_every_country_the_report_prints_is_listed(un_pdf, month):
    """One report per layout: every text line of the PDF that is a country name is a listed contributor."""
    printed = {countries.lookup(line) for line in _lines(un_pdf(month)) if line and not line[0].isdigit()}
    printed.discard(None)
    listed = set(pkdata.listed_contributors(month.replace("_", "-"))["contributor_iso3"])
    assert printed <= listed
    # names the text wraps over two lines (e.g. "Iran (Islamic / Republic of)") are the only ones not matched
    assert len(listed - printed) <= 2

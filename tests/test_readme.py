"""The README states what the committed data says: its quoted outputs and figures are checked here."""

from __future__ import annotations

import re

import pkdata
from pkdata.core.paths import REPO_DIR

README = (REPO_DIR / "README.md").read_text()


def test_readme_claims_output_is_what_pkdata_claims_prints(capsys):
    from pkdata.cli import main

    block = README.split("(`pkdata claims --as-of 2018-09`):\n\n```\n", 1)[1].split("```", 1)[0]
    assert main(["claims", "--as-of", "2018-09"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == block.strip()


def test_readme_months_with_no_report_are_the_manifests():
    from pkdata.builder import expected

    missing = pkdata.manifest()["contributions"]["missing_months"]
    assert missing == expected.load()["contributions"]["missing_months"]
    assert "**Months no source covers**: 2014-09 .. 2014-12, 2015-03, 2016-03, 2017-03, 2020-06, 2022-07" in README


def test_readme_latest_claims_paragraph_matches_the_timelines():
    runs = {
        c: pkdata.analysis.claims.timeline(c).attrs["runs"]
        for c in ("second_largest_funder", "in_mali_and_south_sudan", "personnel_about_2500")
    }
    funder = runs["second_largest_funder"]
    assert any(r["verdict"] == "supported" and r["first"] == "2016" for r in funder)
    assert "supported since calendar year **2016**" in README
    mali = runs["in_mali_and_south_sudan"]
    assert mali[-1]["verdict"] == "refuted" and mali[-1]["first"] == "2024-06"
    assert "`in_mali_and_south_sudan` is **refuted** from 2024-06" in README
    latest = pkdata.analysis.claims.check("latest").set_index("claim_id")
    assert latest.loc["personnel_about_2500", "verdict"] == "refuted"
    median = re.search(r"is \*\*refuted\*\*: the median is ([\d,.]+)", README).group(1).rstrip(".")
    assert float(latest.loc["personnel_about_2500", "value"]) == float(median.replace(",", ""))


def test_the_readmes_claims_figures_are_the_sources(reference):
    """The numbers the README quotes for 2018-09, each read from its source file by other means than pkdata."""
    import pandas as pd
    import pymupdf

    block = README.split("(`pkdata claims --as-of 2018-09`):\n\n```\n", 1)[1].split("```", 1)[0]
    rows = {line.split()[0]: line for line in block.splitlines()[2:11] if line.strip()}
    # China's total in the September 2018 report: "Total for Country China ... 2,506" (page 4).
    pdf = reference / "personnel" / "un_monthly_pdfs_kl371218" / "UN_country_contributions_2018_09.pdf"
    with pymupdf.open(pdf) as doc:
        text = doc[3].get_text()
    china = text[text.index("Total for Country\nChina") :].split("Total for Country", 2)[1].split()
    assert china[-1] == "2,506" and "(latest 2,506)" in rows["personnel_about_2500"]
    # Chinese uniformed personnel killed by malicious acts, Oct 2015 - Sep 2018, in the UN's fatalities file.
    fat = pd.read_csv(reference / "fatalities" / "DPPADPOSS-FATALITIES.csv")
    killed = fat[(fat["isocode3"] == "CHN") & (fat["type_of_incident"] == "Malicious Act")]
    killed = killed[killed["incident_date"].between("2015-10-01", "2018-09-30")]
    assert len(killed) == 3 and rows["recent_fatalities"].split()[2] == "3"
    # China's regular-budget rate for 2016-2018 in the Committee on Contributions workbook.
    wb = pd.read_csv(
        reference / "budget" / "official" / "regular_budget_scale_2010_2027_UN_CoC_workbook.csv", dtype=str
    )
    rate = wb[(wb["iso3"] == "CHN") & (wb["period_start_year"] == "2016")]["rate_percent"].unique()
    assert list(rate) == ["7.921"] and "7.921%" in rows["rising_budget_share"]

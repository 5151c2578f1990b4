"""The README and docs/claims.md state what the committed data says: their quoted outputs and figures, checked."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import pkdata
from pkdata.core.paths import REPO_DIR

README = (REPO_DIR / "README.md").read_text()
CLAIMS_DOC = (REPO_DIR / "docs" / "claims.md").read_text()
CLAIMS_MARK = "(`pkdata claims --as-of 2018-09`):\n\n```\n"


def _claims_block(text: str) -> str:
    return text.split(CLAIMS_MARK, 1)[1].split("```", 1)[0].strip()


def test_the_claims_output_quoted_is_what_pkdata_claims_prints(capsys):
    """docs/claims.md quotes the whole output; the README its first lines (the header and the table)."""
    from pkdata.cli import main

    assert main(["claims", "--as-of", "2018-09"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == _claims_block(CLAIMS_DOC)
    head = _claims_block(README)
    assert len(head.splitlines()) == 11 and printed.startswith(head + "\n\n")


def test_readme_months_with_no_report_are_the_manifests():
    from pkdata.builder import expected

    missing = pkdata.manifest()["contributions"]["missing_months"]
    assert missing == expected.load()["contributions"]["missing_months"]
    assert "**Months no source covers**: 2014-09 .. 2014-12, 2015-03, 2016-03, 2017-03, 2020-06, 2022-07" in README


@pytest.mark.parametrize("text", [README, CLAIMS_DOC], ids=["README", "claims.md"])
def test_the_latest_claims_paragraph_matches_the_timelines(text):
    runs = {
        c: pkdata.analysis.claims.timeline(c).attrs["runs"]
        for c in ("second_largest_funder", "in_mali_and_south_sudan", "personnel_about_2500")
    }
    funder = runs["second_largest_funder"]
    assert any(r["verdict"] == "supported" and r["first"] == "2016" for r in funder)
    assert "supported since calendar year **2016**" in text
    mali = runs["in_mali_and_south_sudan"]
    assert mali[-1]["verdict"] == "refuted" and mali[-1]["first"] == "2024-06"
    assert "`in_mali_and_south_sudan` is **refuted** from 2024-06" in text
    latest = pkdata.analysis.claims.check("latest").set_index("claim_id")
    assert latest.loc["personnel_about_2500", "verdict"] == "refuted"
    median = re.search(r"is \*\*refuted\*\*: the median is ([\d,.]+)", text).group(1).rstrip(".")
    assert float(latest.loc["personnel_about_2500", "value"]) == float(median.replace(",", ""))


def test_the_readmes_claims_figures_are_the_sources(reference):
    """The numbers the README quotes for 2018-09, each read from its source file by other means than pkdata."""
    import pymupdf

    block = _claims_block(README)
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


def _runs(months: list[pd.Period]) -> list[str]:
    """Consecutive months as ``first .. last`` (one month alone as itself)."""
    out: list[list[pd.Period]] = []
    for m in sorted(months):
        if out and m == out[-1][-1] + 1:
            out[-1].append(m)
        else:
            out.append([m])
    return [f"{r[0]} .. {r[-1]}" if len(r) > 1 else str(r[0]) for r in out]


def test_the_readmes_coverage_is_the_committed_datas():
    """Every figure of the README's "Data coverage and known gaps", computed from data/processed."""
    manifest = pkdata.manifest()
    for name, entry in manifest["tables"].items():
        rows = f"{entry['rows']:,} people" if name == "fatalities" else f"{entry['rows']:,}"
        assert f"| `{name}` | {rows} |" in README, name
    c = pkdata.contributions()
    months = manifest["contributions"]["months"]
    span = pd.period_range(manifest["contributions"]["first_month"], manifest["contributions"]["last_month"], freq="M")
    cover = f"{span[0]} .. {span[-1]}: **{len(months)} of {len(span)} months**, {c['contributor_iso3'].nunique()}"
    assert cover + " contributors" in README
    by_month = c.assign(m=c["date"].dt.to_period("M")).groupby("m", observed=True)
    detail, split = by_month["mission"].count() > 0, by_month["female"].count() > 0
    assert f"{int(detail.sum())} months have mission detail and {int(split.sum())} have a male/female split" in README
    country_only = _runs([m for m in detail.index[~detail] if m >= pd.Period("2015-01", "M")])
    assert country_only == ["2018-03 .. 2019-08", "2023-09"]
    assert "**country totals only** 2018-03 .. 2019-08 (18 months) and 2023-09 (also no gender)" in README
    assert _runs([m for m in split.index[~split] if m >= pd.Period("2015-01", "M")]) == ["2020-08", "2023-09"]
    ipi = [pd.Period(m, "M") for m, v in months.items() if v.get("dataset") == "ipi_countries"]
    assert f"| {_runs(ipi)[0]} ({len(ipi)}) | IPI country files |" in README
    mission_ipi = [pd.Period(m, "M") for m, v in months.items() if str(v.get("dataset", "")).startswith("ipi_")]
    mission_ipi = [m for m in mission_ipi if m not in ipi]
    assert f"| {_runs(mission_ipi)[0]} ({len(mission_ipi)}) | IPI mission files |" in README
    pdf = [pd.Period(m, "M") for m, v in months.items() if "dataset" not in v]
    assert f"| {pdf[0]} .. {pdf[-1]} ({len(pdf)}) | UN PDF reports |" in README

    f = pkdata.fatalities()
    fat = manifest["sources"][[s["name"] for s in manifest["sources"]].index("DPPADPOSS-FATALITIES.csv")]
    span_f = f"{f['date'].min():%Y-%m-%d} .. {f['date'].max():%Y-%m-%d} (file of {fat['last_update']})"
    nations, missions = f["nationality_iso3"].nunique(), f["mission"].nunique()
    assert f"{span_f}, {missions} missions, {nations} nationalities" in README
    assert f"{fat['excluded']} duplicate rows excluded; {fat['nationality_undetermined']} with no nationality" in README
    ms = pkdata.missions().groupby("kind", observed=True).size()
    assert (ms["pko"], ms["spm"], ms["other"], ms["aggregate"], ms["duplicate"]) == (73, 16, 5, 4, 1)
    assert "| 73 peacekeeping operations, 16 special political missions, 5 others (20 active) |" in README
    assert (pkdata.missions()["status"] == "active").sum() == 20

    from pkdata.tables.finance import budget_coverage, coverage_markdown

    c = budget_coverage()
    assert coverage_markdown() in README  # the coverage table is computed, never typed
    approved = c.loc[c["approved"] > 0, "fiscal_year"].tolist()
    some = (c[["approved", "expenditure", "audited_expenditure"]] > 0).any(axis=1).sum()
    total = c[["approved_total", "expenditure_total", "audited_expenditure_total"]].any(axis=1).sum()
    assert sum(n >= 8 for n in c["approved"]) == 6 and (approved[0], approved[-1]) == ("2009/10", "2026/27")
    assert (
        "approved by mission for **6 fiscal years** (2009/10 .. 2013/14, 2026/27), "
        f"some basis by mission for **{some}**" in README
    )
    assert f"a stated total for **{total}**" in README

    from pkdata.core import store

    a = store.table("assessments")
    years = a.groupby(["kind", "measure", "basis"], observed=True)["year"].agg(["min", "max"])
    span = {k: f"{int(v['min'])}-{int(v['max'])}" for k, v in years.iterrows()}
    assert span[("peacekeeping", "scale", "scale_rate_derived")] == "2010-2027"
    assert span[("peacekeeping", "billed", "assessed_usd")] == "2013-2024"
    assert span[("regular", "scale", "scale_rate")] == "2010-2027"
    assert span[("peacekeeping", "scale", "scale_rate_rounded")].startswith("2006-")
    members = a["member_iso3"].nunique()
    assert f"| {members} members; peacekeeping scale 2010-2027, billed USD 2013-2024; regular-budget scale" in README
    assert f"{pkdata.listed_contributors()['date'].min():%Y-%m}" == "2015-01"
    assert sorted(store.table("gender_targets")["year"].unique()) == [2021, 2028]
    assert len(pkdata.fatalities("CHN")) == 21 and "21 of Chinese nationality" in README
    assert len(pkdata.missions("2019-06-30")) == 23 and "the 23 missions active that day" in README


def test_the_readmes_python_examples_give_the_values_in_their_comments():
    china = pkdata.snapshot("2018-09").set_index("contributor_iso3").loc["CHN"]
    assert (china["rank"], china["total"]) == (11, 2506) and "ranked: China #11, 2,506" in README
    p5 = pkdata.p5("2018-09")["total"]
    assert ", ".join(f"{k} {v:,}" for k, v in p5.items()) in README
    top = pkdata.funding_rank(2019).head(3)
    assert ", ".join(f"{r.member_iso3} {r.share_percent:.2f} %" for r in top.itertuples()) in README
    assert f"({len(pkdata.contributions()):,} rows)" in README

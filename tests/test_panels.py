"""Research panels: shape, codes, missing months and totals checked against the tables with plain pandas."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from pkdata.core import paths
from pkdata.core.errors import PkdataError
from pkdata.tables.panels import panel

PROCESSED = paths.processed_dir()
TYPES = ["troops", "staff_officers", "experts_on_mission", "individual_police", "formed_police_units"]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((PROCESSED / "manifest.json").read_text())


@pytest.fixture(scope="module")
def contributions() -> pd.DataFrame:
    c = pd.read_parquet(PROCESSED / "contributions.parquet")
    c["iso3"] = c["contributor_iso3"].astype(str)
    c["mission"] = c["mission"].astype(object)
    c["type"] = c["personnel_type"].astype(str)
    c["total"] = c["total"].astype("int64")
    return c


@pytest.fixture(scope="module")
def cy() -> pd.DataFrame:
    return panel("country-year")


def _last_complete_year(manifest: dict) -> int:
    year, month = map(int, manifest["contributions"]["last_month"].split("-"))
    return year if month == 12 else year - 1


def test_one_row_per_country_year_from_1990(cy: pd.DataFrame, manifest: dict) -> None:
    last = _last_complete_year(manifest)
    assert last >= 2024
    assert not cy.duplicated(["iso3", "year"]).any()
    assert sorted(cy["year"].unique()) == list(range(1990, last + 1))
    counts = cy.groupby("iso3").size()
    assert (counts == last - 1990 + 1).all()  # balanced
    # joins by COW or GW code are unique within a year
    assert not cy.dropna(subset=["cown"]).duplicated(["cown", "year"]).any()
    assert not cy.dropna(subset=["gwno"]).duplicated(["gwno", "year"]).any()


def test_every_member_state_that_contributed_has_codes(cy: pd.DataFrame) -> None:
    members = set(pd.read_parquet(PROCESSED / "assessments.parquet").query("kind == 'regular'")["member_iso3"])
    served = cy[(cy["total_mean"] > 0) & cy["iso3"].isin(members)]
    assert served["iso3"].nunique() > 150
    assert served[["iso3", "cown", "gwno"]].notna().all().all()
    china = cy[(cy.iso3 == "CHN") & (cy.year == 2010)].iloc[0]
    assert (china.cown, china.cowc, china.gwno) == (710, "CHN", 710)
    # codes follow the state lists over time: Serbia's GW code changes in 2006, Germany's COW in 1990
    srb = cy[cy.iso3 == "SRB"].set_index("year")
    assert (srb.loc[2005, "gwno"], srb.loc[2006, "gwno"], srb.loc[2006, "cown"]) == (345, 340, 345)
    assert cy[(cy.iso3 == "SSD") & (cy.year == 2010)]["cown"].isna().all()


def test_annual_totals_equal_the_monthly_sums(cy: pd.DataFrame, contributions: pd.DataFrame, manifest: dict) -> None:
    last = _last_complete_year(manifest)
    c = contributions[contributions["date"].dt.year <= last]
    # sum of all rows of a country-year = mean over reported months x months reported
    sums = c.groupby([c["iso3"], c["date"].dt.year])["total"].sum()
    got = cy.set_index(["iso3", "year"])
    product = (got["total_mean"].astype(float) * got["months_reported"]).reindex(sums.index)
    pd.testing.assert_series_equal(product.round(6), sums.astype(float).round(6), check_names=False)
    # by type too
    for t in TYPES:
        s = c[c["type"] == t].groupby([c["iso3"], c["date"].dt.year])["total"].sum()
        p = (got[f"{t}_mean"].astype(float) * got["months_reported"]).reindex(s.index)
        assert (p - s).abs().max() < 1e-6, t
    # December values: the world total per year equals the December rows' sum
    dec = c[c["date"].dt.month == 12].groupby(c["date"].dt.year)["total"].sum()
    world = cy.groupby("year")["total_dec"].sum(min_count=1).dropna().astype("int64")
    dec.index = dec.index.astype("int64")
    pd.testing.assert_series_equal(world.loc[dec.index], dec, check_names=False)
    # rows of countries absent from every report of a year are zero, not missing
    months = {m for m in manifest["contributions"]["months"] if m.startswith("2019")}
    assert len(months) == 12
    assert cy[(cy.year == 2019) & (cy.months_reported == 12)]["total_dec"].notna().all()


def test_months_without_a_report_are_missing(manifest: dict) -> None:
    cm = panel("country-month")
    missing = manifest["contributions"]["missing_months"]
    assert "2014-09" in missing
    key = cm["date"].dt.strftime("%Y-%m")
    gap = cm[key.isin(missing)]
    assert len(gap) > 0 and gap["total"].isna().all() and not gap["reported"].any()
    before = cm[key < manifest["contributions"]["first_month"]]
    assert before["total"].isna().all()
    reported = cm[key.isin(manifest["contributions"]["months"])]
    assert reported["total"].notna().all() and reported["reported"].all()
    # a month's own figure: China, June 2021, from the UN report's rows
    c = pd.read_parquet(PROCESSED / "contributions.parquet")
    china = c[(c.contributor_iso3 == "CHN") & (c.date == "2021-06-30")]
    row = cm[(cm.iso3 == "CHN") & (cm.date == "2021-06-30")].iloc[0]
    assert row.total == china.total.sum() and row.n_missions == china.mission.nunique()
    assert row.male + row.female == row.total
    # n_missions is missing where the month's source has country totals only (2005; June 2019)
    assert cm[(cm.iso3 == "CHN") & (cm.year == 2005)]["n_missions"].isna().all()
    assert manifest["contributions"]["months"]["2019-06"]["granularity"] == "country+gender"
    assert cm[(cm.iso3 == "CHN") & (cm.date == "2019-06-30")]["n_missions"].isna().all()


def test_fatalities_count_the_un_file_by_nationality_and_year(cy: pd.DataFrame, reference: Path) -> None:
    # independent count straight from the UN file, folding Yugoslavia / Serbia and Montenegro into Serbia
    f = pd.read_parquet(PROCESSED / "fatalities.parquet")
    f = f[f.nationality_iso3.notna()]
    f["iso3"] = f["nationality_iso3"].replace({"YUG": "SRB", "SCG": "SRB"})
    f["year"] = f["date"].dt.year
    f = f[f.year.between(1990, cy.year.max())]
    expected = f.groupby(["iso3", "year"]).size()
    got = cy.set_index(["iso3", "year"])["fatalities"]
    assert (got.reindex(expected.index) == expected).all()
    assert got.sum() == expected.sum()
    mal = f[f.incident_type == "malicious_act"].groupby(["iso3", "year"]).size()
    assert (cy.set_index(["iso3", "year"])["fatalities_malicious"].reindex(mal.index) == mal).all()


def test_assessment_columns_match_the_source_documents(cy: pd.DataFrame, reference: Path) -> None:
    def rate(path: Path, iso3: str, period_end: str) -> float:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r["iso3"] == iso3 and r["period_end_year"] == period_end]
        return float(rows[0]["rate_percent"])

    china = cy[(cy.iso3 == "CHN") & (cy.year == 2015)].iloc[0]
    workbook = reference / "budget" / "official" / "regular_budget_scale_2010_2027_UN_CoC_workbook.csv"
    assert china.rb_scale_percent == rate(workbook, "CHN", "2015")  # 5.148
    with open(reference / "budget" / "peacekeeping_assessment_rates.csv", newline="", encoding="utf-8") as fh:
        pk = [r for r in csv.DictReader(fh) if r["iso3"] == "CHN" and r["year"] == "2015"]
    assert china.pk_scale_percent == float(pk[0]["rate_percent"]) and china.pk_scale_basis == "scale_rate_rounded"
    assert china.pk_billed_usd > 0 and 0 < china.pk_billed_percent < 100


def test_the_scale_is_there_for_every_year_with_one(cy: pd.DataFrame) -> None:
    """China and the US 2013-2024: a scale rate every year, bounds where only bounds are known, never billed."""
    p5 = cy[cy.iso3.isin(["CHN", "USA"]) & cy.year.between(2013, 2024)].set_index(["iso3", "year"])
    assert len(p5) == 24 and p5["pk_scale_low"].notna().all() and p5["pk_scale_high"].notna().all()
    assert (p5["pk_scale_low"] <= p5["pk_scale_high"]).all()
    known = p5.dropna(subset=["pk_scale_percent"])
    assert known["pk_scale_percent"].between(known["pk_scale_low"], known["pk_scale_high"]).all()
    assert p5.loc[("USA", 2024), "pk_scale_percent"] == 26.94  # CRS IF10597, April 2024
    assert p5.loc[("CHN", 2019), "pk_scale_percent"] == 15.22 and p5.loc[("CHN", 2019), "pk_billed_percent"] < 13
    derived = p5[p5["pk_scale_basis"] == "scale_rate_derived"]
    assert {("CHN", 2013), ("CHN", 2014), ("CHN", 2024)} <= set(derived.index)


def test_mission_panels(contributions: pd.DataFrame) -> None:
    my = panel("mission-year")
    mm = panel("mission-month")
    assert not my.duplicated(["mission", "year"]).any() and not mm.duplicated(["mission", "date"]).any()
    dec = contributions[(contributions["mission"] == "UNMISS") & (contributions["date"] == "2020-12-31")]
    row = my[(my.mission == "UNMISS") & (my.year == 2020)].iloc[0]
    assert row.total_dec == dec["total"].sum() and row.n_contributors_dec == dec["iso3"].nunique()
    assert (row.host_iso3, row.host_cown, row.host_gwno) == ("SSD", 626, 626)
    # months whose source has no mission detail are missing for missions
    assert mm[mm.date.dt.year == 2005]["total"].isna().all()


def test_unknown_unit_is_a_clear_error() -> None:
    with pytest.raises(PkdataError, match="unit='country-week': expected one of"):
        panel("country-week")  # type: ignore[arg-type]


def test_a_panel_is_computed_again_when_a_table_changes_and_a_change_to_one_copy_stays_there(tmp_path: Path) -> None:
    """panel() keeps each panel per manifest version: a rebuilt table gives a new panel, never the old one."""
    import shutil

    from .helpers import replace_table

    data = tmp_path / "data"
    shutil.copytree(paths.processed_dir(), data)
    before = panel("mission-year", data_dir=data)
    unmiss_2020 = (before["mission"] == "UNMISS") & (before["year"] == 2020)
    assert before.loc[unmiss_2020, "total_dec"].item() > 10_000
    before.loc[unmiss_2020, "total_dec"] = -1  # the caller's copy
    assert panel("mission-year", data_dir=data).loc[unmiss_2020, "total_dec"].item() > 10_000
    # UNMISS leaves the contributions table (as if a build had dropped it): the panel follows
    c = pd.read_parquet(data / "contributions.parquet")
    replace_table(data, "contributions", c[c["mission"] != "UNMISS"])
    after = panel("mission-year", data_dir=data)
    assert "UNMISS" not in set(after["mission"].astype(str))
    # a table replaced behind the manifest's back is refused, not answered from the earlier panel
    c.to_parquet(data / "contributions.parquet", index=False)
    with pytest.raises(PkdataError, match="inconsistent"):
        panel("mission-year", data_dir=data)


def test_country_codes_and_manifest_are_public_from_core() -> None:
    import pkdata
    from pkdata.core import codes, store

    assert pkdata.country_codes is codes.country_codes and pkdata.manifest is store.manifest
    c = pkdata.country_codes().set_index("iso3")
    assert int(c.loc["CHN", "cown"]) == 710 and int(c.loc["DEU", "gwno"]) == 260
    assert pkdata.manifest()["tables"]["contributions"]["file"] == "contributions.parquet"

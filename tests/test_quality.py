"""Quality flags: the curated table, the detectors on real reports, the exclusions in the data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import pkdata
import pkdata.tables.quality
from pkdata.builder import build
from pkdata.builder.steps import quality_flags as bq
from pkdata.core import paths, store
from pkdata.core.errors import PkdataError

MONTHS = ["2020_05", "2020_07", "2020_08", "2020_09", "2020_10"]


@pytest.fixture(scope="module")
def built_without_curated(tmp_path_factory, un_pdf) -> Path:
    """Five real reports around August 2020 built with an EMPTY curated quality table."""
    root = tmp_path_factory.mktemp("quality")
    raw = root / "raw"
    (raw / "un_monthly_pdfs").mkdir(parents=True)
    for m in MONTHS:
        (raw / "un_monthly_pdfs" / f"UN_country_contributions_{m}.pdf").symlink_to(un_pdf(m))
    (raw / "curated").mkdir()
    header = (paths.curated_dir() / bq.CURATED).read_text().splitlines()[0]
    (raw / "curated" / bq.CURATED).write_text(header + "\n")
    build(
        raw=raw,
        out=root / "out",
        steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs", "pkdata.builder.steps.quality_flags:step_quality"],
    )
    return root / "out"


def test_detector_finds_august_2020_without_the_curated_row(built_without_curated):
    q = store.table("quality", built_without_curated)
    whole = q[q["scope"] == "all"]
    # Only August 2020 among the five months; found by the detectors alone.
    assert whole["month"].tolist() == ["2020-08"]
    assert "curated" not in whole["detected_by"].iloc[0]
    assert "female_share_jump" in whole["detected_by"].iloc[0]
    # The audit's examples are in the evidence: whole UNMISS contingents printed as women.
    assert "zero_men" in whole["detected_by"].iloc[0]
    assert pkdata.gender_excluded_months(built_without_curated) == ["2020-08"]


def test_excluded_month_keeps_totals_and_loses_its_split(built_without_curated):
    c = store.table("contributions", built_without_curated)
    aug = c[c["date"] == "2020-08-31"]
    assert aug["male"].isna().all() and aug["female"].isna().all()
    # The totals stay: UN_country_contributions_2020_08.pdf ends (page 49) with the grand totals 40637 / 41183 / 81820.
    assert int(aug["total"].sum()) == 81820
    # Neighbouring months keep their split and add up.
    jul = c[c["date"] == "2020-07-31"]
    assert jul["female"].notna().all()
    assert int((jul["male"] + jul["female"]).sum()) == int(jul["total"].sum())


def test_no_unexplained_flag_on_the_full_data():
    """Run the detectors over every month of the processed data: each flag has a curated row explaining it."""
    q = pkdata.quality()
    assert (q["detected_by"].str.startswith("curated")).all(), q[~q["detected_by"].str.startswith("curated")]
    detected = bq.detect(pkdata.contributions())
    curated = bq.read_flags(paths.curated_dir() / bq.CURATED)
    key = ["month", "scope", "field"]
    unexplained = detected.merge(curated[key], on=key, how="left", indicator=True)
    assert (unexplained["_merge"] == "both").all(), unexplained[unexplained["_merge"] != "both"][key]
    # Once August 2020 is excluded, the month detector raises only January 2021's note (individual police).
    jumps = bq.detect_share_jumps(pkdata.contributions())
    assert jumps[["month", "action"]].values.tolist() == [["2021-01", "note"]]


def test_every_personnel_type_is_watched_and_january_2021_police_is_explained():
    """Individual police: 677 women of 2,328 in 2020-12, 505 of 2,236 in 2021-01 (UNAMID's rows print 0 women)."""
    c = pkdata.contributions()
    police = c[c["personnel_type"] == "individual_police"].groupby("date")[["female", "total"]].sum()
    share = police["female"] / police["total"]
    assert share["2021-01-31"] < 0.23 and share["2020-12-31"] > 0.29 and share["2021-02-28"] > 0.29
    row = pkdata.quality().set_index("month").loc["2021-01"]
    assert row["action"] == "note" and row["detected_by"] == "curated, female_share_jump"
    assert "individual_police 22.6% (neighbours 29.1%, 29.2%)" in row["evidence"]
    assert "UNAMID individual_police 160 women of 618 in 2020-12, 0 of 567 in 2021-01" in row["evidence"]
    # A note, not an exclusion: the month keeps its split.
    assert "2021-01" not in pkdata.gender_excluded_months()
    assert c.loc[c["date"] == "2021-01-31", "female"].notna().all()
    # Troops' share moving by 5 points against both neighbours would exclude the month, as the factor does.
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-07-31", "2020-08-31", "2020-09-30"]),
            "personnel_type": "troops",
            "mission": "M",
            "male": [94, 88, 94],
            "female": [6, 12, 6],
            "total": 100,
            "source": "x.pdf",
        }
    )
    assert bq.detect_share_jumps(df)["action"].tolist() == ["exclude"]


def test_female_series_has_no_spike():
    c = pkdata.contributions()
    troops = c[c["personnel_type"] == "troops"].groupby("date")["female"].sum(min_count=1)
    assert pd.isna(troops.loc["2020-08-31"])
    # Morocco's UNOCI battalion (printed as ~718 women in 2016-01, -04, -05) no longer counts as women.
    mar = c[(c["contributor_iso3"] == "MAR") & (c["mission"] == "UNOCI") & (c["date"] == "2016-01-31")]
    assert mar["female"].isna().all() and int(mar["total"].sum()) == 718
    assert pkdata.gender_excluded_months() == ["2020-08"]


def test_curated_table_errors_name_the_line(tmp_path):
    good = (paths.curated_dir() / bq.CURATED).read_text().splitlines()
    bad = tmp_path / bq.CURATED
    bad.write_text("\n".join([good[0], good[1].replace("2020-08", "Aug 2020", 1)]) + "\n")
    with pytest.raises(PkdataError, match=r"line 2: month 'Aug 2020'"):
        bq.read_flags(bad)
    shutil.copy(paths.curated_dir() / bq.CURATED, bad)
    bad.write_text(bad.read_text().replace(",exclude,", ",drop,", 1))
    with pytest.raises(PkdataError, match=r"line 2: action 'drop'"):
        bq.read_flags(bad)


def test_pkdata_info_prints_the_flags(capsys):
    from pkdata.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "Quality flags (" in out
    assert "2020-08  all" in out and "female_share_jump" in out
    assert pkdata.manifest()["quality"]["gender_excluded_months"] == ["2020-08"]
    months = pkdata.manifest()["contributions"]["months"]
    assert "male/female split excluded" in months["2020-08"]["note"]
    assert "note" not in months["2020-07"] and "note" not in months["2020-09"]


def test_sources_that_agree_raise_no_total_flag(reference):
    """Jan 2022: the UN's ranking export and the PDF agree contributor by contributor (read here from the CSV)."""
    ranks = pd.read_csv(
        reference / "personnel" / "odp_contributionranks_gouliev" / "odp_contributionranks.csv", encoding="utf-8-sig"
    ).set_index("ISOCode3")["Total_Uniformed_Personnel"]
    c = pkdata.contributions()
    mine = c[c["date"] == "2022-01-31"].groupby("contributor_iso3", observed=True)["total"].sum()
    assert (mine == ranks.reindex(mine.index)).all() and int(ranks.sum()) == int(mine.sum())
    checks = pkdata.manifest()["contributions_crosschecks"]
    assert [(x["month"], x["contributors_differing"]) for x in checks] == [("2022-01", 0)]
    assert bq.detect_source_disagreements(checks).empty
    assert "total" not in set(pkdata.quality()["field"])

"""The full history: precedence, months and granularity, coverage Nov 1990 - Jul 2025, cross-checks.

The numbers behind the tolerances are in docs/history_crosscheck.md.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.context import BuildContext, StepResult
from pkdata.builder.readers import ipi
from pkdata.builder.steps.history import (
    PRECEDENCE,
    compare,
    finalise_contributions,
    fold_history,
    merge_sources,
    step_history,
    world_check,
)
from pkdata.builder.steps.un_pdfs import step_un_pdfs
from pkdata.core import paths, schema
from pkdata.core.errors import PkdataError

GAPS = ["2014-09", "2014-10", "2014-11", "2014-12", "2015-03", "2016-03", "2017-03", "2020-06", "2022-07"]


def _rows(month: str, source: str, total: int, mission: str | None = None, gender: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "date": pd.Timestamp(month) + pd.offsets.MonthEnd(0),
                "contributor_iso3": "CHN",
                "contributor": "China",
                "mission": mission,
                "personnel_type": "troops",
                "male": total if gender else None,
                "female": 0 if gender else None,
                "total": total,
                "source": source,
            }
        ],
        columns=list(schema.COLUMNS),
    )


def _ctx(tmp_path, reference) -> BuildContext:
    return BuildContext(raw=tmp_path / "raw", reference=reference, cache=paths.cache_dir())


# --------------------------------------------------------------------------- merge rules


def test_each_month_comes_whole_from_the_first_source_in_precedence():
    ipi_rows = pd.concat(
        [_rows("2014-08", "Gender.Full.csv", 10, "UNMIL", True), _rows("2014-09", "Gender.Full.csv", 11, "UNMIL", True)]
    )
    countries = pd.concat([_rows("2014-09", "countries/China.csv", 99), _rows("2014-10", "countries/China.csv", 12)])
    pdf = _rows("2014-10", "UN_country_contributions_2014_10.pdf", 13, "UNMIL", True)
    df, months = merge_sources({"ipi_countries": countries, "ipi_gender_full": ipi_rows, "un_pdf": pdf}, PRECEDENCE)
    assert df["total"].tolist() == [10, 11, 13]
    assert months == {
        "2014-08": {"source": "Gender.Full.csv", "dataset": "ipi_gender_full", "granularity": "mission+gender"},
        "2014-09": {"source": "Gender.Full.csv", "dataset": "ipi_gender_full", "granularity": "mission+gender"},
        "2014-10": {
            "source": "UN_country_contributions_2014_10.pdf",
            "dataset": "un_pdf",
            "granularity": "mission+gender",
        },
    }
    # Swap the order: the other source wins the shared months.
    df, months = merge_sources(
        {"ipi_countries": countries, "ipi_gender_full": ipi_rows}, ["ipi_countries", "ipi_gender_full"]
    )
    assert months["2014-09"] == {"source": "countries/China.csv", "dataset": "ipi_countries", "granularity": "country"}


def test_source_outside_the_precedence_order_is_an_error():
    with pytest.raises(PkdataError, match="not in the precedence order"):
        merge_sources({"mystery": _rows("2014-08", "x.csv", 1)}, PRECEDENCE)


def test_fold_takes_a_month_the_pdfs_cover_from_the_pdfs_and_recounts_the_rows_of_each_file():
    pdf = _rows("2015-01", "a.pdf", 1)
    hist = StepResult(
        {"contributions_history": pd.concat([_rows("2014-12", "b.csv", 2), _rows("2015-01", "b.csv", 3)])},
        [],
        {
            "history_sources": [{"name": "b.csv", "table": "contributions", "rows": 2}],
            "history_months": {"2014-12": {"dataset": "un_csv"}, "2015-01": {"dataset": "un_csv"}},
            "history_dataset_months": {"un_csv": ["2014-12", "2015-01"]},
        },
    )
    table, months, rest = fold_history(pdf, {"2015-01": {"source": "a.pdf"}}, hist)
    assert table["total"].tolist() == [2, 1]
    assert months == {"2014-12": {"dataset": "un_csv"}, "2015-01": {"source": "a.pdf"}}
    assert rest.sources == [{"name": "b.csv", "table": "contributions", "rows": 1}]
    lost = [e for e in rest.extra["contributions_history_exclusions"] if e["action"].startswith("months superseded")]
    assert [(e["months"], e["first"], e["last"]) for e in lost] == [(1, "2015-01", "2015-01")]
    assert set(rest.extra) == {"contributions_history_exclusions"}  # what the manifest gets (no cross-check here)


def test_world_check_skips_months_with_missing_rows():
    rows = pd.concat([_rows("2011-07", "g", 100, "UNMIL", True), _rows("2011-08", "g", 95, "UNMIL", True)])
    world = pd.DataFrame({"date": rows["date"], "total": [100, 100]})
    kept, excl = world_check({"ipi_gender_full": rows}, world)
    assert kept["ipi_gender_full"]["date"].dt.strftime("%Y-%m").tolist() == ["2011-07"]
    assert excl[0]["months"] == {"2011-08": {"rows": 95, "world": 100}}


# --------------------------------------------------------------------------- the history step on the reference


@pytest.fixture(scope="module")
def history(tmp_path_factory, reference):
    return step_history(_ctx(tmp_path_factory.mktemp("h"), reference))


def test_history_step_covers_nov_1990_to_aug_2014_with_a_source_on_every_row(history):
    table = history.tables["contributions_history"]
    schema.validate(table)
    assert table["source"].notna().all()
    months = history.extra["history_months"]
    expected = [f"{p:%Y-%m}" for p in pd.period_range("1990-11", "2014-08", freq="M")]
    assert list(months) == expected
    by = {m: v["dataset"] for m, v in months.items()}
    assert {by[m] for m in expected if m <= "2009-10"} == {"ipi_countries"}
    assert {by[m] for m in expected if "2009-11" <= m <= "2014-02"} == {"ipi_gender_full", "ipi_full_gender_data"}
    # Gender.Full.csv lacks rows in three months (world-total check): they come from full_gender_data.csv.
    assert sorted(m for m in expected if "2009-11" <= m <= "2014-02" and by[m] == "ipi_full_gender_data") == [
        "2011-08",
        "2011-09",
        "2012-06",
    ]
    assert {by[m] for m in expected if m >= "2014-03"} == {"ipi_full_gender_data"}
    assert months["1990-11"] == {
        "source": "countries/*.csv (45 files)",
        "dataset": "ipi_countries",
        "granularity": "country",
        "note": ipi.UNSPLIT_POLICE_NOTE,
    }
    assert months["2014-02"]["granularity"] == "mission+gender"


def test_history_manifest_entries_count_the_rows_each_file_gave(history):
    table = history.tables["contributions_history"]
    entries = history.extra["history_sources"]
    counted = {s["name"]: s["rows"] for s in entries if s["table"] == "contributions"}
    assert counted == {**{k: 0 for k in counted}, **table["source"].value_counts().to_dict()}
    assert all(len(s["sha256"]) == 64 and s["publisher"] and s["url_pattern"] for s in entries)
    assert counted["current_month.csv"] == 0  # superseded by full_gender_data.csv (identical, with gender)
    actions = {(e["file"], e["action"]) for e in history.extra["history_exclusions"]}
    assert ("full_gender_data.csv", "inflated months detected and cleaned") in actions
    assert ("IPI Gender.Full.csv", "months failing the world-total check skipped") in actions
    assert [p["dataset"] for p in history.extra["contributions_precedence"]] == PRECEDENCE


def test_a_un_csv_export_fills_a_month_the_pdfs_lack(tmp_path, reference):
    """UN CSV in the documented shape (no real copy is stored): Jul 2022 has no PDF, so it comes from the CSV."""
    raw = tmp_path / "raw" / "un_csv"
    raw.mkdir(parents=True)
    (raw / "DPO-UCHISTORICAL.csv").write_text(
        "contribution_id,last_reporting_date,isocode3,contributing_country,mission_acronym,personnel_type,"
        "male_personnel,female_personnel\n"
        "1,2022-06-30,CHN,China,UNMISS,Troops,1000,31\n"
        "2,2022-07-31,CHN,China,UNMISS,Troops,1001,31\n"
    )
    pdf_name = "UN_country_contributions_2022_06.pdf"
    pdf = finalise_contributions(_rows("2022-06", pdf_name, 1031, "UNMISS", True))
    result = step_history(_ctx(tmp_path, reference))
    table, months, rest = fold_history(pdf, {"2022-06": {"source": pdf_name}}, result)
    assert months["2022-07"] == {"source": "DPO-UCHISTORICAL.csv", "dataset": "un_csv", "granularity": "mission+gender"}
    assert months["2022-06"] == {"source": pdf_name}  # the PDF has it
    jun = table[table["date"] == pd.Timestamp("2022-06-30")]
    jul = table[table["date"] == pd.Timestamp("2022-07-31")]
    assert jun["source"].tolist() == [pdf_name] and int(jul["total"].sum()) == 1032
    assert {s["name"]: s["rows"] for s in rest.sources}["DPO-UCHISTORICAL.csv"] == 1


def test_no_history_source_at_all_is_an_error(tmp_path):
    ctx = BuildContext(raw=tmp_path / "raw", reference=tmp_path / "no-reference", cache=tmp_path / "cache")
    with pytest.raises(PkdataError, match="no contribution history sources"):
        step_history(ctx)


# --------------------------------------------------------------------------- cross-checks between IPI files


@pytest.fixture(scope="module")
def ipi_frames(reference):
    tcc = reference / "personnel" / "ipi_peacekeeping_db_tcc_datascraper"
    ppp = reference / "personnel" / "ipi_peacekeeping_db_ppp_loader"
    return {
        "countries": ipi.read_country_totals(tcc),
        "gender_full": ipi.read_gender_file(tcc / "Gender.Full.csv"),
        "full_gender_data": ipi.read_gender_file(ppp / "full_gender_data.csv"),
        "world_tcc": ipi.read_world_totals(tcc / "Data.Monthly.csv"),
        "world": ipi.read_world_totals(ppp / "data_monthly.csv"),
        "missions": ipi.read_mission_totals(ppp / "data_mission.csv"),
    }


_GROUP = {
    "troops": "troops",
    "staff_officers": "troops",
    "experts_on_mission": "experts",
    "individual_police": "police",
    "formed_police_units": "police",
}


def _grouped(df):
    return df.assign(group=df["personnel_type"].astype(str).map(_GROUP))


def test_country_files_vs_gender_full_nov_2009_feb_2014(ipi_frames):
    gf = _grouped(ipi_frames["gender_full"])
    cf = ipi_frames["countries"]
    cf = _grouped(cf[cf["date"] >= pd.Timestamp("2009-11-30")])
    by_key = compare(gf, cf, ["date", "contributor_iso3", "group"])
    differing = by_key[by_key["diff"] != 0]
    assert len(differing) <= 160 and differing["diff"].abs().max() <= 1_500
    monthly = compare(gf, cf, ["date"])
    assert (monthly["diff"].abs() / monthly["left"]).max() <= 0.016
    # Outside the three months Gender.Full.csv lacks rows, the monthly totals agree within 0.3%.
    rest = monthly.drop(pd.to_datetime(["2011-08-31", "2011-09-30", "2012-06-30"]))
    assert (rest["diff"].abs() / rest["left"]).max() <= 0.003


def test_gender_full_vs_cleaned_full_gender_data(ipi_frames):
    fgd = ipi_frames["full_gender_data"]
    early = fgd[fgd["date"] <= pd.Timestamp("2014-02-28")]
    monthly = compare(ipi_frames["gender_full"], early, ["date"])
    assert (monthly["diff"].abs() / monthly["left"]).max() <= 0.015
    by_country = compare(ipi_frames["gender_full"], early, ["contributor_iso3"])
    assert set(by_country.index[by_country["diff"] != 0]) == {"COL", "EGY", "ETH", "FRA", "MDA", "USA"}


def test_ipi_world_totals_vs_ipi_contributor_rows(history, ipi_frames):
    rows = history.tables["contributions_history"].groupby("date")["total"].sum()
    world = ipi_frames["world"].set_index("date")["total"]
    rel = ((rows - world.reindex(rows.index)) / world.reindex(rows.index)).dropna()
    assert len(rel) == 286
    assert rel.abs().max() <= 0.008  # 1992: contributor rows 0.78% below the world total
    assert rel["2009-11-30":].abs().max() <= 0.002


def test_the_two_ipi_world_total_files_agree(ipi_frames):
    a = ipi_frames["world_tcc"].set_index("date")["total"]
    b = ipi_frames["world"].set_index("date")["total"].reindex(a.index)
    diff = b - a
    assert int((diff != 0).sum()) == 7 and int(diff.abs().max()) == 19


# --------------------------------------------------------------------------- with the UN PDFs (all 126)


@pytest.fixture(scope="module")
def pdf_table(tmp_path_factory, reference, full_build):
    # after the session's full build (full_build): every report is in the shared parse cache
    ctx = BuildContext(raw=tmp_path_factory.mktemp("noraw"), reference=reference, cache=paths.cache_dir(), workers=2)
    result = step_un_pdfs(ctx)
    return finalise_contributions(result.tables["contributions_pdf"]), result.extra["contributions_pdf_months"]


@pytest.mark.slow
def test_contributions_cover_nov_1990_to_jul_2025_and_china_is_continuous(pdf_table, history):
    pdf, pdf_months = pdf_table
    table, months, _ = fold_history(pdf, pdf_months, history)
    assert f"{table['date'].min():%Y-%m}" == "1990-11" and f"{table['date'].max():%Y-%m}" == "2025-07"
    assert table["source"].notna().all()
    every = [f"{p:%Y-%m}" for p in pd.period_range("1990-11", "2025-07", freq="M")]
    assert [m for m in every if m not in months] == GAPS
    china = set(table.loc[table["contributor_iso3"] == "CHN", "date"].dt.strftime("%Y-%m"))
    assert [m for m in every if m not in china] == GAPS


@pytest.mark.slow
def test_ipi_world_totals_vs_pdf_grand_totals(pdf_table, ipi_frames):
    """IPI's data_monthly.csv runs to Mar 2017: 23 months overlap the PDFs; 22 agree exactly."""
    pdf, _ = pdf_table
    grand = pdf.groupby("date")["total"].sum()
    world = ipi_frames["world"].set_index("date")["total"]
    both = grand.index.intersection(world.index)
    assert len(both) == 23
    diff = grand[both] - world[both]
    assert diff[diff != 0].to_dict() == {pd.Timestamp("2015-05-31"): 333}


@pytest.mark.slow
def test_ipi_mission_totals_vs_pdf_mission_sums(pdf_table, ipi_frames):
    pdf, _ = pdf_table
    missions = ipi_frames["missions"]
    missions = missions[missions["date"].isin(set(pdf["date"]))]
    diff = compare(pdf[pdf["date"].isin(set(missions["date"]))], missions, ["date", "mission"])
    assert len(diff) >= 430
    bad = diff[diff["diff"] != 0]
    assert bad["diff"].to_dict() == {(pd.Timestamp("2015-05-31"), "MINUSTAH"): -333}

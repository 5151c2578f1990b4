"""IPI Peacekeeping Database readers: SOURCES.md sanity figures, defects cleaned, bad input rejected.

The reader tests run on extracts in tests/fixtures (cut by tests/fixtures/make_extracts.py: China's
files and rows, two months of full_gender_data.csv, ...); expected counts of rows are those of the
extract, counted from its lines. The cross-checks of whole files use the reference folder (full data).
"""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers import ipi
from pkdata.builder.steps.history import compare
from pkdata.core import schema
from pkdata.core.errors import ParseError, UnknownNameError


@pytest.fixture(scope="module")
def tcc(fixtures):
    """Extract: countries/China.csv, Macedonia.csv and "The former Yugoslav Republic o.csv" whole; China's
    rows of Gender.Full.csv; the first 12 months of Data.Monthly.csv."""
    return fixtures / "personnel" / "ipi_peacekeeping_db_tcc_datascraper"


@pytest.fixture(scope="module")
def ppp(fixtures):
    """Extract: full_gender_data.csv of Jan and Aug 2014; data_mission.csv of Mar 2017; first 20 rows of
    current_month.csv."""
    return fixtures / "personnel" / "ipi_peacekeeping_db_ppp_loader"


@pytest.fixture(scope="module")
def full_gender_data_all(reference):
    """The whole full_gender_data.csv (full data)."""
    return ipi.read_gender_file(reference / "personnel" / "ipi_peacekeeping_db_ppp_loader" / "full_gender_data.csv")


@pytest.fixture(scope="module")
def country_totals(tcc):
    return ipi.read_country_totals(tcc)


@pytest.fixture(scope="module")
def gender_full(tcc):
    return ipi.read_gender_file(tcc / "Gender.Full.csv")


@pytest.fixture(scope="module")
def full_gender_data(ppp):
    return ipi.read_gender_file(ppp / "full_gender_data.csv")


def _china(df: pd.DataFrame, date: str) -> dict[str, int]:
    rows = df[(df["contributor_iso3"] == "CHN") & (df["date"] == date)]
    return {str(t): int(v) for t, v in rows.groupby("personnel_type", observed=True)["total"].sum().items()}


@pytest.mark.parametrize(
    "date, expected",
    [
        ("1990-11-30", {"troops": 5}),
        ("1995-06-30", {"experts_on_mission": 44}),
        ("2005-06-30", {"troops": 788, "individual_police": 178, "experts_on_mission": 60}),
        ("2010-06-30", {"troops": 1891, "individual_police": 69, "experts_on_mission": 52}),
        ("2014-02-28", {"troops": 1980, "individual_police": 171, "experts_on_mission": 37}),
    ],
)
def test_country_files_reproduce_the_sources_md_figures_for_china(country_totals, date, expected):
    assert _china(country_totals, date) == expected


def test_country_files_cover_nov_1990_to_feb_2014_as_canonical_country_totals(country_totals):
    schema.validate(country_totals)
    assert country_totals["date"].min() == pd.Timestamp("1990-11-30")
    assert country_totals["date"].max() == pd.Timestamp("2014-02-28")
    assert country_totals["date"].nunique() == 280  # China.csv: 280 months, each with a non-zero count
    assert country_totals["mission"].isna().all() and country_totals["male"].isna().all()
    # IPI's unsplit "Police" goes to the documented type; no FPU rows can come from these files.
    assert ipi.UNSPLIT_POLICE_TYPE == "individual_police"
    assert "formed_police_units" not in set(country_totals["personnel_type"].astype(str))
    assert country_totals["source"].str.match(r"^countries/.+\.csv$").all()


def test_two_files_for_one_country_count_once(country_totals):
    copies = country_totals.attrs["cleaning"]["same_country_copies"]
    assert [c["month"] for c in copies] == ["2013-08", "2013-09", "2013-10", "2013-11", "2013-12"]
    assert {c["contributor_iso3"] for c in copies} == {"MKD"}
    mkd = country_totals[(country_totals["contributor_iso3"] == "MKD") & (country_totals["date"] == "2013-10-31")]
    assert int(mkd["total"].sum()) == 1


def test_gender_full_china_by_mission_feb_2014(gender_full):
    rows = gender_full[(gender_full["contributor_iso3"] == "CHN") & (gender_full["date"] == "2014-02-28")]
    by_mission = rows.groupby("mission")["total"].sum().astype(int).to_dict()
    assert by_mission == {
        "UNMIL": 724,
        "MINUSMA": 402,
        "UNMISS": 356,
        "MONUSCO": 233,
        "UNAMID": 233,
        "UNIFIL": 218,
        "MINURSO": 10,
        "UNOCI": 6,
        "UNTSO": 4,
        "UNFICYP": 2,
    }
    assert sum(by_mission.values()) == 2188
    assert rows["male"].notna().all() and (rows["male"] + rows["female"] == rows["total"]).all()
    assert gender_full.attrs["cleaning"]["inflated_months"] == {}
    assert gender_full["date"].nunique() == 52  # China is in all 52 months


def test_full_gender_data_aug_2014_china_after_dedup(full_gender_data):
    rows = full_gender_data[
        (full_gender_data["contributor_iso3"] == "CHN") & (full_gender_data["date"] == "2014-08-31")
    ]
    by_mission = rows.groupby("mission")["total"].sum().astype(int).to_dict()
    assert by_mission == {
        "UNMIL": 725,
        "MINUSMA": 401,
        "UNMISS": 363,
        "MONUSCO": 233,
        "UNAMID": 233,
        "UNIFIL": 218,
        "MINURSO": 10,
        "UNTSO": 5,
        "UNOCI": 4,
    }
    assert sum(by_mission.values()) == 2192


def test_full_gender_data_defects_are_detected_and_cleaned(full_gender_data):
    c = full_gender_data.attrs["cleaning"]
    # The extract: 697 rows of Jan 2014, 124 of them subtotals (contributor or mission "all"); 1162 rows
    # of Aug 2014, every name with a trailing apostrophe, each row printed twice (581 repeats).
    assert c["rows_read"] == 697 + 1162
    assert c["subtotal_rows_dropped"] == 124
    assert c["duplicate_rows_dropped"] == 581
    assert c["rows_with_trailing_apostrophe"] == 1162
    assert not full_gender_data["mission"].str.endswith("'").any()
    # Jan 2014: subtotal rows triple the raw sum; Aug 2014: rows doubled (SOURCES.md).
    assert ipi.inflated_months(full_gender_data) == {"2014-01": 3.0, "2014-08": 2.0}
    monthly = full_gender_data.groupby("date")["total"].sum()
    assert monthly["2014-03-31":].between(96_000, 100_000).all()  # "~97-99k" in SOURCES.md, not 195-293k
    schema.validate(full_gender_data)


def test_whole_full_gender_data_defects_are_detected_and_cleaned(full_gender_data_all):
    c = full_gender_data_all.attrs["cleaning"]
    assert c["duplicate_rows_dropped"] == 4599
    assert c["subtotal_rows_dropped"] == 6085
    assert c["rows_with_trailing_apostrophe"] > 0
    assert not full_gender_data_all["mission"].str.endswith("'").any()
    inflated = ipi.inflated_months(full_gender_data_all)
    # Nov 2009 - Feb 2014: subtotal rows triple the raw sums; Mar-Apr 2014 rows tripled, May-Aug doubled.
    assert [m for m, r in inflated.items() if m <= "2014-02"] == [
        f"{p:%Y-%m}" for p in pd.period_range("2009-11", "2014-02", freq="M")
    ]
    assert {inflated[m] for m in inflated if m <= "2014-04"} == {3.0}
    assert {inflated[m] for m in ("2014-05", "2014-06", "2014-07", "2014-08")} == {2.0}
    monthly = full_gender_data_all.groupby("date")["total"].sum()
    assert monthly["2014-03-31":].between(96_000, 100_000).all()
    schema.validate(full_gender_data_all)


def test_china_in_the_aug_2014_snapshot_equals_cleaned_full_gender_data(fixtures, full_gender_data):
    """Cross-check on the extracts (tolerance 0): China's rows of the Aug 2014 current_month.csv."""
    snap = ipi.read_current_month(
        fixtures / "personnel" / "ipi_ppp_loader_current_month_history" / "2014-08-31" / "current_month.csv"
    )
    assert set(snap["contributor_iso3"]) == {"CHN"} and int(snap["total"].sum()) == 2192
    gender = full_gender_data[
        (full_gender_data["date"] == "2014-08-31") & (full_gender_data["contributor_iso3"] == "CHN")
    ]
    diff = compare(gender, snap, ["contributor_iso3", "mission", "personnel_type"])
    assert len(diff) > 0 and (diff["diff"] == 0).all(), diff[diff["diff"] != 0]


@pytest.mark.parametrize(
    "folder, name, total",
    [
        ("ipi_peacekeeping_db_ppp_loader", "current_month.csv", 97_811),
        ("ipi_ppp_loader_current_month_history/2014-04-30", "current_month.csv", 97_729),
        ("ipi_ppp_loader_current_month_history/2014-08-31", "current_month.csv", 97_947),
    ],
)
def test_current_month_snapshots_equal_cleaned_full_gender_data(reference, full_gender_data_all, folder, name, total):
    """Cross-check (tolerance 0): the snapshots check the de-duplication and apostrophe clean-up."""
    snap = ipi.read_current_month(reference / "personnel" / folder / name)
    assert int(snap["total"].sum()) == total
    date = snap["date"].iloc[0]
    diff = compare(
        full_gender_data_all[full_gender_data_all["date"] == date],
        snap,
        ["contributor_iso3", "mission", "personnel_type"],
    )
    assert (diff["diff"] == 0).all(), diff[diff["diff"] != 0]


def test_world_and_mission_totals_are_read(tcc, ppp):
    world = ipi.read_world_totals(tcc / "Data.Monthly.csv")
    assert len(world) == 12 and int(world.iloc[0]["total"]) == 10_329  # the extract: Nov 1990 .. Oct 1991
    missions = ipi.read_mission_totals(ppp / "data_mission.csv")
    assert len(missions) == 21 and set(missions["date"]) == {pd.Timestamp("2017-03-31")}  # Mar 2017: 21 missions


def test_whole_world_and_mission_files_are_read(reference):
    world = ipi.read_world_totals(reference / "personnel" / "ipi_peacekeeping_db_tcc_datascraper" / "Data.Monthly.csv")
    assert len(world) == 280 and int(world.iloc[0]["total"]) == 10_329
    missions = ipi.read_mission_totals(reference / "personnel" / "ipi_peacekeeping_db_ppp_loader" / "data_mission.csv")
    assert len(missions) == 5_330 and missions["date"].max() == pd.Timestamp("2017-03-31")


def _file_by_file(folder):
    """What read_country_totals reads, one file at a time (the path it takes for a file of another shape)."""
    files = sorted((folder / "countries").glob("*.csv"))
    return ipi._finish(pd.concat([ipi._country_rows(f, f"countries/{f.name}") for f in files], ignore_index=True))


def test_the_country_files_read_at_once_give_the_rows_of_file_by_file(reference):
    tcc = reference / "personnel" / "ipi_peacekeeping_db_tcc_datascraper"
    at_once = ipi.read_country_totals(tcc)
    by_file = _file_by_file(tcc)
    copies = at_once.attrs["cleaning"]["same_country_copies"]
    assert len(copies) == 5  # MKD, Aug-Dec 2013
    dropped = {(c["month"], name) for c in copies for name in c["dropped"]}
    copy = [(f"{d:%Y-%m}", s) in dropped for d, s in zip(by_file["date"], by_file["source"], strict=True)]
    assert sum(copy) == 5
    pd.testing.assert_frame_equal(at_once, by_file[[not c for c in copy]].reset_index(drop=True))


def test_country_files_of_other_shapes_are_read_as_before(tmp_path):
    """Quoted numbers, decimals, a blank line or a file of another header: read file by file, same rows."""
    (tmp_path / "countries").mkdir()
    head = '"Date","Troops","Police","Experts"\n'
    plain = {"China.csv": head + "1990-11-30,5,NA,NA\n1990-12-31,7,2,NA\n", "Fiji.csv": head + "1991-01-31,NA,NA,3\n"}
    for name, text in plain.items():
        (tmp_path / "countries" / name).write_text(text)
    expected = ipi.read_country_totals(tmp_path)
    assert expected["total"].tolist() == [5, 7, 2, 3]
    for fiji in (
        head + '1991-01-31,NA,NA,"3"\n',
        head + "1991-01-31,NA,NA,3.0\n",
        head + "\n1991-01-31,NA,NA,3\n",
        "Date,Experts,Troops,Police\n1991-01-31,3,NA,NA\n",
        head.replace("\n", "\r\n") + "1991-01-31,,,3\r\n",
    ):
        (tmp_path / "countries" / "Fiji.csv").write_text(fiji, newline="")
        got = ipi.read_country_totals(tmp_path)
        pd.testing.assert_frame_equal(got.drop(columns="source_row"), expected.drop(columns="source_row"))


@pytest.mark.parametrize(
    ("fiji", "message"),
    [
        ("1991-01-31,NA,NA,3\n1991-01-31,NA,NA,4\n", r"countries/Fiji.csv.*month 1991-01 appears twice"),
        (
            "1991-01-31,NA,NA,3\n1991-02-28,NA,-1,3\n",
            r"countries/Fiji.csv, row 3: column 'Police' must hold non-negative",
        ),
    ],
    ids=["month-twice", "bad-count"],
)
def test_a_bad_plain_country_file_is_named_with_its_row(tmp_path, fiji, message):
    """Among plain files (the one-parse read), a repeated month or a bad count still names the file (and row)."""
    (tmp_path / "countries").mkdir()
    head = '"Date","Troops","Police","Experts"\n'
    (tmp_path / "countries" / "China.csv").write_text(head + "1990-11-30,5,NA,NA\n")
    (tmp_path / "countries" / "Fiji.csv").write_text(head + fiji)
    with pytest.raises(ParseError, match=message):
        ipi.read_country_totals(tmp_path)


# --------------------------------------------------------------------------- bad input


def test_country_file_with_a_bad_date_names_file_and_row(tmp_path):
    p = tmp_path / "China.csv"
    p.write_text('"Date","Troops","Police","Experts"\n1990-11-30,5,NA,NA\n1990/12/31,5,NA,NA\n')
    with pytest.raises(ParseError, match=r"countries/China.csv, row 3: dates must be YYYY-MM-DD"):
        ipi.read_country_file(p)


def test_country_file_with_an_unknown_name_lists_it(tmp_path):
    (tmp_path / "countries").mkdir()
    (tmp_path / "countries" / "Atlantis.csv").write_text('"Date","Troops","Police","Experts"\n1990-11-30,5,NA,NA\n')
    with pytest.raises(UnknownNameError, match="Atlantis"):
        ipi.read_country_totals(tmp_path)


def test_two_files_disagreeing_for_one_country_raise(tmp_path):
    (tmp_path / "countries").mkdir()
    head = '"Date","Troops","Police","Experts"\n'
    (tmp_path / "countries" / "Macedonia.csv").write_text(head + "2013-08-31,1,NA,NA\n")
    (tmp_path / "countries" / "North Macedonia.csv").write_text(head + "2013-08-31,2,NA,NA\n")
    with pytest.raises(ParseError, match="MKD in 2013-08"):
        ipi.read_country_totals(tmp_path)


def test_current_month_with_inconsistent_police_columns_is_rejected(ppp, tmp_path):
    src = ppp / "current_month.csv"
    df = pd.read_csv(src)
    df.loc[3, "Civilian_Police"] = 999
    bad = tmp_path / "current_month.csv"
    df.to_csv(bad, index=False)
    with pytest.raises(ParseError, match=r"current_month.csv, row 5: expected Civilian_Police"):
        ipi.read_current_month(bad)


def test_gender_file_with_conflicting_rows_is_rejected(tmp_path):
    cols = ["Date", "Contributor", "Contributor ISO-3", "Mission"] + [
        f"{t} {p}"
        for t in ("Individual Police", "Formed Police Units", "Experts on Mission", "Troops", "Total")
        for p in ("Male", "Female", "Total")
    ]
    row = ["2010-01-31", "China", "CHN", "UNMIL"] + ["0"] * 9 + ["10", "0", "10", "10", "0", "10"]
    other = row[:-6] + ["11", "0", "11", "11", "0", "11"]
    p = tmp_path / "Gender.Full.csv"
    p.write_text(",".join(cols) + "\n" + ",".join(row) + "\n" + ",".join(other) + "\n")
    with pytest.raises(ParseError, match=r"CHN in UNMIL, 2010-01: rows \[2, 3\]"):
        ipi.read_gender_file(p)

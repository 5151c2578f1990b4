"""UN CSV exports: the real contribution-ranks file, and the monthly contributions format.

No real copy of the monthly contributions file (``DPO-UCHISTORICAL.csv`` from the Peace and
Security Data Hub, ``odp_contributionsbygender.csv`` from the Open Data Portal) is stored in the
reference folder (SOURCES.md section 5). These tests therefore write small files in the shape
SOURCES.md documents (its column list) and check the reader on them; the real file, when a user
has it, goes through the same reader.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pkdata.builder.readers import un_csv
from pkdata.builder.steps.history import compare
from pkdata.core import schema
from pkdata.core.errors import ParseError, UnknownNameError

PSDH_HEADER = (
    "contribution_id,last_reporting_date,isocode3,contributing_country,mission_acronym,"
    "personnel_type,male_personnel,female_personnel"
)
ODP_HEADER = (
    "Contribution_ID,Last_Reporting_Date,ISOCode3,Contributing_Country,Mission_Acronym,"
    "Personnel_Type,Male_Personnel,Female_Personnel"
)


@pytest.fixture(scope="module")
def ranks_file(fixtures):
    """The whole ODP contribution-ranks file (5 kB, committed in tests/fixtures)."""
    return fixtures / "personnel" / "odp_contributionranks_gouliev" / "odp_contributionranks.csv"


def test_ranks_file_is_read(ranks_file):
    assert un_csv.sniff(ranks_file) == "ranks"
    r = un_csv.read_ranks(ranks_file)
    assert len(r) == 122
    assert set(r["date"]) == {pd.Timestamp("2022-01-31")}
    assert int(r["total"].sum()) == 75_252
    top = r.iloc[0]
    assert (top["contributor_iso3"], int(top["rank"]), int(top["total"]), int(top["female"])) == ("BGD", 1, 6403, 397)
    assert (r["male"] + r["female"] == r["total"]).all()


def test_ranks_agree_with_the_jan_2022_pdf_country_by_country(ranks_file, un_pdf):
    """Cross-check, tolerance 0: every contributor's Jan 2022 total in the ODP ranks equals the PDF's."""
    from pkdata.builder.readers.un_pdf import parse_report, to_frame

    pdf = to_frame(parse_report(un_pdf("2022_01")))
    ranks = un_csv.read_ranks(ranks_file)
    diff = compare(pdf, ranks[ranks["total"] > 0], ["contributor_iso3"])
    assert len(diff) == 121
    assert (diff["diff"] == 0).all(), diff[diff["diff"] != 0]


def _write(path, header, rows):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_psdh_monthly_file_in_the_documented_shape(tmp_path):
    p = _write(
        tmp_path / "DPO-UCHISTORICAL.csv",
        PSDH_HEADER,
        [
            "1,2022-07-31,CHN,China,UNMISS,Troops,1000,31",
            "2,2022-07-31,CHN,China,UNMISS,Staff Officer,10,2",
            "3,2022-07-31,CHN,China,UNMISS,Individual Police,5,1",
            "4,2022-07-31,CHN,China,UNIFIL,Troops,400,19",
            "5,2022-07-31,FRA,France,UNIFIL,Troops,600,0",
            "6,2022-07-31,FRA,France,UNIFIL,Experts on Mission,0,0",  # zero row: dropped
            "7,2022-07-31,FRA,France,UNIFIL,Formed Police Units,1,1",
            "7,2022-07-31,FRA,France,UNIFIL,Formed Police Units,1,1",  # exact copy: counted once
            "8,2022-07-31,FRA,France,UNIFIL,Formed Police Units,2,0",  # another row, same key: added
        ],
    )
    assert un_csv.sniff(p) == "contributions"
    df = un_csv.read_contributions(p)
    schema.validate(df)
    assert list(df.columns) == list(schema.COLUMNS)
    assert set(df["source"]) == {"DPO-UCHISTORICAL.csv"}
    assert int(df["total"].sum()) == 1031 + 12 + 6 + 419 + 600 + 4
    fpu = df[(df["contributor_iso3"] == "FRA") & (df["personnel_type"] == "formed_police_units")]
    assert (int(fpu["male"].iloc[0]), int(fpu["female"].iloc[0]), int(fpu["total"].iloc[0])) == (3, 1, 4)
    assert df.attrs["cleaning"]["exact_copies_dropped"] == 1
    assert sorted(df["personnel_type"].astype(str).unique()) == [
        "formed_police_units",
        "individual_police",
        "staff_officers",
        "troops",
    ]


def test_odp_monthly_file_with_capitalised_columns_and_dmy_dates(tmp_path):
    p = _write(
        tmp_path / "odp_contributionsbygender.csv",
        ODP_HEADER,
        [
            "10,30-Nov-20,NPL,Nepal,UNIFIL,Troops,850,20",
            "11,31-Dec-20,NPL,Nepal,UNIFIL,Troops,860,21",
            "12,31-Dec-20,,Nepal,UNMISS,Individual Police,30,5",  # no code printed: mapped by name
        ],
    )
    df = un_csv.read_contributions(p)
    assert sorted(df["date"].dt.strftime("%Y-%m").unique()) == ["2020-11", "2020-12"]
    assert set(df["contributor_iso3"]) == {"NPL"}
    assert int(df[df["date"] == "2020-12-31"]["total"].sum()) == 881 + 35


def test_unknown_personnel_type_is_listed(tmp_path):
    p = _write(tmp_path / "x.csv", PSDH_HEADER, ["1,2022-07-31,CHN,China,UNMISS,Civilians,3,1"])
    with pytest.raises(UnknownNameError, match="Civilians"):
        un_csv.read_contributions(p)


def test_name_and_code_that_disagree_are_rejected(tmp_path):
    p = _write(tmp_path / "x.csv", PSDH_HEADER, ["1,2022-07-31,FRA,China,UNMISS,Troops,3,1"])
    with pytest.raises(ParseError, match=r"x.csv, row 2: country 'China' is CHN .* says FRA"):
        un_csv.read_contributions(p)


def test_missing_column_and_bad_numbers_are_rejected(tmp_path):
    header = PSDH_HEADER.replace(",female_personnel", "")
    p = _write(tmp_path / "x.csv", header, ["1,2022-07-31,CHN,China,UNMISS,Troops,3"])
    with pytest.raises(ParseError, match=r"missing columns \['female_personnel'\]"):
        un_csv.read_contributions(p)
    q = _write(tmp_path / "y.csv", PSDH_HEADER, ["1,2022-07-31,CHN,China,UNMISS,Troops,three,1"])
    with pytest.raises(ParseError, match=r"y.csv, row 2: male_personnel must be a non-negative whole number"):
        un_csv.read_contributions(q)
    r = _write(tmp_path / "z.csv", PSDH_HEADER, ["1,July 2022,CHN,China,UNMISS,Troops,3,1"])
    with pytest.raises(ParseError, match="last_reporting_date"):
        un_csv.read_contributions(r)

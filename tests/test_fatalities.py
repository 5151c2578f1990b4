"""Fatalities: the UN Data Hub file read into one row per person, China's deaths, bad rows, the two exports."""

from __future__ import annotations

import pandas as pd
import pytest

import pkdata
from pkdata import cli
from pkdata.builder import build
from pkdata.builder.readers import un_fatalities as uf
from pkdata.builder.steps.missions import step_missions
from pkdata.core import paths
from pkdata.core.errors import ParseError, PkdataError

from .helpers import folder_digest

CURATED = paths.REPO_DIR / "data" / "raw" / "curated"


@pytest.fixture(scope="module")
def built(tmp_path_factory, reference):
    root = tmp_path_factory.mktemp("fatalities")
    manifest = build(raw=root / "no-raw", out=root / "out", steps=[step_missions])
    return root / "out", manifest


@pytest.fixture
def data(built, monkeypatch):
    monkeypatch.setenv("PKDATA_DATA", str(built[0]))
    return built[0]


@pytest.fixture(scope="module")
def files(reference):
    folder = reference / "fatalities"
    return (
        uf.read_fatalities(folder / "DPPADPOSS-FATALITIES.csv"),
        uf.read_fatalities(folder / "hdx_fixture_2023-11-28" / "dppadposs-fatalities.csv"),
    )


# --------------------------------------------------------------------------- China


def test_china_fatalities_by_year_and_mission(data):
    f = pkdata.fatalities("CHN")
    assert len(f) == 21
    by = f.groupby([f["date"].dt.year, "mission"]).size()
    assert {(int(y), str(m)): int(n) for (y, m), n in by.items()} == {
        (1989, "UNTAG"): 1,
        (1993, "UNTAC"): 3,
        (1994, "UNIKOM"): 1,
        (2003, "MONUC"): 1,
        (2004, "UNMIL"): 1,
        (2005, "UNMIL"): 1,
        (2006, "UNTSO"): 1,
        (2010, "MINUSTAH"): 4,
        (2010, "UNMIS"): 1,
        (2014, "UNMIL"): 1,
        (2016, "MINUSMA"): 1,
        (2016, "UNMISS"): 2,
        (2020, "UNAMID"): 1,
        (2020, "UNMISS"): 1,
        (2022, "MONUSCO"): 1,
    }
    # the four police officers of the Haiti earthquake, 12 January 2010
    haiti = f[f["mission"] == "MINUSTAH"]
    assert set(haiti["date"]) == {pd.Timestamp("2010-01-12")}
    assert set(haiti["personnel_type"]) == {"police"} and set(haiti["incident_type"]) == {"accident"}


def test_china_2016_deaths_in_minusma_and_unmiss(data):
    f = pkdata.fatalities("CHN")
    y2016 = f[f["date"].dt.year == 2016].sort_values("casualty_id")
    assert y2016[["date", "mission", "personnel_type", "incident_type", "casualty_id"]].astype(str).values.tolist() == [
        ["2016-05-31", "MINUSMA", "military", "malicious_act", "MINUSMA-2016-05-09751"],
        ["2016-07-10", "UNMISS", "military", "malicious_act", "UNMISS-2016-07-09825"],
        ["2016-07-10", "UNMISS", "military", "malicious_act", "UNMISS-2016-07-09826"],
    ]
    assert len(pkdata.fatalities("chn", mission="unmiss")) == 3  # 2016: 2, 2020: 1 (the query folds case)
    assert list(pkdata.fatalities(mission="UNMISS").columns) == list(uf.COLUMNS)


def test_all_fatalities_by_year_and_2016_by_mission(data):
    f = pkdata.fatalities()
    by_year = f.groupby(f["date"].dt.year).size()
    assert by_year.loc[2014:2024].tolist() == [127, 126, 121, 139, 99, 103, 131, 135, 107, 67, 65]
    y = f[f["date"].dt.year == 2016]
    assert len(y) == 121
    assert y["mission"].value_counts().loc[["MINUSMA", "UNAMID", "MINUSCA", "MONUSCO", "UNOCI"]].tolist() == [
        39,
        15,
        14,
        14,
        12,
    ]
    assert (y[y["mission"] == "MINUSMA"]["incident_type"] == "malicious_act").sum() == 27
    assert (y[y["mission"] == "UNMISS"]["incident_type"] == "malicious_act").sum() == 2


def test_types_are_mapped_and_other_categories_kept(files):
    new, _ = files
    counts = new.frame["personnel_type"].value_counts().to_dict()
    assert counts == {
        "military": 3036,
        "local_civilian": 557,
        "international_civilian": 351,
        "police": 314,
        "experts_on_mission": 97,
        "other": 74,
    }
    assert new.frame["incident_type"].value_counts().to_dict() == {
        "illness": 1643,
        "accident": 1412,
        "malicious_act": 1134,
        "self_inflicted": 148,
        "to_be_determined": 60,
        "unknown": 32,
    }
    # "ZZ [Undetermined]" (14) and one empty nationality: kept, nationality missing
    assert new.nationality_undetermined == 15 and new.frame["nationality_iso3"].isna().sum() == 15
    # names the file leaves without isocode3 are mapped by pkdata's table
    civ = new.frame[new.frame["nationality"] == "Côte dIvoire"]
    assert len(civ) == 29 and set(civ["nationality_iso3"]) == {"CIV"}


def test_types_are_mapped_on_the_committed_extract(fixtures):
    """The first 200 rows (tests/fixtures), counted from the file's casualty_personnel_type and type_of_incident."""
    f = uf.read_fatalities(fixtures / "fatalities" / "DPPADPOSS-FATALITIES.csv")
    assert len(f.frame) == 200
    assert f.frame["personnel_type"].value_counts().to_dict() == {
        "military": 192,
        "international_civilian": 4,
        "police": 2,
        "experts_on_mission": 1,
        "local_civilian": 1,
    }
    assert f.frame["incident_type"].value_counts().to_dict() == {
        "malicious_act": 96,
        "accident": 74,
        "illness": 25,
        "self_inflicted": 5,
    }
    # two rows print "ZZ [Undetermined]": kept, nationality missing
    assert f.nationality_undetermined == 2 and f.frame["nationality_iso3"].isna().sum() == 2
    assert f.last_update == ["2025-04-04"]


# --------------------------------------------------------------------------- duplicates


def test_duplicated_casualty_ids_are_a_counted_documented_exclusion(built, capsys):
    out, manifest = built
    ex = manifest["fatalities_exclusions"]["duplicate_casualty_id"]
    assert ex["rows"] == 6 and ex["record_ids"] == [1898, 1901, 2074, 2077, 2142, 2184]
    assert "Montenegro" in ex["reasons"][0]
    table = pd.read_parquet(out / "fatalities.parquet")
    assert len(table) == 4429 - 6 and table["casualty_id"].is_unique
    unmik = table[table["casualty_id"].isin(ex["casualty_ids"])]
    assert set(unmik["nationality_iso3"]) == {"SCG"}  # 2003-2005: Serbia and Montenegro, not Montenegro
    src = {s["name"]: s for s in manifest["sources"]}["DPPADPOSS-FATALITIES.csv"]
    assert (src["rows"], src["rows_in_file"], src["excluded"]) == (4423, 4429, 6)
    assert src["last_update"] == "2025-04-04"
    # The curated exclusion table's entry counts the rows it excludes: one per line of the table.
    ex_src = {s["name"]: s for s in manifest["sources"]}["fatality_exclusions.csv"]
    curated = pd.read_csv(paths.curated_dir() / "fatality_exclusions.csv")
    assert ex_src["rows"] == ex_src["rows_excluded"] == len(curated) == 6
    assert cli.main(["info", "--data", str(out)]) == 0
    info = capsys.readouterr().out.split("Exclusions the build made on purpose", 1)[1]
    assert any(line.split()[:1] == ["fatalities"] and "6 rows" in line for line in info.splitlines())


def test_a_duplicate_not_in_the_exclusion_table_is_an_error(tmp_path, fixtures):
    text = (fixtures / "fatalities" / "DPPADPOSS-FATALITIES.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    fields = lines[11].split(",")
    fields[2] = lines[10].split(",")[2]  # row 12 takes row 11's casualty_id
    lines[11] = ",".join(fields)
    bad = tmp_path / "DPPADPOSS-FATALITIES.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        PkdataError,
        match=r"1 casualty_id\(s\) listed more than once "
        r"\(UNSCOB-1949-02-02189: ids 10, 11 \(United Kingdom",
    ):
        uf.apply_exclusions(uf.read_fatalities(bad), uf.read_exclusions(CURATED / "fatality_exclusions.csv"))


# --------------------------------------------------------------------------- bad rows
# These start from the committed extract (tests/fixtures: the header and the file's first 200 rows) and
# build with tests/fixtures as the reference folder.


def _broken_raw(tmp_path, fixtures, row: int, column: str, value: str):
    """A raw folder whose fatalities file is the real extract with ``column`` set to ``value`` on ``row``.

    Row 1 is the header; the file has no quoted fields, so splitting on commas is exact.
    """
    lines = (fixtures / "fatalities" / "DPPADPOSS-FATALITIES.csv").read_text(encoding="utf-8").splitlines(True)
    header = lines[0].rstrip("\n").split(",")
    fields = lines[row - 1].split(",")
    fields[header.index(column)] = value
    lines[row - 1] = ",".join(fields)
    folder = tmp_path / "raw" / "fatalities"
    folder.mkdir(parents=True)
    (folder / "DPPADPOSS-FATALITIES.csv").write_text("".join(lines), encoding="utf-8")
    return tmp_path / "raw"


def test_unparseable_date_names_file_and_row(tmp_path, fixtures):
    raw = _broken_raw(tmp_path, fixtures, 101, "incident_date", "25/11/1960")
    with pytest.raises(ParseError) as err:
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])
    assert str(err.value) == (
        "DPPADPOSS-FATALITIES.csv, row 101: incident_date '25/11/1960' is not a date; expected YYYY-MM-DD"
    )
    assert (err.value.file, err.value.row) == ("DPPADPOSS-FATALITIES.csv", 101)


def test_impossible_date_names_file_and_row(tmp_path, fixtures):
    raw = _broken_raw(tmp_path, fixtures, 150, "incident_date", "2012-02-30")
    with pytest.raises(
        ParseError,
        match=r"DPPADPOSS-FATALITIES.csv, row 150: incident_date '2012-02-30' is not a "
        "valid date",
    ):
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])


def test_unknown_nationality_names_file_and_row(tmp_path, fixtures):
    raw = _broken_raw(tmp_path, fixtures, 180, "casualty_nationality", "Atlantis")
    with pytest.raises(ParseError) as err:
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])
    message = str(err.value)
    assert message.startswith("DPPADPOSS-FATALITIES.csv, row 180: unknown nationality:")
    assert "Atlantis" in message and "pkdata/core/countries.py" in message


def test_nationality_contradicting_the_files_iso3_is_an_error(tmp_path, fixtures):
    lines = (fixtures / "fatalities" / "DPPADPOSS-FATALITIES.csv").read_text(encoding="utf-8").splitlines(True)
    assert ",France," in lines[1] and ",FRA," in lines[1]
    lines[1] = lines[1].replace(",FRA,", ",NOR,")
    bad = tmp_path / "DPPADPOSS-FATALITIES.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ParseError, match=r"row 2: casualty_nationality 'France' is FRA .* isocode3 says 'NOR'"):
        uf.read_fatalities(bad)


def test_unknown_personnel_type_and_missing_column(tmp_path, fixtures):
    lines = (fixtures / "fatalities" / "DPPADPOSS-FATALITIES.csv").read_text(encoding="utf-8").splitlines(True)
    bad = tmp_path / "DPPADPOSS-FATALITIES.csv"
    bad.write_text("".join([lines[0], lines[1].replace(",Military,", ",Navy,")]), encoding="utf-8")
    with pytest.raises(ParseError, match=r"row 2: casualty_personnel_type 'Navy'"):
        uf.read_fatalities(bad)
    bad.write_text("".join([lines[0].replace("incident_date", "date"), lines[1]]), encoding="utf-8")
    with pytest.raises(ParseError, match=r"row 1: missing column\(s\) \['incident_date'\]"):
        uf.read_fatalities(bad)


def test_failed_build_leaves_a_good_build_byte_identical(tmp_path, fixtures):
    out = tmp_path / "out"
    build(raw=tmp_path / "no-raw", out=out, reference=fixtures, steps=[step_missions])
    before = folder_digest(out)
    raw = _broken_raw(tmp_path, fixtures, 101, "incident_date", "1960-11-xx")
    with pytest.raises(ParseError, match="row 101"):
        build(raw=raw, out=out, reference=fixtures, steps=[step_missions])
    assert folder_digest(out) == before


# --------------------------------------------------------------------------- the two exports


def test_the_two_exports_cross_check(files):
    new, old = files
    c = uf.crosscheck(new, old, uf.read_exclusions(CURATED / "fatality_exclusions.csv"))
    assert (c["new_rows"], c["old_rows"]) == (4429, 4350)
    assert (c["new_excluded"], c["old_excluded"]) == (6, 6)  # the same UNMIK duplicates in both
    assert (c["shared"], c["only_new"], c["only_old"]) == (4344, 79, 0)
    assert c["new_rows_by_year"] == {2023: 4, 2024: 65, 2025: 10}
    assert c["new_rows_before_old_last_date"] == 2
    # the UN id is a running number: one late notification (2023-10-26) shifted the 7 ids after it
    assert c["renumbered"] == 7 and c["renumbered_from"] == 4344
    assert c["differs"] == {
        "date": 0,
        "mission": 0,
        "nationality_iso3": 0,
        "personnel_type": 0,
        "incident_type": 115,
        "gender": 4,
    }
    assert ("to_be_determined", "illness", 63) in c["incident_transitions"]
    assert sum(n for o, _, n in c["incident_transitions"] if o == "to_be_determined") == 94
    assert c["chn_identical"] and c["chn_rows"] == 21


def test_the_crosscheck_summary_in_docs_is_current(files):
    new, old = files
    c = uf.crosscheck(new, old, uf.read_exclusions(CURATED / "fatality_exclusions.csv"))
    doc = paths.REPO_DIR / "docs" / "fatalities_crosscheck.md"
    assert doc.read_text(encoding="utf-8") == uf.crosscheck_markdown(c), (
        "docs/fatalities_crosscheck.md is stale: regenerate it with crosscheck_markdown(crosscheck(...))"
    )

"""The country tables: package data files with a source per row, checked against what the sources print."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from pkdata.core import countries
from pkdata.core.errors import ParseError, UnknownNameError

DATA = countries.DATA_DIR


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _page_lines(path: Path, page: int) -> list[str]:
    with pymupdf.open(path) as doc:
        return [line.strip() for line in doc[page - 1].get_text().splitlines()]


@pytest.fixture
def fresh_tables(monkeypatch):
    """Point the module at other data files; the cached tables are dropped before and after."""

    def use(names: Path | None = None, codes: Path | None = None) -> None:
        if names is not None:
            monkeypatch.setattr(countries, "NAMES_FILE", names)
        if codes is not None:
            monkeypatch.setattr(countries, "COUNTRIES_FILE", codes)
        countries._tables.cache_clear()

    yield use
    monkeypatch.undo()
    countries._tables.cache_clear()


# --------------------------------------------------------------------------- what the sources print


@pytest.mark.parametrize(
    ("month", "page", "printed", "iso3"),
    [
        # Read by hand from the reports (the name is a line of its own in the page text).
        ("2023_10", 1, "China", "CHN"),  # "4 0 4 China Experts on Mission"
        ("2023_10", 1, "Côte d'Ivoire", "CIV"),  # "Côte d'Ivoire Individual Police 1 0 1"
        ("2023_10", 7, "United Republic of Tanzania", "TZA"),  # "United Republic of Tanzania Staff Officer 8 2 10"
        ("2015_01", 10, "Cote d Ivoire", "CIV"),  # summary_2015 layout: no apostrophe
        ("2019_09", 3, "Moldova,", "MDA"),  # flat table: "MINUSCA Moldova, Experts on Mission", cut at the comma
        ("2019_09", 11, "North", "MKD"),  # flat table: "UNIFIL North Contingent Troops" (North Macedonia, cut)
    ],
)
def test_un_pdf_spellings(un_pdf, month, page, printed, iso3):
    assert printed in _page_lines(un_pdf(month), page)
    assert countries.lookup(printed) == iso3
    assert countries.to_iso3([printed]) == {printed: iso3}


def test_csv_and_file_name_spellings(reference):
    # UN Data Hub fatalities print "Côte dIvoire" (no apostrophe) and the retired code SCG for Serbia and Montenegro.
    rows = _read(reference / "fatalities" / "DPPADPOSS-FATALITIES.csv")
    printed = {(r["casualty_nationality"], r["isocode3"]) for r in rows}
    assert ("Serbia and Montenegro", "SCG") in printed
    assert any(name == "Côte dIvoire" for name, _ in printed)
    assert countries.lookup("Côte dIvoire") == "CIV"
    assert countries.lookup("Serbia and Montenegro") == "SCG"
    # IPI's per-country file for North Macedonia is named after a cut-off name.
    tcc = reference / "personnel" / "ipi_peacekeeping_db_tcc_datascraper" / "countries"
    assert (tcc / "The former Yugoslav Republic o.csv").is_file()
    assert countries.lookup("The former Yugoslav Republic o") == "MKD"


def test_sources_that_print_a_code_beside_the_name_agree(reference):
    """Every name the GA scale table and the fatalities file print beside an ISO3 code maps to that code."""
    pairs = {
        (r["member_state"], r["iso3"])
        for r in _read(reference / "budget" / "official" / "regular_budget_scale_2010_2027_UN_CoC_workbook.csv")
    }
    assert ("Cote d'Ivoire", "CIV") in pairs  # the workbook's spelling: plain "o", straight apostrophe
    pairs |= {
        (r["casualty_nationality"], r["isocode3"])
        for r in _read(reference / "fatalities" / "DPPADPOSS-FATALITIES.csv")
        if r["isocode3"]
    }
    assert len(pairs) >= 190  # 199 distinct (name, code) pairs in these two files
    wrong = sorted((name, code, countries.lookup(name)) for name, code in pairs if countries.lookup(name) != code)
    assert wrong == []


# --------------------------------------------------------------------------- the data files


def test_every_name_maps_to_a_code_in_countries_csv():
    names = _read(DATA / "country_names.csv")
    codes = _read(DATA / "countries.csv")
    assert len(names) == 484 and len(codes) == 255
    known = {r["iso3"] for r in codes}
    assert [r for r in names if r["iso3"] not in known] == []
    assert {r["iso3"] for r in names} == known  # and every code has at least one spelling
    assert {r["name"]: r["iso3"] for r in names} == countries.NAMES
    assert {r["iso3"]: r["display_name"] for r in codes} == countries.DISPLAY


def test_every_row_says_where_it_comes_from():
    names = _read(DATA / "country_names.csv")
    assert all(r["source"].strip() for r in names)
    hand = [r for r in names if r["source"].startswith("pkdata: hand-added variant")]
    assert all(r["source"].startswith("pkdata: hand-added variant: ") and len(r["source"]) > 40 for r in hand)
    by_name = {r["name"]: r["source"] for r in names}
    assert "UN PDF reports: " in by_name["China"] and "UN PDF reports: " in by_name["North"]
    assert by_name["Côte dIvoire"].startswith("UN CSVs: DPPADPOSS-FATALITIES.csv")
    codes = {r["iso3"]: r for r in _read(DATA / "countries.csv")}
    assert all(r["source"] for r in codes.values())
    for code in ("ANT", "CSK", "SCG", "SUN", "YUG", "XKX"):
        assert codes[code]["note"], code
        assert codes[code]["source"] != "ISO 3166-1 alpha-3", code
    assert codes["CHN"] == {"iso3": "CHN", "display_name": "China", "source": "ISO 3166-1 alpha-3", "note": ""}


def test_data_files_are_sorted_utf8_with_unix_newlines():
    for path, key in (
        (DATA / "country_names.csv", lambda r: (countries.name_key(r["name"]), r["name"])),
        (DATA / "countries.csv", lambda r: r["iso3"]),
    ):
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw and raw.endswith(b"\n") and not raw.startswith(b"\xef\xbb\xbf")
        rows = _read(path)
        assert rows == sorted(rows, key=key), path.name


def test_public_api():
    assert countries.P5 == ("CHN", "FRA", "GBR", "RUS", "USA")
    assert countries.lookup("  côte d’ivoire ") == "CIV"
    assert countries.display_name("XKX") == "Kosovo" and countries.display_name("ZZZ") == "ZZZ"
    with pytest.raises(UnknownNameError) as err:
        countries.to_iso3(["China", "Narnia", "Atlantis"], file="x.pdf")
    assert err.value.names == ["Atlantis", "Narnia"]
    assert "x.pdf" in str(err.value) and "pkdata/data/country_names.csv" in str(err.value)
    with pytest.raises(AttributeError):
        countries.NO_SUCH_TABLE  # noqa: B018


def test_import_reads_nothing_and_needs_no_pandas():
    code = (
        "import sys, pkdata.core.countries as c; "
        "assert 'pandas' not in sys.modules; assert c._tables.cache_info().currsize == 0; "
        "c.lookup('China'); assert c._tables.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- damaged data files


def _damaged(tmp_path: Path, name: str, edit) -> Path:
    path = tmp_path / name
    shutil.copy(DATA / name, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")
    return path


def test_a_name_with_two_codes_names_the_file_and_row(tmp_path, fresh_tables):
    line = next(i for i, s in enumerate(_read(DATA / "country_names.csv"), start=2) if s["name"] == "China")
    bad = _damaged(tmp_path, "country_names.csv", lambda ls: [*ls, "China,FRA,a second mapping\n"])
    fresh_tables(names=bad)
    with pytest.raises(ParseError) as err:
        countries.lookup("China")
    assert err.value.file == str(bad) and err.value.row == 486
    assert f"name 'China' maps to FRA, but row {line} ('China') maps to CHN" in str(err.value)
    # same name for lookup (case folded), another code
    fresh_tables(names=_damaged(tmp_path, "country_names.csv", lambda ls: [*ls, "CHINA,FRA,x\n"]))
    with pytest.raises(ParseError, match=r"country_names.csv, row 486: name 'CHINA' maps to FRA, .*same name for"):
        countries.lookup("China")


def test_a_missing_column_or_a_bad_code_is_an_error(tmp_path, fresh_tables):
    fresh_tables(names=_damaged(tmp_path, "country_names.csv", lambda ls: ["name,code,source\n", *ls[1:]]))
    with pytest.raises(ParseError, match=r"country_names.csv, row 1: missing column\(s\) \['iso3'\]"):
        countries.lookup("China")
    fresh_tables(names=_damaged(tmp_path, "country_names.csv", lambda ls: [*ls[:2], "Atlantis,Atl,x\n", *ls[2:]]))
    with pytest.raises(ParseError, match=r"country_names.csv, row 3: iso3 'Atl' is not three capital letters"):
        countries.lookup("China")
    fresh_tables(names=_damaged(tmp_path, "country_names.csv", lambda ls: [*ls, "Atlantis,ATL,x\n"]))
    with pytest.raises(ParseError, match=r"row 486: 'Atlantis' maps to ATL, which is not a code in countries.csv"):
        countries.lookup("China")
    fresh_tables(names=_damaged(tmp_path, "country_names.csv", lambda ls: [*ls, "Atlantis,CHN\n"]))
    with pytest.raises(ParseError, match=r"row 486: expected 3 fields"):
        countries.lookup("China")
    fresh_tables(
        names=DATA / "country_names.csv",
        codes=_damaged(tmp_path, "countries.csv", lambda ls: [*ls, "CHN,China again,ISO 3166-1 alpha-3,\n"]),
    )
    with pytest.raises(ParseError, match=r"countries.csv, row 257: iso3 CHN is listed twice"):
        countries.display_name("CHN")

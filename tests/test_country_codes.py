"""The country codes table: derived from its upstream files, right on a handful of codes read from those
files directly, and every code of every table resolves (the build fails when one does not)."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from pkdata.builder.context import BuildContext
from pkdata.builder.steps.codes import derive_country_codes, step_codes
from pkdata.core import paths, store
from pkdata.core.errors import PkdataError
from pkdata.tables.panels import CODES_CSV, country_codes, unresolved_codes

FIXTURES = paths.REPO_DIR / "tests" / "fixtures" / "country_codes"
SOURCES_MD = paths.PACKAGE_DIR / "data" / "country_codes_SOURCES.md"


def _rows(name: str) -> list[dict[str, str]]:
    with open(FIXTURES / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _spells(name: str, code_col: str, country: str) -> list[dict[str, str]]:
    return [r for r in _rows(name) if r["country_name"] == country]


@pytest.fixture(scope="module")
def codes() -> pd.DataFrame:
    return country_codes().set_index("iso3")


def test_committed_table_is_what_the_upstream_files_give() -> None:
    committed = pd.read_csv(CODES_CSV, keep_default_na=False, na_values=[""], dtype=str)
    derived = derive_country_codes(FIXTURES).astype("string").astype(object).where(lambda d: d.notna(), None)
    committed = committed.astype(object).where(committed.notna(), None)
    assert list(committed.columns) == list(derived.columns)
    pd.testing.assert_frame_equal(committed.reset_index(drop=True), derived.reset_index(drop=True), check_dtype=False)


def test_sources_file_names_each_fixture_with_its_sha256() -> None:
    text = SOURCES_MD.read_text()
    for f in sorted(FIXTURES.glob("*.csv")):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        assert f.name in text and digest in text, f"{f.name}: sha256 {digest} not in {SOURCES_MD.name}"
    for licence in ("GPL-3", "MIT"):
        assert licence in text


def test_iso_and_m49_codes_match_the_codelist(codes: pd.DataFrame) -> None:
    codelist = {r["iso3c"]: r for r in _rows("codelist_without_cldr.csv") if r["iso3c"]}
    for iso3 in ("CHN", "FRA", "NPL", "BGD", "SSD", "RWA"):
        assert int(codes.loc[iso3, "iso_numeric"]) == int(codelist[iso3]["iso3n"])
        assert int(codes.loc[iso3, "m49"]) == int(codelist[iso3]["un"])
    assert int(codes.loc["CHN", "m49"]) == 156 and int(codes.loc["NPL", "iso_numeric"]) == 524


def test_cow_and_gw_codes_match_the_state_lists(codes: pd.DataFrame) -> None:
    # China, the United States, India: the same number in both lists, open-ended
    for iso3, cow_name, gw_name in (
        ("CHN", "China", "China"),
        ("USA", "United States of America", "United States of America"),
        ("IND", "India", "India"),
    ):
        (cow,) = _spells("cowstates.csv", "cowcode", cow_name)
        (gw,) = _spells("gwstates.csv", "gwcode", gw_name)
        assert (codes.loc[iso3, "cown"], codes.loc[iso3, "gwno"]) == (int(cow["cowcode"]), int(gw["gwcode"]))
        assert cow["end"] == gw["end"] == "9999-12-31"
    # Germany: COW's unified Germany from 1990-10-03, GW's Federal Republic
    cow_de = [r for r in _spells("cowstates.csv", "cowcode", "Germany") if r["start"] >= "1990"]
    (gw_de,) = _spells("gwstates.csv", "gwcode", "German Federal Republic")
    assert cow_de[0]["start"] == "1990-10-03"
    assert (codes.loc["DEU", "cown"], codes.loc["DEU", "gwno"]) == (int(cow_de[0]["cowcode"]), int(gw_de["gwcode"]))
    # Kiribati: the COW and GW microstate numbers differ (946 vs 970)
    (cow_ki,) = _spells("cowstates.csv", "cowcode", "Kiribati")
    (gw_ki,) = _spells("gwstates.csv", "gwcode", "Kiribati")
    assert (codes.loc["KIR", "cown"], codes.loc["KIR", "gwno"]) == (int(cow_ki["cowcode"]), int(gw_ki["gwcode"]))
    assert gw_ki["microstate"] == "TRUE" and bool(codes.loc["KIR", "microstate"])


def test_historical_entities_map_to_the_lists_codes(codes: pd.DataFrame) -> None:
    cow = _rows("cowstates.csv")
    gw = _rows("gwstates.csv")
    # COW has no Serbia after 1944: Yugoslavia (345) runs on, open-ended; GW has Serbia (340) from 2006-06-05
    assert not [r for r in cow if r["country_name"] == "Serbia"]
    yug_cow = [r for r in cow if r["cowcode"] == "345"]
    assert yug_cow[-1]["end"] == "9999-12-31"
    yug_gw = [r for r in gw if r["gwcode"] == "345"]
    serbia_gw = [r for r in gw if r["country_name"] == "Serbia" and r["start"] >= "2006"]
    assert yug_gw[-1]["end"] == "2006-06-04" and serbia_gw[0]["start"] == "2006-06-05"
    assert codes.loc["YUG", ["cown", "gwno"]].tolist() == [345, 345]
    assert codes.loc["SCG", ["cown", "gwno"]].tolist() == [345, 345]
    assert codes.loc["SRB", ["cown", "gwno"]].tolist() == [345, int(serbia_gw[0]["gwcode"])]
    # Sudan: one code across 2011 in both lists; South Sudan from 2011-07-09
    for name, rows in (("cowstates.csv", cow), ("gwstates.csv", gw)):
        sudan = [r for r in rows if r["country_name"] == "Sudan"]
        south = [r for r in rows if r["country_name"] == "South Sudan"]
        assert sudan[-1]["start"] < "2011" and sudan[-1]["end"] == "9999-12-31", name
        assert south[0]["start"] == "2011-07-09", name
    assert codes.loc["SDN", ["cown", "gwno"]].tolist() == [625, 625]
    # Vietnam: GW's 816 (DRV) runs on; 815 is pre-colonial
    vn = {r["gwcode"]: r for r in gw if r["gwcode"] in ("815", "816")}
    assert vn["815"]["end"] < "1900" and vn["816"]["end"] == "9999-12-31"
    assert int(codes.loc["VNM", "gwno"]) == 816
    # every correction says why
    for iso3 in ("SRB", "YUG", "SCG", "YEM", "VNM", "SDN", "DEU"):
        assert isinstance(codes.loc[iso3, "note"], str) and len(codes.loc[iso3, "note"]) > 30, iso3
    assert codes.loc[["YUG", "SCG", "XKX"], "historical"].all() and not codes.loc["SRB", "historical"]


def test_every_code_in_every_table_resolves() -> None:
    known = set(pd.read_csv(CODES_CSV, usecols=["iso3"], keep_default_na=False)["iso3"])
    processed = paths.processed_dir()
    used: dict[str, set[str]] = {}
    for table, col in (
        ("contributions", "contributor_iso3"),
        ("fatalities", "nationality_iso3"),
        ("assessments", "member_iso3"),
        ("missions", "host_iso3"),
    ):
        values = pd.read_parquet(processed / f"{table}.parquet", columns=[col])[col].dropna().astype(str)
        used[table] = set(values)
    assert {"YUG", "SCG", "SRB"} <= used["fatalities"]  # the historical entities are really there
    for table, values in used.items():
        assert values <= known, f"{table}: {sorted(values - known)}"
    assert unresolved_codes() == {}


def test_member_states_that_contributed_have_cow_and_gw_codes(codes: pd.DataFrame) -> None:
    c = store.table("contributions")
    contributed = set(c.loc[c["total"] > 0, "contributor_iso3"].astype(str))
    members = set(store.table("assessments").query("kind == 'regular'")["member_iso3"].astype(str))
    both = sorted(contributed & members)
    assert len(both) > 150
    lacking = [i for i in both if pd.isna(codes.loc[i, "cown"]) or pd.isna(codes.loc[i, "gwno"])]
    assert lacking == []


def test_build_step_fails_on_a_code_with_no_row(tmp_path: Path) -> None:
    ctx = BuildContext(raw=tmp_path, reference=tmp_path, cache=tmp_path)
    ctx.tables["fatalities"] = pd.DataFrame({"nationality_iso3": ["CHN", None, "QQQ"]})
    with pytest.raises(PkdataError, match=re.escape("fatalities.nationality_iso3: QQQ")):
        step_codes(ctx)
    ctx.tables["fatalities"] = pd.DataFrame({"nationality_iso3": ["CHN", None, "YUG"]})
    assert step_codes(ctx).tables == {}


def test_derive_fails_when_a_correction_names_a_code_the_list_lacks(tmp_path: Path, monkeypatch) -> None:
    from pkdata.builder.steps import codes as mod

    monkeypatch.setitem(mod.OVERRIDES, "SRB", {"cown": 999, "reason": "wrong on purpose"})
    with pytest.raises(PkdataError, match="cowstates.csv: SRB -> cowcode 999"):
        derive_country_codes(FIXTURES)


def test_the_build_fails_on_an_unknown_code(tmp_path: Path) -> None:
    from pkdata.builder import build
    from pkdata.builder.context import StepResult

    def odd_fatalities(ctx):
        return StepResult(tables={"fatalities": pd.DataFrame({"nationality_iso3": ["FRA", "ZZZ"]})})

    with pytest.raises(PkdataError, match="fatalities.nationality_iso3: ZZZ"):
        build(
            raw=tmp_path / "raw",
            out=tmp_path / "out",
            cache=tmp_path / "cache",
            steps=[odd_fatalities, "pkdata.builder.steps.codes:step_codes"],
        )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())

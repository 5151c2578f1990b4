"""Claim files: the seed report as data, other reports' claims checked against values computed another way
(plain pandas on the committed parquet tables), and one-line errors for a file's mistakes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from pkdata.analysis import claims
from pkdata.cli import main
from pkdata.core import paths

from .test_faults import cli

COMMITTED = paths.REPO_DIR / "data" / "processed"
FILES = paths.PACKAGE_DIR / "data" / "claims"
UNIFORMED = ("military", "police", "experts_on_mission")


@pytest.fixture(scope="module")
def contributions() -> pd.DataFrame:
    return pd.read_parquet(COMMITTED / "contributions.parquet")


@pytest.fixture(scope="module")
def fatalities() -> pd.DataFrame:
    return pd.read_parquet(COMMITTED / "fatalities.parquet")


def _checked(name: str) -> pd.DataFrame:
    return claims.check_file(FILES / name, data_dir=COMMITTED).set_index("claim_id")


def _verdict(ok: bool) -> str:
    return "supported" if ok else "refuted"


def test_the_seed_file_gives_the_same_rows_as_pkdata_claims(capsys):
    assert main(["check", str(claims.SEED), "--as-of", "2018-09", "--format", "csv", "--data", str(COMMITTED)]) == 0
    checked = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert main(["claims", "--as-of", "2018-09", "--format", "csv", "--data", str(COMMITTED)]) == 0
    seed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["claim_id"] for r in checked] == [r["claim_id"] for r in seed] == list(claims.CLAIMS)
    for a, b in zip(checked, seed, strict=True):
        assert {k: a[k] for k in b} == b


def test_before_the_personnel_data_begin_every_seed_claim_is_insufficient(contributions):
    assert set(claims.check("1980-01", data_dir=COMMITTED)["verdict"]) == {"insufficient_data"}
    t = claims.timeline("recent_fatalities", data_dir=COMMITTED)
    first = contributions["date"].min()
    assert set(t.loc[t["date"] < first, "verdict"]) == {"insufficient_data"}
    assert t.loc[t["date"] >= first, "verdict"].iloc[0] == "refuted"  # 1990-11: none killed in the 3 years before


def test_every_shipped_file_has_complete_claims_with_quote_and_address():
    files = claims.shipped()
    assert len(files) >= 3 and claims.SEED in files
    others = [claims.load(p) for p in files if p != claims.SEED]
    assert sum(len(f.claims) >= 5 for f in others) >= 2
    for f in [claims.load(claims.SEED), *others]:
        assert f.report["address"].startswith("http"), f.path
    for f in others:
        for c in f.claims:
            assert c.quote and c.address.startswith("http"), (f.path, c.claim_id)


def test_bangladesh_2010_against_the_contributions_table(contributions):
    got = _checked("bangladesh_ispr_2010.toml")
    month = contributions[contributions["date"] == "2010-10-31"]
    by = month.groupby("contributor_iso3", observed=True)["total"].sum().sort_values(ascending=False)
    assert got.loc["bangladesh_10748", "value"] == by["BGD"]
    assert got.loc["bangladesh_10748", "verdict"] == _verdict(by["BGD"] == 10748)
    assert got.loc["pakistan_10635", "verdict"] == _verdict(by["PAK"] == 10635)
    assert got.loc["nepal_4735", "verdict"] == _verdict(by["NPL"] == 4735)
    assert got.loc["bangladesh_first", "verdict"] == _verdict(by.index[0] == "BGD" and by.iloc[1] < by.iloc[0])
    women = month.loc[month["contributor_iso3"] == "BGD", "female"].sum()
    assert got.loc["bangladesh_167_women", "verdict"] == _verdict(women == 167)
    top = list(by.index[:6])
    assert got.loc["top_six_in_order", "verdict"] == _verdict(top == ["BGD", "PAK", "IND", "NGA", "EGY", "NPL"])


def test_staff_union_2018_against_the_fatalities_table(fatalities):
    got = _checked("un_staff_union_2018_fatalities.toml")
    year = fatalities[fatalities["date"].dt.year == 2018]
    killed = year[(year["incident_type"] == "malicious_act") & year["personnel_type"].isin(UNIFORMED)]
    assert got.loc["peacekeepers_killed_2018", "value"] == len(killed)
    assert got.loc["peacekeepers_killed_2018", "verdict"] == _verdict(len(killed) == 26)
    by_nation = killed["nationality_iso3"].value_counts()
    assert got.loc["bangladesh_six", "verdict"] == _verdict(by_nation.get("BGD", 0) == 6)
    assert got.loc["malawi_six", "verdict"] == _verdict(by_nation.get("MWI", 0) == 6)
    by_mission = killed["mission"].value_counts()
    assert got.loc["mali_deadliest", "verdict"] == _verdict(by_mission.index[0] == "MINUSMA")
    for claim, mission, n in (("mali_eleven", "MINUSMA", 11), ("drc_eight", "MONUSCO", 8), ("car_seven", "MINUSCA", 7)):
        assert got.loc[claim, "value"] == by_mission.get(mission, 0)
        assert got.loc[claim, "verdict"] == _verdict(by_mission.get(mission, 0) == n)
    y17 = fatalities[(fatalities["date"].dt.year == 2017) & (fatalities["incident_type"] == "malicious_act")]
    assert got.loc["killed_2017_71", "value"] == len(y17)
    assert got.loc["killed_2017_71", "verdict"] == _verdict(len(y17) == 71)


def test_chinamil_2024_against_the_tables(contributions):
    got = _checked("chinamil_2024.toml")
    march = contributions[contributions["date"] == "2024-03-31"]
    assert got.loc["over_62000_uniformed", "verdict"] == _verdict(march["total"].sum() > 62000)
    china = march[march["contributor_iso3"] == "CHN"]
    assert got.loc["china_more_than_1800", "value"] == china["total"].sum()
    missions = china.groupby("mission", observed=True)["total"].sum()
    assert got.loc["china_eight_missions", "value"] == (missions > 0).sum()
    last12 = contributions[contributions["date"].between("2023-06-01", "2024-05-31")]
    p5 = last12[last12["contributor_iso3"].isin(["CHN", "FRA", "GBR", "RUS", "USA"])]
    medians = p5.groupby(["date", "contributor_iso3"], observed=True)["total"].sum().unstack().median()
    assert got.loc["china_leads_p5", "verdict"] == _verdict(medians.idxmax() == "CHN")
    a = pd.read_parquet(COMMITTED / "assessments.parquet")
    row = a[(a["measure"] == "scale") & (a["year"] == 2021) & (a["member_iso3"] == "CHN") & a["measure_pick"]]
    assert got.loc["second_largest_budget_2020_2021", "verdict"] == _verdict(
        (row["measure_rank_min"] == 2).all() and (row["measure_rank_max"] == 2).all()
    )


def test_xinhua_2017_against_the_contributions_table(contributions):
    got = _checked("xinhua_2017.toml")
    month = contributions[contributions["date"] == "2017-08-31"]
    by = month.groupby("contributor_iso3", observed=True)["total"].sum()
    china = by["CHN"]
    assert got.loc["some_2500", "verdict"] == _verdict(2250 <= china <= 2750)
    assert got.loc["top_contributor", "value"] == (by > china).sum() + 1
    assert got.loc["top_contributor", "verdict"] == _verdict((by > china).sum() == 0)
    assert got.loc["top_of_p5", "verdict"] == _verdict(by.reindex(["FRA", "GBR", "RUS", "USA"]).max() < china)
    mine = month[(month["contributor_iso3"] == "CHN") & month["mission"].notna()]
    assert got.loc["ten_missions", "value"] == (mine.groupby("mission", observed=True)["total"].sum() > 0).sum()


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ('metric = "nope"\n', "claim 'x': unknown metric 'nope'"),
        ('metric = "personnel"\nsubject = "CHN"\nexpect = 1\ncolour = "red"\n', "claim 'x': unknown key 'colour'"),
        ('metric = "personnel"\nsubject = "Atlantis"\nexpect = 1\n', "claim 'x': unknown subject"),
    ],
)
def test_a_mistake_in_a_claim_file_is_one_line_naming_the_claim_and_the_key(tmp_path: Path, claim, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[report]\ntitle = "t"\nauthor = "a"\npublisher = "p"\ndate = "2018-09"\naddress = "https://x"\n'
        f'[[claims]]\nid = "x"\nquote = "q"\n{claim}'
    )
    run = cli("check", str(bad))  # `pkdata check` in this process: the command's own one-line handling
    assert run.returncode != 0 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "bad.toml" in lines[0] and "Traceback" not in run.stderr


def test_a_month_the_data_lack_and_a_measure_they_do_not_hold_are_insufficient(tmp_path: Path):
    f = tmp_path / "gaps.toml"
    f.write_text(
        '[report]\ntitle = "t"\nauthor = "a"\npublisher = "p"\ndate = "2018-09"\naddress = "https://x"\n'
        '[[claims]]\nid = "women_2005"\nquote = "q"\nmetric = "personnel"\nsubject = "BGD"\ngender = "female"\n'
        'window = "month"\nmonth = "2005-01"\nexpect = 10\n'
        '[[claims]]\nid = "civilians"\nquote = "q"\nmetric = "civilian_staff"\nexpect = 10\n'
    )
    got = claims.check_file(f, data_dir=COMMITTED).set_index("claim_id")
    assert set(got["verdict"]) == {"insufficient_data"}
    assert "2005-01" in got.loc["women_2005", "evidence"] and "civilian" in got.loc["civilians", "evidence"]


def test_a_timeline_of_any_claim_file(capsys):
    path = FILES / "chinamil_2024.toml"
    assert main(["check", str(path), "--timeline", "china_more_than_1800", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["period"] == "1990-11" and {r["verdict"] for r in rows} >= {"supported"}


VOCABULARY = """
[report]
title = "vocabulary"
author = "pkdata tests"
publisher = "pkdata"
date = "2018-09"
address = "https://example.org/none"

[[claims]]
id = "contributors"
quote = "q"
metric = "contributors"
compare = "at_least"
expect = 120

[[claims]]
id = "women_troops"
quote = "q"
metric = "women_share"
subject = "all"
personnel_type = "troops"
window = "month"
month = "2018-09"
expect = 4
tolerance = 0.25

[[claims]]
id = "regular_share"
quote = "q"
as_of = "2016"
metric = "assessment_share"
subject = "CHN"
kind = "regular"
expect = 7.92
tolerance = 0.01

[[claims]]
id = "pk_share"
quote = "q"
as_of = "2018"
metric = "assessment_share"
subject = "USA"
expect = 28.43
tolerance = 0.01

[[claims]]
id = "budget"
quote = "q"
as_of = "2023-06"
metric = "budget_total"
fiscal_year = "2022/23"
basis = "expenditure"
mission = "MINUSMA"
expect = 1.19e9
tolerance = 0.01

[[claims]]
id = "rate"
quote = "q"
metric = "fatality_rate"
mission = "MINUSMA"
expect = 1.6

[[claims]]
id = "year_mean"
quote = "q"
metric = "personnel"
subject = "region:Africa"
window = "year_mean"
year = 2017
compare = "at_least"
expect = 1000

[[claims]]
id = "police_lead"
quote = "q"
metric = "personnel_lead"
subject = "CHN"
group = "P5"
personnel_type = "police"
window = "latest"

[[claims]]
id = "pko_scope"
quote = "q"
metric = "fatalities"
year = 2017
scope = "pko"
compare = "at_least"
expect = 100

[[claims]]
id = "civ"
quote = "q"
metric = "civilian_staff"
"""


def test_the_vocabulary_against_the_tables(tmp_path: Path, contributions, fatalities):
    path = tmp_path / "vocabulary.toml"
    path.write_text(VOCABULARY)
    got = claims.check_file(path, data_dir=COMMITTED).set_index("claim_id")
    month = contributions[contributions["date"] == "2018-09-30"]
    by = month.groupby("contributor_iso3", observed=True)["total"].sum()
    assert got.loc["contributors", "value"] == (by > 0).sum()
    troops = month[(month["personnel_type"] == "troops") & month["female"].notna()]
    share = 100 * troops["female"].sum() / (troops["female"].sum() + troops["male"].sum())
    assert got.loc["women_troops", "value"] == pytest.approx(share)
    assert got.loc["women_troops", "verdict"] == _verdict(3 <= share <= 5)
    police = month[month["personnel_type"].isin(["individual_police", "formed_police_units"])]
    p5 = police.groupby("contributor_iso3", observed=True)["total"].sum().reindex(["CHN", "FRA", "GBR", "RUS", "USA"])
    assert got.loc["police_lead", "verdict"] == _verdict(
        p5.fillna(0).idxmax() == "CHN" and p5.fillna(0).nlargest(2).iloc[1] < p5["CHN"]
    )
    missions = pd.read_parquet(COMMITTED / "missions.parquet")
    pko = set(missions.loc[missions["kind"] == "pko", "acronym"])
    in_2017 = fatalities[(fatalities["date"].dt.year == 2017) & fatalities["mission"].isin(pko)]
    assert got.loc["pko_scope", "value"] == len(in_2017)
    budgets = pd.read_parquet(COMMITTED / "budgets.parquet")
    usd = budgets.loc[
        (budgets["fiscal_year"] == "2022/23") & (budgets["mission"] == "MINUSMA") & (budgets["basis"] == "expenditure"),
        "usd",
    ]
    assert got.loc["budget", "value"] == usd.iloc[0]
    a = pd.read_parquet(COMMITTED / "assessments.parquet")
    usa = a[(a["measure"] == "scale") & (a["year"] == 2018) & (a["member_iso3"] == "USA") & a["measure_pick"]]
    assert got.loc["pk_share", "value"] == pytest.approx(usa["share_percent"].iloc[0])
    assert got.loc["civ", "verdict"] == "insufficient_data"
    assert set(got["verdict"]) <= set(claims.VERDICTS)


def test_docs_name_every_metric_with_an_example():
    text = (paths.REPO_DIR / "docs" / "claims.md").read_text()
    for name in claims.METRICS:
        assert f"- **`{name}`**" in text, name
    for word in ("latest", "month", "year_mean", "median_12", "about", "at_least", "at_most", "more_than", "equal"):
        assert f"`{word}`" in text, word


def test_the_readme_states_the_other_reports_verdicts_and_the_numbers_that_are_off(contributions):
    readme = (paths.REPO_DIR / "README.md").read_text()
    union = _checked("un_staff_union_2018_fatalities.toml")
    assert f"**{int(union.loc['peacekeepers_killed_2018', 'value'])}**" in readme
    assert f"has {int(union.loc['killed_2017_71', 'value'])} killed by malicious acts in 2017" in readme
    may = contributions[(contributions["date"] == "2024-05-31") & (contributions["contributor_iso3"] == "CHN")]
    assert f"2024-05 report shows {may['total'].sum():,}" in readme
    xinhua = _checked("xinhua_2017.toml")
    assert f"ranked **{int(xinhua.loc['top_contributor', 'value'])}th**" in readme
    for name in ("bangladesh_ispr_2010", "un_staff_union_2018_fatalities", "chinamil_2024", "xinhua_2017"):
        counts = _checked(f"{name}.toml")["verdict"].value_counts()
        row = next(line for line in readme.splitlines() if f"`{name}.toml`" in line)
        for verdict, n in counts.items():
            assert f"{n} {verdict}" in row, (name, verdict)


def test_the_public_constants_are_the_seed_files_parameters():
    p = {c: claims.CLAIMS[c].params for c in claims.CLAIMS}
    assert (claims.ABOUT, claims.ABOUT_TOLERANCE) == (
        p["personnel_about_2500"]["expect"],
        p["personnel_about_2500"]["tolerance"],
    )
    assert (
        claims.FAR_MORE == p["more_than_other_p5"]["far_more"] and claims.TOP_N == p["top_contributor_rank"]["expect"]
    )
    assert list(claims.MISSIONS) == p["in_mali_and_south_sudan"]["missions"]
    assert list(claims.COMBAT_ZONES) == p["active_combat_zones"]["missions"]
    assert claims.CHN == p["recent_fatalities"]["subject"]

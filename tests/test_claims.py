"""The report's claims: verdicts on the committed data, and on copies of it that change exactly one fact.

Each doctored folder is a copy of the committed ``data/processed`` (same file names, same manifest)
with one table changed by pandas; ``PKDATA_DATA`` points at it. The test asserts that exactly the
claims that depend on that fact change verdict.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pkdata.analysis import claims
from pkdata.cli import main
from pkdata.core import paths

from .helpers import replace_table

COMMITTED = paths.REPO_DIR / "data" / "processed"
ALL = list(claims.CLAIMS)
#: The seven claims all supported at the report's date (the eighth, active_combat_zones: tests/test_combat_zones.py).
SEVEN = [c for c in ALL if c != "active_combat_zones"]


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return claims.check("2018-09", data_dir=COMMITTED).set_index("claim_id")


@pytest.fixture
def doctored(tmp_path, monkeypatch) -> Callable[..., Path]:
    """``doctored(table, change)``: a copy of the committed folder with ``change(frame)`` applied to one table."""

    def make(table: str, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Path:
        out = tmp_path / "processed"
        shutil.copytree(COMMITTED, out, dirs_exist_ok=True)
        frame = change(pd.read_parquet(COMMITTED / f"{table}.parquet"))
        if frame is None:
            (out / f"{table}.parquet").unlink()
        else:
            replace_table(out, table, frame)
        monkeypatch.setenv("PKDATA_DATA", str(out))
        return out

    return make


def flipped(baseline: pd.DataFrame, as_of: str = "2018-09") -> tuple[list[str], pd.DataFrame]:
    """The claims whose verdict differs from the committed data's (PKDATA_DATA decides the folder)."""
    now = claims.check(as_of).set_index("claim_id")
    return [c for c in ALL if now.loc[c, "verdict"] != baseline.loc[c, "verdict"]], now


def scale(iso3: str, factor: float, months: list[str] | None = None) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        rows = df["contributor_iso3"] == iso3
        if months is not None:
            rows &= df["date"].dt.strftime("%Y-%m").isin(months)
        for col in ("male", "female", "total"):
            df.loc[rows, col] = (df.loc[rows, col].astype("float64") * factor).round().astype("Int64")
        return df

    return change


# --------------------------------------------------------------------------- the committed data


def test_every_claim_is_supported_at_the_reports_date_with_evidence(baseline):
    assert list(baseline.index) == ALL
    assert (baseline.loc[SEVEN, "verdict"] == "supported").all(), baseline["verdict"].to_dict()
    assert baseline["source"].str.len().gt(0).all() and baseline["evidence"].str.len().gt(0).all()
    manifest = json.loads((COMMITTED / "manifest.json").read_text())
    names = {s["name"] for s in manifest["sources"]}
    for source in baseline["source"]:
        assert set(source.split("; ")) <= names, source
    # Decided on the scale (the rate set for 2016-2018); the billed amounts of 2018 are shown beside it.
    assert baseline.loc["second_largest_funder", "data_date"] == "2018 (scale)"
    assert "donors-2018.json" in baseline.loc["second_largest_funder", "source"]
    assert "peacekeeping_assessment_rates.csv" in baseline.loc["second_largest_funder", "source"]
    assert "Other measure (billed" in baseline.loc["second_largest_funder", "evidence"]
    assert "MINUSMA (Mali)" in baseline.loc["recent_fatalities", "comparison"]
    assert "UNMISS (South Sudan)" in baseline.loc["recent_fatalities", "comparison"]
    assert baseline.loc["more_than_other_p5", "value"] >= claims.FAR_MORE


def test_a_one_month_rotation_dip_shows_in_latest_but_the_median_decides():
    """China's printed total for 2018-08 is 1,968 (a rotation); the months around it about 2,500."""
    row = claims.check("2018-08", data_dir=COMMITTED).set_index("claim_id").loc["personnel_about_2500"]
    assert row["latest"] == 1968
    assert not 2250 <= row["latest"] <= 2750  # the month alone would refute the claim
    assert 2250 <= row["value"] <= 2750 and row["verdict"] == "supported"
    assert "2018-08 1,968" in row["evidence"]


def test_a_single_doctored_month_does_not_flip_the_verdict(doctored, baseline):
    doctored("contributions", scale("CHN", 0.5, months=["2018-09"]))
    changed, now = flipped(baseline)
    assert changed == []
    assert now.loc["personnel_about_2500", "latest"] == 1253
    assert now.loc["personnel_about_2500", "value"] == baseline.loc["personnel_about_2500", "value"]


def test_months_without_mission_detail_use_the_nearest_earlier_months_with_it():
    for as_of in ("2018-09", "2019-05"):
        row = claims.check(as_of, data_dir=COMMITTED).set_index("claim_id").loc["in_mali_and_south_sudan"]
        assert row["data_date"].startswith(
            "2017-02..2018-02 (median of 12 reports with mission detail; latest 2018-02)"
        ), row["data_date"]
        assert f"2018-03..{as_of} give country totals only" in row["data_date"]
        assert row["verdict"] == "supported" and row["value"] == 2
        assert "UN_country_contributions_2018_02.pdf" in row["source"]
        assert "UN_country_contributions_2018_09.pdf" not in row["source"]
    # once detail is back, the window skips the country-only months and says so
    row = claims.check("2019-09", data_dir=COMMITTED).set_index("claim_id").loc["in_mali_and_south_sudan"]
    assert "latest 2019-09" in row["data_date"] and "skipped, country totals only: 2018-03..2019-08" in row["data_date"]


@pytest.mark.parametrize("as_of", ["1950-01", "2040-01"])
def test_far_outside_the_data_every_claim_is_insufficient_and_says_why(as_of):
    out = claims.check(as_of, data_dir=COMMITTED).set_index("claim_id")
    assert (out["verdict"] == "insufficient_data").all(), out["verdict"].to_dict()
    assert out["value"].isna().all()
    assert out["evidence"].str.len().gt(20).all()
    if as_of == "2040-01":
        assert "close enough is at most 3 months" in out.loc["personnel_about_2500", "evidence"]
        assert "close enough is at most 24 months" in out.loc["in_mali_and_south_sudan", "evidence"]
        assert "same scale period" in out.loc["second_largest_funder", "evidence"]
        assert "not the whole window" in out.loc["recent_fatalities", "evidence"]


def test_rounded_partial_figures_are_pinned_by_the_regular_budget_bounds():
    """2025's peacekeeping rates are rounded figures from a partial table (US 26.15, China 23.78): alone they leave
    China's rank open (2..4); the bounds derived from the regular-budget scale for every other member pin it."""
    from pkdata.tables import finance

    rounded = finance.funding_rank(2025, basis="scale_rate_rounded", data_dir=COMMITTED).set_index("member_iso3")
    assert (rounded.loc["CHN", "rank_min"], rounded.loc["CHN", "rank_max"]) == (2, 4)
    row = claims.check("2025-07", data_dir=COMMITTED).set_index("claim_id").loc["second_largest_funder"]
    assert row["verdict"] == "supported" and row["data_date"] == "2025 (scale)"
    assert "China 23.780% (rank 2, scale_rate_rounded)" in row["evidence"]


def test_a_rank_left_open_is_insufficient(doctored, baseline):
    def open_rank(df: pd.DataFrame) -> pd.DataFrame:
        rows = (df["kind"] == "peacekeeping") & (df["year"] == 2018) & (df["member_iso3"] == "CHN")
        df.loc[rows & (df["measure"] == "scale"), "measure_rank_max"] = 3
        return df

    doctored("assessments", open_rank)
    changed, now = flipped(baseline)
    assert changed == ["second_largest_funder"]
    row = now.loc["second_largest_funder"]
    assert row["verdict"] == "insufficient_data" and "leaves China's rank open" in row["evidence"]


def test_as_of_must_be_a_month():
    with pytest.raises(claims.PkdataError, match="is a year"):
        claims.check("2018")
    with pytest.raises(claims.PkdataError, match="not a month"):
        claims.check("September")


# --------------------------------------------------------------------------- one fact changed


def test_china_halved_flips_only_the_headcount_claim(doctored, baseline):
    doctored("contributions", scale("CHN", 0.5))
    changed, now = flipped(baseline)
    assert changed == ["personnel_about_2500"]
    assert now.loc["personnel_about_2500", "verdict"] == "refuted"
    # still above every other permanent member, no longer "far more"; still in the top 20
    assert 1 < now.loc["more_than_other_p5", "value"] < claims.FAR_MORE
    assert "'far more' means >= 2: no" in now.loc["more_than_other_p5", "comparison"]
    assert now.loc["top_contributor_rank", "value"] > baseline.loc["top_contributor_rank", "value"]


def test_france_above_china_flips_only_the_p5_claim(doctored, baseline):
    doctored("contributions", scale("FRA", 5))
    changed, now = flipped(baseline)
    assert changed == ["more_than_other_p5"]
    assert now.loc["more_than_other_p5", "verdict"] == "refuted"
    assert now.loc["more_than_other_p5", "value"] < 1
    assert "next permanent member: France" in now.loc["more_than_other_p5", "comparison"]


def test_no_minusma_rows_flips_only_the_mission_claim(doctored, baseline):
    doctored("contributions", lambda df: df[df["mission"].astype("string").fillna("") != "MINUSMA"])
    changed, now = flipped(baseline)
    assert changed == ["in_mali_and_south_sudan"]
    assert now.loc["in_mali_and_south_sudan", "value"] == 1
    assert "MINUSMA (Mali): median 0" in now.loc["in_mali_and_south_sudan", "evidence"]


def _china_below_japan(df: pd.DataFrame) -> pd.DataFrame:
    year = (df["kind"] == "peacekeeping") & (df["year"] == 2018)
    japan = df.loc[year & (df["member_iso3"] == "JPN") & df["chosen"], "share_percent"].max()
    china = year & (df["member_iso3"] == "CHN")
    for col in ("share_percent", "share_low", "share_high"):
        df.loc[china, col] = japan - 0.5
    df.loc[china, "assessed_usd"] = df.loc[china, "assessed_usd"] * 0.9
    picked = year & (df["measure"] == "scale") & df["measure_pick"]
    df.loc[picked & (df["member_iso3"] == "CHN"), ["measure_rank", "measure_rank_min", "measure_rank_max"]] = 3
    df.loc[picked & (df["member_iso3"] == "JPN"), ["measure_rank", "measure_rank_min", "measure_rank_max"]] = 2
    return df


def test_china_below_japan_flips_only_the_funding_claim(doctored, baseline):
    doctored("assessments", _china_below_japan)
    changed, now = flipped(baseline)
    assert changed == ["second_largest_funder"]
    row = now.loc["second_largest_funder"]
    assert row["verdict"] == "refuted" and "China: rank 3" in row["evidence"]


def test_a_lower_regular_budget_rate_flips_only_the_budget_share_claim(doctored, baseline):
    def lower(df: pd.DataFrame) -> pd.DataFrame:
        rows = (df["kind"] == "regular") & df["year"].between(2016, 2018) & (df["member_iso3"] == "CHN")
        for col in ("share_percent", "share_low", "share_high"):
            df.loc[rows, col] = 5.0
        return df

    doctored("assessments", lower)
    changed, now = flipped(baseline)
    assert changed == ["rising_budget_share"]
    assert now.loc["rising_budget_share", "verdict"] == "refuted"


def test_without_the_2016_attacks_no_chinese_peacekeeper_was_killed_in_the_window(doctored, baseline):
    def drop(df: pd.DataFrame) -> pd.DataFrame:
        return df[
            ~(
                (df["nationality_iso3"] == "CHN")
                & (df["incident_type"] == "malicious_act")
                & (df["date"].dt.year == 2016)
            )
        ]

    doctored("fatalities", drop)
    changed, now = flipped(baseline)
    assert changed == ["recent_fatalities"]
    assert now.loc["recent_fatalities", "verdict"] == "refuted" and now.loc["recent_fatalities", "value"] == 0


@pytest.mark.parametrize(
    "table, affected",
    [
        ("assessments", ["second_largest_funder", "rising_budget_share"]),
        ("fatalities", ["recent_fatalities", "active_combat_zones"]),
    ],
)
def test_a_missing_table_gives_insufficient_data_with_the_reason(doctored, baseline, table, affected):
    doctored(table, lambda df: None)
    changed, now = flipped(baseline)
    assert changed == affected
    for claim in affected:
        assert now.loc[claim, "verdict"] == "insufficient_data"
        assert f"table '{table}' is not in the processed folder" in now.loc[claim, "evidence"]
        assert pd.isna(now.loc[claim, "value"])


# --------------------------------------------------------------------------- timeline


def test_timeline_gives_one_row_per_year_or_month_with_verdict_and_value():
    t = claims.timeline("second_largest_funder", data_dir=COMMITTED)
    assert list(t.columns) == ["period", "date", "value", "latest", "verdict", "comparison", "data_date"]
    assert t.attrs["frequency"] == "year" and t.attrs["unit"] == "percent"
    assert t["period"].iloc[0] == "2006" and pd.api.types.is_datetime64_any_dtype(t["date"])
    by_year = t.set_index("period")
    # On the scale the General Assembly set: China 6th in 2013-2015 (Kyodo, Dec 2015: "currently ranks sixth"),
    # second from the 2016-2018 scale on (10.29 against Japan 9.68).
    assert by_year.loc["2018", "verdict"] == "supported" and by_year.loc["2016", "verdict"] == "supported"
    assert set(by_year.loc[["2013", "2014", "2015"], "verdict"]) == {"refuted"}
    assert by_year.loc["2018", "value"] == pytest.approx(
        claims.check("2018-09", data_dir=COMMITTED).set_index("claim_id").loc["second_largest_funder", "value"]
    )
    runs = t.attrs["runs"]
    assert sum(r["periods"] for r in runs) == len(t)
    supported = [r for r in runs if r["verdict"] == "supported"]
    assert len(supported) == 1 and supported[0]["first"] == "2016" and supported[0]["last"] == t["period"].iloc[-1]

    m = claims.timeline("personnel_about_2500", data_dir=COMMITTED).set_index("period")
    assert m.loc["2018-08", "latest"] == 1968 and m.loc["2018-08", "verdict"] == "supported"
    assert set(m["verdict"]) <= set(claims.VERDICTS)
    with pytest.raises(claims.PkdataError, match="unknown claim"):
        claims.timeline("china_is_big")


# --------------------------------------------------------------------------- command line and API


def test_cli_prints_every_claim_in_each_format(capsys):
    assert main(["claims", "--as-of", "2018-09", "--data", str(COMMITTED)]) == 0
    table = capsys.readouterr().out
    assert "checked as of 2018-09" in table
    for claim in SEVEN:
        assert f"{claim}: SUPPORTED" in table
    assert table.count("evidence:") == 8

    assert main(["claims", "--as-of", "2018-09", "--format", "csv", "--data", str(COMMITTED)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["claim_id"] for r in rows] == ALL and list(rows[0]) == list(claims.COLUMNS)
    assert float(rows[0]["value"]) == 2518.5

    assert main(["claims", "--as-of", "2018-09", "--format", "json", "--data", str(COMMITTED)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_of"] == "2018-09" and [c["verdict"] for c in doc["claims"]][:7] == ["supported"] * 7

    assert main(["claims", "--as-of", "2018"]) == 1
    assert "is a year" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["claims", "--format", "xml"])


def test_pkdata_claims_resolves_lazily_without_slowing_import_pkdata():
    code = (
        "import sys, pkdata; assert 'pkdata.analysis.claims' not in sys.modules and 'pandas' not in sys.modules; "
        "print(pkdata.claims.__name__, callable(pkdata.claims.check), 'claims' in dir(pkdata))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["pkdata.analysis.claims", "True", "True"]


# --------------------------------------------------------------------------- the package's parts


def _imports(module: Path) -> set[str]:
    """The modules ``module`` imports (absolute names), and every name it imports from them."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_claims_read_the_tables_only_through_the_tables_layer_and_render_without_the_rules():
    """The data layer and the rendering stay usable when the hand-written rules give way to claim files."""
    package = paths.PACKAGE_DIR / "analysis" / "claims"
    modules = sorted(package.rglob("*.py"))
    assert len(modules) >= 10
    for module in modules:
        assert not {"pkdata.core.store", "pkdata.core.store.table"} & _imports(module), module
    for part in ("data.py", "monthly.py", "render.py", "model.py", "windows.py", "combat.py"):
        assert not any(name.startswith("pkdata.analysis.claims.rules") for name in _imports(package / part)), part
    # a data_dir that is not a folder is refused with a one-line error before any table is read
    with pytest.raises(claims.PkdataError, match="expected a folder path"):
        claims.check("2018-09", data_dir=2018)

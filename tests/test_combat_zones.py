"""The eighth claim, active_combat_zones: its measure recomputed another way, and flipped on doctored data."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pkdata.analysis import claims
from pkdata.cli import main
from pkdata.core import paths

from .helpers import replace_table

COMMITTED = paths.REPO_DIR / "data" / "processed"


def test_every_active_mission_has_its_rate_and_rank_in_the_evidence():
    row = claims.check("2018-09", data_dir=COMMITTED).set_index("claim_id").loc["active_combat_zones"]
    rates = claims.combat_rates("2018-09", data_dir=COMMITTED)
    assert len(rates) >= 10
    for r in rates.itertuples():
        assert f"#{r.rank} {r.mission}" in row["evidence"] and f"{r.rate:.2f}" in row["evidence"]
    assert row["verdict"] in claims.VERDICTS and row["value"] in (0.0, 1.0, 2.0)


def test_minusma_rate_recomputed_from_the_tables():
    """Deaths counted and strength averaged directly with pandas, not through the claim's code."""
    fat = pd.read_parquet(COMMITTED / "fatalities.parquet")
    con = pd.read_parquet(COMMITTED / "contributions.parquet")
    lo, hi = pd.Timestamp("2015-10-01"), pd.Timestamp("2018-09-30")
    dead = fat[
        (fat["mission"] == "MINUSMA")
        & (fat["incident_type"] == "malicious_act")
        & fat["personnel_type"].isin(["military", "police", "experts_on_mission"])
        & fat["date"].between(lo, hi)
    ]
    detail = con[con["mission"].notna() & con["date"].between(lo, hi)]
    months = detail["date"].nunique()
    strength = detail.loc[detail["mission"] == "MINUSMA", "total"].sum() / months
    expected = 1000 * len(dead) / (strength * 3)
    got = claims.combat_rates("2018-09", data_dir=COMMITTED).set_index("mission").loc["MINUSMA"]
    assert got["deaths"] == len(dead) and got["rate"] == pytest.approx(expected)
    assert got["rank"] == 1  # MINUSMA, the deadliest operation of those years


def _doctored(tmp_path, monkeypatch, change):
    out = tmp_path / "processed"
    shutil.copytree(COMMITTED, out)
    f = pd.read_parquet(COMMITTED / "fatalities.parquet")
    replace_table(out, "fatalities", change(f))
    monkeypatch.setenv("PKDATA_DATA", str(out))
    return out


def test_more_deaths_in_unmiss_flips_the_verdict(tmp_path, monkeypatch):
    base = claims.check("2018-09", data_dir=COMMITTED).set_index("claim_id")
    assert base.loc["active_combat_zones", "verdict"] == "refuted"  # UNMISS below the pooled rate (docs/claims.md)

    def more(f: pd.DataFrame) -> pd.DataFrame:
        hit = f[
            (f["mission"] == "UNMISS")
            & (f["incident_type"] == "malicious_act")
            & f["date"].between("2015-10-01", "2018-09-30")
        ]
        copies = [hit.assign(casualty_id=hit["casualty_id"].astype(str) + f"-copy{i}") for i in range(12)]
        return pd.concat([f, *copies], ignore_index=True)

    _doctored(tmp_path, monkeypatch, more)
    now = claims.check("2018-09").set_index("claim_id")
    assert now.loc["active_combat_zones", "verdict"] == "supported" and now.loc["active_combat_zones", "value"] == 2
    changed = [c for c in claims.CLAIMS if now.loc[c, "verdict"] != base.loc[c, "verdict"]]
    assert changed == ["active_combat_zones"]


def test_a_fatalities_file_ending_early_cannot_refute(tmp_path, monkeypatch):
    _doctored(tmp_path, monkeypatch, lambda f: f[f["date"] < "2017-01-01"])
    import json

    m = json.loads((tmp_path / "processed" / "manifest.json").read_text())
    for s in m["sources"]:
        if s.get("table") == "fatalities" and "last_update" in s:
            s["last_update"] = "2016-12-31"
    (tmp_path / "processed" / "manifest.json").write_text(json.dumps(m))
    now = claims.check("2018-09").set_index("claim_id").loc["active_combat_zones"]
    assert now["verdict"] == "insufficient_data" and "close enough to refute" in now["evidence"]


def test_cli_lists_eight_claims(capsys):
    assert main(["claims", "--as-of", "2018-09", "--data", str(COMMITTED)]) == 0
    out = capsys.readouterr().out
    assert out.count("evidence:") == 8 and "active_combat_zones: " in out

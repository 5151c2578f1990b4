"""Missions: the UN mission list with its curated corrections, active missions, host countries, risk()."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import pkdata
from pkdata.builder import StepResult, build
from pkdata.builder.readers import un_missions
from pkdata.builder.steps.missions import check_contributions, step_missions
from pkdata.core import paths
from pkdata.core.errors import ParseError, PkdataError

from .helpers import folder_digest, raw_with_reports

STEPS = ["pkdata.builder.steps.un_pdfs:step_un_pdfs", "pkdata.builder.steps.missions:step_missions"]
CURATED = paths.REPO_DIR / "data" / "raw" / "curated"
MONTHS_2016 = [f"2016_{m:02d}" for m in range(1, 13)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, un_pdf):
    """A processed folder built from the twelve 2016 reports plus the mission and fatality files."""
    root = tmp_path_factory.mktemp("missions")
    raw = raw_with_reports(root, un_pdf, MONTHS_2016)
    manifest = build(raw=raw, out=root / "out", steps=STEPS, workers=2)
    return root / "out", manifest


@pytest.fixture
def data(built, monkeypatch):
    monkeypatch.setenv("PKDATA_DATA", str(built[0]))
    return built[0]


# --------------------------------------------------------------------------- the mission table


def test_mission_table_corrects_the_un_file_through_the_override_table(data):
    m = pkdata.missions().set_index("acronym")
    added = pd.read_csv(paths.REPO_DIR / "data" / "raw" / "curated" / "missions_added.csv")
    assert len(added) >= 15 and not set(added["acronym"]) & set(m.index[m["source"] == "DPPADPOSS-PKO.csv"])
    assert len(m) == 81 + len(added)  # the UN file's 81 rows + the curated missions it lacks
    assert {"BINUH", "UNSOM", "UNMIN", "BNUB"} <= set(m.index[m["source"] == "missions_added.csv"])
    # MINUSMA: still "Yes" with no end date in the UN file; closed on 30 June 2023 (S/RES/2690)
    assert m.loc["MINUSMA", "status"] == "closed"
    assert m.loc["MINUSMA", "end"] == pd.Timestamp("2023-06-30")
    assert m.loc["MINUSMA", "corrections"] == "end;hq_lat;hq_lon;status"
    assert m.loc["MINUJUSTH", "end"] == pd.Timestamp("2019-10-15")
    # swapped coordinates put back: Bamako, Mogadishu, Luanda, Gaza, Athens
    assert (m.loc["MINUSMA", "hq_lon"], m.loc["MINUSMA", "hq_lat"]) == (-8.0, 12.65)
    for a in ("UNOSOM", "UNOSOM I", "UNOSOM II"):
        assert (m.loc[a, "hq_lon"], m.loc[a, "hq_lat"]) == (45.35, 2.0333)
    assert (m.loc["UNAVEM I", "hq_lon"], m.loc["UNAVEM I", "hq_lat"]) == (13.2344, -8.8383)
    assert (m.loc["UNEF", "hq_lon"], m.loc["UNEF", "hq_lat"]) == (34.4667, 31.5)
    assert (m.loc["UNSCOB", "hq_lon"], m.loc["UNSCOB", "hq_lat"]) == (23.7668, 37.9669)
    # decimal commas read; MINUSTAH's "NO" read as closed
    assert (m.loc["UNFICYP", "hq_lon"], m.loc["UNFICYP", "hq_lat"]) == (33.3667, 35.1667)
    assert m.loc["MINUSTAH", "status"] == "closed" and pd.isna(m.loc["MINUSTAH", "corrections"])
    assert m.loc["DOMREP", "name"].endswith("in the Dominican Republic")
    # combined and duplicate rows are marked, with what they stand for
    assert m.loc["UNOSOM", "kind"] == "aggregate" and m.loc["UNOSOM", "covers"] == "UNOSOM I;UNOSOM II"
    assert m.loc["UNCPSG", "kind"] == "duplicate" and m.loc["UNCPSG", "covers"] == "UNPSG"
    # host countries: ISO3, primary first; non-ISO crosswalk codes replaced
    assert m.loc["UNDOF", "hosts_iso3"] == "SYR;ISR;LBN" and m.loc["UNDOF", "host_iso3"] == "SYR"
    assert m.loc["UNYOM", "host_iso3"] == "YEM" and m.loc["UNMIK", "hosts_iso3"] == "SRB;XKX"
    assert m.loc["MINURSO", "host_iso3"] == "ESH"
    assert (m.loc["UNMISS", "region"], m.loc["UNMISS", "subregion"]) == ("Africa", "Eastern Africa")
    assert m.loc["UNTAG", "source"] == "missions_added.csv" and m.loc["UNTAG", "host_iso3"] == "NAM"
    assert m["host_iso3"].notna().all() and m["region"].notna().all()


def test_every_curated_row_has_a_reason_and_a_source():
    for name in ("mission_overrides.csv", "missions_added.csv"):
        df = pd.read_csv(CURATED / name, dtype=str, keep_default_na=False)
        assert (df["reason"] != "").all() and (df["source"] != "").all(), name
    regions = pd.read_csv(CURATED / "m49_regions.csv", dtype=str, keep_default_na=False)
    assert (regions["source"] != "").all()


def test_missions_active_on_30_june_2019(data):
    pko = set(pkdata.missions("2019-06-30", kind="pko")["acronym"])
    assert pko == {
        "MINUJUSTH",
        "MINURSO",
        "MINUSCA",
        "MINUSMA",
        "MONUSCO",
        "UNAMID",
        "UNDOF",
        "UNFICYP",
        "UNIFIL",
        "UNISFA",
        "UNMIK",
        "UNMISS",
        "UNMOGIP",
        "UNTSO",
    }  # the UN's 14 PKOs of 2019
    everything = set(pkdata.missions("2019-06-30")["acronym"])
    assert everything - pko == {"UNAMA", "UNAMI", "UNIOGBIS", "UNMHA", "UNOWAS", "UNSMIL", "UNSOM", "UNSOS", "UNVMC"}
    # aggregates never count: on 1 June 1993 UNOSOM II is active, the UNOSOM (I & II) row is not listed
    on = set(pkdata.missions("1993-06-01")["acronym"])
    assert "UNOSOM II" in on and "UNOSOM" not in on
    # after its mandate ended, MINUSMA is no longer active; BINUH starts on 16 Oct 2019
    assert "MINUSMA" not in set(pkdata.missions("2023-07-01")["acronym"])
    assert "BINUH" in set(pkdata.missions("2019-10-16")["acronym"])
    assert "BINUH" not in set(pkdata.missions("2019-10-15")["acronym"])


def test_missions_query_rejects_bad_arguments(data):
    with pytest.raises(PkdataError, match="not a date"):
        pkdata.missions("last summer")
    with pytest.raises(PkdataError, match="kind="):
        pkdata.missions(kind="navy")


# --------------------------------------------------------------------------- contributions resolve


def test_every_mission_in_the_contributions_table_resolves_to_a_host(data):
    contributions = pkdata.contributions()
    used = set(contributions["mission"].dropna())
    assert {"MINUSMA", "UNMISS", "UNAMA", "UNSOM", "UNMC", "UNSOS"} <= used
    m = pkdata.missions().set_index("acronym")
    assert used <= set(m.index)
    assert m.loc[sorted(used), "host_iso3"].str.fullmatch(r"[A-Z]{3}").all()


@pytest.fixture(scope="module")
def mission_table(tmp_path_factory, fixtures) -> pd.DataFrame:
    """missions.parquet from a build of the mission step alone, on the committed mission files."""
    root = tmp_path_factory.mktemp("missions-only")
    build(raw=root / "no-raw", out=root / "out", reference=fixtures, steps=[step_missions])
    return pd.read_parquet(root / "out" / "missions.parquet")


@pytest.mark.parametrize(
    "month", ["2015_06", "2017_06", "2019_09", "2019_12", "2020_12", "2021_06", "2024_10", "2024_11", "2025_07"]
)
def test_missions_of_reports_from_every_period_resolve(month, un_pdf, mission_table):
    """One report per layout and period (SPMs come and go): every acronym it prints is in the mission table."""
    from pkdata.builder.readers.un_pdf import parse_report, to_frame

    frame = to_frame(parse_report(un_pdf(month)))
    check_contributions(mission_table, frame)
    hosts = mission_table.set_index("acronym").loc[sorted(set(frame["mission"].dropna())), "host_iso3"]
    assert hosts.str.fullmatch(r"[A-Z]{3}").all()


def test_every_mission_of_the_committed_contributions_resolves(mission_table):
    """All months at once: the committed data/processed contributions (every report 2015-2025)."""
    committed = pd.read_parquet(paths.REPO_DIR / "data" / "processed" / "contributions.parquet")
    check_contributions(mission_table, committed)
    used = sorted(set(committed["mission"].dropna().astype(str)))
    assert len(used) >= 30 and {"UNMC", "UNIOGBIS", "UNITAMS", "UNTMIS", "BINUH", "UNMHA"} <= set(used)
    m = mission_table.set_index("acronym").loc[used]
    assert m["host_iso3"].str.fullmatch(r"[A-Z]{3}").all() and m["region"].notna().all()


def test_an_unknown_mission_in_the_contributions_table_fails_the_build(tmp_path, built):
    real = pd.read_parquet(built[0] / "contributions.parquet")

    def contributions_with_unknown_mission(ctx):
        df = real[real["date"] == "2016-06-30"].copy()
        df["mission"] = df["mission"].astype("string").replace({"UNMISS": "UNMXS"})
        return StepResult({"contributions": df})

    with pytest.raises(PkdataError) as err:
        build(raw=tmp_path / "raw", out=tmp_path / "out", steps=[contributions_with_unknown_mission, step_missions])
    assert "'UNMXS' (2016-06 .. 2016-06, e.g. UN_country_contributions_2016_06.pdf)" in str(err.value)
    assert "missions_added.csv" in str(err.value)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- bad input


def _raw_with_mission_file(tmp_path, fixtures, edit) -> tuple:
    src = fixtures / "missions" / "DPPADPOSS-PKO.csv"
    raw = tmp_path / "raw"
    (raw / "missions").mkdir(parents=True)
    shutil.copy(fixtures / "missions" / "unpko_country_crosswalk.csv", raw / "missions")
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = edit(lines)
    (raw / "missions" / "DPPADPOSS-PKO.csv").write_text("".join(lines), encoding="utf-8")
    return raw


def test_unparseable_mission_date_names_file_and_row(tmp_path, fixtures):
    def bad_date(lines):
        (i,) = [i for i, line in enumerate(lines) if line.startswith("69,MINUSMA,")]
        assert i + 1 == 67  # the file's row 67 (row 1 is the header)
        lines[i] = lines[i].replace("2013-04-25", "25.04.2013")
        return lines

    raw = _raw_with_mission_file(tmp_path, fixtures, bad_date)
    with pytest.raises(ParseError) as err:
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])
    assert str(err.value) == ("DPPADPOSS-PKO.csv, row 67: start_date '25.04.2013' is not a date; expected YYYY-MM-DD")


def test_bad_coordinate_and_status_name_file_and_row(tmp_path, fixtures):
    src = fixtures / "missions" / "DPPADPOSS-PKO.csv"
    text = src.read_text(encoding="utf-8")
    bad = tmp_path / "DPPADPOSS-PKO.csv"
    bad.write_text(text.replace('"33,3667","35,1667"', '"33,3667","N35"'), encoding="utf-8")
    with pytest.raises(ParseError, match=r"DPPADPOSS-PKO.csv, row \d+: mission_latitude 'N35' is not a number"):
        un_missions.read_pko(bad)
    bad.write_text(
        text.replace(
            "UNFICYP,United Nations Peacekeeping Force in Cyprus,DPO,Yes",
            "UNFICYP,United Nations Peacekeeping Force in Cyprus,DPO,Maybe",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match=r"row \d+: mission_isactive 'Maybe': expected Yes or No"):
        un_missions.read_pko(bad)


def test_a_swap_the_overrides_miss_is_caught(tmp_path, fixtures):
    """Drop the UNOSOM I correction: two Mogadishu points disagree, and the build says so."""
    raw = tmp_path / "raw"
    (raw / "curated").mkdir(parents=True)
    rows = (CURATED / "mission_overrides.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (raw / "curated" / "mission_overrides.csv").write_text(
        "".join(r for r in rows if not r.startswith("UNOSOM I,")), encoding="utf-8"
    )
    with pytest.raises(PkdataError, match=r"HQ 'Mogadishu' has different coordinates: \['UNOSOM I'\]"):
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])


def test_an_override_of_an_unknown_mission_or_field_is_an_error(tmp_path, fixtures):
    raw = tmp_path / "raw"
    (raw / "curated").mkdir(parents=True)
    text = (CURATED / "mission_overrides.csv").read_text(encoding="utf-8")
    (raw / "curated" / "mission_overrides.csv").write_text(text + "UNXYZ,end,2020-01-01,because,somewhere\n")
    with pytest.raises(ParseError, match=r"mission_overrides.csv, row \d+: no mission 'UNXYZ'"):
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])
    (raw / "curated" / "mission_overrides.csv").write_text(text + "UNMISS,colour,blue,because,somewhere\n")
    with pytest.raises(ParseError, match=r"field 'colour': expected one of"):
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])
    (raw / "curated" / "mission_overrides.csv").write_text(text + "UNMISS,end,2020-01-01,,\n")
    with pytest.raises(ParseError, match="empty reason, source"):
        build(raw=raw, out=tmp_path / "out", reference=fixtures, steps=[step_missions])


def test_failed_build_leaves_a_good_build_byte_identical(tmp_path, fixtures):
    out = tmp_path / "out"
    build(raw=tmp_path / "no-raw", out=out, reference=fixtures, steps=[step_missions])
    before = folder_digest(out)
    assert {"missions.parquet", "fatalities.parquet", "manifest.json"} <= set(before)

    def bad_date(lines):
        assert lines[6].startswith("14,UNOSOM II,")
        lines[6] = lines[6].replace("1993-03-01", "1993-03-xx")
        return lines

    raw = _raw_with_mission_file(tmp_path, fixtures, bad_date)
    with pytest.raises(ParseError, match=r"DPPADPOSS-PKO.csv, row 7: start_date '1993-03-xx'"):
        build(raw=raw, out=out, reference=fixtures, steps=[step_missions])
    assert folder_digest(out) == before


def test_build_is_deterministic_and_lists_every_input(tmp_path, fixtures):
    m1 = build(raw=tmp_path / "no-raw", out=tmp_path / "a", reference=fixtures, steps=[step_missions])
    build(raw=tmp_path / "no-raw", out=tmp_path / "b", reference=fixtures, steps=[step_missions])
    assert folder_digest(tmp_path / "a") == folder_digest(tmp_path / "b")
    names = {(s["table"], s["name"]): s for s in m1["sources"]}
    assert names[("missions", "DPPADPOSS-PKO.csv")]["rows"] == 81
    added = pd.read_csv(paths.REPO_DIR / "data" / "raw" / "curated" / "missions_added.csv")
    assert names[("missions", "missions_added.csv")]["rows"] == len(added)
    assert names[("missions", "mission_overrides.csv")]["overrides"] == 48
    assert names[("missions", "DPPADPOSS-PKO.csv")]["last_update"] == "2024-02-19"
    assert {n for t, n in names if t == "missions"} == {
        "DPPADPOSS-PKO.csv",
        "unpko_country_crosswalk.csv",
        "mission_overrides.csv",
        "missions_added.csv",
        "m49_regions.csv",
    }
    assert m1["tables"]["missions"]["rows"] == 81 + len(added)


# --------------------------------------------------------------------------- risk


def test_risk_china_2016_deaths_per_1000_personnel_years(data):
    r = pkdata.risk("CHN", 2016).set_index("mission")
    # 2016: eleven months with mission detail (the "2016_03" file is the April report again)
    assert set(r["months"]) == {11}
    assert r.loc["MINUSMA", "deaths"] == 1 and r.loc["UNMISS", "deaths"] == 2
    assert r["deaths"].sum() == 3
    # China's strength read from the eleven reports: MINUSMA 4,395 person-months, UNMISS 11,697
    assert r.loc["MINUSMA", "personnel_years"] == pytest.approx(4395 / 11)
    assert r.loc["UNMISS", "personnel_years"] == pytest.approx(11697 / 11)
    assert r.loc["MINUSMA", "deaths_per_1000"] == pytest.approx(1000 * 11 / 4395)  # 2.50
    assert r.loc["UNMISS", "deaths_per_1000"] == pytest.approx(2000 * 11 / 11697)  # 1.88
    assert r.loc["UNIFIL", "deaths_per_1000"] == 0.0
    contributions = pkdata.contributions()
    chn = contributions[(contributions["contributor_iso3"] == "CHN") & (contributions["mission"] == "UNMISS")]
    assert chn["total"].sum() == 11697


def test_risk_errors(data):
    with pytest.raises(PkdataError, match="no contributions by mission for 2019"):
        pkdata.risk("CHN", 2019)
    with pytest.raises(PkdataError, match="no contributions or fatalities for 'XXX'"):
        pkdata.risk("XXX", 2016)

"""Any country's charts and brief, women in peacekeeping, the map: real data, expectations from the sources."""

from __future__ import annotations

import hashlib

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from pkdata.cli import main  # noqa: E402
from pkdata.core import paths
from pkdata.core.errors import PkdataError  # noqa: E402
from pkdata.outputs import charts, maps  # noqa: E402
from pkdata.tables import gender


@pytest.mark.parametrize("iso3", ["IND", "FRA"])
def test_pkdata_brief_writes_a_png_and_a_pdf(tmp_path, capsys, iso3, request):
    if iso3 == "IND":  # the test run's one `pkdata brief IND` (tests/test_fetch_faults.py starts from it too)
        out, code, err = request.getfixturevalue("ind_brief")
        assert code == 0, err
    else:
        out = tmp_path
        assert main(["brief", iso3, "--out", str(out)]) == 0
    png, pdf = out / f"{iso3}_brief.png", out / f"{iso3}_brief.pdf"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and pdf.read_bytes()[:5] == b"%PDF-"
    from matplotlib.image import imread

    h, w = imread(png).shape[:2]
    assert h / w == pytest.approx(11.69 / 8.27, rel=0.01)  # A4 portrait


def test_brief_of_an_unknown_code_is_a_clear_error(tmp_path, capsys):
    assert main(["brief", "ZZZ", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "'ZZZ'" in err and "Traceback" not in err


def test_brief_headline_numbers_match_the_snapshot():
    import pkdata
    from pkdata.outputs.brief import brief

    snap = pkdata.snapshot("2025-07").set_index("contributor_iso3")
    text = brief("NPL").texts[1].get_text().replace("\n", " ")
    assert (
        f"July 2025: {int(snap.loc['NPL', 'total']):,} uniformed personnel, #{int(snap.loc['NPL', 'rank'])} of" in text
    )


def test_old_names_are_the_china_charts():
    assert charts.china_by_type().texts[0].get_text() == charts.by_type("CHN").texts[0].get_text()
    assert charts.china_by_mission().texts[1].get_text() == charts.by_mission("CHN").texts[1].get_text()
    assert charts.by_type("usa").texts[0].get_text().startswith("The United States' uniformed personnel")


def test_peers_are_the_p5_or_the_subregion():
    assert charts.peer_group("GBR")[1] == ["CHN", "FRA", "GBR", "RUS", "USA"]
    name, group = charts.peer_group("NPL")
    assert name.endswith("Southern Asia") and "NPL" in group and {"IND", "BGD", "PAK"} <= set(group)


def test_rank_matches_the_snapshot():
    import pkdata

    snap = pkdata.snapshot("2019-06").set_index("contributor_iso3")
    r = charts.contributor_rank("IND").loc["2019-06-30"]
    assert int(r["rank"]) == int(snap.loc["IND", "rank"]) and int(r["contributors"]) == len(snap)


def test_women_share_matches_the_uns_published_figures():
    """DPO, 'Acknowledging Uniformed Gender Parity Target Achievers': in April 2021 women were 17.6 per cent of
    individual military officers and 5.3 per cent of troops. UN (un.org/tr/node/235367): 10.1 per cent of
    uniformed personnel in June 2025 (that figure also counts justice and corrections officers)."""
    s = gender.women_share()
    assert s.loc["2021-04-30", "staff_officers_and_experts"] == pytest.approx(17.6, abs=0.3)
    assert s.loc["2021-04-30", "troops"] == pytest.approx(5.3, abs=0.2)
    assert s.loc["2025-06-30", "all"] == pytest.approx(10.1, abs=0.5)


def test_august_2020_is_a_gap_not_a_spike():
    s = gender.women_share()
    assert "2020-08" in s.attrs["excluded"]
    assert s.loc["2020-08-31"].isna().all()
    around = s.loc["2020-05-31":"2020-11-30", "troops"].dropna()
    assert len(around) >= 4 and around.max() < 7  # no month near it above 7 % women among troops
    fig = charts.women_share()
    ax = fig.axes[0]
    for line in ax.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) > 100:
            ys = pd.Series(y, index=pd.DatetimeIndex(x))
            assert pd.isna(ys.loc["2020-08-31"])


def test_targets_name_their_document_and_the_chart_names_it():
    t = gender.targets()
    assert (t["document_title"].str.len() > 0).all() and (t["url"].str.startswith("http")).all()
    assert set(t.loc[t["year"] == 2028, "target_percent"]) == {15.0, 20.0, 25.0, 30.0}
    source = charts.women_share("CHN").texts[2].get_text().replace("\n", " ")
    assert "Uniformed Gender Parity Strategy 2018-2028" in source


def test_targets_build_step_names_the_bad_line(tmp_path):
    from pkdata.builder.steps.targets import read_targets

    good = (paths.curated_dir() / "gender_targets.csv").read_text().splitlines()
    bad = good[:2] + [good[2].replace(",8,", ",800,", 1)] + good[3:]
    (tmp_path / "t.csv").write_text("\n".join(bad) + "\n")
    with pytest.raises(PkdataError, match="line 3: target_percent '800'"):
        read_targets(tmp_path / "t.csv")


def test_map_draws_a_bubble_for_each_mission_with_headquarters():
    import pkdata

    fig = charts.deployment_map("CHN", "2018-02")
    c = pkdata.contributions()
    rows = c[(c["date"] == "2018-02-28") & (c["contributor_iso3"] == "CHN") & c["mission"].notna()]
    missions = pkdata.missions().set_index("acronym")
    with_hq = {m for m in rows["mission"].astype(str).unique() if pd.notna(missions.loc[m, "hq_lon"])}
    from matplotlib.collections import PathCollection

    # scatter bubbles, one per mission (the land is one PolyCollection under them)
    bubbles = [col for col in fig.axes[0].collections if isinstance(col, PathCollection)]
    assert len(bubbles) == len(with_hq) > 0 and all(len(col.get_offsets()) == 1 for col in bubbles)
    labels = {t.get_text().split()[0] for t in fig.axes[0].texts}
    assert with_hq <= labels


def test_world_outline_is_the_file_the_sources_note_names():
    note = (paths.PACKAGE_DIR / "data" / "SOURCES.md").read_text()
    digest = hashlib.sha256(maps.WORLD_FILE.read_bytes()).hexdigest()
    assert digest in note and "public domain" in note and maps.WORLD_FILE.stat().st_size < 300_000
    # Nepal lies between about 80 and 88.2 degrees east
    lons = [x for ring in maps.outline()["NPL"] for x, _ in ring]
    assert 79.5 < min(lons) < 81 and 87.5 < max(lons) < 88.5

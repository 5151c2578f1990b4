"""Every chart draws on the embedded data and on a small dataset, in the shared style, without overlaps."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from pkdata.builder import build  # noqa: E402
from pkdata.core import store
from pkdata.outputs import charts  # noqa: E402

from .helpers import raw_with_reports  # noqa: E402

ALL = {
    "china_by_type": {},
    "p5_over_time": {},
    "china_by_mission": {},
    "top_contributors": {"month": "2016-06", "n": 15},
    "global_by_type": {},
    "funding_shares": {},
    "pays_vs_serves": {"year": 2016},
    "claims_timeline": {"claim_id": "more_than_other_p5"},
}


def _check_style(fig):
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] and texts[1], "title and subtitle"
    assert texts[2].startswith("Source: ") and "pkdata" in texts[2]
    ax = fig.axes[0]
    assert ax.get_ylabel() or ax.get_xlabel(), "axis label with unit"
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox
    for artist in [ax, *fig.texts]:
        bb = artist.get_tightbbox(renderer) if artist is ax else artist.get_window_extent(renderer)
        assert bb.x0 >= inside.x0 - 1 and bb.x1 <= inside.x1 + 1, f"{artist} leaves the figure"
    # the source line sits below everything the axes draw
    src = fig.texts[2].get_window_extent(renderer)
    assert ax.get_tightbbox(renderer).y0 >= src.y1 - 1
    assert charts.legend_overlaps(ax) == 0, "the legend covers data or a note"
    plt.close(fig)


def test_the_legend_check_sees_a_legend_over_data():
    fig = charts.p5_over_time()
    ax = fig.axes[0]
    assert charts.legend_overlaps(ax) == 0
    ax.legend(loc="upper left")  # over the French and British peaks of 1993-95
    assert charts.legend_overlaps(ax) > 0
    plt.close(fig)


@pytest.mark.parametrize("name", sorted(ALL))
def test_chart_on_the_embedded_data(name):
    _check_style(getattr(charts, name)(**ALL[name]))


@pytest.fixture(scope="module")
def small(tmp_path_factory, un_pdf):
    root = tmp_path_factory.mktemp("small-charts")
    raw = raw_with_reports(root, un_pdf, ["2015_12", "2016_06", "2016_07", "2016_12"])
    build(
        raw=raw,
        out=root / "out",
        steps=[
            "pkdata.builder.steps.un_pdfs:step_un_pdfs",
            "pkdata.builder.steps.missions:step_missions",
            "pkdata.builder.steps.funding:step_finance",
        ],
    )
    return root / "out"


@pytest.mark.parametrize("name", sorted(ALL))
def test_chart_on_a_small_dataset(name, small, monkeypatch):
    monkeypatch.setenv("PKDATA_DATA", str(small))
    fig = getattr(charts, name)(**ALL[name])
    src = fig.texts[2].get_text()
    if name not in ("funding_shares", "pays_vs_serves", "claims_timeline"):
        assert "Dec 2015" in src or "Jun 2016" in src, src  # the small data's months, not the embedded ones
    _check_style(fig)


def test_china_by_type_marks_first_deployment_report_date_and_2016_deaths():
    fig = charts.china_by_type()
    texts = " | ".join(t.get_text() for t in fig.axes[0].texts)
    assert "First month in the data\nNov 1990: 5" in texts
    assert "Report published" in texts
    assert "3 killed in 2016: MINUSMA (1), UNMISS (2)" in texts
    plt.close(fig)


def test_top_contributors_highlights_china():
    fig = charts.top_contributors("2018-09", n=20)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    china = ax.patches[labels.index("China")]
    assert matplotlib.colors.to_hex(china.get_facecolor()).upper() == charts.CHINA
    others = {
        matplotlib.colors.to_hex(p.get_facecolor()).upper() for i, p in enumerate(ax.patches) if labels[i] != "China"
    }
    assert charts.CHINA not in others
    plt.close(fig)


def test_scatter_labels_do_not_overlap():
    fig = charts.pays_vs_serves(2019)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in fig.axes[0].texts if t.get_text() != "pays and serves equally"]
    assert len(boxes) >= 15
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two labels overlap"
    plt.close(fig)


def test_first_deployment_is_the_first_month_with_chinese_personnel():
    """Computed from the data: where the data start before China's first personnel, the label says so."""
    df = store.table("contributions")
    later = df[(df["contributor_iso3"] != "CHN") | (df["date"] >= "2000-01-01")]
    fig = charts.china_by_type(data=later)
    first = later.loc[later["contributor_iso3"] == "CHN", "date"].min()
    total = int(later.loc[(later["contributor_iso3"] == "CHN") & (later["date"] == first), "total"].sum())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"First deployment\n{first:%b %Y}: {total:,}" in texts
    _check_style(fig)


def test_china_by_type_without_a_fatalities_table_has_no_fatalities_note(tmp_path, monkeypatch):
    import shutil

    from pkdata.core import paths

    for name in ("contributions.parquet", "manifest.json"):
        shutil.copy(paths.REPO_DIR / "data" / "processed" / name, tmp_path / name)
    monkeypatch.setenv("PKDATA_DATA", str(tmp_path))
    fig = charts.china_by_type()
    texts = " | ".join(t.get_text() for t in fig.axes[0].texts)
    assert "killed" not in texts and "Report published" in texts
    _check_style(fig)


def test_a_month_with_no_report_on_either_side_is_drawn(small, monkeypatch):
    """The small dataset's Dec 2015 has no neighbour: it is a step a month wide, not a zero-width sliver."""
    import matplotlib.dates as mdates

    monkeypatch.setenv("PKDATA_DATA", str(small))
    fig = charts.global_by_type()
    mid_december = mdates.date2num(pd.Timestamp("2015-12-15"))
    widths = [
        p.vertices[:, 0].max() - p.vertices[:, 0].min()
        for c in fig.axes[0].collections
        for p in c.get_paths()
        if len(p.vertices) and p.vertices[:, 0].min() <= mid_december <= p.vertices[:, 0].max()
    ]
    assert widths and min(widths) >= 28  # days
    fig = charts.p5_over_time()
    dots = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o" and len(line.get_xdata())]
    assert len(dots) == 5  # each member's lone months (Dec 2015, Dec 2016) as dots


@pytest.mark.parametrize("month", ["2018", "201809", "Sept 2018", 2018, "2030-01"])
def test_a_charts_month_is_checked_as_snapshot_checks_it(month):
    import pkdata
    from pkdata.core.errors import PkdataError

    with pytest.raises(PkdataError) as loader:
        pkdata.snapshot(month)
    with pytest.raises(PkdataError) as chart:
        charts.top_contributors(month)
    assert str(chart.value) == str(loader.value)
    if month != "2030-01":  # the map draws the latest month on or before the one asked for
        with pytest.raises(PkdataError) as on_the_map:
            charts.deployment_map("CHN", month)
        assert str(on_the_map.value) == str(loader.value)


def test_charts_read_the_data_only_through_the_tables_layer():
    """No chart module (nor the brief) imports the store or the manifest reader: they call pkdata.tables."""
    import ast

    from pkdata.core import paths

    outputs = paths.PACKAGE_DIR / "outputs"
    for path in [*sorted((outputs / "charts").glob("*.py")), outputs / "brief.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = {f"{node.module}.{a.name}" for a in node.names}
                assert not {n for n in names if n.startswith("pkdata.core.store")}, f"{path.name} imports the store"
            elif isinstance(node, ast.Import):
                assert all(not a.name.startswith("pkdata.core.store") for a in node.names), path.name
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert node.value.id != "store", f"{path.name}:{node.lineno} calls store.{node.attr}"


def _code_strings(path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_the_source_lines_credits_come_from_the_source_registry():
    """Each publisher's credit is read from sources.toml (through pkdata.core.sources), never typed in a chart."""
    from pkdata.core import paths, sources
    from pkdata.outputs.charts import credits

    names = sources.load()["chart_credits"]
    assert credits.publishers("contributions") == f"{names['ipi_tcc_datascraper']}; {names['un_dpo_monthly_pdfs']}"
    assert credits.publishers("fatalities") == f"{names['un_psdata_fatalities']}; {names['unlisted']}"
    typed = [  # every string constant of the code but the docstrings (whose examples show the credits)
        node.value
        for p in [*(paths.PACKAGE_DIR / "outputs" / "charts").glob("*.py"), paths.PACKAGE_DIR / "outputs" / "brief.py"]
        for node in _code_strings(p)
    ]
    assert len(typed) > 100
    for name in set(names.values()):
        assert not [t for t in typed if name in t], f"{name!r} is typed in the chart code"
    src = charts.fatalities_chart("CHN").texts[2].get_text().replace("\n", " ")
    assert src.startswith(f"Source: {names['un_psdata_fatalities']}; {names['unlisted']} (")


def test_a_tie_in_rank_is_said_as_one():
    """China and Senegal both deployed 2,506 in September 2018 (the monthly report): both are #11, and the rank
    text says the tie; the count of tied members comes from the snapshot, computed apart from the rank query."""
    import pkdata
    from pkdata.tables import ranks

    snap = pkdata.snapshot("2018-09").set_index("contributor_iso3")
    assert snap.loc["CHN", "total"] == snap.loc["SEN", "total"] == 2506
    assert snap.loc["CHN", "rank"] == snap.loc["SEN", "rank"] == 11
    others = int((snap["total"] == snap.loc["CHN", "total"]).sum()) - 1
    row = ranks.contributor_rank("CHN").loc["2018-09-30"]
    assert int(row["tied"]) == others == 1
    assert ranks.rank_label(row) == "#11 (tied with 1 other) of 124"

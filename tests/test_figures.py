"""`pkdata figures`: every chart as PNG and SVG, deterministic, redrawn only when inputs change."""

from __future__ import annotations

import shutil

import pandas as pd

from pkdata.cli import main
from pkdata.outputs import figures

from .helpers import folder_digest, replace_table


def test_every_chart_is_written_deterministically_and_skipped_when_unchanged(drawn_figures, tmp_path, capsys):
    out, code, printed = drawn_figures  # `pkdata figures --out <folder>`, run once for the whole test run
    assert code == 0, printed
    assert f"{len(figures.FIGURES)} drawn" in printed
    files = {p.name for p in out.iterdir() if p.is_file()}
    assert files == {f"{n}{ext}" for n in figures.FIGURES for ext in (".png", ".svg")}
    first = folder_digest(out)
    assert main(["figures", "--out", str(out)]) == 0
    assert f"0 drawn, {len(figures.FIGURES)} unchanged" in capsys.readouterr().out
    assert folder_digest(out) == first
    # Determinism: a copy, one chart of each kind redrawn (lines, bars, areas, a timeline, a map), same bytes.
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    kinds = ["p5_over_time", "top_contributors_2018_09", "by_type_fra", "claim_second_largest_funder", "map_gbr"]
    assert figures.render_all(copy, force=True, only=kinds) == dict.fromkeys(kinds, "drawn")
    assert folder_digest(copy) == first, "a redraw changed bytes: output is not deterministic"


def test_a_changed_table_redraws_only_the_charts_that_read_it(tmp_path, monkeypatch):
    import json

    from pkdata.core import paths

    data = tmp_path / "data"
    shutil.copytree(paths.REPO_DIR / "data" / "processed", data)
    monkeypatch.setenv("PKDATA_DATA", str(data))
    out = tmp_path / "figs"
    figures.render_all(out, only=["funding_shares", "p5_over_time"])
    before = json.loads((data / "manifest.json").read_text())["tables"]["assessments"]["sha256"]
    # as if the assessments table had been rebuilt: the same rows, other bytes (compression), a new sha256
    replace_table(data, "assessments", pd.read_parquet(data / "assessments.parquet"), compression="gzip")
    assert json.loads((data / "manifest.json").read_text())["tables"]["assessments"]["sha256"] != before
    status = figures.render_all(out, only=["funding_shares", "p5_over_time"])
    assert status == {"funding_shares": "drawn", "p5_over_time": "unchanged"}


def test_a_changed_module_redraws_only_the_charts_drawn_with_it(tmp_path, monkeypatch):
    from dataclasses import replace

    module = tmp_path / "module.py"  # stands for a module one chart computes with (as claims.py for the claims)
    module.write_text("a = 1\n")
    chosen = {
        "p5_over_time": replace(figures.FIGURES["p5_over_time"], code=(str(module),)),
        "global_by_type": figures.FIGURES["global_by_type"],
    }
    monkeypatch.setattr(figures, "FIGURES", {**figures.FIGURES, **chosen})
    out = tmp_path / "figs"
    assert set(figures.render_all(out, only=list(chosen)).values()) == {"drawn"}
    module.write_text("a = 2\n")
    assert figures.render_all(out, only=list(chosen)) == {"p5_over_time": "drawn", "global_by_type": "unchanged"}


def test_every_chart_is_keyed_on_the_module_that_draws_it():
    """A change to a chart's module (or to a shared one) redraws its figures: every chart module is in the keys."""
    import inspect
    from pathlib import Path

    from pkdata.core import paths
    from pkdata.outputs import charts

    for name, chart in figures.FIGURES.items():
        keyed = {*figures.CODE, *chart.code}
        assert all((paths.PACKAGE_DIR / f).exists() for f in keyed), name  # a file, or a package folder
        drawn_in = Path(inspect.getsourcefile(getattr(charts, chart.function))).relative_to(paths.PACKAGE_DIR)
        assert drawn_in.as_posix() in keyed, f"{name}: {drawn_in} is not in its key"
    every = {f for chart in figures.FIGURES.values() for f in chart.code} | set(figures.CODE)
    modules = {p.relative_to(paths.PACKAGE_DIR).as_posix() for p in (paths.PACKAGE_DIR / "outputs/charts").glob("*.py")}
    assert modules <= every, modules - every

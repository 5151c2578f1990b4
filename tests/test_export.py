"""Exports: Stata files read back with labels, Excel opens with openpyxl, CSV round-trips, provenance, atomic."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pkdata import cli
from pkdata.core import paths
from pkdata.core.errors import PkdataError
from pkdata.outputs import export as ex
from pkdata.tables.panels import panel

MANIFEST = paths.processed_dir() / "manifest.json"


@pytest.fixture(scope="module")
def manifest_sha() -> str:
    return hashlib.sha256(MANIFEST.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def cy() -> pd.DataFrame:
    return panel("country-year")


def test_stata_export_reads_back_with_labels(tmp_path: Path, cy: pd.DataFrame, manifest_sha: str) -> None:
    out = tmp_path / "X.dta"
    assert cli.main(["export", "panel:country-year", "--format", "dta", "--out", str(out)]) == 0
    with pd.io.stata.StataReader(out) as reader:
        back = reader.read()
        labels = reader.variable_labels()
        data_label = reader.data_label
    assert list(back.columns) == list(cy.columns)
    assert all(labels[c] for c in back.columns)
    assert labels["cown"].startswith("Correlates of War state number")
    assert labels["total_dec"].startswith("December value of:")
    assert manifest_sha[:12] in data_label
    assert len(back) == len(cy)
    # numbers survive, missing stays missing
    pd.testing.assert_series_equal(
        back["total_dec"], cy["total_dec"].astype("Float64").astype("float64"), check_names=False
    )
    assert back["cown"].isna().sum() == cy["cown"].isna().sum()
    assert (back["iso3"] == cy["iso3"].astype(str)).all()
    side = json.loads((tmp_path / "X.dta.json").read_text())
    assert side["data_version"]["manifest_sha256"] == manifest_sha


def test_excel_export_has_a_sheet_per_table_and_notes(tmp_path: Path, manifest_sha: str) -> None:
    out = tmp_path / "X.xlsx"
    # the smaller mission panel (1,330 rows): what is checked is the workbook's layout, not the writer's speed
    assert cli.main(["export", "panel:mission-year", "missions", "--format", "xlsx", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["panel_mission-year", "missions", "notes", "codebook"]
    notes = {r[0]: r[1] for r in wb["notes"].iter_rows(min_row=2, values_only=True)}
    assert notes["manifest sha256"] == manifest_sha
    assert "source: un_dpo_monthly_pdfs" in notes and "source: country_codes" in notes
    header = next(wb["missions"].iter_rows(max_row=1, values_only=True))
    assert header[0] == "acronym"
    missions = pd.read_parquet(paths.processed_dir() / "missions.parquet")
    assert wb["missions"].max_row == len(missions) + 1
    book = list(wb["codebook"].iter_rows(min_row=2, values_only=True))
    assert ("missions", "acronym") in {(r[0], r[1]) for r in book}


def test_csv_round_trips(tmp_path: Path, cy: pd.DataFrame) -> None:
    out = tmp_path / "cy.csv"
    ex.export(["panel:country-year"], "csv", out)
    back = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(cy.columns)
    for col in ("iso3", "cown", "gwno", "year", "total_dec", "total_mean", "pk_billed_usd", "rb_scale_percent"):
        a = back[col]
        b = cy[col]
        if pd.api.types.is_numeric_dtype(b.dtype):
            assert ((a - b.astype("Float64")).abs().fillna(0) < 1e-9).all() and (a.isna() == b.isna()).all(), col
        else:
            assert (a.astype(str) == b.astype(str)).all(), col
    # parquet too, dtypes kept
    ex.export(["panel:country-year"], "parquet", tmp_path / "cy.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cy.parquet"), cy, check_dtype=False)


def test_writes_atomically_and_keeps_the_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "codes.csv"
    out.write_text("old\n")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        ex.export(["country_codes"], "csv", out)
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.csv"]  # no temporary file left
    monkeypatch.undo()
    ex.export(["country_codes"], "csv", out)
    assert out.read_text().startswith("iso3,name,")
    assert out.stat().st_mode & 0o044  # readable by others like any file, not mkstemp's 0600


def test_bad_targets_and_formats_are_clear_errors(tmp_path: Path, capsys) -> None:
    assert cli.main(["export", "panels:country-year", "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert "unknown export target 'panels:country-year'" in err and "Traceback" not in err
    with pytest.raises(PkdataError, match="only --format xlsx takes several"):
        ex.export(["missions", "budgets"], "csv", tmp_path / "x.csv")
    with pytest.raises(PkdataError, match="expected one of"):
        ex.export(["missions"], "sav", tmp_path / "x.sav")
    assert not list(tmp_path.iterdir())


def test_stata_reserved_names_keep_their_labels(tmp_path: Path) -> None:
    out = tmp_path / "missions.dta"
    with _no_warning():
        ex.export(["missions"], "dta", out)
    with pd.io.stata.StataReader(out) as reader:
        back, labels = reader.read(), reader.variable_labels()
    assert "_end" in back.columns and "end" not in back.columns  # `end` is a Stata reserved word
    assert labels["_end"].startswith("End of the mission")
    assert json.loads((tmp_path / "missions.dta.json").read_text())["stata_renamed"] == {"end": "_end"}
    missions = pd.read_parquet(paths.processed_dir() / "missions.parquet")
    assert back["_end"].isna().sum() == missions["end"].isna().sum()


def test_an_unwritable_destination_is_a_clear_error(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert cli.main(["export", "budgets", "--out", str(blocker / "budgets.csv")]) == 1
    err = capsys.readouterr().err
    assert f"{blocker} is a file, not a folder" in err and "Traceback" not in err and "File exists" not in err
    unwritable = tmp_path / "locked"
    unwritable.mkdir(mode=0o500)
    if not os.access(unwritable, os.W_OK):  # root may write anyway
        assert cli.main(["export", "budgets", "--out", str(unwritable / "budgets.csv")]) == 1
        err = capsys.readouterr().err
        assert "cannot write" in err and "Traceback" not in err


class _no_warning:
    """Fail if pandas warns (e.g. that it renamed a column for Stata, dropping its label)."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

"""What a user meets on a mistake: one clear line on stderr, exit code 1, no traceback, nothing written.

Each case is an input a new user typed (issue 22): a mistyped data folder, a format against the file name,
a bare year, a file where a folder should be, a missing optional dependency.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pkdata import cli
from pkdata.core import paths
from pkdata.core.errors import DataFolderError, PkdataError


def one_error_line(capsys, *argv: str) -> str:
    """Run ``pkdata argv``; it must fail with exactly one ``pkdata CMD: error:`` line and print nothing else."""
    assert cli.main(list(argv)) == 1
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pkdata {argv[0]}: error: "), err
    assert "Traceback" not in err and "This is a bug" not in err
    assert out == ""
    return lines[0]


def test_claims_on_a_missing_data_folder_is_an_error_not_eight_insufficient_verdicts(capsys, tmp_path):
    line = one_error_line(capsys, "claims", "--as-of", "2018-09", "--data", str(tmp_path / "no" / "such"))
    assert f"data folder {tmp_path / 'no' / 'such'} does not exist" in line and "--data" in line


def test_an_empty_folder_is_not_a_data_folder(capsys, tmp_path):
    line = one_error_line(capsys, "claims", "--as-of", "2018-09", "--data", str(tmp_path))
    assert f"data folder {tmp_path} holds no pkdata tables" in line


def test_a_mistyped_pkdata_data_is_named_in_the_error(tmp_path):
    code = "import pkdata; pkdata.claims.check(as_of='2018-09')"
    env = {**os.environ, "PKDATA_DATA": str(tmp_path / "procesed")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert f"DataFolderError: PKDATA_DATA={tmp_path / 'procesed'} does not exist" in proc.stderr


def test_a_file_given_as_the_data_folder_is_refused(tmp_path):
    afile = tmp_path / "manifest.json"
    afile.write_text("{}")
    from pkdata.core import store

    with pytest.raises(DataFolderError, match="is a file, not a folder"):
        store.table("contributions", afile)


def test_a_format_that_disagrees_with_the_file_name_writes_nothing(capsys, tmp_path):
    out = tmp_path / "x.csv"
    line = one_error_line(capsys, "export", "contributions", "--format", "dta", "--out", str(out))
    assert "--format dta" in line and "x.dta" in line
    assert list(tmp_path.iterdir()) == []


def test_a_file_where_a_folder_should_be_is_named(capsys, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    line = one_error_line(capsys, "export", "contributions", "--out", str(tmp_path / "afile" / "x.dta"))
    assert f"{tmp_path / 'afile'} is a file, not a folder" in line
    assert "File exists" not in line


def test_missions_refuses_a_bare_year_as_snapshot_does():
    import pkdata

    for year in ("2019", 2019):
        with pytest.raises(PkdataError, match="is a year"):
            pkdata.missions(year)
    with pytest.raises(PkdataError, match="is a year"):
        pkdata.snapshot("2019")
    assert len(pkdata.missions("2019-06-30")) > 10  # a date still works


def test_verify_advises_git_checkout_only_for_the_checkouts_own_folder(capsys, tmp_path):
    copy = tmp_path / "processed"
    shutil.copytree(paths.REPO_DIR / "data" / "processed", copy)
    (copy / "missions.parquet").write_bytes(b"cut")
    assert cli.main(["verify", "--data", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "missions.parquet" in err and "git checkout" not in err
    assert f"pkdata build --out {copy}" in err


NO_MODULES = "import sys\nfor m in {mods!r}: sys.modules[m] = None\nfrom pkdata.cli import main\nsys.exit(main())"


def run_without(modules: list[str], *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    code = NO_MODULES.format(mods=modules)
    return subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True, text=True, timeout=300, env=os.environ
    )


def test_xlsx_without_openpyxl_names_the_export_extra(tmp_path):
    proc = run_without(["openpyxl"], "export", "contributions", "--out", "x.xlsx", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        'pkdata export: error: --format xlsx needs openpyxl, which is not installed: pip install "pkdata[export]"'
    ]
    assert list(tmp_path.iterdir()) == []


def test_notebooks_without_the_extra_say_so_once_and_write_nothing(tmp_path):
    proc = run_without(["nbclient", "nbconvert", "nbformat"], "notebooks", "--out", "html", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install "pkdata[notebooks]"' in lines[0], proc.stderr
    assert "-e" not in lines[0] and "HTML written" not in lines[0]
    assert not (tmp_path / "html").exists()

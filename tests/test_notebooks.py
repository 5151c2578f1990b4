"""The notebooks in notebooks/: committed clean, and each one runs without errors and shows its charts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pkdata import cli
from pkdata.core.errors import PkdataError
from pkdata.outputs import notebooks

EXPECTED = [
    "01_personnel_overview.ipynb",
    "02_china_deployments.ipynb",
    "03_who_pays.ipynb",
    "04_report_claims.ipynb",
    "05_missions_and_fatalities.ipynb",
    "06_panels_and_exports.ipynb",
    "07_country_brief.ipynb",
]
PATHS = notebooks.notebook_paths()


def test_the_notebooks_are_there() -> None:
    assert [p.name for p in PATHS] == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    import nbformat  # in the tests, not at collection: importing it costs seconds (jsonschema's format checkers)

    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name}: no code cells"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"
    text = "".join(c.source for c in code)
    assert "import pkdata" in text
    assert all(c.cell_type == "markdown" for c in nb.cells[:1]), f"{path.name}: should open with a markdown title"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_executes_without_errors_and_shows_charts(path: Path) -> None:
    import nbformat

    nb = notebooks.execute(path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr" and "Traceback" in o.text]
    assert not stderr, f"{path.name}: {stderr[0]}"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name}: no chart was rendered as an image"
    # every code cell produced something to look at (a table, a chart or printed text)
    silent = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.outputs and "import pkdata" not in c.source
    ]
    assert not silent, f"{path.name}: cells {silent} show nothing"
    # tables print ranks and counts as numbers a reader expects ("11", not "11.000000")
    shown = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    assert ".000000" not in shown, f"{path.name}: a table prints whole numbers with six decimals"
    # the committed file is untouched
    assert not any(c.outputs for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def _notebook(folder: Path, name: str, source: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# test"), nbformat.v4.new_code_cell(source)]
    path = folder / name
    nbformat.write(nb, path)
    return path


def _children() -> set[str]:
    """Process ids of this process's children (Linux /proc)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


def test_run_all_writes_html_and_names_the_failing_notebook_and_shuts_every_kernel_down(tmp_path: Path) -> None:
    src = tmp_path / "nb"
    src.mkdir()
    _notebook(src, "a_good.ipynb", "print(6 * 7)")
    _notebook(src, "b_bad.ipynb", "1 / 0")
    out = tmp_path / "html"
    before = _children()
    with pytest.raises(PkdataError, match=r"1 of 2 notebook\(s\) failed.*b_bad\.ipynb: cell 1 failed.*ZeroDivision"):
        notebooks.run_all(out, folder=src)
    # run_all executes each notebook with execute(): its kernel is gone when it returns, or raises
    assert _children() <= before, "a kernel is still running after execute() returned"
    good = (out / "a_good.html").read_text()
    assert "<html" in good and "42" in good
    assert "ZeroDivisionError" in (out / "b_bad.html").read_text()
    assert {p.name for p in src.iterdir()} == {"a_good.ipynb", "b_bad.ipynb"}  # nothing written beside them


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "nb"
    src.mkdir()
    _notebook(src, "only.ipynb", "print('hello')")
    monkeypatch.setattr(notebooks, "NOTEBOOKS_DIR", src)
    out = tmp_path / "html"
    assert cli.main(["notebooks", "--out", str(out)]) == 0
    assert "1 notebook(s) executed" in capsys.readouterr().out
    assert "hello" in (out / "only.html").read_text()
    assert cli.main(["notebooks", "--out", str(out), "--only", "missing"]) == 1
    assert "unknown notebook(s) ['missing']" in capsys.readouterr().err


def test_a_dead_runs_kernel_folder_is_removed_by_the_next_notebook_run(tmp_path, monkeypatch):
    import shutil
    import tempfile

    import nbformat

    # a short folder: a kernel's socket path must stay under 107 characters (pytest's own tmp_path can be longer)
    short = Path(tempfile.mkdtemp(prefix="pk", dir="/tmp"))
    try:
        monkeypatch.setattr("tempfile.tempdir", str(short))
        dead = short / f"{notebooks.KERNEL_PREFIX}999999999-abcd"  # no such process
        live = short / f"{notebooks.KERNEL_PREFIX}{os.getpid()}-efgh"  # this process: still running
        dead.mkdir()
        live.mkdir()
        nb_path = tmp_path / "one.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("6 * 7")]), nb_path)
        assert notebooks.execute(nb_path).cells[0].outputs[0]["data"]["text/plain"] == "42"
        assert not dead.exists() and live.exists()
        assert [p.name for p in short.iterdir() if p.name.startswith(notebooks.KERNEL_PREFIX)] == [live.name]
    finally:
        shutil.rmtree(short, ignore_errors=True)

"""Root conftest: applies to the doctests under src/ as well as to tests/.

The build's parse and step caches live in one temporary folder for the whole test session
(``PKDATA_CACHE``), never in the user's ``.cache``: each report is parsed at most once per run. Under
pytest-xdist (``make test`` runs ``pytest -n auto``) the workers of one run share that folder, and
``tests.helpers.run_once`` lets one of them do a costly set-up (the full build, the figures) that the others reuse.

Doctests read small real upstream files from ``tests/fixtures`` through the name ``FIXTURES``
(e.g. ``parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf")``), so they run on a
fresh clone without the shared reference folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
FIXTURES = ROOT / "tests" / "fixtures"

#: The costliest test files, costliest first (seconds on one of two workers, measured with the suite's own
#: timings). ``make test`` hands the files to the pytest-xdist workers in this order (``--dist loadfile
#: --no-loadscope-reorder``; the others follow in collection order): the long ones start at once and the
#: short ones fill the end, instead of one worker finishing a long file while the other waits. test_fetch
#: comes first because it makes the session's full build, which test_build and test_history read later.
COSTLIEST_FIRST = (
    "tests/test_fetch.py",  # ~25 s: fetch --all and the full build of every reference file
    "tests/test_notebooks.py",  # ~30 s: the seven notebooks in a kernel each
    "src/pkdata/outputs/notebooks.py",  # ~8 s: its doctests start kernels and import nbformat and nbconvert
    "tests/test_figures.py",  # ~28 s: all 47 charts as PNG and SVG
    "tests/test_browser.py",  # ~25 s: JupyterLab and Chromium
    "tests/test_faults.py",  # ~18 s: killed builds in subprocesses
    "tests/test_layers.py",  # ~12 s: a wheel, used outside the checkout
    "tests/test_charts.py",  # ~8 s
    "tests/test_build.py",  # ~8 s
    "tests/test_briefs.py",  # ~7 s
    "tests/test_history.py",  # ~6 s
    "tests/test_finance.py",  # ~6 s
    "tests/test_codebook.py",  # ~5 s
    "src/pkdata/outputs/brief.py",  # ~5 s
    "tests/test_finance_inputs.py",  # ~5 s
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the files of :data:`COSTLIEST_FIRST` first, in that order; the others keep their order after them."""
    rank = {name: i for i, name in enumerate(COSTLIEST_FIRST)}

    def key(item: pytest.Item) -> int:
        try:
            name = item.path.relative_to(ROOT).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(name, len(rank))

    items.sort(key=key)  # stable: the tests of a file keep their order


@pytest.fixture(scope="session", autouse=True)
def _doctest_fixtures(doctest_namespace):
    doctest_namespace["FIXTURES"] = FIXTURES


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A temporary folder of this test run that every pytest-xdist worker of the run sees (a fresh one per run)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return tmp_path_factory.mktemp(name)
    folder = tmp_path_factory.getbasetemp().parent / name  # the run's folder, parent of each worker's
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory):
    """``shared_tmp(name)``: see :func:`shared_dir`."""
    return lambda name: shared_dir(tmp_path_factory, name)


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    before = os.environ.get("PKDATA_CACHE")
    os.environ["PKDATA_CACHE"] = str(shared_dir(tmp_path_factory, "pkdata-cache"))
    yield
    if before is None:
        os.environ.pop("PKDATA_CACHE", None)
    else:
        os.environ["PKDATA_CACHE"] = before

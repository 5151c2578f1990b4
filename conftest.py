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


def pytest_collection_finish(session):
    """Everything imported while collecting (the whole package, pandas, matplotlib, ...) lives to the end of the
    run: frozen, the garbage collector's full passes no longer walk it after every few thousand allocations of
    the tests (a test's own objects are collected as before)."""
    import gc

    gc.collect()
    gc.freeze()


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

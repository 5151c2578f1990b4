"""Root conftest: applies to the doctests under src/ as well as to tests/.

The build's parse and step caches live in one temporary folder for the whole test session
(``PKDATA_CACHE``), never in the user's ``.cache``: each report is parsed at most once per run.

Doctests read small real upstream files from ``tests/fixtures`` through the name ``FIXTURES``
(e.g. ``parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf")``), so they run on a
fresh clone without the shared reference folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "tests" / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _doctest_fixtures(doctest_namespace):
    doctest_namespace["FIXTURES"] = FIXTURES


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    before = os.environ.get("PKDATA_CACHE")
    os.environ["PKDATA_CACHE"] = str(tmp_path_factory.mktemp("pkdata-cache"))
    yield
    if before is None:
        os.environ.pop("PKDATA_CACHE", None)
    else:
        os.environ["PKDATA_CACHE"] = before

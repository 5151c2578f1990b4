"""Root conftest: applies to the doctests under src/ as well as to tests/.

Doctests read small real upstream files from ``tests/fixtures`` through the name ``FIXTURES``
(e.g. ``parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf")``), so they run on a
fresh clone without the shared reference folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "tests" / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _doctest_fixtures(doctest_namespace):
    doctest_namespace["FIXTURES"] = FIXTURES

"""Shared fixtures: the reference copies in ../shared/reference (PKDATA_REFERENCE overrides).

Tests that need them fail, never skip, when they are missing: a missing reference folder is
a broken checkout, not an optional extra.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pkdata.paths import reference_dir


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(
            f"reference data missing: {path}. Put the shared folder beside the repository "
            "(../shared/reference) or set PKDATA_REFERENCE.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def reference() -> Path:
    """The shared reference folder."""
    return _require(reference_dir())


@pytest.fixture(scope="session")
def un_pdfs(reference: Path) -> Path:
    """Folder of the 126 UN monthly PDF reports."""
    return _require(reference / "personnel" / "un_monthly_pdfs_kl371218")


@pytest.fixture(scope="session")
def un_pdf(un_pdfs: Path):
    """Path of one report by its file month, e.g. ``un_pdf("2019_06")``."""

    def get(month: str) -> Path:
        return _require(un_pdfs / f"UN_country_contributions_{month}.pdf")

    return get

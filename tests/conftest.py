"""Shared fixtures: small real upstream files in tests/fixtures, and the full reference copies.

``fixtures`` / ``fixture_pdf`` point into ``tests/fixtures`` (committed, listed with their sha256 in
``tests/fixtures/SOURCES.md``): reader unit tests use them and run on a fresh clone.

``reference`` / ``un_pdfs`` / ``un_pdf`` point into ``../shared/reference`` (``PKDATA_REFERENCE``
overrides). Tests that use them need the whole set (full builds, history merges, cross-checks) and are
marked ``full_data``. When the folder is missing they are skipped with a note saying how to get it,
except under CI (``CI=true``), where a missing reference folder is a broken checkout and they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pkdata.core.paths import reference_dir

from .helpers import raw_with_reports, run_once

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Fixtures that need the full reference folder; a test using any of them is marked ``full_data``.
FULL_DATA_FIXTURES = ("reference", "un_pdfs", "un_pdf")
#: Start of the skip reason of a full-data test (the terminal summary counts these).
SKIP_PREFIX = "full-data test: reference data not found at "
HOW_TO_GET = "put the shared folder beside the repository as ../shared/reference or set PKDATA_REFERENCE"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _require(path: Path) -> Path:
    if not path.exists():
        if _in_ci():
            pytest.fail(
                f"reference data missing under CI=true: {path}. Full-data tests must run in CI; {HOW_TO_GET}.",
                pytrace=False,
            )
        pytest.skip(f"{SKIP_PREFIX}{path}; {HOW_TO_GET}")
    return path


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "full_data: needs the full reference folder (skipped without it, fails under CI=true)"
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in FULL_DATA_FIXTURES):
            item.add_marker(pytest.mark.full_data)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "full_data" in getattr(r, "keywords", {}) and SKIP_PREFIX in str(r.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} full-data tests skipped: reference data not found at {reference_dir()}; "
            "put ../shared/reference beside the checkout or set PKDATA_REFERENCE to run them"
        )


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The folder of small real upstream files committed for the tests (``tests/fixtures``)."""
    if not FIXTURES.is_dir():
        pytest.fail(f"tests/fixtures missing: {FIXTURES} (it is part of the repository)", pytrace=False)
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_pdf(fixtures: Path):
    """Path of one committed UN report by its file month, e.g. ``fixture_pdf("2019_08")``."""

    def get(month: str) -> Path:
        path = fixtures / f"UN_country_contributions_{month}.pdf"
        if not path.exists():
            have = sorted(p.stem[-7:] for p in fixtures.glob("UN_country_contributions_*.pdf"))
            pytest.fail(
                f"no fixture report for {month}: tests/fixtures holds {have}; use un_pdf() "
                "(the full reference set) for other months",
                pytrace=False,
            )
        return path

    return get


@pytest.fixture(scope="session")
def reference() -> Path:
    """The shared reference folder (full data)."""
    return _require(reference_dir())


@pytest.fixture(scope="session")
def un_pdfs(reference: Path) -> Path:
    """Folder of the 126 UN monthly PDF reports (full data)."""
    return _require(reference / "personnel" / "un_monthly_pdfs_kl371218")


@pytest.fixture(scope="session")
def un_pdf(un_pdfs: Path):
    """Path of one report by its file month, e.g. ``un_pdf("2019_06")`` (full data)."""

    def get(month: str) -> Path:
        return _require(un_pdfs / f"UN_country_contributions_{month}.pdf")

    return get


@pytest.fixture(scope="session")
def full_build(reference: Path, shared_tmp) -> Path:
    """Every reference file fetched into a raw folder (``pkdata fetch --all --from``), then built once per run.

    The processed folder of that build (shared by the xdist workers: one builds, the others wait and reuse
    it); the session's shared cache makes later builds of the same inputs (in any test) cheap.
    """
    from pkdata.builder import build
    from pkdata.cli import main

    root = shared_tmp("full-build")
    with run_once(root) as todo:
        if todo:
            code = main(["fetch", "--all", "--from", str(reference), "--raw", str(root / "raw"), "--no-progress"])
            assert code == 0, "pkdata fetch --all --from <reference> failed"
            build(raw=root / "raw", out=root / "out", workers=2)
    return root / "out"


@pytest.fixture(scope="session")
def drawn_figures(shared_tmp) -> tuple[Path, int, str]:
    """``pkdata figures`` run once per test run on the committed data: (folder, exit code, what it printed).

    Drawing the 47 charts is one of the costliest things the suite does; a test that needs them all drawn
    shares this one run (under pytest-xdist, one worker draws, the others wait). As the run computes each chart,
    the chart is also drawn once at its own dpi and measured (``tests/chart_checks.py``, fixture
    ``drawn_layouts``), before the command saves it: tests/test_chart_layout.py needs no chart of its own.
    """
    import contextlib
    import io
    import json

    from pkdata.cli import main
    from pkdata.outputs import charts
    from pkdata.outputs.figures import FIGURES

    from .chart_checks import layout_problems

    root = shared_tmp("figures")
    with run_once(root) as todo:
        if todo:
            layouts: dict[str, dict[str, list[str]]] = {}
            names = {(c.function, json.dumps(c.kwargs, sort_keys=True)): n for n, c in FIGURES.items()}

            def measured(function: str):
                draw = getattr(charts, function)

                def chart(**kwargs):
                    fig = draw(**kwargs)
                    fig.canvas.draw()
                    layouts[names[function, json.dumps(kwargs, sort_keys=True)]] = layout_problems(fig)
                    return fig

                return chart

            printed = io.StringIO()
            with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
                for function in {c.function for c in FIGURES.values()}:
                    mp.setattr(charts, function, measured(function))
                code = main(["figures", "--out", str(root / "figs")])
            (root / "layouts.json").write_text(json.dumps(layouts))
            (root / "result.txt").write_text(f"{code}\n{printed.getvalue()}")
    code, _, printed = (root / "result.txt").read_text().partition("\n")
    return root / "figs", int(code), printed


@pytest.fixture(scope="session")
def drawn_layouts(drawn_figures) -> dict[str, dict[str, list[str]]]:
    """What ``tests/chart_checks.layout_problems`` found on each chart of the run of :func:`drawn_figures`."""
    import json

    layouts = json.loads((drawn_figures[0].parent / "layouts.json").read_text())
    assert drawn_figures[1] == 0, drawn_figures[2]
    return layouts


@pytest.fixture(scope="session")
def ind_brief(shared_tmp) -> tuple[Path, int, str]:
    """``pkdata brief IND`` run once per test run: (its --out folder, exit code, what it printed on stderr).

    tests/test_briefs.py checks what it wrote; the kill test of tests/test_fetch_faults.py starts from a copy
    (the previous brief that a killed run must leave whole).
    """
    import contextlib
    import io

    from pkdata.cli import main

    root = shared_tmp("ind-brief")
    with run_once(root) as todo:
        if todo:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(["brief", "IND", "--out", str(root / "briefs")])
            (root / "result.txt").write_text(f"{code}\n{err.getvalue()}")
    code, _, err = (root / "result.txt").read_text().partition("\n")
    return root / "briefs", int(code), err


@pytest.fixture(scope="session")
def other_steps_cache(shared_tmp, fixture_pdf) -> Path:
    """A build cache in which a raw-only build of other reports finds every step but its own PDF step done.

    Made once per test run by a raw-only build of one committed report (January 2020) with the other sources read
    from the reference folder. A test that copies it into its own empty cache and runs ``pkdata build --raw RAW
    --raw-only`` with reports other than that one gets the other sources' steps from the cache (their keys are
    their inputs: the same reference files) and still parses its own reports, each in a worker process. Without
    the reference folder it stays empty (such a build reads no other source).
    """
    from pkdata.builder import build

    root = shared_tmp("other-steps-cache")
    with run_once(root) as todo:
        if todo:
            (root / "cache").mkdir()
            if reference_dir().is_dir():
                raw = raw_with_reports(root, fixture_pdf, ["2020_01"])
                build(raw=raw, out=root / "out", cache=root / "cache", workers=1)
    return root / "cache"

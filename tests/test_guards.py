"""Guards that hold outside a plain build: a repair keeps the commit's checks, ``verify`` checks the manifest,
curated tables are validated when read, the API refuses what it cannot take, and several tables can be read
from one build while another build runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pkdata.builder import build
from pkdata.core import store
from pkdata.core.errors import ShrinkError

from .helpers import folder_digest, raw_with_reports

STEP = ["pkdata.builder.steps.un_pdfs:step_un_pdfs"]


def months(out: Path) -> list[str]:
    return sorted(json.loads((out / "manifest.json").read_text())["contributions"]["months"])


def run_build(raw: Path, out: Path, cache: Path, *, fault: str = "", allow_shrink: bool = False):
    """``build()`` of the UN PDF step in a subprocess, killed at the fault point ``fault``."""
    code = (
        f"from pkdata.builder import build; build(raw={str(raw)!r}, out={str(out)!r}, cache={str(cache)!r}, "
        f"steps={STEP!r}, workers=1, allow_shrink={allow_shrink})"
    )
    env = {**os.environ, "PKDATA_FAULT": fault}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pkdata", *args], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def visible(folder: Path) -> dict[str, str]:
    return {k: v for k, v in folder_digest(folder).items() if not k.startswith(".")}


@pytest.fixture(scope="module")
def warm(tmp_path_factory, fixture_pdf) -> dict[str, Path]:
    """Raw folders of one report (August 2019) and of two (with January 2015), and a clean build of the two."""
    root = tmp_path_factory.mktemp("guards")
    raw_a = raw_with_reports(root / "a", fixture_pdf, ["2019_08"])
    raw_ab = raw_with_reports(root / "ab", fixture_pdf, ["2019_08", "2015_01"])
    build(raw=raw_ab, out=root / "clean_ab", cache=root / "cache", steps=STEP, workers=1)
    return {"cache": root / "cache", "raw_a": raw_a, "raw_ab": raw_ab, "clean_ab": root / "clean_ab"}


@pytest.fixture
def built_ab(tmp_path, warm) -> Path:
    out = tmp_path / "out"
    shutil.copytree(warm["clean_ab"], out)
    return out


# --------------------------------------------------------------------------- a repair keeps the commit's checks


def test_verify_repair_rolls_back_a_killed_build_that_would_shrink_the_data(warm, built_ab):
    """The issue's case: a raw-only build from a folder with fewer reports, killed after its swap folder is
    READY; `verify --repair` (which `info` recommends then) must not finish it: the shrink guard refuses."""
    r = run_build(warm["raw_a"], built_ab, warm["cache"], fault="ready")
    assert r.returncode == -signal.SIGKILL
    assert any((p / "READY").exists() for p in built_ab.glob(".pkdata-build-*"))
    rep = cli("verify", "--repair", "--data", str(built_ab))
    assert rep.returncode == 0, rep.stderr
    line = next(line for line in rep.stdout.splitlines() if "rolled back" in line)
    assert "drop 1 month(s)" in line and "2015-01" in line and "--allow-shrink" in line
    assert months(built_ab) == ["2015-01", "2019-08"]
    assert visible(built_ab) == visible(warm["clean_ab"])
    assert not list(built_ab.glob(".pkdata-build-*"))


def test_the_next_build_rolls_back_the_same_swap_and_still_refuses_to_shrink(warm, built_ab):
    assert run_build(warm["raw_a"], built_ab, warm["cache"], fault="ready").returncode == -signal.SIGKILL
    with pytest.raises(ShrinkError, match="2015-01"):  # the swap was not finished first, so this build sees both
        build(raw=warm["raw_a"], out=built_ab, cache=warm["cache"], steps=STEP, workers=1)
    assert folder_digest(built_ab) == folder_digest(warm["clean_ab"])


def test_a_killed_build_that_allowed_the_shrink_is_finished(warm, built_ab):
    r = run_build(warm["raw_a"], built_ab, warm["cache"], fault="ready", allow_shrink=True)
    assert r.returncode == -signal.SIGKILL
    rep = cli("verify", "--repair", "--data", str(built_ab))
    assert rep.returncode == 0 and "finished an interrupted update" in rep.stdout, rep
    assert months(built_ab) == ["2019-08"]


def test_a_ready_swap_whose_table_was_damaged_is_rolled_back(warm, built_ab):
    assert run_build(warm["raw_ab"], built_ab, warm["cache"], fault="ready").returncode == -signal.SIGKILL
    swap = next(built_ab.glob(".pkdata-build-*"))
    table = swap / "contributions.parquet"
    table.write_bytes(table.read_bytes()[:-100])
    rep = cli("verify", "--repair", "--data", str(built_ab))
    assert "rolled back" in rep.stdout and "contributions.parquet does not match its manifest" in rep.stdout, rep
    assert visible(built_ab) == visible(warm["clean_ab"])
    assert store.verify(built_ab) == []

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
from .test_faults import cli  # `pkdata ARGS` in this process: the kills below are the processes of their own

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


@pytest.mark.full_data
def test_the_issue_case_408_months_stay_408(tmp_path, fixture_pdf, reference, other_steps_cache):
    """`pkdata build --raw-only` from a folder with one report, killed once its swap is READY (it holds 287
    months: the other sources' history without the 121 PDF months), then `verify --repair`: still 408."""
    shutil.copytree(other_steps_cache, tmp_path / "cache")  # the other sources' steps done; the report is parsed
    out = tmp_path / "out"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "processed", out)
    before = months(out)
    raw = raw_with_reports(tmp_path, fixture_pdf, ["2019_08"])
    env = {**os.environ, "PKDATA_FAULT": "ready", "PKDATA_CACHE": str(tmp_path / "cache")}
    r = subprocess.run(
        [sys.executable, "-m", "pkdata", "build", "--raw", str(raw), "--raw-only", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == -signal.SIGKILL, r.stderr
    dropped = sorted(set(before) - set(months(next(out.glob(".pkdata-build-*")))))
    assert len(dropped) > 100  # what a roll-forward would have lost
    rep = cli("verify", "--repair", "--data", str(out))
    assert (
        rep.returncode == 0 and f"rolled back an interrupted update, the build would drop {len(dropped)}" in rep.stdout
    )
    assert months(out) == before and len(before) == 408
    assert visible(out) == visible(Path(__file__).resolve().parent.parent / "data" / "processed")


def test_the_next_build_rolls_back_the_same_swap_and_still_refuses_to_shrink(warm, built_ab, capsys):
    assert run_build(warm["raw_a"], built_ab, warm["cache"], fault="ready").returncode == -signal.SIGKILL
    with pytest.raises(ShrinkError, match="2015-01"):  # the swap was not finished first, so this build sees both
        build(raw=warm["raw_a"], out=built_ab, cache=warm["cache"], steps=STEP, workers=1)
    assert "rolled back an interrupted update, the build would drop 1 month(s)" in capsys.readouterr().err
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


# --------------------------------------------------------------------------- verify checks the manifest too

COMMITTED = Path(__file__).resolve().parent.parent / "data" / "processed"


@pytest.fixture
def committed(tmp_path) -> Path:
    out = tmp_path / "processed"
    shutil.copytree(COMMITTED, out)
    return out


def _edit_manifest(folder: Path, edit) -> None:
    m = json.loads((folder / "manifest.json").read_text())
    edit(m)
    (folder / "manifest.json").write_text(json.dumps(m, indent=1, sort_keys=True))


def test_verify_reports_a_manifest_whose_rows_were_edited(committed):
    assert store.verify(committed) == []
    _edit_manifest(committed, lambda m: m["tables"]["missions"].update(rows=1))
    r = cli("verify", "--data", str(committed))
    assert r.returncode == 1 and "says missions has 1 rows; missions.parquet has" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    info = cli("info", "--data", str(committed))  # printed the edited count and exited 0
    assert info.returncode == 1 and "says missions has 1 rows" in info.stderr


def test_verify_reports_a_month_deleted_from_the_manifest(committed):
    _edit_manifest(committed, lambda m: m["contributions"]["months"].pop("2018-09"))
    problems = store.verify(committed)
    assert len(problems) == 1 and "not listed ['2018-09']" in problems[0], problems


def test_verify_reports_a_missing_datapackage_and_a_build_restores_it(warm, tmp_path):
    out = tmp_path / "out"
    build(raw=warm["raw_ab"], out=out, cache=warm["cache"], steps=STEP, workers=1)
    (out / "datapackage.json").unlink()
    assert any("datapackage.json: missing" in p for p in store.verify(out))
    build(raw=warm["raw_ab"], out=out, cache=warm["cache"], steps=STEP, workers=1)  # the same inputs
    assert folder_digest(out) == folder_digest(warm["clean_ab"])
    assert store.verify(out) == []


def test_a_folder_of_an_older_format_is_a_clear_error(committed, monkeypatch):
    """An older build's assessments table had no funding measure: funding_rank raised KeyError 'measure'."""
    import pandas as pd

    from pkdata.core.errors import InconsistentDataError

    from .helpers import replace_table

    old = pd.read_parquet(committed / "assessments.parquet")
    replace_table(committed, "assessments", old.drop(columns=[c for c in old.columns if c.startswith("measure")]))
    monkeypatch.setenv("PKDATA_DATA", str(committed))
    import pkdata as pk

    with pytest.raises(InconsistentDataError, match=r"built by another version of pkdata.*no column measure"):
        pk.funding_rank(2019)
    problems = store.verify(committed)
    assert len(problems) == 1 and "another version of pkdata" in problems[0]
    _edit_manifest(committed, lambda m: m.update(format_version=0))
    with pytest.raises(InconsistentDataError, match=r"format_version 0, this version reads 1"):
        pk.contributions()


# --------------------------------------------------------------------------- the API


def test_pkdata_data_pointing_at_a_file_is_a_clear_error(tmp_path, monkeypatch):
    f = tmp_path / "processed.txt"
    f.write_text("not a folder\n")
    monkeypatch.setenv("PKDATA_DATA", str(f))
    import pkdata as pk
    from pkdata.core.errors import DataFolderError

    for call in (pk.contributions, pk.manifest, lambda: pk.load(["manifest"])):
        with pytest.raises(DataFolderError, match=r"PKDATA_DATA=.*processed.txt is a file"):
            call()
    r = cli("info")
    assert r.returncode != 0 and "is a file" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_series_takes_one_code():
    import pkdata as pk
    from pkdata.core.errors import PkdataError

    with pytest.raises(PkdataError, match=r"takes one ISO3 code, got list \['CHN', 'FRA'\].*once per code"):
        pk.series(["CHN", "FRA"])
    assert int(pk.series("chn").loc["2018-09-30", "total"]) == 2506


def test_load_reads_several_tables_of_one_build_during_concurrent_builds(tmp_path, warm, fixture_pdf):
    """`pkdata.load` while builds of two different sets replace the folder (one set, then the other): every
    pair is one build's."""
    import threading

    out = tmp_path / "out"
    shutil.copytree(warm["clean_ab"], out)
    clean_a = tmp_path / "clean_a"
    build(raw=warm["raw_a"], out=clean_a, cache=warm["cache"], steps=STEP, workers=1)
    rows = {len(store.table("contributions", f)) for f in (clean_a, warm["clean_ab"])}
    assert len(rows) == 2
    stop = threading.Event()
    seen: list[tuple[int, int, int]] = []

    def read() -> None:
        while not stop.is_set():
            d = store.load(["manifest", "contributions", "listed_contributors"], out)
            m = d["manifest"]["tables"]
            off = len(d["listed_contributors"]) - m["listed_contributors"]["rows"]
            seen.append((len(d["contributions"]), m["contributions"]["rows"], off))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for raw in ("raw_a", "raw_ab"):  # the folder holds {A, B}: it changes twice, to {A} and back
            r = run_build(warm[raw], out, warm["cache"], allow_shrink=True)
            assert r.returncode == 0, r.stderr
    finally:
        stop.set()
        reader.join()
    assert len(seen) > 10
    assert all(t == m and t in rows and listed == 0 for t, m, listed in seen)
    assert {t for t, _, _ in seen} == rows  # both builds were seen


def test_load_refuses_unknown_names():
    import pkdata as pk
    from pkdata.core.errors import PkdataError

    with pytest.raises(PkdataError, match=r"unknown table 'contribution'; known: manifest, contributions"):
        pk.load(["manifest", "contribution"])
    with pytest.raises(PkdataError, match=r"pass a list of table names"):
        pk.load("contributions")


# --------------------------------------------------------------------------- curated tables validated when read

CURATED = Path(__file__).resolve().parent.parent / "data" / "raw" / "curated"


def _curated_copy(tmp_path: Path, name: str, edit) -> Path:
    """A raw folder's curated/<name>: the committed table with ``edit(text)`` applied."""
    path = tmp_path / "raw" / "curated" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (CURATED / name).read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("\n2020-08,all,", "\n2020-13,all,", r"line 2: month '2020-13' is not a month 'YYYY-MM' \(01-12\)"),
        ("\n2020-08,all,", "\n2020-00,all,", r"line 2: month '2020-00' is not a month"),
        ("\n2016-01,MAR/UNOCI/troops", "\n2016-01,XXQ/UNOCI/troops", r"line 3: .*unknown ISO3 code 'XXQ'"),
        ("\n2016-01,MAR/UNOCI/troops", "\n2016-01,MAR/UNOCI/sailors", r"line 3: .*personnel type 'sailors'"),
        ("\n2016-04,MAR/UNOCI/troops", "\n2016-01,MAR/UNOCI/troops", r"month/scope/field repeated"),
    ],
)
def test_a_bad_curated_quality_flag_is_refused_with_file_and_line(tmp_path, old, new, message):
    from pkdata.builder.steps.quality_flags import CURATED as NAME
    from pkdata.builder.steps.quality_flags import read_flags
    from pkdata.core.errors import PkdataError

    path = _curated_copy(tmp_path, NAME, lambda text: text.replace(old, new, 1))
    with pytest.raises(PkdataError, match=rf"{path}.*{message}" if "line" in message else message):
        read_flags(path)


def test_the_curated_reason_for_2020_08_is_in_the_quality_table():
    """The flag curated for 2020-08 (found by the share detector too) keeps its reason and source."""
    import pandas as pd

    import pkdata as pk

    curated = pd.read_csv(CURATED / "quality_flags.csv", dtype=str)
    want = curated[curated["month"] == "2020-08"].iloc[0]
    q = pk.quality()
    row = q[(q["month"] == "2020-08") & (q["scope"] == "all")].iloc[0]
    assert row["detected_by"].startswith("curated")
    assert (row["reason"], row["source"]) == (want["reason"], want["source"])


def test_the_raw_folders_report_dates_are_read_and_checked(tmp_path, fixture_pdf):
    """The undated October 2019 report takes its date from raw/curated/report_dates.csv when the raw folder has
    one (here a deliberately different date, to see which file was read), else from the package's."""
    from pkdata.core.errors import ParseError

    raw = raw_with_reports(tmp_path, fixture_pdf, ["2019_10"])
    cache = tmp_path / "cache"
    m = build(raw=raw, out=tmp_path / "out1", cache=cache, steps=STEP, workers=1)
    assert list(m["contributions"]["months"]) == ["2019-10"]
    _curated_copy(tmp_path, "report_dates.csv", lambda text: text.replace(",2019-10-31,", ",2019-12-31,"))
    m = build(raw=raw, out=tmp_path / "out2", cache=cache, steps=STEP, workers=1)
    assert list(m["contributions"]["months"]) == ["2019-12"]
    for old, new, message in [
        (",2019-10-31,", ",2019-13-31,", r"report_dates.csv, row 2: report_date '2019-13-31' is not a date"),
        ("c7514ae03c", "z7514ae03c", r"report_dates.csv, row 2: sha256 'z7514ae03c.*is not 64 hex digits"),
        ("\nc7514", "\nc7514", None),
    ]:
        if message is None:  # the same sha256 twice
            lines = (CURATED / "report_dates.csv").read_text(encoding="utf-8").splitlines(keepends=True)
            _curated_copy(tmp_path, "report_dates.csv", lambda text, lines=lines: text + lines[1])
            message = r"report_dates.csv, row 3: sha256 c7514ae03c65… is given twice"
        else:
            _curated_copy(tmp_path, "report_dates.csv", lambda text, old=old, new=new: text.replace(old, new))
        with pytest.raises(ParseError, match=message):
            build(raw=raw, out=tmp_path / "out3", cache=cache, steps=STEP, workers=1)
        assert not (tmp_path / "out3").exists()

"""Fault injection: bad files, kills at marked steps, concurrent runs, bad arguments.

Each case asserts a clear error (one line, no traceback) or a correct result, and that the
processed folder, the parse cache and the figures are byte-identical afterwards or repaired by
the next run. Kills use the hook :func:`pkdata.core.atomic.fault_point`: a subprocess run with
``PKDATA_FAULT=<point>`` SIGKILLs itself at that step. Builds use one or two real reports and the
UN PDF step only, so the file stays fast.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import pkdata
from pkdata.builder import build
from pkdata.cli import main
from pkdata.core import paths, store
from pkdata.core.errors import InconsistentDataError, ParseError, PkdataError, ShrinkError

from .helpers import folder_digest, raw_with_reports

STEP = ["pkdata.builder.steps.un_pdfs:step_un_pdfs"]
A, B = "2019_08", "2015_01"  # two real reports (tests/fixtures): August 2019 (country + gender), January 2015
COMMITTED = paths.REPO_DIR / "data" / "processed"
REFERENCE_PDFS = "personnel/un_monthly_pdfs_kl371218"


def months(out: Path) -> list[str]:
    return sorted(json.loads((out / "manifest.json").read_text())["contributions"]["months"])


def run_build(
    raw: Path,
    out: Path,
    cache: Path,
    *,
    fault: str | None = None,
    workers: int = 1,
    wait: bool = True,
    allow_shrink: bool = False,
) -> subprocess.CompletedProcess | subprocess.Popen:
    """``build()`` of the UN PDF step in a subprocess (killed at ``fault`` if given)."""
    code = (
        f"from pkdata.builder import build; build(raw={str(raw)!r}, out={str(out)!r}, cache={str(cache)!r}, "
        f"steps={STEP!r}, workers={workers}, allow_shrink={allow_shrink})"
    )
    env = {**os.environ, "PKDATA_FAULT": fault or ""}
    if not wait:
        return subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def cli(*args: str) -> subprocess.CompletedProcess:
    """``pkdata ARGS`` in this process (what the command prints and returns, as a finished process would give
    them): the errors checked with it are the CLI's own handling, which a process start would only slow down.
    Kills, terminal encodings and closed pipes need a real process: :func:`cli_process`."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["pkdata", *args], code, out.getvalue(), err.getvalue())


def cli_process(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pkdata", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        **kw,
    )


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture(scope="module")
def warm(tmp_path_factory, fixture_pdf) -> dict[str, Path]:
    """A parse cache holding reports A and B, and clean builds of {A} and {A, B} to compare with."""
    root = tmp_path_factory.mktemp("warm")
    cache = root / "cache"
    raw_a = raw_with_reports(root / "a", fixture_pdf, [A])
    raw_ab = raw_with_reports(root / "ab", fixture_pdf, [A, B])
    build(raw=raw_ab, out=root / "clean_ab", cache=cache, steps=STEP, workers=1)
    build(raw=raw_a, out=root / "clean_a", cache=cache, steps=STEP, workers=1)
    return {
        "cache": cache,
        "raw_a": raw_a,
        "raw_ab": raw_ab,
        "clean_a": root / "clean_a",
        "clean_ab": root / "clean_ab",
    }


@pytest.fixture
def built_a(tmp_path, warm) -> Path:
    """An output folder holding the build of {A} (a copy of the clean one)."""
    out = tmp_path / "out"
    shutil.copytree(warm["clean_a"], out)
    return out


def own_cache(tmp_path: Path, warm: dict[str, Path]) -> Path:
    """A copy of the parse cache alone (no step cache: the PDF step runs and reads the parse cache)."""
    cache = tmp_path / "cache"
    shutil.copytree(warm["cache"] / "un_pdf", cache / "un_pdf")
    return cache


# --------------------------------------------------------------------------- 1. a partial raw folder never shrinks


def test_a_raw_folder_with_one_report_adds_to_the_reference_reports(tmp_path, fixture_pdf, warm):
    """inputs="add": the reference's reports plus the raw one; a raw report replaces the one printing its month."""
    reference = tmp_path / "reference"
    raw_with_reports(tmp_path / "ref", fixture_pdf, [A])
    (reference / REFERENCE_PDFS).parent.mkdir(parents=True)
    (tmp_path / "ref" / "raw" / "un_monthly_pdfs").rename(reference / REFERENCE_PDFS)
    raw = raw_with_reports(tmp_path / "new", fixture_pdf, [B])
    out = tmp_path / "out"
    m = build(raw=raw, out=out, reference=reference, cache=warm["cache"], steps=STEP, inputs="add", workers=1)
    assert sorted(m["contributions"]["months"]) == ["2015-01", "2019-08"]
    # the same August 2019 report under another name in the raw folder replaces the reference copy
    copy = raw / "un_monthly_pdfs" / "august_2019_again.pdf"
    shutil.copy(fixture_pdf(A), copy)
    m = build(raw=raw, out=out, reference=reference, cache=warm["cache"], steps=STEP, inputs="add", workers=1)
    assert m["contributions"]["months"]["2019-08"]["source"] == "august_2019_again.pdf"
    assert sorted(s["name"] for s in m["sources"]) == ["UN_country_contributions_2015_01.pdf", "august_2019_again.pdf"]


def test_a_build_that_would_drop_months_refuses_naming_them(tmp_path, warm):
    out = tmp_path / "out"
    shutil.copytree(warm["clean_ab"], out)
    before = folder_digest(out)
    with pytest.raises(ShrinkError, match=r"drop 1 month\(s\).*2015-01.*--allow-shrink"):
        build(raw=warm["raw_a"], out=out, cache=warm["cache"], steps=STEP, workers=1)
    assert folder_digest(out) == before
    m = build(raw=warm["raw_a"], out=out, cache=warm["cache"], steps=STEP, workers=1, allow_shrink=True)
    assert sorted(m["contributions"]["months"]) == ["2019-08"]
    assert folder_digest(out) == folder_digest(warm["clean_a"])


def test_the_build_cli_has_raw_only_and_allow_shrink(tmp_path):
    import argparse

    from pkdata.builder.cli import _build_options, build_args

    p = argparse.ArgumentParser()
    build_args(p)
    assert _build_options(p.parse_args([])) == {"inputs": "add", "allow_shrink": False}
    assert _build_options(p.parse_args(["--raw-only", "--allow-shrink"])) == {"inputs": "only", "allow_shrink": True}


# --------------------------------------------------------------------------- 2. the parse cache


def test_a_cut_cache_entry_is_a_miss_and_is_replaced(tmp_path, warm):
    cache = own_cache(tmp_path, warm)
    entry = next((cache / "un_pdf").glob("*.json"))
    entry.write_bytes(b"")  # what a kill during the old, non-atomic write left
    next((cache / "un_pdf").glob("*.parquet")).write_bytes(b"PAR1 cut")
    out = tmp_path / "out"
    build(raw=warm["raw_ab"], out=out, cache=cache, steps=STEP, workers=1)
    assert folder_digest(out) == folder_digest(warm["clean_ab"])
    assert folder_digest(cache / "un_pdf") == folder_digest(warm["cache"] / "un_pdf")  # parsed again, written whole


def test_a_kill_while_caching_leaves_no_entry_and_the_next_build_reparses(tmp_path, warm):
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    r = run_build(warm["raw_a"], out, cache, fault="cache_json")
    assert r.returncode == -signal.SIGKILL
    assert list((cache / "un_pdf").glob("*.json")) == []  # the rows may be there; without meta it is no entry
    assert not out.exists() or not (out / "manifest.json").exists()
    build(raw=warm["raw_a"], out=out, cache=cache, steps=STEP, workers=1)  # the next build, in this process
    assert folder_digest(out) == folder_digest(warm["clean_a"])
    assert not [p for p in (cache / "un_pdf").iterdir() if p.name.endswith(".part")]


# --------------------------------------------------------------------------- 4. the switch of the output tables


def test_a_kill_before_ready_leaves_the_output_untouched_and_is_cleared(tmp_path, warm, built_a):
    before = folder_digest(built_a)
    r = run_build(warm["raw_ab"], built_a, warm["cache"], fault="write_table")
    assert r.returncode == -signal.SIGKILL
    leftovers = [p for p in built_a.iterdir() if p.name.startswith(".pkdata-build-")]
    assert len(leftovers) == 1 and not (leftovers[0] / "READY").exists()
    assert {k: v for k, v in folder_digest(built_a).items() if not k.startswith(".")} == before
    assert store.table("contributions", built_a)["date"].dt.strftime("%Y-%m").unique().tolist() == ["2019-08"]
    build(raw=warm["raw_ab"], out=built_a, cache=warm["cache"], steps=STEP, workers=1)
    assert folder_digest(built_a) == folder_digest(warm["clean_ab"])  # the dead build's folder is gone


def test_a_kill_mid_switch_is_refused_by_the_loader_and_rolled_forward_by_verify_repair(tmp_path, warm, built_a):
    r = run_build(warm["raw_ab"], built_a, warm["cache"], fault="swap")
    assert r.returncode == -signal.SIGKILL
    # the new contributions.parquet sits beside the old manifest: refused, with what to do
    with pytest.raises(InconsistentDataError, match=r"inconsistent.*pkdata verify --repair.*pkdata build --out"):
        store.table("contributions", built_a)
    for command in ("info", "verify"):
        r = cli(command, "--data", str(built_a))
        assert r.returncode == 1 and "contributions.parquet: sha256" in r.stderr and "Traceback" not in r.stderr
        assert "an interrupted build left" in r.stderr
    rep = cli("verify", "--repair", "--data", str(built_a))
    assert rep.returncode == 0, rep.stderr
    assert "finished an interrupted update" in rep.stdout
    assert folder_digest(built_a) == folder_digest(warm["clean_ab"])


def test_a_kill_after_ready_is_rolled_forward_by_the_next_build(tmp_path, warm, built_a):
    r = run_build(warm["raw_ab"], built_a, warm["cache"], fault="ready")
    assert r.returncode == -signal.SIGKILL
    swap = next(p for p in built_a.iterdir() if p.name.startswith(".pkdata-build-"))
    assert os.stat(swap).st_dev == os.stat(built_a).st_dev  # inside the output: a rename, never a copy
    assert store.table("contributions", built_a)["date"].dt.strftime("%Y-%m").unique().tolist() == ["2019-08"]
    build(raw=warm["raw_ab"], out=built_a, cache=warm["cache"], steps=STEP, workers=1)
    assert folder_digest(built_a) == folder_digest(warm["clean_ab"])


def test_concurrent_builds_and_reads_never_pair_one_builds_manifest_with_anothers_table(tmp_path, warm):
    """Four builds of two different sets into one folder while a thread reads: every read is one build's."""
    out = tmp_path / "out"
    shutil.copytree(warm["clean_ab"], out)
    rows = {len(pd.read_parquet(warm[k] / "contributions.parquet")) for k in ("clean_a", "clean_ab")}
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                with store_lock(out):  # table and manifest read as one
                    t = store.table("contributions", out)
                    m = store.manifest(out)
                seen.append((len(t), m["tables"]["contributions"]["rows"]))
            except InconsistentDataError as exc:
                errors.append(exc)
            time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        procs = [
            run_build(warm["raw_a" if i % 2 else "raw_ab"], out, warm["cache"], wait=False, allow_shrink=True)
            for i in range(4)
        ]
        for p in procs:
            assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    finally:
        stop.set()
        reader.join()
    assert len(seen) > 10 and not errors
    assert all(t == m and t in rows for t, m in seen)
    assert store.verify(out) == []
    assert folder_digest(out) in (folder_digest(warm["clean_a"]), folder_digest(warm["clean_ab"]))


def store_lock(folder: Path):
    from pkdata.core import atomic

    return atomic.locked(folder, shared=True)


# --------------------------------------------------------------------------- silently wrong -> refused


def test_a_table_renamed_to_another_table_is_refused(tmp_path, warm):
    out = tmp_path / "out"
    shutil.copytree(COMMITTED, out)
    shutil.copy(out / "missions.parquet", out / "contributions.parquet")
    with pytest.raises(InconsistentDataError, match="contributions.parquet.*not the file its manifest names"):
        store.table("contributions", out)
    # even with a manifest doctored to the new sha256, the columns say it is no contributions table
    m = json.loads((out / "manifest.json").read_text())
    m["tables"]["contributions"]["sha256"] = store._read(out / "contributions.parquet")[1]
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InconsistentDataError, match="not a contributions table"):
        store.table("contributions", out)
    v = cli("verify", "--data", str(out))
    assert v.returncode == 1 and "columns" in v.stderr


def test_a_manifest_sha256_that_does_not_match_is_reported_by_info_and_verify(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(COMMITTED, out)
    m = json.loads((out / "manifest.json").read_text())
    m["tables"]["fatalities"]["sha256"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(m))
    for command in ("info", "verify"):
        r = cli(command, "--data", str(out))
        assert r.returncode == 1 and "fatalities.parquet: sha256" in r.stderr and "Traceback" not in r.stderr
    assert cli("verify", "--data", str(COMMITTED)).returncode == 0


def test_verification_is_cached_per_file_version(tmp_path, monkeypatch):
    """The check hashes each file version once: a second read of an unchanged table hashes nothing, a changed
    file is hashed (and refused) again. (What verifying costs is measured by benchmarks/bench.py, not here.)"""
    import hashlib

    folder = tmp_path / "data"
    shutil.copytree(COMMITTED, folder)
    hashed = []
    real = hashlib.sha256
    monkeypatch.setattr(store.hashlib, "sha256", lambda data=b"": hashed.append(len(data)) or real(data))
    store.table("contributions", folder)
    assert hashed == [(folder / "contributions.parquet").stat().st_size]
    store.table("contributions", folder)
    assert len(hashed) == 1, "an unchanged table was hashed again"
    path = folder / "contributions.parquet"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(InconsistentDataError):
        store.table("contributions", folder)
    assert len(hashed) == 2


def _gender_sample(tmp_path: Path, reference: Path, change: tuple[str, str] | None) -> tuple[Path, int]:
    """The first rows of IPI's Gender.Full.csv (the fixture extract), with one China row's ISO-3 changed if asked."""
    src = reference / "personnel/ipi_peacekeeping_db_tcc_datascraper/Gender.Full.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header, body = lines[0], lines[1:60]
    china = next(i for i, line in enumerate(body) if ',"China","CHN",' in line) + 5  # a China row, not the first
    assert ',"China","CHN",' in body[china]
    if change:
        body[china] = body[china].replace(*change)
    out = tmp_path / "Gender.Full.csv"
    out.write_text(header + "".join(body), encoding="utf-8")
    return out, china + 2


def test_a_name_and_code_that_disagree_fail_naming_file_and_row(tmp_path, fixtures):
    from pkdata.builder.readers.ipi import read_gender_file

    good, _ = _gender_sample(tmp_path, fixtures, None)
    assert "CHN" in set(read_gender_file(good)["contributor_iso3"].astype(str))
    bad, row = _gender_sample(tmp_path, fixtures, ('"CHN"', '"ALB"'))
    with pytest.raises(ParseError, match=rf"Gender.Full.csv, row {row}: contributor 'China' is CHN .* says 'ALB'"):
        read_gender_file(bad)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: pkdata.snapshot("2018"), "'2018' is a year"),
        (lambda: pkdata.snapshot(201809), "201809 is a number.*'2018-09'"),
        (lambda: pkdata.snapshot(""), "'' is not a month"),
        (lambda: pkdata.snapshot("2018-13"), "'2018-13' is not a month"),
        (lambda: pkdata.p5("2018"), "'2018' is a year"),
        (lambda: pkdata.fatalities("ZZZ"), "iso3='ZZZ': not an ISO 3166"),
        (lambda: pkdata.fatalities(mission="NOSUCH"), "mission='NOSUCH': no such mission"),
    ],
)
def test_bad_arguments_are_clear_errors(call, message, monkeypatch):
    monkeypatch.setenv("PKDATA_DATA", str(COMMITTED))
    with pytest.raises(PkdataError, match=message):
        call()


def test_a_known_code_with_no_deaths_is_an_empty_frame_not_an_error(monkeypatch):
    monkeypatch.setenv("PKDATA_DATA", str(COMMITTED))
    f = pkdata.fatalities("chn")
    assert len(f) > 0 and set(f["nationality_iso3"].astype(str)) == {"CHN"}


def test_build_with_a_missing_raw_folder_is_an_error(tmp_path):
    r = cli("build", "--raw", str(tmp_path / "nonexistent"), "--out", str(tmp_path / "out"))
    one_line_error(r, "--raw", "no such folder")
    assert not (tmp_path / "out").exists()


def test_upper_case_pdf_names_are_read(tmp_path, fixture_pdf, warm):
    raw = tmp_path / "raw" / "un_monthly_pdfs"
    raw.mkdir(parents=True)
    (raw / "UN_COUNTRY_CONTRIBUTIONS_2019_08.PDF").symlink_to(fixture_pdf(A))
    m = build(raw=raw.parent, out=tmp_path / "out", cache=warm["cache"], steps=STEP, workers=1)
    assert m["contributions"]["months"] == {
        "2019-08": {"source": "UN_COUNTRY_CONTRIBUTIONS_2019_08.PDF", "granularity": "country+gender"}
    }


# --------------------------------------------------------------------------- tracebacks -> one line


def _with_bad_byte(src: Path, dst: Path, line: int) -> Path:
    lines = src.read_bytes().splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace(b",", b",\xe9", 1)
    dst.write_bytes(b"".join(lines[:40]))
    return dst


@pytest.mark.parametrize(
    "reader, source",
    [
        ("un_fatalities:read_fatalities", "fatalities/DPPADPOSS-FATALITIES.csv"),
        ("un_missions:read_pko", "missions/DPPADPOSS-PKO.csv"),
        ("un_missions:read_crosswalk", "missions/unpko_country_crosswalk.csv"),
        ("un_missions:read_overrides", "curated:mission_overrides.csv"),
        ("un_fatalities:read_exclusions", "curated:fatality_exclusions.csv"),
    ],
)
def test_non_utf8_bytes_name_the_file_and_row(tmp_path, fixtures, reader, source):
    from importlib import import_module

    module, func = reader.split(":")
    src = paths.curated_dir() / source[8:] if source.startswith("curated:") else fixtures / source
    bad = _with_bad_byte(src, tmp_path / src.name, 3)
    with pytest.raises(ParseError, match=rf"{src.name}, row 3: byte 0xe9 .* not UTF-8"):
        getattr(import_module(f"pkdata.builder.readers.{module}"), func)(bad)


def test_cut_tables_and_broken_manifests_are_one_line_errors(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(COMMITTED, out)
    data = (out / "missions.parquet").read_bytes()
    (out / "missions.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(InconsistentDataError, match="missions.parquet"):
        store.table("missions", out)
    m = json.loads((out / "manifest.json").read_text())
    m["tables"]["missions"]["sha256"] = __import__("hashlib").sha256(data[: len(data) // 2]).hexdigest()
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InconsistentDataError, match="missions.parquet is not a readable parquet file"):
        store.table("missions", out)
    (out / "manifest.json").write_text('{"tables": {')
    one_line_error(cli("info", "--data", str(out)), "manifest.json is not a valid manifest", "pkdata build")
    (out / "manifest.json").unlink()
    one_line_error(cli("info", "--data", str(out)), "manifest.json not found")
    r = cli_process("--debug", "info", "--data", str(out))
    assert "Traceback" in r.stderr  # --debug shows it


def test_claims_on_a_manifest_with_empty_dates(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    shutil.copytree(COMMITTED, out)
    m = json.loads((out / "manifest.json").read_text())
    changed = 0
    for s in m["sources"]:
        if "last_update" in s:
            s["last_update"] = ""
            changed += 1
    assert changed
    (out / "manifest.json").write_text(json.dumps(m))
    monkeypatch.setenv("PKDATA_DATA", str(out))
    assert main(["claims"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_an_ascii_terminal_and_a_closed_pipe_get_no_traceback():
    r = cli_process("claims", env={"PYTHONIOENCODING": "ascii"})
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    p = subprocess.Popen(
        [sys.executable, "-m", "pkdata", "info", "--months"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    p.stdout.close()  # like `| head -1` having read its line
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 141 and "Traceback" not in err and "Exception ignored" not in err, err


def test_outputs_that_are_files_are_one_line_errors(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    one_line_error(cli("build", "--out", str(a_file)), "is not a folder")
    one_line_error(cli("figures", "--out", str(a_file), "--only", "p5_over_time"), "is not a folder")
    with pytest.raises(PkdataError, match="is not a folder"):
        build(raw=tmp_path, out=a_file, steps=STEP)
    assert a_file.read_text() == "x"


# --------------------------------------------------------------------------- 3. figures


def test_a_kill_between_the_png_and_the_svg_redraws_on_the_next_run(tmp_path, monkeypatch):
    from pkdata.outputs import figures

    monkeypatch.setenv("PKDATA_DATA", str(COMMITTED))
    out = tmp_path / "figs"
    assert figures.render_all(out, only=["p5_over_time"]) == {"p5_over_time": "drawn"}
    good = folder_digest(out)
    r = cli_process(
        "figures", "--out", str(out), "--only", "p5_over_time", "--force", env={"PKDATA_FAULT": "figure_png"}
    )
    assert r.returncode == -signal.SIGKILL
    assert any(p.name.endswith(".part") for p in out.iterdir())  # the SVG's, cut short
    # no stamp (removed before drawing): the chart is not up to date; the dead run's .part goes
    assert figures.render_all(out, only=["p5_over_time"]) == {"p5_over_time": "drawn"}
    assert folder_digest(out) == good
    # a cut PNG under a good stamp: the stamp's sha256 says redraw
    (out / "p5_over_time.png").write_bytes(b"")
    assert figures.render_all(out, only=["p5_over_time"]) == {"p5_over_time": "drawn"}
    assert folder_digest(out) == good
    assert figures.render_all(out, only=["p5_over_time"]) == {"p5_over_time": "unchanged"}


# --------------------------------------------------------------------------- processes and leftovers


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig, via_cli", [(signal.SIGKILL, False), (signal.SIGTERM, True), (signal.SIGINT, True)])
def test_no_worker_outlives_a_killed_build(tmp_path, fixture_pdf, sig, via_cli, request):
    raw = raw_with_reports(tmp_path, fixture_pdf, [A, B])
    if via_cli:  # `pkdata build`: SIGTERM and Ctrl-C stop the pool and exit with one line
        # the other sources' steps from the cache (they are not what is killed); A and B are parsed by the pool
        shutil.copytree(request.getfixturevalue("other_steps_cache"), tmp_path / "cache")
        p = subprocess.Popen(
            [sys.executable, "-m", "pkdata", "build", "--raw", str(raw), "--raw-only", "--out", str(tmp_path / "out")],
            env={**os.environ, "PKDATA_CACHE": str(tmp_path / "cache")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # Ctrl-C as in a user's terminal: the test runner's worker may ignore SIGINT, which a child inherits
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    else:
        p = run_build(raw, tmp_path / "out", tmp_path / "cache", workers=2, wait=False)
    deadline = time.time() + 60
    while len(_children(p.pid)) < 2 and time.time() < deadline:
        time.sleep(0.05)
    workers = _children(p.pid)
    assert len(workers) >= 2, "the build started no worker processes"
    os.kill(p.pid, sig)
    p.wait(timeout=30)
    if via_cli:
        assert p.returncode == 128 + sig
        err = p.stderr.read().decode()
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "manifest.json").exists()
    deadline = time.time() + 10
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:  # leave nothing running, even when the test fails
        os.kill(w, signal.SIGKILL)
    assert not survivors


def test_leftovers_of_dead_runs_are_removed_by_the_next_run(tmp_path, warm, built_a):
    dead = 999_999_999
    (built_a / f".pkdata-build-{dead}-0").mkdir()
    (built_a / f".pkdata-build-{dead}-0" / "contributions.parquet").write_bytes(b"half")
    (built_a / f".manifest.json.{dead}.part").write_bytes(b"{")
    build(raw=warm["raw_ab"], out=built_a, cache=warm["cache"], steps=STEP, workers=1)
    assert folder_digest(built_a) == folder_digest(warm["clean_ab"])
    assert sorted(p.name for p in built_a.iterdir()) == sorted(p.name for p in warm["clean_ab"].iterdir())
    assert not any(p.name.startswith(".") for p in built_a.iterdir())
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / f".p5_over_time.png.{dead}.part").write_bytes(b"")
    (figs / f".p5_over_time.png.{os.getpid()}.part").write_bytes(b"")  # a live run's: kept
    from pkdata.core import atomic

    atomic.clean_leftovers(figs)  # what render_all does first
    assert [p.name for p in figs.iterdir()] == [f".p5_over_time.png.{os.getpid()}.part"]


# --------------------------------------------------------------------------- fetch


def test_fetch_months_are_validated():
    from pkdata.builder.fetch import FetchError, parse_months

    for bad in ("2018-13", "2018", "18-01", "2019-06:2019-01", ""):
        with pytest.raises(FetchError, match="--months"):
            parse_months(bad)
    one_line_error(cli("fetch", "--only", "un_pdf", "--months", "2018-13", "--offline"), "'2018-13' is not a month")


def test_fetch_without_network_gives_up_at_the_deadline(tmp_path):
    """A server that accepts and never answers: retries stop at the file's deadline (well before the 50 retries
    allowed), nothing on disk changes. Counted in connections, not seconds: a busy machine changes neither."""
    import socket
    import threading

    from pkdata.builder import fetch as f

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held: list[socket.socket] = []  # accepted and never answered
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:  # the 0.2 s accept timeout, or the socket closed
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/UN_country_contributions_2019_08.pdf"
        spec = f.RemoteFile("un_monthly_pdfs/UN_country_contributions_2019_08.pdf", url, "pdf", "un_pdf", "UN")
        config = f.FetchConfig(retries=50, backoff=0.05, timeout=(0.5, 0.3), deadline=1.5, progress=False)
        (res,) = f.fetch([spec], tmp_path / "raw", config=config)
    finally:
        done.set()
        thread.join()
        server.close()
        for conn in held:
            conn.close()
    assert res.status == "failed" and "gave up after 1.5 s" in res.message and "Nothing on disk changed" in res.message
    assert 1 <= len(held) < 51, len(held)  # without the deadline: 1 try + 50 retries, each answered by nothing
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]


def test_fetch_has_one_retry_layer(httpserver, tmp_path):
    from pkdata.builder import fetch as f

    httpserver.expect_request("/x.pdf").respond_with_data("busy", status=503)
    spec = f.RemoteFile("un_monthly_pdfs/x.pdf", httpserver.url_for("/x.pdf"), "pdf", "un_pdf", "UN")
    (res,) = f.fetch([spec], tmp_path / "raw", config=f.FetchConfig(retries=2, backoff=0, progress=False))
    assert res.status == "failed" and "HTTP 503" in res.message
    assert len(httpserver.log) == 3  # 1 + 2 retries (the session adds none of its own)


def test_fetch_progress_shows_for_every_download_after_a_second():
    from pkdata.builder import fetch as f

    bar = f._progress(None, "report.pdf", f.FetchConfig(progress=True))  # size unknown, small or large
    assert bar is not None and bar.delay <= 1.0
    bar.close()
    assert f._progress(10, "report.pdf", f.FetchConfig(progress=False)) is None


def test_a_bad_copy_in_a_mirror_folder_names_the_local_file(tmp_path, fixture_pdf):
    from pkdata.builder import fetch as f

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    cut = mirror / "UN_country_contributions_2019_08.pdf"
    cut.write_bytes(fixture_pdf(A).read_bytes()[:5000])
    spec = f.RemoteFile(
        f"un_monthly_pdfs/{cut.name}", "https://example.org/x.pdf", "pdf", "un_pdf", "UN", mirror_names=(cut.name,)
    )
    (res,) = f.fetch([spec], tmp_path / "raw", mirror=mirror, config=f.FetchConfig(progress=False))
    assert res.status == "failed" and res.message.startswith(f"{cut}: ") and "example.org" not in res.message
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]

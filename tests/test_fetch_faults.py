"""Faults around fetching and writing: a wrong month under a name, a server that drips, no network, leftovers of
killed runs, an unwritable raw folder, a full disk and huge arguments.

HTTP goes to a local server the test starts (pytest-httpserver) or to a closed local port; kills use the hooks of
:mod:`pkdata.core.atomic` (``PKDATA_FAULT=write:<file>`` SIGKILLs at that file's write, ``enospc:<file>`` raises
the error of a full disk there).
"""

from __future__ import annotations

import dataclasses
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from werkzeug import Response

from pkdata.builder import fetch as f
from pkdata.core import atomic

from .test_faults import cli, cli_process, one_line_error

FAST = f.FetchConfig(retries=2, backoff=0, timeout=(0.5, 0.5), progress=False)


def _month_spec(httpserver, month: str) -> f.RemoteFile:
    """The registry's file for one monthly report, fetched from the local server."""
    (spec,) = f.registry(months=(month, month), groups=["un_pdf"])
    assert spec.month == month
    return dataclasses.replace(spec, url=httpserver.url_for(f"/{Path(spec.dest).name}"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the with block ends: connections are refused


def test_another_months_report_under_the_name_is_refused_naming_both_months(httpserver, tmp_path, un_pdf):
    spec = _month_spec(httpserver, "2018-09")
    httpserver.expect_request(f"/{Path(spec.dest).name}").respond_with_data(
        un_pdf("2018_10").read_bytes(), content_type="application/pdf"
    )
    raw = tmp_path / "raw"
    (res,) = f.fetch([spec], raw, config=FAST)
    assert res.status == "failed"
    assert "prints 2018-10, not 2018-09" in res.message and "--from DIR" in res.message, res.message
    assert not (raw / spec.dest).exists() and not list(raw.rglob("*.part"))
    assert not (raw / f.MANIFEST).exists()


def test_the_right_month_and_a_known_reprint_are_kept(httpserver, tmp_path, un_pdf):
    # 2015_03's file at the publisher's mirror reprints April 2015 (pkdata/data/expected.toml lists it).
    specs = [_month_spec(httpserver, m) for m in ("2018-09", "2015-03")]
    for spec, month in zip(specs, ("2018_09", "2015_03"), strict=True):
        httpserver.expect_request(f"/{Path(spec.dest).name}").respond_with_data(
            un_pdf(month).read_bytes(), content_type="application/pdf"
        )
    results = f.fetch(specs, tmp_path / "raw", config=FAST)
    assert [r.status for r in results] == ["new", "new"], [r.message for r in results]


def test_a_server_that_drips_bytes_is_cut_at_the_deadline(httpserver, tmp_path, fixture_pdf):
    body = fixture_pdf("2015_01").read_bytes()
    sent = []

    def drip(request):
        def gen():
            for i in range(len(body)):
                sent.append(i)
                threading.Event().wait(0.01)
                yield body[i : i + 1]

        return Response(gen(), headers={"Content-Length": str(len(body))}, content_type="application/pdf")

    httpserver.expect_request("/UN_country_contributions_2015_01.pdf").respond_with_handler(drip)
    spec = _month_spec(httpserver, "2015-01")
    config = dataclasses.replace(FAST, deadline=1.0, timeout=(0.5, 30.0))
    raw = tmp_path / "raw"
    (res,) = f.fetch([spec], raw, config=config)
    assert res.status == "failed" and "gave up after 1 s" in res.message, res.message
    assert len(sent) < len(body)  # cut while the body was still coming (a byte every 10 ms; 60 KB would take 10 min)
    assert not (raw / spec.dest).exists() and not list(raw.rglob("*.part"))


class CountingSession(requests.Session):
    """A real session that counts its requests."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0

    def get(self, *args, **kw):
        self.gets += 1
        return super().get(*args, **kw)


def test_no_network_is_found_out_once_and_said(tmp_path):
    port = _closed_port()
    specs = [
        dataclasses.replace(s, url=f"http://127.0.0.1:{port}/{Path(s.dest).name}")
        for s in f.registry(months=("2015-01", "2015-12"), groups=["un_pdf"])
    ]
    session = CountingSession()
    results = f.fetch(specs, tmp_path / "raw", config=FAST, session=session)
    assert [r.status for r in results] == ["failed"] * 12
    assert session.gets == 2  # the first file twice; no other file was tried
    assert all(r.extra.get("unreachable") == f"127.0.0.1:{port}" for r in results)
    assert (
        results[0].message.startswith("no network: cannot connect to 127.0.0.1:") and "--from DIR" in results[0].message
    )


def test_the_fetch_command_says_no_network_in_one_line(tmp_path, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("PKDATA_UN_PDF_URL", f"http://127.0.0.1:{port}/UN_{{year}}_{{month:02d}}.pdf")
    out = cli("fetch", "--only", "un_pdf", "--months", "2015-01:2015-12", "--raw", str(tmp_path), "--retries", "1")
    assert out.returncode == 1
    failed = [line for line in out.stdout.splitlines() if "failed:" in line and "fetch:" not in line]
    assert len(failed) == 1 and "12 file(s) from 127.0.0.1" in failed[0] and "no network" in failed[0], out.stdout
    assert "pkdata fetch --from DIR" in failed[0]


def test_an_unwritable_raw_folder_is_one_line(tmp_path, monkeypatch):
    # Tests run as root, for whom permissions do not stop a write: a file where the reports' folder should be
    # fails every write under it the same way.
    (tmp_path / "un_monthly_pdfs").write_text("not a folder")
    monkeypatch.setenv("PKDATA_UN_PDF_URL", f"http://127.0.0.1:{_closed_port()}/x_{{year}}_{{month:02d}}.pdf")
    out = cli("fetch", "--only", "un_pdf", "--months", "2015-01:2025-12", "--raw", str(tmp_path))
    one_line_error(out, f"cannot write into {tmp_path / 'un_monthly_pdfs'}", "is a file, not a folder", "--raw")
    assert out.stdout == ""


def _killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -signal.SIGKILL, result.stderr


def test_a_killed_fetch_leaves_a_part_file_the_next_fetch_removes(httpserver, tmp_path, fixture_pdf, monkeypatch):
    name = "UN_country_contributions_2015_01.pdf"
    httpserver.expect_request(f"/{name}").respond_with_data(
        fixture_pdf("2015_01").read_bytes(), content_type="application/pdf"
    )
    raw = tmp_path / "raw"
    args = ("fetch", "--only", "un_pdf", "--months", "2015-01", "--raw", str(raw), "--no-progress")
    env = {"PKDATA_UN_PDF_URL": httpserver.url_for("/UN_country_contributions_{year}_{month:02d}.pdf")}
    _killed(cli_process(*args, env={**env, "PKDATA_FAULT": f"write:{name}"}))
    assert [p.name for p in raw.rglob("*.part")] != [] and not (raw / "un_monthly_pdfs" / name).exists()
    monkeypatch.setenv("PKDATA_UN_PDF_URL", env["PKDATA_UN_PDF_URL"])
    done = cli(*args)  # the next fetch (the kill above needed a process of its own)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (raw / "un_monthly_pdfs" / name).read_bytes() == fixture_pdf("2015_01").read_bytes()
    assert not list(raw.rglob("*.part"))


def test_a_full_disk_during_a_download_names_the_file(httpserver, tmp_path, fixture_pdf, monkeypatch):
    name = "UN_country_contributions_2015_01.pdf"
    httpserver.expect_request(f"/{name}").respond_with_data(
        fixture_pdf("2015_01").read_bytes(), content_type="application/pdf"
    )
    monkeypatch.setenv("PKDATA_FAULT", f"enospc:{name}")
    raw = tmp_path / "raw"
    (res,) = f.fetch([_month_spec(httpserver, "2015-01")], raw, config=FAST)
    assert (
        res.status == "failed" and "disk is full" in res.message and str(raw / "un_monthly_pdfs" / name) in res.message
    )
    assert not list(raw.rglob("*.part"))


def test_a_kill_while_writing_a_brief_keeps_the_previous_brief_whole(tmp_path, ind_brief):
    out = tmp_path / "briefs"
    first, code, err = ind_brief  # `pkdata brief IND`, run once for the whole test run
    assert code == 0, err
    shutil.copytree(first, out)
    pdf = out / "IND_brief.pdf"
    before = pdf.read_bytes()
    _killed(cli_process("brief", "IND", "--out", str(out), env={"PKDATA_FAULT": "write:IND_brief.pdf"}))
    assert pdf.read_bytes() == before and before.rstrip().endswith(b"%%EOF")
    assert [p.name for p in out.iterdir() if p.name.endswith(".part.pdf")]  # the cut copy is a temporary file
    again = cli("brief", "IND", "--out", str(out))  # the next run (the kill above needed a process of its own)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["IND_brief.pdf", "IND_brief.png"]


def test_a_full_disk_while_writing_a_brief_names_the_path_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PKDATA_FAULT", "enospc:FRA_brief.png")
    out = cli("brief", "FRA", "--out", str(tmp_path))
    one_line_error(out, str(tmp_path / "FRA_brief.png"), "the disk is full", "free some space")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_export_leaves_a_part_file_the_next_export_removes(tmp_path):
    target = tmp_path / "c.csv"
    _killed(cli_process("export", "contributions", "--out", str(target), env={"PKDATA_FAULT": "write:c.csv"}))
    assert [p.name for p in tmp_path.iterdir()] != [] and not target.exists()
    done = cli("export", "contributions", "--out", str(target))  # the next export, in this process
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "c.csv.json"]


@pytest.mark.parametrize(
    "args", [("export", "Q" * 1_000_000, "--out", "x.csv"), ("fetch", "--offline", "--months", "Q" * 1_000_000)]
)
def test_a_huge_argument_is_cut_in_the_error(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = cli(*args)
    one_line_error(out, "characters]")
    assert len(out.stderr) < 1000, len(out.stderr)
    assert not list(tmp_path.iterdir())


def test_a_huge_argument_is_cut_in_a_usage_error(capsys):
    from pkdata.cli import main

    with pytest.raises(SystemExit):
        main(["export", "contributions", "--out", "x.csv", "--format", "Z" * 1_000_000])
    err = capsys.readouterr().err
    assert len(err) < 1000 and "[1,000,002 characters]" in err, err[:300]


def test_a_dead_runs_part_file_is_removed_but_a_running_ones_is_kept(tmp_path):
    dead = tmp_path / ".a.pdf.999999999.part"
    mine = atomic.part_name(tmp_path / "b.pdf")
    dead.write_bytes(b"x")
    mine.write_bytes(b"y")
    assert len(atomic.clean_leftovers(tmp_path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name]

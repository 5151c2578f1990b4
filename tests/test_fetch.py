"""pkdata fetch / update against a local HTTP server (pytest-httpserver); never the internet.

After every failure the raw files (manifest included) and data/processed are byte-identical to before.
"""

from __future__ import annotations

import json
import time

import pytest
from werkzeug import Response

from pkdata import fetch as f
from pkdata.build import build
from pkdata.hashes import sha256_file

from .helpers import folder_digest, raw_with_reports

FAST = f.FetchConfig(retries=1, backoff=0, timeout=(0.5, 0.3), progress=False)
STEP = ["pkdata.build.personnel:step_un_pdfs"]


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(f, "_sleep", lambda s: None)
    monkeypatch.setattr(time, "sleep", lambda s: None)  # urllib3's back-off


def _spec(httpserver, name="UN_country_contributions_2015_04.pdf", kind="pdf", header=()):
    folder = "un_monthly_pdfs" if kind == "pdf" else "un_csv"
    return f.RemoteFile(dest=f"{folder}/{name}", url=httpserver.url_for(f"/{name}"), kind=kind, group="test",
                        publisher="test", header=header)


@pytest.fixture
def world(tmp_path, un_pdf):
    """A raw folder with two real reports, a build of them, and the bytes of a third report."""
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01", "2015_02"])
    out = tmp_path / "processed"
    build(raw=raw, out=out, cache=tmp_path / "cache", steps=STEP)
    return {"raw": raw, "out": out, "cache": tmp_path / "cache", "new": un_pdf("2015_04").read_bytes(),
            "before": (folder_digest(raw), folder_digest(out))}


def _unchanged(world):
    assert (folder_digest(world["raw"]), folder_digest(world["out"])) == world["before"]
    assert not list(world["raw"].rglob("*.part"))


def test_success_then_build_brings_the_new_month(httpserver, world):
    httpserver.expect_request("/UN_country_contributions_2015_04.pdf").respond_with_data(
        world["new"], content_type="application/pdf", headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2015"})
    spec = _spec(httpserver)
    (res,) = f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert res.status == "new", res.message
    entry = f.load_manifest(world["raw"])["files"][spec.dest]
    assert entry["url"] == spec.url and entry["bytes"] == len(world["new"]) and entry["etag"] == '"v1"'
    assert entry["last_modified"] == "Mon, 01 Jun 2015" and entry["retrieved_at"] and len(entry["sha256"]) == 64
    m = build(raw=world["raw"], out=world["out"], cache=world["cache"], steps=STEP)
    assert sorted(m["contributions"]["months"]) == ["2015-01", "2015-02", "2015-04"]
    # Fetching again sends the ETag; the server's 304 leaves everything as it is.
    httpserver.clear()
    httpserver.expect_request("/UN_country_contributions_2015_04.pdf", headers={"If-None-Match": '"v1"'}
                              ).respond_with_data("", status=304)
    (again,) = f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert again.status == "unchanged"


def test_500_then_success_is_retried(httpserver, world):
    httpserver.expect_ordered_request("/UN_country_contributions_2015_04.pdf").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/UN_country_contributions_2015_04.pdf").respond_with_data(
        world["new"], content_type="application/pdf")
    (res,) = f.fetch([_spec(httpserver)], world["raw"], config=FAST, processed=world["out"])
    assert res.status == "new", res.message
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("case", ["timeout", "truncated", "truncated_pdf", "html", "404", "500", "bad_csv"])
def test_failures_change_nothing_and_say_what_to_do(httpserver, world, case):
    name, kind, header = "UN_country_contributions_2015_01.pdf", "pdf", ()
    path = f"/{name}"
    old = (world["raw"] / "un_monthly_pdfs" / name).read_bytes()
    if case == "timeout":
        def slow(request):
            time_sleep(0.6)
            return Response(world["new"], content_type="application/pdf")
        httpserver.expect_request(path).respond_with_handler(slow)
        expect = "download failed"
    elif case == "truncated":
        httpserver.expect_request(path).respond_with_response(Response(
            world["new"][: len(world["new"]) // 2], headers={"Content-Length": str(len(world["new"]))},
            content_type="application/pdf"))
        expect = "truncated"  # the short body is caught by Content-Length or, failing that, the PDF check
    elif case == "truncated_pdf":
        httpserver.expect_request(path).respond_with_data(world["new"][:-4096], content_type="application/pdf")
        expect = "truncated PDF"
    elif case == "html":
        httpserver.expect_request(path).respond_with_data("<!DOCTYPE html><html><body>Maintenance</body></html>",
                                                          content_type="text/html")
        expect = "HTML page, not a PDF"
    elif case == "404":
        httpserver.expect_request(path).respond_with_data("Not Found", status=404)
        expect = "HTTP 404"
    elif case == "500":
        httpserver.expect_request(path).respond_with_data("down", status=503)
        expect = "HTTP 503"
    else:
        name, kind, header = "DPO-UCHISTORICAL.csv", "csv", ("last_reporting_date", "isocode3")
        httpserver.expect_request(f"/{name}").respond_with_data("date,country\n2022-07-31,China\n",
                                                                content_type="text/csv")
        expect = "CSV header lacks"
    (res,) = f.fetch([_spec(httpserver, name, kind, header)], world["raw"], config=FAST, processed=world["out"])
    assert res.status == "failed"
    assert expect in res.message or (case == "truncated" and "download failed" in res.message), res.message
    assert any(hint in res.message for hint in ("Nothing on disk changed", "pkdata fetch", "reader needs updating"))
    _unchanged(world)
    assert (world["raw"] / "un_monthly_pdfs" / "UN_country_contributions_2015_01.pdf").read_bytes() == old


def time_sleep(seconds: float) -> None:  # the real sleep (time.sleep is patched for back-off)
    import threading

    threading.Event().wait(seconds)


def test_changed_file_keeps_the_old_version_until_a_build_succeeds(httpserver, world, un_pdf):
    name = "UN_country_contributions_2015_02.pdf"
    spec = _spec(httpserver, name)
    dest = world["raw"] / spec.dest
    old_bytes = dest.read_bytes()
    old_sha = sha256_file(dest)
    dest.unlink()
    dest.write_bytes(old_bytes)  # a real file (not the test's symlink), as fetch would have left it
    # Upstream now serves other bytes under this name (a corrected re-issue, here another real report).
    httpserver.expect_request(f"/{name}").respond_with_data(un_pdf("2015_05").read_bytes(),
                                                            content_type="application/pdf")
    (res,) = f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert res.status == "updated", res.message
    entry = f.load_manifest(world["raw"])["files"][spec.dest]
    kept = world["raw"] / entry["previous"][0]["path"]
    assert entry["sha256"] != old_sha and entry["previous"][0]["sha256"] == old_sha
    assert kept.read_bytes() == old_bytes and sha256_file(dest) == entry["sha256"]
    # No build used the new version yet: a later fetch keeps the old one.
    f.prune_previous(world["raw"], world["out"])
    assert kept.exists()
    # A build that uses it succeeds: now the old version goes.
    build(raw=world["raw"], out=world["out"], cache=world["cache"], steps=STEP)
    assert f.prune_previous(world["raw"], world["out"]) == [entry["previous"][0]["path"]]
    assert not kept.exists()
    assert "previous" not in f.load_manifest(world["raw"])["files"][spec.dest]


def test_restore_puts_the_previous_version_back(httpserver, world, un_pdf):
    name = "UN_country_contributions_2015_04.pdf"
    spec = _spec(httpserver, name)
    httpserver.expect_ordered_request(f"/{name}").respond_with_data(world["new"], content_type="application/pdf")
    httpserver.expect_ordered_request(f"/{name}").respond_with_data(un_pdf("2015_05").read_bytes(),
                                                                    content_type="application/pdf")
    f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert f.restore_previous(world["raw"]) == [spec.dest]
    assert (world["raw"] / spec.dest).read_bytes() == world["new"]
    assert f.load_manifest(world["raw"])["files"][spec.dest]["sha256"] == sha256_file(world["raw"] / spec.dest)


def test_offline_and_local_mirror(tmp_path, reference):
    raw = tmp_path / "raw"
    specs = f.registry(raw, months=("2015-01", "2015-02"), groups=["un_pdf"])
    offline = f.fetch(specs, raw, offline=True)
    assert [r.status for r in offline] == ["missing", "missing"] and not raw.exists()
    got = f.fetch(specs, raw, mirror=reference)
    assert [r.status for r in got] == ["new", "new"], [r.message for r in got]
    manifest = json.loads((raw / f.MANIFEST).read_text())
    assert manifest["files"]["un_monthly_pdfs/UN_country_contributions_2015_01.pdf"]["url"].startswith("file://")
    assert [r.status for r in f.fetch(specs, raw, offline=True)] == ["present", "present"]
    ipi = f.registry(raw, groups=["ipi"])
    assert len(ipi) == 148 + 9
    res = f.fetch([s for s in ipi if s.dest.endswith(("Gender.Full.csv", "countries/China.csv"))], raw,
                  mirror=reference)
    assert [r.status for r in res] == ["new", "new"], [r.message for r in res]


def test_cli_update_prints_what_changed(tmp_path, monkeypatch, capsys, un_pdf, reference):
    from pkdata.cli import main

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for m in ("2015_01", "2015_02"):
        (mirror / un_pdf(m).name).symlink_to(un_pdf(m))
    raw, out = tmp_path / "raw", tmp_path / "out"
    monkeypatch.setenv("PKDATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("pkdata.build.pipeline.STEPS", STEP)
    assert main(["update", "--raw", str(raw), "--out", str(out), "--from", str(mirror), "--only", "un_pdf",
                 "--months", "2015-01:2015-02", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "months added: 2015-01, 2015-02" in text
    (mirror / un_pdf("2015_04").name).symlink_to(un_pdf("2015_04"))
    assert main(["update", "--raw", str(raw), "--out", str(out), "--from", str(mirror), "--only", "un_pdf",
                 "--months", "2015-01:2015-04", "--workers", "1"]) == 1  # 2015-03 is not in the mirror
    text = capsys.readouterr().out
    assert "months added: 2015-04" in text and "rows added" in text
    assert main(["fetch", "--raw", str(raw), "--offline", "--only", "un_pdf", "--months", "2015-01:2015-04"]) == 0

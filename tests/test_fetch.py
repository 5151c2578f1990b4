"""pkdata fetch / update against a local HTTP server (pytest-httpserver); never the internet.

After every failure the raw files (manifest included) and data/processed are byte-identical to before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug import Response

from pkdata.builder import build
from pkdata.builder import fetch as f
from pkdata.core import paths
from pkdata.core.hashes import sha256_file

from .helpers import folder_digest, raw_with_reports

FAST = f.FetchConfig(retries=1, backoff=0, timeout=(0.5, 0.3), progress=False)
STEP = ["pkdata.builder.steps.un_pdfs:step_un_pdfs"]


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(f.download, "_sleep", lambda s: None)  # the back-off between attempts
    monkeypatch.setattr(time, "sleep", lambda s: None)  # urllib3's back-off


def _spec(httpserver, name="UN_country_contributions_2015_04.pdf", kind="pdf", header=()):
    folder = "un_monthly_pdfs" if kind == "pdf" else "un_csv"
    return f.RemoteFile(
        dest=f"{folder}/{name}",
        url=httpserver.url_for(f"/{name}"),
        kind=kind,
        group="test",
        publisher="test",
        header=header,
    )


@pytest.fixture
def world(tmp_path, un_pdf):
    """A raw folder with two real reports, a build of them, and the bytes of a third report.

    The builds use the test run's shared cache (each report parsed once per run, not once per test).
    """
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01", "2015_02"])
    out = tmp_path / "processed"
    build(raw=raw, out=out, cache=paths.cache_dir(), steps=STEP)
    return {
        "raw": raw,
        "out": out,
        "cache": paths.cache_dir(),
        "new": un_pdf("2015_04").read_bytes(),
        "before": (folder_digest(raw), folder_digest(out)),
    }


def _unchanged(world):
    assert (folder_digest(world["raw"]), folder_digest(world["out"])) == world["before"]
    assert not list(world["raw"].rglob("*.part"))


def test_success_then_build_brings_the_new_month(httpserver, world):
    httpserver.expect_request("/UN_country_contributions_2015_04.pdf").respond_with_data(
        world["new"], content_type="application/pdf", headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2015"}
    )
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
    httpserver.expect_request(
        "/UN_country_contributions_2015_04.pdf", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304)
    (again,) = f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert again.status == "unchanged"


def test_500_then_success_is_retried(httpserver, world):
    httpserver.expect_ordered_request("/UN_country_contributions_2015_04.pdf").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/UN_country_contributions_2015_04.pdf").respond_with_data(
        world["new"], content_type="application/pdf"
    )
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
        httpserver.expect_request(path).respond_with_response(
            Response(
                world["new"][: len(world["new"]) // 2],
                headers={"Content-Length": str(len(world["new"]))},
                content_type="application/pdf",
            )
        )
        expect = "truncated"  # the short body is caught by Content-Length or, failing that, the PDF check
    elif case == "truncated_pdf":
        httpserver.expect_request(path).respond_with_data(world["new"][:-4096], content_type="application/pdf")
        expect = "truncated PDF"
    elif case == "html":
        httpserver.expect_request(path).respond_with_data(
            "<!DOCTYPE html><html><body>Maintenance</body></html>", content_type="text/html"
        )
        expect = "HTML page, not a PDF"
    elif case == "404":
        httpserver.expect_request(path).respond_with_data("Not Found", status=404)
        expect = "HTTP 404"
    elif case == "500":
        httpserver.expect_request(path).respond_with_data("down", status=503)
        expect = "HTTP 503"
    else:
        name, kind, header = "DPO-UCHISTORICAL.csv", "csv", ("last_reporting_date", "isocode3")
        httpserver.expect_request(f"/{name}").respond_with_data(
            "date,country\n2022-07-31,China\n", content_type="text/csv"
        )
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
    httpserver.expect_request(f"/{name}").respond_with_data(
        un_pdf("2015_05").read_bytes(), content_type="application/pdf"
    )
    (res,) = f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert res.status == "updated", res.message
    entry = f.load_manifest(world["raw"])["files"][spec.dest]
    kept = world["raw"] / entry["previous"][0]["path"]
    assert entry["sha256"] != old_sha and entry["previous"][0]["sha256"] == old_sha
    assert kept.read_bytes() == old_bytes and sha256_file(dest) == entry["sha256"]
    # No build used the new version yet: a later fetch keeps the old one.
    f.prune_previous(world["raw"], world["out"])
    assert kept.exists()
    # A build that uses it succeeds: now the old version goes. (The new bytes print another month, so 2015-02
    # leaves the table: the build refuses that unless told.)
    build(raw=world["raw"], out=world["out"], cache=world["cache"], steps=STEP, allow_shrink=True)
    assert f.prune_previous(world["raw"], world["out"]) == [entry["previous"][0]["path"]]
    assert not kept.exists()
    assert "previous" not in f.load_manifest(world["raw"])["files"][spec.dest]


def test_restore_puts_the_previous_version_back(httpserver, world, un_pdf):
    name = "UN_country_contributions_2015_04.pdf"
    spec = _spec(httpserver, name)
    httpserver.expect_ordered_request(f"/{name}").respond_with_data(world["new"], content_type="application/pdf")
    httpserver.expect_ordered_request(f"/{name}").respond_with_data(
        un_pdf("2015_05").read_bytes(), content_type="application/pdf"
    )
    f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    f.fetch([spec], world["raw"], config=FAST, processed=world["out"])
    assert f.restore_previous(world["raw"]) == [spec.dest]
    assert (world["raw"] / spec.dest).read_bytes() == world["new"]
    assert f.load_manifest(world["raw"])["files"][spec.dest]["sha256"] == sha256_file(world["raw"] / spec.dest)


def test_offline_and_local_mirror(tmp_path, reference):
    raw = tmp_path / "raw"
    specs = f.registry(months=("2015-01", "2015-02"), groups=["un_pdf"])
    offline = f.fetch(specs, raw, offline=True)
    assert [r.status for r in offline] == ["missing", "missing"] and not raw.exists()
    got = f.fetch(specs, raw, mirror=reference)
    assert [r.status for r in got] == ["new", "new"], [r.message for r in got]
    manifest = json.loads((raw / f.MANIFEST).read_text())
    assert manifest["files"]["un_monthly_pdfs/UN_country_contributions_2015_01.pdf"]["url"].startswith("file://")
    assert [r.status for r in f.fetch(specs, raw, offline=True)] == ["present", "present"]
    ipi = f.registry(groups=["ipi"])
    assert len(ipi) == 148 + 9
    res = f.fetch(
        [s for s in ipi if s.dest.endswith(("Gender.Full.csv", "countries/China.csv"))], raw, mirror=reference
    )
    assert [r.status for r in res] == ["new", "new"], [r.message for r in res]


def test_cli_update_prints_what_changed(tmp_path, monkeypatch, capsys, un_pdf, reference):
    from pkdata.cli import main

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for m in ("2015_01", "2015_02"):
        (mirror / un_pdf(m).name).symlink_to(un_pdf(m))
    raw, out = tmp_path / "raw", tmp_path / "out"
    monkeypatch.setenv("PKDATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("pkdata.builder.pipeline.STEPS", STEP)
    # --raw-only: the table holds the raw folder's reports alone (by default they add to the reference's)
    update = ["update", "--raw", str(raw), "--out", str(out), "--from", str(mirror), "--only", "un_pdf", "--raw-only"]
    assert main([*update, "--months", "2015-01:2015-02", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "months added: 2015-01, 2015-02" in text
    (mirror / un_pdf("2015_04").name).symlink_to(un_pdf("2015_04"))
    # 2015-03 is not in the mirror
    assert main([*update, "--months", "2015-01:2015-04", "--workers", "1"]) == 1
    text = capsys.readouterr().out
    assert "months added: 2015-04" in text and "rows added" in text
    assert main(["fetch", "--raw", str(raw), "--offline", "--only", "un_pdf", "--months", "2015-01:2015-04"]) == 0


# --------------------------------------------------------------------------- the source registry (every source)


def _reference_files(reference, src):
    """(name, reference path) of every file of a source that the reference folder holds."""
    folder = reference / src["reference_sub"]
    for entry in src["files"]:
        if "pattern" in entry:
            glob = entry["pattern"].replace("{year}", "*").replace("{month:02d}", "*")
            for path in sorted(folder.glob(glob)):
                yield path.name, path
        elif (folder / entry["name"]).is_file() or not entry.get("optional"):
            yield entry["name"], folder / entry["name"]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_all_from_reference_gives_the_build_its_files(tmp_path, reference, full_build, capsys):
    from pkdata.builder import BuildContext
    from pkdata.builder.steps import funding as finance
    from pkdata.builder.steps import history
    from pkdata.builder.steps import missions as operations
    from pkdata.cli import main
    from pkdata.core import sources

    # the raw folder the test run's full build read: `pkdata fetch --all --from <reference> --raw <it>` (exit 0)
    raw = full_build.parent / "raw"
    manifest = f.load_manifest(raw)["files"]
    expected = {}
    for sid, src in sources.load()["sources"].items():
        names = list(_reference_files(reference, src))
        # A source of optional files only (a hub dataset with no stored copy) has nothing in the reference.
        assert names or all(e.get("optional") for e in src["files"]), sid
        for name, ref_path in names:
            dest = f"{src['raw_sub']}/{name}"
            expected[dest] = _sha(ref_path)
            assert manifest[dest]["source"] == sid and manifest[dest]["url"].startswith("file://")
    got = {str(p.relative_to(raw)): _sha(p) for p in raw.rglob("*") if p.is_file() and p.name != f.MANIFEST}
    assert got == expected
    assert len([d for d in got if d.startswith("un_monthly_pdfs/")]) == 126
    # The folders and files each build step asks ctx.find for now come from the raw folder.
    ctx = BuildContext(raw=raw, reference=reference, cache=tmp_path / "cache")
    wanted = [
        ("un_monthly_pdfs", "personnel/un_monthly_pdfs_kl371218"),
        *history.RAW_FOLDERS.values(),
        ("budget/un_open", "budget/un_open"),
        ("budget/official", "budget/official"),
        ("budget/secondary_lystadjs_2026", "budget/secondary_lystadjs_2026"),
        *((f"missions/{n}",) * 2 for n in (operations.PKO_FILE, operations.CROSSWALK_FILE)),
        (f"fatalities/{operations.FATALITIES_FILE}",) * 2,
    ]
    for raw_sub, reference_sub in wanted:
        assert ctx.find(raw_sub, reference_sub).is_relative_to(raw), raw_sub
    for name in (finance.CURATED_PK_RATES, finance.CURATED_RB_RATES, finance.CURATED_BUDGETS):
        assert ctx.curated(name).is_relative_to(raw), name
    # A second run copies nothing.
    assert main(["fetch", "--all", "--from", str(reference), "--raw", str(raw)]) == 0
    assert "326 unchanged" in capsys.readouterr().out


def _mirror_with(tmp_path, reference, rel, damage):
    """A --from folder holding one reference file, damaged by ``damage(bytes) -> bytes``."""
    mirror = tmp_path / "mirror"
    target = mirror / rel
    target.parent.mkdir(parents=True)
    target.write_bytes(damage((reference / rel).read_bytes()))
    return target


@pytest.mark.parametrize("case", ["json_sha256", "csv_header", "pdf_truncated", "csv_sha256"])
def test_damaged_copy_in_from_folder_is_refused_naming_the_local_file(tmp_path, reference, capsys, case):
    from pkdata.cli import main

    rel, only, damage, expect = {
        "json_sha256": (
            "budget/un_open/donors-2016.json",
            "un_open",
            lambda b: b.replace(b"1", b"2", 1),
            "differs from the registry's",
        ),
        "csv_header": (
            "fatalities/DPPADPOSS-FATALITIES.csv",
            "un_psdata_fatalities",
            lambda b: b.replace(b"casualty_id", b"casualty", 1),
            "CSV header lacks ['casualty_id']",
        ),
        "pdf_truncated": (
            "personnel/un_monthly_pdfs_kl371218/UN_country_contributions_2019_06.pdf",
            "un_pdf",
            lambda b: b[: len(b) // 2],
            "truncated PDF",
        ),
        "csv_sha256": (
            "personnel/ipi_peacekeeping_db_tcc_datascraper/countries/China.csv",
            "ipi_tcc_datascraper",
            lambda b: b.replace(b",5,", b",6,", 1),
            "differs from the registry's",
        ),
    }[case]
    local = _mirror_with(tmp_path, reference, rel, damage)
    assert local.read_bytes() != (reference / rel).read_bytes()
    raw = tmp_path / "raw"
    spec = next(s for s in f.registry(groups=[only], months=("2019-06", "2019-06")) if s.dest.endswith(local.name))
    (res,) = f.fetch([spec], raw, mirror=local.parents[len(Path(rel).parts) - 1])
    assert res.status == "failed"
    assert res.message.startswith(f"{local}: ") and expect in res.message and "http" not in res.message, res.message
    assert not raw.exists() or [p for p in raw.rglob("*") if p.is_file()] == []
    # The command line says the same and exits 1.
    args = ["fetch", "--only", only, "--from", str(tmp_path / "mirror"), "--raw", str(raw)]
    assert main(args + (["--months", "2019-06"] if only == "un_pdf" else [])) == 1
    assert str(local) in capsys.readouterr().out


def test_registry_download_is_checked_against_the_registry_sha256(httpserver, tmp_path, reference):
    spec = next(s for s in f.registry(groups=["un_open"]) if s.dest.endswith("donors-2016.json"))
    assert spec.url.startswith("https://raw.githubusercontent.com/united-nations/open/") and spec.sha256
    good = (reference / "budget/un_open/donors-2016.json").read_bytes()
    httpserver.expect_ordered_request("/donors-2016.json").respond_with_data(
        good.replace(b"1", b"2", 1), content_type="application/json"
    )
    httpserver.expect_ordered_request("/donors-2016.json").respond_with_data(good, content_type="application/json")
    local = dataclasses.replace(spec, url=httpserver.url_for("/donors-2016.json"))
    raw = tmp_path / "raw"
    (bad,) = f.fetch([local], raw, config=FAST)
    assert bad.status == "failed" and local.url in bad.message and "differs from the registry's" in bad.message
    assert not (raw / spec.dest).exists() and not list(raw.rglob("*.part"))
    (ok,) = f.fetch([local], raw, config=FAST)
    assert ok.status == "new", ok.message
    assert _sha(raw / spec.dest) == spec.sha256 == f.load_manifest(raw)["files"][spec.dest]["sha256"]


def test_curated_tables_in_raw_are_kept_not_replaced(tmp_path, reference):
    raw = tmp_path / "raw"
    (raw / "curated").mkdir(parents=True)
    edited = raw / "curated" / "peacekeeping_budgets.csv"
    edited.write_bytes((reference / "budget/peacekeeping_budgets.csv").read_bytes() + b"\n")
    before = edited.read_bytes()
    results = f.fetch(f.registry(groups=["budget_curated"]), raw, mirror=reference)
    assert {r.dest: r.status for r in results}["curated/peacekeeping_budgets.csv"] == "kept"
    assert edited.read_bytes() == before


def test_no_url_recorded_means_from_dir_only(tmp_path):
    specs = f.registry(groups=["un_official_scales", "budget_curated", "heritage_pk_rates_secondary"])
    assert specs and all(s.url == "" for s in specs)
    results = f.fetch(specs, tmp_path / "raw", config=FAST)  # no session is made: nothing to download
    assert {r.status for r in results} == {"missing"}
    assert all("--from DIR" in r.message for r in results)


def test_registry_entries(reference):
    from pkdata.builder.readers import un_csv, un_fatalities, un_missions
    from pkdata.core import sources

    reg = sources.load()["sources"]
    assert len(reg) >= 12
    for sid, src in reg.items():
        for key in ("title", "publisher", "licence", "citation", "publisher_url", "url", "raw_sub"):
            assert isinstance(src[key], str) and src[key].strip(), (sid, key)
        assert sources.publisher(sid) == src["publisher"] and sources.citation(sid) == src["citation"]
        assert isinstance(src["mirror"], bool), sid
        assert src["url"] == sources.NOT_RECORDED or src["url"].startswith("https://"), sid
        assert (reference / src["reference_sub"]).is_dir(), (sid, src["reference_sub"])
        for entry in src["files"]:
            assert entry.get("check", src.get("check")) in ("pdf", "csv", "json", "xlsx"), (sid, entry)
            if "pattern" in entry:
                continue
            path = reference / src["reference_sub"] / entry["name"]
            assert path.is_file() or entry.get("optional"), (sid, entry["name"])
            for key in ("sha256", "reference_sha256"):
                if key in entry:
                    assert entry[key] == _sha(path), (sid, entry["name"])
            url = entry.get("url", src["url"])
            assert url == sources.NOT_RECORDED or url.startswith("https://"), (sid, entry["name"])
            if entry.get("mirror", src["mirror"]):
                assert src["publisher_url"] != url
            if "part" in entry:
                assert sources.publisher(sid, entry["part"])
    # The registry's header checks are the readers' own required columns.
    columns = {e["name"]: tuple(e["columns"]) for s in reg.values() for e in s["files"] if "columns" in e}
    assert columns["DPO-UCHISTORICAL.csv"] == un_csv.CONTRIBUTION_COLUMNS
    assert set(columns["odp_contributionranks.csv"]) == set(un_csv.RANK_COLUMNS)
    assert columns["DPPADPOSS-FATALITIES.csv"] == un_fatalities.FILE_COLUMNS
    assert columns["DPPADPOSS-PKO.csv"] == un_missions.PKO_COLUMNS


def test_fetch_imports_no_pandas():
    code = (
        "import sys, pkdata.builder.fetch as f; f.registry(groups=['all'], months=('2015-01', '2015-02')); "
        "assert 'pandas' not in sys.modules, 'pandas imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pdf_url_template_from_the_environment(monkeypatch, httpserver):
    months = ("2019-06", "2019-06")
    (default,) = f.registry(months=months, groups=["un_pdf"])
    assert default.url == f.UN_PDF_URL_TEMPLATE.format(year=2019, month=6) and default.source == "un_dpo_monthly_pdfs"
    monkeypatch.setenv("PKDATA_UN_PDF_URL", httpserver.url_for("/r/{year}-{month:02d}.pdf"))
    (spec,) = f.registry(months=months, groups=["un_pdf"])
    assert spec.url == httpserver.url_for("/r/2019-06.pdf") and spec.dest == default.dest


def test_fetch_offline_prints_a_summary_and_the_list_only_with_v(tmp_path, capsys):
    from pkdata.cli import main

    raw = tmp_path / "raw"
    args = ["fetch", "--raw", str(raw), "--offline", "--only", "un_pdf", "--months", "2015-01:2015-04"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "missing:" not in out
    assert "fetch: 4 missing" in out
    assert "4 file(s) not in" in out and "(offline)" in out and "reads those from the reference copies" in out
    assert "-v lists them" in out
    assert main([*args, "-v"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("missing:")]
    assert len(listed) == 4

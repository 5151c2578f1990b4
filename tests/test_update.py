"""``pkdata update`` as a user runs it: a raw folder gains one real report, and a month the last build holds was
revised (the old table is doctored, so the real report reads as a revision); offline, no network.

Expectations come from the reports themselves (each read alone by the PDF reader), never from update's output.
"""

from __future__ import annotations

import json

import pandas as pd

from pkdata.builder import build
from pkdata.builder import fetch as f
from pkdata.builder.readers.un_pdf import parse_report, to_frame
from pkdata.cli import main

from .helpers import raw_with_reports, replace_table

STEP = ["pkdata.builder.steps.un_pdfs:step_un_pdfs"]


def _report(un_pdf, month: str) -> pd.DataFrame:
    return to_frame(parse_report(un_pdf(month)))


def test_update_prints_new_month_contributors_missions_and_the_revised_cells(tmp_path, monkeypatch, capsys, un_pdf):
    monkeypatch.setenv("PKDATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("pkdata.builder.pipeline.STEPS", STEP)
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01", "2015_02"])
    out = tmp_path / "out"
    build(raw=raw, out=out, inputs="only", steps=STEP)

    # The last build's February 2015 had another figure for one cell: the report now reads as a revision.
    old = pd.read_parquet(out / "contributions.parquet")
    feb = old.index[(old["date"] == "2015-02-28") & (old["male"].notna())][0]
    cell = old.loc[feb, ["contributor_iso3", "mission", "personnel_type", "male", "total"]].to_dict()
    old.loc[feb, "male"] += 5
    old.loc[feb, "total"] += 5
    replace_table(out, "contributions", old)

    (raw / "un_monthly_pdfs" / un_pdf("2015_04").name).symlink_to(un_pdf("2015_04"))
    args = ["update", "--raw", str(raw), "--out", str(out), "--offline", "--only", "un_pdf", "--raw-only"]
    assert main([*args, "--workers", "1"]) == 0
    text = capsys.readouterr().out

    assert "update: months added: 2015-04; months removed: none" in text
    before = pd.concat([_report(un_pdf, "2015_01"), _report(un_pdf, "2015_02")])
    april = _report(un_pdf, "2015_04")
    new_iso = sorted(set(april["contributor_iso3"]) - set(before["contributor_iso3"]))
    new_missions = sorted(set(april["mission"].dropna()) - set(before["mission"].dropna()))
    assert f"update: new contributors: {', '.join(new_iso) or 'none'}" in text
    assert f"update: new missions: {', '.join(new_missions) or 'none'}" in text

    assert (
        f"update: table contributions: {len(old):,} -> {len(pd.read_parquet(out / 'contributions.parquet')):,} rows"
        in text
    )
    assert "update: revised months: 2015-02 (2 cells)" in text
    where = f"{cell['contributor_iso3']} {cell['mission']} {cell['personnel_type']}"
    assert f"revised 2015-02 {where} male: {int(cell['male']) + 5} -> {int(cell['male'])}" in text
    assert f"revised 2015-02 {where} total: {int(cell['total']) + 5} -> {int(cell['total'])}" in text
    # ... and on record in the raw folder's manifest, not only printed
    revisions = f.load_manifest(raw)["revisions"]
    assert [(r["month"], r["column"], r["old"], r["new"]) for r in revisions] == [
        ("2015-02", "male", int(cell["male"]) + 5, int(cell["male"])),
        ("2015-02", "total", int(cell["total"]) + 5, int(cell["total"])),
    ]
    assert json.loads((out / "manifest.json").read_text())["contributions"]["last_month"].startswith("2015-04")

    # A second update with nothing new changes nothing and records nothing more.
    assert main([*args, "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "months added: none" in text and "revised months: none" in text
    assert len(f.load_manifest(raw)["revisions"]) == 2


def test_update_fetches_from_the_month_after_the_last_build(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"contributions": {"months": {"2025-07": {}}}}))
    assert f.plan.next_month(tmp_path) == "2025-08"
    assert main(["update", "--dry-run", "--only", "un_pdf", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "UN_country_contributions_2025_08.pdf" in out and "publisher: https://peacekeeping.un.org/" in out


def test_update_on_a_damaged_output_folder_rebuilds_it_and_says_so(tmp_path, monkeypatch, capsys, un_pdf):
    """`pkdata update --offline --out DIR` where DIR's manifest is not JSON (a killed hand edit): the update
    says the folder could not be read, the build replaces it, and the result is the clean build's."""
    monkeypatch.setenv("PKDATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("pkdata.builder.pipeline.STEPS", STEP)
    raw = raw_with_reports(tmp_path, un_pdf, ["2015_01"])
    out, clean = tmp_path / "out", tmp_path / "clean"
    build(raw=raw, out=out, inputs="only", steps=STEP)
    build(raw=raw, out=clean, inputs="only", steps=STEP)
    (out / "manifest.json").write_text("{ not json", encoding="utf-8")
    args = ["update", "--raw", str(raw), "--out", str(out), "--offline", "--only", "un_pdf", "--raw-only"]
    assert main([*args, "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert f"update: {out / 'manifest.json'} cannot be read" in text
    assert json.loads((out / "manifest.json").read_text()) == json.loads((clean / "manifest.json").read_text())

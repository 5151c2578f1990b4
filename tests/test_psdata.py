"""The Peace and Security Data Hub: routes (publisher first) against a local server replaying recorded hub answers,
and the readers of its datasets, checked against what pkdata already has.

Recorded answers: tests/fixtures/psdata/ (see tests/fixtures/SOURCES.md): the first 12 records of the hub's
DPPADPOSS-FATALITIES JSON answer and three datasets of its catalogue, from OCHA-DAP/hdx-scraper-peacesecurity.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

import pkdata as pk
from pkdata.builder import fetch as f
from pkdata.builder.fetch import routes
from pkdata.builder.readers import psdata_pkbudget, psdata_uchistorical, psdata_uhistoricalpol, un_fatalities
from pkdata.builder.readers.un_pdf import parse_report, to_frame
from pkdata.cli import main
from pkdata.core import sources
from pkdata.core.errors import ParseError

HUB = Path(__file__).resolve().parent / "fixtures" / "psdata"
FIXTURES = HUB.parent
FAST = f.FetchConfig(retries=2, backoff=0, timeout=(0.5, 0.5), progress=False)
PAGE = json.loads((HUB / "DPPADPOSS-FATALITIES-page1.json").read_text())


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(f.download, "_sleep", lambda s: None)
    monkeypatch.setattr(time, "sleep", lambda s: None)


@pytest.fixture
def per_page_5(monkeypatch):
    monkeypatch.setattr(routes, "PER_PAGE", 5)


def _fatalities_spec(*route_list: routes.Route) -> f.RemoteFile:
    spec = f.registry(groups=["un_psdata_fatalities"])[0]
    return dataclasses.replace(spec, url=route_list[0].url, routes=route_list)


def _pages(httpserver, path: str, records: list, per_page: int = 5) -> None:
    for i in range(0, len(records) + 1, per_page):
        httpserver.expect_ordered_request(
            path, query_string=f"page_num={i // per_page + 1}&per_page={per_page}"
        ).respond_with_json(records[i : i + per_page])


def test_json_route_reads_every_page_and_writes_the_csv_the_reader_reads(httpserver, tmp_path, per_page_5):
    _pages(httpserver, "/json", PAGE)  # 12 records: pages of 5, 5 and 2
    spec = _fatalities_spec(routes.Route(httpserver.url_for("/json"), "publisher", "json-pages"))
    (res,) = f.fetch([spec], tmp_path, config=FAST)
    assert res.status == "new" and res.extra["route"] == "publisher", res.message
    assert len(httpserver.log) == 3
    rows = list(csv.DictReader(open(tmp_path / spec.dest, encoding="utf-8")))
    assert [int(r["id"]) for r in rows] == [r["id"] for r in PAGE]
    # epoch milliseconds -> the dates the hub's own CSV prints for the same records (its 2025 export)
    hub_csv = {r["id"]: r for r in csv.DictReader(open(FIXTURES / "fatalities/DPPADPOSS-FATALITIES.csv"))}
    assert [(r["casualty_id"], r["incident_date"]) for r in rows] == [
        (hub_csv[r["id"]]["casualty_id"], hub_csv[r["id"]]["incident_date"]) for r in rows
    ]
    read = un_fatalities.read_fatalities(tmp_path / spec.dest)
    assert len(read.frame) == len(PAGE)


def test_429_and_5xx_on_a_page_are_retried(httpserver, tmp_path, per_page_5):
    q1, q2, q3 = (f"page_num={n}&per_page=5" for n in (1, 2, 3))
    httpserver.expect_ordered_request("/json", query_string=q1).respond_with_json(PAGE[:5])
    httpserver.expect_ordered_request("/json", query_string=q2).respond_with_data("slow down", status=429)
    httpserver.expect_ordered_request("/json", query_string=q2).respond_with_data("oops", status=502)
    httpserver.expect_ordered_request("/json", query_string=q2).respond_with_json(PAGE[5:10])
    httpserver.expect_ordered_request("/json", query_string=q3).respond_with_json(PAGE[10:])
    spec = _fatalities_spec(routes.Route(httpserver.url_for("/json"), "publisher", "json-pages"))
    (res,) = f.fetch([spec], tmp_path, config=FAST)
    assert res.status == "new", res.message
    assert len(httpserver.log) == 5
    assert sum(1 for _ in open(tmp_path / spec.dest, encoding="utf-8")) == 1 + len(PAGE)


def test_truncated_publisher_answer_falls_to_the_copy(httpserver, tmp_path):
    body = json.dumps(PAGE)
    httpserver.expect_request("/json").respond_with_data(body[: len(body) // 2], content_type="application/json")
    header = ",".join(PAGE[0]) + "\n"
    copy = header + "".join(",".join(str(v) for v in r.values()) + "\n" for r in PAGE)
    httpserver.expect_request("/copy.csv").respond_with_data(copy, content_type="text/csv")
    spec = _fatalities_spec(
        routes.Route(httpserver.url_for("/json"), "publisher", "json-pages"),
        routes.Route(httpserver.url_for("/copy.csv"), "copy"),
    )
    (res,) = f.fetch([spec], tmp_path, config=FAST)
    assert res.status == "new" and res.extra["route"] == "copy" and "copy:" in res.message
    assert (tmp_path / spec.dest).read_text() == copy


def test_a_renamed_column_is_refused_naming_it(httpserver, tmp_path):
    renamed = [{("iso_code3" if k == "isocode3" else k): v for k, v in r.items()} for r in PAGE]
    httpserver.expect_request("/json").respond_with_json(renamed)
    header = ",".join(renamed[0])
    httpserver.expect_request("/CSV").respond_with_data(header + "\n1,2\n", content_type="text/csv")
    spec = _fatalities_spec(
        routes.Route(httpserver.url_for("/CSV"), "publisher"),
        routes.Route(httpserver.url_for("/json"), "publisher", "json-pages"),
    )
    (res,) = f.fetch([spec], tmp_path, config=FAST)
    assert res.status == "failed"
    assert "every route failed, publisher first" in res.message
    assert res.message.count("isocode3") >= 2  # both routes name the column that is missing
    assert not (tmp_path / spec.dest).exists() and not list(tmp_path.rglob("*.part"))


def test_publisher_page_gives_the_month_report_before_any_copy(httpserver, tmp_path):
    pdf = (FIXTURES / "UN_country_contributions_2025_04.pdf").read_bytes()
    page = (
        '<a href="/sites/default/files/00-front_page_msr_march_2025.pdf">March</a>'
        '<a href="/sites/default/files/00-front_page_msr_april_2025.pdf">April</a>'
    )
    httpserver.expect_request("/en/contributors").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/sites/default/files/00-front_page_msr_april_2025.pdf").respond_with_data(
        pdf, content_type="application/pdf"
    )
    (spec,) = f.registry(months=("2025-04", "2025-04"), groups=["un_pdf"])
    assert [(r.kind, r.form) for r in spec.routes] == [("publisher", "index"), ("copy", "file")]
    local = dataclasses.replace(
        spec,
        url=httpserver.url_for("/copy.pdf"),
        routes=(
            dataclasses.replace(spec.routes[0], url=httpserver.url_for("/en/contributors")),
            routes.Route(httpserver.url_for("/copy.pdf"), "copy"),
        ),
    )
    (res,) = f.fetch([local], tmp_path, config=FAST)
    assert res.status == "new" and res.extra["route"] == "publisher", res.message
    assert (tmp_path / spec.dest).read_bytes() == pdf
    entry = f.load_manifest(tmp_path)["files"][spec.dest]
    assert entry["url"].endswith("msr_april_2025.pdf") and entry["route"] == "publisher"
    assert [e[0].path for e in httpserver.log] == [
        "/en/contributors",
        "/sites/default/files/00-front_page_msr_april_2025.pdf",
    ]


def test_update_dry_run_names_a_un_org_address_first_for_the_next_month(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"contributions": {"months": {"2025-06": {}, "2025-07": {}}}}))
    assert main(["update", "--dry-run", "--all", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    i = out.index("un_dpo_monthly_pdfs: un_monthly_pdfs/UN_country_contributions_2025_08.pdf")
    assert re.match(r"  1\. publisher: https://peacekeeping\.un\.org/", out[i + 1])
    assert out[i + 2].startswith("  2. copy: ") and out[i + 2].endswith("UN_country_contributions_2025_08.pdf")
    for sid in sources.load()["sources"]:
        assert any(line.startswith(f"{sid}: ") for line in out), sid
    hub = out.index("un_contributions_csv: un_csv/DPO-UCHISTORICAL.csv")
    assert out[hub + 1] == "  1. publisher: https://api.psdata.un.org/public/data/DPO-UCHISTORICAL/CSV"


def test_registry_lists_publisher_routes_before_copies():
    for spec in f.registry(months=("2025-08", "2025-08"), groups=["all"]):
        kinds = [r.kind for r in spec.routes]
        assert kinds == sorted(kinds, key=lambda k: k != "publisher"), spec.dest
    bad = {"id": "x", "routes": [{"url": "https://a", "kind": "copy"}, {"url": "https://b", "kind": "publisher"}]}
    with pytest.raises(Exception, match="publisher route after a copy"):
        routes.routes_of(bad, {"name": "x.csv"}, name="x.csv")


# --- readers ------------------------------------------------------------------------------------------------


def _catalogue_columns(dataset: str) -> list[str]:
    meta = json.loads((HUB / "metadata-3.json").read_text())
    (entry,) = [m for m in meta if m["Dataset ID"] == dataset]
    return [c["Column Name"] for c in entry["Column definitions"]]


def test_reader_columns_are_the_catalogue_s():
    assert list(psdata_uchistorical.COLUMNS) == _catalogue_columns("DPO-UCHISTORICAL")
    assert list(psdata_uchistorical.COLUMNS) == _catalogue_columns("DPO-UHISTORICALPOL")
    assert list(psdata_pkbudget.COLUMNS) == [c.lower() for c in _catalogue_columns("DPO-PKBUDGET")]
    # the hub's personnel-type codes are the catalogue's attributes, and each has a pkdata type
    meta = json.loads((HUB / "metadata-3.json").read_text())
    (uc,) = [m for m in meta if m["Dataset ID"] == "DPO-UCHISTORICAL"]
    (ptype,) = [c for c in uc["Column definitions"] if c["Column Name"] == "personnel_type"]
    codes = {a["Attribute"] for a in ptype["Attributes"]}
    assert codes == {"troops", "staff_officer", "experts_on_mission", "individual_police", "formed_police_units"}


def test_uchistorical_agrees_with_the_monthly_report_of_the_same_month():
    hub = psdata_uchistorical.read(HUB / "DPO-UCHISTORICAL.csv")
    report = to_frame(parse_report(FIXTURES / "UN_country_contributions_2025_04.pdf"))
    assert set(hub["contributor_iso3"]) == {"FJI", "IRL"}
    assert len(psdata_uchistorical.differences(hub, report)) == 0
    # one cell changed in the report's rows shows as one difference, naming its key
    doctored = report.copy()
    i = doctored.index[(doctored["contributor_iso3"] == "IRL") & (doctored["mission"] == "UNIFIL")][0]
    doctored.loc[i, "total"] += 1
    (d,) = psdata_uchistorical.differences(hub, doctored).to_dict("records")
    assert d["contributor_iso3"] == "IRL" and d["mission"] == "UNIFIL" and d["total_other"] == d["total_hub"] + 1


def test_uhistoricalpol_equals_the_police_rows_of_uchistorical():
    pol = psdata_uhistoricalpol.read(HUB / "DPO-UHISTORICALPOL.csv")
    allrows = psdata_uhistoricalpol.police_rows(psdata_uchistorical.read(HUB / "DPO-UCHISTORICAL.csv"))
    assert len(psdata_uchistorical.differences(pol, allrows)) == 0 and len(pol) == 3


def test_pkbudget_agrees_with_pkdata_s_budgets_where_they_overlap():
    hub = psdata_pkbudget.mission_totals(psdata_pkbudget.read(HUB / "DPO-PKBUDGET.csv"))
    ours = pk.budgets("2022/23", basis="expenditure")
    ours = ours[ours["basis"].astype(str) == "expenditure"].set_index("mission")["usd"]
    exp = hub[(hub["fiscal_year"] == "2022/23") & (hub["basis"] == "expenditure")].set_index("mission")["usd"]
    assert len(exp) == 3
    for mission, usd in exp.items():
        assert ours[mission] == usd, mission


@pytest.mark.parametrize(
    ("reader", "name", "old", "new"),
    [
        (psdata_uchistorical.read, "DPO-UCHISTORICAL.csv", "male_personnel", "men"),
        (psdata_uhistoricalpol.read, "DPO-UHISTORICALPOL.csv", "mission_acronym", "mission"),
        (psdata_pkbudget.read, "DPO-PKBUDGET.csv", "Apportionment", "Approved"),
    ],
)
def test_renamed_column_in_a_hub_file_is_one_clear_error(tmp_path, reader, name, old, new):
    text = (HUB / name).read_text()
    header, rest = text.split("\n", 1)
    fields = [new if h == old else h for h in header.split(",")]
    (tmp_path / name).write_text(",".join(fields) + "\n" + rest)
    with pytest.raises(ParseError, match=rf"{name}, row 1: column\(s\) \['{old.lower()}'\]"):
        reader(tmp_path / name)


def test_pkbudget_refuses_a_variance_that_does_not_add_up(tmp_path):
    p = tmp_path / "DPO-PKBUDGET.csv"
    head = (HUB / "DPO-PKBUDGET.csv").read_text().split("\n", 1)[0]
    p.write_text(head + "\n100.0,Total,,A/1,2023-06-30,90.0,UNMIK,2022-07-01,5.0\n")
    with pytest.raises(ParseError, match="row 2: Variance differs"):
        psdata_pkbudget.read(p)
    p.write_text(head + "\n100.0,Total,,A/1,2023-06-30,90.0,UNMIK,2022-07-01,10.0\n")
    assert psdata_pkbudget.read(p)["usd"].tolist() == [100000.0, 90000.0]
    assert pd.api.types.is_float_dtype(psdata_pkbudget.read(p)["usd"])


def test_hub_month_with_mission_detail_replaces_a_country_only_report_month(tmp_path):
    from pkdata.builder.context import StepResult
    from pkdata.builder.steps import history

    # The August 2019 report prints country totals only; a hub file (constructed: the fixture's rows dated
    # 2019-08-31) has mission detail for that month.
    report = to_frame(parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf"))
    pdf_months = {
        "2019-08": {"source": "UN_country_contributions_2019_08.pdf", "granularity": history.granularity(report)}
    }
    assert pdf_months["2019-08"]["granularity"].startswith("country")
    hub_file = tmp_path / "DPO-UCHISTORICAL.csv"
    hub_file.write_text((HUB / "DPO-UCHISTORICAL.csv").read_text().replace("2025-04-30", "2019-08-31"))
    hub = psdata_uchistorical.read(hub_file)
    rows, months = history.merge_sources({"un_csv": hub}, history.PRECEDENCE)
    result = StepResult({"contributions_history": rows}, [], {history.HISTORY_MONTHS: months})

    table, merged, _ = history.fold_history(report, pdf_months, result)
    assert merged["2019-08"]["dataset"] == "un_csv" and merged["2019-08"]["granularity"] == "mission+gender"
    assert set(table["source"]) == {"DPO-UCHISTORICAL.csv"} and set(table["contributor_iso3"]) == {"FJI", "IRL"}
    totals = report.groupby("contributor_iso3")["total"].sum()
    ours = hub.groupby("contributor_iso3")["total"].sum()
    differ = sum(int(totals.get(k, 0)) != int(ours.get(k, 0)) for k in set(totals.index) | set(ours.index))
    assert merged["2019-08"]["note"].endswith(f"contributors whose totals differ: {differ}")
    assert "UN_country_contributions_2019_08.pdf" in merged["2019-08"]["note"]

    # A report month with mission detail keeps the report's rows.
    april = to_frame(parse_report(FIXTURES / "UN_country_contributions_2025_04.pdf"))
    hub_april = psdata_uchistorical.read(HUB / "DPO-UCHISTORICAL.csv")
    rows, months = history.merge_sources({"un_csv": hub_april}, history.PRECEDENCE)
    result = StepResult({"contributions_history": rows}, [], {history.HISTORY_MONTHS: months})
    april_months = {"2025-04": {"source": "UN_country_contributions_2025_04.pdf", "granularity": "mission+gender"}}
    table, merged, _ = history.fold_history(april, april_months, result)
    assert merged == april_months and len(table) == len(april)

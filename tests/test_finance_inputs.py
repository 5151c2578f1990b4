"""Finance inputs: the GA effective-rates CSV, and bad input rejected with file and row/key named.

Every broken file here is written by the test into tmp_path, starting from a real upstream
file where there is one (the copies and extracts in tests/fixtures, see its SOURCES.md) and
changing the one thing under test. Tests that build the finance step need the CoC workbook and
use the full reference folder. A failed build must leave a processed folder that already holds a
good build byte-identical.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pkdata.builder import build
from pkdata.builder.readers import assessments as rd
from pkdata.builder.readers import un_open
from pkdata.builder.steps import funding as finance_step
from pkdata.core import paths
from pkdata.core.errors import ParseError, PkdataError, UnknownNameError
from pkdata.tables import finance

STEP = "pkdata.builder.steps.funding:step_finance"
CURATED = paths.REPO_DIR / "data" / "raw" / "curated"

# A small table in the shape of the GA's effective-rates annex (A/xx/xxx/Add.1): member state,
# level, one column per year of the scale period, a Total row, a footnote mark after a name.
# The numbers are NOT real rates: this file only tests the shape and the precedence rule.
GA_SHAPE = """Member State,Level,Effective rate 2025,Effective rate 2026,Effective rate 2027
China a/,A,50.0000,50.0000,50.0000
United States of America,A,30.0000,30.0000,30.0000
France,A,20.0000,20.0000,20.0000
Total,,100.0000,100.0000,100.0000
"""


def _raw(root: Path) -> Path:
    raw = root / "raw"
    raw.mkdir(parents=True)
    (raw / "curated").symlink_to(CURATED)
    return raw


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def good_build(tmp_path_factory, reference) -> Path:
    """A good finance build (made once for the tests that break its inputs)."""
    root = tmp_path_factory.mktemp("good")
    build(raw=_raw(root), out=root / "out", reference=reference, steps=[STEP])
    return root / "out"


@pytest.fixture()
def good(tmp_path, good_build) -> tuple[Path, Path]:
    """(raw, out): a fresh raw folder and an out folder that holds a copy of a good finance build."""
    shutil.copytree(good_build, tmp_path / "out")
    return _raw(tmp_path), tmp_path / "out"


def _un_open_copy(raw: Path, reference: Path) -> Path:
    """raw/budget/un_open as links to every reference file, so one file can be replaced."""
    folder = raw / "budget" / "un_open"
    folder.mkdir(parents=True)
    for f in (reference / "budget" / "un_open").iterdir():
        (folder / f.name).symlink_to(f)
    return folder


# --------------------------------------------------------------------------- the GA effective-rates table


def test_user_supplied_ga_effective_rates_take_precedence(tmp_path, reference):
    raw = _raw(tmp_path)
    (raw / finance_step.GA_EFFECTIVE_RATES).mkdir(parents=True)
    (raw / finance_step.GA_EFFECTIVE_RATES / "A_00_000_Add.1.csv").write_text(GA_SHAPE)
    out = tmp_path / "out"
    m = build(raw=raw, out=out, reference=reference, steps=[STEP])
    r = finance.funding_rank(2025, data_dir=out)
    assert set(r["basis"]) == {"scale_rate"} and set(r["source"]) == {"A_00_000_Add.1.csv"}
    assert set(r["source_document"]) == {"A/00/000/Add.1"}
    china = r.set_index("member_iso3").loc["CHN"]
    assert (china["rank"], china["rank_certain"], china["rate_printed"], china["precision"]) == (
        1,
        True,
        "50.0000",
        "4dp",
    )
    # The rounded secondary figure for 2025 is still there, just not preferred.
    rounded = finance.funding_rank(2025, basis="scale_rate_rounded", data_dir=out)
    assert rounded.set_index("member_iso3").loc["CHN", "share_percent"] == 23.78
    # Years the file does not cover keep their own best basis.
    assert set(finance.funding_rank(2024, measure=None, data_dir=out)["basis"]) == {"assessed_usd"}
    assert "scale_rate" not in set(finance.funding_rank(2024, data_dir=out)["basis"])
    assert finance.rank_history("CHN", data_dir=out).set_index("year").loc[2027, "basis"] == "scale_rate"
    entry = next(s for s in m["sources"] if s["name"] == "A_00_000_Add.1.csv")
    assert entry["rows"] == 9 and entry["table"] == "assessments"


def test_ga_reader_reads_the_shape(tmp_path):
    f = tmp_path / "rates.csv"
    f.write_text(GA_SHAPE)
    df = rd.read_ga_effective_rates(f)
    assert sorted(set(df["year"])) == [2025, 2026, 2027]
    assert sorted(set(df["member_iso3"])) == ["CHN", "FRA", "USA"]
    assert set(df["member_state"]) == {"China", "United States of America", "France"}


@pytest.mark.parametrize(
    "text, message, row",
    [
        (
            GA_SHAPE.replace("Effective rate 2026", "Effective rate 2025"),
            "year 2025 has two columns ('Effective rate 2025' and 'Effective rate 2025')",
            1,
        ),
        (GA_SHAPE.replace("France,A,20.0000", "Atlantis,A,20.0000"), "unknown member state 'Atlantis'", 4),
        (
            GA_SHAPE.replace("China a/,A,50.0000", "China a/,A,130.0000"),
            "rate for 2025 130.0000 is outside (0, 100]",
            2,
        ),
        (GA_SHAPE + "France,A,1.0,1.0,1.0\n", "'France' (FRA) appears in rows 4 and 6", 6),
        (GA_SHAPE.replace("Total,,100.0000", "Total,,99.0000"), "the Total row prints 99.0 for 2025", 5),
        (GA_SHAPE.replace("Member State,", "Name,"), "expected one member-state column", 1),
    ],
)
def test_ga_reader_rejects_bad_input_naming_file_and_row(tmp_path, text, message, row):
    f = tmp_path / "A_00_000_Add.1.csv"
    f.write_text(text)
    with pytest.raises(ParseError) as err:
        rd.read_ga_effective_rates(f)
    assert str(f) in str(err.value) and f"row {row}:" in str(err.value) and message in str(err.value)


def test_ga_reader_rejects_a_table_that_does_not_sum_to_100(tmp_path):
    f = tmp_path / "rates.csv"
    f.write_text(
        GA_SHAPE.replace("France,A,20.0000,20.0000,20.0000\n", "").replace("Total,,100.0000,100.0000,100.0000\n", "")
    )
    with pytest.raises(ParseError, match=r"rates.csv: year 2025: the 2 rates sum to 80.000000; a full scale sums to"):
        rd.read_ga_effective_rates(f)


# --------------------------------------------------------------------------- CSV tables


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def test_rate_of_130_is_rejected_naming_file_and_row(tmp_path):
    lines = _lines(CURATED / finance_step.CURATED_PK_RATES)
    assert ",China,CHN,2," in lines[9]  # line 10 of the file: China 2 % in 2006
    lines[9] = lines[9].replace(",China,CHN,2,", ",China,CHN,130,")
    f = tmp_path / finance_step.CURATED_PK_RATES
    f.write_text("".join(lines))
    with pytest.raises(
        ParseError,
        match=r"peacekeeping_assessment_rates.csv, row 10: rate_percent 130 is outside "
        r"\(0, 100\]",
    ):
        rd.read_scale_csv(f, full=False, curated=True)


def test_unknown_country_is_rejected_naming_file_and_row(tmp_path, fixtures):
    lines = _lines(fixtures / "budget" / "official" / finance_step.RB_RESOLUTION)
    lines[3] = lines[3].replace(",Algeria,DZA,", ",Atlantis,ATL,")
    f = tmp_path / finance_step.RB_RESOLUTION
    f.write_text("".join(lines))
    with pytest.raises(
        ParseError,
        match=r"A_RES_79_249.csv, row 4: unknown ISO3 code 'ATL' \(member_state "
        r"'Atlantis'\)",
    ):
        rd.read_scale_csv(f, full=True)
    lines[3] = lines[3].replace(",Atlantis,ATL,", ",Algeria,DEU,")
    f.write_text("".join(lines))
    with pytest.raises(
        ParseError,
        match=r"row 4: member_state 'Algeria' is DZA in pkdata.core.countries, but iso3 "
        r"says DEU",
    ):
        rd.read_scale_csv(f, full=True)


def test_duplicated_member_year_is_rejected(tmp_path, fixtures):
    lines = _lines(fixtures / "budget" / "official" / finance_step.RB_CIRCULARS)
    china = next(i for i, line in enumerate(lines) if ",2019,China,CHN," in line)
    lines.insert(china + 1, lines[china])  # China 2019 twice
    f = tmp_path / finance_step.RB_CIRCULARS
    f.write_text("".join(lines))
    with pytest.raises(
        ParseError,
        match=rf"duplicate member-year: CHN 2019 appears in rows {china + 1}, "
        rf"{china + 2}",
    ):
        rd.read_scale_csv(f, full=True)


def test_missing_column_is_rejected(tmp_path, fixtures):
    src = pd.read_csv(fixtures / "budget" / "official" / finance_step.RB_RESOLUTION, dtype=str, keep_default_na=False)
    src = src.drop(columns=["rate_percent"])
    f = tmp_path / "scale.csv"
    src.to_csv(f, index=False)
    with pytest.raises(ParseError, match=r"scale.csv, row 1: missing column\(s\) \['rate_percent'\]"):
        rd.read_scale_csv(f, full=True)
    lines = _lines(CURATED / finance_step.CURATED_BUDGETS)
    lines[0] = lines[0].replace("approved_usd,", "amount,")
    f = tmp_path / finance_step.CURATED_BUDGETS
    f.write_text("".join(lines))
    with pytest.raises(ParseError, match=r"peacekeeping_budgets.csv, row 1: missing column\(s\) \['approved_usd'\]"):
        rd.read_budget_csv(f)


def test_full_table_must_sum_to_100(tmp_path, fixtures):
    lines = [
        line
        for line in _lines(fixtures / "budget" / "official" / finance_step.RB_RESOLUTION)
        if ",China,CHN," not in line
    ]
    f = tmp_path / "scale.csv"
    f.write_text("".join(lines))
    with pytest.raises(ParseError, match=r"scale.csv: year 2025: the 192 rates sum to 79.996000"):
        rd.read_scale_csv(f, full=True)


def test_budget_csv_rejects_a_calendar_year(tmp_path):
    lines = _lines(CURATED / finance_step.CURATED_BUDGETS)
    lines[1] = lines[1].replace("2005/06,", "2005,", 1)
    f = tmp_path / finance_step.CURATED_BUDGETS
    f.write_text("".join(lines))
    with pytest.raises(ParseError, match=r"row 2: fiscal_year '2005': expected a July-June fiscal year"):
        rd.read_budget_csv(f)


# --------------------------------------------------------------------------- JSON files


def test_json_of_another_shape_is_rejected_naming_file_and_key(tmp_path, fixtures):
    un = fixtures / "budget" / "un_open"
    f = tmp_path / "donors-2016.json"
    shutil.copy(un / "regular-budget-contributors-2019.json", f)
    with pytest.raises(ParseError, match=r"donors-2016.json: key 'meta': expected an object with 'contributions'"):
        un_open.read_donors(f)
    f = tmp_path / "budget-pko-2022.json"
    shutil.copy(un / "donors-2016.json", f)
    with pytest.raises(
        ParseError,
        match=r"budget-pko-2022.json: expected an object with 'meta' \(object\) and "
        r"'nodes' \(list\)",
    ):
        un_open.read_pko_budget(f)
    f = tmp_path / "regular-budget-contributors-2019.json"
    f.write_text(json.dumps([1, 2, 3]))
    with pytest.raises(ParseError, match=r"regular-budget-contributors-2019.json: expected an object with 'meta'"):
        un_open.read_regular_budget(f)
    f = tmp_path / "donors-2016.json"
    f.write_text("{not json")
    with pytest.raises(ParseError, match=r"donors-2016.json: not valid JSON"):
        un_open.read_donors(f)


def test_donors_unknown_country_and_negative_amount(tmp_path, fixtures):
    data = json.loads((fixtures / "budget" / "un_open" / "donors-2016.json").read_text())
    data["Atlantis"] = {"status": "member", "category": "Government", "contributions": {"UN-DPO": {"Assessed": 1000.0}}}
    f = tmp_path / "donors-2016.json"
    f.write_text(json.dumps(data))
    with pytest.raises(UnknownNameError, match=r"donors-2016.json \(key 'Atlantis'\): 1 unknown country name"):
        un_open.read_donors(f)
    del data["Atlantis"]
    data["China"]["contributions"]["UN-DPO"]["Assessed"] = -5.0
    f.write_text(json.dumps(data))
    with pytest.raises(
        ParseError,
        match=r"donors-2016.json: key 'China' > contributions > UN-DPO > Assessed: "
        r"amount -5.0 is negative",
    ):
        un_open.read_donors(f)


def test_regular_budget_year_and_sums_are_checked(tmp_path, fixtures):
    data = json.loads((fixtures / "budget" / "un_open" / "regular-budget-contributors-2019.json").read_text())
    f = tmp_path / "regular-budget-contributors-2020.json"
    f.write_text(json.dumps(data))
    with pytest.raises(ParseError, match=r"key meta > year is 2019 but the file name says 2020"):
        un_open.read_regular_budget(f)
    data["contributors"][1]["assessment_rate"] = 130
    f = tmp_path / "regular-budget-contributors-2019.json"
    f.write_text(json.dumps(data))
    with pytest.raises(ParseError, match=r"key contributors\[1\] \('China'\) > assessment_rate: 130 is not a rate"):
        un_open.read_regular_budget(f)


def test_budget_json_fiscal_year_and_totals_are_checked(tmp_path, fixtures):
    data = json.loads((fixtures / "budget" / "un_open" / "budget-audited-pko-2019.json").read_text())
    data["meta"]["fiscalYear"] = "2019"
    f = tmp_path / "budget-audited-pko-2019.json"
    f.write_text(json.dumps(data))
    with pytest.raises(ParseError, match=r"key meta > fiscalYear: expected a July-June fiscal year 'YYYY/YY'"):
        un_open.read_pko_budget(f)
    data["meta"]["fiscalYear"] = "2018/19"
    data["nodes"][1]["amount"] += 1000
    f.write_text(json.dumps(data))
    with pytest.raises(
        ParseError,
        match=r"mission amounts sum to 6,792,360,000 but the 'whole' node is "
        r"6,792,359,000",
    ):
        un_open.read_pko_budget(f)


# --------------------------------------------------------------------------- a failed build changes nothing


def test_failed_build_leaves_a_good_build_byte_identical(good, reference, tmp_path):
    raw, out = good
    before = _snapshot(out)
    folder = _un_open_copy(raw, reference)
    (folder / "donors-2016.json").unlink()
    shutil.copy(reference / "budget" / "un_open" / "regular-budget-contributors-2019.json", folder / "donors-2016.json")
    with pytest.raises(ParseError, match=r"donors-2016.json: key 'meta'"):
        build(raw=raw, out=out, reference=reference, steps=[STEP])
    assert _snapshot(out) == before
    assert not list(out.parent.glob(".pkdata-build-*"))


def test_bad_curated_table_fails_the_build_and_changes_nothing(good, reference, tmp_path):
    raw, out = good
    before = _snapshot(out)
    (raw / "curated").unlink()
    (raw / "curated").mkdir()
    for name in (finance_step.CURATED_PK_RATES, finance_step.CURATED_RB_RATES, finance_step.CURATED_BUDGETS):
        shutil.copy(CURATED / name, raw / "curated" / name)
    f = raw / "curated" / finance_step.CURATED_RB_RATES
    f.write_text(f.read_text().replace("2016,2018,,China,CHN,7.921,", "2016,2018,,China,CHN,130,"))
    with pytest.raises(ParseError, match=r"regular_budget_scale.csv, row \d+: rate_percent 130 is outside"):
        build(raw=raw, out=out, reference=reference, steps=[STEP])
    assert _snapshot(out) == before


def test_two_exact_tables_for_the_same_year_fail_the_build(good, reference, tmp_path):
    raw, out = good
    before = _snapshot(out)
    (raw / finance_step.GA_EFFECTIVE_RATES).mkdir(parents=True)
    (raw / finance_step.GA_EFFECTIVE_RATES / "A_00_000_Add.1.csv").write_text(GA_SHAPE)
    (raw / finance_step.GA_EFFECTIVE_RATES / "copy.csv").write_text(GA_SHAPE)
    with pytest.raises(
        PkdataError,
        match=r"peacekeeping scale_rate for CHN 2025 comes from more than one file "
        r"\(A_00_000_Add.1.csv, copy.csv\)",
    ):
        build(raw=raw, out=out, reference=reference, steps=[STEP])
    assert _snapshot(out) == before

"""What the layouts share (un_pdf/table.py), on real reports: each layout reads the same way when
its column header is missing, and the shared helpers find what the reports print."""

from __future__ import annotations

from importlib import import_module

import pytest

from pkdata.builder.readers.un_pdf import table
from pkdata.builder.readers.un_pdf.core import sample_lines
from pkdata.core.errors import ParseError

#: (file month, layout, the header line as printed, what the error names)
HEADERS = [
    ("2015_01", "summary_2015", "Country UN Mission Description M F Totals", None),
    ("2016_11", "detail_2016", "Country Mission Male Female Total", None),
    ("2017_11", "post_2017", "Country Mission POST MALE FEMALE TOTAL", None),
    ("2019_08", "country_2018", "Country Name POST MALE FEMALE TOTAL", None),
    (
        "2019_10",
        "columns_2019",
        "Country Mission UNMEM M UNMEM F Troops M Troops F UNPOL M UNPOL F FPU M FPU F MSO M MSO F",
        None,
    ),
    ("2025_04", "personnel_2021", "Mission Country Personnel Type Male Female Total", None),
    (
        "2023_09",
        "country_2023",
        "Country Experts on Formed Police Individual Staff Officer Troops Total End Date",
        "Country ... Total End Date",
    ),
]


@pytest.mark.parametrize(("month", "layout", "header", "shown"), HEADERS)
def test_a_missing_column_header_is_named_once_with_the_file(fixture_pdf, month, layout, header, shown):
    lines = sample_lines(fixture_pdf(month))
    kept = [line for line in lines if line.text != header]
    assert len(kept) < len(lines), f"{layout}: the header {header!r} is printed in the report"
    file = f"UN_country_contributions_{month}.pdf"
    with pytest.raises(ParseError) as info:
        import_module(f"pkdata.builder.readers.un_pdf.{layout}").parse(kept, file)
    assert str(info.value) == f"{file}, page 1: column header {shown or header!r} not found"
    assert (info.value.file, info.value.page) == (file, 1)


def test_header_line_finds_the_printed_header_and_its_columns(fixture_pdf):
    lines = sample_lines(fixture_pdf("2017_11"))
    header = table.header_line(lines, ["Country", "Mission", "POST", "MALE", "FEMALE", "TOTAL"], "r.pdf")
    assert (header.page, header.text) == (1, "Country Mission POST MALE FEMALE TOTAL")
    # Every page repeats it: the first is the one on page 1, above the first country.
    assert lines.index(header) < next(i for i, line in enumerate(lines) if line.text == "1 Argentina")


def test_page1_date_reads_the_title_date(fixture_pdf):
    lines = sample_lines(fixture_pdf("2019_08"))
    assert str(table.page1_date(lines, "r.pdf", "dd/mm/yyyy").date()) == "2019-08-31"


def test_above_footers_drops_every_report_generated_line(fixture_pdf):
    lines = sample_lines(fixture_pdf("2025_04"))
    footer_lines = [line for line in lines if line.text.startswith("Report Generated")]
    assert footer_lines, "the 2025-04 report prints a footer"
    kept = list(table.above_footers(lines, lambda line: False))
    assert not any(line.text.startswith("Report Generated") for line in kept)
    assert kept[0].text == lines[0].text

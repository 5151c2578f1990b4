"""Layout "Summary of Contributions to UN Peacekeeping by Country and Post." (Mar 2018 - Aug 2019).

Country totals by type only, no mission. Page 1 prints the title and "... Staff Officers and
Troops dd/mm/yyyy"; every page repeats the header ``Country Name POST MALE FEMALE TOTAL``. A
country opens with its running number and name, then one line per type (only types with
personnel), then "Total for Country" (M/F/total). The report ends with "Total" (M/F/total), the
grand total.

The counts are printed about 3 points above their label, so text extraction often gives the
label and its counts as two lines. Labels are paired with the nearest counts-only line on the
same page (a few points away); a counts-only line with no label near it, or a label left
without counts, is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from pkdata.builder.readers.un_pdf.core import Line, Printed, Report, Row, Word, find_date, is_number
from pkdata.builder.readers.un_pdf.table import (
    counted_row,
    counted_total,
    header_line,
    male_female_total,
    numbered_name,
    page1_date,
    require_grand,
    words_of,
)
from pkdata.core.errors import ParseError

_TITLE = "Summary of Contributions to UN Peacekeeping by Country and Post."
_HEADER = ["Country", "Name", "POST", "MALE", "FEMALE", "TOTAL"]
#: Largest vertical distance (points) between a label and its counts (about 3 in the reports).
_MAX_DY = 6.0


@dataclass
class _Item:
    """A line's text cells with the counts printed beside it (on the same line or paired)."""

    line: Line
    cells: list[Word]
    nums: list[Word]


def detect(lines: list[Line]) -> bool:
    """True for this layout (title and column header on page 1).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2019_08.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2019_10.pdf"))  # columns_2019
    False
    """
    page1 = [line for line in lines[:6] if line.page == 1]
    return any(line.text.startswith(_TITLE) for line in page1) and any(words_of(line) == _HEADER for line in page1)


def _columns(lines: list[Line], file: str) -> dict[str, float]:
    w = {x.text: x for x in header_line(lines, _HEADER, file).words}
    return {"post": w["POST"].x0, "male": w["MALE"].xc, "female": w["FEMALE"].xc, "total": w["TOTAL"].xc}


def _pair(lines: list[Line], file: str) -> list[_Item]:
    """Join each counts-only line to the label line nearest to it on the same page."""
    items = []
    for line in lines:
        cells, nums = line.split()
        items.append(_Item(line, cells, nums))
    # A label that takes counts: a type under POST, "Total for Country" or the closing "Total"
    # (not a country's opening line, whose text starts with its running number).
    takers = [it for it in items if it.cells and not it.nums and not is_number(it.cells[0].text)]
    by_page: dict[int, list[_Item]] = {}
    for t in takers:
        by_page.setdefault(t.line.page, []).append(t)
    out = [it for it in items if it.cells]
    for it in items:
        if it.cells:
            continue
        near = [t for t in by_page.get(it.line.page, []) if abs(t.line.y - it.line.y) <= _MAX_DY]
        if not near:
            raise ParseError(
                file, f"counts {it.line.text!r} with no label beside them (y={it.line.y:.0f})", page=it.line.page
            )
        best = min(near, key=lambda t: abs(t.line.y - it.line.y))
        if best.nums:
            raise ParseError(file, f"two lines of counts beside label {best.line.text!r}", page=it.line.page)
        best.nums = it.nums
    return out


def parse(lines: list[Line], file: str) -> Report:
    """Read every country x type line, every "Total for Country" and the grand total.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2019_08.pdf")
    >>> str(parse(lines, "2019_08.pdf").date.date())
    '2019-08-31'
    """
    when = page1_date(lines, file, "dd/mm/yyyy after the title")
    x = _columns(lines, file)
    # Page furniture: the title and date lines on page 1, the column header on every page.
    body = [
        line
        for i, line in enumerate(lines)
        if not (line.page == 1 and i < 2 and (line.text.startswith(_TITLE) or find_date(line.text) is not None))
        and words_of(line) != _HEADER
    ]
    rows: list[Row] = []
    printed: list[Printed] = []
    country: str | None = None
    for it in _pair(body, file):
        texts = [c.text for c in it.cells]
        page = it.line.page
        where = f"line {' '.join(texts)!r}"
        if not it.nums:
            name = numbered_name(it.cells, x["post"])
            if name is not None:
                country = name
                continue
            raise ParseError(file, f"{where} has no counts beside it", page=page)
        v = male_female_total(
            it.nums, x, file=file, page=page, error=f"male, female and total not all found for {where}"
        )
        if texts == ["Total"]:
            printed.append(counted_total("grand", page, v))
            continue
        if country is None:
            raise ParseError(file, f"counts before any country: {where}", page=page)
        if texts == ["Total for Country"]:
            printed.append(counted_total("country", page, v, contributor=country))
        elif len(texts) == 1 and abs(it.cells[0].x0 - x["post"]) < 15:
            rows.append(counted_row(country, None, texts[0], v, page))
        else:
            raise ParseError(file, f"expected a type under POST or 'Total for Country', got {where}", page=page)
    require_grand(printed, lines, file, "no closing 'Total' (grand total) line found")
    return Report(file, "country_2018", when, rows, printed, has_mission=False, has_gender=True)

"""Layout "Contribution of Uniformed Personnel to UN by Country and Personnel Type" (2023-09).

Country totals only, no missions and no gender. Under the title and "As of : dd/mm/yyyy" one
table, its header over two lines: Country, Experts on Mission, Formed Police Units, Individual
Police, Staff Officer, Troops, Total, End Date. One line per country (largest first) with the
five counts, the country's total and the end date; a long name wraps onto a second line under
the first ("United Republic of" / "Tanzania"). "Grand Total" closes the table with the total of
each column.

Each non-zero count becomes a row (mission, male and female unknown); each country's total and
the grand total are checked by :func:`~pkdata.builder.readers.un_pdf.core.verify`, and the grand total
of each type column is checked here.
"""

from __future__ import annotations

from pkdata.builder.readers.un_pdf.core import (
    Line,
    Printed,
    Report,
    Row,
    Word,
    assign_columns,
    find_date,
    split_numbers,
)
from pkdata.builder.readers.un_pdf.table import above_footers, as_of_line, pitch
from pkdata.core.errors import ParseError, TotalsMismatchError

TITLE = "Contribution of Uniformed Personnel to UN"
SUBTITLE = "by Country and Personnel Type"
#: Title block repeated on every page; nothing to read there.
_FURNITURE = (TITLE, SUBTITLE, "Experts on Mission, Formed Police Units", "As of")


def detect(lines: list[Line]) -> bool:
    """True for this layout (title on page 1).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2023_09.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2025_04.pdf"))  # personnel_2021
    False
    """
    head = [line.text.strip() for line in lines if line.page == 1][:4]
    return TITLE in head and SUBTITLE in head


def _header(lines: list[Line], file: str) -> tuple[int, dict[str, float]]:
    """Index of the first header line and the x centre of each printed column label.

    The labels are printed over two lines ("Experts on" / "Mission"); they are joined here, so a
    row's label is the printed column label.
    """
    for i, line in enumerate(lines):
        cells = line.cells()
        if cells and cells[0].text == "Country" and cells[-1].text == "End Date":
            below = lines[i + 1].cells() if i + 1 < len(lines) and lines[i + 1].page == line.page else []
            heads = {c.xc: c.text for c in cells[1:-1]}
            for c in below:
                x = min(heads, key=lambda h: abs(h - c.xc))
                heads[x] = f"{heads[x]} {c.text}"
            return i, {text: x for x, text in heads.items()}
    raise ParseError(file, "column header 'Country ... Total End Date' not found", page=1)


def parse(lines: list[Line], file: str) -> Report:
    """Read every country's counts, its total and the grand total.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2023_09.pdf")
    >>> str(parse(lines, "2023_09.pdf").date.date())
    '2023-09-30'
    """
    as_of = as_of_line(lines)
    when = find_date(as_of.text) if as_of else None
    if as_of is None or when is None:
        raise ParseError(file, "report date ('As of : dd/mm/yyyy') not found", page=1)
    end_date = as_of.words[-1].text
    first, columns = _header(lines, file)
    if "Total" not in columns or len(columns) != 6:
        raise ParseError(file, f"expected five personnel types and Total, found {list(columns)}", page=1)
    country_x = lines[first].words[0].x0
    types = [c for c in columns if c != "Total"]
    rows: list[Row] = []
    printed: list[Printed] = []
    grand: dict[str, int] | None = None
    name_y = -1.0
    # The usual distance between two country lines (lines with counts, the end date aside) on a page.
    row_pitch = pitch(lines, lambda ln: bool(split_numbers(ln.cells()[:-1])[1]))
    header_texts = {lines[first].text, lines[first + 1].text}
    # Page furniture: the title block, the two header lines and the footer (which may wrap).
    for line in above_footers(lines, lambda line: line.text.startswith(_FURNITURE) or line.text in header_texts):
        text = line.text
        name_cells, num_cells = split_numbers(_without_end_date(line, end_date, file))
        if len(name_cells) != 1 or abs(name_cells[0].x0 - country_x) > 5:
            raise ParseError(file, f"unexpected line {text!r}", page=line.page)
        name = name_cells[0].text.strip()
        if not num_cells:
            # Second line of a wrapped country name, just under the first.
            if not printed or printed[-1].scope != "country" or line.y - name_y > 0.75 * row_pitch:
                raise ParseError(file, f"unexpected line {text!r}", page=line.page)
            _rename(rows, printed[-1], f"{printed[-1].contributor} {name}")
            continue
        nums = assign_columns(num_cells, columns, file=file, page=line.page)
        if len(nums) != len(columns):
            raise ParseError(file, f"expected {len(columns)} counts on line {text!r}", page=line.page)
        if name == "Grand Total":
            if grand is not None:
                raise ParseError(file, "two 'Grand Total' lines", page=line.page)
            grand = nums
            printed.append(Printed("grand", line.page, nums["Total"]))
            continue
        if grand is not None:
            raise ParseError(file, f"line after 'Grand Total': {text!r}", page=line.page)
        if any(p.contributor == name for p in printed):
            raise ParseError(file, f"country {name!r} printed twice", page=line.page)
        name_y = line.y
        printed.append(Printed("country", line.page, nums["Total"], contributor=name))
        # A zero count is not a contribution: only non-zero types become rows.
        rows.extend(Row(name, None, t, None, None, nums[t], line.page) for t in types if nums[t])
    _check_type_totals(rows, grand, types, file, lines[-1].page if lines else 0)
    return Report(file, "country_2023", when, rows, printed, has_mission=False, has_gender=False)


def _without_end_date(line: Line, end_date: str, file: str) -> list[Word]:
    """The line's cells but the End Date column, which must print the report date."""
    cells = line.cells()
    if cells and cells[-1].text == end_date:
        return cells[:-1]
    if cells and "/" in cells[-1].text:
        raise ParseError(file, f"end date {cells[-1].text!r} differs from the report date {end_date!r}", page=line.page)
    return cells


def _rename(rows: list[Row], country: Printed, full: str) -> None:
    """A country's total and rows under its full name (its first line was read as the whole name)."""
    for r in rows:
        if r.contributor == country.contributor:
            r.contributor = full
    country.contributor = full


def _check_type_totals(rows: list[Row], grand: dict[str, int] | None, types: list[str], file: str, page: int) -> None:
    """Each type's rows add up to the grand total line's count of that type."""
    if grand is None:
        raise ParseError(file, "no 'Grand Total' line", page=page)
    for t in types:
        got = sum(r.total for r in rows if r.label == t)
        if got != grand[t]:
            raise TotalsMismatchError(
                file, f"grand total of {t!r}: printed {grand[t]:,}, rows add up to {got:,}", page=page
            )

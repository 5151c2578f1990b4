"""What the layout modules share when they read a printed table.

The reports differ in titles, columns and totals, but every layout finds its column header by its
words, reads the date from the first lines of page 1, takes male / female / total counts from
under their headers, names a country after its running number, skips each page's footer and
measures the usual distance between two table lines. Those steps live here, once; what a layout
does on purpose differently (its titles, messages and totals) stays in its module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pandas as pd

from pkdata.builder.readers.un_pdf.core import (
    Line,
    Printed,
    Row,
    Scope,
    Word,
    assign_columns,
    footer_tops,
    header_date,
    is_number,
)
from pkdata.core.errors import ParseError

#: The three count columns most layouts print, in order.
MFT = ("male", "female", "total")


def words_of(line: Line) -> list[str]:
    """The texts of a line's words, left to right (compared with a layout's column header).

    >>> words_of(Line(1, 10.0, [Word(0, 8, 20, 12, "Country"), Word(30, 8, 50, 12, "POST")]))
    ['Country', 'POST']
    """
    return [w.text for w in line.words]


def find_header(lines: list[Line], is_header: Callable[[Line], bool], file: str, shown: str) -> Line:
    """The first line ``is_header`` accepts, or a :class:`ParseError` naming the header as ``shown``.

    >>> ln = Line(1, 10.0, [Word(0, 8, 20, 12, "Country"), Word(30, 8, 50, 12, "End Date")])
    >>> find_header([ln], lambda line: line.words[-1].text == "End Date", "r.pdf", "Country ... End Date").y
    10.0
    >>> find_header([ln], lambda line: False, "r.pdf", "Country ... Total")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.ParseError: r.pdf, page 1: column header 'Country ... Total' not found
    """
    for line in lines:
        if is_header(line):
            return line
    raise ParseError(file, f"column header {shown!r} not found", page=1)


def header_line(lines: list[Line], header: Sequence[str], file: str) -> Line:
    """The first line whose words are exactly ``header`` (see :func:`find_header`).

    >>> ln = Line(1, 10.0, [Word(0, 8, 20, 12, "Country"), Word(30, 8, 50, 12, "TOTAL")])
    >>> header_line([ln], ["Country", "TOTAL"], "r.pdf").words[1].x0
    30
    """
    want = list(header)
    return find_header(lines, lambda line: words_of(line) == want, file, " ".join(header))


def page1_text(lines: list[Line], count: int) -> str:
    """The first ``count`` lines of page 1, joined by spaces (where titles and dates are printed).

    >>> page1_text([Line(1, 10.0, [Word(0, 8, 9, 12, "Title")]), Line(2, 10.0, [Word(0, 8, 9, 12, "x")])], 4)
    'Title'
    """
    return " ".join(line.text for line in lines[:count] if line.page == 1)


def page1_date(lines: list[Line], file: str, expected: str) -> pd.Timestamp:
    """The report date printed in the first four lines of page 1 (see :func:`~.core.header_date`).

    >>> page1_date([Line(1, 10.0, [Word(0, 8, 9, 12, "Troops"), Word(10, 8, 60, 12, "31/05/2017")])],
    ...            "r.pdf", "dd/mm/yyyy").date()
    datetime.date(2017, 5, 31)
    """
    return header_date(page1_text(lines, 4), file, expected)


def as_of_line(lines: list[Line]) -> Line | None:
    """The line of page 1 that starts with "As of" (the date line of the 2021+ titles), or None.

    >>> as_of_line([Line(1, 10.0, [Word(0, 8, 9, 12, "As"), Word(10, 8, 19, 12, "of:")])]).text
    'As of:'
    """
    return next((line for line in lines if line.page == 1 and line.text.startswith("As of")), None)


def male_female_total(
    nums: list[Word], x: dict[str, float], *, file: str, page: int, error: str | Callable[[], str]
) -> dict[str, int]:
    """Male, female and total of a line, each under its column (``x`` holds their centres).

    All three must be printed; else a :class:`ParseError` with the layout's own ``error`` text (or what
    ``error()`` returns: a layout that reads thousands of lines words it only when one fails).

    >>> male_female_total([Word(379, 0, 383, 5, "2"), Word(426, 0, 430, 5, "1"), Word(478, 0, 482, 5, "3")],
    ...        {"male": 381, "female": 428, "total": 480, "post": 100}, file="f.pdf", page=1, error="short")
    {'male': 2, 'female': 1, 'total': 3}
    """
    v = assign_columns(nums, {k: x[k] for k in MFT}, file=file, page=page)
    if len(v) != len(MFT):
        raise ParseError(file, error if isinstance(error, str) else error(), page=page)
    return v


def counted_row(contributor: str, mission: str | None, label: str, v: dict[str, int], page: int) -> Row:
    """A :class:`~.core.Row` from a line's male, female and total.

    >>> counted_row("Ghana", "UNIFIL", "Troops", {"male": 2, "female": 1, "total": 3}, 4).female
    1
    """
    return Row(contributor, mission, label, v["male"], v["female"], v["total"], page)


def counted_total(scope: Scope, page: int, v: dict[str, int], **where: str | None) -> Printed:
    """A :class:`~.core.Printed` total from a total line's male, female and total.

    >>> counted_total("country", 2, {"male": 2, "female": 1, "total": 3}, contributor="Ghana").total
    3
    """
    return Printed(scope, page, v["total"], v["male"], v["female"], **where)


def numbered_name(cells: list[Word], before_x: float) -> str | None:
    """The name on a line that opens a country with its running number ("12 Bosnia and Herzegovina"),
    the name standing left of ``before_x``; None for any other line.

    >>> numbered_name([Word(10, 0, 14, 5, "12"), Word(20, 0, 90, 5, "Bosnia and Herzegovina")], 150)
    'Bosnia and Herzegovina'
    >>> numbered_name([Word(200, 0, 240, 5, "UNMISS")], 150) is None
    True
    """
    if len(cells) >= 2 and is_number(cells[0].text) and cells[1].x0 < before_x - 20:
        return " ".join(c.text for c in cells[1:])
    return None


def require_grand(printed: list[Printed], lines: list[Line], file: str, missing: str) -> None:
    """Raise ``missing`` (naming the last page) unless a grand total was read.

    >>> require_grand([Printed("country", 1, 3, contributor="Ghana")], [], "r.pdf", "no 'Grand Total' line found")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.ParseError: r.pdf: no 'Grand Total' line found
    """
    if not any(p.scope == "grand" for p in printed):
        raise ParseError(file, missing, page=lines[-1].page if lines else None)


def above_footers(lines: list[Line], skip: Callable[[Line], bool]) -> Iterator[Line]:
    """The lines above each page's footer (which may wrap; see :func:`~.core.footer_tops`), but those ``skip``
    rejects (title block, column header).

    >>> ln = lambda page, y, text: Line(page=page, y=y, words=[Word(0, y, 40, y + 8, text)])
    >>> lines = [ln(1, 50, "Title"), ln(1, 80, "Ghana 3"), ln(1, 700, "Report Generated: 1 May"), ln(2, 60, "Chad 4")]
    >>> [line.text for line in above_footers(lines, lambda line: line.text == "Title")]
    ['Ghana 3', 'Chad 4']
    """
    page, footer_y = 0, 0.0
    footers = footer_tops(lines)
    for line in lines:
        if line.page != page:
            page = line.page
            footer_y = footers.get(page, float("inf"))
        if skip(line) or line.y >= footer_y - 1:
            continue
        yield line


def pitch(lines: list[Line], keep: Callable[[Line], bool]) -> float:
    """The usual (median) distance between two consecutive lines ``keep`` accepts on one page; 0 if none.

    >>> ln = lambda page, y: Line(page=page, y=y, words=[Word(0, y, 40, y + 8, "x")])
    >>> pitch([ln(1, 100), ln(1, 112), ln(1, 124), ln(1, 140), ln(2, 50)], lambda line: True)
    12
    """
    ys = [(ln.page, ln.y) for ln in lines if keep(ln)]
    gaps = sorted(b - a for (pa, a), (pb, b) in zip(ys, ys[1:], strict=False) if pa == pb)
    return gaps[len(gaps) // 2] if gaps else 0.0

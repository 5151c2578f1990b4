"""Shared machinery for the UN monthly contribution reports (PDF).

A layout module turns the positioned words of a report into :class:`Row` objects (one per
printed contributor x mission x type line) and :class:`Printed` objects (every total the
report prints). :func:`verify` then checks that the rows reproduce every printed total.
"""

from __future__ import annotations

import bisect
import functools
import operator
import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

import pandas as pd

from pkdata.core.errors import ParseError, TotalsMismatchError

Scope = Literal["grand", "country", "mission", "country_mission"]

_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}


class Word(NamedTuple):
    """One word on a page, with its box in PDF points (origin top left).

    Immutable: a named tuple (the 126 reports hold some 850,000 words, and a frozen dataclass
    took about twice as long to create and sort).
    """

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def xc(self) -> float:
        """Horizontal centre."""
        return (self.x0 + self.x1) / 2


@dataclass
class Line:
    """Words that share a baseline on one page, left to right. ``page`` is 1-based."""

    page: int
    y: float
    words: list[Word]

    # ``text`` and ``cells()`` are asked for many times per line (detection, pitch, reading): each is worked out
    # once, on first use, when the line's words are complete (read_lines fills them before anything reads them).
    @functools.cached_property
    def text(self) -> str:
        """The words joined by single spaces."""
        return " ".join([w[4] for w in self.words])

    def cells(self, gap: float = 4.5) -> list[Word]:
        """Merge words closer than ``gap`` points into phrases (one per table cell)."""
        if gap == _GAP:
            return list(self._default_cells())
        return _merge(self.words, gap)

    def _default_cells(self) -> list[Word]:
        # The cells at the default gap, merged once and kept (not a copy: only for readers that do not change it).
        cached = self.__dict__.get("_cells")
        if cached is None:
            cached = self.__dict__["_cells"] = _merge(self.words, _GAP)
        return cached

    def split(self) -> tuple[list[Word], list[Word]]:
        """:func:`split_numbers` of the line's :meth:`cells`: its text cells and its trailing number cells
        (worked out once: a layout asks both to find its table lines and to read them).

        >>> t, n = Line(1, 5.0, [Word(0, 0, 5, 5, "Chad"), Word(40, 0, 45, 5, "12")]).split()
        >>> [c.text for c in t], [c.text for c in n]
        (['Chad'], ['12'])
        """
        cached = self.__dict__.get("_split")
        if cached is None:
            cached = self.__dict__["_split"] = split_numbers(self._default_cells())
        return list(cached[0]), list(cached[1])


_GAP = 4.5  # the default gap of Line.cells


def _merge(words: list[Word], gap: float) -> list[Word]:
    out: list[Word] = []
    prev = None  # the phrase being built, out[-1]
    for w in words:
        if prev is not None and w[0] - prev[2] < gap:
            merged = (prev[0], min(prev[1], w[1]), w[2], max(prev[3], w[3]), f"{prev[4]} {w[4]}")
            prev = out[-1] = _new_word(Word, merged)
        else:
            prev = w
            out.append(w)
    return out


@dataclass
class Row:
    """One printed line of counts: contributor x mission x personnel label."""

    contributor: str
    mission: str | None
    label: str
    male: int | None
    female: int | None
    total: int
    page: int


@dataclass
class Printed:
    """A total printed by the report, to be reproduced from the rows."""

    scope: Scope
    page: int
    total: int
    male: int | None = None
    female: int | None = None
    contributor: str | None = None
    mission: str | None = None


@dataclass
class Report:
    """Everything read from one PDF report."""

    file: str
    layout: str
    date: pd.Timestamp
    rows: list[Row]
    printed: list[Printed] = field(default_factory=list)
    has_mission: bool = True
    has_gender: bool = True
    pages: int = 0
    #: Where the date came from: the report itself, or the curated table for reports printing none.
    date_source: str = "printed in the report"
    #: False only for layouts that print no totals at all (then only male + female = total is checked).
    prints_totals: bool = True

    @property
    def grand_total(self) -> int:
        """Sum of every row (equals the printed grand total once verified)."""
        return sum(r.total for r in self.rows)


def sample_lines(report: str | os.PathLike) -> list[Line]:
    """The lines of one report (for examples and tests): a path, or a file month of the reference copies.

    >>> sample_lines(FIXTURES / "UN_country_contributions_2015_01.pdf")[0].text
    "UN Mission's Summary"
    """
    import pymupdf

    from pkdata.core.paths import reference_dir

    if isinstance(report, str) and re.fullmatch(r"\d{4}_\d{2}", report):
        folder = reference_dir() / "personnel" / "un_monthly_pdfs_kl371218"
        report = folder / f"UN_country_contributions_{report}.pdf"
    return read_lines(pymupdf.open(report))


def read_lines(doc, *, tolerance: float = 2.5) -> list[Line]:
    """Group every word of a PyMuPDF document into lines (by vertical centre), page by page.

    >>> import pymupdf
    >>> lines = read_lines(pymupdf.open(FIXTURES / "UN_country_contributions_2015_01.pdf"))
    >>> lines[3].page, lines[3].text
    (1, 'Country UN Mission Description M F Totals')
    """
    lines: list[Line] = []
    for pno in range(doc.page_count):
        lines.extend(_page_lines(doc[pno].get_text("words", sort=False), pno + 1, tolerance))
    return lines


def _page_lines(raw: list[tuple], page: int, tolerance: float) -> list[Line]:
    """One page's words (PyMuPDF's tuples) grouped into lines.

    A line starts at the first word (by vertical centre) and takes every following word whose centre is within
    ``tolerance`` of that first one; its words are then put left to right.
    """
    # Words in order of their centres (a stable sort: extraction order among equals), by sorting their indices
    # (no Python key function per word). Ordering among equal centres by x0 as well would change nothing: each
    # line's words are sorted by x0 below, again stably.
    ycs = [(w[1] + w[3]) / 2 for w in raw]
    order = sorted(range(len(ycs)), key=ycs.__getitem__)
    ys = [ycs[i] for i in order]
    words = [_new_word(Word, raw[i][:5]) for i in order]
    out: list[Line] = []
    start, n = 0, len(ys)
    while start < n:
        end = _line_end(ys, start, tolerance)
        line_words = words[start:end]
        if end - start > 1:
            line_words.sort(key=_x0)
        line = Line(page, ys[start], line_words)
        line.text = " ".join([w[4] for w in line_words])  # every line's text is read (layout, furniture)
        out.append(line)
        start = end
    return out


def _line_end(ys: list[float], start: int, tolerance: float) -> int:
    """The end of the line that starts at ``ys[start]`` (``ys`` ascending): the first index whose centre is
    more than ``tolerance`` below it.

    ``bisect`` finds it in C; the two loops then settle the last ulp exactly as ``y - first <= tolerance``
    decides (``first + tolerance`` may round the other way).
    """
    first = ys[start]
    end = bisect.bisect_right(ys, first + tolerance, start + 1)
    while end < len(ys) and ys[end] - first <= tolerance:
        end += 1
    while end > start + 1 and ys[end - 1] - first > tolerance:
        end -= 1
    return end


_new_word = tuple.__new__  # Word(*w[:5]) without the keyword handling of a named tuple's constructor
_x0 = operator.itemgetter(0)


def footer_tops(lines: list[Line], marker: str = "Report Generated") -> dict[int, float]:
    """Page -> the y of the top of its footer (the highest line starting with ``marker``), in one pass over the
    lines; a page without a footer is absent.

    >>> ln = lambda page, y, text: Line(page=page, y=y, words=[Word(0, y, 40, y + 8, text)])
    >>> footer_tops([ln(1, 700, "Report Generated: 1 May"), ln(1, 710, "Report Generated (cont.)"), ln(2, 50, "x")])
    {1: 700}
    """
    tops: dict[int, float] = {}
    for line in lines:
        if line.text.startswith(marker):
            tops[line.page] = min(line.y, tops.get(line.page, float("inf")))
    return tops


_NUM = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


def is_number(text: str) -> bool:
    """True for a printed count such as ``7``, ``1234`` or ``87,324``.

    >>> is_number("87,324"), is_number("UNMISS")
    (True, False)
    """
    t = text.strip()
    if t.isdecimal():  # what ``\d+`` accepts; only a text with a comma needs the pattern
        return True
    return "," in t and _NUM.match(t) is not None


def to_int(text: str) -> int:
    """Parse a printed count.

    >>> to_int("87,324")
    87324
    """
    return int(text.strip().replace(",", ""))


def month_end(year: int, month: int) -> pd.Timestamp:
    """Last day of a month.

    >>> month_end(2016, 2).date()
    datetime.date(2016, 2, 29)
    """
    return pd.Timestamp(date(year, month, 1)) + pd.offsets.MonthEnd(0)


def find_date(text: str) -> pd.Timestamp | None:
    """The report date printed in a header: ``31/05/2017``, ``31-Jan-15`` or ``End of November, 2016``.

    Always returned as the month end of the printed month.

    >>> find_date("Troops  31/05/2017").date()
    datetime.date(2017, 5, 31)
    >>> find_date("Month of Report : 28-Feb-15").date()
    datetime.date(2015, 2, 28)
    >>> find_date("by End of  November,  2016").date()
    datetime.date(2016, 11, 30)
    """
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if m:
        return month_end(int(m.group(3)), int(m.group(2)))
    m = re.search(r"\b(\d{1,2})-([A-Za-z]{3})-(\d{2,4})\b", text)
    if m and m.group(2).lower() in _MONTHS:
        year = int(m.group(3))
        return month_end(year + 2000 if year < 100 else year, _MONTHS[m.group(2).lower()])
    m = re.search(r"\b([A-Za-z]{3,9}),?\s+(\d{4})\b", text)
    if m and m.group(1)[:3].lower() in _MONTHS:
        return month_end(int(m.group(2)), _MONTHS[m.group(1)[:3].lower()])
    return None


def header_date(text: str, file: str, expected: str) -> pd.Timestamp:
    """The report date in a page-1 header, or a :class:`ParseError` saying which form was expected.

    >>> header_date("Troops 31/05/2017", "r.pdf", "dd/mm/yyyy").date()
    datetime.date(2017, 5, 31)
    """
    when = find_date(text)
    if when is None:
        raise ParseError(file, f"report date ({expected}) not found", page=1)
    return when


def verify(report: Report) -> None:
    """Check rows against each other and against every printed total; raise on the first mismatch.

    Checks: ``male + female == total`` on every row where both are printed, then every
    :class:`Printed` total (and its male/female split where printed).

    >>> r = Report("r.pdf", "x", month_end(2019, 6), [Row("China", None, "Troops", 2, 1, 3, 1)],
    ...            [Printed("country", 1, 4, contributor="China")])
    >>> verify(r)
    Traceback (most recent call last):
    ...
    pkdata.core.errors.TotalsMismatchError: r.pdf, page 1: total for country 'China': printed 4, rows add up to 3
    """
    for r in report.rows:
        if r.male is not None and r.female is not None and r.male + r.female != r.total:
            raise TotalsMismatchError(
                report.file,
                f"row {r.contributor} / {r.mission} / {r.label}: male {r.male} + female {r.female} "
                f"!= printed total {r.total}",
                page=r.page,
            )
    if report.prints_totals and not report.printed:
        raise ParseError(report.file, f"layout {report.layout}: no printed totals found to check the rows against")
    # The rows under each contributor, mission and pair the report prints a total for, in report order (one
    # pass, not one per total).
    under: dict[tuple[str | None, str | None], list[Row]] = {(p.contributor, p.mission): [] for p in report.printed}
    for r in report.rows:
        c, m = r.contributor, r.mission
        keys = ((None, None), (c, None), (None, m), (c, m))
        if c is None or m is None:
            keys = set(keys)  # some keys coincide (a row without a mission is under (contributor, None) once)
        for key in keys:
            rows = under.get(key)
            if rows is not None:
                rows.append(r)
    for p in report.printed:
        _check_total(report.file, p, under[p.contributor, p.mission])


def _check_total(file: str, p: Printed, rows: list[Row]) -> None:
    """Raise unless ``rows`` add up to the printed total ``p`` (and to its male and female where printed)."""
    got = sum(r.total for r in rows)
    if got != p.total:
        raise TotalsMismatchError(file, f"{_total_name(p)}: printed {p.total:,}, rows add up to {got:,}", page=p.page)
    for sex, printed in (("male", p.male), ("female", p.female)):
        if printed is None:
            continue
        vals = [getattr(r, sex) for r in rows]
        if any(v is None for v in vals):
            continue
        s = sum(vals)
        if s != printed:
            raise TotalsMismatchError(
                file, f"{_total_name(p)} ({sex}): printed {printed:,}, rows add up to {s:,}", page=p.page
            )


def _total_name(p: Printed) -> str:
    """How a message names a printed total (worked out only for a mismatch)."""
    return {
        "grand": "grand total",
        "country": f"total for country {p.contributor!r}",
        "mission": f"total for mission {p.mission!r}",
        "country_mission": f"total for {p.contributor!r} in {p.mission!r}",
    }[p.scope]


def split_numbers(cells: list[Word]) -> tuple[list[Word], list[Word]]:
    """Split a line's cells into leading text cells and trailing number cells.

    >>> t, n = split_numbers([Word(0, 0, 5, 5, "UNMISS"), Word(9, 0, 10, 5, "3")])
    >>> [c.text for c in t], [c.text for c in n]
    (['UNMISS'], ['3'])
    """
    i = len(cells)
    while i and is_number(cells[i - 1][4]):
        i -= 1
    return cells[:i], cells[i:]


def assign_columns(nums: list[Word], columns: dict[str, float], *, file: str, page: int) -> dict[str, int]:
    """Put each number cell under the column header whose centre is nearest.

    ``columns`` maps a column name to the x centre of its header. Two numbers under one
    header is an error (naming file and page).

    >>> assign_columns([Word(385, 0, 393, 5, "3"), Word(500, 0, 509, 5, "3")],
    ...                {"male": 381, "female": 428, "total": 480}, file="f.pdf", page=1)
    {'male': 3, 'total': 3}
    """
    out: dict[str, int] = {}
    headers = list(columns.items())
    for n in nums:
        # The nearest header, the first of equals (a plain loop, not min(): this runs for every count; the
        # word's centre, abs() and to_int are written out here for the same reason).
        xc = (n[0] + n[2]) / 2
        name, best = None, 0.0
        for c, x in headers:
            d = x - xc
            if d < 0:
                d = -d
            if name is None or d < best:
                name, best = c, d
        if name in out:
            raise ParseError(file, f"two numbers under column {name!r} on one line (x={xc:.0f})", page=page)
        out[name] = int(n[4].strip().replace(",", ""))
    return out

"""Shared machinery for the UN monthly contribution reports (PDF).

A layout module turns the positioned words of a report into :class:`Row` objects (one per
printed contributor x mission x type line) and :class:`Printed` objects (every total the
report prints). :func:`verify` then checks that the rows reproduce every printed total.
"""

from __future__ import annotations

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
            cached = self.__dict__.get("_cells")
            if cached is None:
                cached = self.__dict__["_cells"] = _merge(self.words, gap)
            return list(cached)
        return _merge(self.words, gap)

    def split(self) -> tuple[list[Word], list[Word]]:
        """:func:`split_numbers` of the line's :meth:`cells`: its text cells and its trailing number cells
        (worked out once: a layout asks both to find its table lines and to read them).

        >>> t, n = Line(1, 5.0, [Word(0, 0, 5, 5, "Chad"), Word(40, 0, 45, 5, "12")]).split()
        >>> [c.text for c in t], [c.text for c in n]
        (['Chad'], ['12'])
        """
        cached = self.__dict__.get("_split")
        if cached is None:
            cached = self.__dict__["_split"] = split_numbers(self.cells())
        return list(cached[0]), list(cached[1])


_GAP = 4.5  # the default gap of Line.cells


def _merge(words: list[Word], gap: float) -> list[Word]:
    out: list[Word] = []
    for w in words:
        if out and w[0] - out[-1][2] < gap:
            p = out[-1]
            out[-1] = Word(p[0], min(p[1], w[1]), w[2], max(p[3], w[3]), f"{p[4]} {w[4]}")
        else:
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
        # Sorted as PyMuPDF's tuples (a stable sort: extraction order among equals), then made Words: fewer
        # attribute look-ups on the ~850,000 words of the reports than sorting Words.
        raw = doc[pno].get_text("words", sort=False)
        raw.sort(key=_centre_then_x0)
        page_lines: list[Line] = []
        line_y = 0.0
        words: list[Word] = []
        for w in raw:
            yc = (w[1] + w[3]) / 2
            word = _new_word(Word, w[:5])
            if page_lines and abs(line_y - yc) <= tolerance:
                words.append(word)
            else:
                words = [word]
                line_y = yc
                page_lines.append(Line(pno + 1, yc, words))
        for line in page_lines:
            if len(line.words) > 1:
                line.words.sort(key=_x0)
            line.text = " ".join([w[4] for w in line.words])  # every line's text is read (layout, furniture)
        lines.extend(page_lines)
    return lines


_new_word = tuple.__new__  # Word(*w[:5]) without the keyword handling of a named tuple's constructor
_x0 = operator.itemgetter(0)


def _centre_then_x0(w: tuple) -> tuple[float, float]:
    return ((w[1] + w[3]) / 2, w[0])


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
    # The rows under each contributor, mission and pair, in report order (one pass, not one per total).
    under: dict[tuple[str | None, str | None], list[Row]] = {}
    for r in report.rows:
        # (a row without a mission is under (contributor, None) once, not twice)
        for key in {(None, None), (r.contributor, None), (None, r.mission), (r.contributor, r.mission)}:
            under.setdefault(key, []).append(r)
    for p in report.printed:
        rows = under.get((p.contributor, p.mission), [])
        got = sum(r.total for r in rows)
        who = {
            "grand": "grand total",
            "country": f"total for country {p.contributor!r}",
            "mission": f"total for mission {p.mission!r}",
            "country_mission": f"total for {p.contributor!r} in {p.mission!r}",
        }[p.scope]
        if got != p.total:
            raise TotalsMismatchError(report.file, f"{who}: printed {p.total:,}, rows add up to {got:,}", page=p.page)
        for sex, printed in (("male", p.male), ("female", p.female)):
            if printed is None:
                continue
            vals = [getattr(r, sex) for r in rows]
            if any(v is None for v in vals):
                continue
            s = sum(vals)
            if s != printed:
                raise TotalsMismatchError(
                    report.file, f"{who} ({sex}): printed {printed:,}, rows add up to {s:,}", page=p.page
                )


def split_numbers(cells: list[Word]) -> tuple[list[Word], list[Word]]:
    """Split a line's cells into leading text cells and trailing number cells.

    >>> t, n = split_numbers([Word(0, 0, 5, 5, "UNMISS"), Word(9, 0, 10, 5, "3")])
    >>> [c.text for c in t], [c.text for c in n]
    (['UNMISS'], ['3'])
    """
    i = len(cells)
    while i and is_number(cells[i - 1].text):
        i -= 1
    return list(cells[:i]), list(cells[i:])


def assign_columns(nums: list[Word], columns: dict[str, float], *, file: str, page: int) -> dict[str, int]:
    """Put each number cell under the column header whose centre is nearest.

    ``columns`` maps a column name to the x centre of its header. Two numbers under one
    header is an error (naming file and page).

    >>> assign_columns([Word(385, 0, 393, 5, "3"), Word(500, 0, 509, 5, "3")],
    ...                {"male": 381, "female": 428, "total": 480}, file="f.pdf", page=1)
    {'male': 3, 'total': 3}
    """
    out: dict[str, int] = {}
    for n in nums:
        # The nearest header, the first of equals (a plain loop, not min(): this runs for every count).
        xc, name, best = n.xc, None, 0.0
        for c, x in columns.items():
            d = abs(x - xc)
            if name is None or d < best:
                name, best = c, d
        if name in out:
            raise ParseError(file, f"two numbers under column {name!r} on one line (x={n.xc:.0f})", page=page)
        out[name] = to_int(n.text)
    return out

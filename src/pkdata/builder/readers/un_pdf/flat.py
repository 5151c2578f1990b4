"""Flat tables, one printed line per mission x country x type (Sep 2019 and Oct 2024).

Every page repeats one header line and then lists rows of mission, country, type, male, female,
total and report date (``dd/mm/yyyy`` on every row):

* Sep 2019: ``mission country description male female total report_date``. The country column is
  narrow and names are cut at its edge ("Russian", "United States of", "United Republic",
  "Moldova,", "Republic of"); the cut forms are in ``pkdata.core.countries.NAMES``. The one ambiguous
  cut, "Republic of" (Korea or Moldova), is resolved here (see :func:`_resolve_cut_names`).
* Oct 2024: ``Mission Country Personnel Type Male Female Total Report Date``. Country names are
  centred; a long name ("United Republic of / Tanzania") is printed on two short lines, one just
  above and one just below its row, which then has no country of its own.

Neither table prints any total (no grand, mission or country total line; checked on every page
of both files), so the report has ``prints_totals=False``: only male + female = total is checked
on each row. Rows printed with 0 / 0 / 0 are kept (they add nothing).
"""

from __future__ import annotations

import re

from pkdata.builder.readers.un_pdf.core import Line, Report, Row, Word, assign_columns, find_date, is_number
from pkdata.builder.readers.un_pdf.table import MFT, counted_row
from pkdata.core import countries, schema
from pkdata.core.errors import ParseError

#: The header line of each table, word by word.
_HEADERS: tuple[tuple[str, ...], ...] = (
    ("mission", "country", "description", "male", "female", "total", "report_date"),
    ("Mission", "Country", "Personnel", "Type", "Male", "Female", "Total", "Report", "Date"),
)
_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")

#: Cut names that begin the names of two UN members: printed form -> candidate full names.
_AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "Republic of": ("Republic of Korea", "Republic of Moldova"),
}


def _header(line: Line) -> tuple[str, ...] | None:
    words = tuple(w.text for w in line.words)
    return words if words in _HEADERS else None


def detect(lines: list[Line]) -> bool:
    """True for this layout: page 1 begins with one of the two flat-table header lines.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2019_09.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2020_01.pdf"))  # mission_2019
    False
    """
    return bool(lines) and lines[0].page == 1 and _header(lines[0]) is not None


def _columns(line: Line) -> dict[str, float]:
    w = line.words
    # Both headers: mission, country, then the type header (one or two words), male, female,
    # total and the report-date header (one or two words).
    male = next(i for i, x in enumerate(w) if x.text.lower() == "male")
    return {
        "country_x0": w[1].x0,
        "country_xc": w[1].xc,
        "male": w[male].xc,
        "female": w[male + 1].xc,
        "total": w[male + 2].xc,
    }


def _split_label(words: list[Word], x: dict[str, float]) -> tuple[list[Word], str] | None:
    """Split the words after the mission into country words and the type label.

    The label is the longest run of trailing words that is a known personnel label and begins
    right of the country column's centre (a cut country name can end 4 points before the label).
    """
    for k in range(len(words), 0, -1):
        label = words[len(words) - k :]
        if label[0].x0 > x["country_xc"] and schema.personnel_type(" ".join(w.text for w in label)):
            return words[: len(words) - k], " ".join(w.text for w in label)
    return None


def _resolve_cut_names(rows: list[Row], file: str) -> None:
    """Replace an ambiguous cut name by the one country it can be in this report.

    Each report prints every country under one spelling. "Republic of" begins both "Republic of
    Korea" and "Republic of Moldova"; Sep 2019 prints Moldova separately as "Moldova," (from
    "Moldova, Republic of"), so there "Republic of" can only be Korea (its rows are, e.g., the
    UNIFIL and UNMISS contingents, which are Korean). A candidate is ruled out only when the
    report prints that country under another name; if not exactly one is left, raise.
    """
    printed = {r.contributor for r in rows}
    others = {countries.lookup(n) for n in printed if n not in _AMBIGUOUS}
    for cut, candidates in _AMBIGUOUS.items():
        if cut not in printed:
            continue
        left = [c for c in candidates if countries.lookup(c) not in others]
        if len(left) != 1:
            page = next(r.page for r in rows if r.contributor == cut)
            raise ParseError(
                file,
                f"cut country name {cut!r} could be any of {left or list(candidates)}; the report does not tell which",
                page=page,
            )
        for r in rows:
            if r.contributor == cut:
                r.contributor = left[0]


def _page_rows(page: list[Line], file: str, x: dict[str, float], when_text: list[str]) -> list[Row]:
    rows: list[tuple[Line, Row]] = []
    pieces: list[Line] = []  # lines holding only part of a country name
    for line in page:
        if _header(line):
            continue
        words = list(line.words)
        if not _DATE.match(words[-1].text):
            if all(not is_number(w.text) and x["country_x0"] - 40 < w.x0 and w.x1 < x["male"] for w in words):
                pieces.append(line)
                continue
            raise ParseError(file, f"line without a report date: {line.text!r}", page=line.page)
        when_text.append(words.pop().text)
        nums: list[Word] = []
        while words and is_number(words[-1].text):
            nums.insert(0, words.pop())
        v = assign_columns(nums, {k: x[k] for k in MFT}, file=file, page=line.page)
        if len(v) != 3 or len(words) < 2 or words[0].x1 > x["country_x0"]:
            raise ParseError(file, f"row without mission, male, female and total: {line.text!r}", page=line.page)
        split = _split_label(words[1:], x)
        if split is None:
            raise ParseError(file, f"no known personnel type at the end of {line.text!r}", page=line.page)
        name, label = split
        rows.append((line, counted_row(" ".join(w.text for w in name), words[0].text, label, v, line.page)))
    # A name printed on lines of its own belongs to the nearest row, which must have no name.
    found: dict[int, list[Line]] = {}
    for piece in pieces:
        if not rows:
            raise ParseError(file, f"name {piece.text!r} on a page without rows", page=piece.page)
        i = min(range(len(rows)), key=lambda j: abs(rows[j][0].y - piece.y))
        if rows[i][1].contributor:
            raise ParseError(file, f"name part {piece.text!r} next to a row that has a name", page=piece.page)
        found.setdefault(i, []).append(piece)
    for i, (line, row) in enumerate(rows):
        if not row.contributor:
            if i not in found:
                raise ParseError(file, f"row without a country: {line.text!r}", page=line.page)
            row.contributor = " ".join(p.text for p in sorted(found[i], key=lambda p: p.y))
    return [row for _, row in rows]


def parse(lines: list[Line], file: str) -> Report:
    """Read every row; the report date is the one printed on the rows (all must agree).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2019_09.pdf")
    >>> str(parse(lines, "2019_09.pdf").date.date())
    '2019-09-30'
    """
    x = _columns(lines[0])
    rows: list[Row] = []
    dates: list[str] = []
    pages: dict[int, list[Line]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    for page_no in sorted(pages):
        rows.extend(_page_rows(pages[page_no], file, x, dates))
    if not rows:
        raise ParseError(file, "no rows found", page=1)
    if len(set(dates)) != 1:
        raise ParseError(file, f"rows carry different report dates: {sorted(set(dates))}", page=1)
    when = find_date(dates[0])
    if when is None:
        raise ParseError(file, f"report date {dates[0]!r} not understood", page=1)
    _resolve_cut_names(rows, file)
    return Report(file, "flat", when, rows, [], has_mission=True, has_gender=True, prints_totals=False)

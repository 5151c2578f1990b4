"""Layout "Summary of Contribution to UN Peacekeeping by Country and Post" with M/F columns (Oct 2019).

Title "Summary of Contribution to UN Peacekeeping by Country and Post Police, Military Experts on
Mission, Staff Officers and Troops"; every page repeats the header ``Country Mission UNMEM M
UNMEM F Troops M Troops F UNPOL M UNPOL F FPU M FPU F MSO M MSO F``. A country's name stands
alone in the Country column (long names wrap over up to four lines, e.g. "The former / Yugoslav
/ Republic of / Macedonia"); then one line per mission with ten counts, male and female for each
type (a mission can be printed on two lines, e.g. police and military). No total column: each
type with a non-zero count gives one :class:`Row` with total = male + female.

Totals: "Total by Country" (ten counts) closes each country; "Grand Total" (ten counts) ends the
report. Each is recorded as a :class:`Printed` (all types, with male and female sums) for
:func:`~pkdata.builder.readers.un_pdf.core.verify`; :class:`Printed` has no type, so the ten per-type,
per-sex counts of every total are checked here while reading (raising
:class:`~pkdata.core.errors.TotalsMismatchError`).

The report prints no date anywhere (no title date, no footer; checked page by page). The reader
does not take the date from the file name: :func:`parse` returns the report with date ``NaT`` and
:func:`pkdata.builder.readers.un_pdf.parse_report` takes the date from the curated table of report dates
(``data/raw/curated/report_dates.csv``, keyed by the file's sha256, with the evidence) or raises.
"""

from __future__ import annotations

import pandas as pd

from pkdata.builder.readers.un_pdf.core import Line, Printed, Report, Row, Word, find_date, is_number, to_int
from pkdata.builder.readers.un_pdf.table import header_line, page1_text, words_of
from pkdata.core.errors import ParseError, TotalsMismatchError

_TITLE = "Summary of Contribution to UN Peacekeeping by Country and Post"
#: Column labels, left to right, as printed in the header (each followed by M and F).
_TYPES = ("UNMEM", "Troops", "UNPOL", "FPU", "MSO")
_HEADER = ["Country", "Mission"] + [w for t in _TYPES for w in (t, "M", t, "F")]


def detect(lines: list[Line]) -> bool:
    """True for this layout: the title on page 1 and the M/F column header.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2019_10.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2019_09.pdf"))  # flat
    False
    """
    page1 = [line for line in lines[:8] if line.page == 1]
    return _TITLE in page1_text(lines, 8) and any(words_of(line) == _HEADER for line in page1)


def _columns(header: Line) -> list[tuple[str, str, float]]:
    """(type label, sex, right edge) of the ten count columns; counts are right-aligned."""
    w = header.words[2:]
    return [(w[i].text, "male" if w[i + 1].text == "M" else "female", w[i + 1].x1) for i in range(0, len(w), 2)]


def _counts(nums: list[Word], cols: list[tuple[str, str, float]], line: Line, file: str) -> list[int]:
    """The ten counts of a line, each under its own column (right edges within 6 points)."""
    if len(nums) != len(cols) or any(abs(n.x1 - c[2]) > 6 for n, c in zip(nums, cols, strict=True)):
        raise ParseError(file, f"expected {len(cols)} counts under the M/F columns: {line.text!r}", page=line.page)
    return [to_int(n.text) for n in nums]


def _check(
    file: str, who: str, page: int, got: list[int], printed: list[int], cols: list[tuple[str, str, float]]
) -> None:
    for (label, sex, _), g, p in zip(cols, got, printed, strict=True):
        if g != p:
            raise TotalsMismatchError(file, f"{who}, {label} {sex}: printed {p:,}, rows add up to {g:,}", page=page)


def _printed_total(
    country: str | None, got: list[int], counts: list[int], cols: list[tuple[str, str, float]], file: str, page: int
) -> Printed:
    """A "Total by Country" (``country`` given) or the "Grand Total" (None), checked count by count against ``got``."""
    who = "grand total" if country is None else f"total for country {country!r}"
    _check(file, who, page, got, counts, cols)
    scope = "grand" if country is None else "country"
    return Printed(scope, page, sum(counts), sum(counts[0::2]), sum(counts[1::2]), contributor=country)


def _rows(mission: str, country: str, counts: list[int], page: int) -> list[Row]:
    out = []
    for t, (male, female) in enumerate(zip(counts[0::2], counts[1::2], strict=True)):
        if male or female:  # a type with no personnel is not a printed row of that type
            out.append(Row(country, mission, _TYPES[t], male, female, male + female, page))
    return out


def parse(lines: list[Line], file: str) -> Report:
    """Read the report; its date is ``NaT`` when none is printed (see above).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2019_10.pdf")
    >>> parse(lines, "2019_10.pdf").date  # the report prints no date
    NaT
    """
    rows, printed = read_body(lines, file)
    when = find_date(page1_text(lines, 4))
    return Report(
        file, "columns_2019", pd.NaT if when is None else when, rows, printed, has_mission=True, has_gender=True
    )


def read_body(lines: list[Line], file: str) -> tuple[list[Row], list[Printed]]:
    """Every mission line as rows, and every "Total by Country" and the "Grand Total" as printed totals.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2019_10.pdf")
    >>> rows, printed = read_body(lines, "2019_10.pdf")
    >>> [p.total for p in printed if p.scope == "grand"]
    [84968]
    """
    header = header_line(lines, _HEADER, file)
    cols = _columns(header)
    rows: list[Row] = []
    printed: list[Printed] = []
    name_parts: list[str] = []
    country: str | None = None
    country_sum = [0] * len(cols)
    grand_sum = [0] * len(cols)
    grand_seen = False
    country_x1 = header.words[1].x0
    for i, line in enumerate(lines):
        words = line.words
        if words_of(line) == _HEADER:
            continue
        if line.page == 1 and i < 2 and not any(is_number(w.text) for w in words):
            continue  # the two title lines
        nums = [w for w in words if is_number(w.text)]
        text = [w for w in words if not is_number(w.text)]
        label = " ".join(w.text for w in text)
        if grand_seen:
            raise ParseError(file, f"line after the Grand Total: {line.text!r}", page=line.page)
        if not nums:
            if text and all(w.x1 < country_x1 for w in text):
                if not name_parts:
                    country, country_sum = None, [0] * len(cols)
                name_parts.append(label)  # a country name, possibly over several lines
                continue
            raise ParseError(file, f"unexpected line {line.text!r}", page=line.page)
        counts = _counts(nums, cols, line, file)
        if name_parts:
            country, name_parts = " ".join(name_parts), []
        if label in ("Total by Country", "Grand Total"):
            grand = label == "Grand Total"
            if not grand and country is None:
                raise ParseError(file, "Total by Country without a country", page=line.page)
            got = grand_sum if grand else country_sum
            printed.append(_printed_total(None if grand else country, got, counts, cols, file, line.page))
            if grand:
                grand_seen = True
            else:
                country, country_sum = None, [0] * len(cols)
            continue
        if country is None or len(text) != 1 or text[0].x0 < country_x1:
            raise ParseError(file, f"mission line without a country or mission: {line.text!r}", page=line.page)
        rows.extend(_rows(label, country, counts, line.page))
        country_sum = [a + b for a, b in zip(country_sum, counts, strict=True)]
        grand_sum = [a + b for a, b in zip(grand_sum, counts, strict=True)]
    if not grand_seen:
        raise ParseError(file, "no Grand Total line found", page=lines[-1].page)
    return rows, printed

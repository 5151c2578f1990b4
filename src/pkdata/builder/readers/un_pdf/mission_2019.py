"""Layout "Summary of Contribution to UN Peacekeeping by Mission, Country and Post" (Nov 2019 - Jan 2021).

The title (over two or three lines) ends with the report date ``dd/mm/yyyy``; every page repeats
a column header and most end with "Page n of m". Missions come one after another; inside a
mission, one line per contributor x type. Four variants, told apart by position alone:

* Nov 2019 (header ``Mission Country Male Female Total Post``): contributor, male, female, total,
  then the type (``Troops``, ``Staff Officer`` ...) right of the total.
* Dec 2019 - Jan 2020 (``Mission Country Description Male Female Total``): contributor, a
  one-word type (``contingent``, ``staff``, ``experts``, ``police``, ``fpu``), male, female, total.
* Feb 2020 - Dec 2020 (``Mission Contributor Description Male Female Total``): the contributor
  alone on a line, then one line per type (same one-word types) with male, female and total.
* Jan 2021 (same header, other positions): the mission line carries the mission's male, female
  and total; the contributor line carries the contributor's total in that mission; then one line
  per type (``Contingent Troops``, ``Individual Police`` ...); "Grand Total" ends the report.

A long name wraps: in Nov 2019 - Jan 2020 the rest of the name ("Tanzania", "the Congo (DRC)")
follows on a line of its own below the row; from Feb 2020 the name's lines precede the type lines.

Totals: Nov 2019 - Dec 2020 close each mission with an unlabelled line of male, female and total.
Dec 2019 - Dec 2020 end with a grand total line (unlabelled; Dec 2019 and Jan 2020 print the
number of type lines beside it); Nov 2019 prints only that count, no grand total. The count of
type lines is checked here. Jan 2021 prints mission, contributor-in-mission and grand totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from pkdata.builder.readers.un_pdf.core import Line, Printed, Report, Row, Word, header_date, is_number
from pkdata.builder.readers.un_pdf.table import counted_row, counted_total, male_female_total
from pkdata.core.errors import ParseError

_TITLE = "Summary of Contribution to UN Peacekeeping by Mission, Country and Post"
_PAGE = re.compile(r"^Page \d+ of \d+$")


def _is_header(line: Line) -> bool:
    t = [w.text for w in line.words]
    return len(t) >= 5 and t[0] == "Mission" and t[1] in ("Country", "Contributor") and "Male" in t


def detect(lines: list[Line]) -> bool:
    """True for this layout: the title on page 1 (2021+ titles read "Contribution of Uniformed ...").

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2020_01.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2025_04.pdf"))  # personnel_2021
    False
    """
    head = " ".join(" ".join(line.text for line in lines[:6] if line.page == 1).split())
    return _TITLE in head


def _columns(header: Line) -> dict[str, float]:
    w = {x.text: x for x in header.words}
    mission, country = header.words[0], header.words[1]
    # Types stand under "Description" or, in Nov 2019, right of "Total" (under "Post").
    label_x0 = (country.x0 + w["Description"].x0) / 2 if "Description" in w else w["Total"].x1 + 1
    return {
        "name_x0": (mission.x0 + country.x0) / 2,
        "country_x0": country.x0,
        "label_x0": label_x0,
        "male": w["Male"].xc,
        "female": w["Female"].xc,
        "total": w["Total"].xc,
    }


def parse(lines: list[Line], file: str) -> Report:
    """Read every type line and every printed total.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2020_01.pdf")
    >>> str(parse(lines, "2020_01.pdf").date.date())
    '2020-01-31'
    """
    first = next((i for i, line in enumerate(lines) if _is_header(line)), None)
    if first is None or lines[first].page != 1:
        raise ParseError(file, "column header not found on page 1", page=1)
    when = header_date(" ".join(line.text for line in lines[:first]), file, "dd/mm/yyyy after the title")
    reader = _Reader(file, _columns(lines[first]))
    for line in lines[first:]:
        if _is_header(line) or _PAGE.match(line.text):
            continue  # page furniture
        reader.read(line)
    if reader.mission_open:
        raise ParseError(file, f"mission {reader.mission!r} has no closing total", page=lines[-1].page)
    count, rows = reader.count, reader.rows
    if count is not None and count[0] != len(rows):
        raise ParseError(file, f"the report counts {count[0]} type lines, {len(rows)} were read", page=count[1])
    return Report(file, "mission_2019", when, rows, reader.printed, has_mission=True, has_gender=True)


class _Parts(NamedTuple):
    """A line's cells by where they stand: counts left of the table, names, contributors, types and values."""

    counts: list[Word]
    text: list[Word]
    names: list[Word]
    who: list[Word]
    label: list[Word]
    v: dict[str, int]


@dataclass
class _Reader:
    """The lines of the table, one after another: rows, printed totals and where in the report they stand."""

    file: str
    x: dict[str, float]
    rows: list[Row] = field(default_factory=list)
    printed: list[Printed] = field(default_factory=list)
    mission: str | None = None  # the mission whose lines are being read (None once its total is read)
    mission_open: bool = False  # its closing total is still to come (Nov 2019 - Dec 2020)
    closed: int = 0  # missions closed by a total line
    grand: bool = False
    contributor: str | None = None
    name_lines: bool = False  # the previous line was (part of) a contributor's name on its own
    after_row_name: bool = False  # the previous line was a row with its own name (or that name's rest)
    count: tuple[int, int] | None = None  # (printed number of type lines, page)

    def parts(self, line: Line) -> _Parts:
        x = self.x
        country_x0, name_x0, label_x0 = x["country_x0"], x["name_x0"], x["label_x0"]
        nums: list[Word] = []
        text: list[Word] = []
        for c in line.cells():
            (nums if is_number(c.text) else text).append(c)
        values = [c for c in nums if c.x1 >= country_x0]
        v: dict[str, int] = {}
        if values:

            def error() -> str:
                return f"male, female and total not all printed: {line.text!r}"

            v = male_female_total(values, x, file=self.file, page=line.page, error=error)
        return _Parts(
            counts=[c for c in nums if c.x1 < country_x0],
            text=text,
            names=[c for c in text if c.x0 < name_x0],
            who=[c for c in text if name_x0 <= c.x0 < label_x0],
            label=[c for c in text if c.x0 >= label_x0],
            v=v,
        )

    def read(self, line: Line) -> None:
        p = self.parts(line)
        if self.grand:
            raise ParseError(self.file, f"line after the grand total: {line.text!r}", page=line.page)
        if p.counts:
            # Dec 2019 - Jan 2020 print the number of type lines left of the grand total; Nov
            # 2019 prints it alone.
            if len(p.counts) > 1 or p.text or self.count is not None or self.mission_open:
                raise ParseError(self.file, f"unexpected numbers left of the table: {line.text!r}", page=line.page)
            self.count = (int(p.counts[0].text.replace(",", "")), line.page)
        if [c.text for c in p.text] == ["Grand Total"] and p.v:
            self.printed.append(counted_total("grand", line.page, p.v))
            self.grand = True
        elif p.names:
            self.mission_line(line, p)
        elif not p.text and p.v:
            self.total_line(line, p.v)
        elif p.who and not p.label and not p.v:
            self.name_part(" ".join(c.text for c in p.who))
            return
        elif p.who and not p.label and p.v:
            self.contributor_total(line, p)
        elif p.label and p.v:
            self.type_line(line, p)
            return
        elif not p.counts:
            raise ParseError(self.file, f"line not understood: {line.text!r}", page=line.page)
        self.name_lines = self.after_row_name = False

    def mission_line(self, line: Line, p: _Parts) -> None:
        if len(p.names) != 1 or p.who or p.label:
            raise ParseError(self.file, f"mission line with more than a mission name: {line.text!r}", page=line.page)
        if self.mission_open:
            raise ParseError(self.file, f"mission {self.mission!r} has no closing total", page=line.page)
        self.mission, self.contributor = p.names[0].text, None
        if p.v:  # Jan 2021: total on the mission line
            self.printed.append(counted_total("mission", line.page, p.v, mission=self.mission))
        else:
            self.mission_open = True

    def total_line(self, line: Line, v: dict[str, int]) -> None:
        if self.mission_open:
            self.printed.append(counted_total("mission", line.page, v, mission=self.mission))
            self.mission_open, self.mission, self.closed = False, None, self.closed + 1
        elif self.closed and self.mission is None:
            self.printed.append(counted_total("grand", line.page, v))  # unlabelled, after the last mission's total
            self.grand = True
        else:
            raise ParseError(self.file, f"total line outside any mission: {line.text!r}", page=line.page)

    def name_part(self, part: str) -> None:
        # Part of a name on its own line: the rest of the row's name just above (Nov 2019 -
        # Jan 2020), or a contributor whose type lines follow (Feb 2020 on).
        if self.after_row_name:
            self.rows[-1].contributor = f"{self.rows[-1].contributor} {part}"
        elif self.name_lines and self.contributor is not None:
            self.contributor = f"{self.contributor} {part}"
        else:
            self.contributor = part
            self.name_lines = True

    def contributor_total(self, line: Line, p: _Parts) -> None:
        # Jan 2021: a contributor and its total in this mission (after any lines of its name).
        name = " ".join(c.text for c in p.who)
        self.contributor = f"{self.contributor} {name}" if self.name_lines and self.contributor else name
        if self.mission is None:
            raise ParseError(self.file, f"contributor total outside a mission: {line.text!r}", page=line.page)
        total = counted_total("country_mission", line.page, p.v, contributor=self.contributor, mission=self.mission)
        self.printed.append(total)

    def type_line(self, line: Line, p: _Parts) -> None:
        if p.who:
            self.contributor = " ".join(c.text for c in p.who)
        if self.mission is None or self.contributor is None:
            raise ParseError(self.file, f"type line outside a mission or contributor: {line.text!r}", page=line.page)
        label = " ".join(c.text for c in p.label)
        self.rows.append(counted_row(self.contributor, self.mission, label, p.v, line.page))
        self.name_lines, self.after_row_name = False, bool(p.who)

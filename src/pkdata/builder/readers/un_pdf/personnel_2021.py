"""Layout "Contribution of Uniformed Personnel to UN by Mission, Country, and Personnel Type".

Monthly reports from 2021-02 to 2025-07 (not 2023-09 or 2024-10; the file named 2020_06 is
the 30 June 2022 report). Under the title and "As of: dd/mm/yyyy" one table with columns
Mission, Country, Personnel Type, Male, Female, Total:

* a mission header (acronym alone in the Mission column), then one line per country x type;
* a country with several types prints its name once, vertically centred on its block of type
  lines, so the name sits on the middle line or half-way between two lines (e.g. "Bangladesh"
  above "Troops" in MINURSO); names are therefore paired with lines by position;
* a long name wraps inside its cell ("Democratic Republic of the" / "Congo"): lines closer
  than one row are joined;
* a block split by a page break has its name repeated on each page, centred on each part;
* "Total <MISSION>" closes each mission (male, female, total), and "Grand Total" ends the report.

2022-09 is a print of the same table from Excel (Letter paper, text stored out of reading
order, column header on page 1 only). There a split block's name is printed once, centred on
the whole block (so it may sit on the other page), or drawn on both pages when its centre
falls on the break. Positions are therefore run on across the pages of a mission.

Only mission totals and the grand total (with male and female) are printed, so a wrong pairing
would not show in the totals: a country's types must come in the printed (alphabetical) order,
which every report follows, or the parse stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pkdata.builder.readers.un_pdf.core import Line, Printed, Report, Row, Word, find_date
from pkdata.builder.readers.un_pdf.table import (
    above_footers,
    as_of_line,
    counted_row,
    counted_total,
    find_header,
    male_female_total,
    pitch,
)
from pkdata.core.errors import ParseError

TITLE = "Contribution of Uniformed Personnel to UN"
SUBTITLE = "by Mission, Country, and Personnel Type"
#: Page furniture repeated on every page (title block and footer); nothing to read there.
_FURNITURE = (TITLE, SUBTITLE, "Experts on Mission, Formed Police Units", "As of", "Report Generated")
#: A name is paired with the block of type lines whose middle is within this many points of it.
_CENTRE_TOL = 3.0


def detect(lines: list[Line]) -> bool:
    """True for this layout (title on page 1).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2025_04.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2023_09.pdf"))  # country_2023
    False
    """
    head = " ".join(line.text for line in lines if line.page == 1)[:600]
    return TITLE in head and SUBTITLE in head


@dataclass
class _Columns:
    country: float  # left edge of the Country column
    label: float  # left edge of the Personnel Type column
    numbers: dict[str, float]  # centres of Male, Female, Total


_HEADER = ["Mission", "Country", "Personnel", "Type", "Male", "Female", "Total"]


def _is_header(line: Line) -> bool:
    return len(line.words) == len(_HEADER) and [w.text.strip() for w in line.words] == _HEADER


def _columns(lines: list[Line], file: str) -> _Columns:
    w = {x.text.strip(): x for x in find_header(lines, _is_header, file, " ".join(_HEADER)).words}
    return _Columns(
        w["Country"].x0,
        w["Personnel"].x0,
        {"male": w["Male"].xc, "female": w["Female"].xc, "total": w["Total"].xc},
    )


@dataclass
class _Entry:
    """A country name (or one line of a wrapped name) in the Country column."""

    y: float
    page: int
    text: str


@dataclass
class _Counts:
    """One type line: label and male / female / total."""

    y: float
    page: int
    label: str
    nums: dict[str, int]


def _is_type_line(line: Line, col: _Columns) -> bool:
    """A line with a personnel type and counts (with or without a country name)."""
    label = col.label
    return any([abs(w.x0 - label) < 5 for w in line.words]) and bool(line.split()[1])


def _unwrap(names: list[_Entry], pitch: float) -> list[_Entry]:
    """Join the lines of a name wrapped in its cell ("Democratic Republic of the" / "Congo").

    Two different names are at least one row apart; lines of one name are closer than that.
    """
    out: list[_Entry] = []
    for n in names:
        if out and n.page != out[-1].page and n.text == out[-1].text and abs(n.y - out[-1].y) < _CENTRE_TOL:
            # 2022-09 (Excel print): a name centred on a page break is drawn at the foot of one
            # page and again at the head of the next, at the same running position: one name.
            continue
        if out and n.y - out[-1].y < 0.75 * pitch:
            p = out[-1]
            parts = p.text.count("\n") + 1
            out[-1] = _Entry((p.y * parts + n.y) / (parts + 1), p.page, f"{p.text}\n{n.text}")
        else:
            out.append(n)
    return [_Entry(n.y, n.page, n.text.replace("\n", " ")) for n in out]


def _pair(names: list[_Entry], counts: list[_Counts], file: str) -> list[tuple[str, _Counts]]:
    """Give each type line the country name centred on its block (blocks are consecutive lines).

    ``y`` here runs on across the pages of one mission (see :func:`parse`).
    """
    out: list[tuple[str, _Counts]] = []
    i = 0
    for name in names:
        j = i
        while j < len(counts) and (counts[i].y + counts[j].y) / 2 < name.y - _CENTRE_TOL:
            j += 1
        if j >= len(counts) or abs((counts[i].y + counts[j].y) / 2 - name.y) > _CENTRE_TOL:
            raise ParseError(file, f"country {name.text!r} is not centred on a block of type lines", page=name.page)
        block = counts[i : j + 1]
        labels = [c.label for c in block]
        if labels != sorted(set(labels)):
            # Types of one country are printed in alphabetical order; anything else means the
            # names were paired with the wrong lines.
            raise ParseError(
                file, f"country {name.text!r}: types {labels} are not in the printed order", page=name.page
            )
        out.extend((name.text, c) for c in block)
        i = j + 1
    if i < len(counts):
        raise ParseError(file, f"type line {counts[i].label!r} has no country name", page=counts[i].page)
    return out


def parse(lines: list[Line], file: str) -> Report:
    """Read every row, mission total and the grand total.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2025_04.pdf")
    >>> str(parse(lines, "2025_04.pdf").date.date())
    '2025-04-30'
    """
    as_of = as_of_line(lines)
    when = find_date(as_of.text if as_of else "")
    if when is None:
        raise ParseError(file, "report date ('As of: dd/mm/yyyy') not found", page=1)
    col = _columns(lines, file)
    typed = [ln for ln in lines if _is_type_line(ln, col)]  # the type lines, found once for both uses below
    # Rows of the table are evenly spaced: the usual distance between two type lines on a page.
    reader = _Reader(file, col, pitch(typed, lambda ln: True))
    # Positions run on from page to page within a mission: the first line of a page sits one
    # row below the last line of the page before. A name whose block is split by a page break
    # is printed on both pages (centred on each part) or, in the 2022-09 print, once, centred
    # on the whole block; both pair up correctly on these running positions.
    offset = 0.0
    page = 0
    # Per page, found in one pass: the first type line.
    firsts: dict[int, float] = {}
    for ln in typed:
        firsts.setdefault(ln.page, ln.y)
    # Page furniture: title block, column header, and the footer (which may wrap).
    for line in above_footers(lines, lambda line: line.text.startswith(_FURNITURE) or _is_header(line)):
        if line.page != page:
            page = line.page
            first = firsts.get(page)
            if reader.last_y is not None and first is not None:
                offset = reader.last_y + reader.pitch - first
        reader.read(line, line.y + offset)
    reader.flush()
    last = lines[-1].page if lines else 0
    if not reader.closed:
        raise ParseError(file, f"no 'Total {reader.mission}' line at the end", page=last)
    if [p.scope for p in reader.printed].count("grand") != 1:
        raise ParseError(file, "expected one 'Grand Total' line", page=last)
    return Report(file, "personnel_2021", when, reader.rows, reader.printed, has_mission=True, has_gender=True)


@dataclass
class _Reader:
    """The table's lines, one after another: names and type lines of the mission being read, rows, totals."""

    file: str
    col: _Columns
    pitch: float
    rows: list[Row] = field(default_factory=list)
    printed: list[Printed] = field(default_factory=list)
    mission: str | None = None
    closed: bool = True  # the last mission header has had its "Total" line
    names: list[_Entry] = field(default_factory=list)
    counts: list[_Counts] = field(default_factory=list)
    last_y: float | None = None  # running position of the last type line read

    def flush(self) -> None:
        """The names and type lines read so far, paired into rows."""
        for name, c in _pair(_unwrap(self.names, self.pitch), self.counts, self.file):
            self.rows.append(counted_row(name, self.mission, c.label, c.nums, c.page))
        self.names.clear()
        self.counts.clear()

    def read(self, line: Line, y: float) -> None:
        """One line of the table at running position ``y``."""
        file, col, text = self.file, self.col, line.text
        cells, num_cells = line.split()
        # The text cells by column: Mission (left of Country), Country, Personnel Type (the header's words are
        # in this order, so one pass sorts them).
        country_x, label_x = col.country - 5, col.label - 5
        left: list[Word] = []
        mid: list[Word] = []
        right: list[Word] = []
        for c in cells:
            (left if c.x0 < country_x else mid if c.x0 < label_x else right).append(c)
        if left:
            if mid or right or len(left) != 1:
                raise ParseError(file, f"unexpected line {text!r}", page=line.page)
            self.flush()
            self.last_y = None
            self.mission_column(line, left[0].text.strip(), num_cells)
            return
        if self.mission is None or self.closed:
            raise ParseError(file, f"line outside a mission: {text!r}", page=line.page)
        if len(mid) > 1 or len(right) > 1:
            raise ParseError(file, f"unexpected line {text!r}", page=line.page)
        if mid:
            self.names.append(_Entry(y, line.page, mid[0].text.strip()))
        if right:
            self.counts.append(_Counts(y, line.page, right[0].text.strip(), _numbers(num_cells, col, file, line)))
            self.last_y = y
        elif num_cells or not mid:
            raise ParseError(file, f"unexpected line {text!r}", page=line.page)

    def mission_column(self, line: Line, head: str, num_cells: list[Word]) -> None:
        """A line with text in the Mission column: a mission header, its "Total" line or the grand total."""
        file, mission = self.file, self.mission
        if not num_cells:  # mission header
            if not self.closed:
                raise ParseError(file, f"mission {head!r} starts before 'Total {mission}'", page=line.page)
            self.mission, self.closed = head, False
            return
        nums = _numbers(num_cells, self.col, file, line)
        if head == "Grand Total":
            if not self.closed:
                raise ParseError(file, f"'Grand Total' before 'Total {mission}'", page=line.page)
            self.printed.append(counted_total("grand", line.page, nums))
        elif head == f"Total {mission}" and not self.closed:
            self.printed.append(counted_total("mission", line.page, nums, mission=mission))
            self.closed = True
        else:
            raise ParseError(file, f"total line {line.text!r} does not close mission {mission!r}", page=line.page)


def _numbers(num_cells: list[Word], col: _Columns, file: str, line: Line) -> dict[str, int]:
    def error() -> str:
        return f"expected male, female and total on line {line.text!r}"

    return male_female_total(num_cells, col.numbers, file=file, page=line.page, error=error)

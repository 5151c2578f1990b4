"""Layout "Summary of Contributions to UN Peacekeeping by Country, Mission and Post." (May 2017 - Feb 2018).

Page 1 prints the title and "... Staff Officers and Troops dd/mm/yyyy"; every page repeats the
header ``Country Mission POST MALE FEMALE TOTAL``. A country opens with its running number and
name; each mission name stands alone in the Mission column, followed by one line per type with
male, female and total (only types with personnel are printed).

Totals: May 2017 closes each country with "Total for Country" (M/F/total). From June 2017 on,
each mission closes with its name (cut short, e.g. "MINUJUST") under FEMALE and the mission's
total, and each country closes with its name (cut short, e.g. "Democratic Repub"; once printed
blank, for Côte d'Ivoire in Oct 2017) and male, female and total. "Grand Total" (M/F/total)
ends the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pkdata.builder.readers.un_pdf.core import (
    Line,
    Printed,
    Report,
    Row,
    Word,
    assign_columns,
    find_date,
)
from pkdata.builder.readers.un_pdf.table import (
    MFT,
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

_TITLE = "Summary of Contributions to UN Peacekeeping by Country, Mission and Post"
_HEADER = ["Country", "Mission", "POST", "MALE", "FEMALE", "TOTAL"]


def detect(lines: list[Line]) -> bool:
    """True for this layout (title on page 1).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2017_11.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2019_08.pdf"))  # country_2018
    False
    """
    return any(_TITLE in line.text for line in lines[:4] if line.page == 1)


def _columns(lines: list[Line], file: str) -> dict[str, float]:
    w = {x.text: x for x in header_line(lines, _HEADER, file).words}
    return {
        "mission": w["Mission"].x0,
        "post": w["POST"].x0,
        "male_x0": w["MALE"].x0,
        "female_x0": w["FEMALE"].x0,
        "male": w["MALE"].xc,
        "female": w["FEMALE"].xc,
        "total": w["TOTAL"].xc,
    }


def _same_name(printed: str, full: str) -> bool:
    """A total's name is the opening name, possibly cut short at the column edge."""
    p, f = " ".join(printed.split()), " ".join(full.split())
    return len(p) >= 4 and f.startswith(p) or p == f


def parse(lines: list[Line], file: str) -> Report:
    """Read every type line and every printed total.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2017_11.pdf")
    >>> str(parse(lines, "2017_11.pdf").date.date())
    '2017-11-30'
    """
    when = page1_date(lines, file, "dd/mm/yyyy after the title")
    reader = _Reader(file, _columns(lines, file))
    for i, line in enumerate(lines):
        # Page furniture: the title and date lines on page 1, the column header on every page.
        if line.page == 1 and i < 2 and (_TITLE in line.text or find_date(line.text) is not None):
            continue
        if words_of(line) == _HEADER:
            continue
        cells, nums = line.split()
        if nums:
            reader.counts_line(line, cells, nums)
        else:
            reader.names_line(line, cells)
    require_grand(reader.printed, lines, file, "no 'Grand Total' line found")
    return Report(file, "post_2017", when, reader.rows, reader.printed, has_mission=True, has_gender=True)


@dataclass
class _Reader:
    """The table's lines, one after another: the country and mission being read, rows and printed totals."""

    file: str
    x: dict[str, float]
    rows: list[Row] = field(default_factory=list)
    printed: list[Printed] = field(default_factory=list)
    country: str | None = None
    mission: str | None = None

    def values(self, nums: list[Word], line: Line) -> dict[str, int]:
        def error() -> str:
            return f"male, female and total not all found on {line.text!r}"

        return male_female_total(nums, self.x, file=self.file, page=line.page, error=error)

    def names_line(self, line: Line, cells: list[Word]) -> None:
        """A line without counts: a country (after its running number) or a mission."""
        texts = [c.text for c in cells]
        first = cells[0].x0 if cells else None
        name = numbered_name(cells, self.x["mission"])
        if name is not None:
            self.country, self.mission = name, None
        elif len(cells) == 1 and first is not None and abs(first - self.x["mission"]) < 15:
            if self.country is None:
                raise ParseError(self.file, f"mission before any country: line {line.text!r}", page=line.page)
            self.mission = texts[0]
        else:
            raise ParseError(self.file, f"unexpected line {line.text!r}", page=line.page)

    def counts_line(self, line: Line, cells: list[Word], nums: list[Word]) -> None:
        """A line with counts: the grand total, a mission subtotal, a country total or a type line."""
        file, x, country, mission = self.file, self.x, self.country, self.mission
        texts = [c.text for c in cells]
        first = cells[0].x0 if cells else None
        where = f"line {line.text!r}"
        if texts == ["Grand Total"] and len(nums) == 3:
            v = self.values(nums, line)
            self.printed.append(counted_total("grand", line.page, v))
            return
        if country is None:
            raise ParseError(file, f"counts before any country: {where}", page=line.page)
        if len(cells) == 1 and len(nums) == 1 and first is not None and first >= x["female_x0"] - 15:
            self.mission_subtotal(line, texts[0], nums)
            return
        if len(nums) != 3:
            raise ParseError(file, f"expected male, female and total on {where}", page=line.page)
        named_total = len(cells) == 1 and x["post"] + 30 < cells[0].x0 < x["male_x0"]
        if texts == ["Total for Country"] or not cells or named_total:
            # Country total: "Total for Country" (May 2017) or the country's name, cut short,
            # (June 2017 on; blank once) between the POST and MALE columns.
            if cells and texts != ["Total for Country"] and not _same_name(texts[0], country):
                raise ParseError(file, f"country total {texts[0]!r} does not match country {country!r}", page=line.page)
            v = self.values(nums, line)
            self.printed.append(counted_total("country", line.page, v, contributor=country))
            self.mission = None
            return
        if len(cells) != 1 or abs(cells[0].x0 - x["post"]) >= 15:
            raise ParseError(file, f"expected a type line under POST, got {where}", page=line.page)
        if mission is None:
            raise ParseError(file, f"type line before any mission: {where}", page=line.page)
        v = self.values(nums, line)
        self.rows.append(counted_row(country, mission, texts[0], v, line.page))

    def mission_subtotal(self, line: Line, name: str, nums: list[Word]) -> None:
        """Mission subtotal (June 2017 on): mission name, cut short, and the mission's total."""
        file, mission = self.file, self.mission
        if mission is None or not _same_name(name, mission):
            raise ParseError(file, f"mission subtotal {name!r} does not match mission {mission!r}", page=line.page)
        total = assign_columns(nums, {k: self.x[k] for k in MFT}, file=file, page=line.page)
        if set(total) != {"total"}:
            raise ParseError(file, f"mission subtotal not under TOTAL: line {line.text!r}", page=line.page)
        self.printed.append(
            Printed("country_mission", line.page, total["total"], contributor=self.country, mission=mission)
        )

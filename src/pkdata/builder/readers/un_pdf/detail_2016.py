"""Layout "Summary of Contributions to Peackeeping by Country and Mission Detail" (Nov 2016 only).

Page 1 prints the title (sic "Peackeeping") and "... Troops by End of November, 2016"; every
page repeats the header ``Country Mission Male Female Total``. A country opens with its running
number and name (long names are cut short, e.g. "United States of Americ"); each mission name
stands alone in the Mission column, followed by one line per type (all four types, zeros
included: "Experts on Mission", "Contingent Troops", "Ind Police", "Formed Police Units") and a
"Total for Mission" line with male, female and total. No country totals are printed; the
report ends with "Grand Total" (total only).
"""

from __future__ import annotations

from pkdata.builder.readers.un_pdf.core import Line, Printed, Report, Row, Word, to_int
from pkdata.builder.readers.un_pdf.table import (
    counted_row,
    counted_total,
    header_line,
    male_female_total,
    numbered_name,
    page1_date,
    page1_text,
    require_grand,
    words_of,
)
from pkdata.core.errors import ParseError
from pkdata.core.schema import personnel_type

_TITLE = "by Country and Mission Detail"
_HEADER = ["Country", "Mission", "Male", "Female", "Total"]


def detect(lines: list[Line]) -> bool:
    """True for this layout (title on page 1).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2016_11.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2015_01.pdf"))  # summary_2015
    False
    """
    head = page1_text(lines, 4)
    return "Summary of Contributions to" in head and _TITLE in head


def _columns(lines: list[Line], file: str) -> dict[str, float]:
    w = {x.text: x for x in header_line(lines, _HEADER, file).words}
    return {"mission": w["Mission"].x0, "male": w["Male"].xc, "female": w["Female"].xc, "total": w["Total"].xc}


def parse(lines: list[Line], file: str) -> Report:
    """Read every type line, every "Total for Mission" line and the grand total.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2016_11.pdf")
    >>> str(parse(lines, "2016_11.pdf").date.date())
    '2016-11-30'
    """
    when = page1_date(lines, file, "'by End of <Month>, <year>'")
    x = _columns(lines, file)
    rows: list[Row] = []
    printed: list[Printed] = []
    country: str | None = None
    mission: str | None = None
    for i, line in enumerate(lines):
        # Page furniture: the two title lines on page 1 and the column header on every page.
        if line.page == 1 and i < 2 and ("Summary of Contributions" in line.text or "by End of" in line.text):
            continue
        if words_of(line) == _HEADER:
            continue
        cells, nums = line.split()
        texts = [c.text for c in cells]
        where = f"line {line.text!r}"
        if not nums:
            country, mission = _names(line, cells, x["mission"], country, mission, file)
            continue
        if texts == ["Grand Total"] and len(nums) == 1:
            printed.append(Printed("grand", line.page, to_int(nums[0].text)))
            continue
        if len(cells) != 1 or len(nums) != 3 or abs(cells[0].x0 - x["mission"]) >= 15:
            raise ParseError(
                file, f"expected a type, 'Total for Mission' or 'Grand Total' line, got {where}", page=line.page
            )
        if country is None or mission is None:
            raise ParseError(file, f"counts before any country or mission: {where}", page=line.page)
        v = male_female_total(
            nums, x, file=file, page=line.page, error=f"male, female and total not all found on {where}"
        )
        if texts[0] == "Total for Mission":
            printed.append(counted_total("country_mission", line.page, v, contributor=country, mission=mission))
        else:
            rows.append(counted_row(country, mission, texts[0], v, line.page))
    require_grand(printed, lines, file, "no 'Grand Total' line found")
    return Report(file, "detail_2016", when, rows, printed, has_mission=True, has_gender=True)


def _names(
    line: Line, cells: list[Word], mission_x: float, country: str | None, mission: str | None, file: str
) -> tuple[str | None, str | None]:
    """(country, mission) after a line without counts: a numbered country or a mission under Mission."""
    texts = [c.text for c in cells]
    where = f"line {line.text!r}"
    name = numbered_name(cells, mission_x)
    if name is not None:
        return name, None
    if len(cells) == 1 and abs(cells[0].x0 - mission_x) < 15:
        # Missions and types share one column: a type or total line without counts
        # must not pass for a mission name.
        if personnel_type(texts[0]) is not None or texts[0].startswith("Total"):
            raise ParseError(file, f"{where} has no counts", page=line.page)
        if country is None:
            raise ParseError(file, f"mission before any country: {where}", page=line.page)
        return country, cells[0].text
    raise ParseError(file, f"unexpected {where}", page=line.page)

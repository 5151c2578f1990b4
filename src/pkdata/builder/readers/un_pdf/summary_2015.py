"""Layout "UN Mission's Summary detailed by Country" (Jan 2015 - Apr 2017, but Nov 2016).

Country name alone on a line; then mission, description, M, F, total; a subtotal line per
mission (mission name, right-aligned, and its total) and per country (country name and total).
No grand total is printed; every mission and country subtotal is checked.
"""

from __future__ import annotations

from pkdata.builder.readers.un_pdf.core import (
    Line,
    Printed,
    Report,
    Row,
    assign_columns,
    header_date,
    to_int,
)
from pkdata.builder.readers.un_pdf.table import MFT, counted_row, find_header
from pkdata.core.errors import ParseError


def detect(lines: list[Line]) -> bool:
    """True for this layout (title on page 1).

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2015_01.pdf"))
    True
    >>> detect(sample_lines(FIXTURES / "UN_country_contributions_2017_11.pdf"))  # post_2017
    False
    """
    head = " ".join(line.text for line in lines[:6])
    return "Mission's Summary" in head and "detailed by Country" in head


def _is_header(line: Line) -> bool:
    return bool(line.words) and line.words[0].text == "Country" and "Description" in line.text


def _header_x(lines: list[Line], file: str) -> dict[str, float]:
    header = find_header(lines, _is_header, file, "Country UN Mission Description M F Totals")
    cols = {w.text: w for w in header.words}
    return {
        "mission": cols["UN"].x0,
        "label": cols["Description"].x0,
        "subtotal": cols["F"].x0,
        "male": cols["M"].xc,
        "female": cols["F"].xc,
        "total": cols["Totals"].xc,
    }


def parse(lines: list[Line], file: str) -> Report:
    """Read every row and printed subtotal.

    >>> from pkdata.builder.readers.un_pdf.core import sample_lines
    >>> lines = sample_lines(FIXTURES / "UN_country_contributions_2015_01.pdf")
    >>> str(parse(lines, "2015_01.pdf").date.date())
    '2015-01-31'
    """
    head = " ".join(line.text for line in lines[:8])
    when = header_date(head, file, "'Month of Report : dd-Mon-yy'")
    x = _header_x(lines, file)
    rows: list[Row] = []
    printed: list[Printed] = []
    country: str | None = None
    mission: str | None = None
    pending_name: list[str] = []  # a country name that wraps over two lines
    counts_x = {k: x[k] for k in MFT}
    # Where the mission and description cells start (with some slack), worked out once, not per line.
    mission_x, label_x = x["mission"] - 20, x["label"] - 10
    for line in lines:
        text = line.text
        if text.startswith(("Page ", "UN Mission's Summary", "detailed by Country", "Month of Report")):
            continue
        if _is_header(line):
            continue
        cells, num_cells = line.split()
        if not num_cells:
            if cells and cells[0].x0 < mission_x:
                pending_name.append(" ".join(c.text for c in cells))
                country = " ".join(pending_name)
                mission = None
                continue
            if cells and cells[0].x0 >= mission_x:
                # A mission and/or description printed with no counts at all (Feb 2015, pages 2
                # and 26): nothing to read, but a mission named here opens the next rows.
                if cells[0].x0 < label_x:
                    mission = cells[0].text.strip()
                continue
            raise ParseError(file, f"unexpected line {text!r}", page=line.page)
        pending_name = []
        if len(cells) == 1 and len(num_cells) == 1 and cells[0].x1 > x["subtotal"]:
            total = to_int(num_cells[0].text)
            printed.append(_subtotal(cells[0].text.strip(), total, country, mission, file, line.page))
            continue
        label_cells = [c for c in cells if c.x0 >= label_x]
        mission_cells = [c for c in cells if mission_x <= c.x0 < label_x]
        if mission_cells:
            mission = mission_cells[0].text.strip()
        nums = assign_columns(num_cells, counts_x, file=file, page=line.page)
        if len(nums) < 3:
            # Some reports (e.g. Feb 2015) print stray part-rows such as "Individual Police 0":
            # an empty row is skipped; a part-row with a non-zero count is an error.
            if any(nums.values()):
                raise ParseError(file, f"row with missing columns and non-zero counts: {text!r}", page=line.page)
            continue
        if country is None or mission is None or not label_cells:
            raise ParseError(file, f"row without country, mission or description: {text!r}", page=line.page)
        rows.append(counted_row(country, mission, label_cells[0].text, nums, line.page))
    return Report(file, "summary_2015", when, rows, printed, has_mission=True, has_gender=True)


def _subtotal(name: str, total: int, country: str | None, mission: str | None, file: str, page: int) -> Printed:
    """A subtotal line: the mission's (named after it) or the country's (named after it, perhaps cut short)."""
    if name == mission:
        return Printed("country_mission", page, total, contributor=country, mission=mission)
    if country is not None and (name == country or country.endswith(name) or name.endswith(country)):
        return Printed("country", page, total, contributor=country)
    raise ParseError(file, f"subtotal {name!r} matches neither mission {mission!r} nor country {country!r}", page=page)

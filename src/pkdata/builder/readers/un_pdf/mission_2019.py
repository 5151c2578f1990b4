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

from pkdata.builder.readers.un_pdf.core import Line, Printed, Report, Row, Scope, assign_columns, header_date, is_number
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


def _columns(lines: list[Line], file: str) -> dict[str, float]:
    for line in lines:
        if _is_header(line):
            w = {x.text: x for x in line.words}
            mission, country = line.words[0], line.words[1]
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
    raise ParseError(file, "column header 'Mission Country/Contributor ... Male Female Total' not found", page=1)


def _total(scope: Scope, line: Line, v: dict[str, int], **where: str | None) -> Printed:
    return Printed(scope, line.page, v["total"], v["male"], v["female"], **where)


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
    x = _columns(lines, file)
    num_cols = {k: x[k] for k in ("male", "female", "total")}
    rows: list[Row] = []
    printed: list[Printed] = []
    mission: str | None = None  # the mission whose lines are being read (None once its total is read)
    mission_open = False  # its closing total is still to come (Nov 2019 - Dec 2020)
    closed = 0  # missions closed by a total line
    grand = False
    contributor: str | None = None
    name_lines = False  # the previous line was (part of) a contributor's name on its own
    after_row_name = False  # the previous line was a row with its own name (or that name's rest)
    count: tuple[int, int] | None = None  # (printed number of type lines, page)

    for line in lines[first:]:
        if _is_header(line) or _PAGE.match(line.text):
            continue  # page furniture
        cells = line.cells()
        nums = [c for c in cells if is_number(c.text)]
        counts = [c for c in nums if c.x1 < x["country_x0"]]
        values = [c for c in nums if c.x1 >= x["country_x0"]]
        text = [c for c in cells if not is_number(c.text)]
        names = [c for c in text if c.x0 < x["name_x0"]]
        who = [c for c in text if x["name_x0"] <= c.x0 < x["label_x0"]]
        label = [c for c in text if c.x0 >= x["label_x0"]]
        v: dict[str, int] = {}
        if values:
            v = assign_columns(values, num_cols, file=file, page=line.page)
            if len(v) != 3:
                raise ParseError(file, f"male, female and total not all printed: {line.text!r}", page=line.page)
        if grand:
            raise ParseError(file, f"line after the grand total: {line.text!r}", page=line.page)

        if counts:
            # Dec 2019 - Jan 2020 print the number of type lines left of the grand total; Nov
            # 2019 prints it alone.
            if len(counts) > 1 or text or count is not None or mission_open:
                raise ParseError(file, f"unexpected numbers left of the table: {line.text!r}", page=line.page)
            count = (int(counts[0].text.replace(",", "")), line.page)
        if [c.text for c in text] == ["Grand Total"] and v:
            printed.append(_total("grand", line, v))
            grand = True
        elif names:
            if len(names) != 1 or who or label:
                raise ParseError(file, f"mission line with more than a mission name: {line.text!r}", page=line.page)
            if mission_open:
                raise ParseError(file, f"mission {mission!r} has no closing total", page=line.page)
            mission, contributor = names[0].text, None
            if v:
                printed.append(_total("mission", line, v, mission=mission))  # Jan 2021: total on the mission line
            else:
                mission_open = True
        elif not text and v:
            if mission_open:
                printed.append(_total("mission", line, v, mission=mission))
                mission_open, mission, closed = False, None, closed + 1
            elif closed and mission is None:
                printed.append(_total("grand", line, v))  # unlabelled, after the last mission's total
                grand = True
            else:
                raise ParseError(file, f"total line outside any mission: {line.text!r}", page=line.page)
        elif who and not label and not v:
            # Part of a name on its own line: the rest of the row's name just above (Nov 2019 -
            # Jan 2020), or a contributor whose type lines follow (Feb 2020 on).
            part = " ".join(c.text for c in who)
            if after_row_name:
                rows[-1].contributor = f"{rows[-1].contributor} {part}"
            elif name_lines and contributor is not None:
                contributor = f"{contributor} {part}"
            else:
                contributor = part
                name_lines = True
            continue
        elif who and not label and v:
            # Jan 2021: a contributor and its total in this mission (after any lines of its name).
            name = " ".join(c.text for c in who)
            contributor = f"{contributor} {name}" if name_lines and contributor else name
            if mission is None:
                raise ParseError(file, f"contributor total outside a mission: {line.text!r}", page=line.page)
            printed.append(_total("country_mission", line, v, contributor=contributor, mission=mission))
        elif label and v:
            if who:
                contributor = " ".join(c.text for c in who)
            if mission is None or contributor is None:
                raise ParseError(file, f"type line outside a mission or contributor: {line.text!r}", page=line.page)
            rows.append(
                Row(
                    contributor, mission, " ".join(c.text for c in label), v["male"], v["female"], v["total"], line.page
                )
            )
            name_lines, after_row_name = False, bool(who)
            continue
        elif not counts:
            raise ParseError(file, f"line not understood: {line.text!r}", page=line.page)
        name_lines = after_row_name = False

    if mission_open:
        raise ParseError(file, f"mission {mission!r} has no closing total", page=lines[-1].page)
    if count is not None and count[0] != len(rows):
        raise ParseError(file, f"the report counts {count[0]} type lines, {len(rows)} were read", page=count[1])
    return Report(file, "mission_2019", when, rows, printed, has_mission=True, has_gender=True)

"""The ``--months`` argument and the months the monthly PDF reports cover."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pkdata.builder.fetch.remote import FetchError

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str, what: str = "--months") -> tuple[int, int]:
    """``"YYYY-MM"`` as (year, month), or a :class:`FetchError` saying what is expected.

    >>> parse_month("2018-09")
    (2018, 9)
    >>> parse_month("2018-13")
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.remote.FetchError: --months: '2018-13' is not a month; expected YYYY-MM with MM from 01 ...
    """
    m = _MONTH.fullmatch(str(text).strip())
    if not m or not 1 <= int(m[2]) <= 12 or not 1900 <= int(m[1]) <= 2200:
        raise FetchError(f"{what}: {text!r} is not a month; expected YYYY-MM with MM from 01 to 12, e.g. 2018-09")
    return int(m[1]), int(m[2])


def parse_months(text: str) -> tuple[str, str]:
    """``--months`` (``"YYYY-MM"`` or ``"YYYY-MM:YYYY-MM"``) as (first, last), checked.

    >>> parse_months("2019-06"), parse_months("2015-01:2015-04")
    (('2019-06', '2019-06'), ('2015-01', '2015-04'))
    """
    first, _, last = str(text).partition(":")
    last = last or first
    a, b = parse_month(first), parse_month(last)
    if a > b:
        raise FetchError(
            f"--months {text}: the first month is after the last; expected FIRST:LAST, e.g. 2015-01:2015-04"
        )
    return f"{a[0]:04d}-{a[1]:02d}", f"{b[0]:04d}-{b[1]:02d}"


def _months(first: str, last: str) -> list[tuple[int, int]]:
    y0, m0 = parse_month(first)
    y1, m1 = parse_month(last)
    out = []
    while (y0, m0) <= (y1, m1):
        out.append((y0, m0))
        y0, m0 = (y0 + 1, 1) if m0 == 12 else (y0, m0 + 1)
    return out


def _last_full_month() -> str:
    now = datetime.now(UTC)
    y, m = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    return f"{y:04d}-{m:02d}"

"""Who a claim is about: a contributor (ISO3 code or a name), a group of them (``P5``, a UN region) or ``all``.

>>> subject("China"), subject("P5"), subject("all"), subject("region:Africa")
('CHN', 'P5', 'all', 'region:Africa')
>>> members("P5")
('CHN', 'FRA', 'GBR', 'RUS', 'USA')
"""

from __future__ import annotations

from collections.abc import Iterable

from pkdata.core import countries
from pkdata.core.errors import PkdataError
from pkdata.tables import regions

#: Named groups of contributors.
GROUPS = {"P5": countries.P5}
#: How one member of a group is called ("the next permanent member").
MEMBER_LABEL = {"P5": "permanent member"}
_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def subject(value: str) -> str:
    """A claim's ``subject`` as pkdata spells it: an ISO3 code, ``all``, a group name or ``region:NAME``.

    >>> subject("Bangladesh"), subject("bgd")
    ('BGD', 'BGD')
    """
    text = str(value).strip()
    if text in GROUPS or text == "all" or text.startswith("region:"):
        return text
    if text.upper() in countries.DISPLAY:
        return text.upper()
    iso = countries.lookup(text)
    if iso is None:
        raise PkdataError(
            f"subject {value!r}: not a contributor's ISO3 code or name, nor 'all', {', '.join(GROUPS)} or 'region:NAME'"
        )
    return iso


def members(group: str, known: Iterable[str] = ()) -> tuple[str, ...]:
    """The contributors of a group: a named group, ``region:NAME`` (those of ``known`` in that UN region or
    subregion) or ``all`` (every one of ``known``); a single ISO3 code is its own group.

    >>> members("region:Southern Asia", ["IND", "NPL", "FRA"])
    ('IND', 'NPL')
    """
    if group in GROUPS:
        return tuple(GROUPS[group])
    if group == "all":
        return tuple(known)
    if group.startswith("region:"):
        name = group.split(":", 1)[1]
        return tuple(k for k in known if name in (regions.region(k) or ()))
    return (group,)


def member_label(group: str) -> str:
    """What one member of ``group`` is called.

    >>> member_label("P5"), member_label("region:Africa")
    ('permanent member', 'member of region:Africa')
    """
    return MEMBER_LABEL.get(group, f"member of {group}")


def count_word(n: int) -> str:
    """A small count in words.

    >>> count_word(4), count_word(12)
    ('four', '12')
    """
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def name(who: str) -> str:
    """A subject's name for a sentence.

    >>> name("CHN"), name("all")
    ('China', 'all contributors')
    """
    if who == "all":
        return "all contributors"
    if who in GROUPS or who.startswith("region:"):
        return who
    return countries.display_name(who)

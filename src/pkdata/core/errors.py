"""Exception types raised by pkdata.

Every error says which file (and page or row) it is about and what was expected,
so that a user can act on it without reading the code.
"""

from __future__ import annotations


class PkdataError(Exception):
    """Base class of every error pkdata raises on purpose."""


class ParseError(PkdataError):
    """A source file could not be read as the format it claims to be.

    Examples
    --------
    >>> str(ParseError("report.pdf", "not a PDF", page=3))
    'report.pdf, page 3: not a PDF'
    """

    def __init__(self, file: str, message: str, *, page: int | None = None, row: int | None = None):
        self.file = file
        self.page = page
        self.row = row
        where = file
        if page is not None:
            where += f", page {page}"
        if row is not None:
            where += f", row {row}"
        self.message = message
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # keep file/page/row when sent between processes
        return (_rebuild_parse_error, (type(self), self.file, self.message, self.page, self.row))


def _rebuild_parse_error(cls, file, message, page, row):
    return cls(file, message, page=page, row=row)


class TotalsMismatchError(ParseError):
    """The rows read from a report do not add up to a total the report prints."""


class UnknownNameError(PkdataError):
    """One or more names (countries, missions, labels) have no entry in pkdata's tables."""

    def __init__(self, kind: str, names: list[str], file: str | None = None):
        self.kind = kind
        self.file = file
        self.names = sorted(set(names))
        where = f"{file}: " if file else ""
        listed = ", ".join(repr(n) for n in self.names)
        table = (
            "pkdata/data/country_names.csv (the name table pkdata/core/countries.py reads)"
            if kind == "country"
            else "the table in pkdata/core/schema.py"
        )
        super().__init__(
            f"{where}{len(self.names)} unknown {kind} name(s): {listed}. "
            f"Add each to {table} (with the source that justifies it) and rebuild."
        )

    def __reduce__(self):
        return (type(self), (self.kind, self.names, self.file))


def strict_map(values, lookup, kind: str, *, file: str | None = None) -> dict[str, str]:
    """Map every value through ``lookup``; one :class:`UnknownNameError` lists all it does not know.

    >>> strict_map(["a", "b"], {"a": "A", "b": "B"}.get, "letter")
    {'a': 'A', 'b': 'B'}
    """
    out: dict[str, str] = {}
    unknown: list[str] = []
    for value in values:
        mapped = lookup(value)
        if mapped is None:
            unknown.append(value)
        else:
            out[value] = mapped
    if unknown:
        raise UnknownNameError(kind, unknown, file=file)
    return out


class DataNotFoundError(PkdataError):
    """A processed table or reference folder is missing."""


class DataFolderError(PkdataError):
    """The processed folder itself is missing or unreadable (a mistyped ``--data`` or ``PKDATA_DATA``).

    Not a :class:`DataNotFoundError`: callers that treat one missing table as "no data yet" must stop here.
    """


class InconsistentDataError(PkdataError):
    """The processed folder does not hold what its manifest says (an interrupted build, a replaced file)."""


class ShrinkError(PkdataError):
    """A build would drop months that the processed data already has (``allow_shrink`` / ``--allow-shrink``)."""


#: Longest run of characters without a space an error message shows whole (a path, a code, a number list).
LONGEST_WORD = 200


def shorten(message: str, longest: int = LONGEST_WORD, total: int = 4000) -> str:
    """``message`` with every run of more than ``longest`` non-space characters cut in the middle (its length said),
    and the whole kept under about ``total`` characters: an error echoing a huge argument stays readable.

    >>> cut = shorten("unknown code " + "A" * 1_000_000 + "; pass ISO3")
    >>> len(cut), cut[-50:]
    (151, '0,001 characters]...AAAAAAAAAAAAAAAAAAA; pass ISO3')
    >>> shorten("short message")
    'short message'
    """
    import re

    head, tail = longest * 2 // 5, longest // 10

    def cut(m: re.Match) -> str:
        word = m.group(0)
        return f"{word[:head]}...[{len(word):,} characters]...{word[-tail:]}"

    message = re.sub(rf"\S{{{longest + 1},}}", cut, message)
    if len(message) > total:
        message = f"{message[: total - 100]}...[{len(message):,} characters in all]...{message[-60:]}"
    return message

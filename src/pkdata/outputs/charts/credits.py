"""The source line under every chart: the publishers of the rows drawn, by the short names of
``[chart_credits]`` in ``pkdata/data/sources.toml``, and the data's period.

The publishers come from the build manifest's source entries (which file fed which table), each credited
through the source registry (:mod:`pkdata.core.sources`): no publisher is named in the code.

>>> source_line("fatalities", "1948 - Apr 2025")
'Source: UN Peace and Security Data Hub; curated public documents (1948 - Apr 2025). Chart: pkdata.'
"""

from __future__ import annotations

import re
from functools import lru_cache

from pkdata.core import sources
from pkdata.core.errors import DataNotFoundError
from pkdata.tables import personnel


class _Credits:
    """The registry's credits, looked up by a manifest entry's file name, else by its publisher."""

    def __init__(self) -> None:
        registry = sources.load()
        credits = registry.get("chart_credits", {})
        self.unlisted: str = credits.get("unlisted", "")
        self.by_id: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        self.by_publisher: dict[str, str] = {}
        for sid, entry in registry["sources"].items():
            short = self.by_id[sid] = credits.get(sid) or entry["publisher"].split(",")[0]
            for f in entry["files"]:
                if "name" in f:
                    self.by_name.setdefault(f["name"], short)
                else:  # a pattern such as UN_country_contributions_{year}_{month:02d}.pdf
                    parts = re.split(r"\{[^}]*\}", f["pattern"])
                    self.patterns.append((re.compile(r"\d+".join(map(re.escape, parts))), short))
            for pub in (entry["publisher"], *entry.get("parts", {}).values()):
                self.by_publisher.setdefault(pub, short)
        for cid in registry.get("cited", {}):  # cited, not fetched: credited only where a chart draws on them
            if cid in credits:
                self.by_id[cid] = credits[cid]

    def of(self, name: str, publisher: str) -> str:
        if name in self.by_name:
            return self.by_name[name]
        for pattern, short in self.patterns:
            if pattern.fullmatch(name):
                return short
        return self.by_publisher.get(publisher, self.unlisted)


@lru_cache(maxsize=1)
def _credits() -> _Credits:
    return _Credits()


def credit(source_id: str) -> str:
    """The short name a chart gives a source of the registry.

    >>> credit("un_open"), credit("natural_earth")
    ('UN (CEB/open.un.org, Committee on Contributions, GA)', 'Natural Earth 1:110m (public domain)')
    >>> credit("nope")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: unknown source 'nope'; known: un_dpo_monthly_pdfs, ...
    """
    if source_id not in _credits().by_id:
        sources.source(source_id)  # the registry's error naming the known ids
    return _credits().by_id[source_id]


def publishers(table: str, files: set[str] | None = None) -> str:
    """Credits of the sources that produced a table (only those of ``files`` if given), from the manifest.

    >>> publishers("contributions")
    'IPI Peacekeeping Database; UN DPO monthly contribution reports'
    >>> publishers("assessments", {"peacekeeping_effective_rates_secondary_4dp.csv"})
    'Heritage Foundation (secondary)'
    """
    try:
        entries = personnel.manifest()["sources"]
    except DataNotFoundError:  # a small or doctored dataset may have no manifest
        return ""
    names: list[str] = []
    for s in entries:
        if s.get("table") != table or s.get("duplicate_of") or (files is not None and s.get("name") not in files):
            continue
        short = _credits().of(str(s.get("name", "")), str(s.get("publisher", "")))
        if short and short not in names:
            names.append(short)
    return "; ".join(names)


def source_line(table: str, period: str, files: set[str] | None = None) -> str:
    """The line under a chart: publishers of the table's sources and the data's period.

    ``files``: the source files of the rows drawn (the table's ``source`` column), when a chart shows only
    some of the table: then only their publishers are named.

    >>> source_line("contributions", "Nov 1990 - Jul 2025")
    'Source: IPI Peacekeeping Database; UN DPO monthly contribution reports (Nov 1990 - Jul 2025). Chart: pkdata.'
    >>> source_line("contributions", "Sep 2018", files={"UN_country_contributions_2018_09.pdf"})
    'Source: UN DPO monthly contribution reports (Sep 2018). Chart: pkdata.'
    """
    pubs = publishers(table, files)
    return f"Source: {pubs or 'pkdata processed data'} ({period}). Chart: pkdata."

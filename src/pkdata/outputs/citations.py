"""Citations of pkdata and of each upstream source, as BibTeX or plain text, with the data version.

The source list is data: :data:`SOURCES` here until ``src/pkdata/data/sources.toml`` exists (it is
being added with ``pkdata.core.sources``); :func:`load` reads that file when it is there, with the same
fields per source: ``id``, ``title``, ``publisher``, ``publisher_url``, ``url``, ``licence``,
``citation`` (plain text), plus, for BibTeX, ``bibtype``, ``author`` and ``year`` when known.

>>> "@misc{pkdata," in bibtex("pkdata")
True
>>> data_version()["months"] > 400
True
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path
from typing import Any

from pkdata.core import paths, store
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file

SOURCES_TOML = paths.PACKAGE_DIR / "data" / "sources.toml"

#: Built-in source list (used until ``sources.toml`` lands). Every URL is the publisher's or the one the
#: manifest records for the files pkdata reads.
SOURCES: list[dict[str, str]] = [
    {
        "id": "pkdata",
        "bibtype": "misc",  # @software is biblatex only; classic BibTeX styles know @misc
        "title": "pkdata: UN peacekeeping data as checked tables and charts",
        "publisher": "pkdata contributors",
        "publisher_url": "",
        "url": "",
        "licence": "MIT (code)",
        "author": "{pkdata contributors}",
        "citation": "pkdata contributors. pkdata: UN peacekeeping data as checked tables and charts, "
        "version {version}.",
    },
    {
        "id": "un_dpo_contributions",
        "bibtype": "misc",
        "title": "Troop and Police Contributors: monthly contributions by country and mission",
        "publisher": "United Nations Department of Peace Operations",
        "publisher_url": "https://peacekeeping.un.org",
        "url": "https://peacekeeping.un.org/en/troop-and-police-contributors",
        "licence": "United Nations terms of use (https://www.un.org/en/about-us/terms-of-use)",
        "author": "{United Nations Department of Peace Operations}",
        "citation": "United Nations Department of Peace Operations. Troop and Police Contributors, monthly reports "
        "(UN_country_contributions_YYYY_MM.pdf). https://peacekeeping.un.org/en/troop-and-police-contributors",
    },
    {
        "id": "ipi_peacekeeping_database",
        "bibtype": "misc",
        "title": "IPI Peacekeeping Database (Providing for Peacekeeping)",
        "publisher": "International Peace Institute",
        "publisher_url": "https://www.ipinst.org",
        "url": "https://github.com/IPIDataLab/TCC-DataScraper",
        "licence": "not stated in the repositories; cite the International Peace Institute",
        "author": "{International Peace Institute}",
        "citation": "International Peace Institute. IPI Peacekeeping Database, compiled from UN DPKO monthly reports "
        "(IPIDataLab/TCC-DataScraper, IPIDataLab/PPP_Loader). https://github.com/IPIDataLab",
    },
    {
        "id": "un_fatalities",
        "bibtype": "misc",
        "title": "Peacekeeping fatalities (DPPADPOSS-FATALITIES)",
        "publisher": "United Nations Peace and Security Data Hub (DPPA/DPO)",
        "publisher_url": "https://psdata.un.org",
        "url": "https://psdata.un.org/dataset/DPPADPOSS-FATALITIES",
        "licence": "United Nations terms of use (https://www.un.org/en/about-us/terms-of-use)",
        "author": "{United Nations Peace and Security Data Hub}",
        "citation": "United Nations Peace and Security Data Hub. Peacekeeping fatalities (DPPADPOSS-FATALITIES). "
        "https://psdata.un.org/dataset/DPPADPOSS-FATALITIES",
    },
    {
        "id": "un_missions",
        "bibtype": "misc",
        "title": "Peacekeeping operations (DPPADPOSS-PKO)",
        "publisher": "United Nations Peace and Security Data Hub (DPPA/DPO)",
        "publisher_url": "https://psdata.un.org",
        "url": "https://psdata.un.org/dataset/DPPADPOSS-PKO",
        "licence": "United Nations terms of use (https://www.un.org/en/about-us/terms-of-use)",
        "author": "{United Nations Peace and Security Data Hub}",
        "citation": "United Nations Peace and Security Data Hub. Peacekeeping operations (DPPADPOSS-PKO). "
        "https://psdata.un.org/dataset/DPPADPOSS-PKO",
    },
    {
        "id": "un_financial",
        "bibtype": "misc",
        "title": "UN system financial statistics: revenue by contributor and entity; peacekeeping budgets",
        "publisher": "United Nations (CEB financial statistics; open.un.org)",
        "publisher_url": "https://open.un.org",
        "url": "https://github.com/united-nations/open",
        "licence": "United Nations terms of use (https://www.un.org/en/about-us/terms-of-use)",
        "author": "{United Nations}",
        "citation": "United Nations. Financial data published in united-nations/open (donors-YYYY.json, "
        "budget-pko-YYYY.json, budget-audited-pko-YYYY.json, regular-budget-contributors-YYYY.json). "
        "https://github.com/united-nations/open",
    },
    {
        "id": "ga_documents",
        "bibtype": "misc",
        "title": "Scale of assessments: General Assembly resolutions and Committee on Contributions data",
        "publisher": "United Nations General Assembly",
        "publisher_url": "https://www.un.org/en/ga/contributions/",
        "url": "https://www.un.org/en/ga/contributions/Scale%20of%20Assessments%20for%20RB%201946-2027.xlsx",
        "licence": "United Nations terms of use (https://www.un.org/en/about-us/terms-of-use)",
        "author": "{United Nations General Assembly}",
        "citation": "United Nations General Assembly. Scale of assessments (A/RES/79/249 and earlier resolutions); "
        "Committee on Contributions, Scale of Assessments for RB 1946-2027. "
        "https://www.un.org/en/ga/contributions/",
    },
    {
        "id": "country_codes",
        "bibtype": "misc",
        "title": "Country codes: COW State System Membership v2016, Gleditsch-Ward list of independent states, "
        "ISO 3166-1, UN M49",
        "publisher": "Correlates of War Project; K. S. Gleditsch and M. D. Ward; ISO; UN Statistics Division",
        "publisher_url": "https://correlatesofwar.org",
        "url": "https://correlatesofwar.org/data-sets/state-system-membership/",
        "licence": "see src/pkdata/data/country_codes_SOURCES.md",
        "author": "{Correlates of War Project}",
        "citation": "Correlates of War Project. 2017. State System Membership List, v2016. Gleditsch, Kristian S. and "
        "Michael D. Ward. 1999. A Revised List of Independent States since the Congress of Vienna. "
        "International Interactions 25(4): 393-413. Via countrycode (Arel-Bundock et al. 2018) and "
        "states (Beger); see country_codes_SOURCES.md.",
    },
]


def load() -> list[dict[str, str]]:
    """The sources: ``sources.toml`` (``[[source]]`` or ``[<id>]`` tables) if the package has it, else :data:`SOURCES`.

    pkdata itself is always first.

    >>> load()[0]["id"]
    'pkdata'
    """
    if SOURCES_TOML.is_file():
        with open(SOURCES_TOML, "rb") as fh:
            data = tomllib.load(fh)
        items = data.get("source") or data.get("sources") or data
        if isinstance(items, dict):  # [<id>] tables instead of a [[source]] list
            items = [{"id": key, **value} for key, value in items.items() if isinstance(value, dict)]
        loaded = [{k: str(v) for k, v in item.items()} for item in items if "id" in item]
        ids = {s["id"] for s in loaded}
        return (
            [s for s in SOURCES if s["id"] == "pkdata"]
            + [s for s in loaded if s["id"] != "pkdata"]
            + [s for s in SOURCES if s["id"] not in ids and s["id"] != "pkdata"]
        )
    return list(SOURCES)


def source(source_id: str) -> dict[str, str]:
    """One source by id; :class:`pkdata.core.errors.PkdataError` lists the ids when it is unknown.

    >>> source("un_fatalities")["publisher_url"]
    'https://psdata.un.org'
    """
    for s in load():
        if s["id"] == source_id:
            return s
    raise PkdataError(f"unknown source {source_id!r}: expected one of {[s['id'] for s in load()]}")


def data_version(data_dir: str | Path | None = None) -> dict[str, Any]:
    """The data's version: sha256 of the manifest, first and last month, months covered and missing.

    >>> sorted(data_version())
    ['first_month', 'last_month', 'manifest_sha256', 'missing_months', 'months', 'pkdata_version']
    """
    from pkdata import __version__

    folder = Path(data_dir) if data_dir else paths.processed_dir()
    m = store.manifest(folder)["contributions"]
    return {
        "pkdata_version": __version__,
        "manifest_sha256": sha256_file(folder / "manifest.json"),
        "first_month": m["first_month"],
        "last_month": m["last_month"],
        "months": len(m["months"]),
        "missing_months": list(m["missing_months"]),
    }


def _bib_escape(text: str) -> str:
    return re.sub(r"([&%#_$])", r"\\\1", text)


def bibtex(source_id: str | None = None, data_dir: str | Path | None = None) -> str:
    """BibTeX entries: of one source, or of pkdata and every source (``source_id=None``).

    >>> print(bibtex("un_missions"))  # doctest: +ELLIPSIS
    @misc{un_missions,
      author = {{United Nations Peace and Security Data Hub}},
      title = {Peacekeeping operations (DPPADPOSS-PKO)},
    ...
    """
    v = data_version(data_dir)
    chosen = [source(source_id)] if source_id else load()
    entries = []
    for s in chosen:
        fields = [
            ("author", s.get("author") or "{" + s["publisher"] + "}"),
            ("title", _bib_escape(s["title"])),
            ("publisher", _bib_escape(s["publisher"])),
        ]
        if s["id"] == "pkdata":
            fields += [
                ("version", v["pkdata_version"]),
                (
                    "note",
                    f"data manifest sha256 {v['manifest_sha256']}; contributions {v['first_month']} to "
                    f"{v['last_month']} ({v['months']} months with a report)",
                ),
            ]
        else:
            fields += [("note", _bib_escape(f"Licence: {s['licence']}"))]
        if s.get("year"):
            fields.append(("year", s["year"]))
        if s.get("url"):
            fields.append(("url", s["url"]))
        body = ",\n".join(f"  {k} = {{{val}}}" for k, val in fields)
        entries.append(f"@{s.get('bibtype', 'misc')}{{{s['id']},\n{body}\n}}")
    return "\n\n".join(entries)


def plain(source_id: str | None = None, data_dir: str | Path | None = None) -> str:
    """Plain-text citations (one paragraph per source), pkdata's with the data version.

    >>> plain("pkdata").startswith("pkdata contributors.")
    True
    """
    v = data_version(data_dir)
    chosen = [source(source_id)] if source_id else load()
    out = []
    for s in chosen:
        text = s["citation"].replace("{version}", v["pkdata_version"])
        if s["id"] == "pkdata":
            text += (
                f" Data: manifest sha256 {v['manifest_sha256']}, contributions {v['first_month']} to "
                f"{v['last_month']} ({v['months']} months with a report; no report for "
                f"{', '.join(v['missing_months']) or 'none'})."
            )
        out.append(text)
    return "\n\n".join(out)


def cli_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata cite``."""
    p.add_argument("source", nargs="?", help="a source id (default: pkdata and every source)")
    p.add_argument("--format", choices=["bibtex", "plain"], default="bibtex")
    p.add_argument("--data", help="processed folder (default data/processed or PKDATA_DATA)")


def cli_cite(args: argparse.Namespace) -> int:
    """``pkdata cite [SOURCE]``: print the citations and the data version."""
    text = bibtex(args.source, args.data) if args.format == "bibtex" else plain(args.source, args.data)
    print(text)
    return 0

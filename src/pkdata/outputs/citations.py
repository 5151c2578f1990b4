"""Citations of pkdata and of each upstream source, as BibTeX or plain text, with the data version.

Every entry comes from the source registry, ``src/pkdata/data/sources.toml``, through
:func:`pkdata.core.sources.citable`: one id per source, shared by ``pkdata cite SOURCE``, the table
registry's ``sources`` and the codebook's ``source`` fields (the manifest names each file's publisher, read
from the same entry). Fields used: ``id``, ``title``, ``publisher``,
``publisher_url``, ``url``, ``licence``, ``citation`` (plain text), plus ``bibtype`` and ``author``
where the registry gives them.

>>> print(bibtex("pkdata").splitlines()[0])
@misc{pkdata,
>>> data_version()["first_month"]
'1990-11'
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from pkdata.core import paths, sources, store
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file


def load() -> list[dict[str, Any]]:
    """Every citable entry, pkdata first, then the sources in registry order.

    >>> [s["id"] for s in load()][:2]
    ['pkdata', 'un_dpo_monthly_pdfs']
    """
    return sources.citable()


def source(source_id: str) -> dict[str, Any]:
    """One entry by id; :class:`pkdata.core.errors.PkdataError` lists the ids when it is unknown.

    >>> source("un_psdata_fatalities")["publisher_url"]
    'https://psdata.un.org/dataset/DPPADPOSS-FATALITIES'
    """
    entries = load()
    for s in entries:
        if s["id"] == source_id:
            return s
    raise PkdataError(f"unknown source {source_id!r}: expected one of {[s['id'] for s in entries]}")


def _address(s: dict[str, Any]) -> str:
    """The address a citation gives: the publisher's page, else the download address if it is the publisher's
    (never a mirror's, never a template with ``{...}`` fields, never "not recorded").

    >>> _address({"publisher_url": "not recorded", "url": "https://x.org/{name}"})
    ''
    """
    if s.get("publisher_url", sources.NOT_RECORDED) != sources.NOT_RECORDED:
        return str(s["publisher_url"])
    url = str(s.get("url", sources.NOT_RECORDED))
    if url != sources.NOT_RECORDED and not s.get("mirror") and "{" not in url:
        return url
    return ""


def data_version(data_dir: str | Path | None = None) -> dict[str, Any]:
    """The data's version: sha256 of the manifest, first and last month, months covered and missing.

    >>> v = data_version()
    >>> v["first_month"], v["missing_months"][:2]
    ('1990-11', ['2014-09', '2014-10'])
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


def _year(s: dict[str, Any], v: dict[str, Any]) -> str:
    """The entry's year: the registry's (the source's publication) where it gives one, else the data version's
    (the year of the last month the data cover: the copy cited is that version's).

    >>> _year({"year": 2013}, {"last_month": "2025-07"}), _year({}, {"last_month": "2025-07"})
    ('2013', '2025')
    """
    return str(s.get("year") or v["last_month"][:4])


def _one_per_address(chosen: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The entries with the sources that share an address folded into the first (one source, one entry).

    >>> [(s["id"], [o["id"] for o in more]) for s, more in _one_per_address(load()) if more]
    [('ipi_ppp_loader', ['ipi_ppp_loader_current_month_history'])]
    """
    out: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    first: dict[str, int] = {}
    for s in chosen:
        address = _address(s)
        if address and address in first:
            out[first[address]][1].append(s)
            continue
        if address:
            first[address] = len(out)
        out.append((s, []))
    return out


def bibtex(source_id: str | None = None, data_dir: str | Path | None = None) -> str:
    """BibTeX entries: of one source, or of pkdata and every source (``source_id=None``), one per address.

    Every entry has a year (:func:`_year`); the address is the publisher's page (never a mirror's or a
    download template), left out where the registry records none.

    >>> print(bibtex("un_psdata_pko"))  # doctest: +ELLIPSIS
    @misc{un_psdata_pko,
      author = {{United Nations Peace and Security Data Hub (DPPA/DPO)}},
      title = {Peacekeeping Operations: ...},
    ...
      year = {2025},
      url = {https://psdata.un.org/dataset/DPPADPOSS-PKO}
    }
    """
    v = data_version(data_dir)
    chosen = [source(source_id)] if source_id else load()
    entries = []
    for s, more in _one_per_address(chosen):
        fields = [
            ("author", s.get("author") or "{" + _bib_escape(s["publisher"]) + "}"),
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
            also = "".join(f"; also: {o['title']} (pkdata cite {o['id']})" for o in more)
            fields += [("note", _bib_escape(f"Licence: {s['licence']}; data version {v['last_month']}{also}"))]
        fields.append(("year", _year(s, v)))
        if _address(s):
            fields.append(("url", _address(s)))
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
    p.add_argument("--data", help=f"processed folder (default PKDATA_DATA or {paths.processed_dir()})")


def cli_cite(args: argparse.Namespace) -> int:
    """``pkdata cite [SOURCE]``: print the citations and the data version."""
    text = bibtex(args.source, args.data) if args.format == "bibtex" else plain(args.source, args.data)
    print(text)
    return 0

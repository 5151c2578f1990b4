"""The files ``pkdata fetch`` knows, read from the source registry (``pkdata/data/sources.toml``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pkdata.builder.fetch.months import _last_full_month, _months
from pkdata.builder.fetch.remote import RemoteFile
from pkdata.builder.fetch.routes import COPY, Route, routes_of
from pkdata.core import sources
from pkdata.core.errors import PkdataError

_PDF_SOURCE = "un_dpo_monthly_pdfs"
#: URL template of the monthly UN PDF reports ({year}, {month:02d}); ``PKDATA_UN_PDF_URL`` overrides.
UN_PDF_URL_TEMPLATE: str = sources.source(_PDF_SOURCE)["url"]
UN_PDF_PUBLISHER: str = sources.publisher(_PDF_SOURCE)

#: The groups ``pkdata fetch`` fetches without ``--all`` / ``--only`` (the personnel sources).
GROUPS = ("un_pdf", "un_csv", "ipi")


def select_sources(names: Iterable[str] = GROUPS) -> list[str]:
    """Source ids for ``--only`` names: source ids, groups (``un_pdf``, ``un_csv``, ``ipi``) or ``all``.

    >>> select_sources(["ipi"])
    ['ipi_tcc_datascraper', 'ipi_ppp_loader', 'ipi_ppp_loader_current_month_history']
    >>> select_sources(["un_open", "un_pdf"])
    ['un_dpo_monthly_pdfs', 'un_open']
    >>> select_sources(["money"])
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: unknown source or group 'money'; sources: un_dpo_monthly_pdfs, ...
    """
    registry_ = sources.load()["sources"]
    wanted: set[str] = set()
    for name in names:
        name = name.strip()
        if name == "all":
            wanted.update(registry_)
        elif name in registry_:
            wanted.add(name)
        elif any(s.get("group") == name for s in registry_.values()):
            wanted.update(k for k, s in registry_.items() if s.get("group") == name)
        else:
            groups = sorted({s["group"] for s in registry_.values() if s.get("group")})
            raise PkdataError(
                f"unknown source or group {name!r}; sources: {', '.join(registry_)}; "
                f"groups: {', '.join(groups)}; or all"
            )
    return [k for k in registry_ if k in wanted]


def _mirror_names(raw_sub: str, reference_sub: str, name: str) -> tuple[str, ...]:
    names = [f"{raw_sub}/{name}", f"{reference_sub}/{name}", f"{reference_sub.rsplit('/', 1)[-1]}/{name}", name]
    return tuple(dict.fromkeys(names))


def registry(
    *,
    months: tuple[str, str] | None = None,
    groups: Iterable[str] = GROUPS,
    pdf_url_template: str | None = None,
    mirror: str | Path | None = None,
) -> list[RemoteFile]:
    """The files ``pkdata fetch`` knows, from ``pkdata/data/sources.toml``, for sources or groups ``groups``.

    ``months`` (``("2015-01", "2025-07")``) limits the monthly PDFs (default: Jan 2015 to last month, or,
    with ``mirror``, the months the mirror holds).

    >>> files = registry(months=("2025-06", "2025-07"), groups=["un_pdf"])
    >>> [f.dest for f in files]
    ['un_monthly_pdfs/UN_country_contributions_2025_06.pdf', 'un_monthly_pdfs/UN_country_contributions_2025_07.pdf']
    >>> fat = registry(groups=["un_psdata_fatalities"])[0]
    >>> fat.dest, fat.kind, fat.sha256
    ('fatalities/DPPADPOSS-FATALITIES.csv', 'csv', None)
    >>> fat.url
    'https://api.psdata.un.org/public/data/DPPADPOSS-FATALITIES/CSV'
    """
    out: list[RemoteFile] = []
    for sid in select_sources(groups):
        src = sources.source(sid)
        for entry in src["files"]:
            common = _common_fields(sid, src, entry)
            if "pattern" in entry:
                out.extend(_monthly_files(src, entry, common, months, mirror, pdf_url_template))
            else:
                out.append(_fixed_file(src, entry, common))
    return out


def _common_fields(sid: str, src: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The :class:`RemoteFile` fields a file takes from its source (a file's own value wins)."""
    return dict(
        kind=entry.get("check", src.get("check", "")),
        group=src.get("group", sid),
        publisher=src["publisher"],
        header=tuple(entry.get("columns", src.get("columns", ()))),
        source=sid,
        keys=tuple(entry.get("keys", ())),
        value_keys=tuple(entry.get("value_keys", ())),
        optional=bool(entry.get("optional", False)),
        keep_existing=bool(src.get("keep_existing", False)),
    )


def _monthly_files(
    src: dict[str, Any],
    entry: dict[str, Any],
    common: dict[str, Any],
    months: tuple[str, str] | None,
    mirror: str | Path | None,
    pdf_url_template: str | None,
) -> list[RemoteFile]:
    """One file per month of a ``pattern`` entry: the months asked, those a mirror holds, or all to last month."""
    raw_sub, ref_sub = src["raw_sub"], src["reference_sub"]
    env = src.get("url_env")
    override = pdf_url_template or (env and os.environ.get(env))
    template = override or src["url"]
    if months:
        wanted = _months(*months)
    elif mirror is not None:
        wanted = [
            ym
            for ym in _months(entry["first_month"], _last_full_month())
            if any(
                (Path(mirror) / n).is_file()
                for n in _mirror_names(raw_sub, ref_sub, entry["pattern"].format(year=ym[0], month=ym[1]))
            )
        ]
    else:
        wanted = _months(entry["first_month"], _last_full_month())
    out = []
    for y, m in wanted:
        name = entry["pattern"].format(year=y, month=m)
        out.append(
            RemoteFile(
                dest=f"{raw_sub}/{name}",
                url=template.format(year=y, month=m),
                mirror_names=_mirror_names(raw_sub, ref_sub, name),
                month=f"{int(y):04d}-{int(m):02d}",
                # An address the user gives (argument or environment) is the only route tried.
                routes=(Route(template.format(year=y, month=m), COPY),)
                if override
                else routes_of(src, entry, year=y, month=m),
                **common,
            )
        )
    return out


def _fixed_file(src: dict[str, Any], entry: dict[str, Any], common: dict[str, Any]) -> RemoteFile:
    """A ``name`` entry: its URL (the source's, with ``{name}`` filled) and the sha256 the registry records."""
    raw_sub, ref_sub = src["raw_sub"], src["reference_sub"]
    name = entry["name"]
    url = entry.get("url", src["url"])
    if url == sources.NOT_RECORDED:
        url = ""
    elif "{name}" in url:
        url = url.format(name=quote(name))
    return RemoteFile(
        dest=f"{raw_sub}/{name}",
        url=url,
        sha256=entry.get("sha256"),
        mirror_names=_mirror_names(raw_sub, ref_sub, name),
        routes=routes_of(src, entry, name=name),
        **common,
    )

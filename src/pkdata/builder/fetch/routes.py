"""The routes to a file, the publisher's first and copies last, and fetching a file by trying them in order.

The registry (``pkdata/data/sources.toml``) lists a source's routes as ``routes = [{url, kind, form}]``
(a file's own ``routes`` win): ``kind`` is ``"publisher"`` (the publisher's own address) or ``"copy"``
(someone else's copy); every publisher route comes before every copy. ``form`` says how a route is read:

- ``"file"``: the address is the file (``{name}``, ``{year}``, ``{month:02d}`` filled in);
- ``"json-pages"``: the Peace and Security Data Hub's JSON API, read page by page (``page_num``,
  ``per_page``) and written as the CSV the build reads; the hub gives dates as epoch milliseconds in JSON
  and as text in CSV, so date columns are written as ``YYYY-MM-DD``;
- ``"index"``: a publisher page listing reports; the month's report is the first ``.pdf`` link on it whose
  name holds the month's name and year (the form of the UN's addresses, e.g. ``..._december_2021.pdf``).

A source without ``routes`` has one: its ``url``, a copy when ``mirror = true``. :func:`fetch_by_routes`
tries the routes in order; a route that fails or whose body fails the content checks passes to the next one,
and the error of each is kept for the message when all fail.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from pkdata.builder.fetch.remote import FetchConfig, FetchError, FetchResult, RemoteFile
from pkdata.core import sources
from pkdata.core.errors import PkdataError

PUBLISHER, COPY = "publisher", "copy"
FORMS = ("file", "json-pages", "index")
#: Records per page of the hub's JSON API (its default is every record in one answer).
PER_PAGE = 5000
#: Pages read at most from one JSON route (a server that never returns a short page stops here).
MAX_PAGES = 1000
_MONTHS = ("january february march april may june july august september october november december").split()


@dataclass(frozen=True)
class Route:
    """One address a file can come from: ``kind`` publisher or copy, ``form`` file, json-pages or index.

    ``match`` (index routes) is the pattern a report link must match.

    >>> Route("https://api.psdata.un.org/public/data/DPO-UCHISTORICAL/CSV", "publisher").form
    'file'
    """

    url: str
    kind: str
    form: str = "file"
    match: str = ""


def month_pattern(year: int, month: int) -> str:
    """The pattern a report link for a month must match: the month's name (or its first three letters), then the
    year.

    >>> bool(re.search(month_pattern(2021, 12), "/sites/default/files/00-front_page_msr_december_2021.pdf"))
    True
    >>> bool(re.search(month_pattern(2021, 11), "/files/msr_december_2021.pdf"))
    False
    """
    name = _MONTHS[month - 1]
    return rf"(?i)(?<![a-z])({name}|{name[:3]})[_\-\s.]*{year}[^/]*\.pdf$"


def routes_of(src: dict[str, Any], entry: dict[str, Any], **fields: Any) -> tuple[Route, ...]:
    """The routes of one file, in order, with ``{name}`` / ``{year}`` / ``{month}`` filled from ``fields``.

    >>> src = sources.source("un_psdata_fatalities")
    >>> [(r.kind, r.form) for r in routes_of(src, src["files"][0], name="DPPADPOSS-FATALITIES.csv")]
    [('publisher', 'file'), ('publisher', 'json-pages'), ('copy', 'file')]
    """
    # A file's own address wins over the source's routes (a copy kept elsewhere than the source's files).
    declared = entry.get("routes", None if "url" in entry else src.get("routes"))
    if declared is None:
        url = entry.get("url", src.get("url", sources.NOT_RECORDED))
        if url == sources.NOT_RECORDED:
            return ()
        mirror = entry.get("mirror", src.get("mirror", False))
        declared = [{"url": url, "kind": COPY if mirror else PUBLISHER}]
    out = []
    for i, r in enumerate(declared):
        kind, form = r.get("kind"), r.get("form", "file")
        if kind not in (PUBLISHER, COPY) or form not in FORMS:
            raise PkdataError(
                f"sources.toml: source {src.get('id')!r} route {i + 1}: kind must be publisher or copy and form one "
                f"of {FORMS}, found kind={kind!r} form={form!r}"
            )
        if out and kind == PUBLISHER and out[-1].kind == COPY:
            raise PkdataError(f"sources.toml: source {src.get('id')!r}: a publisher route after a copy; list it first")
        url = r["url"]
        if "{name}" in url and "name" in fields:
            url = url.replace("{name}", quote(str(fields["name"])))
        if "year" in fields:
            url = url.format(year=fields["year"], month=fields["month"])
        match = month_pattern(fields["year"], fields["month"]) if form == "index" and "year" in fields else ""
        out.append(Route(url, kind, form, match))
    return tuple(out)


def _fetch_route(session, spec: RemoteFile, route: Route, dest: Path, entry, config: FetchConfig):
    """One route -> (temporary file or None for 304, info, the address the bytes came from)."""
    from pkdata.builder.fetch.download import _stream

    if route.form == "file":
        tmp, info = _stream(session, dataclasses.replace(spec, url=route.url), dest, entry, config)
        return tmp, info, route.url
    if route.form == "json-pages":
        return (*_json_pages(session, spec, route, dest, config), route.url)
    url = _report_link(session, spec, route, dest, config)
    tmp, info = _stream(session, dataclasses.replace(spec, url=url), dest, entry, config)
    return tmp, info, url


def fetch_by_routes(session, spec: RemoteFile, raw: Path, manifest: dict[str, Any], config: FetchConfig) -> FetchResult:
    """Try the file's routes in order (publisher first); the first whose body passes the checks is installed.

    Raises :class:`FetchError` naming every route tried and its error when none gave a good file.
    """
    from pkdata.builder.fetch.install import _install

    routes = spec.routes
    if not routes or (spec.url and spec.url not in {r.url for r in routes}):
        # An address set on the file itself (a caller's override) is the one route.
        routes = (Route(spec.url, PUBLISHER),)
    entry = manifest["files"].get(spec.dest)
    errors: list[FetchError] = []
    for route in routes:
        try:
            tmp, info, url = _fetch_route(session, spec, route, raw / spec.dest, entry, config)
            if tmp is None:
                return FetchResult(spec.dest, "unchanged", "not modified (HTTP 304)", entry and entry.get("sha256"))
            result = _install(tmp, spec, raw, manifest, info, url)
        except FetchError as exc:
            errors.append(exc)
            continue
        result.message += f" ({route.kind}: {url})"
        result.extra["route"] = route.kind
        manifest["files"][spec.dest]["route"] = route.kind  # whether the bytes came from the publisher or a copy
        return result
    if len(errors) == 1:
        raise errors[0]
    tried = " | ".join(f"[{r.kind}] {e}" for r, e in zip(routes, errors, strict=True))
    raise FetchError(f"{spec.dest}: every route failed, publisher first: {tried}")


def _temp_beside(dest: Path, suffix: str) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix, dir=dest.parent)
    import os

    os.close(fd)
    return Path(name)


def _get_json(session, spec: RemoteFile, url: str, dest: Path, config: FetchConfig) -> Any:
    """One answer of the JSON API through the download layer (retries, deadline, length check), parsed."""
    from pkdata.builder.fetch.download import _stream

    tmp, _ = _stream(session, dataclasses.replace(spec, url=url), dest.with_name(dest.name + ".page"), None, config)
    try:
        return json.loads(tmp.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"{url}: not JSON ({exc}); the body was cut or is an error page. Try again later") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _json_pages(session, spec: RemoteFile, route: Route, dest: Path, config: FetchConfig):
    """Every page of a hub JSON route -> a temporary CSV beside ``dest`` (the columns of the first record)."""
    records: list[dict[str, Any]] = []
    sep = "&" if "?" in route.url else "?"
    for page in range(1, MAX_PAGES + 1):
        url = f"{route.url}{sep}page_num={page}&per_page={PER_PAGE}"
        data = _get_json(session, spec, url, dest, config)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise FetchError(f"{url}: expected a JSON list of records, found {type(data).__name__}")
        records.extend(data)
        if len(data) < PER_PAGE:
            break
    else:
        raise FetchError(f"{route.url}: still full pages after {MAX_PAGES}; the server ignores page_num")
    if not records:
        raise FetchError(f"{route.url}: no records; the dataset is empty or the address is wrong")
    columns = list(records[0])
    missing = [c for c in spec.header if c not in columns]
    if missing:
        raise FetchError(
            f"{route.url}: column(s) {missing} missing from the records (found {columns}); the publisher may have "
            "renamed them: update the columns in pkdata/data/sources.toml and the reader"
        )
    tmp = _temp_beside(dest, ".part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            for r in records:
                w.writerow([_cell(c, r.get(c)) for c in columns])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, {"content_type": "text/csv", "pages": page, "records": len(records)}


def _cell(column: str, value: Any) -> Any:
    """A JSON value as the hub's CSV writes it: epoch milliseconds in a date column as ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if "date" in column.lower() and isinstance(value, (int, float)) and not isinstance(value, bool):
        return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=value)).strftime("%Y-%m-%d")
    return value


_HREF = re.compile(r"""href\s*=\s*["']([^"'#]+)["']""", re.IGNORECASE)


def _report_link(session, spec: RemoteFile, route: Route, dest: Path, config: FetchConfig) -> str:
    """The month's report address from a publisher page listing reports (the first matching ``.pdf`` link)."""
    from pkdata.builder.fetch.download import _stream

    page_spec = dataclasses.replace(spec, url=route.url)
    tmp, _ = _stream(session, page_spec, dest.with_name(dest.name + ".index"), None, config)
    try:
        html = tmp.read_text(encoding="utf-8", errors="replace")
    finally:
        tmp.unlink(missing_ok=True)
    for href in _HREF.findall(html):
        if re.search(route.match, href.strip()):
            return urljoin(route.url, href.strip())
    raise FetchError(f"{route.url}: no report link for this month on the page (links matching {route.match!r})")

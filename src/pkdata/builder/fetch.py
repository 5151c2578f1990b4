"""Download the publishers' files into ``data/raw``, with a cache that never loses data.

What there is to fetch comes from one registry, ``pkdata/data/sources.toml`` (:mod:`pkdata.core.sources`):
one table per upstream source with its publisher, download URL, the ``data/raw`` folder the build
reads and, per file, the sha256 of the reference copy (where the file is fixed) and a content check.
``pkdata fetch`` fetches the personnel sources (groups ``un_pdf``, ``un_csv``, ``ipi``) as before;
``--all`` fetches every source, ``--only ID[,ID]`` selects sources (ids or groups).

Every file goes through one path (:func:`fetch`):

1. one retry layer (:func:`_stream`; the session itself does not retry): connection errors,
   timeouts, cut bodies and HTTP 429/500/502/503/504 are tried again with exponential back-off
   (``Retry-After`` respected), all within a total deadline per file (``--deadline``, 600 s); connect
   and read timeouts; a conditional request (``If-None-Match`` / ``If-Modified-Since``) when the copy
   on disk is the one the manifest knows;
2. the body is streamed to a temporary file *in the target folder* (on a terminal, with ``tqdm``
   installed, a progress bar for every download that runs over a second), hashed (sha256) on the way;
3. the body is checked: its sha256 where the registry knows it; a PDF starts with ``%PDF-``, ends
   with ``%%EOF`` and its first page opens; a CSV has the expected header columns; a JSON file
   parses and has the expected keys; an HTML page (error or login page) is rejected; a body shorter
   than its ``Content-Length`` is rejected;
4. only then is it moved into place with ``os.replace`` (atomic) and recorded in
   ``data/raw/fetch_manifest.json`` (source id, URL, sha256, size, retrieved_at, ETag, Last-Modified).

A failed or rejected download leaves every file, and the manifest, byte-identical. When the
publisher's file *changed*, the new version takes the file's name and the old one is kept under
``data/raw/.previous/`` until a build that used the new version succeeded (:func:`prune_previous`,
run by ``pkdata update`` and by the next ``pkdata fetch``); ``pkdata fetch --restore`` puts the
kept versions back (:func:`restore_previous`).

``offline=True`` uses only what is on disk (reports present / missing / changed-on-disk files);
``mirror=DIR`` (``--from DIR``) takes the files from a local copy (the shared reference folder's
layout, or ``data/raw``'s) through the same checks; an error then names the local file. Sources
whose registry ``url`` is ``not recorded`` (tables compiled from documents) can only come that way.

The UN monthly PDF reports, whose file names on the UN site follow no fixed pattern, come by a URL
template (``PKDATA_UN_PDF_URL``, default: the registry's, the public mirror the reference copies
were taken from).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pkdata.core import paths, sources
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file

if TYPE_CHECKING:  # requests is imported only when a download starts
    import requests

MANIFEST = "fetch_manifest.json"
PREVIOUS = ".previous"

_PDF_SOURCE = "un_dpo_monthly_pdfs"
#: URL template of the monthly UN PDF reports ({year}, {month:02d}); ``PKDATA_UN_PDF_URL`` overrides.
UN_PDF_URL_TEMPLATE: str = sources.source(_PDF_SOURCE)["url"]
UN_PDF_PUBLISHER: str = sources.publisher(_PDF_SOURCE)

#: The groups ``pkdata fetch`` fetches without ``--all`` / ``--only`` (the personnel sources).
GROUPS = ("un_pdf", "un_csv", "ipi")

#: Seconds a download runs before its progress bar shows (every download gets one, on a terminal).
PROGRESS_DELAY = 1.0

_sleep: Callable[[float], None] = time.sleep  # patched in tests
_clock: Callable[[], float] = time.monotonic
#: HTTP statuses worth another attempt (the server is busy or failing for a moment).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(PkdataError):
    """A download failed or was rejected; nothing on disk changed."""


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: where it goes in ``data/raw``, where it comes from, what it must look like.

    ``url`` is empty when the registry records no download address (then only ``--from DIR`` fills it).
    """

    dest: str
    url: str
    kind: str  # content check: "pdf", "csv", "json" or "xlsx"
    group: str
    publisher: str
    header: tuple[str, ...] = ()
    #: Relative paths under which a local mirror (``--from DIR``) may hold the file, tried in order.
    mirror_names: tuple[str, ...] = ()
    source: str = ""
    #: sha256 the file must have (the registry's, for fixed files); None: content checks only.
    sha256: str | None = None
    #: JSON: top-level keys required; keys every top-level value (an object) must have.
    keys: tuple[str, ...] = ()
    value_keys: tuple[str, ...] = ()
    #: Not in the reference copy: missing from a ``--from`` folder is not an error.
    optional: bool = False
    #: A different copy already in data/raw is kept (curated tables are edited in the repository).
    keep_existing: bool = False


@dataclass
class FetchConfig:
    """Network settings: retries, back-off factor (seconds), (connect, read) timeouts, progress bar."""

    retries: int = 4
    backoff: float = 1.0
    timeout: tuple[float, float] = (10.0, 60.0)
    #: Seconds one file may take in all (every attempt, back-off and the whole body); then it fails.
    deadline: float = 600.0
    progress: bool | None = None  # None: a bar when tqdm is installed, stderr is a terminal and the file is large
    user_agent: str = "pkdata (https://github.com/; UN peacekeeping data)"


@dataclass
class FetchResult:
    """What happened to one file: ``new``, ``updated``, ``unchanged``, ``present``, ``kept``, ``missing`` or
    ``failed``."""

    dest: str
    status: str
    message: str = ""
    sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- registry


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str, what: str = "--months") -> tuple[int, int]:
    """``"YYYY-MM"`` as (year, month), or a :class:`FetchError` saying what is expected.

    >>> parse_month("2018-09")
    (2018, 9)
    >>> parse_month("2018-13")
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.FetchError: --months: '2018-13' is not a month; expected YYYY-MM with MM from 01 to 12, ...
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
    raw: str | Path | None = None,
    *,
    months: tuple[str, str] | None = None,
    groups: Iterable[str] = GROUPS,
    pdf_url_template: str | None = None,
    mirror: str | Path | None = None,
) -> list[RemoteFile]:
    """The files ``pkdata fetch`` knows, from ``pkdata/data/sources.toml``, for sources or groups ``groups``.

    ``months`` (``("2015-01", "2025-07")``) limits the monthly PDFs (default: Jan 2015 to last month, or,
    with ``mirror``, the months the mirror holds). ``raw`` is accepted for compatibility (unused).

    >>> files = registry(months=("2025-06", "2025-07"), groups=["un_pdf"])
    >>> [f.dest for f in files]
    ['un_monthly_pdfs/UN_country_contributions_2025_06.pdf', 'un_monthly_pdfs/UN_country_contributions_2025_07.pdf']
    >>> fat = registry(groups=["un_psdata_fatalities"])[0]
    >>> fat.dest, fat.kind, fat.sha256
    ('fatalities/DPPADPOSS-FATALITIES.csv', 'csv', None)
    >>> fat.url
    'https://api.psdata.un.org/public/data/DPPADPOSS-FATALITIES/CSV'
    """
    del raw
    out: list[RemoteFile] = []
    for sid in select_sources(groups):
        src = sources.source(sid)
        raw_sub, ref_sub = src["raw_sub"], src["reference_sub"]
        for entry in src["files"]:
            kind = entry.get("check", src.get("check", ""))
            header = tuple(entry.get("columns", src.get("columns", ())))
            common = dict(
                kind=kind,
                group=src.get("group", sid),
                publisher=src["publisher"],
                header=header,
                source=sid,
                keys=tuple(entry.get("keys", ())),
                value_keys=tuple(entry.get("value_keys", ())),
                optional=bool(entry.get("optional", False)),
                keep_existing=bool(src.get("keep_existing", False)),
            )
            if "pattern" in entry:
                env = src.get("url_env")
                template = pdf_url_template or (env and os.environ.get(env)) or src["url"]
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
                for y, m in wanted:
                    name = entry["pattern"].format(year=y, month=m)
                    out.append(
                        RemoteFile(
                            dest=f"{raw_sub}/{name}",
                            url=template.format(year=y, month=m),
                            mirror_names=_mirror_names(raw_sub, ref_sub, name),
                            **common,
                        )
                    )
                continue
            name = entry["name"]
            url = entry.get("url", src["url"])
            if url == sources.NOT_RECORDED:
                url = ""
            elif "{name}" in url:
                url = url.format(name=quote(name))
            out.append(
                RemoteFile(
                    dest=f"{raw_sub}/{name}",
                    url=url,
                    sha256=entry.get("sha256"),
                    mirror_names=_mirror_names(raw_sub, ref_sub, name),
                    **common,
                )
            )
    return out


# --------------------------------------------------------------------------- manifest


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def load_manifest(raw: str | Path | None = None) -> dict[str, Any]:
    """``data/raw/fetch_manifest.json`` (``{"format_version": 1, "files": {dest: entry}}``).

    >>> load_manifest("/nonexistent")["files"]
    {}
    """
    path = Path(raw or paths.raw_dir()) / MANIFEST
    if not path.exists():
        return {"format_version": 1, "files": {}}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise PkdataError(
            f"{path} is not valid JSON ({exc}); restore it from a backup or delete it "
            "(the files it lists stay and are re-hashed on the next fetch)"
        ) from exc
    data.setdefault("files", {})
    return data


def _save_manifest(raw: Path, manifest: dict[str, Any]) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}.", dir=raw)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(manifest, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, raw / MANIFEST)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- content checks

_WHAT = {"pdf": "a PDF", "csv": "a CSV file", "json": "a JSON file", "xlsx": "an Excel workbook"}


def check_content(path: Path, spec: RemoteFile, content_type: str = "", where: str | None = None) -> None:
    """Raise :class:`FetchError` unless the file at ``path`` is what ``spec`` expects.

    ``where`` names the file in messages (default ``spec.url``; a local path for ``--from``).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.pdf"
    >>> _ = p.write_bytes(b"<!DOCTYPE html><html>Not found</html>")
    >>> check_content(p, RemoteFile("a/x.pdf", "http://h/x.pdf", "pdf", "un_pdf", "UN"))
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.FetchError: http://h/x.pdf: got an HTML page, not a PDF ...
    >>> _ = p.write_text('{"meta": {}}')
    >>> check_content(p, RemoteFile("a/x.json", "", "json", "g", "UN", keys=("meta", "nodes")), where=str(p))
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.FetchError: /.../x.pdf: JSON lacks the key(s) ['nodes'] ...
    """
    where = where or spec.url or spec.dest
    size = path.stat().st_size
    what = _WHAT.get(spec.kind, "a file")
    if size == 0:
        raise FetchError(f"{where}: empty file, expected {what}")
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if "text/html" in content_type.lower() or start.startswith((b"<!doctype", b"<html", b"<head", b"<?xml", b"<body")):
        raise FetchError(
            f"{where}: got an HTML page, not {what} (an error or login page?). The URL may have "
            "moved: check it in a browser, or use `pkdata fetch --from DIR` with a local copy"
        )
    if spec.kind == "pdf":
        _check_pdf(path, head, tail, where)
    elif spec.kind == "csv":
        first = head.split(b"\n", 1)[0]
        try:
            line = first.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FetchError(f"{where}: first line is not UTF-8 text ({exc}); expected a CSV header") from exc
        cols = {c.strip().strip('"').strip().casefold().replace(" ", "_").replace(".", "_") for c in line.split(",")}
        missing = [h for h in spec.header if h.casefold() not in cols]
        if missing:
            raise FetchError(
                f"{where}: CSV header lacks {missing} (header: {line[:200]!r}); the publisher may "
                "have changed the format: pkdata's reader needs updating"
            )
    elif spec.kind == "json":
        _check_json(path, spec, where)
    elif spec.kind == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FetchError(f"{where}: not an Excel workbook (an .xlsx is a zip file; starts with {head[:16]!r})")
    else:
        raise FetchError(f"{spec.dest}: unknown kind {spec.kind!r}")
    if spec.sha256:
        got = sha256_file(path)
        if got != spec.sha256:
            raise FetchError(
                f"{where}: sha256 {got} differs from the registry's {spec.sha256} for {spec.dest} "
                f"(source {spec.source or spec.group}): a damaged or different copy; nothing on disk "
                "changed. Take the file again from its source (pkdata/data/sources.toml)"
            )


def _check_pdf(path: Path, head: bytes, tail: bytes, where: str) -> None:
    if not head.startswith(b"%PDF-"):
        raise FetchError(f"{where}: not a PDF (starts with {head[:16]!r}); check the URL")
    if b"%%EOF" not in tail:
        raise FetchError(f"{where}: truncated PDF (no %%EOF at the end); run `pkdata fetch` again")
    import pymupdf

    try:
        with pymupdf.open(path) as doc:
            if doc.page_count < 1:
                raise FetchError(f"{where}: PDF has no pages")
            doc[0].get_text()
    except FetchError:
        raise
    except Exception as exc:  # pymupdf raises its own types for broken files
        raise FetchError(
            f"{where}: PDF does not open ({type(exc).__name__}: {exc}); a damaged copy? Run `pkdata fetch` again"
        ) from exc


def _check_json(path: Path, spec: RemoteFile, where: str) -> None:
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FetchError(f"{where}: not valid JSON ({exc}); a damaged copy or an error page?") from exc
    if (spec.keys or spec.value_keys) and not isinstance(data, dict):
        raise FetchError(f"{where}: expected a JSON object at the top level, got {type(data).__name__}")
    missing = [k for k in spec.keys if k not in data]
    if missing:
        raise FetchError(
            f"{where}: JSON lacks the key(s) {missing} (has {sorted(data)[:10]}); the publisher may "
            "have changed the format: pkdata's reader needs updating"
        )
    if spec.value_keys:
        if not data:
            raise FetchError(f"{where}: empty JSON object, expected entries with {list(spec.value_keys)}")
        for key, value in data.items():
            if not isinstance(value, dict) or any(k not in value for k in spec.value_keys):
                raise FetchError(
                    f"{where}: entry {key!r} lacks {list(spec.value_keys)}; the publisher may have "
                    "changed the format: pkdata's reader needs updating"
                )


# --------------------------------------------------------------------------- downloading


def make_session(config: FetchConfig | None = None) -> requests.Session:
    """A ``requests.Session`` that does not retry by itself: :func:`_stream` is the one retry layer (connection
    errors, timeouts, cut bodies and HTTP 429/5xx, with exponential back-off, within the file's deadline).

    >>> s = make_session(FetchConfig(retries=2, backoff=0))
    >>> s.get_adapter("https://example.org").max_retries.total
    0
    """
    import requests
    from requests.adapters import HTTPAdapter

    config = config or FetchConfig()
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = config.user_agent
    return session


def _progress(total: int | None, name: str, config: FetchConfig):
    """A progress bar for one download (size known or not), shown once it has run one second."""
    want = config.progress
    if want is None:
        want = sys.stderr.isatty()
    if not want:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # optional dependency
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False, delay=PROGRESS_DELAY, mininterval=0.5)


def _stream(
    session, spec: RemoteFile, dest: Path, entry: dict[str, Any] | None, config: FetchConfig
) -> tuple[Path | None, dict[str, Any]]:
    """Download into a temporary file beside ``dest``; (None, info) when the server says 304."""
    import requests

    headers = {}
    if entry and dest.exists() and entry.get("sha256") and sha256_file(dest) == entry["sha256"]:
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
    last_error: Exception | None = None
    start = _clock()
    wait = 0.0

    def left() -> float:
        return config.deadline - (_clock() - start)

    def too_slow() -> FetchError:
        return FetchError(
            f"{spec.url}: gave up after {config.deadline:g} s (the time allowed per file; --deadline), "
            f"{attempt + 1} attempt(s){f'; last: {type(last_error).__name__}: {last_error}' if last_error else ''}. "
            "Nothing on disk changed. Check the network and run `pkdata fetch` again, or use `--from DIR`"
        )

    attempt = 0
    for attempt in range(config.retries + 1):
        if attempt:
            pause = max(wait, config.backoff * 2 ** (attempt - 1))
            if pause >= left():
                raise too_slow()
            _sleep(pause)
        if left() <= 0:
            raise too_slow()
        wait = 0.0
        tmp: Path | None = None
        timeout = (min(config.timeout[0], left()), min(config.timeout[1], left()))
        try:
            with session.get(spec.url, headers=headers, stream=True, timeout=timeout) as resp:
                if resp.status_code == 304:
                    return None, {}
                if resp.status_code in RETRY_STATUSES and attempt < config.retries:
                    after = resp.headers.get("Retry-After", "")
                    wait = float(after) if after.strip().isdigit() else 0.0
                    last_error = FetchError(f"HTTP {resp.status_code} {resp.reason}")
                    continue
                if resp.status_code != 200:
                    hint = (
                        "the file is not there (not published yet, or moved)"
                        if resp.status_code in (404, 410)
                        else "the server refused or failed"
                    )
                    raise FetchError(
                        f"{spec.url}: HTTP {resp.status_code} {resp.reason}: {hint}. Nothing on disk "
                        "changed. Check the URL (PKDATA_UN_PDF_URL for the PDFs), try again later, or "
                        "use `pkdata fetch --from DIR` with a local copy"
                    )
                info = {
                    "etag": resp.headers.get("ETag"),
                    "last_modified": resp.headers.get("Last-Modified"),
                    "content_type": resp.headers.get("Content-Type", ""),
                }
                expected = resp.headers.get("Content-Length")
                expected_n = (
                    int(expected)
                    if expected and expected.isdigit() and not resp.headers.get("Content-Encoding")
                    else None
                )
                dest.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
                tmp = Path(name)
                h = hashlib.sha256()
                n = 0
                bar = _progress(expected_n, dest.name, config)
                try:
                    with os.fdopen(fd, "wb") as fh:
                        for chunk in resp.iter_content(chunk_size=1 << 16):
                            fh.write(chunk)
                            h.update(chunk)
                            n += len(chunk)
                            if bar is not None:
                                bar.update(len(chunk))
                            if left() <= 0:
                                raise too_slow()
                finally:
                    if bar is not None:
                        bar.close()
                if expected_n is not None and n != expected_n:
                    raise requests.exceptions.ChunkedEncodingError(
                        f"body ended after {n} of {expected_n} bytes (truncated)"
                    )
                info.update(sha256=h.hexdigest(), bytes=n)
                return tmp, info
        except FetchError:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise
        except requests.exceptions.RequestException as exc:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            last_error = exc
            if isinstance(
                exc,
                (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema),
            ):
                break
        except BaseException:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise
    kind = type(last_error).__name__
    timed_out = " (timed out)" if "Timeout" in kind or "timed out" in str(last_error) else ""
    raise FetchError(
        f"{spec.url}: download failed after {attempt + 1} attempt(s){timed_out}: {kind}: "
        f"{last_error}. Nothing on disk changed. Check the network and run `pkdata fetch` again, "
        "or use `pkdata fetch --offline` / `--from DIR`"
    )


def _install(
    tmp: Path,
    spec: RemoteFile,
    raw: Path,
    manifest: dict[str, Any],
    info: dict[str, Any],
    url: str,
    where: str | None = None,
) -> FetchResult:
    """Checked temporary file -> its place (old version kept if it differs). Removes ``tmp`` on failure.

    ``url`` goes into the manifest; ``where`` names the file in error messages (default: ``url``).
    """
    dest = raw / spec.dest
    try:
        check_content(tmp, spec, info.get("content_type", ""), where=where or url)
        sha = info.get("sha256") or sha256_file(tmp)
        size = tmp.stat().st_size
        entry = dict(manifest["files"].get(spec.dest, {}))
        status = "new"
        if dest.exists():
            old_sha = sha256_file(dest)
            if old_sha == sha:
                tmp.unlink()
                status = "unchanged"
            elif spec.keep_existing:
                tmp.unlink()
                return FetchResult(
                    spec.dest,
                    "kept",
                    f"differs from {where or url}; the copy in {raw} is kept "
                    "(this source's tables are edited in the repository: compare them by hand)",
                    old_sha,
                )
            else:
                keep = raw / PREVIOUS / f"{spec.dest}.{old_sha[:12]}"
                keep.parent.mkdir(parents=True, exist_ok=True)
                if not keep.exists():
                    shutil.copy2(dest, keep)
                prev = [p for p in entry.get("previous", []) if p.get("sha256") != old_sha]
                prev.append(
                    {
                        "sha256": old_sha,
                        "bytes": dest.stat().st_size,
                        "path": str(keep.relative_to(raw)),
                        "retrieved_at": entry.get("retrieved_at"),
                        "url": entry.get("url"),
                    }
                )
                entry["previous"] = prev
                status = "updated"
        if status != "unchanged":
            os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    entry.update(
        {
            "url": url,
            "sha256": sha,
            "bytes": size,
            "kind": spec.kind,
            "group": spec.group,
            "source": spec.source or spec.group,
            "publisher": spec.publisher,
            "retrieved_at": _now(),
            "etag": info.get("etag"),
            "last_modified": info.get("last_modified"),
        }
    )
    manifest["files"][spec.dest] = entry
    msg = {
        "new": "copied from a local folder" if url.startswith("file:") else "downloaded",
        "unchanged": "same bytes as before",
        "updated": f"changed upstream; previous version kept in {PREVIOUS}/ until a build succeeds",
    }[status]
    return FetchResult(spec.dest, status, msg, sha)


def _from_mirror(spec: RemoteFile, mirror: Path, raw: Path, manifest: dict[str, Any]) -> FetchResult:
    for name in spec.mirror_names or (spec.dest,):
        src = mirror / name
        if src.is_file():
            break
    else:
        looked = list(spec.mirror_names or (spec.dest,))
        if spec.optional:
            return FetchResult(
                spec.dest,
                "missing",
                f"not in {mirror} (optional: the reference copy has no such file; looked for {looked})",
            )
        raise FetchError(f"{spec.dest}: not in {mirror} (looked for {looked})")
    dest = raw / spec.dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        shutil.copyfile(src, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _install(tmp, spec, raw, manifest, {}, src.resolve().as_uri(), where=str(src))


def _offline(spec: RemoteFile, raw: Path, manifest: dict[str, Any]) -> FetchResult:
    dest = raw / spec.dest
    if not dest.exists():
        return FetchResult(spec.dest, "missing", "not on disk (offline: not downloaded)")
    sha = sha256_file(dest)
    known = manifest["files"].get(spec.dest, {}).get("sha256")
    if known and known != sha:
        return FetchResult(
            spec.dest, "present", "on disk, but differs from the manifest's sha256 (edited by hand?)", sha
        )
    return FetchResult(spec.dest, "present", "on disk", sha)


def fetch(
    files: Iterable[RemoteFile],
    raw: str | Path | None = None,
    *,
    offline: bool = False,
    mirror: str | Path | None = None,
    config: FetchConfig | None = None,
    session=None,
    processed: str | Path | None = None,
) -> list[FetchResult]:
    """Fetch each file (see the module docstring); one :class:`FetchResult` per file, failures included.

    The manifest is rewritten (atomically) only when an entry changed (never for a failed file). Before fetching,
    old versions whose replacement a successful build already used are removed (:func:`prune_previous`).

    >>> fetch([], "/tmp/pkdata-doctest-raw", offline=True)
    []
    """
    raw = Path(raw) if raw else paths.raw_dir()
    config = config or FetchConfig()
    files = list(files)
    if not offline:
        prune_previous(raw, processed)
    manifest = load_manifest(raw)
    before = json.dumps(manifest, sort_keys=True)
    results: list[FetchResult] = []
    if not offline and mirror is None and session is None and any(spec.url for spec in files):
        session = make_session(config)
    for spec in files:
        try:
            if offline:
                results.append(_offline(spec, raw, manifest))
            elif mirror is not None:
                results.append(_from_mirror(spec, Path(mirror), raw, manifest))
            elif not spec.url:
                result = _offline(spec, raw, manifest)
                result.message = (
                    f"{result.message}; no download address recorded for source {spec.source!r} "
                    "(pkdata/data/sources.toml): use `pkdata fetch --from DIR` with a local copy"
                )
                results.append(result)
            else:
                entry = manifest["files"].get(spec.dest)
                tmp, info = _stream(session, spec, raw / spec.dest, entry, config)
                if tmp is None:
                    results.append(
                        FetchResult(spec.dest, "unchanged", "not modified (HTTP 304)", entry and entry.get("sha256"))
                    )
                    continue
                results.append(_install(tmp, spec, raw, manifest, info, spec.url))
        except FetchError as exc:
            results.append(FetchResult(spec.dest, "failed", str(exc)))
        except OSError as exc:
            results.append(FetchResult(spec.dest, "failed", f"{spec.dest}: {exc}. Nothing on disk changed."))
    if json.dumps(manifest, sort_keys=True) != before:
        _save_manifest(raw, manifest)
    return results


# --------------------------------------------------------------------------- previous versions


def prune_previous(raw: str | Path | None = None, processed: str | Path | None = None) -> list[str]:
    """Delete kept old versions whose replacement a successful build used; return their paths.

    A replacement counts as used when ``<processed>/manifest.json`` lists a source of that file
    name with the new sha256.

    >>> prune_previous("/nonexistent", "/nonexistent")
    []
    """
    raw = Path(raw) if raw else paths.raw_dir()
    processed = Path(processed) if processed else paths.processed_dir()
    mpath = raw / MANIFEST
    built = processed / "manifest.json"
    if not mpath.exists() or not built.exists():
        return []
    manifest = load_manifest(raw)
    try:
        used = {(s.get("name"), s.get("sha256")) for s in json.loads(built.read_text()).get("sources", [])}
    except json.JSONDecodeError:
        return []
    removed = []
    for dest, entry in manifest["files"].items():
        prev = entry.get("previous")
        if not prev:
            continue
        name = Path(dest).name
        if any(n in (name, dest) or (n and dest.endswith("/" + n)) for n, s in used if s == entry["sha256"]):
            for p in prev:
                (raw / p["path"]).unlink(missing_ok=True)
                removed.append(p["path"])
            entry.pop("previous")
    if removed:
        _save_manifest(raw, manifest)
    return removed


def restore_previous(raw: str | Path | None = None) -> list[str]:
    """Put back the kept old versions (newest kept one per file); the replaced new ones go to ``.previous``.

    >>> restore_previous("/nonexistent")
    []
    """
    raw = Path(raw) if raw else paths.raw_dir()
    manifest = load_manifest(raw)
    restored = []
    for dest, entry in manifest["files"].items():
        prev = entry.get("previous")
        if not prev:
            continue
        old = prev[-1]
        src = raw / old["path"]
        if not src.exists():
            continue
        target = raw / dest
        current_sha = entry["sha256"]
        if target.exists():
            aside = raw / PREVIOUS / f"{dest}.{current_sha[:12]}"
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, aside)
            current = {
                "sha256": current_sha,
                "bytes": entry.get("bytes"),
                "path": str(aside.relative_to(raw)),
                "retrieved_at": entry.get("retrieved_at"),
                "url": entry.get("url"),
            }
        else:
            current = None
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
        shutil.copyfile(src, name)
        os.replace(name, target)
        src.unlink()
        entry.update(
            {
                "sha256": old["sha256"],
                "bytes": old["bytes"],
                "url": old.get("url"),
                "retrieved_at": old.get("retrieved_at"),
                "etag": None,
                "last_modified": None,
            }
        )
        entry["previous"] = [p for p in prev[:-1]] + ([current] if current else [])
        restored.append(dest)
    if restored:
        _save_manifest(raw, manifest)
    return restored


# --------------------------------------------------------------------------- what a build changed


def changes(
    old_table, new_table, old_months: dict[str, Any] | None, new_months: dict[str, Any] | None
) -> dict[str, Any]:
    """What changed between two contributions tables: months added/removed, rows added/removed/changed.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"date": ["2025-06-30"], "contributor_iso3": ["CHN"], "mission": ["UNMISS"],
    ...                   "personnel_type": ["troops"], "total": [1000]})
    >>> b = pd.concat([a.assign(total=[1001]), a.assign(date=["2025-07-31"])])
    >>> c = changes(a, b, {"2025-06": {}}, {"2025-06": {}, "2025-07": {}})
    >>> c["months_added"], c["rows_added"], c["rows_changed"]
    (['2025-07'], 1, 1)
    """
    import pandas as pd

    from pkdata.core import schema

    key = list(schema.KEY)
    cols = ["male", "female", "total", "source"]

    def norm(df):
        if df is None or len(df) == 0:
            return pd.DataFrame(columns=key + cols).set_index(key)
        df = df.copy()
        for c in cols:
            if c not in df.columns:
                df[c] = pd.NA
        df["date"] = pd.to_datetime(df["date"])
        df["mission"] = df["mission"].astype("string").fillna("")
        df["personnel_type"] = df["personnel_type"].astype(str)
        return df[key + cols].set_index(key)

    old, new = norm(old_table), norm(new_table)
    both = old.index.intersection(new.index)
    num = ["male", "female", "total"]
    o = old.loc[both, num].astype("Int64").fillna(-1)
    n = new.loc[both, num].astype("Int64").fillna(-1)
    changed = int((o.to_numpy() != n.to_numpy()).any(axis=1).sum()) if len(both) else 0
    om, nm = set(old_months or {}), set(new_months or {})
    return {
        "months_added": sorted(nm - om),
        "months_removed": sorted(om - nm),
        "rows_added": int(len(new.index.difference(old.index))),
        "rows_removed": int(len(old.index.difference(new.index))),
        "rows_changed": changed,
    }


# --------------------------------------------------------------------------- command line


def add_fetch_args(p) -> None:
    """Options of ``pkdata fetch`` (and ``pkdata update``).

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_fetch_args(p)
    >>> p.parse_args(["--offline", "--only", "un_pdf"]).only
    'un_pdf'
    """
    p.add_argument("--raw", help="raw folder to fill (default data/raw or PKDATA_RAW)")
    p.add_argument("--offline", action="store_true", help="no network: use and report only what is on disk")
    p.add_argument(
        "--from",
        dest="mirror",
        metavar="DIR",
        help="take the files from a local mirror (e.g. ../shared/reference) instead of the network",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="every source of the registry (pkdata/data/sources.toml), not only the personnel ones",
    )
    p.add_argument(
        "--only",
        help="comma-separated source ids or groups to fetch (groups: "
        f"{', '.join(GROUPS)}; default: those groups; `pkdata fetch --only x` lists the ids)",
    )
    p.add_argument(
        "--months",
        help="monthly PDFs to fetch, FIRST[:LAST] as YYYY-MM (default 2015-01 to last month; "
        "with --from, the months DIR holds)",
    )
    p.add_argument("--retries", type=int, default=4, help="retries per file on network errors and 5xx (default 4)")
    p.add_argument("--timeout", type=float, default=60.0, help="read timeout in seconds (default 60)")
    p.add_argument(
        "--deadline", type=float, default=600.0, help="seconds one file may take in all, retries included (default 600)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="list every missing file")


def _specs(args) -> list[RemoteFile]:
    months = parse_months(args.months) if args.months else None
    if args.only:
        groups = [g.strip() for g in args.only.split(",") if g.strip()]
    else:
        groups = ["all"] if getattr(args, "all", False) else list(GROUPS)
    return registry(args.raw, months=months, groups=groups, mirror=args.mirror)


def _run_fetch(args) -> list[FetchResult]:
    config = FetchConfig(
        retries=args.retries,
        timeout=(10.0, args.timeout),
        deadline=args.deadline,
        progress=False if args.no_progress else None,
    )
    results = fetch(
        _specs(args),
        args.raw,
        offline=args.offline,
        mirror=args.mirror,
        config=config,
        processed=getattr(args, "out", None),
    )
    counts: dict[str, int] = {}
    verbose = getattr(args, "verbose", False)
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        # Missing files are listed with -v only: offline, every file not yet on disk is one.
        if r.status in ("new", "updated", "failed", "kept") or (r.status == "missing" and verbose):
            print(f"{r.status:>9}: {r.dest}: {r.message}")
    print("fetch: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to fetch"))
    if counts.get("missing"):
        print(
            f"fetch: {counts['missing']} file(s) not in {args.raw or paths.raw_dir()}"
            + (" (offline)" if args.offline else "")
            + f"; `pkdata build` reads those from the reference copies ({paths.reference_dir()}) where it has "
            "them" + ("" if verbose else "; -v lists them")
        )
    return results


def cli_fetch(args) -> int:
    """``pkdata fetch``: exit 0 when every file is in place, 1 when any failed (nothing good was lost)."""
    if getattr(args, "restore", False):
        restored = restore_previous(args.raw)
        print(f"restored {len(restored)} file(s): {', '.join(restored) or 'nothing was kept'}")
        return 0
    results = _run_fetch(args)
    return 1 if any(r.status == "failed" for r in results) else 0


def add_update_args(p) -> None:
    """Options of ``pkdata update``: those of fetch plus the build's ``--out`` and ``--workers``.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_update_args(p)
    >>> p.parse_args(["--workers", "1"]).workers
    1
    """
    add_fetch_args(p)
    p.add_argument("--out", help="processed folder (default data/processed or PKDATA_DATA)")
    p.add_argument("--workers", type=int, default=2, help="parallel PDF parsers (default 2)")


def cli_update(args) -> int:
    """``pkdata update``: fetch, then build, then print what changed in the contributions table."""
    import pandas as pd

    from pkdata.builder.pipeline import build

    out = Path(args.out) if args.out else paths.processed_dir()
    old_table = pd.read_parquet(out / "contributions.parquet") if (out / "contributions.parquet").exists() else None
    old_manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else {}
    results = _run_fetch(args)
    failed = [r for r in results if r.status == "failed"]
    try:
        manifest = build(
            raw=args.raw,
            out=out,
            workers=args.workers,
            inputs="only" if getattr(args, "raw_only", False) else "add",
            allow_shrink=bool(getattr(args, "allow_shrink", False)),
        )
    except PkdataError as exc:
        kept = any(load_manifest(args.raw)["files"].get(r.dest, {}).get("previous") for r in results)
        print(f"update: build failed, {out} is unchanged: {exc}", file=sys.stderr)
        if kept:
            print(
                "update: the previous versions of changed files are kept in data/raw/.previous; "
                "`pkdata fetch --restore` puts them back",
                file=sys.stderr,
            )
        return 1
    prune_previous(args.raw, out)
    new_table = pd.read_parquet(out / "contributions.parquet") if (out / "contributions.parquet").exists() else None
    c = changes(
        old_table,
        new_table,
        old_manifest.get("contributions", {}).get("months"),
        manifest.get("contributions", {}).get("months"),
    )
    print(
        f"update: months added: {', '.join(c['months_added']) or 'none'}; "
        f"months removed: {', '.join(c['months_removed']) or 'none'}"
    )
    print(f"update: rows added {c['rows_added']:,}, removed {c['rows_removed']:,}, changed {c['rows_changed']:,}")
    from pkdata.builder.expected import differences

    for line in differences(manifest):
        print(f"update: {line}")
    if failed:
        print(f"update: {len(failed)} file(s) could not be fetched; the build used the copies on disk", file=sys.stderr)
        return 1
    return 0

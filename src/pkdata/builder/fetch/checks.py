"""Content checks: a fetched body is the kind of file its source publishes (and the registry's bytes, if known)."""

from __future__ import annotations

import json
from pathlib import Path

from pkdata.builder.fetch.remote import FetchError, RemoteFile
from pkdata.core.hashes import sha256_file

_WHAT = {"pdf": "a PDF", "csv": "a CSV file", "json": "a JSON file", "xlsx": "an Excel workbook"}
_HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<?xml", b"<body")


def check_content(path: Path, spec: RemoteFile, content_type: str = "", where: str | None = None) -> None:
    """Raise :class:`FetchError` unless the file at ``path`` is what ``spec`` expects.

    ``where`` names the file in messages (default ``spec.url``; a local path for ``--from``).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.pdf"
    >>> _ = p.write_bytes(b"<!DOCTYPE html><html>Not found</html>")
    >>> check_content(p, RemoteFile("a/x.pdf", "http://h/x.pdf", "pdf", "un_pdf", "UN"))
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.remote.FetchError: http://h/x.pdf: got an HTML page, not a PDF ...
    >>> _ = p.write_text('{"meta": {}}')
    >>> check_content(p, RemoteFile("a/x.json", "", "json", "g", "UN", keys=("meta", "nodes")), where=str(p))
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.remote.FetchError: /.../x.pdf: JSON lacks the key(s) ['nodes'] ...
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
    if "text/html" in content_type.lower() or start.startswith(_HTML_STARTS):
        raise FetchError(
            f"{where}: got an HTML page, not {what} (an error or login page?). The URL may have "
            "moved: check it in a browser, or use `pkdata fetch --from DIR` with a local copy"
        )
    if spec.kind == "pdf":
        _check_pdf(path, head, tail, where)
        if spec.month:
            check_month(path, spec, where)
    elif spec.kind == "csv":
        _check_csv(head, spec, where)
    elif spec.kind == "json":
        _check_json(path, spec, where)
    elif spec.kind == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FetchError(f"{where}: not an Excel workbook (an .xlsx is a zip file; starts with {head[:16]!r})")
    else:
        raise FetchError(f"{spec.dest}: unknown kind {spec.kind!r}")
    if spec.sha256:
        _check_sha256(path, spec, where)


def _check_csv(head: bytes, spec: RemoteFile, where: str) -> None:
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


def _check_sha256(path: Path, spec: RemoteFile, where: str) -> None:
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


def check_month(path: Path, spec: RemoteFile, where: str | None = None) -> None:
    """Raise :class:`FetchError` when a monthly report prints another month than the one asked for.

    A report printing no date, and not dated by the curated table, passes: the build names it. A file name the
    registry of known facts (``pkdata/data/expected.toml``, ``[un_pdf] duplicates``) lists as a reprint of another
    month passes when it prints that month.

    >>> pdf = FIXTURES / "UN_country_contributions_2019_09.pdf"
    >>> check_month(pdf, RemoteFile("un_monthly_pdfs/UN_country_contributions_2019_08.pdf", "http://h/x", "pdf",
    ...     "un_pdf", "UN", month="2019-08"))
    Traceback (most recent call last):
    ...
    pkdata.builder.fetch.remote.FetchError: http://h/x: the report prints 2019-09, not 2019-08: ...
    """
    from pkdata.builder import expected
    from pkdata.builder.readers.un_pdf import printed_month
    from pkdata.core.errors import ParseError

    where = where or spec.url or spec.dest
    try:
        got = printed_month(path)
    except ParseError as exc:
        raise FetchError(f"{where}: {exc}; run `pkdata fetch` again") from exc
    if got is None or got == spec.month:
        return
    name = Path(spec.dest).name
    reprint_of = expected.load().get("un_pdf", {}).get("duplicates", {}).get(name)
    if reprint_of and got == month_of_name(reprint_of):
        return
    raise FetchError(
        f"{where}: the report prints {got}, not {spec.month}: another month's report under the name {name} "
        "(the address serves the wrong file); nothing on disk changed. Check the address "
        "(PKDATA_UN_PDF_URL), or put the right report in a folder and use `pkdata fetch --from DIR`"
    )


def month_of_name(name: str) -> str | None:
    """The month a monthly report's file name stands for (``..._2015_04.pdf`` -> ``2015-04``).

    >>> month_of_name("UN_country_contributions_2015_04.pdf")
    '2015-04'
    """
    import re

    m = re.search(r"(\d{4})_(\d{2})\.pdf$", name)
    return f"{m[1]}-{m[2]}" if m else None

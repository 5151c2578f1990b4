"""The HTTP download: one retry layer with back-off, a deadline per file, a progress bar, a checked length."""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pkdata.builder.fetch.remote import FetchConfig, FetchError, RemoteFile
from pkdata.core import atomic
from pkdata.core.hashes import sha256_file

if TYPE_CHECKING:  # requests is imported only when a download starts
    import requests

#: Seconds a download runs before its progress bar shows (every download gets one, on a terminal).
PROGRESS_DELAY = 1.0

_sleep: Callable[[float], None] = time.sleep  # patched in tests
_clock: Callable[[], float] = time.monotonic
#: HTTP statuses worth another attempt (the server is busy or failing for a moment).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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


class _Attempts:
    """The attempts at one file: how many so far, the last error, and the time left before its deadline."""

    def __init__(self, spec: RemoteFile, config: FetchConfig) -> None:
        self.spec, self.config = spec, config
        self.start = _clock()
        self.attempt = 0
        self.last_error: Exception | None = None

    def left(self) -> float:
        return self.config.deadline - (_clock() - self.start)

    def too_slow(self) -> FetchError:
        last = self.last_error
        return FetchError(
            f"{self.spec.url}: gave up after {self.config.deadline:g} s (the time allowed per file; --deadline), "
            f"{self.attempt + 1} attempt(s){f'; last: {type(last).__name__}: {last}' if last else ''}. "
            "Nothing on disk changed. Check the network and run `pkdata fetch` again, or use `--from DIR`"
        )

    def unreachable(self) -> FetchError:
        from urllib.parse import urlsplit

        host = urlsplit(self.spec.url).netloc
        return FetchError(
            f"no network: cannot connect to {host} ({_why_no_connection(self.last_error)}); the other files from "
            f"{host} were not tried, nothing on disk changed. Connect and run `pkdata fetch` again, or fetch from "
            "a folder that holds the files: `pkdata fetch --from DIR` (e.g. the shared reference copies)",
            unreachable=host,
        )

    def failed(self) -> FetchError:
        kind = type(self.last_error).__name__
        timed_out = " (timed out)" if "Timeout" in kind or "timed out" in str(self.last_error) else ""
        return FetchError(
            f"{self.spec.url}: download failed after {self.attempt + 1} attempt(s){timed_out}: {kind}: "
            f"{self.last_error}. Nothing on disk changed. Check the network and run `pkdata fetch` again, "
            "or use `pkdata fetch --offline` / `--from DIR`"
        )


def _conditional_headers(dest: Path, entry: dict[str, Any] | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` when the copy on disk is the one the manifest knows."""
    headers = {}
    if entry and dest.exists() and entry.get("sha256") and sha256_file(dest) == entry["sha256"]:
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
    return headers


def _stream(
    session, spec: RemoteFile, dest: Path, entry: dict[str, Any] | None, config: FetchConfig
) -> tuple[Path | None, dict[str, Any]]:
    """Download into a temporary file beside ``dest``; (None, info) when the server says 304."""
    import requests

    headers = _conditional_headers(dest, entry)
    tries = _Attempts(spec, config)
    wait = 0.0
    refused = 0  # attempts that made no connection at all
    for attempt in range(config.retries + 1):
        tries.attempt = attempt
        if attempt:
            pause = max(wait, config.backoff * 2 ** (attempt - 1))
            if pause >= tries.left():
                raise tries.too_slow()
            _sleep(pause)
        if tries.left() <= 0:
            raise tries.too_slow()
        wait = 0.0
        timeout = (min(config.timeout[0], tries.left()), min(config.timeout[1], tries.left()))
        try:
            with session.get(spec.url, headers=headers, stream=True, timeout=timeout) as resp:
                if resp.status_code == 304:
                    return None, {}
                if resp.status_code in RETRY_STATUSES and attempt < config.retries:
                    after = resp.headers.get("Retry-After", "")
                    wait = float(after) if after.strip().isdigit() else 0.0
                    tries.last_error = FetchError(f"HTTP {resp.status_code} {resp.reason}")
                    continue
                _refuse_unless_ok(spec, resp)
                return _save_body(resp, dest, config, tries)
        except requests.exceptions.RequestException as exc:
            tries.last_error = exc
            invalid = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)
            if isinstance(exc, (*invalid, requests.exceptions.InvalidSchema)):
                break
            if _no_connection(exc):
                refused += 1
                if refused > 1:  # tried twice: the host cannot be reached (no network, a closed port)
                    raise tries.unreachable() from None
    raise tries.failed()


def _why_no_connection(exc: Exception | None) -> str:
    """The innermost reason a connection failed, in a few words (``[Errno 111] Connection refused``)."""
    import requests
    from urllib3.exceptions import MaxRetryError, NameResolutionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "the connection timed out"
    reason = exc.args[0] if exc and exc.args else exc
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    if isinstance(reason, NameResolutionError):
        return "the host name cannot be resolved"
    return str(reason).rsplit(": ", 1)[-1] if reason is not None else "no answer"


def _no_connection(exc: Exception) -> bool:
    """True when a request failed before any connection was made (name not resolved, refused, unreachable)."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.ReadTimeout):
        return False
    from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, NameResolutionError))


def _refuse_unless_ok(spec: RemoteFile, resp) -> None:
    """A :class:`FetchError` for any answer but 200 (a 304 or a status worth retrying is handled before)."""
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


def _save_body(resp, dest: Path, config: FetchConfig, tries: _Attempts) -> tuple[Path, dict[str, Any]]:
    """The body into a temporary file beside ``dest``, hashed on the way; removed again if anything goes wrong.

    A body shorter than its ``Content-Length`` raises ``ChunkedEncodingError``, which the caller retries.
    """
    import requests

    info: dict[str, Any] = {
        "etag": resp.headers.get("ETag"),
        "last_modified": resp.headers.get("Last-Modified"),
        "content_type": resp.headers.get("Content-Type", ""),
    }
    expected = resp.headers.get("Content-Length")
    expected_n = int(expected) if expected and expected.isdigit() and not resp.headers.get("Content-Encoding") else None
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic.part_name(dest)  # a killed run's is removed by the next fetch (atomic.clean_leftovers)
    h = hashlib.sha256()
    n = 0
    try:
        bar = _progress(expected_n, dest.name, config)
        try:
            with open(tmp, "wb") as fh:
                for chunk in _body(resp, tries):
                    fh.write(chunk)
                    atomic.write_fault(dest)
                    h.update(chunk)
                    n += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if expected_n is not None and n != expected_n:
            raise requests.exceptions.ChunkedEncodingError(f"body ended after {n} of {expected_n} bytes (truncated)")
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        atomic.name_the_path(exc, dest)
        raise
    info.update(sha256=h.hexdigest(), bytes=n)
    return tmp, info


def _body(resp, tries: _Attempts) -> Iterator[bytes]:
    """The body as it arrives (each piece after one read from the socket), cut at the file's deadline.

    Reading whole 64 KiB chunks would let a server that drips a byte at a time run past the deadline; here the
    clock is checked after every read, and each read waits no longer than the time left.
    """
    import requests
    from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

    raw = resp.raw
    if not hasattr(raw, "read1"):  # not urllib3 2: whole chunks, checked between them
        for chunk in resp.iter_content(chunk_size=1 << 16):
            yield chunk
            if tries.left() <= 0:
                raise tries.too_slow()
        return
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    while True:
        left = tries.left()
        if left <= 0:
            raise tries.too_slow()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(min(left, tries.config.timeout[1]))
        try:
            chunk = raw.read1(1 << 16, decode_content=True)
        except ReadTimeoutError as exc:
            if tries.left() <= 0:
                raise tries.too_slow() from None
            raise requests.exceptions.ConnectionError(exc) from exc
        except ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from exc
        if not chunk:
            return
        yield chunk

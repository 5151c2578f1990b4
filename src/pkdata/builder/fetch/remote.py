"""What one fetch is about: the file to fetch, the network settings, the outcome, the error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pkdata.core.errors import PkdataError


class FetchError(PkdataError):
    """A download failed or was rejected; nothing on disk changed.

    ``unreachable`` names the host when no connection could be made at all (no network, a closed port): the
    batch then tries no other file from that host.

    >>> FetchError("x").unreachable is None
    True
    """

    def __init__(self, message: str, *, unreachable: str | None = None) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: where it goes in ``data/raw``, where it comes from, what it must look like.

    ``url`` is empty when the registry records no download address (then only ``--from DIR`` fills it).

    >>> RemoteFile("un_csv/x.csv", "", "csv", "un_csv", "UN").mirror_names
    ()
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
    #: Monthly reports: the month (``YYYY-MM``) the report must print on its first page.
    month: str = ""
    #: The addresses to try, in order, publisher first (:class:`~.routes.Route`); empty: ``url`` alone.
    routes: tuple[Any, ...] = ()


@dataclass
class FetchConfig:
    """Network settings: retries, back-off factor (seconds), (connect, read) timeouts, progress bar.

    >>> FetchConfig().deadline
    600.0
    """

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
    ``failed``.

    >>> FetchResult("un_csv/x.csv", "missing").extra
    {}
    """

    dest: str
    status: str
    message: str = ""
    sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

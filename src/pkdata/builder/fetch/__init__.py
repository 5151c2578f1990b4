"""Download the publishers' files into ``data/raw``, with a cache that never loses data.

What there is to fetch comes from one registry, ``pkdata/data/sources.toml`` (:mod:`pkdata.core.sources`):
one table per upstream source with its publisher, download URL, the ``data/raw`` folder the build
reads and, per file, the sha256 of the reference copy (where the file is fixed) and a content check.
``pkdata fetch`` fetches the personnel sources (groups ``un_pdf``, ``un_csv``, ``ipi``) as before;
``--all`` fetches every source, ``--only ID[,ID]`` selects sources (ids or groups).

Every file goes through one path (:func:`fetch`):

1. one retry layer (:mod:`.download`; the session itself does not retry): connection errors, timeouts,
   cut bodies and HTTP 429/500/502/503/504 are tried again with exponential back-off
   (``Retry-After`` respected), all within a total deadline per file (``--deadline``, 600 s, wall-clock:
   the body is read as it arrives and cut at the deadline, however slowly it drips); connect and read
   timeouts; a conditional request (``If-None-Match`` / ``If-Modified-Since``) when the copy on disk is
   the one the manifest knows. A host that cannot be connected to twice (no network, a closed port) is
   not asked for any other file: one line says so and points to ``--from DIR``;
2. the body is streamed to a temporary file *in the target folder* (on a terminal, with ``tqdm``
   installed, a progress bar for every download that runs over a second), hashed (sha256) on the way;
3. the body is checked: its sha256 where the registry knows it; a PDF starts with ``%PDF-``, ends
   with ``%%EOF`` and its first page opens, and a monthly report prints the month asked for (a known
   reprint, ``expected.toml``'s ``duplicates``, the month it reprints); a CSV has the expected header
   columns; a JSON file parses and has the expected keys; an HTML page (error or login page) is rejected; a body shorter
   than its ``Content-Length`` is rejected;
4. only then is it moved into place with ``os.replace`` (atomic) and recorded in
   ``data/raw/fetch_manifest.json`` (source id, URL, sha256, size, retrieved_at, ETag, Last-Modified).

A failed or rejected download leaves every file, and the manifest, byte-identical; the ``.part`` files of a
killed fetch are removed by the next one, and a raw folder that cannot be written is one error before any
download. When the publisher's file *changed*, the new version takes the file's name and the old one is kept under
``data/raw/.previous/`` until a build that used the new version succeeded (:func:`prune_previous`,
run by ``pkdata update`` and by the next ``pkdata fetch``); ``pkdata fetch --restore`` puts the
kept versions back (:func:`restore_previous`).

``offline=True`` uses only what is on disk (reports present / missing / changed-on-disk files);
``mirror=DIR`` (``--from DIR``) takes the files from a local copy (the shared reference folder's
layout, or ``data/raw``'s) through the same checks; an error then names the local file. Sources
whose registry ``url`` is ``not recorded`` (tables compiled from documents) can only come that way.

Each file has routes, the publisher's first and copies last (:mod:`~.routes`, the registry's ``routes``); fetch
tries them in order and records which one gave the file. The Peace and Security Data Hub's datasets come as CSV,
else as paged JSON written as the same CSV. The UN monthly PDF reports, whose file names on the UN site follow no
fixed pattern, are looked up on the publisher's page listing them, then taken from the copy by a URL template
(``PKDATA_UN_PDF_URL``, when set, is the only route). ``pkdata update --dry-run`` prints, per source, the next
address and whether it is the publisher's or a copy (:mod:`~.plan`).

The modules: :mod:`~pkdata.builder.fetch.catalog` (the files the registry lists), :mod:`~.download` (HTTP, retries,
deadline, progress), :mod:`~.checks` (content checks), :mod:`~.install` (into ``data/raw``, mirror copies, offline),
:mod:`~.batch` (:func:`fetch`), :mod:`~.routes` (publisher first, copies last), :mod:`~.plan` (the dry run),
:mod:`~.manifest`, :mod:`~.previous` (kept old versions), :mod:`~.diff` (what a
build changed) and :mod:`~.commands` (``pkdata fetch`` / ``pkdata update``).
"""

from __future__ import annotations

from pkdata.builder.fetch.batch import fetch
from pkdata.builder.fetch.catalog import GROUPS, UN_PDF_PUBLISHER, UN_PDF_URL_TEMPLATE, registry, select_sources
from pkdata.builder.fetch.checks import check_content
from pkdata.builder.fetch.commands import add_fetch_args, add_update_args, cli_fetch, cli_update
from pkdata.builder.fetch.diff import changes
from pkdata.builder.fetch.download import PROGRESS_DELAY, RETRY_STATUSES, make_session
from pkdata.builder.fetch.download import _progress as _progress
from pkdata.builder.fetch.manifest import MANIFEST, PREVIOUS, load_manifest
from pkdata.builder.fetch.months import parse_month, parse_months
from pkdata.builder.fetch.previous import prune_previous, restore_previous
from pkdata.builder.fetch.remote import FetchConfig, FetchError, FetchResult, RemoteFile

__all__ = [
    "GROUPS",
    "MANIFEST",
    "PREVIOUS",
    "PROGRESS_DELAY",
    "RETRY_STATUSES",
    "UN_PDF_PUBLISHER",
    "UN_PDF_URL_TEMPLATE",
    "FetchConfig",
    "FetchError",
    "FetchResult",
    "RemoteFile",
    "add_fetch_args",
    "add_update_args",
    "changes",
    "check_content",
    "cli_fetch",
    "cli_update",
    "fetch",
    "load_manifest",
    "make_session",
    "parse_month",
    "parse_months",
    "prune_previous",
    "registry",
    "restore_previous",
    "select_sources",
]

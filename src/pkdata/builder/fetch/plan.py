"""What ``pkdata update --dry-run`` prints: per source, the file it would fetch next and its routes in order."""

from __future__ import annotations

import json
from pathlib import Path

from pkdata.builder.fetch.catalog import registry, select_sources
from pkdata.builder.fetch.months import _last_full_month, parse_month
from pkdata.builder.fetch.remote import RemoteFile
from pkdata.builder.fetch.routes import Route


def next_month(processed: str | Path) -> str:
    """The month after the last one the build in ``processed`` holds (its ``manifest.json``), else last month.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text('{"contributions": {"months": {"2025-06": {}, "2025-07": {}}}}')
    >>> next_month(d)
    '2025-08'
    """
    path = Path(processed) / "manifest.json"
    months = json.loads(path.read_text()).get("contributions", {}).get("months", {}) if path.is_file() else {}
    if not months:
        return _last_full_month()
    y, m = parse_month(max(months), "manifest.json")
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return f"{y:04d}-{m:02d}"


def _describe(route: Route) -> str:
    how = {"file": "", "json-pages": " (JSON, page by page)", "index": " (page listing the reports; the month's link)"}
    return f"{route.kind}: {route.url}{how[route.form]}"


def plan(processed: str | Path, groups: list[str]) -> list[tuple[str, RemoteFile]]:
    """(source id, the file it would fetch next) for every source of ``groups``: the monthly reports' next month,
    else the source's first file.

    >>> import tempfile
    >>> [(sid, f.dest) for sid, f in plan(tempfile.mkdtemp(), ["un_psdata_fatalities"])]
    [('un_psdata_fatalities', 'fatalities/DPPADPOSS-FATALITIES.csv')]
    """
    month = next_month(processed)
    out = []
    for sid in select_sources(groups):
        files = registry(months=(month, month), groups=[sid])
        # The file the publisher serves comes first (a source may also hold a copy of an older export).
        files.sort(key=lambda f: not (f.routes and f.routes[0].kind == "publisher"))
        if files:
            out.append((sid, files[0]))
    return out


def dry_run_lines(processed: str | Path, groups: list[str]) -> list[str]:
    """The lines of ``pkdata update --dry-run``: per source the next file and each route, in the order tried.

    >>> import tempfile
    >>> print("\\n".join(dry_run_lines(tempfile.mkdtemp(), ["un_psdata_pko"])))
    un_psdata_pko: missions/DPPADPOSS-PKO.csv
      1. publisher: https://api.psdata.un.org/public/data/DPPADPOSS-PKO/CSV
      2. publisher: https://api.psdata.un.org/public/data/DPPADPOSS-PKO/json (JSON, page by page)
      3. copy: https://raw.githubusercontent.com/tdballesteros/conflict-relapse/...
    """
    lines = []
    for sid, spec in plan(processed, groups):
        lines.append(f"{sid}: {spec.dest}")
        if not spec.routes:
            lines.append("  no download address recorded: only `pkdata fetch --from DIR` fills it")
        lines.extend(f"  {i}. {_describe(r)}" for i, r in enumerate(spec.routes, 1))
    return lines

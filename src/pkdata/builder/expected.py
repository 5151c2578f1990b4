"""Facts pinned to today's data (``pkdata/data/expected.toml``) and how a manifest differs from them.

``pkdata update`` prints the differences after a refresh; the tests assert there are none for the
committed data, so a data refresh changes one file.

>>> import json
>>> differences(json.loads((paths.processed_dir() / "manifest.json").read_text()))
[]
"""

from __future__ import annotations

import tomllib
from typing import Any

from pkdata.core import paths

EXPECTED = paths.PACKAGE_DIR / "data" / "expected.toml"


def load() -> dict[str, Any]:
    """The pinned facts.

    >>> load()["un_pdf"]["reports"] > 100
    True
    """
    return tomllib.loads(EXPECTED.read_text(encoding="utf-8"))


def facts(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The same facts, read from a build's manifest."""
    c = manifest.get("contributions", {})
    pdfs = [s for s in manifest.get("sources", []) if s.get("table") == "contributions" and s["name"].endswith(".pdf")]
    pdf_months = {k for k, v in c.get("months", {}).items() if str(v.get("source", "")).endswith(".pdf")}
    return {
        "contributions": {
            "first_month": c.get("first_month"),
            "last_month": c.get("last_month"),
            "missing_months": c.get("missing_months"),
        },
        "un_pdf": {
            "reports": len(pdfs),
            "months": len(pdf_months),
            "duplicates": {s["name"]: s["duplicate_of"] for s in pdfs if s.get("duplicate_of")},
        },
    }


def differences(manifest: dict[str, Any], expected: dict[str, Any] | None = None) -> list[str]:
    """One line per pinned fact the manifest disagrees with (empty when it matches).

    >>> differences({"contributions": {"last_month": "2025-08"}}, {"contributions": {"last_month": "2025-07"}})
    ["contributions.last_month: expected '2025-07' (src/pkdata/data/expected.toml), the data say '2025-08'"]
    """
    expected = load() if expected is None else expected
    got = facts(manifest)
    out = []
    for section, values in expected.items():
        for key, want in values.items():
            have = got.get(section, {}).get(key)
            if have != want:
                out.append(f"{section}.{key}: expected {want!r} (src/pkdata/data/expected.toml), the data say {have!r}")
    return out

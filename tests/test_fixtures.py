"""The committed fixtures are the files tests/fixtures/SOURCES.md lists, unchanged, and stay small."""

from __future__ import annotations

import hashlib
import re

MAX_BYTES = 3_000_000  # 3 MB (decimal), the stricter reading
NOT_DATA = {"SOURCES.md", "make_extracts.py"}


def _listed(fixtures) -> dict[str, str]:
    text = (fixtures / "SOURCES.md").read_text(encoding="utf-8")
    table = text.split("<!-- sha256 -->", 1)[1].split("<!-- /sha256 -->", 1)[0]
    return dict(re.findall(r"^\| `([^`]+)` \| \d+ \| `([0-9a-f]{64})` \|$", table, flags=re.M))


def test_every_fixture_file_is_listed_with_its_sha256(fixtures):
    listed = _listed(fixtures)
    on_disk = {
        p.relative_to(fixtures).as_posix()
        for p in fixtures.rglob("*")
        if p.is_file() and p.name not in NOT_DATA and "__pycache__" not in p.parts
    }
    assert set(listed) == on_disk, "tests/fixtures and its SOURCES.md disagree: run tests/fixtures/make_extracts.py"
    for name, digest in sorted(listed.items()):
        assert hashlib.sha256((fixtures / name).read_bytes()).hexdigest() == digest, f"{name} changed"
    # Every listed file is also described in the text above the table.
    described = (fixtures / "SOURCES.md").read_text(encoding="utf-8").split("<!-- sha256 -->", 1)[0]
    for name in listed:
        base = name.rsplit("/", 1)[-1]
        assert base in described, f"{name} has no origin/cut line in SOURCES.md"


def test_fixtures_total_at_most_3_mb(fixtures):
    total = sum(p.stat().st_size for p in fixtures.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert total <= MAX_BYTES, f"tests/fixtures holds {total:,} bytes; the limit is {MAX_BYTES:,}"

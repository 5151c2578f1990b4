"""`pkdata cite` prints valid BibTeX (parsed here by a small parser) with the data version."""

from __future__ import annotations

import hashlib
import json
import re

from pkdata import cli
from pkdata.core import paths

MANIFEST = paths.processed_dir() / "manifest.json"


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """Entries ``@type{key, field = {value}, ...}`` with balanced braces; raises ValueError otherwise."""
    entries = []
    i = 0
    while True:
        at = text.find("@", i)
        if at < 0:
            break
        m = re.compile(r"@(\w+)\{([^,\s{}]+),").match(text, at)
        if not m:
            raise ValueError(f"bad entry start at {at}: {text[at : at + 40]!r}")
        depth, j = 1, m.end()
        while depth:
            if j >= len(text):
                raise ValueError(f"unbalanced braces in entry {m.group(2)}")
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if text[j] == "\\":
                j += 1
            j += 1
        body = text[m.end() : j - 1]
        fields: dict[str, str] = {"ENTRYTYPE": m.group(1), "ID": m.group(2)}
        k = 0
        while k < len(body):
            fm = re.compile(r"\s*(\w+)\s*=\s*\{").match(body, k)
            if not fm:
                if body[k:].strip(" ,\n"):
                    raise ValueError(f"{m.group(2)}: cannot read {body[k : k + 40]!r}")
                break
            d, p = 1, fm.end()
            while d:
                if p >= len(body):
                    raise ValueError(f"{m.group(2)}: unbalanced field {fm.group(1)}")
                d += {"{": 1, "}": -1}.get(body[p], 0)
                p += 1
            fields[fm.group(1)] = body[fm.end() : p - 1]
            k = p
            while k < len(body) and body[k] in " ,\n":
                k += 1
        entries.append(fields)
        i = j
    return entries


def test_parser_rejects_broken_bibtex() -> None:
    for bad in ("@misc{a, title = {x}", "@misc{a, title = {x}} @misc{", "@misc{a, title = x}"):
        try:
            parse_bibtex(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_cite_prints_valid_bibtex_with_the_data_version(capsys) -> None:
    assert cli.main(["cite"]) == 0
    entries = parse_bibtex(capsys.readouterr().out)
    ids = [e["ID"] for e in entries]
    assert ids[0] == "pkdata" and len(ids) == len(set(ids))
    for needed in (
        "un_dpo_contributions",
        "ipi_peacekeeping_database",
        "un_financial",
        "ga_documents",
        "un_fatalities",
        "country_codes",
    ):
        assert needed in ids
    assert all(e.get("title") and e.get("author") for e in entries)
    m = json.loads(MANIFEST.read_text())["contributions"]
    note = entries[0]["note"]
    assert hashlib.sha256(MANIFEST.read_bytes()).hexdigest() in note
    assert f"{m['first_month']} to {m['last_month']} ({len(m['months'])} months" in note


def test_cite_one_source_plain_and_unknown(capsys) -> None:
    assert cli.main(["cite", "un_fatalities"]) == 0
    (entry,) = parse_bibtex(capsys.readouterr().out)
    assert entry["url"] == "https://psdata.un.org/dataset/DPPADPOSS-FATALITIES"
    assert cli.main(["cite", "pkdata", "--format", "plain"]) == 0
    out = capsys.readouterr().out
    assert "2014-09" in out and "manifest sha256" in out
    assert cli.main(["cite", "wikipedia"]) == 1
    err = capsys.readouterr().err
    assert "unknown source 'wikipedia'" in err and "Traceback" not in err


def test_a_sources_toml_is_read_when_the_package_has_one(tmp_path, monkeypatch) -> None:
    from pkdata.outputs import citations

    toml = tmp_path / "sources.toml"
    toml.write_text(
        '[[source]]\nid = "un_fatalities"\ntitle = "Fatalities of UN peacekeepers"\n'
        'publisher = "UN DPPA/DPO"\npublisher_url = "https://psdata.un.org"\n'
        'url = "https://psdata.un.org/dataset/DPPADPOSS-FATALITIES"\nlicence = "UN terms of use"\n'
        'citation = "UN. Fatalities."\n'
    )
    monkeypatch.setattr(citations, "SOURCES_TOML", toml)
    assert citations.source("un_fatalities")["title"] == "Fatalities of UN peacekeepers"
    assert citations.load()[0]["id"] == "pkdata"  # pkdata first, built-ins kept for ids the file lacks
    assert "ga_documents" in [s["id"] for s in citations.load()]
    (entry,) = parse_bibtex(citations.bibtex("un_fatalities"))
    assert entry["title"] == "Fatalities of UN peacekeepers" and entry["ENTRYTYPE"] == "misc"

"""`pkdata cite` prints valid BibTeX (parsed here by a small parser) with the data version."""

from __future__ import annotations

import hashlib
import json
import re

from pkdata import cli
from pkdata.core import paths, sources

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


def m_last_year() -> str:
    return json.loads(MANIFEST.read_text())["contributions"]["last_month"][:4]


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
    # one entry per source: pkdata, every source of the registry, the cited-only entries; nothing twice (the
    # PPP_Loader snapshots are the same publisher's repository as ipi_ppp_loader: one entry, the other in its note)
    folded = "ipi_ppp_loader_current_month_history"
    cited = [k for k in sources.load()["cited"] if k != "pkdata"]
    assert cited[-1] == "country_codes" and "crs_if10597_2024" in cited
    assert ids == ["pkdata", *(i for i in sources.ids() if i != folded), *cited]
    note = next(e for e in entries if e["ID"] == "ipi_ppp_loader")["note"]
    assert f"pkdata cite {folded}" in note.replace("\\_", "_")
    # every entry has a year; no address twice, none a template or "not recorded"
    assert all(re.fullmatch(r"(19|20)\d\d", e.get("year", "")) for e in entries), [e["ID"] for e in entries]
    urls = [e["url"] for e in entries if "url" in e]
    assert len(urls) == len(set(urls)) and all(u.startswith("https://") and "{" not in u for u in urls), urls
    assert not [e["ID"] for e in entries if "not recorded" in str(e)]
    heritage = next(e for e in entries if e["ID"] == "heritage_pk_rates_secondary")
    assert heritage["year"] == "2013" and "heritage.org" in heritage["url"]  # the report its rows name
    # a source without its own year carries the data version's: the year of the last month covered
    assert next(e for e in entries if e["ID"] == "un_psdata_pko")["year"] == m_last_year()
    assert "un_psdata_fatalities" in ids and "un_psdata_pko" in ids and "un_open" in ids
    assert all(e.get("title") and e.get("author") for e in entries)
    assert not [e["ID"] for e in entries if re.search(r"(?<!\\)[_&%#$]", e["author"] + e["publisher"])]
    m = json.loads(MANIFEST.read_text())["contributions"]
    note = entries[0]["note"]
    assert hashlib.sha256(MANIFEST.read_bytes()).hexdigest() in note
    assert f"{m['first_month']} to {m['last_month']} ({len(m['months'])} months" in note


def test_cite_one_source_plain_and_unknown(capsys) -> None:
    assert cli.main(["cite", "un_psdata_fatalities"]) == 0
    (entry,) = parse_bibtex(capsys.readouterr().out)
    assert entry["url"] == "https://psdata.un.org/dataset/DPPADPOSS-FATALITIES"
    assert entry["publisher"] == sources.publisher("un_psdata_fatalities")
    assert cli.main(["cite", "pkdata", "--format", "plain"]) == 0
    out = capsys.readouterr().out
    assert "2014-09" in out and "manifest sha256" in out
    assert cli.main(["cite", "un_fatalities"]) == 1  # an id of the retired second list
    err = capsys.readouterr().err
    assert "unknown source 'un_fatalities'" in err and "Traceback" not in err


def test_a_mirror_address_is_not_cited_as_the_publishers() -> None:
    from pkdata.outputs import citations

    pdfs = sources.source("un_dpo_monthly_pdfs")
    assert pdfs["mirror"] and "github" in pdfs["url"]
    (entry,) = parse_bibtex(citations.bibtex("un_dpo_monthly_pdfs"))
    assert entry["url"] == pdfs["publisher_url"] == "https://peacekeeping.un.org"
    (own,) = parse_bibtex(citations.bibtex("pkdata"))
    assert "url" not in own  # the registry records no address for pkdata


def test_every_source_id_of_the_codebook_is_citable() -> None:
    from pkdata.core import registry

    citable = {e["id"] for e in sources.citable()}
    book = registry.load()
    used = {c["source"] for c in book["columns"].values()}
    for block in book["tables"].values():
        used |= {c["source"] for c in block.get("columns", {}).values()}
        used |= set(block.get("sources", []))
    for block in book["panels"].values():
        used |= {c["source"] for c in block.get("columns", {}).values()}
    assert used <= citable, sorted(used - citable)
    assert {"pkdata", "country_codes", "un_psdata_fatalities", "un_psdata_pko"} <= used


def test_the_readmes_citation_example_is_what_pkdata_cite_prints(capsys) -> None:
    readme = (paths.REPO_DIR / "README.md").read_text(encoding="utf-8")
    quoted = readme.split("```bibtex\n", 1)[1].split("```", 1)[0].strip()
    assert cli.main(["cite", "un_psdata_fatalities"]) == 0
    assert capsys.readouterr().out.strip() == quoted

"""The build's caches carry checksums: a damaged entry is a miss (recomputed, one line says so), never an error
and never data; a cache that cannot be written is skipped with a warning.

Parse cache: ``<cache>/un_pdf/<pdf sha256>-<version>.{parquet,json}`` (:mod:`pkdata.builder.steps.un_pdfs`);
step cache: ``<cache>/steps/<step>/<key>/`` (:mod:`pkdata.builder.stepcache`). Each case damages a real entry
written by a real build and compares the next build with a clean one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pkdata.builder import build
from pkdata.core import store

from .helpers import folder_digest, raw_with_reports

STEP = ["pkdata.builder.steps.un_pdfs:step_un_pdfs"]
TARGETS = ["pkdata.builder.steps.targets:step_targets"]


@pytest.fixture(scope="module")
def warm(tmp_path_factory, fixture_pdf) -> dict[str, Path]:
    """A parse cache of the August 2019 report and a clean build of it."""
    root = tmp_path_factory.mktemp("caches")
    raw = raw_with_reports(root / "a", fixture_pdf, ["2019_08"])
    build(raw=raw, out=root / "clean", cache=root / "cache", steps=STEP, workers=1)
    return {"root": root, "raw": raw, "cache": root / "cache", "clean": root / "clean"}


def _copy_cache(tmp_path: Path, warm: dict[str, Path]) -> Path:
    cache = tmp_path / "cache"
    shutil.copytree(warm["cache"] / "un_pdf", cache / "un_pdf")
    return cache


def _flip_bit(path: Path, offset: int, bit: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8])
def test_a_flipped_bit_in_a_parse_cache_parquet_is_a_miss(tmp_path, warm, capsys, where):
    cache = _copy_cache(tmp_path, warm)
    rows = next((cache / "un_pdf").glob("*.parquet"))
    _flip_bit(rows, int(rows.stat().st_size * where), bit=3)
    out = tmp_path / "out"
    build(raw=warm["raw"], out=out, cache=cache, steps=STEP, workers=1)
    assert folder_digest(out) == folder_digest(warm["clean"])
    err = [line for line in capsys.readouterr().err.splitlines() if "parse cache" in line]
    assert len(err) == 1 and "does not match its checksum" in err[0] and "parsing the report again" in err[0]
    assert folder_digest(cache / "un_pdf") == folder_digest(warm["cache"] / "un_pdf")  # the entry replaced


def test_a_flipped_bit_in_a_parse_cache_json_is_a_miss(tmp_path, warm, capsys):
    cache = _copy_cache(tmp_path, warm)
    meta = next((cache / "un_pdf").glob("*.json"))
    text = meta.read_text()
    meta.write_text(text.replace('"pages": ', '"pages": 1', 1))  # still valid JSON, one digit more
    out = tmp_path / "out"
    build(raw=warm["raw"], out=out, cache=cache, steps=STEP, workers=1)
    assert folder_digest(out) == folder_digest(warm["clean"])
    assert "json does not match its checksum" in capsys.readouterr().err


@pytest.mark.full_data
def test_a_consistent_hand_edit_of_a_cached_parse_is_not_built(tmp_path, un_pdf, capsys):
    """China's male and total edited together for 2018-09 (the totals still add up): the build reparses and
    gives the report's 2,506, not the edited 6,506."""
    raw = raw_with_reports(tmp_path / "r", un_pdf, ["2018_09"])
    cache, out = tmp_path / "cache", tmp_path / "out"
    build(raw=raw, out=out, cache=cache, steps=STEP, workers=1)

    def china_total(folder: Path = out) -> int:
        df = store.table("contributions", folder)
        rows = (df["contributor_iso3"] == "CHN") & (df["date"].dt.strftime("%Y-%m") == "2018-09")
        return int(df.loc[rows, "total"].sum())

    true = china_total()
    assert true == 2506  # the report's figure
    rows = next((cache / "un_pdf").glob("*.parquet"))
    frame = pd.read_parquet(rows)
    chn = frame["contributor_iso3"] == "CHN"
    assert chn.any() and {"male", "total"} <= set(frame.columns)
    biggest = frame[chn]["total"].idxmax()
    frame.loc[biggest, "male"] += 4000
    frame.loc[biggest, "total"] += 4000
    frame.to_parquet(rows, index=False)
    capsys.readouterr()
    build(raw=raw, out=tmp_path / "out2", cache=cache, steps=STEP, workers=1)
    assert china_total(tmp_path / "out2") == 2506
    assert "does not match its checksum" in capsys.readouterr().err


def test_a_parse_cache_entry_for_other_inputs_is_a_miss(tmp_path, warm, capsys):
    """An entry copied under another report's name (its checksums intact, its inputs another's) is not used."""
    cache = _copy_cache(tmp_path, warm)
    for f in (cache / "un_pdf").iterdir():
        digest, _, rest = f.name.partition("-")
        f.rename(f.with_name(("0" * 64) + "-" + rest))
        shutil.copy(f.with_name(("0" * 64) + "-" + rest), f)  # the original name kept
    entry = next(f for f in (cache / "un_pdf").glob("*.json") if not f.name.startswith("0" * 64))
    # give the real name the other (valid) entry's inputs
    other = json.loads(entry.read_text())
    other["inputs"]["pdf_sha256"] = "0" * 64
    from pkdata.builder.stepcache import content_digest

    other["checksum"] = content_digest(other)
    entry.write_text(json.dumps(other, sort_keys=True))
    out = tmp_path / "out"
    build(raw=warm["raw"], out=out, cache=cache, steps=STEP, workers=1)
    assert folder_digest(out) == folder_digest(warm["clean"])
    assert "stored for another report" in capsys.readouterr().err


def _step_entry(cache: Path, step: str) -> Path:
    entries = [p for p in (cache / "steps" / step).iterdir() if (p / "entry.json").exists()]
    assert len(entries) == 1
    return entries[0]


@pytest.fixture
def targets_build(tmp_path) -> dict[str, Path]:
    raw, cache, out = tmp_path / "raw", tmp_path / "cache", tmp_path / "out"
    raw.mkdir()
    build(raw=raw, out=out, cache=cache, steps=TARGETS, workers=1)
    clean = tmp_path / "clean"
    shutil.copytree(out, clean)
    return {"raw": raw, "cache": cache, "out": out, "clean": clean}


@pytest.mark.parametrize("damage", ["flip", "truncate", "edit", "entry"])
def test_a_damaged_step_cache_entry_is_a_miss_and_is_replaced(targets_build, capsys, damage):
    tb = targets_build
    entry = _step_entry(tb["cache"], "targets")
    table = entry / "gender_targets.parquet"
    good = folder_digest(entry)
    if damage == "flip":
        _flip_bit(table, table.stat().st_size // 2, bit=1)
    elif damage == "truncate":  # was "unexpected ArrowInvalid ... a bug" on every later build
        table.write_bytes(table.read_bytes()[: table.stat().st_size // 3])
    elif damage == "edit":  # a consistent, readable table with other numbers
        frame = pd.read_parquet(table)
        num = frame.select_dtypes("number").columns[0]
        frame[num] = frame[num] * 2
        frame.to_parquet(table, index=False)
    else:
        meta = json.loads((entry / "entry.json").read_text())
        meta["sources"] = []
        (entry / "entry.json").write_text(json.dumps(meta))
    (tb["out"] / "manifest.json").unlink()  # so that the build does not stop at "nothing changed"
    capsys.readouterr()
    build(raw=tb["raw"], out=tb["out"], cache=tb["cache"], steps=TARGETS, workers=1)
    assert folder_digest(tb["out"]) == folder_digest(tb["clean"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "step cache entry" in err[0] and "running step 'targets' again" in err[0], err
    assert folder_digest(_step_entry(tb["cache"], "targets")) == good


@pytest.mark.parametrize("steps", [STEP, TARGETS])
def test_a_cache_that_cannot_be_written_is_skipped_with_a_warning(tmp_path, warm, capsys, steps):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be: nothing can be written under it\n")
    out = tmp_path / "out"
    raw = warm["raw"] if steps == STEP else tmp_path
    build(raw=raw, out=out, cache=blocked, steps=steps, workers=1)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "cannot write the" in err[0] and str(blocked) in err[0], err
    if steps == STEP:
        assert folder_digest(out) == folder_digest(warm["clean"])
    else:
        assert store.table("gender_targets", out).shape[0] > 0

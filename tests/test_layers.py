"""The two layers: the library never loads the builder; the wheel carries the data and works without pymupdf."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pkdata.core import paths

REPO = paths.REPO_DIR
BUILDER = ("pkdata.builder", "pkdata.builder.readers")
#: Charts drawn from the installed wheel: one of each kind (lines, areas, bars, a map, a claim's timeline).
WHEEL_CHARTS = ["p5_over_time", "by_type_usa", "top_contributors_2018_09", "map_fra", "claim_personnel_about_2500"]

# Runs in a fresh interpreter in which pymupdf cannot be imported (as after `pip install pkdata`).
NO_PDF = "import sys; sys.modules['pymupdf'] = None; sys.modules['fitz'] = None\n"

USE_THE_LIBRARY = (
    NO_PDF
    + """
import json, sys
import matplotlib
matplotlib.use("Agg")
import pkdata
from pkdata.core import paths
out = {"processed": str(paths.processed_dir())}
out["rows"] = len(pkdata.contributions())
out["china_2018_09"] = int(pkdata.snapshot("2018-09").set_index("contributor_iso3").loc["CHN", "total"])
out["p5"] = sorted(pkdata.p5("2018-09").index)
out["rank_2019"] = int(pkdata.funding_rank(2019).set_index("member_iso3").loc["CHN", "rank"])
out["missions"] = len(pkdata.missions(active_on="2019-06-30"))
out["fatalities"] = len(pkdata.fatalities("CHN"))
out["claims"] = sorted(pkdata.claims.check(as_of="2018-09")["verdict"].unique())
for name in ("china_by_type", "p5_over_time", "funding_shares"):
    getattr(pkdata.charts, name)()  # the README's `pk.charts.china_by_type()`
out["builder_loaded"] = sorted(m for m in sys.modules if m.startswith(BUILDER))
print(json.dumps(out))
""".replace("BUILDER", repr(BUILDER))
)


def _run(code: str, *, cwd: Path, env: dict[str, str] | None = None) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PKDATA_")}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env={**base, **(env or {})}, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def checkout_answers(tmp_path_factory) -> dict:
    """What the library answers from the checkout, in a fresh interpreter without pymupdf."""
    return _run(USE_THE_LIBRARY, cwd=tmp_path_factory.mktemp("checkout"))


def test_loaders_claims_and_charts_never_import_the_builder_nor_pymupdf(checkout_answers):
    out = checkout_answers
    assert out["builder_loaded"] == []
    assert out["processed"] == str(REPO / "data" / "processed")  # a checkout reads its own data/processed
    assert out["china_2018_09"] > 2000 and out["rows"] > 100_000


def test_the_import_contract_holds():
    """import-linter: the library layers, library -/-> builder, builder -> core only, no cycle (pyproject.toml)."""
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "0 broken" in proc.stdout


def test_every_module_sits_in_a_layer_package():
    """The import contracts bind packages (core, tables, analysis, outputs, builder): a module placed beside
    them would escape every contract, so the package folder holds only the entry points."""
    top = sorted(p.name for p in paths.PACKAGE_DIR.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"]
    packages = sorted(p.name for p in paths.PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file())
    assert packages == ["analysis", "builder", "core", "outputs", "tables"]


def test_pkdata_build_without_pymupdf_says_how_to_install_it(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_PDF + "from pkdata.cli import main; raise SystemExit(main())",
            "build",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PKDATA_CACHE": str(tmp_path / "cache")},
    )
    assert proc.returncode == 1
    assert 'pip install "pkdata[build]"' in proc.stderr and "needs pymupdf" in proc.stderr
    assert "Traceback" not in proc.stderr
    # said before any step ran: no step cached, nothing written
    assert not (tmp_path / "cache" / "steps").exists() and not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = out.glob("pkdata-*.whl")
    return whl


def test_the_wheel_carries_the_committed_data_byte_for_byte(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        committed = sorted((REPO / "data" / "processed").iterdir())
        for f in committed:
            inside = f"pkdata/_data/processed/{f.name}"
            assert inside in names, f"{inside} missing from {wheel.name}"
            assert hashlib.sha256(z.read(inside)).hexdigest() == hashlib.sha256(f.read_bytes()).hexdigest()
        for f in (REPO / "data" / "raw" / "curated").glob("*.csv"):
            assert f"pkdata/_data/curated/{f.name}" in names
        assert any(n.startswith("pkdata/_data/notebooks/") and n.endswith(".ipynb") for n in names)
        assert not any("/readers/" in n and n.endswith(".pdf") for n in names)


def test_the_installed_package_works_outside_a_checkout_without_pymupdf(
    wheel, tmp_path, checkout_answers, drawn_figures
):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = _run(USE_THE_LIBRARY, cwd=work, env={"PYTHONPATH": str(site), "HOME": str(tmp_path / "home")})
    assert out["processed"] == str(site / "pkdata" / "_data" / "processed")
    assert out["builder_loaded"] == []
    checkout = checkout_answers
    # the installed copy answers exactly as the checkout does
    assert {k: v for k, v in out.items() if k != "processed"} == {k: v for k, v in checkout.items() if k != "processed"}
    figs = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_PDF + "from pkdata.cli import main; raise SystemExit(main())",
            "figures",
            "--out",
            str(work / "figs"),
            "--only",
            *WHEEL_CHARTS,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert figs.returncode == 0, figs.stderr[-3000:]
    # the charts drawn from the installed copy are the checkout's (the test run's `pkdata figures`), byte for byte
    checkout_figs, code, printed = drawn_figures
    assert code == 0, printed
    for name in WHEEL_CHARTS:
        for ext in (".png", ".svg"):
            drawn = (work / "figs" / f"{name}{ext}").read_bytes()
            assert drawn == (checkout_figs / f"{name}{ext}").read_bytes(), f"{name}{ext} differs from the checkout's"


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> tuple[Path, Path]:
    """The wheel installed by pip into a fresh venv: (its python, the installed package folder).

    No download: pip installs the wheel alone (--no-index --no-deps); the dependencies and the build extra
    (pymupdf) come from this test's own environment through a .pth line, after the venv's own site-packages.
    """
    import sysconfig

    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=300)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return python, Path(purelib) / "pkdata"


@pytest.mark.slow
def test_the_installed_package_never_writes_into_its_own_folder(venv, reference, full_build, tmp_path):
    """codebook, figures, fetch --all --from and build, run from another folder with the installed wheel:
    every file goes to the user's data folder or --out, each message names it, the package folder is unchanged,
    and the loaders then read the user's build."""
    python, package = venv
    assert (package / "_data" / "processed" / "manifest.json").is_file()
    home = tmp_path / "home"
    user = home / "share" / "pkdata"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PKDATA_") and k != "PYTHONPATH"}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "share"), XDG_CACHE_HOME=str(home / "cache"), MPLBACKEND="Agg")
    work = tmp_path / "elsewhere"
    work.mkdir()
    before = _digests(package)

    def pkdata(*argv: str, writes: bool = True) -> str:
        proc = subprocess.run(
            [str(python), "-m", "pkdata", *argv], cwd=work, env=env, capture_output=True, text=True, timeout=1800
        )
        assert proc.returncode == 0, (argv, proc.stderr[-3000:])
        if writes:  # no message of a command that writes names the package folder
            assert str(package) not in proc.stdout + proc.stderr, argv
        return proc.stdout

    out = pkdata("codebook")
    assert out.split() == [str(user / "codebook.md"), str(user / "datapackage.json")]
    # --check compares the Markdown just written and the shipped data's own datapackage.json
    checked = pkdata("codebook", "--check", writes=False)
    assert checked.split(": ", 1)[1].split(", ") == [
        str(user / "codebook.md"),
        str(package / "_data" / "processed" / "datapackage.json") + "\n",
    ]
    out = pkdata("figures", "--out", "figs", "--only", "p5_over_time")
    assert str(work / "figs" / "p5_over_time") in out and (work / "figs" / "p5_over_time.png").is_file()
    out = pkdata("fetch", "--all", "--from", str(reference), "--no-progress")
    assert f"(raw folder {user / 'raw'})" in out and (user / "raw" / "un_monthly_pdfs").is_dir()
    # the user's parse cache starts with the reports this test run parsed already (the same reader code, so the
    # same cache keys): the build still runs every step and writes every file, without parsing 126 PDFs again
    shutil.copytree(
        paths.cache_dir() / "un_pdf", home / "cache" / "pkdata" / "un_pdf", ignore=shutil.ignore_patterns(".*")
    )
    out = pkdata("build")
    assert "contributions: " in out and f"-> {user / 'processed' / 'contributions.parquet'}" in out
    written = [line.split(" -> ", 1)[1] for line in out.splitlines() if " -> " in line]
    assert len(written) >= 8 and all(Path(w).parent == user / "processed" and Path(w).is_file() for w in written)
    assert _digests(package) == before, "the installed package folder changed"
    # the loaders read the user's build (it verifies); built from the same reference files, it is the shipped copy
    read = subprocess.run(
        [str(python), "-c", "from pkdata.core import paths; print(paths.processed_dir())"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert read.stdout.strip() == str(user / "processed")
    assert _digests(user / "processed") == _digests(package / "_data" / "processed")

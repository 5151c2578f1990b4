"""Every chart as PNG and SVG: the registry behind ``make figures`` / ``pkdata figures``.

Output is deterministic (no dates or software versions in the files, a fixed SVG hash salt),
and a chart is redrawn only when its inputs changed: each chart has a stamp file keyed by a
hash of the code that draws it (the shared chart code and the modules it computes with), the
processed tables it reads (their sha256 and source entries in the manifest) and matplotlib's version.

>>> "china_by_type" in FIGURES, "map_chn" in FIGURES
(True, True)
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pkdata.core import atomic, paths, store
from pkdata.core.hashes import sha256_file


@dataclass(frozen=True)
class Chart:
    """One figure: the chart function's name in :mod:`pkdata.outputs.charts`, its arguments, its tables, and the
    files (besides :data:`CODE`) it is drawn with: its module in ``outputs/charts`` and the modules whose code
    computes what it draws."""

    function: str
    tables: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    code: tuple[str, ...] = ()


# The modules each kind of chart is drawn with, besides :data:`CODE`: its module in outputs/charts and the
# tables modules that compute what it draws; paths relative to the package.
_PERSONNEL = ("outputs/charts/personnel.py",)
_DEATHS = ("outputs/charts/fatalities.py", "tables/casualties.py", "tables/operations.py")
_SHARES = ("outputs/charts/funding.py", "tables/finance.py", "tables/ranks.py")
_STANDING = ("outputs/charts/standing.py", "tables/ranks.py", "tables/regions.py", "data/world_110m.json")
_CLAIMS = (
    "outputs/charts/timelines.py",
    "analysis/claims",
    "data/claims/lanteigne_2018.toml",
    "tables/finance.py",
    "tables/personnel.py",
    "tables/operations.py",
)
_WOMEN = ("outputs/charts/gender.py", "tables/gender.py", "tables/quality.py")
_MAP = (
    "outputs/charts/deployment.py",
    "tables/operations.py",
    "tables/regions.py",
    "outputs/maps.py",
    "data/world_110m.json",
)

#: File stem -> chart.
FIGURES: dict[str, Chart] = {
    "china_by_type": Chart("china_by_type", ("contributions", "fatalities"), code=(*_PERSONNEL, *_DEATHS)),
    "p5_over_time": Chart("p5_over_time", ("contributions",), code=_PERSONNEL),
    "china_by_mission": Chart("china_by_mission", ("contributions",), code=_PERSONNEL),
    "top_contributors_2018_09": Chart(
        "top_contributors", ("contributions",), {"month": "2018-09", "n": 20}, code=_PERSONNEL
    ),
    "global_by_type": Chart("global_by_type", ("contributions",), code=_PERSONNEL),
    "funding_shares": Chart("funding_shares", ("assessments",), code=_SHARES),
    "pays_vs_serves_2019": Chart("pays_vs_serves", ("assessments", "contributions"), {"year": 2019}, code=_SHARES),
    "claim_second_largest_funder": Chart(
        "claims_timeline",
        ("assessments", "contributions", "fatalities"),
        {"claim_id": "second_largest_funder"},
        code=_CLAIMS,
    ),
    "claim_personnel_about_2500": Chart(
        "claims_timeline",
        ("assessments", "contributions", "fatalities"),
        {"claim_id": "personnel_about_2500"},
        code=_CLAIMS,
    ),
}

# The brief's charts for China and for the other permanent members (any country: pkdata brief ISO3).
for _iso in ("CHN", "FRA", "GBR", "RUS", "USA"):
    _low = _iso.lower()
    FIGURES.update(
        {
            f"by_type_{_low}": Chart(
                "by_type", ("contributions", "fatalities"), {"iso3": _iso}, code=(*_PERSONNEL, *_DEATHS)
            ),
            f"by_mission_{_low}": Chart("by_mission", ("contributions",), {"iso3": _iso}, code=_PERSONNEL),
            f"rank_{_low}": Chart("rank_over_time", ("contributions",), {"iso3": _iso}, code=_STANDING),
            f"pays_and_serves_{_low}": Chart(
                "pays_and_serves", ("assessments", "contributions"), {"iso3": _iso}, code=_SHARES
            ),
            f"fatalities_{_low}": Chart("fatalities_chart", ("fatalities",), {"iso3": _iso}, code=_DEATHS),
            f"women_share_{_low}": Chart(
                "women_share", ("contributions", "gender_targets", "quality"), {"iso3": _iso}, code=_WOMEN
            ),
            f"map_{_low}": Chart("deployment_map", ("contributions", "missions"), {"iso3": _iso}, code=_MAP),
        }
    )
# China's peers are the P5, which p5_over_time draws: the peers chart is drawn for a country whose peers are its
# subregion's largest contributors.
FIGURES["peers_ind"] = Chart("peers", ("contributions",), {"iso3": "IND"}, code=_STANDING)
FIGURES["women_share_world"] = Chart("women_share", ("contributions", "gender_targets", "quality"), code=_WOMEN)
FIGURES["mission_danger_2018_09"] = Chart(
    "mission_danger",
    ("contributions", "fatalities", "missions"),
    {"as_of": "2018-09"},
    code=(*_DEATHS, "analysis/claims", "tables/personnel.py"),
)

#: Modules (and data files) every chart is drawn with (style, credits, time axes, labels, names, types, the
#: contributions table's queries, table access); paths relative to the package. ``data/countries.csv`` holds
#: the display names the charts print, ``data/sources.toml`` the publishers' credits of the source lines.
CODE: tuple[str, ...] = (
    "outputs/charts/__init__.py",
    "outputs/charts/style.py",
    "outputs/charts/credits.py",
    "outputs/charts/axes.py",
    "outputs/charts/labels.py",
    "outputs/figures.py",
    "tables/monthly.py",
    "tables/personnel.py",
    "core/countries.py",
    "data/countries.csv",
    "core/schema.py",
    "core/sources.py",
    "data/sources.toml",
    "core/store.py",
)


def _code_files(target: Path) -> list[Path]:
    """A file, or every ``.py`` file below a package folder (a chart drawn from a whole package, e.g. the claims).

    >>> [p.name for p in _code_files(paths.PACKAGE_DIR / "analysis" / "claims")][:2]
    ['__init__.py', 'checking.py']
    """
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


def _key(chart: Chart, manifest: dict[str, Any]) -> str:
    from importlib.metadata import version

    h = hashlib.sha256()
    for name in (*CODE, *chart.code):
        for file in _code_files(paths.PACKAGE_DIR / name):
            h.update(file.read_bytes())
    h.update(json.dumps([chart.function, chart.kwargs, version("matplotlib")], sort_keys=True).encode())
    for t in chart.tables:
        h.update(str(manifest.get("tables", {}).get(t, {}).get("sha256", "")).encode())
        # the source line names the table's publishers: their entries count too
        entries = [s for s in manifest.get("sources", []) if s.get("table") == t]
        h.update(json.dumps(entries, sort_keys=True).encode())
    return h.hexdigest()


def render(name: str, out_dir: str | Path) -> list[Path]:
    """Draw one registered chart and write ``<name>.png`` and ``<name>.svg``; return the paths.

    >>> import tempfile
    >>> [p.suffix for p in render("p5_over_time", tempfile.mkdtemp())]
    ['.png', '.svg']
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, the same pixels on every machine
    import matplotlib.pyplot as plt

    from pkdata.outputs import charts

    chart = FIGURES[name]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig = getattr(charts, chart.function)(**chart.kwargs)
    files = [out / f"{name}.png", out / f"{name}.svg"]
    parts = [atomic.part_name(f) for f in files]  # written whole under a temporary name, then renamed
    try:
        fig.savefig(parts[0], format="png", dpi=150, metadata={"Software": None})
        with plt.rc_context({"svg.hashsalt": "pkdata", "svg.fonttype": "path"}):
            fig.savefig(parts[1], format="svg", metadata={"Date": None, "Creator": None})
        atomic.replace_from(parts[0], files[0])
        atomic.fault_point("figure_png")
        atomic.replace_from(parts[1], files[1])
    finally:
        plt.close(fig)
        for part in parts:
            part.unlink(missing_ok=True)
    return files


def _stamp(key: str, files: list[Path]) -> str:
    return json.dumps({"key": key, "files": {f.name: sha256_file(f) for f in files}}, sort_keys=True)


def _up_to_date(stamp: Path, key: str, files: list[Path]) -> bool:
    """The stamp names this key and the files on disk are the ones it was written for (by sha256)."""
    if not stamp.exists() or not all(f.exists() for f in files):
        return False
    try:
        return stamp.read_text(encoding="utf-8") == _stamp(key, files)
    except (OSError, UnicodeDecodeError):
        return False


def render_all(
    out_dir: str | Path = "figures", *, force: bool = False, only: list[str] | None = None
) -> dict[str, str]:
    """Write every chart (PNG + SVG) into ``out_dir``, skipping those whose inputs did not change.

    Returns chart name -> ``"drawn"`` or ``"unchanged"``.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> render_all(d, only=["p5_over_time"]), render_all(d, only=["p5_over_time"])
    ({'p5_over_time': 'drawn'}, {'p5_over_time': 'unchanged'})
    """
    out = Path(out_dir)
    atomic.check_output_dir(out)
    stamps = out / ".stamps"
    stamps.mkdir(parents=True, exist_ok=True)
    manifest = store.manifest()
    status: dict[str, str] = {}
    atomic.clean_leftovers(out)  # .part files of a killed run
    atomic.clean_leftovers(stamps)
    for name in only or list(FIGURES):
        key = _key(FIGURES[name], manifest)
        stamp = stamps / f"{name}.key"
        files = [out / f"{name}{ext}" for ext in (".png", ".svg")]
        if not force and _up_to_date(stamp, key, files):
            status[name] = "unchanged"
            continue
        stamp.unlink(missing_ok=True)  # until both files are in place, the chart counts as not drawn
        render(name, out)
        atomic.write_text(stamp, _stamp(key, files))
        status[name] = "drawn"
    return status


def cli_args(p: Any) -> None:
    """Arguments of ``pkdata figures``.

    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> cli_args(p)
    >>> p.parse_args(["--force"]).out
    'figures'
    """
    p.add_argument("--out", default="figures", help="output folder (default figures/)")
    p.add_argument("--force", action="store_true", help="redraw every chart even if nothing changed")
    p.add_argument("--only", nargs="*", choices=sorted(FIGURES), help="draw only these charts")


def cli_figures(args: Any) -> int:
    """Run ``pkdata figures``.

    >>> import argparse, tempfile
    >>> args = argparse.Namespace(out=tempfile.mkdtemp(), force=False, only=["p5_over_time"])
    >>> cli_figures(args)  # doctest: +ELLIPSIS
    drawn     .../p5_over_time.png/.svg
    1 drawn, 0 unchanged, ...
    0
    """
    t = time.perf_counter()
    status = render_all(args.out, force=args.force, only=args.only)
    for name, what in status.items():
        print(f"{what:<9} {Path(args.out).resolve() / name}.png/.svg")
    drawn = sum(v == "drawn" for v in status.values())
    took = time.perf_counter() - t
    print(f"{drawn} drawn, {len(status) - drawn} unchanged, {took:.1f}s -> {Path(args.out).resolve()}/")
    return 0

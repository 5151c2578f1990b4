"""The notebooks in ``notebooks/``: execute them and write HTML (``pkdata notebooks`` / ``make notebooks``).

The notebooks are committed without outputs. :func:`run_all` executes each one in a fresh
``python3`` kernel (nbclient; the kernel is this Python's ipykernel, over IPC sockets in a
private temporary folder) with the notebook's folder as working directory, and writes
``<name>.html`` (nbconvert, JupyterLab template, images embedded) into the output folder.
The committed files are never modified.

Needs the ``notebooks`` extra (``pip install "pkdata[notebooks]"``); its modules are imported
only when a notebook is run, so ``import pkdata.outputs.notebooks`` works without it.

>>> [p.name for p in notebook_paths()][:2]
['01_personnel_overview.ipynb', '02_china_deployments.ipynb']
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from pkdata.core import atomic, paths
from pkdata.core.errors import PkdataError

#: The committed notebooks.
NOTEBOOKS_DIR = paths.notebooks_dir()

#: Seconds one cell may run before the notebook fails.
CELL_TIMEOUT = 120
#: Prefix of the kernel's private socket folder (``<tmp>/pkdata-kernel-<pid>-...``): a killed run's is removed.
KERNEL_PREFIX = "pkdata-kernel-"


def notebook_paths(folder: str | Path | None = None) -> list[Path]:
    """The ``*.ipynb`` files of ``folder`` (default ``notebooks/``), sorted by name.

    >>> all(p.suffix == ".ipynb" for p in notebook_paths())
    True
    """
    folder = Path(folder) if folder is not None else NOTEBOOKS_DIR
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not found:
        raise PkdataError(f"{folder}: no notebooks (*.ipynb) found")
    return found


def _require_extra() -> None:
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as exc:
        raise PkdataError(
            f"running notebooks needs the notebooks extra ({exc.name} is not installed): "
            'pip install "pkdata[notebooks]"'
        ) from exc


def execute(path: str | Path, *, timeout: int = CELL_TIMEOUT, kernel_name: str = "python3") -> Any:
    """Execute one notebook and return the executed copy (an ``nbformat`` notebook); the file is not changed.

    Raises :class:`~pkdata.core.errors.PkdataError` naming the notebook, the cell and the error if a cell
    fails; the partly executed notebook is in the exception's ``notebook`` attribute.

    >>> import nbformat, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "sum.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 2")]), path)
    >>> execute(path).cells[0].outputs[0]["data"]["text/plain"]
    '3'
    """
    _require_extra()
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    try:
        # IPC sockets in a private temporary folder: the kernel is reachable by this user only.
        atomic.clean_temp_folders(KERNEL_PREFIX)  # socket folders of killed runs
        with tempfile.TemporaryDirectory(prefix=f"{KERNEL_PREFIX}{os.getpid()}-") as sockets:
            km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=str(Path(sockets) / "kernel"))
            client = NotebookClient(
                nb,
                km=km,
                timeout=timeout,
                kernel_name=kernel_name,
                resources={"metadata": {"path": str(path.parent.resolve())}},
            )
            # cleanup_kc: shut the kernel down here, while its socket folder exists (nbclient leaves a
            # kernel it did not create running until this process exits).
            client.execute(cleanup_kc=True)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed = next(
            (
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        where = f"cell {failed}" if failed is not None else "a cell"
        summary = str(exc).strip().splitlines()
        error = PkdataError(f"{path.name}: {where} failed: {summary[-1] if summary else type(exc).__name__}")
        error.notebook = nb  # type: ignore[attr-defined]
        raise error from exc
    return nb


def to_html(nb: Any) -> str:
    """An executed notebook as one self-contained HTML page (images embedded).

    >>> import nbformat
    >>> "<html" in to_html(nbformat.v4.new_notebook())
    True
    """
    _require_extra()
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def run_all(
    out: str | Path, *, folder: str | Path | None = None, only: list[str] | None = None, timeout: int = CELL_TIMEOUT
) -> dict[str, float]:
    """Execute every notebook and write ``<name>.html`` into ``out``; return name -> seconds.

    A notebook whose cell fails still gets its HTML (up to and including the error); after all
    notebooks ran, a :class:`~pkdata.core.errors.PkdataError` lists the failures.

    >>> import nbformat, tempfile
    >>> folder, out = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 2")]), folder / "sum.ipynb")
    >>> list(run_all(out, folder=folder)), [p.name for p in out.iterdir()]
    (['sum'], ['sum.html'])
    """
    _require_extra()  # once, before any folder is made
    out = Path(out)
    if out.is_dir():
        atomic.clean_leftovers(out)  # .part files of a killed run
    selected = notebook_paths(folder)
    if only:
        wanted = {name.removesuffix(".ipynb") for name in only}
        unknown = wanted - {p.stem for p in selected}
        if unknown:
            raise PkdataError(f"unknown notebook(s) {sorted(unknown)}; expected some of {[p.stem for p in selected]}")
        selected = [p for p in selected if p.stem in wanted]
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    failures: list[str] = []
    written = 0
    for path in selected:
        start = time.perf_counter()
        try:
            nb = execute(path, timeout=timeout)
        except PkdataError as exc:
            nb = getattr(exc, "notebook", None)
            failures.append(str(exc))
        seconds[path.stem] = round(time.perf_counter() - start, 1)
        if nb is not None:
            atomic.write_text(out / f"{path.stem}.html", to_html(nb))
            written += 1
    if failures:
        where = f"HTML of {written} written to {out.resolve()}" if written else "no HTML written"
        raise PkdataError(f"{len(failures)} of {len(selected)} notebook(s) failed ({where}): " + "; ".join(failures))
    return seconds


def cli_args(p: Any) -> None:
    """Arguments of ``pkdata notebooks``.

    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> cli_args(p)
    >>> p.parse_args([]).out
    'notebooks-html'
    """
    p.add_argument("--out", default="notebooks-html", help="folder for the HTML files (default notebooks-html)")
    p.add_argument("--only", nargs="*", help="run only these notebooks (file names, with or without .ipynb)")
    p.add_argument(
        "--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds one cell may run (default {CELL_TIMEOUT})"
    )


def cli_notebooks(args: Any) -> int:
    """Run ``pkdata notebooks``."""
    start = time.perf_counter()
    seconds = run_all(args.out, only=args.only, timeout=args.timeout)
    for name, secs in seconds.items():
        print(f"ok  {secs:5.1f}s  {Path(args.out).resolve() / name}.html")
    print(f"{len(seconds)} notebook(s) executed, {time.perf_counter() - start:.1f}s -> {Path(args.out).resolve()}/")
    return 0

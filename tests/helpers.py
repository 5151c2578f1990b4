"""Small helpers shared by tests: raw folders of real reports, doctored copies, folder snapshots."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path


def raw_with_reports(root: Path, un_pdf, months: list[str]) -> Path:
    """A raw folder (``root/raw``) holding links to the given real reports."""
    folder = root / "raw" / "un_monthly_pdfs"
    folder.mkdir(parents=True, exist_ok=True)
    for m in months:
        src = un_pdf(m)
        (folder / src.name).symlink_to(src)
    return root / "raw"


def folder_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file below a folder (relative path -> digest)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def doctor_pdf(src: Path, dst: Path, page: int, old: str, new: str) -> int:
    """Copy a real PDF, replacing every occurrence of the word ``old`` on ``page`` (1-based) by ``new``.

    Returns how many occurrences were replaced. The replacement is drawn where the old word was,
    so the layout reader sees it in the same column.
    """
    import pymupdf

    doc = pymupdf.open(src)
    pg = doc[page - 1]
    hits = [w for w in pg.get_text("words") if w[4] == old]
    for w in hits:
        pg.add_redact_annot(pymupdf.Rect(w[:4]))
    pg.apply_redactions()
    for w in hits:
        size = (w[3] - w[1]) * 0.8
        pg.insert_text((w[0], w[3] - (w[3] - w[1]) * 0.22), new, fontsize=size)
    doc.save(dst)
    return len(hits)


def replace_table(folder: Path, name: str, frame, **parquet_options) -> None:
    """Write ``frame`` as ``folder/<name>.parquet`` and record its sha256, rows and columns in the manifest,
    as a build would (the loaders refuse a table whose sha256 the manifest does not name)."""
    import json

    frame.to_parquet(folder / f"{name}.parquet", index=False, **parquet_options)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"][name] = {
        "file": f"{name}.parquet",
        "rows": int(len(frame)),
        "columns": [str(c) for c in frame.columns],
        "sha256": hashlib.sha256((folder / f"{name}.parquet").read_bytes()).hexdigest(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))


@contextlib.contextmanager
def run_once(folder: Path) -> Iterator[bool]:
    """Yield True to the first worker that gets here (it does the work), False to the others (they reuse it).

    The others wait on a lock while the first one works; a worker whose work failed leaves no mark, so the
    next one tries again (and fails the same way, with its own error).
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no pytest-xdist lock; one process does the work, then reuses it
        fcntl = None
    done = folder / ".done"
    with open(folder / ".lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            todo = not done.exists()
            yield todo
            if todo:
                done.touch()
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)

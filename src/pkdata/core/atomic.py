"""Writing without ever leaving a half-written file: atomic files and the swap of a whole folder.

- :func:`write_bytes` / :func:`write_text`: a file is written to a temporary name beside it
  (``.<name>.<pid>.part``), flushed to disk and renamed over the target, so a reader (or a
  later run after a kill) sees the old file or the new one, never a cut one.
- :func:`new_swap` / :func:`commit_swap`: a set of files (the processed tables and their
  manifest) is written into a temporary folder *inside* the output folder (same file
  system, so every move is a rename), marked complete with a ``READY`` file, then moved
  into place under an exclusive lock on the output folder, the manifest last. A swap that
  was interrupted after ``READY`` is rolled forward by :func:`repair` (the next build, or
  ``pkdata verify --repair``) only if it passes the checks its commit would have made
  (:func:`refusal`: its files match its manifest, and it drops no month the output has unless
  its build allowed it, :data:`GUARDS`); otherwise it is rolled back, saying why. An
  incomplete temporary folder is removed.
- :func:`clean_leftovers`: removes ``.part`` files and temporary folders left by a killed
  run (only pkdata's own names, and only when their process is dead or they are old).

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> write_text(d / "a.txt", "hello")
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('hello', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pkdata.core.errors import PkdataError

#: Prefix of the temporary folders a build swaps from (``<out>/.pkdata-build-<pid>-<n>``).
SWAP_PREFIX = ".pkdata-build-"
#: The file that marks a swap folder complete (its content lists the files, the manifest last).
READY = "READY"
#: The file of a swap folder recording what its build allowed (``{"allow_shrink": bool}``), for :func:`repair`.
GUARDS = "GUARDS.json"
#: Leftovers whose process still runs are removed only when older than this (seconds): pid reuse.
STALE_AFTER = 6 * 3600

_PART = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.part(\.[A-Za-z0-9]+)?$")
_LEGACY = re.compile(rf"^{re.escape(SWAP_PREFIX)}[a-z0-9_]{{8}}$")
_SWAP = re.compile(rf"^{re.escape(SWAP_PREFIX)}(?P<pid>\d+)-\d+$")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def part_name(path: Path) -> Path:
    """The temporary name a file is written under before it is renamed to ``path``.

    >>> part_name(Path("out/a.png")).name.startswith(".a.png.")
    True
    """
    return path.with_name(f".{path.name}.{os.getpid()}.part")


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary name, fsync, rename).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.bin"
    >>> write_bytes(p, b"abc"); p.read_bytes()
    b'abc'
    """
    path = Path(path)
    tmp = part_name(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            write_fault(path)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        name_the_path(exc, path)
        raise
    _fsync_dir(path.parent)


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_text(p, "é"); p.read_text(encoding="utf-8")
    'é'
    """
    write_bytes(path, text.encode("utf-8"))


def write_with(path: str | Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` atomically through ``write(tmp)`` (a writer such as ``DataFrame.to_stata``): the temporary
    name keeps ``path``'s suffix, for writers that choose the format by it; nothing is left on failure.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.csv"
    >>> write_with(p, lambda tmp: tmp.write_text("a\\n")); p.read_text()
    'a\\n'
    """
    path = Path(path)
    tmp = part_name(path)
    tmp = tmp.with_name(tmp.name + path.suffix)
    try:
        write(tmp)
        write_fault(path)
        replace_from(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        name_the_path(exc, path)
        raise


def replace_from(tmp: Path, path: Path) -> None:
    """Rename a finished temporary file over ``path`` (after fsyncing it).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "t").write_text("1"); replace_from(d / "t", d / "f")
    >>> (d / "f").read_text()
    '1'
    """
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(path: Path, pid: int) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    return not _alive(pid) or age > STALE_AFTER


@contextlib.contextmanager
def locked(folder: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold a lock on ``folder`` (exclusive for a swap, shared for reading); no-op where flock is missing.

    >>> import tempfile
    >>> with locked(Path(tempfile.mkdtemp())):
    ...     pass
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: readers fall back to checking hashes
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def check_output_dir(out: Path) -> None:
    """Create the output folder, or explain in one line why it cannot be written.

    >>> check_output_dir(Path("/proc/version"))
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: /proc/version exists and is not a folder; pass --out a folder ...
    """
    if out.exists() and not out.is_dir():
        raise PkdataError(f"{out} exists and is not a folder; pass --out a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PkdataError(
            f"cannot create the output folder {out}: {exc.strerror}; pass --out a folder you can write"
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise PkdataError(f"cannot write into {out} (permission denied); pass --out a folder you can write")


def new_swap(out: Path) -> Path:
    """A new, empty temporary folder inside ``out`` (same file system: every move is a rename).

    >>> import tempfile
    >>> new_swap(Path(tempfile.mkdtemp())).name.startswith(SWAP_PREFIX)
    True
    """
    check_output_dir(out)
    for n in range(1000):
        tmp = out / f"{SWAP_PREFIX}{os.getpid()}-{n}"
        try:
            tmp.mkdir()
            return tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise PkdataError(f"cannot write into {out}: {exc.strerror}; pass --out a folder you can write") from None
    raise PkdataError(f"{out}: too many temporary build folders; remove {out}/{SWAP_PREFIX}*")


def mark_ready(tmp: Path, order: list[str]) -> None:
    """Mark a swap folder complete: every file is on disk; ``order`` lists them, the manifest last."""
    for name in order:
        with open(tmp / name, "rb+") as fh:
            os.fsync(fh.fileno())
    write_text(tmp / READY, "\n".join(order) + "\n")


def dropped_months(out: Path, manifest: dict) -> list[str]:
    """Months of the contributions table the manifest in ``out`` lists that ``manifest`` does not (sorted).

    >>> dropped_months(Path("/nonexistent"), {})
    []
    """
    try:
        old = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        before = set(old.get("contributions", {}).get("months", {}))
    except (OSError, ValueError, AttributeError):
        return []
    after = manifest.get("contributions", {}).get("months", {}) if isinstance(manifest, dict) else {}
    return sorted(before - set(after))


def shrink_message(out: Path, dropped: list[str]) -> str:
    """What a build that would drop months says (the months, at most 24 of them).

    >>> shrink_message(Path("out"), ["2019-08"])
    'the build would drop 1 month(s) that out has: 2019-08'
    """
    shown = ", ".join(dropped[:24]) + (f" and {len(dropped) - 24} more" if len(dropped) > 24 else "")
    return f"the build would drop {len(dropped)} month(s) that {out} has: {shown}"


def refusal(tmp: Path, out: Path) -> str | None:
    """Why the READY swap folder ``tmp`` must not be moved into ``out`` (None: it passes).

    The checks its commit makes: every file it lists is there and every table matches the sha256 its manifest
    names, and it drops no month ``out`` has unless its build allowed it (:data:`GUARDS`). A swap that moved
    some files already had passed them (the commit checks before the first move): it is finished.
    """
    from pkdata.core.hashes import sha256_file

    order = [n for n in (tmp / READY).read_text(encoding="utf-8").splitlines() if n]
    present = [n for n in order if (tmp / n).exists()]
    if len(present) < len(order):
        return None
    try:
        manifest = json.loads((tmp / order[-1]).read_text(encoding="utf-8"))
        tables = manifest["tables"]
        allowed = json.loads((tmp / GUARDS).read_text(encoding="utf-8")) if (tmp / GUARDS).exists() else {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"its manifest cannot be read ({type(exc).__name__})"
    for meta in tables.values():
        if not isinstance(meta, dict) or sha256_file(tmp / str(meta.get("file"))) != meta.get("sha256"):
            return f"{meta.get('file') if isinstance(meta, dict) else meta} does not match its manifest"
    dropped = dropped_months(out, manifest)
    if dropped and not allowed.get("allow_shrink"):
        return shrink_message(out, dropped) + " (its build did not pass --allow-shrink)"
    return None


def _roll_forward(tmp: Path, out: Path, fault: str | None = None) -> list[str]:
    order = [n for n in (tmp / READY).read_text(encoding="utf-8").splitlines() if n]
    moved = []
    for i, name in enumerate(order):
        src = tmp / name
        if src.exists():
            os.replace(src, out / name)
            moved.append(name)
        if fault and i == 0:
            fault_point(fault)
    _fsync_dir(out)
    shutil.rmtree(tmp, ignore_errors=True)
    return moved


def commit_swap(tmp: Path, out: Path, check: Callable[[], None] | None = None) -> None:
    """Move a READY swap folder's files into ``out`` (the manifest last) and remove the folder.

    ``check`` runs under the lock first (it sees the folder as no other build will change it) and may raise.
    """
    with locked(out):
        if check is not None:
            check()
        _roll_forward(tmp, out, fault="swap")


def repair(out: str | Path) -> list[str]:
    """Roll forward swaps interrupted after READY, remove incomplete ones and stale ``.part`` files.

    Returns one line per action (empty when there was nothing to do).

    >>> import tempfile
    >>> repair(tempfile.mkdtemp())
    []
    """
    out = Path(out)
    if not out.is_dir():
        return []
    done: list[str] = []
    with locked(out):
        for entry in sorted(out.iterdir()):
            m = _SWAP.match(entry.name)
            if not m or not entry.is_dir() or int(m["pid"]) == os.getpid():
                continue
            if not _stale(entry, int(m["pid"])):
                continue  # a build that is still running
            if (entry / READY).exists():
                why = refusal(entry, out)
                if why is not None:
                    shutil.rmtree(entry, ignore_errors=True)
                    done.append(f"{out}: rolled back an interrupted update, {why}; the data are as before it")
                    continue
                moved = _roll_forward(entry, out)
                done.append(f"{out}: finished an interrupted update ({', '.join(moved) or 'nothing left to move'})")
            else:
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"{out}: removed an incomplete build folder {entry.name}")
    done += clean_leftovers(out)
    # earlier builds made their temporary folders beside the output, named by tempfile.mkdtemp
    for entry in sorted(out.parent.glob(f"{SWAP_PREFIX}*")):
        if _LEGACY.match(entry.name) and entry.is_dir() and time.time() - entry.stat().st_mtime > 3600:
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"{out.parent}: removed an old build folder {entry.name}")
    return done


def clean_leftovers(folder: str | Path) -> list[str]:
    """Remove ``.part`` files a killed run left in ``folder`` (dead process, or older than :data:`STALE_AFTER`).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / ".a.png.999999999.part").write_bytes(b"")
    >>> len(clean_leftovers(d)), list(d.iterdir())
    (1, [])
    """
    folder = Path(folder)
    removed = []
    with contextlib.suppress(OSError):
        for entry in sorted(folder.iterdir()):
            m = _PART.match(entry.name)
            if m and entry.is_file() and int(m["pid"]) != os.getpid() and _stale(entry, int(m["pid"])):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(f"{folder}: removed {entry.name} left by an interrupted run")
    return removed


def fault_point(point: str) -> None:
    """Test hook: when ``PKDATA_FAULT`` names this point, the process kills itself here (SIGKILL).

    Used by tests/test_faults.py to interrupt a run at a marked step; does nothing otherwise.

    >>> fault_point("nowhere")
    """
    if os.environ.get("PKDATA_FAULT") == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def write_fault(path: Path) -> None:
    """Test hook at the write of ``path`` (its data written under the temporary name, not yet renamed).

    ``PKDATA_FAULT=write:<file name>`` kills the process there (SIGKILL); ``PKDATA_FAULT=enospc:<file name>``
    raises the ``OSError`` a full disk gives (ENOSPC, no file name: a write to an open file names none). A bare
    ``write`` or ``enospc`` matches every file. Does nothing otherwise.

    >>> write_fault(Path("a.png"))
    """
    fault = os.environ.get("PKDATA_FAULT", "")
    kind, _, name = fault.partition(":")
    if kind not in ("write", "enospc") or name not in ("", path.name):
        return
    if kind == "write":
        fault_point(fault)
    import errno

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def name_the_path(exc: BaseException, path: Path) -> None:
    """Give an ``OSError`` that names no file (a write to an open file, e.g. a full disk) the path being written.

    >>> import errno
    >>> e = OSError(errno.ENOSPC, "No space left on device"); name_the_path(e, Path("out/a.png")); e.filename
    'out/a.png'
    """
    if isinstance(exc, OSError) and exc.errno is not None and not exc.filename:
        exc.filename = str(path)


def clean_temp_folders(prefix: str, folder: str | Path | None = None) -> list[str]:
    """Remove temporary folders ``<prefix><pid>-*`` in ``folder`` (default: the system's temporary folder) whose
    process is dead (or that are older than :data:`STALE_AFTER`): what a killed run left behind.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "pkdata-x-999999999-abc").mkdir()
    >>> len(clean_temp_folders("pkdata-x-", d)), list(d.iterdir())
    (1, [])
    """
    import tempfile

    folder = Path(folder or tempfile.gettempdir())
    pattern = re.compile(rf"^{re.escape(prefix)}(?P<pid>\d+)-")
    removed = []
    with contextlib.suppress(OSError):
        for entry in sorted(folder.glob(f"{prefix}*")):
            m = pattern.match(entry.name)
            if m and entry.is_dir() and not entry.is_symlink() and _stale(entry, int(m["pid"])):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(f"{folder}: removed {entry.name} left by an interrupted run")
    return removed

"""Writing outputs safely: atomic files, a staging folder, a journaled publish, a run lock.

Every output is first written under ``OUT/.staging/`` and published only
when the run has finished (see `Staging`), so a run killed at any moment
leaves either the previous outputs or, once the next run has rolled the
publish forward, the new ones: never a mix.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: the lock file alone, with a pid staleness check
    fcntl = None

# Field order of an entity record in entities.jsonl (and the flat columns of entities.csv).
from pipeline.records import ENTITY_FIELDS  # noqa: F401  (re-exported for the writers)
LOCK_NAME = ".pipeline.lock"
STAGING_NAME = ".staging"
# The intent record of a publish in progress (see `Staging`).
JOURNAL_NAME = ".publish.json"
# Records what the outputs in a folder were made from, so an unchanged re-run can stop early.
STATE_NAME = ".pipeline-state.json"


class OutputLocked(Exception):
    """Another run is writing to the same output folder."""


class OutputError(Exception):
    """The output folder cannot be written (not a folder, read-only, disk full); one line for the user."""

    @classmethod
    def of(cls, out_dir: Path, exc: OSError) -> "OutputError":
        where = f" ({exc.filename})" if exc.filename else ""
        why = exc.strerror or str(exc)
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            why = "a file is where a folder should be"
        return cls(f"{out_dir}: cannot write the outputs: {why}{where}")


def dumps(record: dict) -> str:
    """One JSON line: stable key order as given, UTF-8, no spaces to diff on."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write via a temporary file in the same folder and rename into place.

    `durable=False` skips the per-file fsync: for files written into the
    staging folder, which `Staging.publish` syncs once before moving them.
    """
    make_dirs(path.parent)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def make_dirs(path: Path) -> None:
    """Path.mkdir(parents=True) without recursion: doc ids may be 1,200 folders deep."""
    missing = []
    while not path.is_dir() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)


def remove_tree(path: Path, ignore_errors: bool = False) -> None:
    """shutil.rmtree without recursion (whose depth limit a deep clean/ folder exceeds); links not followed."""
    try:
        if not os.path.isdir(path) or os.path.islink(path):
            if os.path.lexists(path):
                os.unlink(path)
            return
        stack = [(os.fspath(path), False)]
        while stack:
            here, emptied = stack.pop()
            if emptied:
                os.rmdir(here)
                continue
            stack.append((here, True))
            with os.scandir(here) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, False))
                    else:
                        os.unlink(entry.path)
    except OSError:
        if not ignore_errors:
            raise


class RunLock:
    """An exclusive lock on the output folder (refuses a second run).

    On POSIX the lock is a kernel record lock on OUT/.pipeline.lock: taking it
    is atomic, it is released when the process dies (a killed run never
    blocks the next one), and forked workers do not inherit it.
    """

    _held: set[str] = set()  # record locks are per process: refuse a second holder in this one too

    def __init__(self, out_dir: Path):
        self.path = out_dir / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fcntl is None:
            return self._enter_exclusive()
        key = os.path.abspath(self.path)
        if key in RunLock._held:
            raise self._locked(os.getpid())  # reading the file here would drop this process's lock
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise self._locked() from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed this file as we opened it: take a fresh one
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        RunLock._held.add(key)
        return self

    def _locked(self, owner: int | None = None) -> OutputLocked:
        return OutputLocked(
            f"{self.path.parent}: another pipeline run is writing here "
            f"(lock {self.path} held by pid {owner or self._owner()}); wait for it to finish"
        )

    def _enter_exclusive(self) -> "RunLock":
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                raise self._locked() from None
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return self
        raise OutputLocked(f"{self.path}: could not take the lock")

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def _stale(self) -> bool:
        """A lock whose process is gone (a killed run) does not block."""
        pid = self._owner()
        if not pid:
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)  # while still holding the lock
        if self._fd is not None:
            RunLock._held.discard(os.path.abspath(self.path))
            os.close(self._fd)
            self._fd = None


class Staging:
    """A folder that collects a run's outputs before they replace the old ones.

    Publishing is journaled: once everything is staged and synced, an intent
    record (OUT/.publish.json, written atomically) lists what to move; then
    each file is renamed into place, the state file is written last and the
    record removed. A run killed anywhere in between leaves the record, and
    the next run on the folder (`recover`, before it reads anything) finishes
    the moves, so a mixed set of old and new outputs never survives. Before the
    record exists nothing old has been touched. The published paths stay
    regular files and folders, as git and DVC need.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.root = out_dir / STAGING_NAME
        if self.root.exists():
            recover(out_dir)  # a killed publish is finished, never thrown away
        if self.root.exists():
            remove_tree(self.root)  # left by a run killed before publishing
        self.root.mkdir(parents=True)

    def path(self, relative: str) -> Path:
        p = self.root / relative
        make_dirs(p.parent)
        return p

    def publish(self, names: list[str], state: str | None = None) -> None:
        """Move each staged file or folder in `names` into the output folder, then write `state`.

        Args:
            names: output names relative to OUT, in the order they are moved.
            state: the text of OUT/.pipeline-state.json (None removes it).
        """
        os.sync()  # one flush for everything staged, before anything replaces the old outputs
        journal = {"names": [n for n in names if os.path.lexists(self.root / n)], "state": state}
        atomic_write_text(self.out_dir / JOURNAL_NAME, json.dumps(journal, ensure_ascii=False) + "\n")
        _roll_forward(self.out_dir, journal)

    def discard(self) -> None:
        remove_tree(self.root, ignore_errors=True)


def recover(out_dir: Path) -> bool:
    """Finish a publish that a killed run left half done; True if there was one.

    Call with the run lock held, before the folder's outputs or state are read.
    """
    for leftover in out_dir.glob(".*.tmp-*"):  # atomic writes of a killed run (journal, state)
        leftover.unlink(missing_ok=True)
    try:
        journal = json.loads((out_dir / JOURNAL_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):  # (a torn journal cannot happen: it is written atomically)
        (out_dir / JOURNAL_NAME).unlink(missing_ok=True)
        if (out_dir / STAGING_NAME).exists():  # a killed run's, unpublished or already published
            remove_tree(out_dir / STAGING_NAME)
        return False
    _roll_forward(out_dir, journal)
    return True


def _roll_forward(out_dir: Path, journal: dict) -> None:
    """The moves of a publish; each step is skipped when done already, so it can be repeated."""
    staging = out_dir / STAGING_NAME
    trash = staging / ".replaced"
    for name in journal["names"]:
        src, dst = staging / name, out_dir / name
        if not os.path.lexists(src):
            continue  # moved by the run that was killed
        if src.is_dir() and not src.is_symlink():
            if os.path.lexists(dst):  # a folder cannot replace a folder in one rename: set the old one aside
                old = trash / name
                if os.path.lexists(old):
                    remove_tree(old)
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dst, old)
            os.replace(src, dst)
        else:
            os.replace(src, dst)
    state_path = out_dir / STATE_NAME
    if journal.get("state") is None:
        state_path.unlink(missing_ok=True)
    else:
        atomic_write_text(state_path, journal["state"])
    _sync_dir(out_dir)
    (out_dir / JOURNAL_NAME).unlink()
    remove_tree(staging, ignore_errors=True)


def _sync_dir(path: Path) -> None:
    """Make the renames in `path` durable before the journal that describes them goes."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Writing outputs safely: atomic files, a staging folder, a run lock.

Every output is first written under ``OUT/.staging/`` and moved into place
only when the run has finished, each file with an atomic rename, so a run
killed at any moment leaves the previous outputs whole.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: the lock file alone, with a pid staleness check
    fcntl = None

# Field order of an entity record in entities.jsonl (and the flat columns of entities.csv).
from pipeline.records import ENTITY_FIELDS  # noqa: F401  (re-exported for the writers)
LOCK_NAME = ".pipeline.lock"
STAGING_NAME = ".staging"


class OutputLocked(Exception):
    """Another run is writing to the same output folder."""


def dumps(record: dict) -> str:
    """One JSON line: stable key order as given, UTF-8, no spaces to diff on."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write via a temporary file in the same folder and rename into place.

    `durable=False` skips the per-file fsync: for files written into the
    staging folder, which `Staging.publish` syncs once before moving them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


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
    """A folder that collects a run's outputs before they replace the old ones."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.root = out_dir / STAGING_NAME
        if self.root.exists():
            shutil.rmtree(self.root)  # left by a killed run: never published
        self.root.mkdir(parents=True)

    def path(self, relative: str) -> Path:
        p = self.root / relative
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def publish(self, names: list[str]) -> None:
        """Move each staged file or folder into the output folder."""
        os.sync()  # one flush for everything staged, before anything replaces the old outputs
        for name in names:
            src, dst = self.root / name, self.out_dir / name
            if not src.exists():
                continue
            if src.is_dir():
                old = self.out_dir / f".{name}.old"
                if old.exists():
                    shutil.rmtree(old)
                if dst.exists():
                    os.replace(dst, old)
                os.replace(src, dst)
                if old.exists():
                    shutil.rmtree(old)
            else:
                os.replace(src, dst)
        shutil.rmtree(self.root, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

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

LOCK_NAME = ".pipeline.lock"
STAGING_NAME = ".staging"


class OutputLocked(Exception):
    """Another run is writing to the same output folder."""


def dumps(record: dict) -> str:
    """One JSON line: stable key order as given, UTF-8, no spaces to diff on."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class RunLock:
    """An exclusive lock file in the output folder (refuses a second run)."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / LOCK_NAME

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                raise OutputLocked(
                    f"{self.path.parent}: another pipeline run is writing here "
                    f"(lock {self.path} held by pid {self._owner()}); wait for it or remove the lock"
                ) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return self
        raise OutputLocked(f"{self.path}: could not take the lock")

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0)
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
        self.path.unlink(missing_ok=True)


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

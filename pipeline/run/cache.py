"""Content-hash cache of per-document results, for fast re-runs.

A result is stored under sha256(extractor version, file suffix, raw bytes).
The extractor version hashes the package's code, every file under models/,
the settings that shape results, and the versions of spaCy, dateparser,
trafilatura, charset-normalizer and the spaCy model: changing any of them
makes every key new; changing one article re-extracts only that article.
The same bytes saved as .txt and as .html are different documents (one is
read as a page), so the suffix is part of the key.

Entries live in one folder per extractor version. After each run the cache
keeps the versions used by the last `run.cache_runs` runs (the current one
included) and deletes the others. Entries are written atomically, so a
killed run never leaves a half entry behind; the reader still verifies every
entry before using it (see pipeline/run/incremental.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pipeline

DEFAULT_CACHE_DIR = Path(".cache") / "pipeline"
# Libraries whose behaviour is part of a result.
LIBRARIES = ("spacy", "dateparser", "trafilatura", "charset-normalizer")
RUNS_FILE = "runs.json"
VERSION_DIR_RE = re.compile(r"[0-9a-f]{16}")
LEGACY_DIR_RE = re.compile(r"[0-9a-f]{2}")  # the flat layout before version folders
LEGACY_ENTRY_RE = re.compile(r"[0-9a-f]{64}\.json")


class CacheUnavailable(Exception):
    """The cache folder cannot be created or written; the run goes on without it."""


def extractor_version(settings, stages: tuple[str, ...]) -> str:
    """A hash of everything that can change a document's result."""
    digest = hashlib.sha256()
    package_dir = Path(pipeline.__file__).parent
    for root in (package_dir, Path(settings.models_dir)):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    shaping = {k: v for k, v in asdict(settings).items() if k != "run"}  # limits do not change a result
    digest.update(json.dumps(shaping, default=str, sort_keys=True).encode())
    digest.update(",".join(stages).encode())
    for name in LIBRARIES:
        digest.update(f"{name}=={_version(name)}\n".encode())
    model = settings.extract.model
    digest.update(f"{model}=={_version(model.replace('_', '-'))}\n".encode())
    meta = Path(model) / "meta.json"  # a model given as a folder
    if meta.is_file():
        digest.update(meta.read_bytes())
    return digest.hexdigest()


def content_key(version: str, suffix: str, data: bytes) -> str:
    """The key of a file's bytes read as a file with this suffix (".txt", ".html")."""
    digest = hashlib.sha256(version.encode() + b"\0" + suffix.lower().encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except (PackageNotFoundError, ValueError):
        return "?"


class ResultCache:
    """Cached DocumentResult payloads keyed by content hash, one folder per extractor version."""

    def __init__(self, directory: Path, version: str, keep_runs: int = 3):
        """Args:
            directory: the cache folder (created if missing).
            version: the extractor version (`extractor_version`).
            keep_runs: how many recent runs' versions `record_run` keeps.
        Raises:
            CacheUnavailable: the folder cannot be created or written.
        """
        self.directory = Path(directory)
        self.version = version
        self.keep_runs = max(1, keep_runs)
        self.root = self.directory / version[:16]
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CacheUnavailable(_why(self.directory, exc)) from None

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored payload, or None if absent or unreadable (the caller verifies it)."""
        try:
            payload = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return payload if isinstance(payload, dict) else None

    def put(self, key: str, payload: dict) -> None:
        """Store a payload atomically; CacheUnavailable if the folder is full or unwritable."""
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            raise CacheUnavailable(_why(self.directory, exc)) from None

    def record_run(self) -> list[str]:
        """Note this run's version; delete the versions no recent run used. Returns what was deleted."""
        runs_path = self.directory / RUNS_FILE
        try:
            runs = json.loads(runs_path.read_text(encoding="utf-8"))["versions"]
            runs = [v for v in runs if isinstance(v, str) and VERSION_DIR_RE.fullmatch(v)]
        except (OSError, ValueError, KeyError, TypeError):
            runs = []
        runs.append(self.version[:16])
        keep = list(dict.fromkeys(reversed(runs)))[:self.keep_runs]  # newest first, each version once
        tmp = runs_path.with_name(f".{RUNS_FILE}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"versions": list(reversed(keep))}) + "\n", encoding="utf-8")
            os.replace(tmp, runs_path)
        except OSError as exc:
            raise CacheUnavailable(_why(self.directory, exc)) from None
        removed = []
        for child in sorted(self.directory.iterdir()):
            if not child.is_dir() or child.is_symlink() or child.name in keep:
                continue
            legacy = LEGACY_DIR_RE.fullmatch(child.name) and all(
                LEGACY_ENTRY_RE.fullmatch(p.name) for p in child.iterdir())
            if VERSION_DIR_RE.fullmatch(child.name) or legacy:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child.name)
        return removed


def _why(directory: Path, exc: OSError) -> str:
    return f"cache folder {directory} is not usable ({exc.strerror or exc}); running without the cache"

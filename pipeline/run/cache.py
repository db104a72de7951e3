"""Content-hash cache of per-document results, for fast re-runs.

A result is stored under sha256(raw bytes + extractor version), where the
extractor version hashes the package's code, every file under models/, the
settings and the spaCy model's name and version. Changing any of them makes
every key new; changing one article re-extracts only that article. Entries
are written atomically, so a killed run never leaves a half entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import pipeline

DEFAULT_CACHE_DIR = Path(".cache") / "pipeline"


def extractor_version(settings, stages: tuple[str, ...]) -> str:
    """A hash of everything that can change a document's result."""
    digest = hashlib.sha256()
    package_dir = Path(pipeline.__file__).parent
    roots = [package_dir, Path(settings.models_dir)]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    digest.update(json.dumps(asdict(settings), default=str, sort_keys=True).encode())
    digest.update(",".join(stages).encode())
    try:
        from importlib.metadata import version

        digest.update(f"{settings.extract.model}=={version(settings.extract.model.replace('_', '-'))}".encode())
    except Exception:
        digest.update(settings.extract.model.encode())
    return digest.hexdigest()


class ResultCache:
    """Cached DocumentResult payloads keyed by content hash."""

    def __init__(self, directory: Path, version: str):
        self.directory = Path(directory)
        self.version = version

    def key(self, data: bytes) -> str:
        return hashlib.sha256(self.version.encode() + b"\0" + data).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def has(self, key: str) -> bool:
        return self._path(key).exists()

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, payload: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

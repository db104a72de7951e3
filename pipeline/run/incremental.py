"""Reusing earlier work: the result cache in a run, and the folder's fingerprint state.

Each file is read once; those bytes are hashed into the cache key, checked
against a cached entry and, on a miss, processed, so a file edited during a
run can never be answered with another content's result. An entry is used
only after verification: its raw sha256 must be the file's and every entity
must satisfy raw[start:end] == text in the freshly decoded file; anything
else is recomputed.

The fingerprint hashes every (doc, path, key) of a run. Stored in
OUT/.pipeline-state.json (written last when publishing), it lets an
unchanged re-run into the same folder stop after hashing the inputs.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from pipeline.read.sources import ReadError, SourceFile, load
from pipeline.run.cache import CacheUnavailable, ResultCache, content_key, extractor_version
from pipeline.run.document import DocumentResult, TooLarge, read_within_limit, reason, suffix_of
from pipeline.run.outputs import STATE_NAME
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class Reuse:
    """The cache (if usable) and the fingerprint of one run."""

    def __init__(self, cache_dir: Path | None, settings: Settings, stages: tuple[str, ...],
                 published: list[str]):
        """Args:
            cache_dir: the cache folder; None turns off the cache and the fingerprint.
            settings, stages: what the extractor version is made of.
            published: the output names this run publishes (part of the fingerprint).
        """
        self.cache: ResultCache | None = None
        self.version = extractor_version(settings, stages) if cache_dir is not None else None
        self.published = published
        self.digest = hashlib.sha256((self.version or "").encode())
        self.settled = True
        if cache_dir is not None and "clean" in stages:  # extract-only reads clean/ from disk: not cached
            try:
                self.cache = ResultCache(Path(cache_dir), self.version, settings.run.cache_runs)
            except CacheUnavailable as exc:
                log.warning("%s", exc)

    def key(self, data: bytes, source: SourceFile) -> str | None:
        if self.version is None:
            return None
        return content_key(self.version, suffix_of(source), data)

    # ------------------------------------------------------------------ the folder's state

    def unchanged(self, sources: list[SourceFile], out_dir: Path, max_bytes: int | None) -> dict | None:
        """The stored state if `out_dir` already holds this run's outputs (every file read and hashed)."""
        if self.version is None:
            return None
        state = read_state(out_dir)
        if not state.get("fingerprint") or not all((out_dir / n).exists() for n in self.published):
            return None
        digest = hashlib.sha256(self.version.encode())
        for source in sources:
            try:
                token = self.key(read_within_limit(source, max_bytes), source)
            except (ReadError, TooLarge) as exc:
                token = reason(exc)
            _add(digest, source, token)
        return state if _final(digest, self.published) == state["fingerprint"] else None

    def note(self, source: SourceFile, token: str) -> None:
        """Add a processed file (its key, or its failure status) to this run's fingerprint."""
        _add(self.digest, source, token)

    def unsettled(self) -> None:
        """A document failed for a reason that may pass (its worker died, it timed out): no fingerprint,
        so the next run does it again instead of saying there is nothing to redo."""
        self.settled = False

    def state_text(self, summary) -> str | None:
        """OUT/.pipeline-state.json for this run (None without a fingerprint)."""
        if self.version is None or not self.settled:
            return None
        return json.dumps({
            "fingerprint": _final(self.digest, self.published), "documents": summary.documents,
            "words": summary.words, "labels": dict(sorted(summary.labels.items())),
            "failed": summary.failed, "warnings": summary.warnings}, ensure_ascii=False) + "\n"

    # ------------------------------------------------------------------ the cache

    def lookup(self, key: str | None, source: SourceFile, data: bytes) -> DocumentResult | None:
        """A verified cached result for these bytes, re-labeled for `source`; None to compute."""
        if self.cache is None or key is None:
            return None
        payload = self.cache.get(key)
        if payload is None:
            return None
        try:
            result = DocumentResult(**payload)
            raw = load(source, data)
            good = (result.ok and result.info.get("sha256") == raw.sha256
                    and (result.sidecar or {}).get("sha256") == raw.sha256
                    and all(span_matches(raw.text, e, raw.kind) for e in result.entities))
        except (TypeError, KeyError, AttributeError, ReadError):
            good = False
        if not good:
            log.info("cache entry %s for %s failed verification; recomputing", key[:12], source.relpath)
            return None
        return _as_source(result, source)

    def store(self, key: str | None, result: DocumentResult) -> None:
        if self.cache is None or key is None or not result.ok:
            return
        try:
            self.cache.put(key, asdict(result))
        except CacheUnavailable as exc:
            log.warning("%s", exc)
            self.cache = None

    def finish(self) -> None:
        """After a published run: keep the cache's recent versions, delete the rest."""
        if self.cache is None:
            return
        try:
            removed = self.cache.record_run()
        except (CacheUnavailable, OSError) as exc:
            log.warning("cache housekeeping failed: %s", exc)
            return
        if removed:
            log.info("cache: deleted the entries of %d older extractor version(s)", len(removed))


def _add(digest, source: SourceFile, token: str | None) -> None:
    digest.update(f"{source.doc}\0{source.relpath}\0{token}\0".encode("utf-8", "surrogateescape"))


def _final(digest, published: list[str]) -> str:
    digest = digest.copy()
    digest.update(",".join(published).encode())
    return digest.hexdigest()


def read_state(out_dir: Path) -> dict:
    try:
        state = json.loads((out_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def summary_counts(state: dict) -> dict:
    """The RunSummary fields stored in a state."""
    return {"documents": state["documents"], "failed": [tuple(f) for f in state["failed"]],
            "warnings": [tuple(f) for f in state.get("warnings", [])], "labels": Counter(state["labels"]),
            "words": state["words"]}


def _as_source(result: DocumentResult, source: SourceFile) -> DocumentResult:
    """A cached result re-labeled for this file: byte-identical files share one entry."""
    result.doc = source.doc
    result.info.update(doc=source.doc, path=source.relpath)
    for entity in result.entities:
        entity["doc"] = source.doc
    if result.sidecar is not None:
        result.sidecar["doc"] = source.doc
    return result


TAG_RE = re.compile(r"<[^>]*>")


def span_matches(raw: str, entity: dict, kind: str) -> bool:
    """The entity's text is what its raw span holds: the same characters for plain text; for
    HTML, the span's visible text (tags dropped, character references decoded, blanks collapsed)."""
    piece = raw[entity["start"]:entity["end"]]
    if piece == entity["text"]:
        return True
    if kind != "html":
        return False
    visible = html.unescape(TAG_RE.sub(" ", piece))
    return " ".join(visible.split()) == " ".join(entity["text"].split())

"""One document (or a batch of them) through read -> clean -> extract: what a worker does.

Every failure becomes the document's `status` (`error: ...`, `skipped: ...`)
so the caller can go on with the other files. Nothing here prints or knows
about processes: the corpus loop, the local workers and Dask all call
`process_documents`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.clean.language import skip_reason
from pipeline.clean.cleaner import Block, CleanedDocument, clean
from pipeline.clean.offsets import OffsetMap
from pipeline.read.sources import ReadError, SourceFile, load, read_bytes
from pipeline.settings import Settings

CLEAN_DIR = "clean"
STATUS_PREFIXES = ("ok", "warning:", "skipped:", "error:")


@dataclass
class DocumentResult:
    doc: str
    info: dict
    entities: list[dict] = field(default_factory=list)
    clean_text: str | None = None
    sidecar: dict | None = None

    @property
    def ok(self) -> bool:
        """Processed, with entities written: status `ok` or `warning: ...`."""
        status = self.info.get("status") or ""
        return status == "ok" or status.startswith("warning:")


class TooLarge(Exception):
    """A file over the run's size limit; the message is its `skipped:` status."""


def document_info(source: SourceFile) -> dict:
    return {"doc": source.doc, "path": source.relpath, "sha256": None, "encoding": None, "title": None,
            "published": None, "outlet": None, "language": None, "words": 0, "lines_removed": 0, "status": "ok"}


def failed(source: SourceFile, status: str) -> DocumentResult:
    """The result of a document that could not be processed."""
    info = document_info(source)
    info["status"] = status
    return DocumentResult(source.doc, info)


def suffix_of(source: SourceFile) -> str:
    return PurePosixPath(source.relpath).suffix.lower()


def read_within_limit(source: SourceFile, max_bytes: int | None) -> bytes:
    """The file's bytes, read once; TooLarge (before reading) over the limit, ReadError if unreadable."""
    if max_bytes:
        size = None
        if not isinstance(source.path, str):
            try:
                size = os.stat(source.path).st_size
            except OSError:
                size = None  # read_bytes names the problem
        if size is not None and size > max_bytes:
            raise TooLarge(too_large(size, max_bytes))
    data = read_bytes(source)
    if max_bytes and len(data) > max_bytes:  # a remote file, or one that grew
        raise TooLarge(too_large(len(data), max_bytes))
    return data


def too_large(size: int, limit: int) -> str:
    return f"skipped: file is {size / 1e6:.3g} MB, over the limit of {limit / 1e6:.3g} MB"


def process_document(source: SourceFile, settings: Settings, extractor, cleaned_from: Path | None = None,
                     data: bytes | None = None) -> DocumentResult:
    """Clean and (with an extractor) extract one file; errors become its status.

    Args:
        source: the file to process.
        settings: the run's settings.
        extractor: an object with `entities_batch(items)` (the run's
            Extractor), or None to clean only.
        cleaned_from: an output folder whose clean/ sidecars replace cleaning.
        data: the file's bytes, if already read (then the file is not opened).
    """
    return process_documents([source], settings, extractor, cleaned_from, [data])[0]


def process_documents(sources: list[SourceFile], settings: Settings, extractor,
                      cleaned_from: Path | None = None,
                      datas: list[bytes | None] | None = None) -> list[DocumentResult]:
    """`process_document` for a batch: the model runs over the batch at once.

    A document whose extraction fails is retried alone, so one bad file never
    costs the others their entities.
    """
    datas = datas or [None] * len(sources)
    prepared: list[tuple[dict, object, CleanedDocument | None]] = []
    for source, data in zip(sources, datas):
        info = document_info(source)
        raw_doc = cleaned = None
        try:
            raw_doc = load(source, data)
            info.update(sha256=raw_doc.sha256, encoding=raw_doc.encoding)
            if cleaned_from is not None:
                cleaned = read_cleaned(cleaned_from, source.doc, raw_doc.sha256)
            else:
                cleaned = clean(raw_doc.text, raw_doc.kind, settings.clean, Path(settings.models_dir))
            info.update(title=cleaned.title, published=cleaned.published, outlet=cleaned.outlet,
                        words=cleaned.words, lines_removed=cleaned.removed)
            info["language"] = cleaned.language
            if cleaned.warnings:
                info["status"] = "warning: " + "; ".join(cleaned.warnings)
            info["status"] = skip_reason(cleaned.language, settings.clean.languages) or info["status"]
        except Exception as exc:  # one bad file must not cost the run
            info["status"] = reason(exc)
            cleaned = None
        prepared.append((info, raw_doc, cleaned))
    ready = [i for i, (info, _, cleaned) in enumerate(prepared)
             if cleaned is not None and not info["status"].startswith("skipped:")]
    entities: dict[int, list[dict]] = {i: [] for i in ready}
    if extractor is not None and ready:
        items = [(sources[i].doc, prepared[i][1].text, prepared[i][2], prepared[i][1].kind) for i in ready]
        try:
            entities.update(zip(ready, extractor.entities_batch(items)))
        except Exception:
            for i, item in zip(ready, items):
                try:
                    entities[i] = extractor.entities_batch([item])[0]
                except Exception as exc:
                    prepared[i][0]["status"] = reason(exc)
                    prepared[i] = (prepared[i][0], None, None)
    results = []
    for i, (source, (info, raw_doc, cleaned)) in enumerate(zip(sources, prepared)):
        if cleaned is None:
            results.append(DocumentResult(source.doc, info))
            continue
        sidecar = {"doc": source.doc, "sha256": raw_doc.sha256, "title": cleaned.title,
                   "published": cleaned.published, "outlet": cleaned.outlet, "removed": cleaned.removed,
                   "boilerplate_lines": cleaned.boilerplate_lines,
                   "language": cleaned.language, "warnings": cleaned.warnings,
                   "blocks": [[b.start, b.end, b.line, b.kind] for b in cleaned.blocks],
                   "offsets": cleaned.offsets.to_json()}
        results.append(DocumentResult(source.doc, info, entities.get(i, []), cleaned.text, sidecar))
    return results


def reason(exc: BaseException) -> str:
    """A one-line status for a failed file."""
    if isinstance(exc, (ReadError, TooLarge)):
        message = " ".join(str(exc).split())
        return message if message.startswith(STATUS_PREFIXES[1:]) else f"error: {message}"
    return f"error: {type(exc).__name__}: {exc}".splitlines()[0][:300]


def read_cleaned(out_dir: Path, doc: str, sha256: str | None = None) -> CleanedDocument:
    """Load a document's cleaning result written by an earlier `clean` stage.

    Args:
        sha256: the raw file's hash now; a sidecar made from other bytes is
            refused, since its offsets would point into another text.
    """
    base = out_dir / CLEAN_DIR / doc
    try:
        text = (base.parent / (base.name + ".txt")).read_text(encoding="utf-8")
        side = json.loads((base.parent / (base.name + ".json")).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ReadError(f"no cleaning output in {out_dir / CLEAN_DIR} (run `pipeline clean` first)") from None
    if sha256 is not None and side.get("sha256") != sha256:
        raise ReadError(f"the file changed since `pipeline clean` made {CLEAN_DIR}/{doc}.json "
                        f"(sha256 differs); run `pipeline clean` (or `dvc repro`) again")
    return CleanedDocument(
        text=text, offsets=OffsetMap.from_json(side["offsets"]),
        blocks=[Block(*b) for b in side["blocks"]], title=side["title"], published=side["published"],
        outlet=side["outlet"], removed=side["removed"], boilerplate_lines=side["boilerplate_lines"],
        language=side.get("language"), warnings=side.get("warnings", []),
    )

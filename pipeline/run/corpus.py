"""Running the pipeline over a corpus: read, clean, extract, write.

`process_corpus` streams documents in doc-id order through one or more worker
processes (each loads the spaCy pipeline once) and writes outputs as results
arrive, so memory does not grow with the corpus. A bad file becomes a
`status` line in documents.jsonl and the run goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing as mp
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from pipeline.clean.cleaner import CleanedDocument, clean
from pipeline.clean.language import skip_reason
from pipeline.clean.offsets import OffsetMap
from pipeline.run.outputs import ENTITY_FIELDS, RunLock, Staging, atomic_write_text, dumps
from pipeline.run.cache import ResultCache, extractor_version
from pipeline.read.sources import ReadError, SourceFile, discover, is_url, load, read_bytes
from pipeline.settings import Settings

ENTITIES = "entities.jsonl"
ENTITIES_CSV = "entities.csv"
ORGANIZATIONS_CSV = "organizations.csv"
# Documents a worker takes at a time: one nlp.pipe batch, small enough to keep
# both workers busy to the end of the corpus.
DOCUMENTS_PER_TASK = 8
# Records what the outputs in a folder were made from, so an unchanged re-run can stop early.
STATE_NAME = ".pipeline-state.json"
PLACES_CSV = "places.csv"
DOCUMENTS = "documents.jsonl"
CLEAN_DIR = "clean"
DOCUMENT_FIELDS = ("doc", "path", "sha256", "encoding", "title", "published", "outlet", "language", "words",
                   "lines_removed", "status")
# entities.csv: the flat entity fields, then the place/org records flattened.
CSV_COLUMNS = tuple(f for f in ENTITY_FIELDS if f not in ("place", "org")) + (
    "place_id", "place_name", "place_level", "place_province", "place_country", "place_lat", "place_lon",
    "org_id", "org_name")



@dataclass
class DocumentResult:
    doc: str
    info: dict
    entities: list[dict] = field(default_factory=list)
    clean_text: str | None = None
    sidecar: dict | None = None

    @property
    def ok(self) -> bool:
        return self.info.get("status") == "ok"


@dataclass
class RunSummary:
    documents: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    words: int = 0


# --------------------------------------------------------------------------- one document


class Extractor:
    """The loaded spaCy pipeline and lexicon, built once per process."""

    def __init__(self, settings: Settings):
        from pipeline.extract.extraction import lexicon_for, load_pipeline

        self.settings = settings
        self.nlp = load_pipeline(settings)
        self.lexicon = lexicon_for(settings)

    def entities(self, doc_id: str, raw: str, cleaned: CleanedDocument) -> list[dict]:
        """Entity records of one cleaned document, in raw offsets."""
        return self.entities_batch([(doc_id, raw, cleaned)])[0]

    def entities_batch(self, items: list[tuple[str, str, CleanedDocument]]) -> list[list[dict]]:
        """Entity records for several documents, running the model in one nlp.pipe batch."""
        from pipeline.extract.extraction import entities_from_doc, model_text

        texts = [model_text(cleaned.text) for _, _, cleaned in items]
        small = [i for i, t in enumerate(texts) if t.strip() and len(t) <= self.nlp.max_length]
        docs = dict(zip(small, self.nlp.pipe((texts[i] for i in small), batch_size=self.settings.extract.batch_size)))
        names = self.nlp.get_pipe("news_names") if "news_names" in self.nlp.pipe_names else None
        out = []
        for i, (doc_id, raw, cleaned) in enumerate(items):
            if not texts[i].strip():
                out.append([])
                continue
            spacy_doc = docs[i] if i in docs else self._run_model(texts[i])
            out.append(entities_from_doc(doc_id, raw, cleaned, spacy_doc, self.lexicon,
                                         self.settings.extract.labels, names))
        return out

    def _run_model(self, text: str):
        """The pipeline on `text`, in pieces at paragraph breaks if it is huge."""
        limit = self.nlp.max_length
        if len(text) <= limit:
            return self.nlp(text)
        from spacy.tokens import Doc

        pieces, start = [], 0
        while start < len(text):
            end = min(len(text), start + limit // 2)
            if end < len(text):
                cut = text.rfind("\n\n", start, end)
                end = cut + 2 if cut > start else end
            pieces.append(text[start:end])
            start = end
        docs = list(self.nlp.pipe(pieces))
        for doc in docs:  # caches of the text: Doc.from_docs would warn with all of it
            doc.user_data.clear()
        return Doc.from_docs(docs, ensure_whitespace=False)


def document_info(source: SourceFile) -> dict:
    return {"doc": source.doc, "path": source.relpath, "sha256": None, "encoding": None, "title": None,
            "published": None, "outlet": None, "language": None, "words": 0, "lines_removed": 0, "status": "ok"}


def process_document(source: SourceFile, settings: Settings, extractor: Extractor | None,
                     cleaned_from: Path | None = None, data: bytes | None = None) -> DocumentResult:
    """Clean and (with an extractor) extract one file; errors become its status.

    Args:
        source: the file to process.
        settings: the run's settings.
        extractor: None to clean only.
        cleaned_from: an output folder whose clean/ sidecars replace cleaning.
        data: the file's bytes, if already read (remote workers get them this way).
    """
    return process_documents([source], settings, extractor, cleaned_from, [data])[0]


def process_documents(sources: list[SourceFile], settings: Settings, extractor: Extractor | None,
                      cleaned_from: Path | None = None, datas: list[bytes | None] | None = None) -> list[DocumentResult]:
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
                cleaned = read_cleaned(cleaned_from, source.doc)
            else:
                cleaned = clean(raw_doc.text, raw_doc.kind, settings.clean, Path(settings.models_dir))
            info.update(title=cleaned.title, published=cleaned.published, outlet=cleaned.outlet,
                        words=cleaned.words, lines_removed=cleaned.removed)
            info["language"] = cleaned.language
            if cleaned.warnings:
                info["status"] = "warning: " + "; ".join(cleaned.warnings)
            info["status"] = skip_reason(cleaned.language, settings.clean.languages) or info["status"]
        except Exception as exc:  # one bad file must not cost the run
            info["status"] = _reason(exc)
            cleaned = None
        prepared.append((info, raw_doc, cleaned))
    ready = [i for i, (info, _, cleaned) in enumerate(prepared)
             if cleaned is not None and not info["status"].startswith("skipped:")]
    entities: dict[int, list[dict]] = {i: [] for i in ready}
    if extractor is not None and ready:
        items = [(sources[i].doc, prepared[i][1].text, prepared[i][2]) for i in ready]
        try:
            entities.update(zip(ready, extractor.entities_batch(items)))
        except Exception:
            for i, item in zip(ready, items):
                try:
                    entities[i] = extractor.entities(*item)
                except Exception as exc:
                    prepared[i][0]["status"] = _reason(exc)
                    prepared[i] = (prepared[i][0], None, None)
    results = []
    for i, (source, (info, raw_doc, cleaned)) in enumerate(zip(sources, prepared)):
        if cleaned is None:
            results.append(DocumentResult(source.doc, info))
            continue
        sidecar = {"doc": source.doc, "title": cleaned.title, "published": cleaned.published,
                   "outlet": cleaned.outlet, "removed": cleaned.removed,
                   "boilerplate_lines": cleaned.boilerplate_lines,
                   "language": cleaned.language, "warnings": cleaned.warnings,
                   "blocks": [[b.start, b.end, b.line, b.kind] for b in cleaned.blocks],
                   "offsets": cleaned.offsets.to_json()}
        results.append(DocumentResult(source.doc, info, entities.get(i, []), cleaned.text, sidecar))
    return results


def _reason(exc: Exception) -> str:
    """A one-line status for a failed file."""
    if isinstance(exc, ReadError):
        return str(exc)
    return f"error: {type(exc).__name__}: {exc}".splitlines()[0][:300]


def read_cleaned(out_dir: Path, doc: str) -> CleanedDocument:
    """Load a document's cleaning result written by an earlier `clean` stage."""
    from pipeline.clean.cleaner import Block

    base = out_dir / CLEAN_DIR / doc
    try:
        text = (base.parent / (base.name + ".txt")).read_text(encoding="utf-8")
        side = json.loads((base.parent / (base.name + ".json")).read_text(encoding="utf-8"))
    except OSError:
        raise ReadError(f"no cleaning output in {out_dir / CLEAN_DIR} (run `pipeline clean` first)") from None
    return CleanedDocument(
        text=text, offsets=OffsetMap.from_json(side["offsets"]),
        blocks=[Block(*b) for b in side["blocks"]], title=side["title"], published=side["published"],
        outlet=side["outlet"], removed=side["removed"], boilerplate_lines=side["boilerplate_lines"],
        language=side.get("language"), warnings=side.get("warnings", []),
    )


# --------------------------------------------------------------------------- workers

_WORKER: dict = {}


def _init_worker(settings: Settings, extract: bool, cleaned_from: Path | None) -> None:
    _WORKER["settings"] = settings
    _WORKER["extractor"] = Extractor(settings) if extract else None
    _WORKER["cleaned_from"] = cleaned_from


def _work(batch: list[SourceFile]) -> list[DocumentResult]:
    return process_documents(batch, _WORKER["settings"], _WORKER["extractor"], _WORKER["cleaned_from"])


def _batches(sources: list[SourceFile], size: int) -> Iterator[list[SourceFile]]:
    for i in range(0, len(sources), size):
        yield sources[i:i + size]


def cache_keys(sources: list[SourceFile], cache: ResultCache | None) -> dict[str, str]:
    """Each readable file's cache key (doc id -> key); empty without a cache."""
    keys: dict[str, str] = {}
    if cache is not None:
        for source in sources:
            try:
                keys[source.doc] = cache.key(read_bytes(source))
            except ReadError:
                continue
    return keys


def iter_results(sources: list[SourceFile], settings: Settings, workers: int, extract: bool,
                 cleaned_from: Path | None = None, cache: ResultCache | None = None,
                 dask: str | None = None, keys: dict[str, str] | None = None) -> Iterator[DocumentResult]:
    """Results in the order of `sources`: from the cache, else computed.

    Only documents missing from the cache are computed, by `workers` local
    processes or on the Dask cluster at `dask`; when everything is cached no
    model is loaded at all. `keys` are the files' cache keys if already known.
    """
    keys = cache_keys(sources, cache) if keys is None else keys
    # An entry that turns out unreadable is recomputed below.
    cached = {doc for doc, key in keys.items() if cache is not None and cache.has(key)}
    todo = [s for s in sources if s.doc not in cached]
    computed = _compute(todo, settings, workers, extract, cleaned_from, dask) if todo else iter(())
    for source in sources:
        if source.doc in cached:
            payload = cache.get(keys[source.doc])
            if payload is not None:
                yield _as_source(DocumentResult(**payload), source)
                continue
            # The entry vanished since the first pass: compute this one here.
            if _WORKER.get("settings") is not settings:
                _init_worker(settings, extract, cleaned_from)
            yield process_document(source, settings, _WORKER["extractor"], cleaned_from)
            continue
        result = next(computed)
        if cache is not None and result.ok and source.doc in keys:
            cache.put(keys[source.doc], asdict(result))
        yield result


def _as_source(result: DocumentResult, source: SourceFile) -> DocumentResult:
    """A cached result re-labeled for this file: byte-identical files share one entry."""
    result.doc = source.doc
    result.info.update(doc=source.doc, path=source.relpath)
    for entity in result.entities:
        entity["doc"] = source.doc
    if result.sidecar is not None:
        result.sidecar["doc"] = source.doc
    return result


def _compute(sources: list[SourceFile], settings: Settings, workers: int, extract: bool,
             cleaned_from: Path | None, dask: str | None) -> Iterator[DocumentResult]:
    if dask:
        from pipeline.run.distributed import dask_results

        yield from dask_results(sources, settings, extract, dask)
        return
    workers = max(1, min(workers, len(sources) or 1))
    batches = _batches(sources, DOCUMENTS_PER_TASK)
    if workers == 1:
        _init_worker(settings, extract, cleaned_from)
        for batch in batches:
            yield from _work(batch)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(settings, extract, cleaned_from)) as pool:
        for results in pool.imap(_work, batches):
            yield from results


# --------------------------------------------------------------------------- the corpus


def process_corpus(corpus, out_dir: Path, settings: Settings, *, workers: int = 1,
                   stages: tuple[str, ...] = ("clean", "extract"),
                   on_document: Callable[[DocumentResult], None] | None = None,
                   cache_dir: Path | None = None, dask: str | None = None) -> RunSummary:
    """Run the pipeline over every article under `corpus`.

    Args:
        corpus: folder of *.txt / *.html / *.htm files (searched recursively).
        out_dir: where outputs go (see README, "Output contract").
        settings: the run's settings.
        workers: local worker processes.
        stages: ("clean",), ("extract",) (reusing out_dir/clean), or both.
        on_document: called with each result as it is written (progress bars).
        cache_dir: where per-document results are cached (None: no cache).
        dask: a Dask scheduler address, or "local" for a LocalCluster.
    Returns:
        Counts of documents, entities per label and the failed files.
    """
    out_dir = Path(out_dir)
    if not is_url(corpus):
        corpus = Path(corpus)
        if not corpus.is_dir():
            raise FileNotFoundError(f"{corpus}: not a folder")
    sources = discover(corpus)
    summary = RunSummary()
    do_clean, do_extract = "clean" in stages, "extract" in stages
    if do_extract and not do_clean and not (out_dir / CLEAN_DIR).is_dir():
        raise FileNotFoundError(f"{out_dir / CLEAN_DIR}: no cleaning output; run `pipeline clean` (or `dvc repro`) first")
    # Each stage owns its files (DVC needs disjoint outs): clean writes
    # documents.jsonl and clean/, extract writes the entities.
    published = ([DOCUMENTS, CLEAN_DIR] if do_clean else []) + (
        [ENTITIES, ENTITIES_CSV, ORGANIZATIONS_CSV, PLACES_CSV] if do_extract else [])
    with RunLock(out_dir):
        cache = None
        if cache_dir is not None and do_clean:  # extract-only reads clean/ from disk: not cached
            cache = ResultCache(Path(cache_dir), extractor_version(settings, stages))
        keys = cache_keys(sources, cache)  # every file is read and hashed once per run
        fingerprint = _fingerprint(sources, cache, keys, published)
        state = _read_state(out_dir)
        if fingerprint and state.get("fingerprint") == fingerprint and all((out_dir / n).exists() for n in published):
            return _summary_from(state)  # same inputs, same extractor, outputs in place: nothing to redo
        staging = Staging(out_dir)
        try:
            results = iter_results(sources, settings, workers, do_extract,
                                   cleaned_from=None if do_clean else out_dir, cache=cache, dask=dask, keys=keys)
            _write_all(results, staging, summary, do_clean, do_extract, on_document)
            staging.publish(published)
        except BaseException:
            staging.discard()
            raise
        _write_state(out_dir, fingerprint, summary)
    return summary


def _fingerprint(sources: list[SourceFile], cache: ResultCache | None, keys: dict[str, str],
                 published: list[str]) -> str | None:
    """A hash of every input and the extractor version (None without a cache)."""
    if cache is None:
        return None
    digest = hashlib.sha256(cache.version.encode())
    for source in sources:
        key = keys.get(source.doc, "unreadable")
        digest.update(f"{source.doc}\0{source.relpath}\0{key}\0".encode())
    digest.update(",".join(published).encode())
    return digest.hexdigest()


def _read_state(out_dir: Path) -> dict:
    try:
        return json.loads((out_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(out_dir: Path, fingerprint: str | None, summary: RunSummary) -> None:
    path = out_dir / STATE_NAME
    if fingerprint is None:
        path.unlink(missing_ok=True)
        return
    atomic_write_text(path, json.dumps({
        "fingerprint": fingerprint, "documents": summary.documents, "words": summary.words,
        "labels": dict(sorted(summary.labels.items())), "failed": summary.failed}, ensure_ascii=False) + "\n")


def _summary_from(state: dict) -> RunSummary:
    return RunSummary(documents=state["documents"], failed=[tuple(f) for f in state["failed"]],
                      labels=Counter(state["labels"]), words=state["words"])


def _write_all(results: Iterator[DocumentResult], staging: Staging, summary: RunSummary, do_clean: bool,
               do_extract: bool, on_document) -> None:
    with (staging.path(DOCUMENTS).open("w", encoding="utf-8", newline="\n") as documents,
          staging.path(ENTITIES).open("w", encoding="utf-8", newline="\n") as entities,
          staging.path(ENTITIES_CSV).open("w", encoding="utf-8", newline="") as entities_csv):
        writer = csv.DictWriter(entities_csv, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        registry = EntityRegistry()
        for result in results:
            summary.documents += 1
            documents.write(dumps({k: result.info.get(k) for k in DOCUMENT_FIELDS}) + "\n")
            if not result.ok:
                summary.failed.append((result.info["path"], result.info["status"]))
                print(f"{result.info['path']}: {result.info['status']}", file=sys.stderr)
            else:
                summary.words += result.info.get("words") or 0
            for entity in result.entities:
                entities.write(dumps(entity) + "\n")
                writer.writerow(_csv_row(entity))
                summary.labels[entity["label"]] += 1
                registry.add(result.doc, entity)
            if do_clean and result.clean_text is not None:
                atomic_write_text(staging.path(f"{CLEAN_DIR}/{result.doc}.txt"), result.clean_text, durable=False)
                atomic_write_text(staging.path(f"{CLEAN_DIR}/{result.doc}.json"), dumps(result.sidecar) + "\n",
                                  durable=False)
            if on_document is not None:
                on_document(result)
    if do_extract:
        registry.write(staging.path(ORGANIZATIONS_CSV), staging.path(PLACES_CSV))


class EntityRegistry:
    """Corpus-level tables of canonical organizations and places.

    Counts mentions and documents per canonical id while entities stream by;
    memory grows with the number of distinct entities, not with the corpus.
    """

    PLACE_COLUMNS = ("id", "name", "level", "province", "country", "lat", "lon", "mentions", "documents", "surface_forms")
    ORG_COLUMNS = ("id", "name", "mentions", "documents", "surface_forms")

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict] = {}

    def add(self, doc: str, entity: dict) -> None:
        record = entity.get("place") or entity.get("org")
        if record is None:
            return
        kind = "place" if "place" in entity else "org"
        key_id = record["id"] or f"unresolved:{record.get('province') or ''}:{record['name']}:{record.get('level') or ''}"
        row = self.rows.get((kind, key_id))
        if row is None:
            row = {k: v for k, v in record.items() if k != "parent"}
            row.update(id=key_id, mentions=0, documents=0, surface_forms=set(), _last=None)
            self.rows[(kind, key_id)] = row
        row["mentions"] += 1
        row["surface_forms"].add(entity["text"])
        if row["_last"] != doc:
            row["documents"] += 1
            row["_last"] = doc

    def write(self, orgs_path: Path, places_path: Path) -> None:
        for kind, path, columns in (("org", orgs_path, self.ORG_COLUMNS), ("place", places_path, self.PLACE_COLUMNS)):
            rows = sorted((r for (k, _), r in self.rows.items() if k == kind), key=lambda r: (-r["mentions"], r["id"]))
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({**{k: ("" if v is None else v) for k, v in row.items()},
                                 "surface_forms": "|".join(sorted(row["surface_forms"]))})
            atomic_write_text(path, buf.getvalue())


def _csv_row(entity: dict) -> dict:
    """Flatten the nested place/org records into place_* / org_* columns."""
    row = {k: ("" if v is None else v) for k, v in entity.items() if not isinstance(v, dict)}
    for key in ("place", "org"):
        for name, value in (entity.get(key) or {}).items():
            row[f"{key}_{name}"] = "" if value is None else value
    return row

"""Running the pipeline over a corpus: read, clean, extract, write, publish.

`process_corpus` reads each file once in this process (hashing it for the
cache), answers it from the cache when it can, and otherwise sends its bytes
to the workers: local processes forked after the spaCy pipeline is loaded
here (pipeline/run/workers.py), or a Dask cluster (pipeline/run/distributed.py).
Results come back in corpus order and are written into a staging folder as
they arrive, so memory does not grow with the corpus; the outputs are
published in one journaled step at the end (pipeline/run/outputs.py). A bad
file becomes a `status` line in documents.jsonl and the run goes on.
"""

from __future__ import annotations

import gc
import logging
from collections import deque
from contextlib import closing
from pathlib import Path
from typing import Callable, Iterator

from pipeline.clean.cleaner import CleanedDocument
from pipeline.read.sources import ReadError, SourceFile, discover, is_url
from pipeline.run.document import (CLEAN_DIR, DocumentResult, TooLarge, failed, process_document,
                                   process_documents, read_within_limit, reason)
from pipeline.run.incremental import Reuse, summary_counts
from pipeline.run.outputs import OutputError, RunLock, Staging, recover
from pipeline.run.tables import (DOCUMENTS, ENTITIES, ENTITIES_CSV, ORGANIZATIONS_CSV, PLACES_CSV,
                                 OutputWriter, RunSummary, preload_tables)
from pipeline.run.workers import InlinePool, LocalPool, Lost, fork_available
from pipeline.extractor import ModelError
from pipeline.settings import Settings

__all__ = ["ModelError", "RunSummary", "DocumentResult", "process_corpus", "process_document",
           "process_documents", "check_model"]

log = logging.getLogger(__name__)

# Documents a worker takes at a time: one nlp.pipe batch, small enough to keep
# both workers busy to the end of the corpus. Larger files go alone.
DOCUMENTS_PER_TASK = 8
BYTES_PER_TASK = 256_000
# Documents read ahead of the one being written, per worker; and their bytes at most.
READ_AHEAD_PER_WORKER = 4 * DOCUMENTS_PER_TASK
READ_AHEAD_BYTES = 256_000_000


# A short article the parent runs once before forking, so workers inherit a warmed-up pipeline.
WARM_UP = SourceFile("warm-up", "warm-up.txt", "warm-up.txt")
WARM_UP_TEXT = ("BEIJING, Jan 26, 2018 - Alibaba Group said on Friday that sales in Zhejiang province rose "
                "5 percent to 120 million yuan ($17.3 million) last year.\n").encode()  # no QUANTITY: quantulum3 stays lazy


def check_model(settings: Settings) -> None:
    """Fail in a moment, before any lock or worker, if `extract.model` is not installed."""
    import spacy

    name = settings.extract.model
    if Path(name).is_dir() or spacy.util.is_package(name):
        return
    installed = ", ".join(sorted(spacy.util.get_installed_models())) or "none"
    raise ModelError(f"spaCy pipeline {name!r} is not installed (installed: {installed}); pip install it, "
                     f"or choose one with --model or extract.model in params.yaml")


# --------------------------------------------------------------------------- the corpus


def process_corpus(corpus, out_dir: Path, settings: Settings, *, workers: int = 1,
                   stages: tuple[str, ...] = ("clean", "extract"),
                   on_document: Callable[[DocumentResult], None] | None = None,
                   cache_dir: Path | None = None, dask: str | None = None,
                   pipeline_cache_dir: Path | None = None) -> RunSummary:
    """Run the pipeline over every article under `corpus`.

    Args:
        corpus: folder of *.txt / *.html / *.htm files (searched recursively),
            or an fsspec URL.
        out_dir: where outputs go (see README, "Output contract"); files
            inside it are never read as articles.
        settings: the run's settings.
        workers: local worker processes.
        stages: ("clean",), ("extract",) (reusing out_dir/clean), or both.
        on_document: called with each result as it is written (progress bars).
        cache_dir: where per-document results are cached (None: no cache).
        dask: a Dask scheduler address, or "local" for a LocalCluster.
        pipeline_cache_dir: where the built spaCy pipeline is kept for the
            next run (default: cache_dir; None with no cache_dir: built anew).
    Returns:
        Counts of documents, entities per label and the failed files.
    Raises:
        FileNotFoundError: no such corpus folder, or no clean/ for extract.
        ModelError: the spaCy pipeline is not installed or not usable.
        OutputError: the output folder cannot be written.
        OutputLocked: another run is writing into `out_dir`.
    """
    out_dir = Path(out_dir)
    if not is_url(corpus):
        corpus = Path(corpus)
        if not corpus.is_dir():
            raise FileNotFoundError(f"{corpus}: not a folder")
    sources = _sources(corpus, out_dir)
    do_clean, do_extract = "clean" in stages, "extract" in stages
    if do_extract and not do_clean and not (out_dir / CLEAN_DIR).is_dir():
        raise FileNotFoundError(f"{out_dir / CLEAN_DIR}: no cleaning output; run `pipeline clean` (or `dvc repro`) first")
    if do_extract:
        check_model(settings)
    # Each stage owns its files (DVC needs disjoint outs): clean writes
    # documents.jsonl and clean/, extract writes the entities.
    published = ([DOCUMENTS, CLEAN_DIR] if do_clean else []) + (
        [ENTITIES, ENTITIES_CSV, ORGANIZATIONS_CSV, PLACES_CSV] if do_extract else [])
    max_bytes = int(settings.run.max_file_mb * 1e6) or None
    try:
        with RunLock(out_dir):
            recover(out_dir)  # a publish a killed run left half done is finished first
            reuse = Reuse(cache_dir, settings, stages, published)
            state = reuse.unchanged(sources, out_dir, max_bytes)
            if state is not None:
                return RunSummary(**summary_counts(state))  # same inputs, same extractor: nothing to redo
            staging = Staging(out_dir)
            writer = None
            try:
                writer = OutputWriter(staging, do_clean, do_extract)
                results = _results(sources, settings, reuse, workers, do_extract,
                                   None if do_clean else out_dir, dask, max_bytes,
                                   pipeline_cache_dir if pipeline_cache_dir is not None else cache_dir)
                with closing(results):  # stops the workers at once if writing fails
                    for result in results:
                        writer.add(result)
                        if on_document is not None:
                            on_document(result)
                summary = writer.close()
                staging.publish(published, reuse.state_text(summary))
            except BaseException:
                if writer is not None:
                    writer.abort()
                staging.discard()
                raise
            reuse.finish()
    except OSError as exc:  # reading is per file, so this is the output folder
        raise OutputError.of(out_dir, exc) from None
    return summary


def _sources(corpus, out_dir: Path) -> list[SourceFile]:
    """The corpus's articles, minus anything inside the output folder."""
    sources = discover(corpus)
    if is_url(corpus):
        return sources
    out = out_dir.resolve()
    kept = []
    for source in sources:
        path = Path(source.path)
        if path == out or out in path.parents:
            continue
        kept.append(source)
    return kept


class _Slot:
    """One document on its way through: its bytes until computed, then its result."""

    __slots__ = ("source", "payload", "key", "result", "size", "hit")

    def __init__(self, source: SourceFile):
        self.source, self.payload, self.key, self.result, self.size, self.hit = source, None, None, None, 0, False


def _results(sources: list[SourceFile], settings: Settings, reuse: Reuse, workers: int, extract: bool,
             cleaned_from: Path | None, dask: str | None, max_bytes: int | None,
             pipeline_cache_dir: Path | None = None) -> Iterator[DocumentResult]:
    """Results in the order of `sources`: from the cache, else computed by the workers.

    The pool (and the model) is started at the first document that needs
    computing, so a fully cached corpus never loads the model.
    """
    pool = None
    pending: deque[_Slot] = deque()
    batch: list[_Slot] = []
    window = READ_AHEAD_PER_WORKER * max(1, workers)
    pending_bytes = 0

    def submit() -> None:
        nonlocal pool, batch
        if not batch:
            return
        first = pool is None
        if first:
            pool = _start_pool(settings, workers, extract, cleaned_from, dask, pipeline_cache_dir)
        pool.submit(batch)
        batch = []
        if first:
            preload_tables()  # while the workers compute

    def absorb() -> None:
        done = pool.wait()
        if not done and not pool.pending():
            raise RuntimeError("internal error: a document was never sent to a worker")
        for slot, result in done:
            if isinstance(result, Lost):  # may go better next time: not part of a fingerprint
                reuse.unsettled()
                result = failed(slot.source, result.status)
            slot.result = result
            slot.payload = None

    try:
        for source in sources:
            slot = _Slot(source)
            _prepare(slot, reuse, max_bytes)
            pending.append(slot)
            pending_bytes += slot.size
            if slot.result is None:
                batch.append(slot)
                if len(batch) >= DOCUMENTS_PER_TASK or sum(s.size for s in batch) >= BYTES_PER_TASK:
                    submit()
            while pending and (pending[0].result is not None or len(pending) > window
                               or pending_bytes > READ_AHEAD_BYTES):
                if pending[0].result is None:
                    if batch and pending[0] in batch:
                        submit()
                    absorb()
                    continue
                done = pending.popleft()
                pending_bytes -= done.size
                yield _finish(done, reuse)
        submit()
        while pending:
            if pending[0].result is None:
                absorb()
                continue
            yield _finish(pending.popleft(), reuse)
    finally:
        if pool is not None:
            pool.close()


def _prepare(slot: _Slot, reuse: Reuse, max_bytes: int | None) -> None:
    """Read the file once: a failure status, a verified cached result, or bytes to compute."""
    source = slot.source
    if not _utf8(source.relpath):  # it could not be written into the UTF-8 outputs
        shown = SourceFile(_escaped(source.doc), source.path, _escaped(source.relpath))
        slot.source = shown
        slot.result = failed(shown, "error: file name is not valid UTF-8 (rename the file)")
        return
    try:
        data = read_within_limit(source, max_bytes)
    except (ReadError, TooLarge) as exc:
        slot.result = failed(source, reason(exc))
        return
    slot.key = reuse.key(data, source)
    slot.size = len(data)
    slot.result = reuse.lookup(slot.key, source, data)
    slot.hit = slot.result is not None
    if not slot.hit:
        slot.payload = (source, data)


def _finish(slot: _Slot, reuse: Reuse) -> DocumentResult:
    """Cache a computed result and add the document to the run's fingerprint."""
    result = slot.result
    if not slot.hit:
        reuse.store(slot.key, result)
    reuse.note(slot.source, slot.key or result.info["status"])
    return result


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(name: str) -> str:
    """A file name with undecodable bytes shown as \\xNN, as the outputs can hold it."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _start_pool(settings: Settings, workers: int, extract: bool, cleaned_from: Path | None, dask: str | None,
                cache_dir: Path | None = None):
    """Load the pipeline here, then start the workers (which inherit it when forked)."""
    if dask:
        from pipeline.extractor.extraction import Extractor
        from pipeline.run.distributed import DaskPool

        return DaskPool(dask, settings, extract, Extractor)
    extractor = None
    if extract:  # a clean-only run never imports spaCy
        from pipeline.extractor.extraction import Extractor

        extractor = Extractor(settings, cache_dir=cache_dir)  # the built pipeline is cached beside the results
        # first-use costs (lazy imports, parsers) paid here once, not in every worker
        process_documents([WARM_UP], settings, extractor, datas=[WARM_UP_TEXT])
        # The loaded pipeline lives as long as the run: out of the collector's sight, the
        # workers' collections do not touch (and so copy) its pages, and exit does not walk it.
        gc.freeze()

    def work(payloads: list[tuple[SourceFile, bytes]]) -> list[DocumentResult]:
        return process_documents([s for s, _ in payloads], settings, extractor, cleaned_from,
                                 [d for _, d in payloads])

    if not fork_available():
        return InlinePool(work)
    timeout = settings.run.document_timeout_s or None
    return LocalPool(workers, work, timeout)

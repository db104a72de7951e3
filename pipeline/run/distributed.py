"""Scale-out on an existing Dask cluster (dask.distributed).

The client reads each article's bytes and sends them with the task, so
workers need no access to the corpus (local folder or fsspec URL alike).
Each worker process builds the spaCy pipeline once and keeps it. Results
come back through a bounded window of futures and are yielded in corpus
order, so outputs are byte-identical to a local run.
"""

from __future__ import annotations

from collections import deque
from typing import Iterator

from pipeline.read.sources import ReadError, SourceFile, read_bytes
from pipeline.settings import Settings

# Futures in flight: enough to keep every worker busy, few enough to keep memory flat.
WINDOW_PER_WORKER = 8
_EXTRACTORS: dict = {}


def _process_remote(source: SourceFile, data: bytes | None, error: str | None, settings: Settings,
                    extract: bool):
    """Runs on a worker: one document, with the worker's cached extractor."""
    from pipeline.extractor.extraction import Extractor
    from pipeline.run.corpus import DocumentResult, document_info, process_document

    if error is not None:
        info = document_info(source)
        info["status"] = error
        return DocumentResult(source.doc, info)
    extractor = None
    if extract:
        key = repr(settings)
        extractor = _EXTRACTORS.get(key)
        if extractor is None:
            extractor = _EXTRACTORS[key] = Extractor(settings)
    return process_document(source, settings, extractor, data=data)


def open_client(address: str):
    """A Client for `address`, or for a new loopback LocalCluster when it is "local"."""
    from dask.distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        return Client(cluster), cluster
    return Client(address), None


def dask_results(sources: list[SourceFile], settings: Settings, extract: bool, address: str) -> Iterator:
    """DocumentResults for `sources`, in order, computed on the cluster at `address`."""
    client, cluster = open_client(address)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = WINDOW_PER_WORKER * workers
        pending: deque = deque()
        for source in sources:
            try:
                data, error = read_bytes(source), None
            except ReadError as exc:
                data, error = None, str(exc)
            pending.append(client.submit(_process_remote, source, data, error, settings, extract, pure=False))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

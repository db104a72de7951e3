"""Scale-out on a Dask cluster (dask.distributed), with the local pool's interface.

The client reads each article's bytes and sends them with the task, so
workers need no access to the corpus (local folder or fsspec URL alike).
Each worker process builds the spaCy pipeline once and keeps it. A document
whose task kills its workers ends as that file's `error:` status (Dask's
KilledWorker, caught per future), not as a failure of the run.

`--dask local` starts a LocalCluster on 127.0.0.1 with TLS and throw-away
credentials (distributed's Security.temporary()), so no other local process
can submit code to it. Tasks and results travel as pickles: `--dask ADDRESS`
means trusting that cluster with code execution both ways.
"""

from __future__ import annotations

import logging

from pipeline.run.document import process_document
from pipeline.run.workers import Lost
from pipeline.settings import Settings

log = logging.getLogger(__name__)

# Futures in flight: enough to keep every worker busy, few enough to keep memory flat.
WINDOW_PER_WORKER = 8
# Retries of a task whose worker died, on clusters this module starts (Dask's default is 3).
ALLOWED_FAILURES = 1
_EXTRACTORS: dict = {}


def _process_remote(source, data: bytes, settings: Settings, extract: bool, make_extractor):
    """Runs on a worker: one document, with the worker's cached extractor."""
    extractor = None
    if extract:
        key = repr(settings)
        extractor = _EXTRACTORS.get(key)
        if extractor is None:
            extractor = _EXTRACTORS[key] = make_extractor(settings)
    return process_document(source, settings, extractor, data=data)


def open_client(address: str):
    """(Client, cluster or None) for `address`, or for a new TLS LocalCluster when it is "local"."""
    import dask
    from dask.distributed import Client, LocalCluster
    from distributed.security import Security

    if address == "local":
        security = Security.temporary()
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   protocol="tls", security=security, dashboard_address=None)
        return Client(cluster, security=security), cluster
    return Client(address), None


class DaskPool:
    """Documents as futures on the cluster at `address`; `wait` returns (item, result) as they finish."""

    def __init__(self, address: str, settings: Settings, extract: bool, make_extractor):
        self.client, self.cluster = open_client(address)
        self.settings, self.extract, self.make_extractor = settings, extract, make_extractor
        self.futures: dict = {}
        self.retried: set[int] = set()  # ids of pending items already resubmitted once
        self.capacity = WINDOW_PER_WORKER * max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, items: list) -> None:
        for item in items:
            source, data = item.payload
            future = self.client.submit(_process_remote, source, data, self.settings, self.extract,
                                        self.make_extractor, pure=False)
            self.futures[future] = item

    def pending(self) -> bool:
        return bool(self.futures)

    def wait(self) -> list:
        from distributed import KilledWorker, wait

        if not self.futures:
            return []
        done, _ = wait(list(self.futures), return_when="FIRST_COMPLETED")
        out = []
        for future in done:
            item = self.futures.pop(future)
            try:
                out.append((item, future.result()))
                self.retried.discard(id(item))
            except KilledWorker as exc:
                # Every task queued on a dying worker is blamed, so an innocent one gets one more try.
                log.info("Dask workers died on %s: %s", item.payload[0].relpath, exc)
                if id(item) not in self.retried:
                    self.retried.add(id(item))
                    self.submit([item])
                    continue
                self.retried.discard(id(item))
                out.append((item, Lost("error: worker died (Dask KilledWorker: the task killed its "
                                       "worker on every try, also when resubmitted) on this file")))
            except Exception as exc:  # the task raised on the worker
                self.retried.discard(id(item))
                out.append((item, Lost(f"error: {type(exc).__name__}: {exc}".splitlines()[0][:300])))
        return out

    def close(self) -> None:
        for future in self.futures:
            future.cancel()
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

"""Local worker processes that survive a dead or stuck worker.

Workers are forked from the parent after it has loaded the spaCy pipeline,
so each inherits the loaded pipeline instead of building its own. Not
multiprocessing.Pool: a Pool waits forever for a task whose worker the OOM
killer took. Here every worker has its own pipe and the parent waits on the
pipes and the processes' sentinels together, so a death or a task over its
time limit is seen at once. The worker is then replaced (forked again) and
its documents retried one by one: a document that kills its worker again,
alone, is reported as failed; one that runs past the time limit alone is
stopped and reported as timed out. The run always ends.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Callable

log = logging.getLogger(__name__)

# How often a document may lose its worker before it is reported: once in its batch, once alone.
MAX_ATTEMPTS = 2
# The function the workers run, set in the parent before it forks (so nothing is pickled).
_WORK: dict[str, Callable] = {}


@dataclass(frozen=True)
class Lost:
    """A document whose worker died or ran out of time; `status` is its `error:` line."""

    status: str


@dataclass
class _Task:
    items: list
    tries: int = 0  # times these items already lost their worker
    started: float = 0.0


@dataclass
class _Worker:
    process: mp.Process
    conn: Connection
    task: _Task | None = None


def fork_available() -> bool:
    return "fork" in mp.get_all_start_methods()


class LocalPool:
    """Up to `size` forked workers running `work(payloads) -> results` on submitted items.

    Items are any objects with a picklable `payload`; `wait` returns
    (item, result) pairs as tasks finish, a `Lost` in place of the result for
    an item that could not be computed.
    """

    def __init__(self, size: int, work: Callable[[list], list], timeout: float | None = None):
        self.size = max(1, size)
        self.timeout = timeout or None
        self.queue: deque[_Task] = deque()
        self.workers: list[_Worker] = []
        self.ctx = mp.get_context("fork")
        _WORK["work"] = work

    @property
    def capacity(self) -> int:
        return self.size

    def submit(self, items: list) -> None:
        self.queue.append(_Task(list(items)))
        self._dispatch()  # an idle worker starts at once, not at the next wait()

    def pending(self) -> bool:
        return bool(self.queue) or any(w.task is not None for w in self.workers)

    def wait(self) -> list[tuple[object, object]]:
        """Block until at least one task ends; its (item, result) pairs (empty if nothing is pending)."""
        while True:
            self._dispatch()
            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                return []
            timeout = None
            if self.timeout:
                timeout = max(0.0, min(w.task.started for w in busy) + self.timeout - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
            done: list[tuple[object, object]] = []
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    done.extend(self._collect(worker))
                elif self.timeout and time.monotonic() - worker.task.started >= self.timeout:
                    done.extend(self._lose(worker, timed_out=True))
            if done:
                self._dispatch()  # the freed workers go on with queued tasks while the caller writes
                return done

    def _collect(self, worker: _Worker) -> list:
        task = worker.task
        try:
            if worker.conn.poll():
                results, error = worker.conn.recv()
                worker.task = None
                if error is not None:  # `work` itself raised: not the document's fault to retry
                    return [(item, Lost(error)) for item in task.items]
                return list(zip(task.items, results))
        except (EOFError, OSError):
            pass
        return self._lose(worker, timed_out=False)

    def _lose(self, worker: _Worker, timed_out: bool) -> list:
        """The worker died or overran: replace it, requeue or report its task's items."""
        task = worker.task
        worker.task = None
        self._stop(worker)
        how = (f"ran past {self.timeout:g} s" if timed_out else _death(worker.process.exitcode))
        log.info("worker %s %s on a task of %d document(s)", worker.process.pid, how, len(task.items))
        tries = task.tries + 1
        if len(task.items) > 1 or (not timed_out and tries < MAX_ATTEMPTS):
            for item in reversed(task.items):  # alone this time, in a fresh worker, in corpus order
                self.queue.appendleft(_Task([item], tries))
            return []
        if timed_out:
            return [(task.items[0], Lost(f"error: timed out after {self.timeout:g} s"))]
        return [(task.items[0], Lost(f"error: worker died ({how}) on this file, also when retried "
                                     f"alone in a fresh worker"))]

    def _dispatch(self) -> None:
        """Give queued tasks to idle workers, forking new ones up to `size`."""
        while self.queue:
            idle = next((w for w in self.workers if w.task is None), None)
            if idle is None:
                if len(self.workers) >= self.size:
                    return
                idle = self._spawn()
            task = self.queue.popleft()
            try:
                idle.conn.send([item.payload for item in task.items])
            except (OSError, EOFError):  # died while idle
                self._stop(idle)
                self.queue.appendleft(task)
                continue
            task.started = time.monotonic()
            idle.task = task

    def _spawn(self) -> _Worker:
        parent_end, child_end = self.ctx.Pipe()
        # The child closes every parent end it inherits, its own included: otherwise its recv()
        # never sees EOF when the parent is killed, and the orphan keeps the run lock open.
        inherited = [w.conn for w in self.workers] + [parent_end]
        process = self.ctx.Process(target=_serve, args=(child_end, inherited), daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self.workers.append(worker)
        return worker

    def _stop(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self.workers.remove(worker)

    def close(self) -> None:
        for worker in list(self.workers):
            try:
                worker.conn.send(None)
            except (OSError, EOFError):
                pass
        deadline = time.monotonic() + 5
        for worker in list(self.workers):
            worker.process.join(max(0.0, deadline - time.monotonic()))
            self._stop(worker)


PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the parent dies (SIGKILL of the run included)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed pipe still ends the worker
        pass


def _serve(conn: Connection, inherited: list[Connection]) -> None:
    """A worker's loop: payload lists in, (results, error) out, until None or the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    for other in inherited:  # the parent's ends of the pipes, this worker's own and the others'
        other.close()
    work = _WORK["work"]
    while True:
        try:
            payloads = conn.recv()
        except (EOFError, OSError):
            return
        if payloads is None:
            return
        try:
            results, error = work(payloads), None
        except Exception as exc:
            results, error = None, f"error: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        conn.send((results, error))


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


class InlinePool:
    """The same interface, computing in this process (where fork is not available): no limits."""

    def __init__(self, work: Callable[[list], list]):
        self.work = work
        self.done: deque = deque()

    capacity = 1

    def submit(self, items: list) -> None:
        self.done.extend(zip(items, self.work([item.payload for item in items])))

    def pending(self) -> bool:
        return bool(self.done)

    def wait(self) -> list:
        done, self.done = list(self.done), deque()
        return done

    def close(self) -> None:
        pass

"""Execution backends behind one interface: ``backend.run(tasks)`` yields ``(task, output)`` as runs finish.

- ``SerialBackend``: in this process, one run after the other.
- ``ProcessBackend``: local worker processes (``--workers N``), ``concurrent.futures`` with the
  ``forkserver`` start method (safe in a multi-threaded parent; the model is imported once, in the
  fork server, not once per worker).
- ``DaskBackend``: Dask distributed, either a ``LocalCluster`` on 127.0.0.1 that it starts
  (``--dask-workers N``) or an existing scheduler (``--scheduler tcp://HOST:PORT``).

Every backend keeps a bounded number of runs in flight and draws tasks lazily, so the parent's memory
does not grow with the size of the sweep. Failures of a run come back as failed rows (see
``worker.execute``); failures of the infrastructure are handled here: a worker process that dies
(killed, out of memory) is replaced and its runs are resubmitted, and a run that takes its worker down
``max_attempts`` times is recorded as failed.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Self

from .worker import STATUS_FAILED, RunOutput, RunTask, execute, execute_batch

MAX_ATTEMPTS = 3


class Backend:
    """Interface: ``run(tasks)`` yields ``(task, RunOutput)`` in completion order; ``close()``."""

    name = "backend"

    def run(self, tasks: Iterable[RunTask]) -> Iterator[tuple[RunTask, RunOutput]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers and clusters (safe to call twice)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def infrastructure_failure(task: RunTask, reason: str) -> RunOutput:
    """The row of a run that could not be completed because its worker died ``MAX_ATTEMPTS`` times."""
    row: dict[str, Any] = {"run_id": task.run_id, "point": task.point, "replicate": task.replicate, "seed": task.seed}
    from .worker import encode_value

    row.update({name: encode_value(value) for name, value in task.values.items()})
    row.update(status=STATUS_FAILED, error=reason, **dict.fromkeys(task.config.outcomes), elapsed_s=None)
    return RunOutput(row, None)


# ====================================================================== serial
class SerialBackend(Backend):
    """Runs in this process, in run-id order."""

    name = "serial"

    def run(self, tasks: Iterable[RunTask]) -> Iterator[tuple[RunTask, RunOutput]]:
        for task in tasks:
            yield task, execute(task)


# ====================================================================== local processes
def _start_worker(parent_pid: int) -> None:
    """Initializer of a worker process: leave Ctrl-C to the parent, and die with the parent."""
    # Ctrl-C reaches the whole process group: the parent handles it (stores what finished, stops the
    # pool); a worker dying of it would only turn in-flight runs into spurious failures.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True, name="parent-watch").start()


def _exit_when_orphaned(parent_pid: int, interval: float = 1.0) -> None:
    # A pool worker only notices that the sweep process is gone when its queue reaches end of file,
    # which never happens after ``kill -9`` of the parent (every worker holds a writing end, and with
    # the fork server the worker is not even the parent's child). Without this watch, killed sweeps
    # would leave their workers (and the fork server) behind for ever.
    try:
        import psutil

        parent = psutil.Process(parent_pid)
    except Exception:  # noqa: BLE001 - no psutil or parent already gone: fall back to the pid
        parent = None
    while True:
        time.sleep(interval)
        if parent is not None:
            try:
                gone = not parent.is_running() or parent.status() == psutil.STATUS_ZOMBIE
            except psutil.Error:
                gone = True
        else:
            try:
                os.kill(parent_pid, 0)
                gone = False
            except ProcessLookupError:
                gone = True
        if gone:
            os._exit(1)


class ProcessBackend(Backend):
    """``workers`` local processes; a dead worker is replaced and its runs resubmitted."""

    def __init__(self, workers: int, *, in_flight: int | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        if workers < 1:
            raise ValueError(f"--workers = {workers} must be >= 1")
        self.workers = workers
        self.name = f"processes({workers})"
        self.in_flight = in_flight or 4 * workers
        self.max_attempts = max_attempts
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload(["model.sweep.worker"])
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self._context, initializer=_start_worker,
                                   initargs=(os.getpid(),))

    def run(self, tasks: Iterable[RunTask]) -> Iterator[tuple[RunTask, RunOutput]]:
        source = iter(tasks)
        retry: deque[RunTask] = deque()
        attempts: dict[int, int] = {}
        pending: dict[Future, RunTask] = {}
        self._pool = self._pool or self._new_pool()

        def refill() -> None:
            while len(pending) < self.in_flight:
                task = retry.popleft() if retry else next(source, None)
                if task is None:
                    return
                pending[self._pool.submit(execute, task)] = task  # type: ignore[union-attr]

        refill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost = []
            for future in done:
                task = pending.pop(future)
                if not (yield from self._collect(future, task)):
                    lost.append(task)
            if lost:
                # the pool is broken: every run still in flight is lost with it; collect them, start a new pool
                for future in list(pending):
                    task = pending.pop(future)
                    if not (yield from self._collect(future, task)):
                        lost.append(task)
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = self._new_pool()
                self.restarts += 1
                for task in lost:
                    attempts[task.run_id] = attempts.get(task.run_id, 0) + 1
                    if attempts[task.run_id] >= self.max_attempts:
                        yield task, infrastructure_failure(
                            task, f"worker process died {attempts[task.run_id]} times while this run was in flight")
                    else:
                        retry.append(task)
            refill()

    @staticmethod
    def _collect(future: Future, task: RunTask):
        """Yield the run's output; return False if its worker process died before finishing it."""
        try:
            output = future.result()
        except BrokenProcessPool:
            return False
        except Exception as error:  # noqa: BLE001 - e.g. an unpicklable result: a failure of the run itself
            from .worker import describe

            output = infrastructure_failure(task, describe(error))
        yield task, output
        return True

    def worker_pids(self) -> list[int]:
        """Process ids of the current worker processes (for monitoring)."""
        if self._pool is None:
            return []
        return sorted(self._pool._processes or {})  # the executor exposes no public accessor

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# ====================================================================== Dask distributed
class DaskBackend(Backend):
    """Dask distributed: a ``LocalCluster`` it starts (``workers``) or an existing ``scheduler`` address.

    The scheduler reschedules the runs of a worker that dies; a run that kills workers repeatedly
    (Dask's ``allowed-failures``) comes back as ``KilledWorker`` and is recorded as failed.
    ``runs_per_task`` > 1 sends runs in batches: Dask's per-task cost (a scheduler round trip, a few
    milliseconds) is then shared, which pays for very short runs; each batch's runs are stored when
    the batch finishes.
    """

    def __init__(self, *, workers: int | None = None, scheduler: str | None = None, runs_per_task: int = 1,
                 in_flight: int | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        if (workers is None) == (scheduler is None):
            raise ValueError("give either the number of Dask workers or a scheduler address")
        if runs_per_task < 1:
            raise ValueError(f"--runs-per-task = {runs_per_task} must be >= 1")
        self.runs_per_task = runs_per_task
        if workers is not None and workers < 1:
            raise ValueError(f"--dask-workers = {workers} must be >= 1")
        from distributed import Client, LocalCluster

        self._scratch: str | None = None
        self._cluster = None
        self.client = None
        if workers is not None:
            self._scratch = tempfile.mkdtemp(prefix="engagement-dask-")
            try:
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=None, local_directory=self._scratch)
                self.client = Client(self._cluster)
            except BaseException:
                self.close()
                raise
            self.name = f"dask-local({workers})"
        else:
            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as error:
                raise ValueError(f"cannot reach the Dask scheduler at {scheduler!r}: {error}") from None
            self.name = f"dask({scheduler})"
        self._fixed_in_flight = in_flight
        self.max_attempts = max_attempts
        self._checked = 0.0
        self._in_flight = 8

    def _window(self) -> int:
        # the cluster may grow or shrink (adaptive HPC jobs): look at its size every few seconds
        if self._fixed_in_flight:
            return self._fixed_in_flight
        now = time.monotonic()
        if now - self._checked > 5.0:
            threads = sum(self.client.nthreads().values())
            self._in_flight = max(8, 4 * threads)
            self._checked = now
        return self._in_flight

    def run(self, tasks: Iterable[RunTask]) -> Iterator[tuple[RunTask, RunOutput]]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        source = iter(tasks)
        retry: deque[tuple[RunTask, ...]] = deque()
        attempts: dict[int, int] = {}
        pending: dict[str, tuple[Any, tuple[RunTask, ...]]] = {}
        finished = as_completed()

        def submit(batch: tuple[RunTask, ...]) -> None:
            key = f"engagement-run-{batch[0].run_id}-{uuid.uuid4().hex[:12]}"
            future = self.client.submit(execute_batch, batch, pure=False, key=key)
            pending[key] = (future, batch)
            finished.add(future)

        def refill() -> None:
            while retry or len(pending) < max(2, self._window() // self.runs_per_task):
                batch = retry.popleft() if retry else tuple(itertools.islice(source, self.runs_per_task))
                if not batch:
                    return
                submit(batch)

        refill()
        try:
            for future in finished:
                _, batch = pending.pop(future.key)
                outputs = None
                if future.status == "finished":
                    try:
                        outputs = future.result()
                    except Exception as error:  # noqa: BLE001 - result lost with its worker before we fetched it
                        attempts[batch[0].run_id] = tries = attempts.get(batch[0].run_id, 0) + 1
                        if tries >= self.max_attempts:
                            reason = f"result lost {tries} times: {type(error).__name__}: {error}"
                            outputs = [infrastructure_failure(task, reason) for task in batch]
                        else:
                            retry.append(batch)
                elif future.status == "error" and isinstance(future.exception(), KilledWorker):
                    outputs = [infrastructure_failure(task, f"KilledWorker: {future.exception()}") for task in batch]
                else:  # lost scheduler, cancelled: stop; what finished is stored and --resume continues
                    error = future.exception() if future.status == "error" else None
                    raise RuntimeError(f"Dask could not run run {batch[0].run_id} ({future.status}): {error}")
                future.release()
                if outputs is not None:
                    yield from zip(batch, outputs, strict=True)
                refill()
        finally:
            if pending:
                with contextlib.suppress(Exception):
                    self.client.cancel([future for future, _ in pending.values()])
                finished.clear()
                pending.clear()

    def close(self) -> None:
        client, cluster = self.client, self._cluster
        self.client, self._cluster = None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def make_backend(*, workers: int | None = None, dask_workers: int | None = None, scheduler: str | None = None,
                 runs_per_task: int = 1) -> Backend:
    """The backend for the command-line options (at most one of them)."""
    chosen = [name for name, value in (("--workers", workers), ("--dask-workers", dask_workers),
                                       ("--scheduler", scheduler)) if value is not None]
    if len(chosen) > 1:
        raise ValueError(f"choose one backend: {' and '.join(chosen)} were both given")
    if runs_per_task != 1 and dask_workers is None and scheduler is None:
        raise ValueError("--runs-per-task applies to Dask (--dask-workers or --scheduler)")
    if dask_workers is not None or scheduler is not None:
        return DaskBackend(workers=dask_workers, scheduler=scheduler, runs_per_task=runs_per_task)
    if workers is not None and workers > 1:
        return ProcessBackend(workers)
    if workers is not None and workers < 1:
        raise ValueError(f"--workers = {workers} must be >= 1")
    return SerialBackend()

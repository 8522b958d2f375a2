"""The one batch runner of experiments, sweeps and the Python API: tasks in, outputs out.

``backend.run(function, tasks)`` calls ``function(task)`` for every task and yields ``(task, output)``
as the calls finish; a task whose worker died ``max_attempts`` times yields ``(task, Failure(reason))``.
The backends are ``concurrent.futures``-style executors:

- ``SerialBackend``: in this process, in order.
- ``ProcessBackend``: a ``ProcessPoolExecutor`` of local processes (``--workers N``).
- ``DaskBackend``: Dask distributed, a ``LocalCluster`` on 127.0.0.1 (``--dask-workers N``) or an
  existing scheduler (``--scheduler tcp://HOST:PORT``). Dask's own recovery is used: the scheduler
  reschedules the tasks of a dead worker, ``submit(retries=)`` retries a task, and a task that keeps
  killing workers comes back as ``KilledWorker``.

Functions travel with cloudpickle, so a run function defined in a notebook or in a script's
``__main__`` works on every backend, and a script needs no ``if __name__ == "__main__"`` guard: the
worker processes start from a fork server that never imports the caller's script.

Workers import the installed package whatever the caller's folder holds: the fork server is started
with Python's safe-path mode (``PYTHONSAFEPATH``), so a ``model.py`` or an ``experiments/`` folder in
the current folder cannot shadow the package.

Seeds do not depend on the backend: each task carries its own (``model.seeds``), so outputs are
identical whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Self

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Failure:
    """A task that could not be completed by the infrastructure (its worker died, its result was lost)."""

    reason: str


class Backend:
    """Interface: ``run(function, tasks)`` yields ``(task, output | Failure)`` in completion order."""

    name = "backend"

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers and clusters (safe to call twice)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ====================================================================== serial
class SerialBackend(Backend):
    """Runs in this process, in order."""

    name = "serial"

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, function(task)


# ====================================================================== local processes
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {}


def _call(payload: bytes, digest: str, task: Any) -> Any:
    """In a worker: unpickle the function once (cloudpickle), call it on the task."""
    function = _FUNCTIONS.get(digest)
    if function is None:
        import cloudpickle

        function = _FUNCTIONS[digest] = cloudpickle.loads(payload)
    return function(task)


def _call_many(function: Callable[[Any], Any], tasks: tuple[Any, ...]) -> list[Any]:
    return [function(task) for task in tasks]


def _start_worker(parent_pid: int) -> None:
    """Initializer of a worker process: leave Ctrl-C and SIGTERM to the parent, and die with the parent."""
    # Ctrl-C reaches the whole process group: the parent stores what finished and stops the pool; a
    # worker dying of it would only turn the runs in flight into spurious failures.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True, name="parent-watch").start()


def _exit_when_orphaned(parent_pid: int, interval: float = 1.0) -> None:
    # After ``kill -9`` of the parent a pool worker never reaches end of file on its queue (the fork
    # server's children are not even the parent's children), so it watches the parent and exits.
    import psutil

    try:
        parent = psutil.Process(parent_pid)
    except psutil.Error:
        os._exit(1)
    while True:
        time.sleep(interval)
        try:
            gone = not parent.is_running() or parent.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            gone = True
        if gone:
            os._exit(1)


def _process_context() -> multiprocessing.context.BaseContext:
    """The fork server (safe in a multi-threaded parent, starts workers in milliseconds), started in
    safe-path mode so that the caller's folder cannot shadow the package; ``spawn`` where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["model.batch", "model.model"])
    from multiprocessing import forkserver

    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = saved
    return context


@contextlib.contextmanager
def _main_script_hidden() -> Iterator[None]:
    """While workers start, hide the caller's script from ``multiprocessing``: it would run the script
    again in every worker (a script without an ``if __name__ == "__main__"`` guard would start its sweep
    once more there). Functions reach the workers with cloudpickle, so the workers never need the script."""
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(getattr(main, "__spec__", None), "name", None):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


class ProcessBackend(Backend):
    """``workers`` local processes; a dead worker's pool is replaced and its tasks resubmitted.

    ``concurrent.futures`` marks the whole pool broken when one worker dies (``BrokenProcessPool``);
    the tasks in flight are then submitted again to a new pool, at most ``max_attempts`` times each.
    """

    def __init__(self, workers: int, *, in_flight: int | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"--workers = {workers!r} must be a whole number >= 1")
        self.workers = workers
        self.name = f"processes({workers})"
        self.in_flight = in_flight or 4 * workers
        self.max_attempts = max_attempts
        self._context = _process_context()
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self._context, initializer=_start_worker,
                                   initargs=(os.getpid(),))

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        import cloudpickle

        payload = cloudpickle.dumps(function)
        call = functools.partial(_call, payload, hashlib.sha256(payload).hexdigest())
        source = iter(tasks)
        retry: deque[tuple[int, Any]] = deque()
        attempts: dict[int, int] = {}
        pending: dict[Future, tuple[int, Any]] = {}
        counter = itertools.count()
        self._pool = self._pool or self._new_pool()

        def refill() -> None:
            while len(pending) < self.in_flight:
                if retry:
                    item = retry.popleft()
                else:
                    task = next(source, _END)
                    if task is _END:
                        return
                    item = (next(counter), task)
                with _main_script_hidden():  # the pool starts its workers on submit
                    pending[self._pool.submit(call, item[1])] = item  # type: ignore[union-attr]

        refill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost: list[tuple[int, Any]] = []
            for future in done:
                item = pending.pop(future)
                yield from self._collect(future, item, lost)
            if lost:  # the pool is broken: every task still in flight is lost with it
                for future in list(pending):
                    yield from self._collect(future, pending.pop(future), lost)
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = self._new_pool()
                self.restarts += 1
                for number, task in lost:
                    attempts[number] = attempts.get(number, 0) + 1
                    if attempts[number] >= self.max_attempts:
                        yield task, Failure(f"worker process died {attempts[number]} times while this run was in flight")
                    else:
                        retry.append((number, task))
            refill()

    @staticmethod
    def _collect(future: Future, item: tuple[int, Any], lost: list[tuple[int, Any]]) -> Iterator[tuple[Any, Any]]:
        try:
            output = future.result()
        except BrokenProcessPool:
            lost.append(item)
            return
        except Exception as error:  # noqa: BLE001 - e.g. an unpicklable result: a failure of this task
            output = Failure(describe(error))
        yield item[1], output

    def worker_pids(self) -> list[int]:
        """Process ids of the current worker processes (for monitoring and the fault tests)."""
        if self._pool is None:
            return []
        return sorted(self._pool._processes or {})  # the executor exposes no public accessor

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_END = object()


# ====================================================================== Dask distributed
class DaskBackend(Backend):
    """Dask distributed: a ``LocalCluster`` it starts (``workers``) or an existing ``scheduler`` address.

    ``runs_per_task`` > 1 sends tasks in batches, sharing Dask's per-task cost (a scheduler round trip)
    among very short runs.
    """

    def __init__(self, *, workers: int | None = None, scheduler: str | None = None, runs_per_task: int = 1,
                 in_flight: int | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        if (workers is None) == (scheduler is None):
            raise ValueError("give either the number of Dask workers or a scheduler address")
        if isinstance(runs_per_task, bool) or not isinstance(runs_per_task, int) or runs_per_task < 1:
            raise ValueError(f"--runs-per-task = {runs_per_task!r} must be a whole number >= 1")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ValueError(f"--dask-workers = {workers!r} must be a whole number >= 1")
        self.runs_per_task = runs_per_task
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
            except (OSError, ValueError, TypeError) as error:
                raise ValueError(f"--scheduler: cannot reach the Dask scheduler at {scheduler!r}: {error}") from None
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

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        source = iter(tasks)
        pending: dict[str, tuple[Any, tuple[Any, ...]]] = {}
        finished = as_completed()

        def refill() -> None:
            while len(pending) < max(2, self._window() // self.runs_per_task):
                batch = tuple(itertools.islice(source, self.runs_per_task))
                if not batch:
                    return
                key = f"engagement-run-{uuid.uuid4().hex[:16]}"
                future = self.client.submit(_call_many, function, batch, pure=False, key=key,
                                            retries=self.max_attempts - 1)
                pending[key] = (future, batch)
                finished.add(future)

        refill()
        try:
            for future in finished:
                _, batch = pending.pop(future.key)
                if future.status == "finished":
                    try:
                        outputs = future.result()
                    except Exception as error:  # noqa: BLE001 - result lost with its worker before fetched
                        outputs = [Failure(f"result lost: {describe(error)}")] * len(batch)
                elif future.status == "error" and isinstance(future.exception(), KilledWorker):
                    outputs = [Failure(f"KilledWorker: {future.exception()}")] * len(batch)
                elif future.status == "error":
                    outputs = [Failure(describe(future.exception()))] * len(batch)
                else:  # lost scheduler, cancelled: stop; what finished is stored and --resume continues
                    raise RuntimeError(f"Dask could not run a task ({future.status})")
                future.release()
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


def check_backend_options(*, workers: Any = None, dask_workers: Any = None, scheduler: Any = None,
                          runs_per_task: Any = 1) -> None:
    """ValueError (one line naming the option) for bad backend options, before anything starts."""
    chosen = [name for name, value in (("--workers", workers), ("--dask-workers", dask_workers),
                                       ("--scheduler", scheduler)) if value is not None]
    if len(chosen) > 1:
        raise ValueError(f"choose one backend: {' and '.join(chosen)} were both given")
    if runs_per_task != 1 and dask_workers is None and scheduler is None:
        raise ValueError("--runs-per-task applies to Dask (--dask-workers or --scheduler)")
    for option, value in (("--workers", workers), ("--dask-workers", dask_workers), ("--runs-per-task", runs_per_task)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{option} = {value!r} must be a whole number >= 1")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(f"--scheduler = {scheduler!r} must be an address such as tcp://HOST:8786")


def make_backend(*, workers: int | None = None, dask_workers: int | None = None, scheduler: str | None = None,
                 runs_per_task: int = 1) -> Backend:
    """The backend for the command-line options (at most one of them)."""
    check_backend_options(workers=workers, dask_workers=dask_workers, scheduler=scheduler,
                          runs_per_task=runs_per_task)
    if dask_workers is not None or scheduler is not None:
        return DaskBackend(workers=dask_workers, scheduler=scheduler, runs_per_task=runs_per_task)
    if workers is not None and workers > 1:
        return ProcessBackend(workers)
    return SerialBackend()


def describe(error: BaseException) -> str:
    """One line: the exception type and message, and where it was raised (innermost frame)."""
    import traceback
    from pathlib import Path

    message = " ".join(str(error).split())
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        text += f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    return text

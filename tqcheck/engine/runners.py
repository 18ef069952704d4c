"""Runners: where documents are checked (this process, local worker processes, a Dask cluster).

Every runner does the same work: documents are cut into parts (``document.cut``: a file of
at most ``WHOLE_SEGMENTS`` segments is one part, a longer one is cut into parts of
``PART_SEGMENTS``), each part is checked by a pipeline into a ``DocumentResult``, and the
results are merged into a Report. The cut does not depend on the runner, and the merge
does not depend on the order in which results arrive, so every runner gives the same
report, byte for byte.

Document-level checks (consistency, repetition, the spelling of names) look within one
part: within a file of at most ``WHOLE_SEGMENTS`` segments, that is the whole file.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from tqcheck.core.document import Document
from tqcheck.core.errors import BackendError, TqcheckError, UsageError
from tqcheck.core.limits import one_line
from tqcheck.core.document import PART_SEGMENTS, WHOLE_SEGMENTS, cut
from tqcheck.engine.pipeline import check_in_turn, run_context, with_run_findings
from tqcheck.output.report import Report
from tqcheck.core.result import DocumentResult

if TYPE_CHECKING:
    from tqcheck.core.config import Settings
    from tqcheck.core.context import RunContext
    from tqcheck.engine.pipeline import Pipeline


#: Below this many segments the default runner stays in this process (loading models in
#: workers would cost more than it saves); an explicit ``--jobs N`` always uses N workers. Origin: convention
#: (508a039); docs/benchmarks.md measures the default runner against one process at 4,876 segments only
#: (python -m bench.speed), not where the two meet.
MIN_PARALLEL_SEGMENTS = 2000

#: Called with a number of segments just checked.
Advance = Callable[[float], None]


@dataclass(frozen=True)
class Task:
    """One part of one document and its place in the run."""

    order: tuple[int, int]
    document: Document


#: Memory one worker process needs, about (its models: the encoder, Harper, the detector, the 3-gram model).
WORKER_MB = 300


def available_memory_mb() -> float | None:
    """Memory available to new processes in MB (Linux ``MemAvailable``, within a cgroup limit when one is
    set); None where it cannot be read."""
    available: float | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) / 1024
                    break
    except (OSError, ValueError, IndexError):
        return None
    try:  # a container's limit (cgroup v2)
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            used = int(handle.read().strip())
        if limit.isdigit() and available is not None:
            available = min(available, (int(limit) - used) / (1024 * 1024))
    except (OSError, ValueError):
        pass
    return available


def bounded_jobs(requested: int) -> tuple[int, str | None]:
    """The worker processes a run may start for ``requested`` ones: at most one per available core and as
    many as the available memory holds (``WORKER_MB`` each); the count and a notice when it is fewer."""
    cores = available_cores()
    count = min(requested, cores)
    reasons = []
    if count < requested:
        reasons.append(f"{cores} core{'s' if cores != 1 else ''} available")
    memory = available_memory_mb()
    if memory is not None:
        fits = max(1, int(memory // WORKER_MB))
        if fits < count:
            count = fits
            reasons.append(f"{memory / 1024:.1f} GB of memory available, about {WORKER_MB} MB per worker")
    if count >= requested:
        return count, None
    how = "checking in this process" if count < 2 else f"using {count} worker processes"
    return count, f"--jobs {requested}: {how} ({'; '.join(reasons)})"


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    from tqcheck.core.limits import usable_cores

    return usable_cores()


def plan(documents: Sequence[Document], part_segments: int | None = None) -> list[Task]:
    """The parts of ``documents`` in run order (``document.cut``; ``part_segments``: parts of that size)."""
    return [Task((position, number), part)
            for position, document in enumerate(documents)
            for number, part in enumerate(cut(document, part_segments))]


def task_cost(task: Task) -> int:
    """How long a part takes to check, roughly: its characters (the grammar engine and the encoder read every one)."""
    return sum(len(s.text) + 20 for s in task.document.segments)


def segment_count(tasks: Sequence[Task]) -> int:
    """Segments over all tasks."""
    return sum(len(t.document.segments) for t in tasks)


# -- the work a worker does -------------------------------------------------------

_PIPELINES: dict[str, "Pipeline"] = {}
_LOCK = threading.Lock()


def _settings_key(settings: "Settings") -> str:
    return repr(sorted((k, repr(v)) for k, v in settings.values.items()))


def worker_pipeline(settings: "Settings") -> "Pipeline":
    """This process's pipeline for ``settings``: models are loaded once per worker and reused."""
    from tqcheck.engine.pipeline import Pipeline

    key = _settings_key(settings)
    if key not in _PIPELINES:
        if not _PIPELINES:
            atexit.register(close_worker_pipelines)
            if _in_dask_worker():  # its nanny sets the thread counts it knows of, not the tokenizers'
                os.environ.update(WORKER_ENVIRONMENT)
        _PIPELINES[key] = Pipeline(settings)
    return _PIPELINES[key]


def _in_dask_worker() -> bool:
    """Whether this code runs in a dask.distributed worker (not in a user's process with a local scheduler)."""
    import sys

    if "distributed" not in sys.modules:
        return False
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def close_worker_pipelines() -> None:
    """Close the pipelines this process loaded (at exit, or when a test asks)."""
    while _PIPELINES:
        _PIPELINES.popitem()[1].close()


def check_task(task: Task, settings: "Settings", progress: Callable[[float], None] | None = None
               ) -> DocumentResult:
    """Check one part in this process (a worker's whole job)."""
    with _LOCK:  # a Dask worker may run tasks in threads; the checks are not thread-safe
        pipeline = worker_pipeline(settings)
        stages = max(pipeline.stages_for(task.document), 1)
        tick = (lambda n: progress(n / stages)) if progress is not None else (lambda n: None)
        result = pipeline.check_document(task.document, tick)
    return result.with_order(*task.order)


# -- runners --------------------------------------------------------------------

class Runner:
    """Checks tasks somewhere and yields their results (in any order)."""

    name = "runner"
    #: Notices about how the run was carried out (e.g. fewer workers than asked), added to the report.
    notices: list[str] = []

    def results(self, tasks: Iterable[Task], settings: "Settings", advance: Advance) -> Iterator[DocumentResult]:
        """A result for every task; ``advance`` is called with segments checked."""
        raise NotImplementedError

    def run(self, documents: Sequence[Document], settings: "Settings", advance: Advance = lambda n: None,
            part_segments: int | None = None, context: "RunContext | None" = None) -> Report:
        """Check ``documents`` and merge their results into the ranked Report (``context``: the run's)."""
        context = context if context is not None else run_context(settings)
        tasks = plan(documents, part_segments)
        return with_run_findings(Report.merge(self.results(tasks, settings, advance),
                                              flag_threshold=context.flag_threshold, context=context), settings)

    def close(self) -> None:
        """Release workers and connections; safe to call twice."""

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SequentialRunner(Runner):
    """Every part in this process, one after another, with one pipeline."""

    name = "sequential"

    def __init__(self, pipeline: "Pipeline | None" = None, context: "RunContext | None" = None) -> None:
        self.pipeline = pipeline
        self.context = context
        self._own = pipeline is None

    def results(self, tasks: Iterable[Task], settings: "Settings", advance: Advance) -> Iterator[DocumentResult]:
        """Check each task in turn (``pipeline.check_in_turn``: the one sequential path)."""
        if self.pipeline is None:
            from tqcheck.engine.pipeline import Pipeline

            context = self.context if self.context is not None and self.context.settings is settings else None
            self.pipeline = Pipeline(settings, context=context)
        yield from check_in_turn(self.pipeline, ((task.order, task.document) for task in tasks), advance,
                                 per_segment=True)

    def close(self) -> None:
        """Close the pipeline when this runner made it."""
        if self._own and self.pipeline is not None:
            self.pipeline.close()
            self.pipeline = None


_PROGRESS: Any = None


#: Set in every worker process before any model library is imported: one worker is one core's work
#: (Dask's nanny does the same for its workers). The tokenizers library would otherwise tokenise each batch
#: on a pool of one thread per core in every worker.
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                      "TOKENIZERS_PARALLELISM": "false", "RAYON_NUM_THREADS": "1", "TQCHECK_ENCODER_THREADS": "1"}


#: Seconds between two looks of a worker at its parent (the watch where no parent-death signal is set).
PARENT_POLL_SECONDS = 1.0


def _exit_with_parent(parent: int, signal_too: bool) -> None:
    """End this worker process when process ``parent`` ends, however it ends (SIGKILL and the OOM killer
    included): Linux's parent-death signal when ``signal_too`` (the parent spawned it from its main thread,
    which lives as long as the parent), and everywhere a thread that looks at the parent's pid every second
    (a dead parent's children are handed to another process)."""
    if signal_too:
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError, TypeError):  # not Linux: the thread below
            pass
    if os.getppid() != parent:  # died before the signal was set
        os._exit(1)

    def watch() -> None:
        import time

        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="tqcheck-parent-watch", daemon=True).start()


def _start_worker(progress: Any, settings: "Settings | None" = None, parent: int | None = None,
                  signal_too: bool = False) -> None:
    """A worker's first work: exit with the parent (``parent``: its pid), one thread per library, then the
    run's models loaded while the parent reads the input (an error loading them is raised again, with its
    own message, by the first part). ``progress``: the writing end of a pipe to the parent (small messages:
    each write is atomic)."""
    global _PROGRESS
    if parent is not None:
        _exit_with_parent(parent, signal_too)
    _PROGRESS = progress
    os.environ.update(WORKER_ENVIRONMENT)
    if settings is not None:
        try:
            worker_pipeline(settings)
        except Exception:  # noqa: BLE001 - check_task loads again and raises it for the parent
            pass


def _worker_check(task: Task, settings: "Settings") -> DocumentResult:
    """Check a task in a worker process, sending progress to the parent every few segments (written to the
    pipe synchronously, so a part's progress is there before its result is sent)."""
    pending = [0.0]

    def progress(n: float) -> None:
        pending[0] += n
        if pending[0] >= 25 and _PROGRESS is not None:
            _PROGRESS.send(pending[0])
            pending[0] = 0.0

    result = check_task(task, settings, progress)
    if pending[0] and _PROGRESS is not None:
        _PROGRESS.send(pending[0])
    return result


class ProcessRunner(Runner):
    """Parts spread over ``jobs`` local worker processes; each worker loads the models once, when it starts.

    ``close`` tells the workers to stop without waiting for them to exit (they exit by themselves, and the
    interpreter joins them at exit), so this process merges and writes the report meanwhile.
    """

    name = "processes"

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.notices: list[str] = []
        self._pool: Any = None
        self._pipe: Any = None  # (reading end, writing end) of the progress pipe
        self._settings_key: str | None = None

    def start(self, settings: "Settings") -> None:
        """Make the pool: workers are spawned (nothing of this process leaks into them) as parts are submitted,
        and each loads the models for ``settings`` first."""
        if self._pool is not None:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        # a plain pipe, not a queue: a worker still starting when the pool is closed needs no named semaphore
        self._pipe = context.Pipe(duplex=False)
        self._settings_key = _settings_key(settings)
        # the workers are spawned by this thread (submit): the parent-death signal follows the spawning thread,
        # so it is used when that is the main thread; the pid watch works from any thread
        main = threading.current_thread() is threading.main_thread()
        self._pool = ProcessPoolExecutor(max(1, self.jobs), mp_context=context, initializer=_start_worker,
                                         initargs=(self._pipe[1], settings, os.getpid(), main))
        for _ in range(max(1, self.jobs)):  # the pool spawns a worker per task submitted: one small task each
            self._pool.submit(os.getpid)

    def results(self, tasks: Iterable[Task], settings: "Settings", advance: Advance) -> Iterator[DocumentResult]:
        """Check the tasks in the worker processes."""
        if self._pool is not None and self._settings_key != _settings_key(settings):
            self.close()
        self.start(settings)
        (progress, _), pool = self._pipe, self._pool
        stop = threading.Event()

        def drain() -> None:
            while True:
                try:
                    if progress.poll(0.05):
                        advance(progress.recv())
                    elif stop.is_set():
                        return
                except (EOFError, OSError):
                    return

        reader = threading.Thread(target=drain, name="tqcheck-progress", daemon=True)
        reader.start()
        from concurrent.futures.process import BrokenProcessPool

        try:
            yield from _windowed(lambda task: pool.submit(_worker_check, task, settings), tasks,
                                 window=2 * max(1, self.jobs), wait=_wait_processes)
        except BrokenProcessPool:
            self.close(now=True)
            raise BackendError(f"a worker process of --jobs {self.jobs} died (killed, or out of memory: each needs "
                               f"about {WORKER_MB} MB); the run was stopped (try fewer --jobs)") from None
        finally:
            stop.set()
            reader.join(timeout=5)

    def close(self, now: bool = False) -> None:
        """Tell the workers to stop (queued parts are cancelled); ``now``: stop them at once (the run failed
        before it began, e.g. on a bad input). Safe to call twice."""
        if self._pool is not None:
            # the executor has no public way to stop its workers before Python 3.14 (terminate_workers)
            processes = list((getattr(self._pool, "_processes", None) or {}).values()) if now else []
            for process in processes:
                process.terminate()
            # stopped workers: wait for the executor to notice (its clean-up at exit must find it finished)
            self._pool.shutdown(wait=bool(processes), cancel_futures=True)
            self._pool = None
        if self._pipe is not None:  # the workers have their own ends
            for end in self._pipe:
                end.close()
            self._pipe = None


def _wait_processes(pending: set) -> tuple[set, set]:
    from concurrent.futures import FIRST_COMPLETED, wait

    done, rest = wait(pending, return_when=FIRST_COMPLETED)
    return done, rest


def _windowed(submit: Callable[[Task], Any], tasks: Iterable[Task], window: int,
              wait: Callable[[set], tuple[set, set]]) -> Iterator[DocumentResult]:
    """Results of ``tasks`` with at most ``window`` submitted and unfinished at any time (tasks are read
    lazily, so a corpus read in parts is never all in memory)."""
    pending: set = set()
    source = iter(tasks)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                task = next(source, None)
                if task is None:
                    exhausted = True
                    break
                pending.add(submit(task))
            if not pending:
                return
            done, pending = wait(pending)
            for future in sorted(done, key=id):
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


class DaskRunner(Runner):
    """Parts sent to a ``dask.distributed`` scheduler (``ADDRESS``) or a LocalCluster (``local``)."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self._client: Any = None
        self._cluster: Any = None
        self._client_log_level: int | None = None  # the distributed.client logger's level before a remote client

    @property
    def client(self) -> Any:
        """The distributed Client (connected, or with its LocalCluster started, on first use)."""
        if self._client is None:
            try:
                from distributed import Client, LocalCluster
            except ImportError:
                raise BackendError("--dask needs dask.distributed: pip install 'tqcheck[scale]'") from None
            try:
                if self.address == "local":
                    workers, notice = bounded_jobs(self.workers or available_cores())
                    if notice and self.workers:
                        self.notices = [notice.replace("checking in this process", "using 1 Dask worker")]
                    self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                                 processes=True, dashboard_address=None,
                                                 silence_logs=logging.ERROR)
                    self._client = Client(self._cluster)
                else:
                    probe_scheduler(self.address)
                    # the client's own warnings (a lost worker's "Couldn't gather ... rescheduling") are not the
                    # user's: tqcheck reports what went wrong in one line, as silence_logs does for a LocalCluster
                    client_log = logging.getLogger("distributed.client")
                    self._client_log_level = client_log.level
                    client_log.setLevel(logging.ERROR)
                    self._client = Client(self.address, timeout=DASK_CONNECT_SECONDS)
            except (OSError, TimeoutError) as exc:
                self.close()
                raise BackendError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
            except MemoryError:  # a frame length read from a server that is not Dask
                self.close()
                raise BackendError(f"{self.address}: not a Dask scheduler (it answered with garbage)") from None
            except (ValueError, TypeError) as exc:  # e.g. tls:// without certificates, inproc:// in a new process
                self.close()
                raise BackendError(f"cannot connect to the Dask scheduler at {self.address} ({type(exc).__name__}: "
                                   f"{one_line(str(exc), 160)})") from None
        return self._client

    def results(self, tasks: Iterable[Task], settings: "Settings", advance: Advance) -> Iterator[DocumentResult]:
        """Submit the tasks (settings sent once, a bounded number in flight) and yield results as they finish."""
        from distributed import wait

        client = self.client
        [shared] = client.scatter([settings], broadcast=True)
        run = uuid.uuid4().hex[:12]
        workers = max(1, len(client.scheduler_info().get("workers", {})))

        def submit(task: Task) -> Any:
            return client.submit(check_task, task, shared, pure=False,
                                 key=f"tqcheck-{run}-{task.order[0]}-{task.order[1]}")

        def until_one_done(pending: set) -> tuple[set, set]:
            alone = None  # since when the scheduler has had no worker
            while True:
                try:
                    done, rest = wait(list(pending), timeout=DASK_POLL_SECONDS, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done, rest = set(), pending
                if done:
                    return set(done), set(rest)
                if _dask_workers(client):
                    alone = None
                elif alone is None:
                    alone = time.monotonic()
                elif time.monotonic() - alone > DASK_NO_WORKER_SECONDS:
                    raise BackendError(f"the Dask scheduler at {self.address} has had no worker for "
                                       f"{DASK_NO_WORKER_SECONDS:g} s: the only Dask worker died or left")

        try:
            for result in _windowed(submit, tasks, window=4 * workers, wait=until_one_done):
                advance(len(result.document.segments))
                yield result
        except TqcheckError:
            raise
        except Exception as exc:  # noqa: BLE001 - what Dask raises when its cluster fails, named for the user
            raise BackendError(self._failure(exc, client)) from None

    def _failure(self, exc: BaseException, client: Any) -> str:
        """A one-line account of a failed Dask run: the dead worker, the lost scheduler, or the error."""
        kind = type(exc).__name__
        where = "the local Dask cluster" if self.address == "local" else f"the Dask scheduler at {self.address}"
        if kind == "KilledWorker":
            return (f"{where}: the Dask workers running a part died ({exc}); a worker needs about {WORKER_MB} MB "
                    "of memory")
        if "Cancelled" in kind:
            try:
                alive = _dask_workers(client)
            except Exception:  # noqa: BLE001 - the scheduler itself is gone
                return f"{where}: the scheduler stopped or the connection was lost; the work was cancelled"
            if not alive:
                return f"{where}: the only Dask worker died; the work was cancelled"
            return f"{where}: the work was cancelled (a worker died or the scheduler restarted)"
        if kind in ("CommClosedError", "StreamClosedError") or isinstance(exc, OSError):
            return f"{where}: the connection was lost ({kind}: {exc})"
        return f"{where}: a part failed on a Dask worker ({kind}: {exc})"

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster this runner started."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._client_log_level is not None:
            logging.getLogger("distributed.client").setLevel(self._client_log_level)
            self._client_log_level = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


#: Seconds to connect to a Dask scheduler; a scheduler address must answer a probe within the first.
DASK_CONNECT_SECONDS = 30
DASK_PROBE_SECONDS = 10
#: Seconds between two looks at the Dask workers while waiting, and how long a scheduler may be without any.
DASK_POLL_SECONDS = 2.0
DASK_NO_WORKER_SECONDS = 30.0


def _dask_workers(client: Any) -> int:
    """How many workers the client's scheduler has now."""
    return len(client.scheduler_info().get("workers", {}))


def probe_scheduler(address: str) -> None:
    """Refuse an address that is not a Dask scheduler's: malformed (a UsageError), or a TCP server that does
    not greet like Dask (its first message is a small msgpack map with the peer's ``python`` version) within
    ``DASK_PROBE_SECONDS`` (a BackendError). Other schemes (tls, ws, ...) are left to Dask."""
    import socket

    try:
        from distributed.comm.addressing import parse_address, parse_host_port

        from distributed.comm.registry import backends

        scheme, location = parse_address(address)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r} (known: {', '.join(sorted(backends))})")
        if scheme != "tcp":
            return
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--dask {address!r}: not a Dask scheduler address ({exc}); expected "
                         "tcp://HOST:PORT or 'local'") from None
    if not isinstance(port, int) or not 0 < port < 65536:
        raise UsageError(f"--dask {address!r}: port {port} is not between 1 and 65535")
    greeting = b""
    try:
        with socket.create_connection((host, port), timeout=DASK_PROBE_SECONDS) as connection:
            connection.settimeout(DASK_PROBE_SECONDS)
            while len(greeting) < 64 and b"python" not in greeting:
                chunk = connection.recv(64 - len(greeting))
                if not chunk:
                    break
                greeting += chunk
    except socket.timeout:
        if not greeting:
            raise BackendError(f"{address}: not a Dask scheduler (the server said nothing within "
                               f"{DASK_PROBE_SECONDS} s)") from None
    except OSError as exc:
        raise BackendError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from None
    size = int.from_bytes(greeting[:8], "little") if len(greeting) >= 8 else -1
    if not 0 < size < 1 << 20 or b"python" not in greeting:
        raise BackendError(f"{address}: not a Dask scheduler (it does not answer like one)")


def make_runner(jobs: int | None = None, dask: str | None = None, *, segments: int = 0,
                tasks: int | None = None) -> Runner:
    """The runner for ``--jobs``/``--dask``: Dask when an address is given; worker processes when
    ``jobs`` asks for more than one (by default: the available cores, for runs of at least
    ``MIN_PARALLEL_SEGMENTS`` segments), never more than ``tasks`` (None: not known); else this process."""
    if dask:
        return DaskRunner(dask, workers=jobs)
    if jobs is not None and jobs < 0:
        raise UsageError(f"--jobs must be at least 0 (0: the available cores), got {jobs}")
    automatic = not jobs
    count, notice = bounded_jobs(available_cores() if automatic else jobs)
    if tasks is not None:
        count = min(count, tasks)
    runner: Runner
    if count > 1 and (not automatic or segments >= MIN_PARALLEL_SEGMENTS):
        runner = ProcessRunner(count)
    else:
        runner = SequentialRunner()
    if notice and not automatic:
        runner.notices = [notice]
    return runner


#: Inputs of at least this many bytes (about 2,000 sentences of a bilingual table) start their worker
#: processes before they are read, so the workers load their models while this process reads. Origin: convention
#: (f6b84c9), the size of MIN_PARALLEL_SEGMENTS sentences of a bilingual table.
EARLY_START_BYTES = 256 * 1024


def early_runner(jobs: int | None, dask: str | None, settings: "Settings", input_bytes: int) -> "ProcessRunner | None":
    """Worker processes started now, before the input is read, when they will most likely be used (more than
    one core by ``--jobs`` or by default, no Dask, at least ``EARLY_START_BYTES`` of input); else None.
    ``run_documents(..., runner=...)`` uses them, or closes them when the input turns out too small."""
    if dask or (jobs is not None and jobs < 0) or input_bytes < EARLY_START_BYTES:
        return None
    count, notice = bounded_jobs(available_cores() if not jobs else jobs)
    if count < 2:
        return None
    runner = ProcessRunner(count)
    if notice and jobs:
        runner.notices = [notice]
    runner.start(settings)
    return runner


def run_documents(documents: Sequence[Document], settings: "Settings", *, jobs: int | None = None,
                  dask: str | None = None, advance: Advance = lambda n: None, cache: Any = None,
                  runner: "ProcessRunner | None" = None, context: "RunContext | None" = None) -> Report:
    """Check ``documents`` with the runner ``jobs``/``dask`` ask for and return the Report.

    With a ``tqcheck.engine.cache.ResultCache``, parts whose entry is there are not checked again (and no model is
    loaded when every part is cached); the others are checked and stored. ``runner``: worker processes
    started early (``early_runner``), used when the run calls for worker processes and closed in any case.
    ``context``: the run's (``pipeline.run_context``), built here when not given.
    """
    notices: list[str] = []  # how the run was carried out (fewer workers than asked)
    try:
        report = _run_documents(documents, settings, jobs, dask, advance, cache, runner, notices, context)
    finally:
        if runner is not None:
            runner.close()
    if notices:
        report.notices = sorted(set(report.notices) | set(notices))
    return report


def _run_documents(documents: Sequence[Document], settings: "Settings", jobs: int | None, dask: str | None,
                   advance: Advance, cache: Any, early: "ProcessRunner | None", notices: list[str],
                   context: "RunContext | None") -> Report:
    context = context if context is not None else run_context(settings)  # the workers load their models meanwhile
    tasks = plan(documents)
    cached: list[DocumentResult] = []
    keys: dict[tuple[int, ...], str] = {}
    if cache is not None:
        from tqcheck.core.config import settings_for_path

        todo = []
        for task in tasks:
            key = cache.key(task.document, settings_for_path(settings, task.document.path))
            hit = cache.get(key)
            if hit is None:
                keys[task.order] = key
                todo.append(task)
            else:
                cached.append(hit.with_order(*task.order))
                advance(len(task.document.segments))
        tasks = todo
    if not tasks:
        return with_run_findings(Report.merge(cached, flag_threshold=context.flag_threshold, context=context), settings)
    chosen = make_runner(jobs, dask, segments=segment_count(tasks), tasks=len(tasks))
    if isinstance(chosen, SequentialRunner):
        chosen.context = context
    if early is not None and isinstance(chosen, ProcessRunner):
        chosen = early
    elif early is not None:  # not needed after all: its workers stop loading now, not after the check they slow
        early.close(now=True)
    notices.extend(chosen.notices or (early.notices if early is not None else []))
    with chosen as runner:
        if not isinstance(runner, SequentialRunner):  # the longest parts first, so the workers end together
            tasks = sorted(tasks, key=task_cost, reverse=True)
        fresh = list(runner.results(tasks, settings, advance))
    if cache is not None:
        for result in fresh:
            cache.put(keys[result.order], result)
        cache.prune()
    return with_run_findings(Report.merge(cached + fresh, flag_threshold=context.flag_threshold, context=context),
                             settings)


__all__ = ["PART_SEGMENTS", "WHOLE_SEGMENTS", "Task", "Runner", "SequentialRunner", "ProcessRunner", "DaskRunner", "plan",
           "make_runner", "run_documents", "early_runner", "available_cores", "bounded_jobs", "check_task", "task_cost"]

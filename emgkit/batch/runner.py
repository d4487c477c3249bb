"""Run a batch: one code path for a local process pool and a Dask cluster.

:func:`run_batch` finds the recordings (:mod:`~emgkit.batch.discovery`),
skips those whose results are current (:mod:`~emgkit.batch.manifest`), hands
the others to an executor, and writes the summary once all are done.  The
executor is a :class:`LocalRunner` (``concurrent.futures.ProcessPoolExecutor``)
or a :class:`DaskRunner` (``distributed.Client``); both run the same
function, :func:`process_recording`, on the same task dictionaries, so the
tables are identical byte for byte whichever runs them.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, MissingDependencyError
from .manifest import REPORT_NAME, _one_line, _remove_if_empty

if TYPE_CHECKING:
    from ..channel_map import ChannelMap
    from ..config import Config
    from .discovery import Job
    from .pairing import PairJob
    from .progress import Progress

__all__ = ["REPORT_NAME", "BatchResult", "DaskRunner", "LocalRunner", "make_runner", "process_recording", "run_batch"]

DASK_LOST_AFTER_S = 60.0  # no Dask worker for this long: the batch gives up the unfinished recordings


# -- the work on one recording ------------------------------------------------------------------
def process_recording(task: dict) -> dict:
    """Analyse one recording and write its tables, report and manifest (runs in a worker).

    Parameters
    ----------
    task : dict
        ``relpath, path`` (input), ``folder`` (its output folder), ``config``
        (the configuration as a plain dict), ``config_digest`` and
        ``plotlyjs`` (the batch's shared ``plotly.min.js``), optional ``stream``
        (``"auto"``, ``"on"``, ``"off"``: :func:`emgkit.analysis_stream.wants_streaming`)
        and ``channel_map`` (a :class:`emgkit.channel_map.ChannelMap` applied on reading).
        A task with ``right_path`` is a pair of trials: :func:`emgkit.batch.pairing.process_pair`.

    Returns
    -------
    dict
        ``relpath, path, status`` (``"ok"`` or ``"failed"``), ``step`` (where it
        failed: prepare, hash, read, analyze, save (tables and report), manifest), ``error_type``,
        ``message``, ``seconds`` (wall time), ``bytes`` (input size).  Errors
        are returned, never raised: one bad file never stops the batch.
    """
    if task.get("right_path"):
        from .pairing import process_pair

        return process_pair(task)
    from .manifest import clear_stale, file_sha256, save_result, write_manifest

    start = time.perf_counter()
    result = {"relpath": task["relpath"], "path": task["path"], "status": "ok", "step": "", "error_type": "", "message": "",
              "seconds": 0.0, "bytes": 0}
    step = "prepare"
    try:
        from ..analysis import analyze_source, wants_streaming
        from ..config import load_config
        from ..io import read

        folder = Path(task["folder"])
        folder.mkdir(parents=True, exist_ok=True)
        clear_stale(folder)
        step = "hash"
        digest = file_sha256(task["path"])
        result["bytes"] = os.stat(task["path"]).st_size
        config = load_config(task["config"])
        step = "read"
        mapped = {"channel_map": task["channel_map"]} if task.get("channel_map") is not None else {}
        stream = wants_streaming(task["path"], task.get("stream", "auto"), **mapped)
        source = task["path"] if stream else read(task["path"], **mapped)
        step = "analyze"
        analysis, traces = analyze_source(source, stream="on" if stream else "off", config=config, traces=True, emit=False,
                                          **(mapped if stream else {}))
        step = "save"  # tables and report as one unit (emgkit._atomic: manifest.json written last)
        outputs = save_result(folder, analysis, traces, plotlyjs=task["plotlyjs"], source=task["path"])
        step = "manifest"
        write_manifest(folder, relpath=task["relpath"], input_sha256=digest, input_bytes=result["bytes"],
                       config_digest=task["config_digest"], outputs=outputs)
    except Exception as exc:  # noqa: BLE001 - every failure is reported in failures.csv, the batch goes on
        result.update(status="failed", step=step, error_type=type(exc).__name__, message=_one_line(exc))
        _remove_if_empty(Path(task["folder"]))
    result["seconds"] = time.perf_counter() - start
    return result


def _inputs(job) -> tuple:
    """The input file(s) of a job or task: the recording, or a pair's left and right trials."""
    get = job.get if isinstance(job, dict) else lambda k: getattr(job, k, None)
    return (get("path"), get("right_path")) if get("right_path") else (get("path"),)


def _finished_on_disk(task: dict) -> bool:
    """True when the task's folder holds its complete, current result (manifest, sizes, input hash)."""
    from .manifest import is_current

    try:
        return is_current(task["folder"], _inputs(task), task["config_digest"])
    except Exception:  # noqa: BLE001 - unreadable: not finished
        return False


def worker_failure(task: dict, exc: BaseException) -> dict:
    """The result of a task whose worker died or could not run it (crash, out of memory, lost connection)."""
    pair = {k: task[k] for k in ("right_path", "left_file", "right_file") if k in task}
    return {"relpath": task["relpath"], "path": task["path"], **pair, "status": "failed", "step": "worker",
            "error_type": type(exc).__name__, "message": f"the worker running it was lost ({_one_line(exc)}); rerun the batch to retry it",
            "seconds": 0.0, "bytes": 0}


# -- executors ----------------------------------------------------------------------------------
def numba_threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Numba threads for each of ``workers`` processes so that workers x threads ~= cores (at least 1)."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def _set_numba_threads(threads: int) -> None:
    from ..kernels import _jit  # noqa: F401  (its OpenMP setting must come before numba starts its threads here)

    import numba

    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]  # set at import


def _init_local_worker(threads: int, parent: int | None = None) -> None:
    """Initializer of each local worker process: the driver handles Ctrl-C; Numba gets its share of the cores.

    The worker also dies with the batch process ``parent`` (pid), however that
    one ends (SIGKILL included): :func:`_die_with_parent`.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _die_with_parent(parent)
    _set_numba_threads(threads)


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends: ``PR_SET_PDEATHSIG`` (SIGKILL) on Linux, else a thread polling ``os.getppid()``.

    Without it a SIGKILL'ed batch leaves its workers (and, through them,
    multiprocessing's resource tracker) running for good.
    """
    import signal
    import sys

    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0:  # 1 = PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before the call: nobody would send the signal
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="emgkit-parent-watch", daemon=True).start()


def _on_dask_worker(task: dict) -> dict:
    """:func:`process_recording` on a Dask worker, with Numba threads = cores / the worker's task threads."""
    from distributed import get_worker

    worker = get_worker()
    nthreads = getattr(getattr(worker, "state", None), "nthreads", None) or getattr(worker, "nthreads", 1)
    _set_numba_threads(numba_threads_per_worker(int(nthreads or 1)))
    return process_recording(task)


class LocalRunner:
    """Worker processes on this machine (``concurrent.futures.ProcessPoolExecutor``, spawn start).

    Parameters
    ----------
    workers : int >= 1
        Processes; each gets ``cores // workers`` Numba threads (at least 1).
    """

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = int(workers)
        self.threads = numba_threads_per_worker(self.workers)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_local_worker, initargs=(self.threads, os.getpid()))

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers != 1 else ''} x {self.threads} Numba thread{'s' if self.threads != 1 else ''}"

    def submit(self, task: dict):
        return self._pool.submit(process_recording, task)

    @staticmethod
    def restartable(exc) -> bool:
        """True when ``exc`` means the pool broke (a worker died), so a fresh pool may still run the task."""
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(exc, BrokenProcessPool)

    @staticmethod
    def as_completed(futures):
        from concurrent.futures import as_completed

        return as_completed(futures)

    @staticmethod
    def result(future):
        return future.result()

    def close(self, *, cancel: bool = False) -> None:
        if not cancel:
            self._pool.shutdown(wait=True)
            return
        # running tasks are abandoned: their outputs are atomic and their manifest is not written yet
        procs = list((getattr(self._pool, "_processes", None) or {}).values())  # (shutdown forgets them)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=5)


class DaskRunner:
    """Tasks on an existing Dask distributed cluster (``distributed.Client``).

    Inputs and the output folder must be reachable by every worker under the
    same absolute paths (a shared filesystem; see docs/scaling.md).

    Parameters
    ----------
    address : str
        Scheduler address, ``tcp://host:8786``.
    timeout : float
        Seconds to wait for the scheduler.
    lost_after : float, optional
        Seconds the cluster may go without any worker (or the scheduler stay
        unreachable) before the unfinished recordings are given up and listed
        as failures at step ``"worker"`` (default :data:`DASK_LOST_AFTER_S`).
        One worker lost is not a failure: the scheduler reruns its tasks elsewhere.
    """

    def __init__(self, address: str, *, timeout: float = 30.0, lost_after: float | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependencyError(
                "--scheduler needs the 'distributed' package: pip install 'emgkit[distributed]'"
            ) from None
        self.address = address
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InvalidInputError(f"cannot reach the Dask scheduler at {address!r} ({exc}); is 'dask scheduler' running there?") from None
        self._futures: list = []
        self.lost_after = DASK_LOST_AFTER_S if lost_after is None else float(lost_after)
        self._lost: dict = {}
        self._since: float | None = None  # when the cluster was first seen without workers
        self._check = 0.0

    def describe(self) -> str:
        info = self._client.scheduler_info()
        workers = info.get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
        return f"Dask scheduler {self.address}: {len(workers)} worker{'s' if len(workers) != 1 else ''}, {threads} thread{'s' if threads != 1 else ''}"

    def submit(self, task: dict):
        future = self._client.submit(_on_dask_worker, task, pure=False, key=f"emgkit-batch-{os.getpid()}-{task['relpath']}-{time.time_ns()}")
        self._futures.append(future)
        return future

    @staticmethod
    def restartable(exc) -> bool:
        """False: the scheduler already retries tasks of lost workers (``KilledWorker`` is final)."""
        return False

    def _n_workers(self) -> int:
        try:
            return len(self._client.nthreads())
        except Exception:  # noqa: BLE001 - scheduler gone or unreachable: no worker either
            return 0

    def _without_workers(self) -> float:
        """Seconds the cluster has had no worker (0 while it has some); asks the scheduler at most once a second."""
        now = time.monotonic()
        if now >= self._check:
            self._check = now + 1.0
            if self._n_workers():
                self._since = None
            elif self._since is None:
                self._since = now
        return 0.0 if self._since is None else now - self._since

    def as_completed(self, futures):
        """Yield futures as they finish; after ``lost_after`` s with no worker, yield the rest as lost."""
        pending = list(futures)
        while pending:
            done = [f for f in pending if f.done()]
            for f in done:
                pending.remove(f)
                yield f
            if done:
                continue
            idle = self._without_workers()
            if idle >= self.lost_after:
                for f in pending:
                    self._lost[f.key] = idle
                    yield f
                return
            time.sleep(0.1)

    def result(self, future):
        """The task's result; raises :class:`TimeoutError` for a task given up with its cluster's workers.

        A finished task's result lives on its worker: when that worker is lost
        before the result is fetched, the scheduler runs the task again, so the
        wait goes on while some worker is left, and ends after ``lost_after`` s
        without any.
        """
        while future.key not in self._lost:
            try:
                return future.result(timeout=1.0)
            except TimeoutError:
                idle = self._without_workers()
                if idle >= self.lost_after:
                    self._lost[future.key] = idle
        raise TimeoutError(f"no Dask worker on {self.address} for {self._lost[future.key]:.0f} s "
                           f"(limit {self.lost_after:g} s: --dask-timeout)")

    def close(self, *, cancel: bool = False) -> None:
        try:
            if (cancel or self._lost) and self._futures:
                self._client.cancel(self._futures)
        finally:
            self._client.close(timeout=10)


def make_runner(*, workers=None, scheduler=None, dask_timeout=None):
    """A :class:`DaskRunner` for ``scheduler``, else a :class:`LocalRunner` with ``workers`` (default: all cores)."""
    if scheduler:
        if workers is not None:
            raise InvalidInputError("--workers applies to local processes; with --scheduler the cluster's workers run the batch")
        return DaskRunner(scheduler, lost_after=dask_timeout)
    if workers is None:
        workers = os.cpu_count() or 1
    if not isinstance(workers, int) or workers < 1:
        raise InvalidInputError(f"workers must be a positive integer, got {workers!r}")
    return LocalRunner(workers)


# -- the batch ------------------------------------------------------------------------------------
def _execute(runner, tasks, record, *, retry_lost):
    """Run ``tasks`` on ``runner`` and close it; ``record(result)`` for each finished one.

    Returns the tasks lost with a broken local pool when ``retry_lost`` (they
    may have been innocent bystanders of another task's crash), else records
    them as failures at step ``"worker"``.
    """
    lost, finished = [], False
    try:
        pending = {runner.submit(task): task for task in tasks}
        for future in runner.as_completed(list(pending)):
            task = pending[future]
            try:
                r = runner.result(future)
            except Exception as exc:  # noqa: BLE001 - a worker died; the recording is retried or reported
                if retry_lost and runner.restartable(exc):
                    lost.append(task)
                    continue
                r = worker_failure(task, exc)
                if _finished_on_disk(task):  # the worker wrote everything, then was lost before answering
                    r.update(status="ok", step="", error_type="", message="")
            record(r)
        finished = True
    finally:
        runner.close(cancel=not finished)
    return lost

@dataclass
class BatchResult:
    """Outcome of :func:`run_batch`.

    Attributes
    ----------
    out : Path
        The output folder.
    results : list of dict
        One per recording (with ``pair_trials``: per pair and per file left unpaired), sorted by relative path: as returned by
        :func:`process_recording`, with ``status`` ``"skipped"`` for
        recordings whose results were already current.
    summary : pandas.DataFrame
        The recordings x key metrics table (``summary.csv``).
    """

    out: Path
    results: list = field(default_factory=list)
    summary: object = None

    @property
    def n_failed(self) -> int:
        return sum(r["status"] == "failed" for r in self.results)

    @property
    def n_skipped(self) -> int:
        return sum(r["status"] == "skipped" for r in self.results)

    @property
    def n_done(self) -> int:
        return sum(r["status"] == "ok" for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 when every recording has a result, 1 when some failed."""
        return 1 if self.n_failed else 0


def run_batch(inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str], *,
              config: str | os.PathLike[str] | Mapping[str, Any] | Config | None = None, workers: int | None = None,
              scheduler: str | None = None, pattern: str | None = None, force: bool = False,
              progress: Progress | None = None, stream: str = "auto",
              channel_map: ChannelMap | str | os.PathLike[str] | Mapping[str, Any] | None = None,
              dask_timeout: float | None = None, pair_trials: bool = False) -> BatchResult:
    """Analyse many recordings: tables and report per recording, then one summary.

    Parameters
    ----------
    inputs : list of str or Path
        Files, folders (recursive) or glob patterns (:func:`~emgkit.batch.discovery.discover`).
    out : str or Path
        Output folder: ``out/<relative path of each input>/`` gets the
        analysis tables (:meth:`emgkit.Analysis.save`), ``report.html`` and
        ``batch.json``; ``out`` gets ``summary.csv``, ``summary.h5``,
        ``summary.html``, ``failures.csv`` and the shared ``plotly.min.js``.
    config : None, path, dict or Config
        Analysis configuration, the same for every recording.
    workers : int, optional
        Local worker processes (default: ``os.cpu_count()``).
    scheduler : str, optional
        Dask scheduler address; the cluster runs the batch instead of local processes.
    pattern : str, optional
        File-name glob for folder searches (default: common recording extensions).
    force : bool, default False
        Redo recordings whose results are current.
    stream : {"auto", "on", "off"}, default "auto"
        Stream recordings through :func:`emgkit.analysis_stream.analyze_file`
        instead of reading them whole; ``"auto"``: HDF5 files above
        :data:`emgkit.analysis_stream.STREAM_ABOVE_SAMPLES` samples.  The
        tables are the same either way (within 1e-9).
    progress : Progress, optional
        Receives ``start(total, skipped)``, ``update(result)``, ``finish(result)``
        and ``message(text, level)``.
    channel_map : ChannelMap, str, Path or dict, optional
        One channel map for every recording (:func:`emgkit.channel_map.relabel`);
        a recording lacking a channel it names fails with that reason.
        Changing the map makes the recordings' results out of date.
    dask_timeout : float, optional
        With ``scheduler``: seconds without any worker before the unfinished
        recordings are listed in ``failures.csv`` (default
        :data:`DASK_LOST_AFTER_S`, 60 s).
    pair_trials : bool, default False
        Pair unilateral trials by file name within each folder (``side-L``/``side-R`` or ``_L``/``_R``) and
        analyse each pair as the two sides (:func:`emgkit.analyze_pair`) into ``out/<folder>/<name with the
        side as LR>/`` (:mod:`emgkit.batch.pairing`); a file without a partner is a failure at step
        ``"pair"``, a pair the analysis refuses one at step ``"analyze"``.  Pairs are read whole (no streaming).

    Returns
    -------
    BatchResult

    Raises
    ------
    InvalidInputError
        No recording found, missing inputs, bad options or configuration.
    KeyboardInterrupt
        Interrupted: pending tasks are cancelled and workers stopped; every
        recording finished so far keeps its complete result.

    Notes
    -----
    One batch writes to ``out`` at a time: a second one on the same folder
    waits for the first (``flock`` on the folder), then resumes from its
    results.  Local workers die with the batch process, even when it is
    killed (:func:`_die_with_parent`).  Local workers are started with the ``spawn`` method (safe with Numba's
    threads), which imports the calling script in each worker: call
    ``run_batch`` from a script under ``if __name__ == "__main__":``.
    """
    from .._atomic import folder_lock, remove_temporaries
    from .._checks import check_option
    from ..analysis_stream import STREAM_MODES
    from ..config import load_config
    from ..report_html import PLOTLYJS_NAME
    from .discovery import discover, output_folder, unlisted_hint

    check_option("stream", stream, STREAM_MODES)
    cfg = load_config(config)
    digest = cfg.digest()
    if channel_map is not None:
        from ..channel_map import as_channel_map

        channel_map = as_channel_map(channel_map)
        digest = hashlib.sha256(f"{digest} {channel_map.digest()}".encode()).hexdigest()
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"--out {out} is a file; give a folder for the batch results")
    jobs: Sequence[Job | PairJob] = discover(inputs, pattern=pattern, out=out)
    if not jobs:
        raise InvalidInputError(f"no recordings found in {list(map(str, inputs))}"
                                + ("" if pattern else " (folders are searched for .h5/.hdf5/.nwb/.mat/.edf/.bdf/.c3d; use --pattern for others)"
                                   + unlisted_hint(inputs)))
    unpaired = None  # pair mode: the files without a partner
    if pair_trials:
        if stream == "on":
            raise InvalidInputError("--stream on does not apply to --pair-trials: the two trials of a pair are read whole; leave --stream out")
        from .pairing import pair_jobs

        jobs, unpaired = pair_jobs(jobs)
        digest = hashlib.sha256(f"{digest} paired-trials".encode()).hexdigest()  # a pair's result is not a recording's
    folders = {job.relpath: output_folder(out, job.relpath) for job in jobs}
    plotlyjs = out / PLOTLYJS_NAME
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:  # one batch per output folder: a second one waits here for the first to finish
        stack.enter_context(folder_lock(out, on_wait=None if progress is None else lambda: progress.message(
            f"{out} is being written by another emgkit batch; waiting for it to finish (Ctrl-C to stop)", 1)))
        remove_temporaries(out)  # left by a killed batch (e.g. .summary.html.tmp-*)
        try:
            return _run_locked(jobs, out, folders, plotlyjs, cfg, digest, force=force, workers=workers, scheduler=scheduler,
                               stream=stream, channel_map=channel_map, progress=progress, dask_timeout=dask_timeout, unpaired=unpaired)
        except BaseException:
            if created:
                _remove_if_empty(out)  # a usage error (scheduler unreachable...) leaves no empty folder behind
            raise


def _run_locked(jobs, out, folders, plotlyjs, cfg, digest, *, force, workers, scheduler, stream, channel_map, progress,
                dask_timeout, unpaired=None):
    """The body of :func:`run_batch`, holding the output folder's lock (``jobs``: recordings, or pairs of trials with the
    list of ``unpaired`` files)."""
    from ..report_html import write_plotlyjs
    from .manifest import is_current
    from .summary import write_summary

    results, todo = {}, []
    for job in jobs:
        base = asdict(job)  # relpath, path (+ right_path, left_file, right_file of a pair)
        if not force and is_current(folders[job.relpath], _inputs(job), digest):
            results[job.relpath] = {**base, "status": "skipped", "step": "", "error_type": "", "message": "", "seconds": 0.0, "bytes": 0}
        else:
            todo.append({**base, "folder": str(folders[job.relpath]), "config": cfg.as_dict(), "config_digest": digest,
                         "plotlyjs": str(plotlyjs), "stream": stream, "channel_map": channel_map})
    if unpaired:
        from .pairing import unpaired_result

        results.update({job.relpath: unpaired_result(job, why) for job, why in unpaired})
    runner = make_runner(workers=workers, scheduler=scheduler, dask_timeout=dask_timeout) if todo else None  # usage errors come before any output
    try:
        write_plotlyjs(out)
    except BaseException:
        if runner is not None:
            runner.close(cancel=True)
        raise
    if progress is not None:
        if unpaired is not None:
            progress.message(f"paired trials: {len(jobs)} pair{'s' if len(jobs) != 1 else ''}, {len(unpaired)} file"
                             f"{'s' if len(unpaired) != 1 else ''} without a partner", 1)
        progress.start(len(jobs) + len(unpaired or ()), len(jobs) - len(todo))
        for r in results.values():
            progress.update(r)
        if runner is not None:
            progress.message(f"analysing {len(todo)} recording{'s' if len(todo) != 1 else ''} on {runner.describe()}", 2)

    def record(r):
        results[r["relpath"]] = r
        if progress is not None:
            progress.update(r)

    if runner is not None:
        lost = _execute(runner, todo, record, retry_lost=True)
        if lost:  # a local worker died (killed for memory, crashed): once more in a fresh pool, then one at a time
            if progress is not None:
                progress.message(f"a worker process died; retrying {len(lost)} recording{'s' if len(lost) != 1 else ''}", 1)
            for task in _execute(LocalRunner(runner.workers), lost, record, retry_lost=True):
                _execute(LocalRunner(1), [task], record, retry_lost=False)
    ordered = [results[relpath] for relpath in sorted(results)]
    summary = write_summary(out, ordered, folders, cfg)
    batch = BatchResult(out=out, results=ordered, summary=summary)
    if progress is not None:
        for name, same in zip(summary["recording"], summary["duplicate_of"]):
            if same:
                progress.message(f"{name} is byte-identical to {same}: the same recording twice? (summary column duplicate_of)", 0)
        progress.finish(batch)
    return batch


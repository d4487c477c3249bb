"""Batch analysis: many recordings to per-recording results and one summary, locally or on a Dask cluster.

:func:`run_batch` is what ``emgkit batch`` runs (:mod:`emgkit.batch.cli`).
Modules: :mod:`~emgkit.batch.discovery` (inputs and output paths),
:mod:`~emgkit.batch.manifest` (resumability), :mod:`~emgkit.batch.runner`
(executors and the per-recording task), :mod:`~emgkit.batch.pairing` (paired unilateral
trials: ``--pair-trials``), :mod:`~emgkit.batch.progress`,
:mod:`~emgkit.batch.summary` and :mod:`~emgkit.batch.summary_report`.
Nothing heavy is imported until used.
"""

from .._lazy import lazy_exports

_EXPORTS = {
    "run_batch": ".runner",
    "BatchResult": ".runner",
    "process_recording": ".runner",
    "LocalRunner": ".runner",
    "DaskRunner": ".runner",
    "discover": ".discovery",
    "Job": ".discovery",
    "read_summary": ".summary",
    "Progress": ".progress",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

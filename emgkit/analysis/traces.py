"""The report's data-browser traces from the analysis's own conditioned signals (no second filtering pass)."""

from __future__ import annotations

import numpy as np

__all__ = ["browser_traces"]


def browser_traces(stages, n_buckets=2000) -> dict:
    """Min/max decimated band-passed EMG and every ``n // n_buckets``-th envelope sample of the analysed channels.

    Parameters
    ----------
    stages : Stages
        A finished run whose store is still open.
    n_buckets : int, default 2000

    Returns
    -------
    dict
        ``t_raw, raw, t_env, envelope`` (times in s), ``names, sides, unit``,
        as :func:`emgkit.decimate.browser_traces`.
    """
    from ..decimate import minmax_decimate

    store, view = stages.store, stages.selection.view
    n, fs = view.n_samples, view.fs
    step = max(1, n // n_buckets)
    if n <= 2 * n_buckets:
        t_raw, raw = minmax_decimate(store.filtered[:, 0:n], fs, n_buckets)
    else:
        size = n // n_buckets
        used = size * n_buckets
        per = max(1, store.piece // size)
        ts, ys = [], []
        for a in range(0, used, per * size):
            b = min(used, a + per * size)
            t, y = minmax_decimate(store.filtered[:, a:b], fs, (b - a) // size)
            ts.append((np.round(t * fs) + a) / fs)  # sample times on the record's clock, as in one call
            ys.append(y)
        if used < n:
            ts.append(np.arange(used, n) / fs)
            ys.append(store.filtered[:, used:n])
        t_raw, raw = np.concatenate(ts), np.concatenate(ys, axis=1)
    env = np.concatenate([store.env[:, a:b][:, (-a) % step :: step] for a in range(0, n, store.piece)
                          for b in [min(n, a + store.piece)]], axis=1)
    return {"t_raw": t_raw, "raw": raw, "t_env": np.arange(0, n, step) / fs, "envelope": env, "names": stages.selection.names,
            "sides": [c.side or "" for c in view.channels], "unit": view.unit}

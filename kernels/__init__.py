"""Numba kernels for emgkit's per-sample loops (installed as ``emgkit.kernels``).

Kernels take arrays shaped ``(n_samples,)`` or ``(n_channels, n_samples)``,
windows in **samples**, and return arrays of the input's float dtype.  They
validate only shapes and dtypes; the user-facing functions in :mod:`emgkit`
convert seconds to samples and check physical parameters.  Importing this
package imports numba but compiles nothing: each kernel compiles at first use
and is cached on disk.
"""

from importlib import import_module

# public name -> submodule (loaded on first use)
_EXPORTS = {
    "stats_state": ".clipping",
    "stats_update": ".clipping",
    "band_runs": ".clipping",
    "window_min_ms": ".clipping",
    "runs_mask": ".clipping",
    "rectify": ".envelope",
    "moving_rms": ".envelope",
    "moving_average": ".envelope",
    "tkeo": ".envelope",
    "sosfiltfilt": ".filters",
    "hysteresis": ".activation",
    "hysteresis_runs": ".activation",
    "hysteresis_state": ".activation",
    "equal_runs": ".activation",
    "equal_runs_state": ".activation",
    "filter_runs": ".activation",
    "mask_runs": ".activation",
    "r_of_m": ".activation",
    "constant_runs": ".activation",
    "row_extremes": ".activation",
    "tkeo_envelope": ".activation",
    "rectified_envelope": ".activation",
    "burst_rms": ".activation",
    "window_quantiles": ".activation",
    "pair_sums": ".cocontraction",
    "minus_floor": ".noise",
    "minus_floor_rows": ".noise",
    "hann_segments": ".spectra",
    "add_band_periodograms": ".spectra",
    "window_band_stats": ".spectra",
    "squares_cumsum_at": ".spectra",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'emgkit.kernels' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))

"""emgkit: surface EMG analysis built around muscle imbalance.

``import emgkit`` is cheap: submodules (and numba, h5py, plotly) load on first
use of a name below.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__

# public name -> module that defines it (loaded lazily, PEP 562)
_EXPORTS = {
    "Recording": ".recording",
    "Channel": ".channels",
    "parse_channel_name": ".channels",
    "relabel": ".channel_map",
    "read": ".io",
    "write": ".io",
    "open": ".io",
    "remove_dc": ".preprocess",
    "bandpass": ".preprocess",
    "notch": ".preprocess",
    "rectify": ".preprocess",
    "normalize": ".preprocess",
    "rms_envelope": ".envelope",
    "linear_envelope": ".envelope",
    "detect_activation": ".activation",
    "Activation": ".activation",
    "symmetry_index": ".symmetry",
    "symmetry_angle": ".symmetry",
    "limb_symmetry_index": ".symmetry",
    "cocontraction_index": ".cocontraction",
    "analyze": ".analysis",
    "Analysis": ".analysis",
    "load_analysis": ".analysis",
    "analyze_file": ".analysis_stream",
    "analyze_pair": ".analysis",
    "Config": ".config",
    "load_config": ".config",
    "find_pairs": ".pairs",
    "report": ".report_html",
    "run_batch": ".batch.runner",
    "EmgkitError": ".errors",
    "InvalidInputError": ".errors",
    "FileFormatError": ".errors",
    "OutputExistsError": ".errors",
    "MissingDependencyError": ".errors",
    "SignalQualityWarning": ".errors",
    "show_versions": "._versions",
    "from_mne": ".bridges",
    "from_xarray": ".bridges",
    "from_dataframe": ".bridges",
}

# subpackages and modules reachable as attributes (``emgkit.datasets.load``)
_SUBMODULES = {"datasets", "kernels", "quality", "io", "activation", "channels", "channel_kinds", "channel_map", "errors", "preprocess", "envelope",
               "figures", "config", "pairs", "symmetry", "cocontraction", "fatigue", "cycles", "analysis", "analysis_stream", "formats", "convert", "batch", "study",
               "decimate", "bridges"}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # the same names, seen by type checkers (tests/test_packaging.py keeps them equal to _EXPORTS)
    from ._versions import show_versions
    from .activation import detect_activation, Activation
    from .analysis import analyze, analyze_pair, Analysis, load_analysis
    from .analysis_stream import analyze_file
    from .batch.runner import run_batch
    from .bridges import from_dataframe, from_mne, from_xarray
    from .channel_map import relabel
    from .channels import Channel, parse_channel_name
    from .cocontraction import cocontraction_index
    from .config import Config, load_config
    from .envelope import rms_envelope, linear_envelope
    from .errors import (
        EmgkitError,
        InvalidInputError,
        FileFormatError,
        OutputExistsError,
        MissingDependencyError,
        SignalQualityWarning,
    )
    from .io import read, write, open
    from .pairs import find_pairs
    from .preprocess import remove_dc, bandpass, notch, rectify, normalize
    from .recording import Recording
    from .report_html import report
    from .symmetry import symmetry_index, symmetry_angle, limb_symmetry_index


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS, _SUBMODULES)

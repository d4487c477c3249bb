"""Imbalance analysis of one recording: left vs right, agonist vs antagonist, timing, fatigue.

:func:`analyze` runs the stages of :mod:`emgkit.analysis.pipeline` on a raw
:class:`~emgkit.Recording`; :func:`analyze_file` runs the same stages on a
recording file read in chunks (records larger than memory); :func:`analyze_pair`
compares a left-side and a right-side unilateral trial as the two sides.  The result,
:class:`Analysis`, holds pandas tables and saves them to one HDF5 file plus
CSV copies (:meth:`Analysis.save`, :func:`load_analysis`).

Modules: ``view`` (a recording as channels + chunked source), ``store``
(conditioned signals in memory or a scratch file), one module per stage
(``select``, ``condition``, ``detect``, ``segment``, ``normalise``,
``measure``, ``spectra``), ``structure`` (the task structure of the left/right
pairs), ``pair_trials`` (two unilateral trials as sides), ``tables`` (one module per table), ``pipeline``
(the order), ``result`` (the Analysis object and its files).
"""

from .pipeline import (DEFAULT_CHUNK_S, STREAM_ABOVE_SAMPLES, STREAM_MODES, analyze, analyze_file, analyze_source,
                       wants_streaming)
from .pair_trials import analyze_pair
from .result import CONFIG_NAME, H5_NAME, INFO_NAME, TABLES, Analysis, analysis_state, load_analysis

__all__ = ["Analysis", "analyze", "analyze_file", "analyze_pair", "analyze_source", "load_analysis", "analysis_state", "wants_streaming", "TABLES", "H5_NAME", "CONFIG_NAME",
           "INFO_NAME", "DEFAULT_CHUNK_S", "STREAM_ABOVE_SAMPLES", "STREAM_MODES"]

"""Muscle activation timing: onsets and offsets of EMG bursts, per channel.

* :func:`detect_activation` takes raw EMG (a Recording or an array with
  ``fs``), conditions it and runs one of the detectors of :data:`REGISTRY`:
  ``"auto"`` (default), ``"tkeo"``, ``"hodges"``, ``"bonato"``, ``"tonic"`` (bursts on
  tonic activity).
* :func:`detect` thresholds an envelope you computed yourself.
* :func:`detect_activation_stream` is :func:`detect_activation` for records
  larger than memory, read chunk by chunk from a source
  (:mod:`emgkit._chunks`).
* :func:`detect_source` is the one detector behind both: a chunked source
  in, read in pieces (the whole record as one piece in memory); an analysis
  that has band-passed the signal and found its clipped runs passes them.
* :data:`REGISTRY` holds every method's statistic, defaults and options
  (:data:`METHODS` their names); the configuration and the command line
  read it.
* All return an :class:`Activation`: bursts in s per channel, thresholds,
  baselines, reasons for channels without bursts, ``to_frame()``,
  ``mask()``.

Accuracy of every detector on simulated recordings with known bursts, beside
NeuroKit2 and BioSPPy, is in ``docs/validation.md``
(``python -m benchmarks.validate_activation``); the guide is
``docs/activation.md``.  Names load on first use, so importing
:mod:`emgkit.activation.cli` for the command line stays light.
"""

from .._lazy import lazy_exports

_EXPORTS = {
    "detect_activation": "._detect",
    "detect": "._detect",
    "detect_activation_stream": "._stream",
    "detect_source": "._detect",
    "Activation": "._result",
    "Baseline": "._result",
    "PerChannel": "._result",
    "METHODS": "._registry",
    "REGISTRY": "._registry",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

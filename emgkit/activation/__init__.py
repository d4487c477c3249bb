"""Muscle activation timing: onsets and offsets of EMG bursts, per channel.

* :func:`detect_activation` takes raw EMG (a Recording or an array with
  ``fs``), conditions it and runs one of the detectors of SCIENCE.md
  section 3: ``"auto"`` (default), ``"tkeo"``, ``"hodges"``, ``"bonato"``.
* :func:`detect` thresholds an envelope you computed yourself.
* :func:`detect_activation_stream` is :func:`detect_activation` for records
  larger than memory, read chunk by chunk from a source
  (:mod:`emgkit._chunks`).
* Both return an :class:`Activation`: bursts in s per channel, thresholds,
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
    "Activation": "._result",
    "Baseline": "._result",
    "PerChannel": "._result",
    "METHODS": "._methods",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

"""The analysis pipeline: stages called in one visible order, on a recording in memory or streamed from its file.

Stages (each a function returning a small frozen result):

1. :func:`~emgkit.analysis.select.select_channels`: analysed channels and their pairs;
2. :func:`~emgkit.analysis.condition.condition`: DC removal, band-pass, notch,
   trunk high-pass and envelope, once per channel, into a store;
3. :func:`~emgkit.analysis.detect.detect`: bursts, clipped samples, channel quality;
4. :func:`~emgkit.analysis.segment.segment`: repetitions;
5. :func:`~emgkit.analysis.normalise.normalise`: noise floors and references;
6. :func:`~emgkit.analysis.measure.measure`: per-repetition values;
7. :func:`~emgkit.analysis.spectra.fatigue`: spectral fatigue measures;

then every table of :mod:`emgkit.analysis.tables`.  In memory the store holds
arrays and the record is one block; streamed, the store is a scratch file and
the record is read in chunks with settling margins.  Nothing else differs.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .._notes import Notes
from .._version import __version__
from ..config import load_config
from ..errors import InvalidInputError
from . import condition as cond
from .detect import detect
from .hum import find_hum
from .measure import measure
from .normalise import normalise
from .result import Analysis
from .segment import cycle_step, segment
from .select import dead_in_record, select_channels
from .spectra import fatigue
from .structure import find_structure
from .store import MemoryStore, ScratchStore
from .tables import build_tables
from .view import RecordingView

if TYPE_CHECKING:
    from ..config import Config
    from ..pairs import Pairing
    from ..recording import Recording

# the forms `pairs`, `mvc` and `config` accept (see analyze's docstring)
Pairs = Union["Pairing", Mapping[str, Any], Sequence[tuple[str, str]], None]
Mvc = Union["Recording", Sequence["Recording"], Mapping[str, float], Sequence[float], None]
ConfigLike = Union["Config", Mapping[str, Any], str, os.PathLike, None]

__all__ = ["analyze", "analyze_file", "analyze_source", "wants_streaming", "DEFAULT_CHUNK_S", "STREAM_ABOVE_SAMPLES", "STREAM_MODES"]

DEFAULT_CHUNK_S = 20.0
STREAM_ABOVE_SAMPLES = 50_000_000  # channels x samples above which "auto" streams (in memory: about 2.5 GB of working arrays)
STREAM_MODES = ("auto", "on", "off")
LAZY_FORMATS = ("emgkit-hdf5", "hdf5")  # formats read piece by piece; others are read whole anyway


@dataclass(frozen=True)
class Stages:
    """Everything the stages found, handed to the table builders."""

    cfg: object
    view: object
    notes: Notes
    selection: object
    band: object
    raw: object
    store: object
    detection: object
    segments: object
    norm: object
    measures: object
    fatigue: object
    hum: object = None
    structure: object = None  # TaskStructure (emgkit.analysis.structure), found once the stages have run


@dataclass(frozen=True)
class Unusable:
    """What is left when no channel is usable EMG: the selection says why (no stage ran)."""

    cfg: object
    view: object
    notes: Notes
    selection: object


def analyze(recording: Recording, *, pairs: Pairs = None, mvc: Mvc = None, config: ConfigLike = None,
            rest: Recording | None = None) -> Analysis:
    """Analyse muscle imbalance in one recording.

    Parameters
    ----------
    recording : Recording
        Raw EMG (any unit) with named channels; muscles and sides come from
        the channel names (:class:`emgkit.Channel`).  ``meta["events"]``
        (cycle events), ``meta["adc_range"]`` (clipping) and ``meta["aux"]``
        (auxiliary signals usable as trigger) are used when present.
    pairs : optional
        Explicit pairs replacing the configuration's ``[pairs]`` lists: a
        :class:`emgkit.pairs.Pairing`; a dict ``{"bilateral": [(left,
        right), ...], "agonist_antagonist": [(agonist, antagonist), ...]}``;
        or a list of channel-name pairs, each read as left/right when both
        channels are the same muscle on sides L and R, else as (agonist,
        antagonist).  Channels not named are still paired automatically
        unless ``pairs.auto = false`` in the configuration.
    mvc : optional
        Maximal voluntary contraction reference: a Recording of the MVC trial
        (raw; conditioned by exactly the same code and settings as the task,
        trunk high-pass included; its highest ``normalization.mvc_window_ms``
        window mean of the envelope is the reference), a list of such
        Recordings (best of 2-3 trials: the highest reference per channel),
        or reference values in the task's envelope unit as ``{channel:
        value}`` or one value per analysed channel.  MVC channels are matched
        by name, else by muscle and side.  An MVC recording at another rate
        is resampled (polyphase) to the task rate, with a note
        (``normalization.resample_mvc = false`` refuses).
    config : None, path, dict or Config
        Analysis configuration (:func:`emgkit.config.load_config`).
    rest : Recording, optional
        Raw rest recording of the same electrodes, muscles relaxed: the noise
        floors are measured on it, matched and conditioned like an MVC trial;
        not with ``normalization.rest_interval`` (docs/noise_floor.md).
        ``info["floor_source"]`` names each channel's source.

    Returns
    -------
    Analysis

    Raises
    ------
    InvalidInputError
        Not a Recording, no EMG channel left, unknown channels in pairs or
        configuration, MVC that cannot be matched or is silent, MVC at another
        rate with ``resample_mvc = false``, MVC in another unit; the same for
        a rest (also one shorter than 1 s, or outside the record).

    Warns
    -----
    SignalQualityWarning
        Amplitudes compared without normalization where the two sides'
        baseline noise differs more than 2-fold (different gains?) and %MVC
        above 100, at the caller's line.  Every caveat, these included, is
        kept in :attr:`Analysis.notes` (each analysis its own, also when
        several run at once in threads).

    Notes
    -----
    Normalization (``normalization.method``): with MVC, amplitudes and
    co-contraction are in %MVC.  Without (``"auto"``), left/right amplitudes
    are compared raw and marked "indicative only" (electrode site, skin and
    fat change raw amplitude; Burden 2010), and co-contraction expresses both
    muscles of a pair against the agonist's task peak (one common reference).  ``"peak"``/``"mean"`` normalize each channel to its
    own task reference, which erases left/right amplitude asymmetry: amplitude
    symmetry indices are then refused (NaN with the reason) and shape and
    timing are kept.

    Examples
    --------
    >>> import emgkit
    >>> from emgkit.datasets import simulate
    >>> rec = simulate(n_reps=6, fs=2000, lr_ratio={"biceps_brachii": 1.3}, seed=2)
    >>> res = emgkit.analyze(rec)  # doctest: +SKIP
    >>> res.bilateral.query("metric == 'mean'")[["muscle", "symmetry_index", "flag"]]  # doctest: +SKIP
    """
    return _analyze_recording(recording, pairs, mvc, config, traces=False, emit=True, rest=rest)[0]


def analyze_file(path: str | os.PathLike[str], *, pairs: Pairs = None, mvc: Mvc = None, config: ConfigLike = None,
                 chunk_s: float = DEFAULT_CHUNK_S, scratch_dir: str | os.PathLike[str] | None = None, traces: bool = False,
                 rest: Recording | None = None, **options: Any) -> Analysis | tuple[Analysis, dict[str, Any]]:
    """Analyse muscle imbalance in a recording file without loading it whole.

    Gives the same :class:`Analysis` as ``analyze(emgkit.read(path))``
    (tables equal within 1e-9) while holding only a few chunks of samples in
    memory: each chunk is conditioned with margins as wide as the filters'
    settling time (:func:`emgkit._chunks.settle_samples`), the conditioned
    signals go to a scratch HDF5 file (removed at the end), and every later
    stage reads them back piece by piece.

    Parameters
    ----------
    path : str or Path
        A recording emgkit can open lazily (native or foreign HDF5 reads only
        what is asked; other formats are read whole first).
    pairs, mvc, config, rest
        As in :func:`emgkit.analyze`.
    chunk_s : float > 0, default 20
        Core length of each chunk, s.  Memory grows with it; results do not
        depend on it (within 1e-9).
    scratch_dir : str or Path, optional
        Folder for the temporary scratch file (default: the system's
        temporary folder); needs about ``3.1 x channels x samples x 8`` bytes
        free while the record is filtered (a raw copy, deleted then), ``2.1 x`` after.
    traces : bool, default False
        Also return the report's data-browser traces (min/max decimated
        band-passed EMG and envelope, as :func:`emgkit.decimate.browser_traces`
        but of the analysis's own signals).
    **options
        Reader options (e.g. ``fs`` for files that do not store it), as for
        :func:`emgkit.open`.

    Returns
    -------
    Analysis, or (Analysis, dict) with ``traces=True``

    Raises
    ------
    InvalidInputError
        As :func:`emgkit.analyze`; also for a ``chunk_s`` that is not a
        positive number of seconds.
    """
    result, shown = _analyze_file(path, pairs, mvc, config, chunk_s, scratch_dir, traces=traces, emit=True, rest=rest, **options)
    return (result, shown) if traces else result


def analyze_source(source, *, stream="auto", pairs=None, mvc=None, config=None, traces=False, emit=True, progress=None,
                   rest=None, **options):
    """Analyse a Recording or a recording file, streaming the file when ``stream`` says so.

    The one entry point of the command line and the batch: the report's
    data-browser traces come from the analysis's own conditioned signals (no
    second filtering pass), and ``emit=False`` keeps every caveat in the notes
    without issuing warnings.

    Parameters
    ----------
    source : Recording, str or Path
    stream : {"auto", "on", "off"}
        For a file: :func:`wants_streaming`; a Recording is analysed in memory.
    pairs, mvc, config, rest
        As in :func:`analyze`.
    traces : bool, default False
    emit : bool, default True
        Issue the notes marked as warnings (:meth:`emgkit._notes.Notes.emit`).
    progress : callable, optional
        ``progress(step, fraction)``: told the name of each stage as it starts
        (``fraction`` None) and, while a streamed file is read and filtered,
        the share of the record done (0-1); the command line passes
        :class:`emgkit.batch.progress.StepProgress`.
    **options
        Reader options (e.g. ``fs``).

    Returns
    -------
    (Analysis, dict or None)
        The analysis and, with ``traces=True``, the browser traces.
    """
    from ..recording import Recording

    if isinstance(source, Recording):
        return _analyze_recording(source, pairs, mvc, config, traces=traces, emit=emit, progress=progress, rest=rest)
    if wants_streaming(source, stream, **options):
        return _analyze_file(source, pairs, mvc, config, DEFAULT_CHUNK_S, None, traces=traces, emit=emit, progress=progress,
                             rest=rest, **options)
    from ..io import read

    if progress is not None:
        progress("reading the file")
    return _analyze_recording(read(source, **options), pairs, mvc, config, traces=traces, emit=emit, progress=progress,
                              rest=rest)


def _analyze_recording(recording, pairs, mvc, config, *, traces, emit, progress=None, rest=None):
    from ..recording import Recording

    cfg = load_config(config)
    if not isinstance(recording, Recording):
        raise InvalidInputError(
            f"analyze needs a Recording, got {type(recording).__name__}; wrap arrays with emgkit.Recording(data, fs, channels)"
        )
    view = RecordingView.of_recording(recording)
    n = view.n_samples
    stages = run(view, cfg, pairs, mvc, lambda n_ch, step: MemoryStore(n_ch, n, step), chunk=n, progress=progress, rest=rest)
    return _finish(stages, emit, traces, progress)


def _finish(stages, emit, traces, progress):
    """The Analysis (tables built) and, with ``traces``, the browser traces."""
    from .traces import browser_traces

    if progress is not None:
        progress("building the tables")
    return _result(stages, emit), browser_traces(stages) if traces and isinstance(stages, Stages) else None


def _analyze_file(path, pairs, mvc, config, chunk_s, scratch_dir, *, traces, emit, progress=None, rest=None, **options):
    from ..io import open as open_file

    cfg = load_config(config)
    if not (isinstance(chunk_s, (int, float)) and math.isfinite(chunk_s) and chunk_s > 0):
        raise InvalidInputError(f"chunk_s must be a positive number of seconds, got {chunk_s!r}")
    with open_file(path, **options) as handle, tempfile.TemporaryDirectory(prefix="emgkit-stream-", dir=scratch_dir) as tmp:
        view = RecordingView.of_file(handle)
        chunk = max(1, int(round(chunk_s * view.fs)))
        attempts = []

        def make_store(n_ch, step):
            # the stages may run again (dead channels, hum notches): each run gets fresh scratch files, the last ones go
            for old in Path(tmp).glob("scratch*"):
                old.unlink()
            attempts.append(len(attempts))
            store = ScratchStore(Path(tmp) / f"scratch{attempts[-1]}", n_ch, view.n_samples, step, chunk, view.fs)
            if progress is not None:
                step_name = "filtering" + (" again" if len(attempts) > 1 else "")
                store.on_write = lambda b: progress(step_name, b / max(view.n_samples, 1))
            return store

        stages = run(view, cfg, pairs, mvc, make_store, chunk, progress=progress, rest=rest)
        try:
            return _finish(stages, emit, traces, progress)
        finally:
            if isinstance(stages, Stages):
                stages.store.close()


def wants_streaming(path, mode="auto", **options) -> bool:
    """Whether the analysis of ``path`` should stream it.

    Parameters
    ----------
    path : str or Path
    mode : {"auto", "on", "off"}
        ``"auto"`` streams HDF5 recordings (native or foreign) holding more
        than :data:`STREAM_ABOVE_SAMPLES` samples over all channels.
    **options
        Reader options (e.g. ``fs``), as for :func:`emgkit.open`.

    Returns
    -------
    bool
    """
    from .._checks import check_option
    from ..io import detect_format
    from ..io import open as open_file

    check_option("stream", mode, STREAM_MODES)
    if mode != "auto":
        return mode == "on"
    if detect_format(path).name not in LAZY_FORMATS:
        return False
    with open_file(path, **options) as handle:
        return handle.n_channels * handle.n_samples > STREAM_ABOVE_SAMPLES


def run(view, cfg, pairs, mvc, make_store, chunk, progress=None, rest=None):
    """Every stage in order on ``view``; ``make_store(n_channels, step)`` gives the store of the conditioned signals.

    ``progress(step)``, when given, is told the name of each stage as it starts;
    ``rest`` is a rest recording for the noise floors (:func:`analyze`).

    The store stays open in the result (the caller closes it): the table
    builders and the report's traces read from it.  Channels found dead over
    the whole record (constant, overflowing) and channels with mains hum
    above ``filters.hum_max_share`` (:mod:`emgkit.analysis.hum`) make the
    stages run again without them, or with them notched.  Returns
    :class:`Unusable` when no usable EMG channel is left.
    """
    tell = progress if progress is not None else (lambda step, fraction=None: None)
    drop, hum, checked = {}, None, False
    while True:
        notes = Notes()
        selection = select_channels(view, cfg, pairs, drop)
        if not selection.names:
            return Unusable(cfg, view, notes, selection)
        band = cond.choose_band(cfg, view.fs, selection.channels, notes)
        if hum is not None and hum.action == "notch":
            band = replace(band, notch=tuple(hum.notch_for(n) for n in selection.names))
        store = make_store(len(selection.names), cycle_step(view.fs))
        try:
            tell("filtering" + (" again" if drop or hum is not None else ""))
            raw = cond.condition(selection.view, cfg, band, store, chunk, notes)
            dead = dead_in_record(selection.names, raw.stats)
            if dead:
                drop.update(dead)
                store.close()
                continue
            tell("detecting bursts")
            detection = detect(selection, cfg, band, store, raw, chunk, notes)
            if hum is None:
                hum = find_hum(selection, detection, band, store, cfg, view.fs)
                if hum.found:
                    store.close()
                    drop.update({n: ("hum", why) for n, why in hum.excluded().items()})
                    continue
            elif hum.action == "notch" and not checked:
                checked = True
                hum = hum.with_residual(find_hum(selection, detection, band, store, cfg, view.fs, after_notch=True))
                bad = {n: ("hum", why) for n, why in hum.residual.items() if n not in drop}
                if bad:
                    store.close()
                    drop.update(bad)
                    continue
        except BaseException:
            store.close()
            raise
        break
    if hum.action == "notch":
        hum.add_notes(notes)
    try:
        tell("finding repetitions")
        segments = segment(selection, detection, store, cfg, notes)
        tell("normalising amplitudes")
        norm = normalise(selection, detection, segments, store, band, cfg, mvc, notes, rest=rest)
        tell("measuring repetitions")
        measures = measure(selection, detection, segments, norm, store, view.fs)
        tell("spectra (fatigue)")
        spectra = fatigue(selection, detection, segments, norm, store, cfg, notes)
    except BaseException:
        store.close()
        raise
    stages = Stages(cfg, view, notes, selection, band, raw, store, detection, segments, norm, measures, spectra, hum)
    try:
        return replace(stages, structure=find_structure(stages, notes))
    except BaseException:
        store.close()
        raise


def _result(stages, emit) -> Analysis:
    if isinstance(stages, Unusable):
        from .tables.unusable import build_unusable

        tables, compared = build_unusable(stages)
        facts = _facts(stages)
        facts["compared"] = compared
        return Analysis(tables, config=stages.cfg, info=facts, notes=list(stages.notes))
    tables = build_tables(stages)
    if emit:
        stages.notes.emit()
    facts = info(stages)
    facts["compared"] = tables["summary"].attrs.pop("compared", {})
    return Analysis(tables, config=stages.cfg, info=facts, notes=list(stages.notes))


def _facts(s) -> dict:
    """The recording facts of :func:`info` that exist when no stage ran."""
    from .._versions import versions

    return {"emgkit_version": __version__, "fs": s.view.fs, "duration_s": s.view.n_samples / s.view.fs,
            "n_samples": s.view.n_samples, "unit": s.view.unit, "n_channels": 0, "channels": [],
            "excluded_channels": list(s.selection.excluded), "meta": {}, "n_cycles": 0, "cycles_source": "none",
            "task_structure": "unknown", "config_digest": s.cfg.digest(), "versions": versions()}


def info(s) -> dict:
    """Recording facts, processing choices and the versions of emgkit and its dependencies (an analysis's ``info``)."""
    import json

    from .._versions import versions

    def jsonable(value):
        try:
            json.dumps(value)
            return True
        except (TypeError, ValueError):
            return False

    meta = s.view.meta
    keep = {k: meta[k] for k in ("subject", "session", "trial", "task", "run", "acquisition", "action", "category", "group", "source")
            if k in meta and jsonable(meta[k])}
    f, e = s.cfg.filters, s.cfg.envelope
    env = (f"linear envelope: full-wave rectified, {e.cutoff_hz:g} Hz Butterworth order {e.order} zero phase (-3 dB point corrected)"
           if e.method == "linear" else f"moving RMS, {e.rms_window_ms:g} ms centred window")
    norm = s.norm
    return {
        "emgkit_version": __version__,
        "fs": s.view.fs,
        "duration_s": s.view.n_samples / s.view.fs,
        "n_samples": s.view.n_samples,
        "unit": s.view.unit,
        "n_channels": len(s.selection.names),
        "channels": s.selection.names,
        "excluded_channels": list(s.selection.excluded),
        "meta": keep,
        "filters": f"DC removed; Butterworth band-pass {s.band.low_hz:g}-{s.band.high_hz:g} Hz, design order {f.order}, zero phase"
        + (f"; notch {f.notch_hz:g} Hz and harmonics" if f.notch_hz else "; no notch"),
        "envelope": env,
        "activation": s.detection.activation.method,
        "normalization": {"amplitude": norm.amp_mode, "amplitude_unit": norm.amp_unit, "cocontraction": norm.cc_mode,
                          "cocontraction_unit": norm.pair_unit},
        "cycles_source": s.segments.cycles.source,
        "cycles_rule": s.segments.fallback or s.segments.rule,
        "n_cycles": s.segments.n_kept,
        "floor_source": {name: norm.noise.method[c] for c, name in enumerate(s.selection.names)},
        "floor_subtracted": {n: bool(norm.noise.trusted[c] and s.cfg.normalization.subtract_noise) for c, n in enumerate(s.selection.names)},
        "fatigue_mode": s.fatigue.mode,
        "task_structure": s.structure.structure,
        "task_structure_detail": s.structure.as_dict(),
        "config_digest": s.cfg.digest(),
        "versions": versions(),
    }

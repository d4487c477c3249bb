"""Imbalance analysis of one recording: left vs right, agonist vs antagonist, timing, fatigue.

:func:`analyze` runs the whole chain on a raw :class:`~emgkit.Recording`:

1. channels: pairs from muscles and sides (:mod:`emgkit.pairs`), excluded
   and trigger channels set aside;
2. preprocessing: DC removal, band-pass (optional notch, trunk high-pass),
   envelope (linear or moving RMS) with the configured settings;
3. activity: :func:`emgkit.detect_activation` (bursts, activity mask), and
   clipped samples (:func:`emgkit.quality.clipped_mask`);
4. repetitions: events, trigger channel or envelope peaks
   (:mod:`emgkit.cycles`); without any, the whole record is one interval;
5. normalization: MVC (recordings or values) or task references;
6. per repetition: amplitudes (mean, peak, RMS, iEMG), burst timing,
   co-contraction indices; then per pair the mean, SD and confidence
   interval, the symmetry indices and flags (threshold and source beside
   every flag);
7. fatigue: MDF/MNF slopes per channel (:mod:`emgkit.fatigue`);
8. a ranked summary in plain words.

The result, :class:`Analysis`, holds pandas tables and saves them to one
HDF5 file plus CSV copies (:meth:`Analysis.save`, :func:`load_analysis`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import _findings as fd
from ._version import __version__
from ._chunks import Rows, row_max, row_mean
from .channels import Channel, muscle_region, parse_channel_name
from .config import Config, load_config
from .errors import FileFormatError, InvalidInputError, OutputExistsError, SignalQualityWarning
from .pairs import PairCatalogue, Pairing, Unpaired, find_pairs
from .recording import Recording
from .symmetry import limb_symmetry_index, symmetry_angle, symmetry_index, undefined_reason

__all__ = ["Analysis", "analyze", "load_analysis", "TABLES"]

# tables of an Analysis, in the order they are saved
TABLES = (
    "summary",
    "bilateral",
    "agonist_antagonist",
    "timing",
    "fatigue",
    "repetitions",
    "cycles",
    "bursts",
    "ensembles",
    "fatigue_windows",
    "channels",
    "pairing",
)
H5_NAME = "analysis.h5"
CONFIG_NAME = "config.toml"
INFO_NAME = "info.json"
CLIP_TOLERANCE = 0.01  # a repetition with more than 1 % clipped samples on a channel is left out of that channel's indices
FRAGMENTED = 1.5  # more bursts per repetition than this: activity broken up by the detector (low SNR), timing flags become notices
GAIN_MISMATCH = 2.0
REST_WINDOW_S = 0.5  # windows of this length within QUIET_FACTOR of the quietest one give each channel's noise floor
QUIET_FACTOR = 1.25
PIECE = 1 << 18  # samples per piece when whole-record reductions walk a signal (bounds memory, same code for streaming)
CYCLE_RATE_HZ = 200.0  # envelope rate for finding repetitions (envelopes hold nothing above ~10 Hz); cycle bounds to 5 ms
SNR_GAP_DB = 6.0  # bursts whose SNR differs more than this between two channels: their timing difference may be detection bias  # baseline noise differing more than this factor between sides suggests different gains
TRUNK_REGIONS = ("trunk_front", "trunk_back")


class Analysis:
    """Results of :func:`analyze`: pandas tables, the configuration, recording info and notes.

    Attributes
    ----------
    summary : DataFrame
        Ranked findings in plain words: ``rank, severity`` (``"flag"``,
        ``"notice"``, ``"ok"``, ``"info"``), ``category, subject, finding,
        value, unit, threshold, source``.
    bilateral : DataFrame
        One row per muscle and metric: ``muscle, metric, unit, left_channel,
        right_channel, left, right, difference`` (right - left), ``ratio``
        (right / left), ``symmetry_index, symmetry_angle`` (of the means over
        repetitions), ``si_mean, si_sd, si_ci_low, si_ci_high`` (of the
        per-repetition SI), ``n_reps, lsi`` (limb symmetry index, with
        ``analysis.involved_side``), ``normalization, flag, flag_reason,
        threshold, source, note``.
    agonist_antagonist : DataFrame
        One row per side and pair: ``side, agonist, antagonist,
        agonist_muscle, antagonist_muscle, joint, action, unit,
        cci_falconer`` (%) and its ``_sd, _ci_low, _ci_high``,
        ``cci_rudolph`` (+ ``_sd``; in ``unit``), ``common_area`` (unit x s),
        ``ratio`` (mean agonist / antagonist), ``antagonist_share`` (%),
        ``overlap_pct``, ``n_reps``, ``cci_left, cci_right, cci_side_si``
        (same pair on both sides), ``agonist_mdf_slope_pct_per_min,
        antagonist_mdf_slope_pct_per_min``, ``normalization, flag,
        flag_reason, threshold, source, note``.
    timing : DataFrame
        ``comparison`` (``"left_right"``: right - left; ``"agonist_antagonist"``:
        antagonist - agonist), ``side, muscle, channel_a, channel_b, metric``
        (onset, offset, duration), ``mean_ms, sd_ms, ci_low_ms, ci_high_ms,
        mean_pct_cycle, n, n_unpaired, flag, flag_reason, threshold, source``.
    fatigue : DataFrame
        Per channel: windows used, MDF/MNF at t = 0 and slopes (Hz/s, %/min,
        CI), RMS slope, FInsm5 change, ``reason`` when there is no slope.
    repetitions : DataFrame
        Every per-repetition value (tidy): ``cycle, start_s, stop_s, kind``
        (``"channel"``, ``"bilateral"``, ``"agonist_antagonist"``), ``side,
        muscle, channel, partner, metric, value, unit``.
    cycles : DataFrame
        Candidate cycles: ``cycle`` (kept ones numbered from 1, 0 dropped),
        ``start_s, stop_s, duration_s, kept, reason``.
    bursts : DataFrame
        Detected bursts (:meth:`emgkit.Activation.to_frame`) with the
        ``cycle`` their midpoint falls in (0: none).
    ensembles : DataFrame
        Time-normalized envelopes: ``channel, muscle, side, unit, pct``
        (0-100), ``mean, sd, n_cycles``.
    fatigue_windows : DataFrame
        Per analysis window: ``channel, window, start_s, stop_s, time_s,
        mdf_hz, mnf_hz, rms, finsm5, active_fraction, used, excluded``.
    channels : DataFrame
        Per channel: role, bursts, clipping, baseline noise, normalization
        reference.
    pairing : DataFrame
        Pairs found and channels that could not be paired, with the reason
        (:meth:`emgkit.pairs.Pairing.to_frame`).
    config : Config
        The configuration used.
    info : dict
        Recording facts (rate, duration, channels, subject...), processing
        choices, emgkit version.
    notes : list of str
        Caveats met on the way (normalization, clipping, repetitions, gains).
    """

    def __init__(self, tables, *, config, info, notes):
        missing = [t for t in TABLES if t not in tables]
        if missing:
            raise InvalidInputError(f"an Analysis needs the tables {list(TABLES)}; missing {missing}")
        self._tables = {t: tables[t] for t in TABLES}
        self.config = load_config(config)
        self.info = dict(info)
        self.notes = [str(n) for n in notes]

    def __getattr__(self, name):
        tables = self.__dict__.get("_tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"'Analysis' has no attribute {name!r}; tables are {list(TABLES)}")

    @property
    def tables(self) -> dict:
        """All tables by name, in :data:`TABLES` order."""
        return dict(self._tables)

    def save(self, path, *, overwrite=False) -> Path:
        """Write all tables to one HDF5 file and CSV files side by side in a folder.

        Parameters
        ----------
        path : str or Path
            Output folder (created if missing, parents included).
        overwrite : bool, default False
            Replace the files of an earlier analysis in that folder.

        Returns
        -------
        Path
            The folder, holding ``analysis.h5`` (every table, the
            configuration and info; layout in :mod:`emgkit.tables`),
            ``<table>.csv`` for each table, ``config.toml`` and ``info.json``.
            Each file is written to a temporary name and renamed, so a crash
            never leaves a half-written file under a final name; ``analysis.h5``
            is written last and marks a complete result.

        Raises
        ------
        OutputExistsError
            ``analysis.h5`` exists in the folder and ``overwrite`` is False.
        """
        from .io import atomic_output
        from .tables import write_csv, write_tables

        folder = Path(path).expanduser()
        if folder.exists() and not folder.is_dir():
            raise InvalidInputError(f"{folder} is a file; Analysis.save writes a folder of tables")
        if (folder / H5_NAME).exists() and not overwrite:
            raise OutputExistsError(f"{folder / H5_NAME} already exists; pass overwrite=True to replace the analysis")
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self._tables.items():
            write_csv(folder / f"{name}.csv", table, overwrite=True)
        toml = self.config.to_toml()
        with atomic_output(folder / CONFIG_NAME, overwrite=True) as tmp:
            tmp.write_text(toml, encoding="utf-8")
        info_text = json.dumps({"info": self.info, "notes": self.notes}, indent=2, ensure_ascii=False, sort_keys=True)
        with atomic_output(folder / INFO_NAME, overwrite=True) as tmp:
            tmp.write_text(info_text + "\n", encoding="utf-8")
        write_tables(
            folder / H5_NAME,
            self._tables,
            texts={"config": toml, "info": json.dumps(self.info, ensure_ascii=False, sort_keys=True), "notes": json.dumps(self.notes, ensure_ascii=False)},
            attrs={"kind": "emgkit-analysis", "emgkit_version": __version__},
            overwrite=True,
        )
        return folder

    def __repr__(self):
        sev = self.summary["severity"].value_counts().to_dict() if len(self.summary) else {}
        counts = ", ".join(f"{sev.get(k, 0)} {k}s" for k in ("flag", "notice"))
        return (
            f"<Analysis {self.info.get('n_channels', '?')} channels, {self.info.get('n_cycles', 0)} repetitions: {counts}; "
            f"{len(self.bilateral)} left/right rows, {len(self.agonist_antagonist)} agonist/antagonist rows>"
        )


def load_analysis(path) -> Analysis:
    """Read an analysis written by :meth:`Analysis.save`.

    Parameters
    ----------
    path : str or Path
        The folder, or its ``analysis.h5``.

    Returns
    -------
    Analysis
        Tables identical to the saved ones (columns, dtypes, NaN, text).

    Raises
    ------
    FileNotFoundError
        No ``analysis.h5`` there.
    FileFormatError
        The file is not an emgkit analysis, or is damaged.
    """
    import tomllib

    from .tables import read_tables

    path = Path(path).expanduser()
    file = path / H5_NAME if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"no analysis at {path} (expected {H5_NAME} from Analysis.save)")
    tables, texts, attrs = read_tables(file)
    if attrs.get("kind") != "emgkit-analysis":
        raise FileFormatError(f"{file} holds tables but not an emgkit analysis (kind {attrs.get('kind')!r})")
    try:
        config = load_config(tomllib.loads(texts["config"]))
        info = json.loads(texts["info"])
        notes = json.loads(texts["notes"])
    except (KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise FileFormatError(f"{file}: damaged analysis metadata ({type(exc).__name__}: {exc})") from None
    return Analysis(tables, config=config, info=info, notes=notes)


# =============================================================================================
def analyze(recording, *, pairs=None, mvc=None, config=None) -> Analysis:
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
        Maximal voluntary contraction reference (SCIENCE.md section 2): a
        Recording of the MVC trial (raw, processed exactly like the task; its
        highest ``normalization.mvc_window_ms`` window mean of the envelope
        is the reference), a list of such Recordings (best of 2-3 trials: the
        highest reference per channel), or reference values in the task's
        envelope unit as ``{channel: value}`` or one value per analysed
        channel.  MVC channels are matched by name, else by muscle and side.
        An MVC recording at another rate is resampled (polyphase) to the task
        rate, with a note (``normalization.resample_mvc = false`` refuses).
    config : None, path, dict or Config
        Analysis configuration (:func:`emgkit.config.load_config`).

    Returns
    -------
    Analysis

    Raises
    ------
    InvalidInputError
        Not a Recording, no EMG channel left, unknown channels in pairs or
        configuration, MVC that cannot be matched or is silent, MVC at another
        rate with ``resample_mvc = false``, MVC in another unit.

    Warns
    -----
    SignalQualityWarning
        Clipping, amplitudes compared without normalization where the two
        sides' baseline noise differs more than 2-fold (different gains?),
        %MVC above 100, and what the detectors report.  Every warning is also
        kept in :attr:`Analysis.notes`.

    Notes
    -----
    Normalization (``normalization.method``): with MVC, amplitudes and
    co-contraction are in %MVC.  Without (``"auto"``), left/right amplitudes
    are compared raw and marked "indicative only" (electrode site, skin and
    fat change raw amplitude; Burden 2010), and co-contraction uses each
    channel's task peak.  ``"peak"``/``"mean"`` normalize each channel to its
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
    cfg = load_config(config)
    if not isinstance(recording, Recording):
        raise InvalidInputError(
            f"analyze needs a Recording, got {type(recording).__name__}; wrap arrays with emgkit.Recording(data, fs, channels)"
        )
    run = _Run(recording, cfg, [])
    tables = run.execute(pairs, mvc)
    return Analysis(tables, config=cfg, info=run.info(), notes=run.notes)


class _Run:
    """State of one analysis, step by step."""

    def __init__(self, rec, cfg: Config, notes):
        self.rec = rec
        self.cfg = cfg
        self.notes = notes
        self.fs = rec.fs
        self.n = rec.n_samples
        self.piece = PIECE

    def execute(self, pairs, mvc) -> dict:
        """Every step in order; returns the tables (summary included).  Warnings are re-emitted and kept as notes."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.select_channels()
            self.pair(pairs)
            self.preprocess()
            self.detect()
            self.segment()
            self.normalize(mvc)
            tables = self.tables()
        for w in caught:
            text = str(w.message)
            if issubclass(w.category, SignalQualityWarning) and text not in self.notes:
                self.notes.append(text)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        tables["summary"] = self.summary(tables)
        return tables

    def note(self, text, warn=False):
        if text not in self.notes:
            self.notes.append(text)
        if warn:
            warnings.warn(text, SignalQualityWarning, stacklevel=4)

    # -- 1. channels and pairs --------------------------------------------------------------
    def select_channels(self):
        names = self.rec.channel_names
        self.excluded = {}
        for name in self.cfg.pairs.exclude:
            if name not in names:
                raise InvalidInputError(f"pairs.exclude names {name!r}, which is not a channel; channels are {names}")
            self.excluded[name] = "excluded by the configuration (pairs.exclude)"
        trig = self.cfg.cycles.trigger_channel
        if trig is not None and trig in names:
            self.excluded[trig] = "trigger channel (cycles.trigger_channel): not EMG"
        keep = [n for n in names if n not in self.excluded]
        if not keep:
            raise InvalidInputError(f"no EMG channel left to analyse: all of {names} are excluded or the trigger channel")
        self.emg = self.rec.select(keep) if len(keep) != len(names) else self.rec
        self.names = keep
        self.chans = self.emg.channels
        self.index = {n: i for i, n in enumerate(keep)}

    def pair(self, pairs):
        bil, aa = self.cfg.pairs.bilateral, self.cfg.pairs.agonist_antagonist
        if isinstance(pairs, Pairing):
            pairing = pairs
            for p in pairing.bilateral:
                self._known(p.left, p.right)
            for p in pairing.agonist_antagonist:
                self._known(p.agonist, p.antagonist)
        else:
            if pairs is not None:
                bil, aa = _split_pairs(pairs, self.rec)
            catalogue = None
            if self.cfg.pairs.catalogue:
                catalogue = PairCatalogue.from_toml(self.cfg.pairs.catalogue)
            for a, b in (*bil, *aa):
                for n in (a, b):
                    if n in self.excluded:
                        raise InvalidInputError(f"the pair ({a!r}, {b!r}) names {n!r}, which is {self.excluded[n]}")
            pairing = find_pairs(self.chans, bilateral=bil, agonist_antagonist=aa, auto=self.cfg.pairs.auto, catalogue=catalogue)
        extra = tuple(Unpaired(n, "excluded", why) for n, why in self.excluded.items())
        self.pairing = Pairing(pairing.bilateral, pairing.agonist_antagonist, pairing.unpaired + extra)

    def _known(self, *names):
        for n in names:
            if n not in self.index:
                raise InvalidInputError(f"the pairing names {n!r}, which is not an analysed channel; channels are {self.names}")

    # -- 2. preprocessing ---------------------------------------------------------------------
    def preprocess(self):
        from .preprocess import remove_dc

        self.set_band()
        self.filtered, self.env = self.condition(remove_dc(np.asarray(self.emg.data, dtype=np.float64)))

    def set_band(self):
        """Band-pass corners (the default upper corner is lowered below fs/2, with a note) and the trunk rows."""
        f = self.cfg.filters
        fs = self.fs
        high = f.high_hz
        if high >= fs / 2:
            if high == type(f)().high_hz:
                high = math.floor(0.45 * fs)
                self.note(f"fs = {fs:g} Hz: band-pass upper corner lowered from {f.high_hz:g} to {high:g} Hz (below fs/2)")
            else:
                raise InvalidInputError(f"filters.high_hz={high:g} Hz must be below fs/2 = {fs / 2:g} Hz; use e.g. {0.45 * fs:g}")
        self.band = (f.low_hz, high)
        self.trunk = np.array([muscle_region(c.muscle) in TRUNK_REGIONS for c in self.chans]) if f.trunk_low_hz else np.zeros(len(self.chans), bool)
        if self.trunk.any():
            self.note(f"trunk channels {[n for n, t in zip(self.names, self.trunk) if t]} high-passed at {f.trunk_low_hz:g} Hz against ECG (Drake & Callaghan 2006)")

    def condition(self, x):
        """Band-passed (and notched) EMG and its envelope from DC-free raw EMG ``x`` (n_channels, n), float64."""
        from .envelope import linear_envelope, rms_envelope
        from .preprocess import bandpass, notch

        f, fs, high, trunk = self.cfg.filters, self.fs, self.band[1], self.trunk
        y = np.empty_like(x)
        if (~trunk).any():
            y[~trunk] = bandpass(x[~trunk], fs, low=f.low_hz, high=high, order=f.order)
        if trunk.any():
            y[trunk] = bandpass(x[trunk], fs, low=f.trunk_low_hz, high=high, order=f.order)
        if f.notch_hz:
            y = notch(y, fs, freq=f.notch_hz)
        e = self.cfg.envelope
        if e.method == "linear":
            env = linear_envelope(y, fs, cutoff=e.cutoff_hz, order=e.order)
        else:
            env = rms_envelope(y, fs, window_ms=e.rms_window_ms)
        return y, np.asarray(env, dtype=np.float64)

    # -- 3. activity and quality -------------------------------------------------------------
    def detect(self):
        from .activation import detect_activation
        from .quality import assess, clipped_mask

        on = self.cfg.onset
        self.act = detect_activation(self.emg, method=on.method, baseline=on.baseline, band_hz=self.band, **on.options())
        self.active = self.act.mask(self.fs, self.n)
        self.clipped = clipped_mask(self.emg.data, self.rec.meta.get("adc_range"))
        self.quality = assess(self.emg)
        self.judge_activity()
        self.clipped_notes(self.clipped.mean(axis=1))

    def judge_activity(self):
        """Flat and silent channels; a channel the detector found active throughout counts as active everywhere."""
        self.flat = self.quality["flat"].to_numpy(bool)
        reasons = [self.act.reason[c] or "" for c in range(len(self.names))]
        self.silent = np.array([not len(self.act.onsets[c]) and not r.startswith("no rest") for c, r in enumerate(reasons)])
        for c, r in enumerate(reasons):
            if r.startswith("no rest"):  # active throughout: amplitudes and spectra still mean something
                self.active[c] = True
                self.note(f"{self.names[c]}: the detector found no rest ({r}); the channel is treated as active throughout")

    def clipped_notes(self, fraction):
        for c in np.flatnonzero(fraction > 0.001):
            self.note(
                f"{self.names[c]}: {100 * fraction[c]:.1f} % of samples clipped; repetitions with more than "
                f"{100 * CLIP_TOLERANCE:g} % clipped samples are left out of its indices, clipped windows out of its spectra"
            )

    # -- 4. repetitions ------------------------------------------------------------------------
    def segment(self):
        from . import cycles as cy

        c = self.cfg.cycles
        meta = self.rec.meta
        source = c.source
        if source == "auto":
            if meta.get("events"):
                source = "events"
            elif c.trigger_channel:
                source = "trigger"
            else:
                source = "envelope"
        duration = self.n / self.fs
        if source == "none":
            cycles = cy.Cycles.empty("none", "cycle segmentation is off (cycles.source = 'none')")
        elif source == "events":
            if not meta.get("events"):
                cycles = cy.Cycles.empty("events", "no repetitions found: the recording has no events (meta['events'])")
            else:
                times, used = cy.events_from_meta(meta["events"], c.event_name)
                times = times - float(meta.get("start_s", 0.0))
                label = f"events {used!r}" if used is not None else "events"
                cycles = cy.cycles_from_events(times, duration, max_deviation=c.max_duration_deviation, source=label)
        elif source == "trigger":
            if not c.trigger_channel:
                raise InvalidInputError("cycles.source = 'trigger' needs cycles.trigger_channel (a channel or meta['aux'] signal name)")
            sig = _trigger_signal(self.rec, c.trigger_channel)
            times = cy.events_from_trigger(sig, self.fs, mode=c.trigger_mode, threshold=c.trigger_threshold,
                                           hysteresis=c.hysteresis, refractory_s=c.refractory_s)
            cycles = cy.cycles_from_events(times, duration, max_deviation=c.max_duration_deviation,
                                           source=f"trigger {c.trigger_channel!r} {c.trigger_mode}")
        else:
            use = ~self.flat & ~self.silent
            if not use.any():
                cycles = cy.Cycles.empty("envelope peaks", "no repetitions found: no channel has activity")
            else:
                step = max(1, int(self.fs // CYCLE_RATE_HZ))
                cycles = cy.cycles_from_envelope(self.combined_envelope(step, np.flatnonzero(use)), self.fs / step,
                                                 expected_period_s=c.expected_period_s, min_prominence=c.min_prominence,
                                                 max_deviation=c.max_duration_deviation)
        self.cycles = cycles
        if cycles.n_kept:
            self.intervals = cycles.bounds
        else:
            self.intervals = np.array([[0.0, duration]])
            why = cycles.note or f"no complete repetition among {len(cycles.starts_s)} candidates"
            if source != "none":
                self.note(f"{why}; the whole record is analysed as one interval (no SD or confidence interval)")
        self.samples = np.clip(np.round(self.intervals * self.fs).astype(np.int64), 0, self.n)

    def combined_envelope(self, step, rows):
        """Every ``step``-th sample of the channels' envelopes, each scaled by its 95th percentile, averaged.

        The combination of :func:`emgkit.cycles.cycles_from_envelope`, built one
        row at a time (the streaming analysis holds one decimated row, not all).
        """
        total, good = None, 0
        for r in rows:
            row = self.envelope_every(step, int(r))
            scale = np.percentile(row, 95)
            if np.isfinite(scale) and scale > 0:
                total = row / scale if total is None else total + row / scale
                good += 1
        return total / good if good else np.zeros(-(-self.n // step))

    def envelope_every(self, step, row):
        """Every ``step``-th envelope sample of one channel: cycles are found at about CYCLE_RATE_HZ."""
        return self.env[row, ::step]

    # -- 5. normalization ------------------------------------------------------------------------
    def normalize(self, mvc):
        from .cycles import ensemble

        cfg = self.cfg.normalization
        unit = self.rec.unit
        method = cfg.method
        if method == "auto":
            method = "mvc" if mvc is not None else "auto"
        elif mvc is not None and method != "mvc":
            self.note(f"an MVC reference was given but normalization.method = {method!r}: the MVC is not used")
        n_ch = len(self.names)
        self.ref = np.full(n_ch, np.nan)
        self.ref_source = [""] * n_ch
        self._noise_floor(cfg.subtract_noise)
        if method == "mvc":
            if mvc is None:
                raise InvalidInputError("normalization.method = 'mvc' needs mvc=...: an MVC Recording, a list of them, or reference values")
            self.ref, how = self._mvc_reference(mvc)
            self.ref_source = [how] * n_ch
            scale = 100.0 / self.ref
            self.amp_scale, self.amp_unit, self.amp_mode = scale, "%MVC", "mvc"
            self.cc_scale, self.cc_unit, self.cc_mode = scale, "%MVC", "mvc"
            top = row_max(self.env_signal) * scale
            for c in np.flatnonzero(top > 100.0):
                self.note(f"{self.names[c]} exceeds 100 %MVC (envelope peak {top[c]:.0f} %MVC; kept, not clipped): "
                          "check that the MVC trial was maximal and processed like the task", warn=True)
        else:
            task = "mean" if method == "mean" else "peak"
            if self.cycles.n_kept:
                _, mean_curve, _ = ensemble(self.env_signal, self.fs, self.intervals, self.cfg.cycles.n_points)
                ref = mean_curve.max(axis=1) if task == "peak" else mean_curve.mean(axis=1)
            else:
                ref = row_max(self.env_signal) if task == "peak" else row_mean(self.env_signal)
            ref = np.where(ref > 0, ref, np.nan)
            where = "ensemble-average envelope" if self.cycles.n_kept else "envelope"
            self.cc_scale = 100.0 / ref
            self.cc_unit, self.cc_mode = f"%{task}", task
            self.ref = ref
            self.ref_source = [f"task {task} of the {where} (Yang & Winter 1984)"] * n_ch
            if method in ("peak", "mean"):
                self.amp_scale, self.amp_unit, self.amp_mode = self.cc_scale, f"%{task}", "refused"
                self.note(
                    f"amplitudes normalized to each channel's task {task}: this erases left/right amplitude asymmetry, "
                    "so amplitude symmetry indices are not computed (give an MVC); shape and timing are kept"
                )
            else:
                self.amp_scale, self.amp_unit, self.amp_mode = np.ones(n_ch), unit, "raw"
                self.note(
                    "amplitudes are not normalized (no MVC): left/right amplitude comparisons are indicative only, since "
                    "electrode site, skin and fat change raw amplitude (Burden 2010); co-contraction uses each channel's task peak"
                )
                self._check_gains()
        self.env_amp = _scaled(self.env_signal, self.amp_scale)
        self.env_cc = _scaled(self.env_signal, self.cc_scale)

    def _noise_floor(self, subtract):
        """Envelope level and RMS of each channel at rest; with ``subtract``, removed in quadrature from the envelope.

        EMG and noise add in power, so the envelope of the muscle's own activity is
        ``sqrt(env**2 - floor**2)`` (exact for moving RMS, close for the linear
        envelope of Gaussian EMG).  Rest = every 0.5 s window whose mean envelope
        is within 25 % of the quietest one, 0.25 s away from the record's ends
        (the same samples give the noise RMS); a record too short for it gets no
        correction (noted).
        """
        n_ch = len(self.names)
        self.floor = np.zeros(n_ch)
        self.noise_rms = np.zeros(n_ch)
        self.env_signal = self.env
        w = int(round(REST_WINDOW_S * self.fs))
        edge = int(round(0.25 * self.fs))
        if not subtract:
            return
        if self.n - 2 * edge < w:
            self.note(f"the record is shorter than {REST_WINDOW_S + 0.5:g} s: noise floors are not subtracted")
            return
        # every window within 25 % of the quietest one is rest: their samples give an unbiased floor
        # (the minimum alone is biased low, and quadrature subtraction is sensitive to that)
        first, last = edge, self.n - edge - w + 1  # window starts
        quietest = np.full(n_ch, np.inf)
        for a, b in _spans(first, last, self.piece):
            quietest = np.minimum(quietest, _window_means(self.env[:, a : b + w - 1], w).min(axis=1))
        level = QUIET_FACTOR * quietest
        env_sum, sq_sum, count = np.zeros(n_ch), np.zeros(n_ch), np.zeros(n_ch)
        for a, b in _spans(first, last + w - 1, self.piece):  # samples [a, b) and the windows that may cover them
            lo, hi = max(first, a - w + 1), min(last, b)
            quiet = _window_means(self.env[:, lo : hi + w - 1], w) <= level[:, None]
            cover = np.zeros((n_ch, hi - lo + w), dtype=np.int32)
            cover[:, : hi - lo] += quiet
            cover[:, w:] -= quiet
            mask = (np.cumsum(cover, axis=1) > 0)[:, a - lo : b - lo]
            env_sum += np.where(mask, self.env[:, a:b], 0.0).sum(axis=1)
            sq_sum += np.where(mask, self.filtered[:, a:b] ** 2, 0.0).sum(axis=1)
            count += mask.sum(axis=1)
        self.floor = env_sum / count
        self.noise_rms = np.sqrt(sq_sum / count)
        self.env_signal = _minus_floor(self.env, self.floor)

    def _check_gains(self):
        noise = self.quality["baseline_noise"].to_numpy(float)
        for p in self.pairing.bilateral:
            i, j = self.index[p.left], self.index[p.right]
            a, b = noise[i], noise[j]
            if a > 0 and b > 0 and max(a / b, b / a) > GAIN_MISMATCH:
                self.note(
                    f"{p.muscle}: baseline noise differs {max(a / b, b / a):.1f}-fold between {p.left!r} and {p.right!r}: "
                    "different amplifier gains or electrode contact are likely, and raw amplitudes are compared without "
                    "normalization; normalize to MVC before reading the amplitude symmetry index",
                    warn=True,
                )

    def _mvc_reference(self, mvc):
        if isinstance(mvc, Recording) or (isinstance(mvc, (list, tuple)) and mvc and all(isinstance(m, Recording) for m in mvc)):
            trials = [mvc] if isinstance(mvc, Recording) else list(mvc)
            refs = np.vstack([self._mvc_trial(t, k) for k, t in enumerate(trials)])
            ref = np.sqrt(np.maximum(refs.max(axis=0) ** 2 - self.floor**2, 0.0))  # same electrodes: same noise floor
            how = f"MVC: highest {self.cfg.normalization.mvc_window_ms:g} ms window mean of the envelope" + (
                f", best of {len(trials)} trials" if len(trials) > 1 else ""
            )
        elif isinstance(mvc, dict):
            ref = np.array([self._lookup_value(mvc, c) for c in self.chans], dtype=np.float64)
            how = "MVC: given reference values"
        else:
            try:
                values = np.asarray(mvc, dtype=np.float64)
            except (TypeError, ValueError):
                raise InvalidInputError(f"mvc must be a Recording, a list of Recordings, a dict or numbers, got {type(mvc).__name__}") from None
            if values.shape != (len(self.names),):
                raise InvalidInputError(f"mvc values: one per analysed channel ({len(self.names)}: {self.names}), got shape {values.shape}")
            ref, how = values, "MVC: given reference values"
        bad = [n for n, v in zip(self.names, ref) if not (np.isfinite(v) and v > 0)]
        if bad:
            raise InvalidInputError(f"MVC reference is zero, negative or missing for {bad}: a silent MVC channel cannot normalize (check the MVC trial)")
        return ref, how

    def _lookup_value(self, mapping, ch: Channel):
        if ch.name in mapping:
            return float(mapping[ch.name])
        hits = [v for k, v in mapping.items() if ch.muscle and parse_channel_name(str(k)) == (ch.muscle, ch.side)]
        if len(hits) == 1:
            return float(hits[0])
        raise InvalidInputError(f"mvc has no value for channel {ch.name!r} (keys: {list(mapping)}); give one per analysed channel")

    def _mvc_trial(self, trial: Recording, k: int):
        from .envelope import linear_envelope, rms_envelope
        from .preprocess import bandpass, notch, remove_dc

        cfg = self.cfg
        if trial.unit != self.rec.unit:
            raise InvalidInputError(f"the MVC recording is in {trial.unit!r} and the task in {self.rec.unit!r}; convert one of them first")
        rows = []
        for ch in self.chans:
            if ch.name in trial.channel_names:
                rows.append(trial.index(ch.name))
                continue
            hits = [i for i, t in enumerate(trial.channels) if ch.muscle and (t.muscle, t.side) == (ch.muscle, ch.side)]
            if len(hits) != 1:
                raise InvalidInputError(
                    f"MVC trial {k + 1} has no channel for {ch.name!r} (by name or muscle and side); its channels are {trial.channel_names}"
                )
            rows.append(hits[0])
        x = np.asarray(trial.data[rows], dtype=np.float64)
        fs = trial.fs
        if fs != self.fs:
            if not cfg.normalization.resample_mvc:
                raise InvalidInputError(
                    f"the MVC recording is sampled at {fs:g} Hz and the task at {self.fs:g} Hz; resample one of them "
                    "or set normalization.resample_mvc = true"
                )
            from scipy.signal import resample_poly

            frac = Fraction(self.fs / fs).limit_denominator(1000)
            x = resample_poly(x, frac.numerator, frac.denominator, axis=1)
            self.note(f"MVC trial {k + 1} resampled from {fs:g} to {self.fs:g} Hz (polyphase, factor {frac.numerator}/{frac.denominator})")
            fs = self.fs
        f = cfg.filters
        y = bandpass(remove_dc(x), fs, low=f.low_hz, high=self.band[1], order=f.order)
        if f.notch_hz:
            y = notch(y, fs, freq=f.notch_hz)
        e = cfg.envelope
        env = linear_envelope(y, fs, cutoff=e.cutoff_hz, order=e.order) if e.method == "linear" else rms_envelope(y, fs, window_ms=e.rms_window_ms)
        w = max(1, int(round(cfg.normalization.mvc_window_ms * 1e-3 * fs)))
        if w > env.shape[1]:
            raise InvalidInputError(
                f"MVC trial {k + 1} lasts {env.shape[1] / fs:.3f} s, shorter than the {cfg.normalization.mvc_window_ms:g} ms reference window"
            )
        csum = np.concatenate([np.zeros((env.shape[0], 1)), np.cumsum(env, axis=1)], axis=1)
        return ((csum[:, w:] - csum[:, :-w]) / w).max(axis=1)

    # -- 6. tables ---------------------------------------------------------------------------------
    def tables(self):
        self.rep_rows = _Columns(REP_COLUMNS, floats=("start_s", "stop_s", "value"), ints=("cycle",))
        per_channel = self._channel_values()
        self.fatigue_results = self._fatigue()
        out = {
            "bilateral": self._bilateral(per_channel),
            "agonist_antagonist": self._agonist_antagonist(),
            "timing": self._timing(),
        }
        out["fatigue"], out["fatigue_windows"] = self._fatigue_tables()
        out["repetitions"] = _frame(self.rep_rows, REP_COLUMNS, ints=("cycle",))
        out["cycles"] = self.cycles.to_frame()
        out["bursts"] = self._bursts()
        out["ensembles"] = self._ensembles()
        out["channels"] = self._channels_table()
        out["pairing"] = self.pairing.to_frame()
        return out

    def _rep(self, k, kind, side, muscle, channel, partner, metric, value, unit):
        a, b = self.intervals[k]
        self.rep_rows.append(dict(cycle=k + 1, start_s=float(a), stop_s=float(b), kind=kind, side=side or "", muscle=muscle or "",
                                  channel=channel, partner=partner, metric=metric, value=float(value), unit=unit))

    def _channel_values(self):
        """Amplitude and timing values per channel and interval: dict metric -> (n_ch, n_int) array."""
        n_ch, n_int = len(self.names), len(self.intervals)
        vals = {m: np.full((n_ch, n_int), np.nan) for m in ("mean", "peak", "rms", "iemg", "active_pct", "clipped_pct")}
        self.activity = np.full((n_ch, n_int, 2), np.nan)
        self.burst_count = np.zeros((n_ch, n_int), dtype=np.int64)
        units = {"mean": self.amp_unit, "peak": self.amp_unit, "rms": self.amp_unit,
                 "iemg": f"{self.amp_unit}*s", "active_pct": "%", "clipped_pct": "%"}
        for c, ch in enumerate(self.chans):
            ons, offs = self.act.onsets[c], self.act.offsets[c]
            for k, (a, b) in enumerate(self.samples):
                if b <= a:
                    continue
                env_sum, env_max, sq_sum, n_active, n_clipped = 0.0, -math.inf, 0.0, 0, 0
                for p, q in _spans(a, b, self.piece):
                    env = self.env_amp[c, p:q]
                    y = self.filtered[c, p:q]
                    env_sum += float(env.sum())
                    env_max = max(env_max, float(env.max()))
                    sq_sum += float(np.dot(y, y))
                    n_active += int(np.count_nonzero(self.active[c, p:q]))
                    n_clipped += int(np.count_nonzero(self.clipped[c, p:q]))
                vals["mean"][c, k] = env_sum / (b - a)
                vals["peak"][c, k] = env_max
                vals["rms"][c, k] = math.sqrt(max(sq_sum / (b - a) - self.noise_rms[c] ** 2, 0.0)) * self.amp_scale[c]
                vals["iemg"][c, k] = env_sum / self.fs
                vals["active_pct"][c, k] = 100.0 * n_active / (b - a)
                vals["clipped_pct"][c, k] = 100.0 * n_clipped / (b - a)
                t0, t1 = self.intervals[k]
                mid = 0.5 * (ons + offs)  # a burst belongs to the cycle holding its midpoint (onsets may precede the cycle start)
                inside = np.flatnonzero((mid >= t0) & (mid < t1))
                self.burst_count[c, k] = inside.size
                if inside.size:  # activity period: first onset to last offset of the bursts of the cycle
                    self.activity[c, k] = (ons[inside[0]], offs[inside[-1]])
                for m in vals:
                    self._rep(k, "channel", ch.side, ch.muscle, ch.name, "", m, vals[m][c, k], units[m])
                if inside.size:
                    on, off = self.activity[c, k]
                    self._rep(k, "channel", ch.side, ch.muscle, ch.name, "", "onset_ms", (on - t0) * 1e3, "ms")
                    self._rep(k, "channel", ch.side, ch.muscle, ch.name, "", "offset_ms", (off - t0) * 1e3, "ms")
                    self._rep(k, "channel", ch.side, ch.muscle, ch.name, "", "burst_ms", (off - on) * 1e3, "ms")
        return vals

    def _why_silent(self, c):
        why = self.act.reason[c] or "no activity"
        return f"{self.names[c]}: {why.split(':')[0]}"

    def _usable(self, *chans):
        """Intervals usable for indices involving these channels (not clipped beyond the tolerance)."""
        ok = np.ones(len(self.intervals), dtype=bool)
        for c in chans:
            for k, (a, b) in enumerate(self.samples):
                if b > a and self.clipped[c, a:b].mean() > CLIP_TOLERANCE:
                    ok[k] = False
        return ok

    def _bilateral(self, vals):
        rows = []
        conf = self.cfg.analysis.confidence
        flags = self.cfg.flags
        involved = self.cfg.analysis.involved_side
        norm_text = {"mvc": "MVC", "raw": "none (indicative only)", "refused": f"task {self.cc_mode} per channel (amplitude SI refused)"}[self.amp_mode]
        for p in self.pairing.bilateral:
            i, j = self.index[p.left], self.index[p.right]
            usable = self._usable(i, j)
            dropped = int((~usable).sum())
            base_note = []
            if self.amp_mode == "raw":
                base_note.append("indicative only: not normalized")
            if dropped:
                base_note.append(f"{dropped} of {len(usable)} repetitions left out (clipped)")
            for metric in self.cfg.analysis.amplitude_metrics:
                L, R = vals[metric][i, usable], vals[metric][j, usable]
                _, lm, *_ = fd.stats(L, conf)
                _, rm, *_ = fd.stats(R, conf)
                si_reps = fd.per_rep_si(L, R)
                n, si_mean, si_sd, si_lo, si_hi = fd.stats(si_reps, conf)
                for k_local, k in enumerate(np.flatnonzero(usable)):
                    self._rep(k, "bilateral", "L/R", p.muscle, p.left, p.right, f"si_{metric}", si_reps[k_local], "%")
                undefined = self._undefined_si(i, j, usable)
                if undefined:
                    si = sa = math.nan
                else:
                    si = symmetry_index(lm, rm)
                    sa = symmetry_angle(lm, rm)
                    undefined = undefined_reason(lm, rm)
                flag, reason, threshold, source = fd.si_flag(si, si_sd, n, flags, undefined)
                lsi = math.nan
                if involved is not None and math.isfinite(lm) and math.isfinite(rm):
                    lsi = limb_symmetry_index(lm, rm) if involved == "L" else limb_symmetry_index(rm, lm)
                note = list(base_note)
                if math.isfinite(lsi) and lsi < flags.lsi_min_pct:
                    note.append(f"LSI {lsi:.0f} % < {flags.lsi_min_pct:g} % ({flags.lsi_source})")
                rows.append(dict(
                    muscle=p.muscle, metric=metric, unit=self.amp_unit if metric != "iemg" else f"{self.amp_unit}*s",
                    left_channel=p.left, right_channel=p.right, left=lm, right=rm, difference=rm - lm,
                    ratio=rm / lm if lm else math.nan, symmetry_index=si, symmetry_angle=sa, si_mean=si_mean, si_sd=si_sd,
                    si_ci_low=si_lo, si_ci_high=si_hi, n_reps=n, lsi=lsi, normalization=norm_text, flag=flag,
                    flag_reason=reason, threshold=threshold, source=source, note="; ".join(note),
                ))
            rows.append(self._slope_row(p, i, j))
        return _frame(rows, BILATERAL_COLUMNS, ints=("n_reps",))

    def _undefined_si(self, i, j, usable):
        if self.amp_mode == "refused":
            return f"not computed: each channel is normalized to its own task {self.cc_mode}, which erases left/right amplitude differences"
        for c in (i, j):
            if self.flat[c]:
                return f"{self.names[c]} is flat (disconnected or unused)"
        if self.silent[i] and self.silent[j]:
            return f"no bursts on either side ({self._why_silent(i)}; {self._why_silent(j)}): the index is undefined"
        if not usable.any():
            return "every repetition is clipped on one side: amplitudes are biased"
        return ""

    def _slope_row(self, p, i, j):
        flags = self.cfg.flags
        conf = 1 - flags.fatigue_alpha
        left, right = self.fatigue_results[i].mdf, self.fatigue_results[j].mdf
        diff, lo, hi = fd.slope_difference(left, right, conf)
        flag, reason, threshold, source = fd.fatigue_flag(diff, lo, hi, flags)
        if not math.isfinite(left.pct_per_min) or not math.isfinite(right.pct_per_min):
            reason = "; ".join(x for x in (self.fatigue_results[i].reason, self.fatigue_results[j].reason) if x) or reason
        return dict(
            muscle=p.muscle, metric="mdf_slope_pct_per_min", unit="%/min", left_channel=p.left, right_channel=p.right,
            left=left.pct_per_min, right=right.pct_per_min, difference=diff,
            ratio=right.pct_per_min / left.pct_per_min if left.pct_per_min else math.nan,
            symmetry_index=symmetry_index(left.pct_per_min, right.pct_per_min) if left.pct_per_min * right.pct_per_min > 0 else math.nan,
            symmetry_angle=symmetry_angle(left.pct_per_min, right.pct_per_min),
            si_mean=math.nan, si_sd=math.nan, si_ci_low=lo, si_ci_high=hi, n_reps=min(left.n, right.n), lsi=math.nan,
            normalization="none needed (spectral)", flag=flag, flag_reason=reason, threshold=threshold, source=source,
            note="si_ci_low/si_ci_high hold the CI of the slope difference (right - left); the SI of slopes is given only when "
            "both have the same sign (it is unstable near 0): read the difference",
        )

    def _agonist_antagonist(self):
        from . import cocontraction as cc

        conf = self.cfg.analysis.confidence
        flags = self.cfg.flags
        rows = []
        per_rep = {}
        norm_text = {"mvc": "MVC", "peak": "task peak per channel", "mean": "task mean per channel"}[self.cc_mode]
        for p in self.pairing.agonist_antagonist:
            i, j = self.index[p.agonist], self.index[p.antagonist]
            usable = self._usable(i, j)
            metrics = {m: np.full(len(self.intervals), np.nan) for m in ("cci_falconer", "cci_rudolph", "common_area", "ratio", "antagonist_share", "overlap_pct")}
            reason = ""
            if self.flat[i] or self.flat[j]:
                reason = f"{self.names[i] if self.flat[i] else self.names[j]} is flat (disconnected or unused)"
            elif self.silent[i] and self.silent[j]:
                reason = f"no bursts in either muscle ({self._why_silent(i)}; {self._why_silent(j)}): co-contraction is undefined"
            elif not usable.any():
                reason = "every repetition is clipped on one of the muscles"
            else:
                for k, (a, b) in enumerate(self.samples):
                    if not usable[k] or b <= a:
                        continue
                    sums = sum(cc.interval_sums(self.env_cc[i, p:q], self.env_cc[j, p:q], self.active[i, p:q], self.active[j, p:q])
                               for p, q in _spans(a, b, self.piece))
                    for m, v in cc.indices_from_sums(sums, self.fs).items():
                        metrics[m][k] = v
                    units = {"cci_falconer": "%", "cci_rudolph": self.cc_unit, "common_area": f"{self.cc_unit}*s", "ratio": "",
                             "antagonist_share": "%", "overlap_pct": "%"}
                    for m, v in metrics.items():
                        self._rep(k, "agonist_antagonist", p.side, f"{self.chans[i].muscle} / {self.chans[j].muscle}",
                                  p.agonist, p.antagonist, m, v[k], units[m])
            per_rep[(p.side, p.agonist, p.antagonist)] = metrics["cci_falconer"]
            n, f_mean, f_sd, f_lo, f_hi = fd.stats(metrics["cci_falconer"], conf)
            _, r_mean, r_sd, *_ = fd.stats(metrics["cci_rudolph"], conf)
            note = []
            if self.cc_mode != "mvc":
                note.append(f"envelopes normalized to each channel's task {self.cc_mode}: shape-based CCI; amplitude-based indices indicative only")
            dropped = int((~usable).sum())
            if dropped and usable.any():
                note.append(f"{dropped} of {len(usable)} repetitions left out (clipped)")
            rows.append(dict(
                side=p.side or "", agonist=p.agonist, antagonist=p.antagonist, agonist_muscle=self.chans[i].muscle or p.agonist,
                antagonist_muscle=self.chans[j].muscle or p.antagonist, joint=p.joint, action=p.action, unit=self.cc_unit,
                cci_falconer=f_mean, cci_falconer_sd=f_sd, cci_falconer_ci_low=f_lo, cci_falconer_ci_high=f_hi,
                cci_rudolph=r_mean, cci_rudolph_sd=r_sd, common_area=fd.stats(metrics["common_area"], conf)[1],
                ratio=fd.stats(metrics["ratio"], conf)[1], antagonist_share=fd.stats(metrics["antagonist_share"], conf)[1],
                overlap_pct=fd.stats(metrics["overlap_pct"], conf)[1], n_reps=n, cci_left=math.nan, cci_right=math.nan,
                cci_side_si=math.nan, agonist_mdf_slope_pct_per_min=self.fatigue_results[i].mdf.pct_per_min,
                antagonist_mdf_slope_pct_per_min=self.fatigue_results[j].mdf.pct_per_min, normalization=norm_text,
                flag="", flag_reason=reason, threshold=fd.si_threshold_text(flags), source="", note="; ".join(note),
            ))
        self._side_compare(rows, per_rep)
        return _frame(rows, AA_COLUMNS, ints=("n_reps",))

    def _side_compare(self, rows, per_rep):
        """Compare each pair's Falconer CCI between the left and right side (SI, flags on both rows)."""
        flags = self.cfg.flags
        by_key = {}
        for r in rows:
            by_key.setdefault((r["agonist_muscle"], r["antagonist_muscle"]), {})[r["side"]] = r
        for key, sides in by_key.items():
            if "L" not in sides or "R" not in sides or len([r for r in rows if (r["agonist_muscle"], r["antagonist_muscle"]) == key]) != 2:
                for r in sides.values():
                    if not r["flag_reason"]:
                        r["flag_reason"] = "no single pair of the same muscles on the other side to compare with; no absolute CCI cut-off is published"
                continue
            L, R = sides["L"], sides["R"]
            si = symmetry_index(L["cci_falconer"], R["cci_falconer"])
            reps_l = per_rep[("L", L["agonist"], L["antagonist"])]
            reps_r = per_rep[("R", R["agonist"], R["antagonist"])]
            n, _, sd, *_ = fd.stats(fd.per_rep_si(reps_l, reps_r), self.cfg.analysis.confidence)
            undefined = "; ".join(f"{side} side: {r['flag_reason']}" for side, r in (("left", L), ("right", R)) if r["flag_reason"])
            flag, reason, threshold, source = fd.si_flag(si if not undefined else math.nan, sd, n, flags, undefined)
            for r in (L, R):
                r.update(cci_left=L["cci_falconer"], cci_right=R["cci_falconer"], cci_side_si=si, flag=flag,
                         flag_reason=f"left vs right co-contraction: {reason}", threshold=threshold, source=source)

    def _pairs_of_bursts(self, i, j):
        """Matched bursts (onset_a, offset_a, onset_b, offset_b, cycle_k) of two channels, and the unpaired count."""
        out, unpaired = [], 0
        if self.cycles.n_kept:
            for k in range(len(self.intervals)):
                a, b = self.activity[i, k], self.activity[j, k]
                if np.isfinite(a[0]) and np.isfinite(b[0]):
                    out.append((a[0], a[1], b[0], b[1], k))
                elif np.isfinite(a[0]) or np.isfinite(b[0]):
                    unpaired += 1
            return out, unpaired
        oa, fa = self.act.onsets[i], self.act.offsets[i]
        ob, fb = self.act.onsets[j], self.act.offsets[j]
        used = set()
        for x in range(len(oa)):
            overlap = np.minimum(fa[x], fb) - np.maximum(oa[x], ob)
            cand = [y for y in np.argsort(-overlap) if overlap[y] > 0 and y not in used]
            if cand:
                y = int(cand[0])
                used.add(y)
                out.append((oa[x], fa[x], ob[y], fb[y], 0))
            else:
                unpaired += 1
        unpaired += len(ob) - len(used)
        return out, unpaired

    def _timing(self):
        rows = []
        conf = self.cfg.analysis.confidence
        flags = self.cfg.flags
        jobs = [("left_right", "L/R", p.muscle, p.left, p.right) for p in self.pairing.bilateral]
        jobs += [("agonist_antagonist", p.side or "", f"{self.chans[self.index[p.agonist]].muscle} / {self.chans[self.index[p.antagonist]].muscle}",
                  p.agonist, p.antagonist) for p in self.pairing.agonist_antagonist]
        for comparison, side, muscle, a_name, b_name in jobs:
            i, j = self.index[a_name], self.index[b_name]
            matched, unpaired = self._pairs_of_bursts(i, j)
            m = np.asarray(matched, dtype=np.float64).reshape(-1, 5)
            deltas = {"onset": (m[:, 2] - m[:, 0]) * 1e3, "offset": (m[:, 3] - m[:, 1]) * 1e3,
                      "duration": ((m[:, 3] - m[:, 2]) - (m[:, 1] - m[:, 0])) * 1e3}
            frag = ""
            if self.cycles.n_kept:
                per = {x: self.burst_count[x][self.burst_count[x] > 0] for x in (i, j)}
                frag = ", ".join(f"{self.names[x]} breaks into {per[x].mean():.1f} bursts per repetition"
                                 for x in (i, j) if per[x].size and per[x].mean() > FRAGMENTED)
            snr = self._burst_snr_db()
            if math.isfinite(snr[i]) and math.isfinite(snr[j]) and abs(snr[i] - snr[j]) > SNR_GAP_DB:
                bias = (f"burst SNR {snr[i]:.0f} dB on {a_name} vs {snr[j]:.0f} dB on {b_name}: threshold detectors place the "
                        "onsets of weaker bursts later and their offsets earlier, so part of this difference may be detection bias")
                frag = f"{frag}; {bias}" if frag else bias
            cycle_len = np.array([self.intervals[int(k)][1] - self.intervals[int(k)][0] for k in m[:, 4]]) if len(m) else np.empty(0)
            for metric, d in deltas.items():
                n, mean, sd, lo, hi = fd.stats(d, conf)
                if self.cycles.n_kept:
                    for row, k in zip(d, m[:, 4].astype(int)):
                        self._rep(k, comparison, side, muscle, a_name, b_name, f"delta_{metric}_ms", row, "ms")
                pct = float(np.mean(d / 1e3 / cycle_len * 100)) if self.cycles.n_kept and len(d) else math.nan
                if n == 0:
                    reason = "no burst detected on both channels" if not (self.silent[i] or self.silent[j]) else (
                        f"{self.names[i] if self.silent[i] else self.names[j]} has no bursts: unpaired, never 0")
                    flag, threshold, source = "", fd.timing_flag(0, math.nan, math.nan, math.nan, flags)[2], flags.timing_source
                else:
                    flag, reason, threshold, source = fd.timing_flag(n, mean, lo, hi, flags)
                    if frag and flag == fd.FLAG:
                        flag = fd.NOTICE
                    if frag:
                        reason += f"; {frag}; the detected timing is uncertain"
                rows.append(dict(comparison=comparison, side=side, muscle=muscle, channel_a=a_name, channel_b=b_name, metric=metric,
                                 mean_ms=mean, sd_ms=sd, ci_low_ms=lo, ci_high_ms=hi, mean_pct_cycle=pct, n=n, n_unpaired=unpaired,
                                 flag=flag, flag_reason=reason, threshold=threshold, source=source))
        return _frame(rows, TIMING_COLUMNS, ints=("n", "n_unpaired"))

    def _burst_snr_db(self):
        """Per channel: 20 log10(mean burst amplitude / baseline noise), NaN without bursts."""
        if not hasattr(self, "_snr"):
            noise = self.quality["baseline_noise"].to_numpy(float)
            snr = np.full(len(self.names), np.nan)
            for c in range(len(self.names)):
                amp = self.act.mean_amplitude[c]
                if amp.size and noise[c] > 0:
                    snr[c] = 20 * math.log10(float(np.mean(amp)) / noise[c])
            self._snr = snr
        return self._snr

    def _fatigue(self):
        from .cycles import ensemble
        from .fatigue import channel_fatigue, sliding_windows, window_measures

        f = self.cfg.fatigue
        kw = dict(segment_s=f.welch_segment_s, low_hz=f.low_hz, high_hz=f.high_hz, min_active_fraction=f.min_active_fraction,
                  finsm5=f.finsm5)
        trend_kw = dict(min_windows=f.min_windows, finsm5=f.finsm5, confidence=1 - self.cfg.flags.fatigue_alpha)
        self.fatigue_mode = f.mode
        if f.mode == "repetitions" and not self.cycles.n_kept:
            self.note("fatigue.mode = 'repetitions' needs repetitions; sliding windows are used instead")
            self.fatigue_mode = "windows"
        if self.fatigue_mode == "windows":
            wins = [sliding_windows(self.n, self.fs, f.window_s, f.overlap)] * len(self.names)
        else:
            _, mean_curve, _ = ensemble(self.env_cc, self.fs, self.intervals, self.cfg.cycles.n_points)
            wins = []
            half = f.window_s / 2
            duration = self.n / self.fs
            for c in range(len(self.names)):
                phase = int(np.nanargmax(mean_curve[c])) / (mean_curve.shape[1] - 1) if np.isfinite(mean_curve[c]).any() else 0.5
                centres = self.intervals[:, 0] + phase * (self.intervals[:, 1] - self.intervals[:, 0])
                start = np.clip(centres - half, 0, duration - f.window_s)
                wins.append(np.round(np.column_stack([start, start + f.window_s]) * self.fs).astype(np.int64))
        res = []
        for c in range(len(self.names)):
            parts = [window_measures(self.filtered[c, a:b], self.fs, wins[c][i:j] - a, active=self.active[c, a:b],
                                     clipped=self.clipped[c, a:b], **kw)
                     for i, j, a, b in _window_batches(wins[c], self.piece)]
            res.append(channel_fatigue(wins[c], parts, self.fs, **trend_kw))
        return [dataclasses.replace(r, reason=f"{self.names[c]} is flat (disconnected or unused)") if self.flat[c] else r
                for c, r in enumerate(res)]

    def _fatigue_tables(self):
        rows, wrows = [], _Columns(WINDOW_COLUMNS, floats=("start_s", "stop_s", "time_s", "mdf_hz", "mnf_hz", "rms", "finsm5",
                                                          "active_fraction"), ints=("window",))
        for c, (ch, r) in enumerate(zip(self.chans, self.fatigue_results)):
            rows.append(dict(
                channel=ch.name, muscle=ch.muscle or "", side=ch.side or "", mode=self.fatigue_mode, n_windows=len(r.times_s),
                n_used=int(r.used.sum()), mdf_initial_hz=r.mdf.intercept, mdf_slope_hz_per_s=r.mdf.slope,
                mdf_slope_ci_low=r.mdf.slope_low, mdf_slope_ci_high=r.mdf.slope_high, mdf_slope_pct_per_min=r.mdf.pct_per_min,
                mdf_pct_ci_low=r.mdf.pct_per_min_low, mdf_pct_ci_high=r.mdf.pct_per_min_high, mdf_r2=r.mdf.r2,
                mnf_initial_hz=r.mnf.intercept, mnf_slope_hz_per_s=r.mnf.slope, mnf_slope_pct_per_min=r.mnf.pct_per_min,
                mnf_pct_ci_low=r.mnf.pct_per_min_low, mnf_pct_ci_high=r.mnf.pct_per_min_high,
                rms_initial=r.rms_trend.intercept, rms_slope_per_s=r.rms_trend.slope, rms_slope_pct_per_min=r.rms_trend.pct_per_min,
                rms_unit=self.rec.unit, finsm5_change_pct=r.finsm5_change_pct, finsm5_slope_pct_per_min=r.finsm5_trend.pct_per_min,
                reason=r.reason,
            ))
            for w in range(len(r.times_s)):
                a, b = r.windows[w]
                wrows.append(dict(channel=ch.name, window=w + 1, start_s=a / self.fs, stop_s=b / self.fs, time_s=float(r.times_s[w]),
                                  mdf_hz=float(r.mdf_hz[w]), mnf_hz=float(r.mnf_hz[w]), rms=float(r.rms[w]), finsm5=float(r.finsm5[w]),
                                  active_fraction=float(r.active_fraction[w]), used=bool(r.used[w]), excluded=str(r.excluded[w])))
        return (_frame(rows, FATIGUE_COLUMNS, ints=("n_windows", "n_used")),
                _frame(wrows, WINDOW_COLUMNS, ints=("window",), bools=("used",)))

    def _bursts(self):
        frame = self.act.to_frame()
        mid = 0.5 * (frame["onset_s"].to_numpy(float) + frame["offset_s"].to_numpy(float))
        cycle = np.zeros(len(frame), dtype=np.int64)
        if self.cycles.n_kept:
            for k, (a, b) in enumerate(self.intervals):
                cycle[(mid >= a) & (mid < b)] = k + 1
        frame.insert(4, "cycle", cycle)
        frame.attrs = {}
        return _tidy(frame)

    def _ensembles(self):
        from .cycles import ensemble

        if not self.cycles.n_kept:
            return _frame([], ENSEMBLE_COLUMNS, ints=("n_cycles",))
        npts = self.cfg.cycles.n_points
        _, mean, sd = ensemble(self.env_cc, self.fs, self.intervals, npts)
        pct = np.linspace(0.0, 100.0, npts)
        rows = []
        for c, ch in enumerate(self.chans):
            for q in range(npts):
                rows.append(dict(channel=ch.name, muscle=ch.muscle or "", side=ch.side or "", unit=self.cc_unit, pct=float(pct[q]),
                                 mean=float(mean[c, q]), sd=float(sd[c, q]), n_cycles=self.cycles.n_kept))
        return _frame(rows, ENSEMBLE_COLUMNS, ints=("n_cycles",))

    def _channels_table(self):
        q = self.quality
        top = row_max(self.env_cc)
        rows = []
        for c, ch in enumerate(self.chans):
            rows.append(dict(
                channel=ch.name, muscle=ch.muscle or "", side=ch.side or "", role="emg", n_bursts=len(self.act.onsets[c]),
                active_s=float(np.sum(self.act.offsets[c] - self.act.onsets[c])), activation_reason=self.act.reason[c] or "",
                clipped_pct=100.0 * float(q["clipped_fraction"].iloc[c]), flat=bool(self.flat[c]),
                baseline_noise=float(q["baseline_noise"].iloc[c]), unit=self.rec.unit, reference=float(self.ref[c]),
                reference_source=self.ref_source[c], max_normalized=float(top[c]),
                normalized_unit=self.cc_unit,
            ))
        for name, why in self.excluded.items():
            ch = self.rec.channels[self.rec.index(name)]
            rows.append(dict(channel=name, muscle=ch.muscle or "", side=ch.side or "", role="trigger" if "trigger" in why else "excluded",
                             n_bursts=0, active_s=math.nan, activation_reason=why, clipped_pct=math.nan, flat=False,
                             baseline_noise=math.nan, unit=self.rec.unit, reference=math.nan, reference_source="",
                             max_normalized=math.nan, normalized_unit=""))
        return _frame(rows, CHANNEL_COLUMNS, ints=("n_bursts",), bools=("flat",))

    # -- 7. summary and info -----------------------------------------------------------------------
    def summary(self, tables):
        info_notes = list(self.notes)
        rows = fd.summary_rows(tables["bilateral"], tables["agonist_antagonist"], tables["timing"], info_notes)
        return _frame(rows, SUMMARY_COLUMNS, ints=("rank",))

    def info(self):
        meta = self.rec.meta
        keep = {k: meta[k] for k in ("subject", "session", "trial", "task", "action", "category", "group", "source") if k in meta and _jsonable(meta[k])}
        f, e = self.cfg.filters, self.cfg.envelope
        env = (f"linear envelope: full-wave rectified, {e.cutoff_hz:g} Hz Butterworth order {e.order} zero phase (-3 dB point corrected)"
               if e.method == "linear" else f"moving RMS, {e.rms_window_ms:g} ms centred window")
        return {
            "emgkit_version": __version__,
            "fs": self.fs,
            "duration_s": self.n / self.fs,
            "n_samples": self.n,
            "unit": self.rec.unit,
            "n_channels": len(self.names),
            "channels": self.names,
            "excluded_channels": list(self.excluded),
            "meta": keep,
            "filters": f"DC removed; Butterworth band-pass {self.band[0]:g}-{self.band[1]:g} Hz, design order {f.order}, zero phase"
            + (f"; notch {f.notch_hz:g} Hz and harmonics" if f.notch_hz else "; no notch"),
            "envelope": env,
            "activation": self.act.method,
            "normalization": {"amplitude": self.amp_mode, "amplitude_unit": self.amp_unit, "cocontraction": self.cc_mode,
                              "cocontraction_unit": self.cc_unit},
            "cycles_source": self.cycles.source,
            "n_cycles": self.cycles.n_kept,
            "fatigue_mode": self.fatigue_mode,
            "config_digest": self.cfg.digest(),
        }


# -- helpers ----------------------------------------------------------------------------------------
def _split_pairs(pairs, rec):
    """Explicit pairs given to analyze(): (bilateral list, agonist/antagonist list)."""
    if isinstance(pairs, dict):
        unknown = [k for k in pairs if k not in ("bilateral", "agonist_antagonist")]
        if unknown:
            raise InvalidInputError(f"pairs keys must be 'bilateral' and 'agonist_antagonist', got {unknown}")
        return tuple(map(tuple, pairs.get("bilateral", ()))), tuple(map(tuple, pairs.get("agonist_antagonist", ())))
    bil, aa = [], []
    try:
        items = [tuple(p) for p in pairs]
    except TypeError:
        raise InvalidInputError(f"pairs must be a Pairing, a dict or a list of (channel, channel), got {pairs!r}") from None
    for a, b in (_two(p) for p in items):
        for n in (a, b):
            if n not in rec.channel_names:
                import difflib

                hint = difflib.get_close_matches(str(n), rec.channel_names, n=1)
                raise InvalidInputError(f"pairs names {n!r}, which is not a channel" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                        + f"; channels are {rec.channel_names}")
        ca, cb = rec.channels[rec.index(a)], rec.channels[rec.index(b)]
        if ca.muscle and ca.muscle == cb.muscle and {ca.side, cb.side} == {"L", "R"}:
            bil.append((a, b))
        else:
            aa.append((a, b))
    return tuple(bil), tuple(aa)


def _two(p):
    if len(p) != 2:
        raise InvalidInputError(f"each pair must be (channel, channel), got {p!r}")
    return p


def _trigger_signal(rec, name):
    if name in rec.channel_names:
        return np.asarray(rec.data[rec.index(name)], dtype=np.float64)
    aux = rec.meta.get("aux") or {}
    if name in aux:
        from .datasets.readers import aux_signal

        return np.asarray(aux_signal(rec, name), dtype=np.float64)
    raise InvalidInputError(
        f"cycles.trigger_channel = {name!r} is neither a channel ({rec.channel_names}) nor an auxiliary signal (meta['aux']: {sorted(aux)})"
    )


def _spans(start, stop, piece):
    """``(a, b)`` pieces of at most ``piece`` samples tiling ``[start, stop)``."""
    return ((a, min(stop, a + piece)) for a in range(start, stop, piece))


def _window_batches(windows, piece):
    """Consecutive runs of windows (sorted by start) spanning at most ``piece`` samples: ``(i, j, a, b)``."""
    i, n = 0, len(windows)
    while i < n:
        a = int(windows[i, 0])
        j = i + 1
        while j < n and windows[j, 1] - a <= piece:
            j += 1
        yield i, j, a, int(windows[i:j, 1].max())
        i = j


def _window_means(x, w):
    """Means of every ``w``-sample window of the rows of ``x`` (window ``i`` starts at column ``i``)."""
    csum = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    return (csum[:, w:] - csum[:, :-w]) / w


def _scaled(x, factors):
    return x.scaled(factors) if isinstance(x, Rows) else x * factors[:, None]


def _minus_floor(env, floor):
    """``sqrt(max(env**2 - floor**2, 0))`` row by row: the envelope of the muscle's own activity."""
    def remove(v, rows):
        return np.sqrt(np.maximum(v**2 - floor[rows][:, None] ** 2, 0.0))

    if isinstance(env, Rows):
        return Rows(env.shape, lambda rows, a, b: remove(env[rows, a:b], rows), env.chunk)
    return remove(env, slice(None))


def _jsonable(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _tidy(frame):
    """Text columns as str ('' for missing), numbers as float64/int64: tables that save and load identically."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == bool or (isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu"):
            out[col] = s.astype(np.int64) if s.dtype != bool else s
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind == "f":
            out[col] = s.astype(np.float64)
        else:
            out[col] = pd.Series(["" if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in s], dtype="str", index=out.index)
    return out


class _Columns:
    """Table rows kept column by column, numbers in typed arrays: a dict per row costs several times more on long records."""

    def __init__(self, columns, *, floats=(), ints=()):
        from array import array

        self.data = {c: array("d") if c in floats else array("q") if c in ints else [] for c in columns}

    def append(self, row: dict):
        for c, v in row.items():
            self.data[c].append(v)

    def __len__(self):
        return len(next(iter(self.data.values())))


def _frame(rows, columns, *, ints=(), bools=()):
    import pandas as pd

    if isinstance(rows, _Columns):
        data = {c: np.frombuffer(v, dtype=np.float64 if v.typecode == "d" else np.int64) if not isinstance(v, list) else v
                for c, v in rows.data.items()}
    else:
        data = {c: [r[c] for r in rows] for c in columns}
    frame = pd.DataFrame(data, columns=columns)
    for c in columns:
        if c in ints:
            frame[c] = frame[c].astype(np.int64)
        elif c in bools:
            frame[c] = frame[c].astype(bool)
        elif len(rows) and isinstance(data[c][0], str):
            frame[c] = pd.Series([str(v) for v in frame[c]], dtype="str")
        elif not len(rows):
            frame[c] = frame[c].astype("str" if c in _TEXT_COLUMNS else np.float64)
        else:
            frame[c] = frame[c].astype(np.float64)
    return frame


SUMMARY_COLUMNS = ["rank", "severity", "category", "subject", "finding", "value", "unit", "threshold", "source"]
BILATERAL_COLUMNS = ["muscle", "metric", "unit", "left_channel", "right_channel", "left", "right", "difference", "ratio",
                     "symmetry_index", "symmetry_angle", "si_mean", "si_sd", "si_ci_low", "si_ci_high", "n_reps", "lsi",
                     "normalization", "flag", "flag_reason", "threshold", "source", "note"]
AA_COLUMNS = ["side", "agonist", "antagonist", "agonist_muscle", "antagonist_muscle", "joint", "action", "unit", "cci_falconer",
              "cci_falconer_sd", "cci_falconer_ci_low", "cci_falconer_ci_high", "cci_rudolph", "cci_rudolph_sd", "common_area",
              "ratio", "antagonist_share", "overlap_pct", "n_reps", "cci_left", "cci_right", "cci_side_si",
              "agonist_mdf_slope_pct_per_min", "antagonist_mdf_slope_pct_per_min", "normalization", "flag", "flag_reason",
              "threshold", "source", "note"]
TIMING_COLUMNS = ["comparison", "side", "muscle", "channel_a", "channel_b", "metric", "mean_ms", "sd_ms", "ci_low_ms",
                  "ci_high_ms", "mean_pct_cycle", "n", "n_unpaired", "flag", "flag_reason", "threshold", "source"]
FATIGUE_COLUMNS = ["channel", "muscle", "side", "mode", "n_windows", "n_used", "mdf_initial_hz", "mdf_slope_hz_per_s",
                   "mdf_slope_ci_low", "mdf_slope_ci_high", "mdf_slope_pct_per_min", "mdf_pct_ci_low", "mdf_pct_ci_high",
                   "mdf_r2", "mnf_initial_hz", "mnf_slope_hz_per_s", "mnf_slope_pct_per_min", "mnf_pct_ci_low",
                   "mnf_pct_ci_high", "rms_initial", "rms_slope_per_s", "rms_slope_pct_per_min", "rms_unit",
                   "finsm5_change_pct", "finsm5_slope_pct_per_min", "reason"]
WINDOW_COLUMNS = ["channel", "window", "start_s", "stop_s", "time_s", "mdf_hz", "mnf_hz", "rms", "finsm5",
                  "active_fraction", "used", "excluded"]
REP_COLUMNS = ["cycle", "start_s", "stop_s", "kind", "side", "muscle", "channel", "partner", "metric", "value", "unit"]
ENSEMBLE_COLUMNS = ["channel", "muscle", "side", "unit", "pct", "mean", "sd", "n_cycles"]
CHANNEL_COLUMNS = ["channel", "muscle", "side", "role", "n_bursts", "active_s", "activation_reason", "clipped_pct", "flat",
                   "baseline_noise", "unit", "reference", "reference_source", "max_normalized", "normalized_unit"]
_TEXT_COLUMNS = {
    "severity", "category", "subject", "finding", "unit", "threshold", "source", "muscle", "metric", "left_channel",
    "right_channel", "normalization", "flag", "flag_reason", "note", "side", "agonist", "antagonist", "agonist_muscle",
    "antagonist_muscle", "joint", "action", "comparison", "channel_a", "channel_b", "channel", "mode", "rms_unit", "reason",
    "excluded", "kind", "partner", "role", "activation_reason", "reference_source", "normalized_unit",
}

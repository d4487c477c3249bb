"""The result of an analysis: pandas tables, the configuration, recording info and notes; saved and loaded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .._version import __version__
from ..config import load_config
from ..errors import FileFormatError, InvalidInputError, OutputExistsError

__all__ = ["CONFIG_NAME", "H5_NAME", "INFO_NAME", "TABLES", "Analysis", "analysis_state", "load_analysis"]

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


class Analysis:
    """Results of :func:`analyze`: pandas tables, the configuration, recording info and notes.

    Attributes
    ----------
    summary : DataFrame
        Ranked findings in plain words: ``rank, severity`` (``"flag"``,
        ``"notice"``, ``"ok"``, ``"info"``), ``category, subject, finding,
        value, unit, threshold, source, metric, ci_low, ci_high`` (``value``
        and its interval are those of the table row that caused the finding,
        ``metric``; every flag follows one rule, docs/science.md).
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
        and its ``cci_side_si_ci_low, cci_side_si_ci_high`` (same pair on both sides), ``agonist_mdf_slope_pct_per_min,
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

    def save(self, path, *, overwrite=False, extra=None, request=None) -> Path:
        """Write all tables to one HDF5 file and CSV files side by side in a folder, as one unit.

        Parameters
        ----------
        path : str or Path
            Output folder (created if missing, parents included).
        overwrite : bool, default False
            Replace the files of an earlier complete analysis in that folder.
            An interrupted save (killed while writing) is replaced without it.
        extra : dict of str -> callable, optional
            More files of the same result (e.g. ``{"report.html": write}``):
            each callable receives the file's path and writes it (atomically,
            e.g. with :func:`emgkit.io.atomic_output`) before the manifest.
        request : str, optional
            What produced the result (the command line's digest of its input,
            configuration and options), kept in the manifest so that the same
            command run again can recognise its own complete result.

        Returns
        -------
        Path
            The folder, holding ``analysis.h5`` (every table, the
            configuration and info; layout in :mod:`emgkit.tables`),
            ``<table>.csv`` for each table, ``config.toml``, ``info.json``, the
            ``extra`` files and ``manifest.json``.  The manifest is marked
            "writing" first and lists the SHA-256 of every file last, so a
            crash at any moment leaves a folder that :func:`load_analysis`
            refuses and the same save replaces; files of an earlier analysis
            that this one does not write (an old ``report.html``) are removed.
            One writer at a time: a concurrent save to the same folder waits.

        Raises
        ------
        OutputExistsError
            The folder holds a complete analysis and ``overwrite`` is False.
        """
        from .._atomic import atomic_output, begin_results, finish_results, folder_lock
        from ..tables import write_csv, write_tables

        folder = Path(path).expanduser()
        if folder.exists() and not folder.is_dir():
            raise InvalidInputError(f"{folder} is a file; Analysis.save writes a folder of tables")
        extra = dict(extra or {})
        folder.mkdir(parents=True, exist_ok=True)
        names = [f"{name}.csv" for name in self._tables] + [CONFIG_NAME, INFO_NAME, *extra, H5_NAME]
        with folder_lock(folder):
            state = analysis_state(folder)
            if not overwrite and state in ("complete", "legacy"):
                raise OutputExistsError(f"{folder} holds an earlier analysis; pass overwrite=True (--overwrite) to replace it")
            begin_results(folder, names, also=("report.html",) if state == "legacy" else ())
            for name, table in self._tables.items():
                write_csv(folder / f"{name}.csv", table, overwrite=True)
            toml = self.config.to_toml()
            with atomic_output(folder / CONFIG_NAME, overwrite=True) as tmp:
                tmp.write_text(toml, encoding="utf-8")
            info_text = json.dumps({"info": self.info, "notes": self.notes}, indent=2, ensure_ascii=False, sort_keys=True)
            with atomic_output(folder / INFO_NAME, overwrite=True) as tmp:
                tmp.write_text(info_text + "\n", encoding="utf-8")
            for name, write in extra.items():
                write(folder / name)
            write_tables(
                folder / H5_NAME,
                self._tables,
                texts={"config": toml, "info": json.dumps(self.info, ensure_ascii=False, sort_keys=True), "notes": json.dumps(self.notes, ensure_ascii=False)},
                attrs={"kind": "emgkit-analysis", "emgkit_version": __version__},
                overwrite=True,
            )
            finish_results(folder, names, result="emgkit-analysis", emgkit_version=__version__,
                           **({"request": str(request)} if request is not None else {}))
        return folder

    def __repr__(self):
        sev = self.summary["severity"].value_counts().to_dict() if len(self.summary) else {}
        counts = ", ".join(f"{sev.get(k, 0)} {k}s" for k in ("flag", "notice"))
        return (
            f"<Analysis {self.info.get('n_channels', '?')} channels, {self.info.get('n_cycles', 0)} repetitions: {counts}; "
            f"{len(self.bilateral)} left/right rows, {len(self.agonist_antagonist)} agonist/antagonist rows>"
        )


def load_analysis(path: str | os.PathLike[str]) -> Analysis:
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
        No ``analysis.h5`` there, or no ``manifest.json`` beside it.
    FileFormatError
        The file is not an emgkit analysis, or is damaged; the folder holds
        an interrupted save, or a file differs from its manifest (a folder
        mixing two analyses is never loaded).
    """
    import tomllib

    from .._atomic import check_results
    from ..tables import read_tables

    path = Path(path).expanduser()
    file = path / H5_NAME if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"no analysis at {path} (expected {H5_NAME} from Analysis.save)")
    check_results(file.parent, need=(file.name,))  # complete, and every file the one its manifest lists
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


def analysis_state(folder) -> str:
    """What an output folder holds, read from its ``manifest.json`` (no hash is checked; :func:`load_analysis` does).

    Returns
    -------
    str
        ``"none"`` (no analysis), ``"complete"``, ``"writing"`` (a save was
        interrupted: not a result), ``"damaged"`` (unreadable manifest) or
        ``"legacy"`` (an ``analysis.h5`` without manifest: written by hand or
        before manifests existed).
    """
    from .._atomic import results_state

    return results_state(folder, legacy_marker=H5_NAME)

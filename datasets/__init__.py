"""Sample recordings, the EMG simulator and readers for public data sets (installed as ``emgkit.datasets``).

* :func:`simulate`: multichannel sEMG with exact ground truth in ``meta["truth"]``.
* :func:`load`, :func:`available`, :func:`sample_path`: the bundled sample
  recordings (HDF5, made by ``python -m emgkit.datasets.make_samples``).
* :func:`read_uci_physical_action`, :func:`read_uci_lower_limb`,
  :func:`read_opensignals`: readers for public text formats;
  :func:`aux_signal` gives their non-EMG signals (goniometer) aligned with the data.
* :func:`fetch`, :func:`fetchable`, :func:`dataset_info`: download public sEMG data sets
  (checksummed, cached) and convert them to native HDF5 (``public.py``).

Importing this package loads the simulator (NumPy only); readers and fetching load on first use.
"""

from emgkit._lazy import lazy_exports
from pathlib import Path

# public name -> submodule (loaded on first use)
_EXPORTS = {
    "read_uci_physical_action": ".readers",
    "read_uci_lower_limb": ".readers",
    "read_opensignals": ".readers",
    "aux_signal": ".readers",
    "fetch": ".public",
    "fetchable": ".public",
    "dataset_info": ".public",
    "clear_cache": ".public",
}

__all__ = ["available", "load", "sample_path", "resolve_input", "simulate", *_EXPORTS]

# the function, bound now: importing the submodule emgkit.datasets.simulate (tests, scripts do) would
# otherwise leave the package attribute `simulate` pointing at the module, not the function
from .simulate import simulate  # noqa: E402

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def available() -> list[str]:
    """Names of the bundled sample recordings, sorted (e.g. ``["curls", "squats", "trunk"]``)."""
    return sorted(p.stem for p in SAMPLES_DIR.glob("*.h5"))


def sample_path(name: str) -> Path:
    """Path of the bundled sample recording ``name`` (an HDF5 file in emgkit's native format).

    Raises
    ------
    emgkit.errors.InvalidInputError
        When no sample has that name; the message lists the available ones.
    """
    from emgkit.errors import InvalidInputError

    names = available()
    if name not in names:
        import difflib

        hint = difflib.get_close_matches(str(name), names, n=1)
        extra = f" Did you mean {hint[0]!r}?" if hint else ""
        listed = ", ".join(repr(n) for n in names) or "none (regenerate them: python -m emgkit.datasets.make_samples)"
        raise InvalidInputError(f"no sample recording named {name!r}; available: {listed}.{extra}")
    return SAMPLES_DIR / f"{name}.h5"


def resolve_input(text):
    """A command-line input as a Path: ``sample:NAME`` names a bundled sample, anything else is a path."""
    text = str(text)
    if text.startswith("sample:"):
        return sample_path(text.split(":", 1)[1])
    return Path(text)


def load(name: str):
    """Load a bundled sample recording as a :class:`emgkit.Recording`.

    The samples are simulated (see ``docs/datasets.md``); their ground truth
    is in ``rec.meta["truth"]``.

    Parameters
    ----------
    name : str
        One of :func:`available`: ``"curls"`` (bilateral biceps/triceps curl set,
        right-dominant), ``"squats"`` (quadriceps and hamstrings per side),
        ``"trunk"`` (rectus abdominis vs erector spinae with ECG).

    Examples
    --------
    >>> from emgkit import datasets
    >>> rec = datasets.load("curls")
    >>> rec.meta["truth"]["lr_ratio"]["biceps_brachii"]
    1.25
    """
    from emgkit.io import read

    return read(sample_path(name))


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

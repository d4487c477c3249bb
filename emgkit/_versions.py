"""What this installation is: the versions emgkit runs on, and where its documentation is.

:func:`versions` gives emgkit's, Python's, the platform's and every library's
version as a dict (recorded with results so they can be reproduced);
:func:`show_versions` prints it (``emgkit show-versions``), for bug reports.
Versions are read from the installed packages' metadata, so nothing heavy is
imported (no Numba compilation).  Standard library only: rank 0.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata, util
from pathlib import Path
from typing import TextIO

from ._version import __version__

__all__ = ["versions", "show_versions", "docs_url", "docs_dir", "DOCS_URL", "NOT_INSTALLED"]

#: Where the documentation site is; the environment variable ``EMGKIT_DOCS_URL`` overrides it.
DOCS_URL = "https://github.com/emgkit/emgkit/tree/main/docs"
DOCS_URL_VARIABLE = "EMGKIT_DOCS_URL"

NOT_INSTALLED = "not installed"

# key in the dict -> (distribution name, import name); the dependencies, then the optional readers and backends
REQUIRED = {
    "numpy": ("numpy", "numpy"),
    "scipy": ("scipy", "scipy"),
    "numba": ("numba", "numba"),
    "h5py": ("h5py", "h5py"),
    "plotly": ("plotly", "plotly"),
    "pandas": ("pandas", "pandas"),
}
OPTIONAL = {
    "ezc3d": ("ezc3d", "ezc3d"),  # C3D files
    "pyedflib": ("pyEDFlib", "pyedflib"),  # EDF/BDF files
    "distributed": ("distributed", "distributed"),  # batch on a Dask cluster
    "mne": ("mne", "mne"),  # bridge to MNE
}


def _version_of(distribution: str, module: str) -> str:
    """The installed version, or :data:`NOT_INSTALLED`; the module is imported only when no metadata names it."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pass
    try:
        if util.find_spec(module) is None:
            return NOT_INSTALLED
        found = __import__(module)
    except Exception:  # a broken install is reported, not raised: this runs inside bug reports
        return NOT_INSTALLED
    return str(getattr(found, "__version__", "installed, version unknown"))


def versions() -> dict[str, str]:
    """Versions of emgkit, Python, the platform, the dependencies and the optional readers.

    Returns
    -------
    dict of str to str
        In this order: ``emgkit``, ``python`` (version and implementation),
        ``platform``, then ``numpy``, ``scipy``, ``numba``, ``h5py``,
        ``plotly``, ``pandas``, then the optional ``ezc3d``, ``pyedflib``,
        ``distributed``, ``mne``; a package that is absent is
        ``"not installed"``.  JSON-serialisable (recorded in each analysis's
        ``info.json``).

    Examples
    --------
    >>> from emgkit._versions import versions
    >>> v = versions()
    >>> list(v)[:3]
    ['emgkit', 'python', 'platform']
    >>> v["emgkit"] == __import__("emgkit").__version__
    True
    """
    out = {
        "emgkit": __version__,
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "platform": platform.platform(),
    }
    for key, (distribution, module) in (REQUIRED | OPTIONAL).items():
        out[key] = _version_of(distribution, module)
    return out


def show_versions(*, as_json: bool = False, file: TextIO | None = None) -> None:
    """Print the versions emgkit runs on (include them in a bug report).

    Parameters
    ----------
    as_json : bool, default False
        Print :func:`versions` as one JSON object instead of aligned lines.
    file : text stream, optional
        Where to print; default ``sys.stdout``.

    Examples
    --------
    >>> import emgkit
    >>> emgkit.show_versions()  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    emgkit ...
    python ...
    ...
    """
    stream = sys.stdout if file is None else file
    found = versions()
    if as_json:
        print(json.dumps(found, indent=2), file=stream)
        return
    width = max(map(len, found)) + 2
    for key, value in found.items():
        print(f"{key:<{width}}{value}", file=stream)


def docs_url() -> str:
    """The documentation site's address: ``$EMGKIT_DOCS_URL`` when set, else :data:`DOCS_URL`."""
    return os.environ.get(DOCS_URL_VARIABLE, "").strip() or DOCS_URL


def docs_dir() -> Path | None:
    """The folder of the Markdown documentation pages shipped with this installation (None: not found).

    A wheel installs them as ``emgkit/docs/*.md`` beside the code; an editable
    install or a source tree reads the repository's ``docs/``.
    """
    try:
        spec = util.find_spec("emgkit.docs")
    except (ImportError, ValueError):
        spec = None
    candidates = [Path(p) for p in (spec.submodule_search_locations or [])] if spec is not None else []
    candidates.append(Path(__file__).resolve().parents[1] / "docs")  # a source tree
    for folder in candidates:
        if any(folder.glob("*.md")):
            return folder
    return None

"""Pandas tables to and from one HDF5 file (h5py only, no PyTables), plus CSV copies.

Layout of a tables file (format ``"emgkit-tables"``, version 1)::

    /                       attrs: format, format_version, tables (JSON list: table order),
                                   plus the caller's attributes (JSON-encoded strings)
    /tables/<k>             one group per table, k = 0, 1, ... in table order;
                            attrs: name, columns (JSON list), dtypes (JSON list), n_rows
    /tables/<k>/<j>         one 1-D dataset per column j (name = column position):
                              float/int/unsigned columns: their NumPy dtype (NaN kept)
                              bool columns: HDF5 enum (h5py's bool)
                              text columns (pandas "str"/"string" dtypes, or object
                              holding str and None): variable-length UTF-8 strings
    /tables/<k>/<j>_none    uint8 mask of the missing values (None / NaN / NA) of a
                            text column (present only when there are such rows)
    /text/<name>            scalar UTF-8 strings (configuration TOML, JSON metadata)

Column and table names are free text (stored in attributes, never as HDF5
paths).  The index is not stored: tables are written and read with a default
``RangeIndex``.  :func:`read_tables` returns exactly what
:func:`write_tables` was given: same column order, dtypes, NaN and strings.
Timestamps are not written, so the same tables give the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .errors import FileFormatError, InvalidInputError

__all__ = ["write_tables", "read_tables", "write_csv", "FORMAT", "FORMAT_VERSION"]

FORMAT = "emgkit-tables"
FORMAT_VERSION = 1


def _column_kind(name, table, series):
    """Stored kind of a column: a NumPy dtype name, "bool", "object" (str/None) or a pandas string dtype ("str", "string")."""
    import pandas as pd

    dtype = series.dtype
    if dtype == bool:
        return "bool"
    if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
        return dtype.name
    if isinstance(dtype, pd.StringDtype) or dtype == object:
        missing = series.isna().to_numpy()
        bad = [v for v, m in zip(series.tolist(), missing) if not m and not isinstance(v, str)]
        if bad:
            raise InvalidInputError(
                f"table {table!r} column {name!r} mixes text with {type(bad[0]).__name__} values ({bad[0]!r}); "
                "text columns may hold only str (or missing values)"
            )
        if dtype == object and any(v is not None for v, m in zip(series.tolist(), missing) if m):
            raise InvalidInputError(f"table {table!r} column {name!r}: an object text column may mark missing values only with None")
        return "object" if dtype == object else str(dtype)
    raise InvalidInputError(f"table {table!r} column {name!r} has dtype {dtype}, which cannot be stored; use numbers, bool or str")


_TEXT = ("object", "str", "string")


def write_tables(path, tables, *, texts=None, attrs=None, overwrite=False) -> Path:
    """Write pandas tables to one HDF5 file (atomically: a temporary file renamed on success).

    Parameters
    ----------
    path : str or Path
        Output ``.h5`` file; its folder must exist.
    tables : dict of str -> pandas.DataFrame
        Tables in the order to keep.  Columns must be numeric, bool or text
        (pandas string dtypes, or ``object`` holding ``str`` and ``None``).
    texts : dict of str -> str, optional
        Free text stored beside the tables (e.g. the configuration as TOML).
    attrs : dict, optional
        JSON-serialisable attributes of the root group.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    Path

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False.
    InvalidInputError
        A column of an unsupported dtype or mixed types.
    """
    import h5py

    from ._atomic import atomic_output

    path = Path(path)
    names = list(tables)
    kinds = {}
    for name in names:
        df = tables[name]
        if len(set(map(str, df.columns))) != len(df.columns):
            raise InvalidInputError(f"table {name!r} has duplicate column names")
        kinds[name] = [_column_kind(str(c), name, df[c]) for c in df.columns]
    with atomic_output(path, overwrite=overwrite) as tmp:
        with h5py.File(tmp, "w", track_order=False) as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["tables"] = json.dumps(names, ensure_ascii=False)
            for key, value in (attrs or {}).items():
                f.attrs[str(key)] = json.dumps(value, ensure_ascii=False, sort_keys=True)
            group = f.create_group("tables")
            for k, name in enumerate(names):
                df = tables[name]
                g = group.create_group(str(k))
                g.attrs["name"] = name
                g.attrs["columns"] = json.dumps([str(c) for c in df.columns], ensure_ascii=False)
                g.attrs["dtypes"] = json.dumps(kinds[name])
                g.attrs["n_rows"] = len(df)
                for j, (col, kind) in enumerate(zip(df.columns, kinds[name])):
                    _write_column(g, str(j), df[col], kind)
            tg = f.create_group("text")
            for key, value in (texts or {}).items():
                tg.create_dataset(str(key), data=str(value), dtype=h5py.string_dtype("utf-8"), track_times=False)
    return path


def _write_column(g, key, series, kind):
    import h5py

    if kind in _TEXT:
        missing = series.isna().to_numpy().astype(np.uint8)
        data = np.array(["" if m else v for v, m in zip(series.tolist(), missing)], dtype=object)
        g.create_dataset(key, data=data, shape=(len(data),), dtype=h5py.string_dtype("utf-8"), track_times=False)
        if missing.any():
            g.create_dataset(f"{key}_none", data=missing, track_times=False)
    else:
        g.create_dataset(key, data=series.to_numpy(), track_times=False)


def read_tables(path):
    """Read a file written by :func:`write_tables`.

    Returns
    -------
    tables : dict of str -> pandas.DataFrame
        In the stored order, with the stored dtypes.
    texts : dict of str -> str
    attrs : dict
        The caller's root attributes (decoded from JSON).

    Raises
    ------
    FileNotFoundError
        No such file.
    FileFormatError
        Not an HDF5 file, not an emgkit tables file, a newer format version,
        or a damaged table.
    """
    import h5py
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"tables file not found: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise FileFormatError(f"{path} is not a readable HDF5 file ({exc}); was it written completely?") from None
    with f:
        if f.attrs.get("format") != FORMAT:
            raise FileFormatError(f"{path} is not an emgkit tables file (format attribute {f.attrs.get('format')!r})")
        version = int(f.attrs.get("format_version", 0))
        if version > FORMAT_VERSION:
            raise FileFormatError(f"{path} has tables format version {version}; this emgkit reads up to {FORMAT_VERSION}: upgrade emgkit")
        try:
            names = json.loads(f.attrs["tables"])
            attrs = {k: json.loads(v) for k, v in f.attrs.items() if k not in ("format", "format_version", "tables")}
            tables = {}
            for k, name in enumerate(names):
                g = f["tables"][str(k)]
                columns = json.loads(g.attrs["columns"])
                kinds = json.loads(g.attrs["dtypes"])
                n = int(g.attrs["n_rows"])
                data = {}
                for j, (col, kind) in enumerate(zip(columns, kinds)):
                    data[col] = _read_column(g, str(j), kind, n)
                tables[name] = pd.DataFrame(data, columns=columns)
                if not columns:
                    tables[name] = pd.DataFrame(index=pd.RangeIndex(n))
            texts = {key: ds.asstr()[()] for key, ds in f["text"].items()}
        except (KeyError, ValueError, TypeError) as exc:
            raise FileFormatError(f"{path}: damaged tables file ({type(exc).__name__}: {exc})") from None
    return tables, texts, attrs


def _read_column(g, key, kind, n):
    import pandas as pd

    ds = g[key]
    if ds.shape != (n,):
        raise ValueError(f"column {key} has {ds.shape} values for {n} rows")
    if kind in _TEXT:
        values = np.asarray(ds.asstr()[()] if n else [], dtype=object)
        if f"{key}_none" in g:
            values[g[f"{key}_none"][()].astype(bool)] = None
        return pd.Series(values, dtype=object if kind == "object" else kind)
    arr = ds[()]
    return pd.Series(arr.astype(bool) if kind == "bool" else arr.astype(np.dtype(kind), copy=False))


def write_csv(path, table, *, overwrite=False) -> Path:
    """Write one table as CSV (UTF-8, ``\\n`` line ends, no index, full float precision, NaN as empty).

    Written atomically (temporary file renamed on success).
    """
    from ._atomic import atomic_output

    path = Path(path)
    with atomic_output(path, overwrite=overwrite) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    return path

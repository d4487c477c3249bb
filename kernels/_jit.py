"""The one Numba decorator every emgkit kernel uses.

``cache=True`` (compiled code is cached on disk beside the module, so it is
compiled once per machine), ``nogil=True``, and no signatures (nothing compiles
at import; each dtype compiles at first use).  fastmath uses stumpy's flag set,
which omits ``nnan``/``ninf`` so NaN checks survive.  Kernels take only arrays
and scalars, raise nothing user-facing and read no module globals.  Keep a
kernel's callees in the same module: the cache does not see edits elsewhere.
"""

import numba

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


def jit(func=None, *, parallel=False, fastmath=False):
    """``numba.njit`` with emgkit's defaults; use as ``@jit`` or ``@jit(parallel=True)``."""

    def wrap(f):
        return numba.njit(cache=True, nogil=True, parallel=parallel, fastmath=FASTMATH if fastmath else False)(f)

    return wrap(func) if func is not None else wrap

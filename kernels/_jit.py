"""The one Numba decorator every emgkit kernel uses.

``cache=True`` (compiled code is cached on disk beside the module, so it is
compiled once per machine), ``nogil=True``, and no signatures (nothing compiles
at import; each dtype compiles at first use).  fastmath uses stumpy's flag set,
which omits ``nnan``/``ninf`` so NaN checks survive.  Kernels take only arrays
and scalars, raise nothing user-facing and read no module globals.  Keep a
kernel's callees in the same module: the cache does not see edits elsewhere.
"""

import os

# Numba's OpenMP layer keeps its worker threads spinning after each parallel kernel.  A streamed analysis launches
# hundreds of short kernels, and the spinning threads take the core the caller needs: 15-25 % of its CPU time on
# 2 cores (docs/performance.md).  Read by the OpenMP runtime when it loads (the first parallel kernel, or
# numba.set_num_threads: batch workers import this module first); a value the user set is kept.  The variable is
# process-wide: OpenMP runtimes loaded later in the process, and child processes, see it too (docs/scaling.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402  (after the OpenMP setting, which must precede any parallel kernel)

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


def jit(func=None, *, parallel=False, fastmath=False):
    """``numba.njit`` with emgkit's defaults; use as ``@jit`` or ``@jit(parallel=True)``."""

    def wrap(f):
        return numba.njit(cache=True, nogil=True, parallel=parallel, fastmath=FASTMATH if fastmath else False)(f)

    return wrap(func) if func is not None else wrap

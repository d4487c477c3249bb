"""emgkit benchmarks: ``python -m benchmarks`` (run from the repository root).

Times, in one run and on one synthetic recording (16 channels x 10 min at
2 kHz, float64, seeded EMG-like bursts), a plain memory copy of the same array
(the floor every ratio refers to), each kernel, the raw -> bandpass -> RMS
envelope pipeline and the same job done by NumPy/SciPy, NeuroKit2 and BioSPPy
(when importable).  Prints a table of best-of-N wall times with ratios to the
copy and speed-ups over NeuroKit2, and writes a JSON record with the machine
description to ``benchmarks/results/`` (git-ignored).

Options: ``--only kernels,pipeline`` (groups), ``--quick`` (small arrays, a
smoke test), ``--json PATH``, ``--repeat N``, ``--list``.

Adding a benchmark group
------------------------
Create ``benchmarks/bench_<group>.py``; it is discovered by its name and
selected with ``--only <group>``.  Its docstring's first line is the
description shown by ``--list``, and it defines::

    def run(bench):
        x = bench.emg()                      # shared synthetic data, (n_channels, n_samples)
        out = np.empty_like(x)
        bench.time("my_kernel (out=)", lambda: my_kernel(x, out=out))
        bench.skip("OtherLib equivalent", "otherlib not installed")

``bench`` is a :class:`benchmarks._harness.Bench`: ``bench.time(name, func,
note=..., reference=..., warmup=True, repeat=None)`` records the best wall
time of ``func()`` after one warm-up call, ``bench.add(name, seconds)``
records a time measured elsewhere (a subprocess), ``bench.skip(name,
reason)`` records a skip; ``bench.fs``, ``bench.shape``, ``bench.quick`` and
``bench.repeat`` describe the run.  ``reference=True`` marks the one row the
speed-up column of every row is relative to (the NeuroKit2 pipeline in
``bench_pipeline``); leave it False in new groups.  Import optional or heavy libraries
inside ``run`` so other groups do not pay for them, and never modify
``bench.emg()`` in place.
"""

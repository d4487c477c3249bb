"""The tables of an analysis: one module per table, each with one ``build(stages)`` function.

:data:`BUILDERS` lists them in build order; ``summary`` comes last and also
receives the tables built before it.  A new table is one module here plus one
line in :data:`BUILDERS` (and its name in :data:`emgkit.analysis.TABLES`).
"""

from . import (agonist_antagonist, bilateral, bursts, channels, cycles, ensembles, fatigue, fatigue_windows, pairing,
               repetitions, summary, timing)

__all__ = ["BUILDERS", "build_tables"]

BUILDERS = {
    "bilateral": bilateral.build,
    "agonist_antagonist": agonist_antagonist.build,
    "timing": timing.build,
    "fatigue": fatigue.build,
    "fatigue_windows": fatigue_windows.build,
    "repetitions": repetitions.build,
    "cycles": cycles.build,
    "bursts": bursts.build,
    "ensembles": ensembles.build,
    "channels": channels.build,
    "pairing": pairing.build,
}


def build_tables(stages) -> dict:
    """Every table of :data:`BUILDERS`, then the summary, by name."""
    tables = {name: build(stages) for name, build in BUILDERS.items()}
    tables["summary"] = summary.build(stages, tables)
    return tables

"""Studies: is the imbalance shrinking over sessions, and do groups differ?

``emgkit.study(table, out=...)`` (:func:`~emgkit.study.build.study`) returns a
:class:`~emgkit.study.build.Study`; ``emgkit study STUDY.csv --out DIR`` is
the command line (:mod:`emgkit.study.cli`).  Modules: :mod:`~emgkit.study.table`
(the study table; :mod:`~emgkit.study.bids` builds it from a BIDS-EMG tree,
:mod:`~emgkit.study.gaps` the table of what was left out), :mod:`~emgkit.study.analyse` (analysing through the batch),
:mod:`~emgkit.study.measures` (measures of a saved analysis),
:mod:`~emgkit.study.reliability` (SEM, MDC), :mod:`~emgkit.study.changes`
(series and verdicts), :mod:`~emgkit.study.groups` (group comparison),
:mod:`~emgkit.study.figures` and :mod:`~emgkit.study.report` (HTML pages).
Formulas and sources: docs/study.md.
"""

import sys
import types

from .._lazy import lazy_exports

_EXPORTS = {
    "study": ".build",
    "Study": ".build",
    "read_study_table": ".table",
    "StudyTable": ".table",
    "mdc95": ".reliability",
    "hedges_g": ".groups",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)


class _CallableModule(types.ModuleType):
    """``emgkit.study(...)`` calls :func:`~emgkit.study.build.study`: the package is also the function.

    Importing a submodule (``emgkit.study.table``) binds the package itself
    to the attribute ``emgkit.study``, so a plain function of that name would
    be replaced by the module; a callable module keeps both spellings working.
    """

    def __call__(self, table, **options):
        from .build import study

        return study(table, **options)


sys.modules[__name__].__class__ = _CallableModule

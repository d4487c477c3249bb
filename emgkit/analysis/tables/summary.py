"""Table ``summary``: ranked findings in plain words (built last, from the other tables and the notes)."""

from ... import _findings as fd
from ._frame import frame

COLUMNS = ["rank", "severity", "category", "subject", "finding", "value", "unit", "threshold", "source"]


def build(s, tables):
    """Findings of the bilateral, agonist/antagonist and timing tables, then the notes."""
    rows = fd.summary_rows(tables["bilateral"], tables["agonist_antagonist"], tables["timing"], list(s.notes))
    return frame(rows, COLUMNS, ints=("rank",))

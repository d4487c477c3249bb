"""Table ``cycles``: candidate repetitions, kept (numbered from 1) or dropped (0) with the reason."""


def build(s):
    """The segmentation's candidate cycles (:meth:`emgkit.cycles.Cycles.to_frame`)."""
    return s.segments.cycles.to_frame()

"""Table ``pairing``: pairs found, and channels that could not be paired or were excluded, with the reason."""


def build(s):
    """The pairing (:meth:`emgkit.pairs.Pairing.to_frame`)."""
    return s.selection.pairing.to_frame()

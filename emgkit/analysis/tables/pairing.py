"""Table ``pairing``: pairs found, and channels that could not be paired or were excluded, with the reason."""


def build(s):
    """The pairing (:meth:`emgkit.pairs.Pairing.to_frame`) with each left/right pair's ``task_structure``.

    ``task_structure`` is the structure the pair is compared by (:mod:`emgkit.analysis.structure`); ``''``
    on agonist/antagonist and unpaired rows.
    """
    table = s.selection.pairing.to_frame()
    used = {(p.left, p.right): p.used for p in s.structure.pairs} if s.structure is not None else {}
    table["task_structure"] = [used.get((a, b), "") if k == "bilateral" else ""
                               for k, a, b in zip(table["kind"], table["channel_a"], table["channel_b"])]
    return table

"""Worked example of docs/study.md: normal vs knee-pathology groups of the UCI lower-limb data (../shared/data)."""

import pandas as pd
import pytest

from emgkit.study import study

TASKS = {"mar": "gait", "sen": "leg extension sitting", "pie": "leg flexion standing"}
STAND_INS = {"1Npie", "2Nsen"}  # identical copies of 2Npie and 1Nsen in the distributed data set (docs/datasets.md)


def uci_study_table(folder) -> pd.DataFrame:
    """One row per file: subject ``<n><N|A>``, one session, the task as condition, the group from the file name."""
    rows = []
    for path in sorted(folder.glob("*.txt")):
        stem = path.stem
        if stem in STAND_INS:
            continue
        number, letter, task = stem[0], stem[1], stem[2:]
        rows.append(dict(subject=f"{number}{letter}", session="1", condition=TASKS[task],
                         group="normal" if letter == "N" else "knee pathology", file=str(path)))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def uci(tmp_path_factory):
    from conftest import SHARED_DATA

    folder = SHARED_DATA / "uci_lower_limb"
    if not folder.is_dir():
        pytest.skip(f"real recordings not available: {folder} is missing (clone beside ../shared)")
    table = uci_study_table(folder)
    return table, study(table, out=tmp_path_factory.mktemp("uci"), workers=1, reference_group="normal")


def test_groups_compare_subjects_not_files(uci):
    table, result = uci
    assert len(table) == 16 and not result.gaps["problem"].isin(["analysis failed", "duplicate data"]).any()
    cci = result.groups[result.groups["measure"] == "cci_falconer"]
    assert set(cci["condition"]) == set(TASKS.values())
    assert cci["muscle"].str.contains("/").all()
    gait = cci[cci["condition"] == "gait"]
    assert (gait["n_a"] == 3).all() and (gait["n_b"] == 3).all()
    standing = cci[cci["condition"] == "leg flexion standing"]
    assert (standing["n_a"] == 2).all()  # the stand-in copy is not a third normal subject


def test_single_sessions_are_listed_not_hidden(uci):
    _, result = uci
    one = result.gaps[result.gaps["problem"] == "one session"]
    assert len(one) == 16  # a cross-sectional data set: no change over sessions, said so
    assert (result.changes["note"] == "baseline").all()


def test_duplicate_recordings_are_counted_once(tmp_path, uci):
    """Given the stand-in copies too, the study keeps one recording of each identical pair (same input bytes)."""
    from conftest import SHARED_DATA

    folder = SHARED_DATA / "uci_lower_limb"
    table = pd.DataFrame([dict(subject=s, session="1", condition="leg flexion standing", group="normal", file=str(folder / f"{s}pie.txt"))
                          for s in ("1N", "2N")])
    result = study(table, out=tmp_path, workers=1)
    (dup,) = result.gaps[result.gaps["problem"] == "duplicate data"].itertuples(index=False)
    assert dup.subject == "2N" and "same data as line 2" in dup.detail and len(result.rows) == 1


@pytest.mark.xfail(strict=True, reason=(
    "measured after writing the expectation (commit d225783 expectation, run at b8f630d): in gait two of four pairs' "
    "knee-pathology minus normal CCI intervals exclude 0, in the direction opposite to the expected one (normal higher: "
    "rectus femoris/biceps femoris -14.1 [-22.1, -6.1] pp, rectus femoris/semitendinosus -15.0 [-27.7, -2.4] pp; "
    "uncorrected Welch p 0.009 and 0.031, none below the Bonferroni 0.005 of the 10 comparisons); docs/study.md. "
    "If this passes, the worked example there is out of date"))
def test_no_cocontraction_difference_is_resolved_with_three_subjects(uci):
    """Expectation written before the run (docs/study.md, worked example): no group difference in co-contraction is resolved.

    Reason: two or three subjects per group give Welch intervals with 2-4 degrees of freedom (t(0.975) 2.8-4.3),
    so a difference is resolved only for an effect far beyond the moderate ones reported for knee pathology in
    gait; every CI of the knee-pathology minus normal Falconer CCI is expected to contain 0.  Numbers are not
    fixed here: the co-contraction normalization is still being changed (issue #13).
    """
    _, result = uci
    cci = result.groups[result.groups["measure"] == "cci_falconer"]
    assert len(cci) > 0
    resolved = cci[(cci["difference_ci_low"] > 0) | (cci["difference_ci_high"] < 0)]
    assert resolved.empty, resolved[["condition", "muscle", "difference", "difference_ci_low", "difference_ci_high"]]

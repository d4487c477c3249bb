"""``emgkit study BIDS_ROOT``: the study table from a BIDS-EMG tree's entities, groups from participants.tsv."""

import pandas as pd
import pytest

from emgkit.cli import main
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.study import read_study_table
from emgkit.study.cli import EXIT_OK

pytest.importorskip("pyedflib", reason="BIDS-EMG data files are EDF/BDF: pip install 'emgkit[edf]'")
from emgkit.formats.bids_write import write_bids  # noqa: E402

SHORT = dict(fs=1000, n_reps=6, burst_s=1.0, rest_s=1.0, lead_in_s=1.0)
# subject, session, run, true biceps SI (%): sub-01 improves from 30 % to 5 % between "pre" and "post"
# (labels that sort the wrong way round: only sessions.tsv's acq_time puts "pre" first)
TREE = (("01", "pre", 1, 30.0), ("01", "pre", 2, 30.0), ("01", "post", 1, 5.0), ("02", None, None, 20.0))


def lr_ratio(si_pct):
    """Right / left amplitude ratio whose symmetry index 200 (R - L) / (R + L) is ``si_pct``."""
    return (1 + si_pct / 200) / (1 - si_pct / 200)


@pytest.fixture(scope="module")
def bids_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("bids") / "ds"
    for seed, (subject, session, run, si) in enumerate(TREE):
        rec = simulate(muscles=("biceps_brachii",), lr_ratio={"biceps_brachii": lr_ratio(si)}, mdf_hz={"biceps_brachii": 100.0},
                       seed=seed, **SHORT)
        write_bids(rec, root, subject=subject, session=session, task="curl", run=run)
    (root / "participants.tsv").write_text("participant_id\tage\tgroup\nsub-01\t30\tpatient\nsub-02\t31\tcontrol\n", encoding="utf-8")
    (root / "sub-01" / "sub-01_sessions.tsv").write_text("session_id\tacq_time\nses-post\t2024-03-01T10:00:00\n"
                                                         "ses-pre\t2024-01-05T10:00:00\n", encoding="utf-8")
    return root


def test_entities_make_the_table(bids_root):
    parsed = read_study_table(bids_root)
    rows = parsed.rows.sort_values(["subject", "order"])
    assert rows[["subject", "session", "condition", "group", "order"]].values.tolist() == [
        ["01", "pre", "curl", "patient", 0], ["01", "post", "curl", "patient", 1], ["02", "1", "curl", "control", 0]]
    assert rows["file"].str.endswith(("ses-pre_task-curl_run-1_emg.bdf", "ses-post_task-curl_run-1_emg.bdf", "sub-02_task-curl_emg.bdf")).all()
    assert rows.iloc[0]["date"].startswith("2024-01-05") and (rows["kind"] == "recording").all()
    (extra,) = [g for g in parsed.gaps if g["problem"] == "extra run"]
    assert extra["subject"] == "01" and extra["session"] == "pre" and "run-2_emg.bdf" in extra["detail"] and "run-1_emg.bdf is used" in extra["detail"]
    assert [g["subject"] for g in parsed.gaps if g["problem"] == "one session"] == ["02"]


def test_acquisition_is_its_own_series_and_participants_may_lack_groups(tmp_path):
    root = tmp_path / "ds"
    rec = simulate(muscles=("biceps_brachii",), seed=1, fs=1000, n_reps=2, burst_s=0.5, rest_s=0.5, lead_in_s=0.5)
    for acq in ("wired", "wireless"):
        write_bids(rec, root, subject="07", session="1", task="curl", acquisition=acq)
    (root / "participants.tsv").write_text("participant_id\tage\nsub-07\t40\n", encoding="utf-8")
    rows = read_study_table(root).rows
    assert sorted(rows["condition"]) == ["curl acq-wired", "curl acq-wireless"] and set(rows["group"]) == {""}


def test_a_folder_that_is_not_a_bids_root(tmp_path):
    with pytest.raises(InvalidInputError, match="not a BIDS root.*dataset_description.json"):
        read_study_table(tmp_path)
    (tmp_path / "dataset_description.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="holds no EMG recording"):
        read_study_table(tmp_path)


def test_emgkit_study_on_a_bids_root(bids_root, tmp_path):
    out = tmp_path / "out"
    assert main(["study", str(bids_root), "--out", str(out), "--workers", "1", "--quiet", "--no-report"]) == EXIT_OK  # extra run, one session: not lost rows
    changes = pd.read_csv(out / "changes.csv", keep_default_na=False, dtype={"session": str, "subject": str})
    si = changes[changes["measure"] == "si_mean"].set_index(["subject", "session"])
    assert si.loc[("01", "pre"), "value"] == pytest.approx(30.0, abs=5.0)  # the right file for each session
    assert si.loc[("01", "post"), "value"] == pytest.approx(5.0, abs=5.0)
    assert si.loc[("02", "1"), "value"] == pytest.approx(20.0, abs=5.0)
    assert si.loc[("01", "post"), "baseline_session"] == "pre" and si.loc[("01", "post"), "verdict"] == "improving"
    groups = pd.read_csv(out / "groups.csv", keep_default_na=False)
    row = groups[groups["measure"] == "si_mean"].iloc[0]
    assert (row["group_a"], row["group_b"], row["n_a"], row["n_b"]) == ("control", "patient", 1, 1)
    gaps = pd.read_csv(out / "gaps.csv", keep_default_na=False)
    assert set(gaps["problem"]) == {"extra run", "one session", "not judged"}
    assert gaps.loc[gaps["problem"] == "not judged", "detail"].str.contains("fatigue.min_span_s").all()  # the short records' MDF slopes

"""BIDS-EMG: a tree built here (BDF + sidecars), inheritance, bad channels, events, discovery, batch, convert."""

import json

import numpy as np
import pandas as pd
import pytest

import emgkit
from emgkit import InvalidInputError
from emgkit.batch.discovery import discover
from emgkit.formats.bids import entities, iter_recordings, sidecars
from emgkit.formats.bids_write import write_bids
from emgkit.formats.events import make_event
from emgkit.io import detect_format

pytest.importorskip("pyedflib", reason="BIDS-EMG data files are EDF/BDF: pip install 'emgkit[edf]'")


def _rec(rng, n=3000, fs=1000.0, **meta):
    data = rng.standard_normal((3, n)) * 0.05  # mV
    channels = ["L Tibialis Anterior", "R Tibialis Anterior", "EMG3"]
    events = [make_event(0.4, "heel strike", side="L", source="test"), make_event(1.6, "heel strike", side="L", source="test")]
    return emgkit.Recording(data, fs, channels, unit="mV", meta={"events": events, **meta})


def _tsv(path, rows):
    pd.DataFrame(rows).to_csv(path, sep="\t", index=False)


@pytest.fixture
def tree(tmp_path, rng):
    """Two subjects, one with two sessions; a root-level sidecar inherited by every gait recording."""
    root = tmp_path / "ds"
    paths = [write_bids(_rec(rng), root, subject="01", session="pre", task="gait", run=1),
             write_bids(_rec(rng), root, subject="01", session="post", task="gait", run=1),
             write_bids(_rec(rng), root, subject="02", task="gait", acquisition="wireless")]
    (root / "task-gait_emg.json").write_text(json.dumps({"PowerLineFrequency": 60, "EMGPlacementScheme": "SENIAM",
                                                         "EMGReference": "bipolar"}))
    return root, paths


def test_entities_of_a_file_name():
    assert entities("sub-01_ses-pre_task-gait_acq-x_run-2_emg.bdf") == (
        {"sub": "01", "ses": "pre", "task": "gait", "acq": "x", "run": "2"}, "emg")


def test_iter_recordings_yields_paths_and_entities(tree):
    root, paths = tree
    found = list(iter_recordings(root))
    assert [p.resolve() for p, _ in found] == sorted(p.resolve() for p in paths)
    ents = {p.name: e for p, e in found}
    assert ents["sub-02_task-gait_acq-wireless_emg.bdf"] == {"subject": "02", "task": "gait", "acquisition": "wireless"}
    assert ents["sub-01_ses-pre_task-gait_run-1_emg.bdf"] == {"subject": "01", "session": "pre", "task": "gait", "run": "1"}


def test_reading_a_recording_applies_inherited_and_own_sidecars(tree):
    _, paths = tree
    own = paths[0].with_name(paths[0].name.replace("_emg.bdf", "_emg.json"))
    doc = json.loads(own.read_text())
    doc.pop("PowerLineFrequency")  # the root's 60 Hz must reach it through inheritance
    own.write_text(json.dumps(doc))
    assert detect_format(paths[0]).name == "bids-emg"
    rec = emgkit.read(paths[0])
    assert rec.meta["powerline_hz"] == 60.0
    sidecar = rec.meta["bids"]["sidecar"]
    assert sidecar["EMGPlacementScheme"] == "Other"  # the recording's own sidecar wins over the root's
    assert sidecar["EMGReference"] == "n/a" and sidecar["TaskName"] == "gait"
    assert (rec.meta["subject"], rec.meta["session"], rec.meta["task"], rec.meta["run"]) == ("01", "pre", "gait", "1")
    assert [(c.muscle, c.side) for c in rec.channels[:2]] == [("tibialis_anterior", "L"), ("tibialis_anterior", "R")]
    assert [s.name for s in sidecars(paths[0], "emg", ".json")] == ["task-gait_emg.json", own.name]


def test_bad_channels_are_left_out_with_a_note_and_target_muscle_names_a_channel(tree):
    _, paths = tree
    tsv = paths[2].with_name(paths[2].name.replace("_emg.bdf", "_channels.tsv"))
    rows = pd.read_csv(tsv, sep="\t", keep_default_na=False).to_dict("records")
    rows[1].update(status="bad", status_description="electrode came off")
    rows[2].update(target_muscle="gastrocnemius medialis", side="L")
    _tsv(tsv, rows)
    rec = emgkit.read(paths[2])
    assert rec.channel_names == ["L Tibialis Anterior", "EMG3"]
    assert rec.meta["bids"]["bad_channels"] == [{"name": "R Tibialis Anter", "reason": "electrode came off"}]  # the channels.tsv name (the BDF label)
    assert (rec.channels[1].muscle, rec.channels[1].side) == ("gastrocnemius_medialis", "L")


def test_events_tsv_gives_the_events_for_cycles(tree):
    _, paths = tree
    events_tsv = paths[1].with_name(paths[1].name.replace("_emg.bdf", "_events.tsv"))
    _tsv(events_tsv, [{"onset": 0.25, "duration": 0, "trial_type": "left heel strike"},
                      {"onset": 1.25, "duration": 0, "trial_type": "left heel strike"},
                      {"onset": 2.25, "duration": "n/a", "trial_type": "left heel strike"}])
    rec = emgkit.read(paths[1])
    assert [e["time_s"] for e in rec.meta["events"]] == [0.25, 1.25, 2.25]
    assert {e["side"] for e in rec.meta["events"]} == {"L"} and rec.meta["bids"]["events_from"] == events_tsv.name


def test_samples_survive_the_bdf_round_trip(tmp_path, rng):
    rec = _rec(rng)
    path = write_bids(rec, tmp_path / "ds", subject="01", task="walk")
    back = emgkit.read(path)
    assert back.unit == "uV" and back.fs == rec.fs
    bound = np.abs(rec.data[:2]).max() * 1e3  # µV
    np.testing.assert_allclose(back.data[:2], rec.data[:2] * 1e3, atol=bound * 2 / (2**24 - 1) * 1.01)


def test_a_root_without_emg_is_one_clear_error(tmp_path):
    root = tmp_path / "eeg_only"
    (root / "sub-01" / "eeg").mkdir(parents=True)
    (root / "dataset_description.json").write_text('{"Name": "x", "BIDSVersion": "1.9.0"}')
    with pytest.raises(InvalidInputError, match=r"holds no EMG recording.*1 subject folder\(s\), data types found: eeg"):
        list(iter_recordings(root))
    with pytest.raises(InvalidInputError, match="holds no EMG recording"):
        discover([str(root)])


def test_batch_discovery_of_a_bids_root_and_entities_in_the_summary(tree, tmp_path):
    root, paths = tree
    (root / "participants.tsv").write_text("participant_id\nsub-01\nsub-02\n")  # not a recording
    jobs = discover([str(root)])
    assert [j.relpath for j in jobs] == sorted(p.relative_to(root).as_posix() for p in paths)
    from emgkit.cli import main

    out = tmp_path / "results"
    assert main(["batch", str(root), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False, dtype=str)
    got = {r.recording: (r.subject, r.session, r.task, r.run, r.acquisition) for r in summary.itertuples()}
    assert got == {"sub-01/ses-post/emg/sub-01_ses-post_task-gait_run-1_emg.bdf": ("01", "post", "gait", "1", ""),
                   "sub-01/ses-pre/emg/sub-01_ses-pre_task-gait_run-1_emg.bdf": ("01", "pre", "gait", "1", ""),
                   "sub-02/emg/sub-02_task-gait_acq-wireless_emg.bdf": ("02", "", "gait", "", "wireless")}


def test_convert_to_bids_writes_a_tree_that_reads_back(tmp_path, rng):
    from emgkit.convert import convert

    src = tmp_path / "trial 3.h5"
    emgkit.write(_rec(rng, subject="P-12", task="sit to stand"), src)
    results = convert([src], tmp_path / "bids", to="bids", bids={"session": "1"})
    assert results[0].ok, results[0].error
    out = results[0].output
    assert out == tmp_path / "bids" / "sub-P12" / "ses-1" / "emg" / "sub-P12_ses-1_task-sittostand_emg.bdf"
    root = tmp_path / "bids"
    description = json.loads((root / "dataset_description.json").read_text())
    assert description["BIDSVersion"] and description["DatasetType"] == "raw"
    sidecar = json.loads(out.with_name(out.name.replace(".bdf", ".json")).read_text())
    for key in ("TaskName", "SamplingFrequency", "PowerLineFrequency", "SoftwareFilters", "EMGReference",
                "EMGPlacementScheme", "EMGPlacementSchemeDescription"):
        assert key in sidecar
    channels = pd.read_csv(out.with_name(out.name.replace("_emg.bdf", "_channels.tsv")), sep="\t", keep_default_na=False)
    assert list(channels.columns[:3]) == ["name", "type", "units"] and set(channels["type"]) == {"EMG"}
    rec = emgkit.read(out)
    assert rec.meta["subject"] == "P12" and [e["time_s"] for e in rec.meta["events"]] == [0.4, 1.6]
    with pytest.raises(InvalidInputError, match="letters and digits"):
        convert([src], tmp_path / "bids2", to="bids", bids={"subject": "../x"})

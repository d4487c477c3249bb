"""The study reads a saved result only when its manifest vouches for it: interrupted and mixed folders are re-analysed or listed, never read."""

import json
import os
import shutil
import warnings

import pandas as pd
import pytest

import emgkit
from emgkit.analysis import load_analysis
from emgkit.datasets import simulate
from emgkit.errors import FileFormatError, InvalidInputError
from emgkit.study import study
from emgkit.study.measures import TABLES_USED, extract_measures, read_measures

SHORT = dict(fs=1000, n_reps=4, burst_s=1.0, rest_s=1.0, lead_in_s=1.0)


def lr_ratio(si_pct):
    """Right / left amplitude ratio whose symmetry index 200 (R - L) / (R + L) is ``si_pct``."""
    return (1 + si_pct / 200) / (1 - si_pct / 200)


def _recording(si, seed):
    return simulate(muscles=("biceps_brachii", "triceps_brachii"), lr_ratio={"biceps_brachii": lr_ratio(si)},
                    cocontraction={"triceps_brachii": 0.2}, seed=seed, **SHORT)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two complete results (SI 30 % and 5 %) saved by Analysis.save."""
    root = tmp_path_factory.mktemp("saved")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, si, seed in (("a", 30.0, 1), ("b", 5.0, 2)):
            emgkit.analyze(_recording(si, seed)).save(root / name)
    return root


def _si_mean(rows):
    return {r["muscle"]: r["value"] for r in rows if r["measure"] == "si_mean"}


def _interrupt(folder):
    """The folder as a save killed after analysis.h5 and before its manifest's hashes: manifest "writing", nothing newer than analysis.h5."""
    manifest = folder / "manifest.json"
    planned = sorted(json.loads(manifest.read_text())["files"])
    manifest.write_text(json.dumps({"kind": "emgkit-results", "state": "writing", "planned": planned}))
    stamp = (folder / "analysis.h5").stat().st_mtime_ns
    for name in TABLES_USED:  # every CSV older than analysis.h5: the old mtime rule took such a folder as complete
        os.utime(folder / f"{name}.csv", ns=(stamp - 10**9, stamp - 10**9))


def test_fast_path_reads_the_same_values_as_load_analysis(saved):
    analysis = load_analysis(saved / "a")
    expected = extract_measures({name: getattr(analysis, name).to_dict("records") for name in TABLES_USED})
    got = read_measures(saved / "a")
    assert [(r["muscle"], r["measure"]) for r in got] == [(r["muscle"], r["measure"]) for r in expected]
    assert [r["value"] for r in got] == pytest.approx([r["value"] for r in expected])
    assert _si_mean(got)["biceps_brachii"] == pytest.approx(30.0, abs=6.0)


def test_interrupted_folder_is_refused_not_read(saved, tmp_path):
    folder = tmp_path / "a"
    shutil.copytree(saved / "a", folder)
    _interrupt(folder)
    with pytest.raises(FileFormatError, match="interrupted save"):
        read_measures(folder)
    table = [dict(subject="S", session="1", file=str(folder)), dict(subject="S", session="2", file=str(saved / "b"))]
    result = study(table)
    (problem,) = result.gaps.query("problem == 'unreadable result'").itertuples(index=False)
    assert problem.session == "1" and "interrupted save" in problem.detail
    assert set(result.measures["session"]) == {"2"}  # session 1 never read


def test_interrupted_folder_without_analysis_h5_is_listed_as_such(saved, tmp_path):
    """A save killed before analysis.h5 was written: the folder is still named a result, and listed as interrupted (not 'missing')."""
    folder = tmp_path / "a"
    shutil.copytree(saved / "a", folder)
    _interrupt(folder)
    (folder / "analysis.h5").unlink()
    result = study([dict(subject="S", session="1", file=str(folder)), dict(subject="S", session="2", file=str(saved / "b"))])
    (problem,) = result.gaps.query("problem == 'unreadable result'").itertuples(index=False)
    assert problem.session == "1" and "interrupted save" in problem.detail


def test_mixed_folder_is_refused(saved, tmp_path):
    """A complete manifest, but one CSV from another analysis (copied over it): the hash differs, load_analysis refuses."""
    folder = tmp_path / "a"
    shutil.copytree(saved / "a", folder)
    shutil.copyfile(saved / "b" / "bilateral.csv", folder / "bilateral.csv")
    with pytest.raises(FileFormatError, match="differs from|changed|does not match"):
        read_measures(folder)


def test_folder_without_manifest_is_refused(saved, tmp_path):
    folder = tmp_path / "a"
    shutil.copytree(saved / "a", folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="manifest.json"):
        read_measures(folder)


def test_interrupted_batch_result_is_reanalysed(tmp_path):
    """Through the batch: a study result killed mid-save (its batch.json removed first, as the batch does) is analysed again on the rerun."""
    data = tmp_path / "data"
    data.mkdir()
    for k, (si, seed) in enumerate(((30.0, 1), (5.0, 2))):
        emgkit.write(_recording(si, seed), data / f"s{k + 1}.h5")
    table = pd.DataFrame({"subject": ["S", "S"], "session": ["1", "2"], "file": [str(data / "s1.h5"), str(data / "s2.h5")]})
    first = study(table, out=tmp_path / "out", workers=1)
    assert (first.info["analysed"], first.info["reused"]) == (2, 0), first.gaps.to_dict("records")
    folder = tmp_path / "out" / "results" / "s1.h5"
    (folder / "batch.json").unlink()
    _interrupt(folder)
    bilateral = pd.read_csv(folder / "bilateral.csv")
    bilateral["symmetry_index"] = 99.0  # what a reader of the interrupted folder would see
    stamp = (folder / "analysis.h5").stat().st_mtime_ns
    bilateral.to_csv(folder / "bilateral.csv", index=False)
    os.utime(folder / "bilateral.csv", ns=(stamp - 10**9, stamp - 10**9))
    again = study(table, out=tmp_path / "out", workers=1)
    assert (again.info["analysed"], again.info["reused"]) == (1, 1), (again.info, again.gaps.to_dict("records"))
    assert 99.0 not in set(again.measures["value"])
    before = first.measures.set_index(["session", "muscle", "measure"])["value"]
    after = again.measures.set_index(["session", "muscle", "measure"])["value"]
    assert after.sort_index().to_numpy() == pytest.approx(before.sort_index().to_numpy())


def test_reference_group_typo_and_reference_group_without_data(saved, tmp_path):
    folder = tmp_path / "a"
    shutil.copytree(saved / "a", folder)
    table = [dict(subject="C1", session="1", group="control", file=str(folder)),
             dict(subject="P1", session="1", group="patient", file=str(saved / "b"))]
    with pytest.raises(InvalidInputError, match=r"reference group 'controls' is not in the study table; its groups are \['control', 'patient'\]"):
        study(table, reference_group="controls")
    _interrupt(folder)  # the control's only session cannot be read: a gap, not a usage error
    result = study(table, reference_group="control")
    assert result.groups.empty and "no reference group" in set(result.gaps["problem"])
    assert set(result.subjects["subject"]) == {"P1"}  # the values that could be read are still exported


def test_subject_page_holds_findings_series_mdc_band_and_both_body_maps(saved, tmp_path):
    result = study([dict(subject="S", session="1", file=str(saved / "a")), dict(subject="S", session="2", file=str(saved / "b"))])
    pages = result.report(tmp_path)
    text = pages["S"].read_text(encoding="utf-8")
    si = result.changes.query("measure == 'si_mean' and muscle == 'biceps_brachii' and session == '2'").iloc[0]
    assert si["verdict"] == "improving"  # 30 % -> 5 %
    assert "left/right SI of mean amplitude: the gap shrank from" in text and f"beyond the MDC of {si['mdc']:.1f} %" in text
    for div in ("si_mean-0-", "cci_falconer-1-", "map-0-", "map-1-"):
        assert f'id="{div}' in text, div
    assert "MDC biceps_brachii" in text and "Session 1" in text and "Session 2" in text  # the MDC band, the two body maps
    assert (tmp_path / "study.html").is_file() and (tmp_path / "plotly.min.js").is_file()

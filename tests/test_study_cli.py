"""``emgkit study`` end to end: recordings analysed through the batch, reused on a rerun, bad rows listed, safe pages."""

import csv
import shutil

import pandas as pd
import pytest

import emgkit
from emgkit.cli import main
from emgkit.datasets import simulate
from emgkit.study.cli import EXIT_PARTIAL, EXIT_USAGE

HOSTILE = "../<script>alert(1)</script>"
SHORT = dict(fs=1000, n_reps=4, burst_s=1.0, rest_s=1.0, lead_in_s=1.0)


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    """Recordings of 3 subjects (one hostile id, one with a single session, one whose last session lacks the triceps) and a table with bad rows."""
    root = tmp_path_factory.mktemp("study")
    data = root / "data"
    files = {}
    for subject, sessions in (("S1", 2), ("S2", 1), ("S3", 2)):
        for k in range(sessions):
            muscles = ("biceps_brachii",) if (subject == "S3" and k == 1) else ("biceps_brachii", "triceps_brachii")
            rec = simulate(muscles=muscles, lr_ratio={"biceps_brachii": 1.3 - 0.2 * k}, seed=10 * len(files) + k, **SHORT)
            path = data / subject / f"ses{k + 1}.h5"
            path.parent.mkdir(parents=True, exist_ok=True)
            emgkit.write(rec, path)
            files[subject, k + 1] = path.relative_to(root).as_posix()
    rows = [("S1", "1", files["S1", 1]), ("S1", "2", files["S1", 2]), ("S1", "2", files["S2", 1]),  # duplicate session
            ("S1", "3", "data/S1/missing.h5"), (HOSTILE, "1", files["S2", 1]), ("S3", "1", files["S3", 1]), ("S3", "2", files["S3", 2])]
    with open(root / "study.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["subject", "session", "file", "group"])
        for subject, session, file in rows:
            writer.writerow([subject, session, file, "a" if subject == "S1" else "b"])
    return root


@pytest.fixture(scope="module")
def first_run(study_dir):
    out = study_dir / "out"
    code = main(["study", str(study_dir / "study.csv"), "--out", str(out), "--workers", "1", "--quiet"])
    return code, out


def test_outputs_and_partial_results(first_run):
    code, out = first_run
    assert code == EXIT_PARTIAL  # a missing file and a duplicate session: the rest is complete
    changes = pd.read_csv(out / "changes.csv", keep_default_na=False)
    assert list(changes.columns[:10]) == ["subject", "session", "muscle", "measure", "value", "change", "change_ci_low", "change_ci_high",
                                          "mdc", "verdict"]
    assert set(changes["verdict"]) <= {"improving", "worsening", "within_noise", ""}
    assert set(changes["subject"]) == {"S1", HOSTILE, "S3"}
    gaps = pd.read_csv(out / "gaps.csv", keep_default_na=False)
    assert {"duplicate session", "missing file", "one session", "mixed muscle sets"} <= set(gaps["problem"])
    detail = gaps.loc[(gaps["problem"] == "mixed muscle sets") & (gaps["subject"] == "S3"), "detail"].item()  # S1 may lack a fatigue slope too
    missing = set(detail.split("session 2: no ", 1)[1].split(")", 1)[0].split(", "))
    assert "subject 'S3'" in detail and all("triceps_brachii" in m for m in missing)  # only the triceps' series are short
    assert {"L biceps_brachii/triceps_brachii", "R biceps_brachii/triceps_brachii", "biceps_brachii/triceps_brachii",
            "triceps_brachii"} <= missing  # 2 CCI sides, the CCI side SI, the SI (fatigue slopes when session 1 had them)
    groups = pd.read_csv(out / "groups.csv")
    assert set(groups["group_a"]) == {"a"} and set(groups["group_b"]) == {"b"}
    for name in ("S1.html", "S3.html", "study.html", "plotly.min.js", "subjects.csv", "results/summary.csv"):
        assert (out / name).is_file(), name


def test_hostile_subject_id_stays_inside_and_is_escaped(first_run, study_dir):
    _, out = first_run
    pages = [p for p in out.glob("*.html") if p.name not in ("S1.html", "S3.html", "study.html")]
    assert len(pages) == 1 and pages[0].parent == out
    assert not list(study_dir.glob("*.html")) and not (study_dir / "<script>alert(1)</script>.html").exists()
    for page in (pages[0], out / "study.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_rerun_reuses_every_result(first_run, study_dir, capsys):
    _, out = first_run
    before = (out / "results" / "S1" / "ses1.h5" / "analysis.h5").stat().st_mtime_ns
    code = main(["study", str(study_dir / "study.csv"), "--out", str(out), "--workers", "1", "--no-report"])
    assert code == EXIT_PARTIAL
    assert "(0 analysed, 5 reused)" in capsys.readouterr().out
    assert (out / "results" / "S1" / "ses1.h5" / "analysis.h5").stat().st_mtime_ns == before


def test_results_folders_as_inputs(first_run, tmp_path):
    """A table may name saved results instead of recordings: nothing is analysed, no output folder needed."""
    _, out = first_run
    shutil.copytree(out / "results" / "S1", tmp_path / "S1")
    table = pd.DataFrame({"subject": ["S1", "S1"], "session": ["1", "2"], "file": [str(tmp_path / "S1" / f"ses{k}.h5") for k in (1, 2)]})
    result = emgkit.study(table)
    assert result.info["analysed"] == 0 and result.info["n_sessions"] == 2
    reference = pd.read_csv(out / "changes.csv", keep_default_na=False)
    mine = result.changes.query("measure == 'si_mean'")["value"].tolist()
    assert mine == pytest.approx(reference.query("subject == 'S1' and measure == 'si_mean'")["value"].tolist())


def test_usage_errors(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("subject,file\nS1,x.h5\n", encoding="utf-8")
    assert main(["study", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "lacks the column(s) ['session']" in capsys.readouterr().err
    assert main(["study", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")]) == EXIT_USAGE

"""emgkit.study without simulations: formulas on hand-computed cases, the study table, verdict logic, bad input, names."""

import doctest
import importlib
import math

import numpy as np
import pandas as pd
import pytest

from emgkit.errors import InvalidInputError
from emgkit.study import read_study_table
from emgkit.study.changes import CHANGE_COLUMNS, compute_changes, muscle_set_gaps
from emgkit.study.groups import compare_groups, hedges_g, mean_ci, subject_values, welch
from emgkit.study.measures import extract_measures
from emgkit.study.reliability import mdc95, retest_sem, within_session_sem
from emgkit.study.report import page_name


@pytest.mark.parametrize("module", ["reliability", "groups", "report"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"emgkit.study.{module}"))
    assert result.failed == 0 and result.attempted > 0


# -- formulas ---------------------------------------------------------------------------------------
def test_mdc_and_sem_formulas():
    assert mdc95(5.0) == pytest.approx(1.96 * math.sqrt(2) * 5.0)
    assert within_session_sem([3.0, 4.0]) == pytest.approx(math.sqrt((9 + 16) / 2))
    assert math.isnan(within_session_sem([math.nan]))
    # differences 1, -1, 3: mean 1, SD = sqrt((0 + 4 + 4) / 2) = 2, typical error 2 / sqrt(2)
    assert retest_sem([1.0, -1.0, 3.0]) == pytest.approx(math.sqrt(2))
    assert math.isnan(retest_sem([2.0]))


def test_hedges_g_by_hand():
    # n 5 and 7, means 10 and 13, SDs 2 and 3: pooled SD sqrt((4*4 + 6*9)/10) = sqrt(7)
    d = 3 / math.sqrt(7)
    j = 1 - 3 / (4 * 12 - 9)
    g, lo, hi = hedges_g(5, 10.0, 2.0, 7, 13.0, 3.0)
    se = math.sqrt(12 / 35 + (j * d) ** 2 / 24)
    assert g == pytest.approx(j * d)
    assert (lo, hi) == pytest.approx((j * d - 1.96 * se, j * d + 1.96 * se))
    assert all(math.isnan(v) for v in hedges_g(1, 0.0, math.nan, 5, 1.0, 1.0))


def test_welch_and_mean_ci_match_scipy():
    from scipy import stats

    a, b = np.array([1.0, 2.5, 3.1, 4.0, 2.2]), np.array([3.0, 5.5, 4.1, 6.2, 5.0, 7.3])
    res = stats.ttest_ind(b, a, equal_var=False)
    lo, hi = res.confidence_interval(0.95)
    na, ma, sa, _, _ = mean_ci(a)
    nb, mb, sb, _, _ = mean_ci(b)
    assert welch(na, ma, sa, nb, mb, sb) == pytest.approx((b.mean() - a.mean(), lo, hi))
    interval = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    assert mean_ci(a)[3:] == pytest.approx(interval)


def test_delta_method_se_of_cci_side_si():
    rows = [dict(side=s, agonist=f"{s} a", antagonist=f"{s} b", agonist_muscle="biceps_brachii", antagonist_muscle="triceps_brachii",
                 cci_falconer=v, cci_falconer_sd=sd, n_reps=4) for s, v, sd in (("L", 30.0, 4.0), ("R", 40.0, 6.0))]
    m = {r["measure"]: r for r in extract_measures({"bilateral": [], "agonist_antagonist": rows, "timing": [], "fatigue": []})
         if r["measure"] == "cci_side_si"}["cci_side_si"]
    si = lambda left, right: 200 * (right - left) / (right + left)  # noqa: E731
    se_l, se_r, h = 2.0, 3.0, 1e-6  # SD / sqrt(4)
    numeric = math.hypot((si(30 + h, 40) - si(30, 40)) / h * se_l, (si(30, 40 + h) - si(30, 40)) / h * se_r)
    assert m["value"] == pytest.approx(si(30.0, 40.0))
    assert m["se"] == pytest.approx(numeric, rel=1e-4)


def test_measures_from_csv_text_and_missing_cells():
    bil = [dict(muscle="biceps_brachii", metric="mean", symmetry_index="12.5", si_sd="4", n_reps="4"),
           dict(muscle="biceps_brachii", metric="mdf_slope_pct_per_min", symmetry_index="3", si_sd="", n_reps="5"),
           dict(muscle="deltoid", metric="peak", symmetry_index="", si_sd="", n_reps="0")]
    timing = [dict(comparison="left_right", muscle="biceps_brachii", metric="onset", mean_ms="30", sd_ms="10", n="4"),
              dict(comparison="agonist_antagonist", muscle="x", metric="onset", mean_ms="30", sd_ms="10", n="4")]
    got = extract_measures({"bilateral": bil, "agonist_antagonist": [], "timing": timing, "fatigue": []})
    assert [(r["measure"], r["value"], r["se"]) for r in got] == [("si_mean", 12.5, 2.0), ("onset_lr_ms", 30.0, 5.0)]


# -- changes and verdicts ---------------------------------------------------------------------------
def _measures(values, ses, *, subject="S1", measure="si_mean", better="zero", retest=None):
    rows = []
    for i, (v, se) in enumerate(zip(values, ses)):
        rows.append(dict(subject=subject, condition="", session=str(i + 1), order=i, group="", retest_of="", family="left/right",
                         muscle="biceps_brachii", measure=measure, unit="%", value=v, se=se, n=4.0, better=better))
    for session, of, v in retest or []:
        rows.append(dict(rows[0], session=session, order=99, retest_of=of, value=v))
    return pd.DataFrame(rows)


def test_change_ci_mdc_and_verdicts_by_hand():
    changes, gaps = compute_changes(_measures([20.0, 10.0, 19.0, -25.0], [3.0, 4.0, 3.0, 4.0]))
    assert list(changes.columns) == CHANGE_COLUMNS and not gaps
    sem = math.sqrt((9 + 16 + 9 + 16) / 4)
    assert changes["mdc"].tolist() == pytest.approx([1.96 * math.sqrt(2) * sem] * 4)
    base, better, noise, swing = changes.itertuples(index=False)
    assert (base.verdict, base.note, base.change) == ("", "baseline", 0.0)
    assert better.change == -10.0 and better.verdict == "improving"
    assert (better.change_ci_low, better.change_ci_high) == pytest.approx((-10 - 1.96 * 5, -10 + 1.96 * 5))
    assert noise.verdict == "within_noise"
    assert swing.verdict == "within_noise"  # the gap itself grew by 5 pp < MDC, although the SI moved by 45 pp


@pytest.mark.parametrize("better, verdict", [("lower", "improving"), ("higher", "worsening"), ("zero", "improving")])
def test_direction_of_healthier_value(better, verdict):
    changes, _ = compute_changes(_measures([40.0, 20.0], [1.0, 1.0], measure="cci_falconer", better=better))
    assert changes["verdict"].iloc[1] == verdict


def test_better_override_and_bad_options():
    changes, _ = compute_changes(_measures([40.0, 20.0], [1.0, 1.0], measure="cci_falconer", better="lower"), better={"cci_falconer": "higher"})
    assert changes["verdict"].iloc[1] == "worsening"
    with pytest.raises(InvalidInputError, match="reliability must be one of"):
        compute_changes(_measures([1.0], [1.0]), reliability="icc")
    with pytest.raises(InvalidInputError, match="'zero', 'lower' or 'higher'"):
        compute_changes(_measures([1.0], [1.0]), better={"si_mean": "smaller"})


def test_test_retest_sem_replaces_within_session():
    retest = [("1b", "1", 22.0)]
    m = pd.concat([_measures([20.0, 12.0], [0.5, 0.5], retest=retest),
                   _measures([30.0, 31.0], [0.5, 0.5], subject="S2", retest=[("1b", "1", 26.0)])])
    changes, _ = compute_changes(m)
    sem = retest_sem([2.0, -4.0])  # retest - session: 22 - 20, 26 - 30
    follow = changes[changes["note"] == ""]
    assert follow["sem"].tolist() == pytest.approx([sem, sem])
    assert follow["reliability"].tolist() == ["test-retest (2 pairs)"] * 2
    assert follow["change_ci_high"].iloc[0] - follow["change"].iloc[0] == pytest.approx(1.96 * math.sqrt(2) * sem)
    assert "1b" not in set(changes["session"])  # retests inform the SEM only
    within, _ = compute_changes(m, reliability="within-session")
    assert within["sem"].tolist() == pytest.approx([0.5] * 4)
    only, _ = compute_changes(_measures([20.0, 12.0], [0.5, 0.5]), reliability="test-retest")
    assert only["verdict"].tolist() == ["", ""] and "no test-retest estimate" in only["note"].iloc[1]


def test_named_baseline_and_missing_baseline_gap():
    m = pd.concat([_measures([20.0, 10.0, 5.0], [1.0] * 3), _measures([20.0, 10.0], [1.0] * 2, subject="S2")])
    changes, gaps = compute_changes(m, baseline="3")
    s1 = changes[changes["subject"] == "S1"]
    assert s1["baseline_session"].unique().tolist() == ["3"] and s1["change"].tolist() == [15.0, 5.0, 0.0]
    assert [g["problem"] for g in gaps] == ["no baseline session"] and "'S2'" in gaps[0]["detail"]


def test_single_repetition_sessions_have_no_verdict():
    changes, _ = compute_changes(_measures([20.0, 5.0], [math.nan, math.nan]))
    assert changes["verdict"].tolist() == ["", ""] and "no reliability estimate" in changes["note"].iloc[1]


def test_mixed_muscle_sets_are_listed():
    m = _measures([20.0, 10.0, 5.0], [1.0] * 3)
    extra = m.iloc[[0]].assign(muscle="triceps_brachii")
    (g,) = muscle_set_gaps(pd.concat([m, extra]))
    assert g["problem"] == "mixed muscle sets" and "session 2: no triceps_brachii" in g["detail"] and "session 3" in g["detail"]


# -- groups -----------------------------------------------------------------------------------------
def test_subjects_are_aggregated_before_groups():
    rows = []
    for group, subject, values in (("a", "A1", [1.0, 3.0]), ("a", "A2", [5.0]), ("a", "A3", [3.0]),
                                   ("b", "B1", [10.0] * 9), ("b", "B2", [12.0]), ("b", "B3", [8.0])):
        rows += [dict(subject=subject, condition="", session=str(k), order=k, group=group, retest_of="", muscle="m", measure="cci_falconer",
                      unit="%", value=v) for k, v in enumerate(values)]
    subjects = subject_values(pd.DataFrame(rows))
    assert subjects.groupby("group")["value"].apply(list).to_dict() == {"a": [2.0, 5.0, 3.0], "b": [10.0, 12.0, 8.0]}
    (row,) = compare_groups(subjects).itertuples(index=False)
    assert (row.n_a, row.n_b, row.mean_a, row.mean_b, row.difference) == (3, 3, pytest.approx(10 / 3), 10.0, pytest.approx(20 / 3))
    assert row.hedges_g == pytest.approx(hedges_g(3, 10 / 3, np.std([2, 5, 3], ddof=1), 3, 10.0, 2.0)[0])
    assert subject_values(pd.DataFrame(rows), sessions="first").query("subject == 'A1'")["value"].item() == 1.0
    with pytest.raises(InvalidInputError, match="reference group 'c'"):
        compare_groups(subjects, reference="c")


# -- the study table and bad input ------------------------------------------------------------------
@pytest.fixture
def result_dirs(tmp_path):
    """Folders that look like saved results (an analysis.h5 marker) for the table tests."""
    for name in ("r1", "r2", "r3", "r4"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "analysis.h5").write_bytes(b"")
    return tmp_path


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_table_requires_its_columns(tmp_path):
    with pytest.raises(InvalidInputError, match=r"lacks the column\(s\) \['file'\].*subject, session, file"):
        read_study_table(_write(tmp_path / "s.csv", "subject,session\nS1,1\n"))
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_study_table(tmp_path / "nope.csv")


def test_bad_rows_become_gaps_and_the_rest_is_kept(result_dirs):
    table = _write(result_dirs / "study.csv", "Subject,Session,File\n"
                   "S1,1,r1\nS1,2,r2\nS1,2,r3\nS1,3,missing.h5\nS2,1,r4\n,1,r1\nS3,1,r1/analysis.h5\n")
    parsed = read_study_table(table)
    assert parsed.rows[["subject", "session", "kind"]].values.tolist() == [["S1", "1", "result"], ["S1", "2", "result"],
                                                                          ["S2", "1", "result"], ["S3", "1", "result"]]
    problems = [(g["problem"], g["subject"], g["session"]) for g in parsed.gaps]
    assert ("duplicate session", "S1", "2") in problems and ("missing file", "S1", "3") in problems
    assert ("incomplete row", "", "1") in problems and ("one session", "S2", "1") in problems
    detail = {g["problem"]: g["detail"] for g in parsed.gaps}
    assert "line 4" in detail["duplicate session"] and "'missing.h5'" in detail["missing file"]


def test_sessions_ordered_by_date_else_natural_label(result_dirs):
    by_label = read_study_table([dict(subject="S", session=s, file=str(result_dirs / f)) for s, f in (("ses-10", "r1"), ("ses-2", "r2"), ("ses-1", "r3"))])
    assert by_label.rows.sort_values("order")["session"].tolist() == ["ses-1", "ses-2", "ses-10"] and by_label.ordered_by == "session label"
    by_date = read_study_table([dict(subject="S", session=s, date=d, file=str(result_dirs / f))
                                for s, d, f in (("b", "2024-03-01", "r1"), ("a", "2024-05-01", "r2"))])
    assert by_date.rows.sort_values("order")["session"].tolist() == ["b", "a"] and by_date.ordered_by == "date"


def test_participants_and_retest_rows(result_dirs):
    participants = _write(result_dirs / "participants.tsv", "participant_id\tgroup\nsub-S1\tpatient\n")
    parsed = read_study_table([dict(subject="S1", session="1", file=str(result_dirs / "r1")),
                               dict(subject="S1", session="1b", retest_of="1", file=str(result_dirs / "r2")),
                               dict(subject="S1", session="2", retest_of="9", file=str(result_dirs / "r3")),
                               dict(subject="S2", session="1", file=str(result_dirs / "r4"))], participants=participants)
    assert parsed.rows["group"].tolist() == ["patient", "patient", ""]
    problems = [g["problem"] for g in parsed.gaps]
    assert "unknown retest_of" in problems and "no group" in problems


def test_page_names_never_leave_the_folder():
    assert page_name("S01") == "S01.html"
    for hostile in ("../../x", "/etc/passwd", "a/b", "..", "CON", "study", "<script>", "\u00e9l\u00e8ve"):
        name = page_name(hostile)
        assert "/" not in name and not name.startswith(".") and name.endswith(".html") and name not in ("study.html", "CON.html")
    assert page_name("s01", taken={"S01"}) != "s01.html"  # case-insensitive file systems

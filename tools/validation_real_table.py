"""Print the per-recording table of docs/validation_real.md ("Measured per recording") for today's code.

Every real recording in ``../shared/data`` is read as its ``SOURCE.md`` says and analysed with the default
configuration (the same analyses as ``tests/test_validation_real.py``); one Markdown row per recording.

Run from the repository root::

    python tools/validation_real_table.py > /tmp/table.md
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_validation_real as v  # noqa: E402  (the suite's own readers and recording lists)


def _row(label, a) -> str:
    ch = a.channels
    used = int((ch["role"] == "emg").sum())
    roles = ch.loc[ch["role"] != "emg", "role"].value_counts()
    left_out = ", ".join(f"{n} {role}" for role, n in roles.items()) or "-"
    c = a.info["compared"]
    hum = int((ch["notch_hz"].fillna(0) > 0).sum())
    sev = a.summary["severity"]
    findings = a.summary[a.summary["category"] != "scope"]
    flags, notices = int((findings["severity"] == "flag").sum()), int((findings["severity"] == "notice").sum())
    return (f"| {label} | {used} | {left_out} | {c['bilateral_compared']}/{c['bilateral_pairs']} | "
            f"{c['agonist_antagonist_compared']}/{c['agonist_antagonist_pairs']} | {hum} | {flags} | {notices} | "
            f"{_headline(set(sev))} | {a.info.get('task_structure', '')} |")


def _headline(levels) -> str:
    """The batch summary's headline rule; 'info' when nothing was judged (no verdict row at all)."""
    return next((lv for lv in ("not compared", "flag", "notice", "ok") if lv in levels), "info")


def main() -> None:
    print("| recording | used | left out | L/R compared | ag/ant compared | hum notched | flags | notices | headline | structure |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for sub, cat, act in v.UCI:
        print(_row(f"{sub}/{act}", v.uci(sub, cat, act)[1]))
    for name in v.LOWER:
        print(_row(name, v.analysed("lower", "uci_lower_limb", name)[1]))
    for name in ("emg.txt", "emg_1.txt"):
        print(_row(name, v.analysed("biosppy", "biosppy_single", name)[1]))
    for name in ("markers_analogs.c3d", "analogs.csv"):
        print(_row(name, v.analysed("file", "pyomeca_shoulder", name)[1]))
    for name in v.GAIT:
        print(_row(name, v.analysed("file", "c3d_bilateral_gait", name)[1]))


if __name__ == "__main__":
    main()

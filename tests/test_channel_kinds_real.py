"""Channel typing on the real recordings in ../shared/data, against kinds written down from each SOURCE.md.

The expectations below were written from the SOURCE.md files *before* the
classifier was first run on these files (see the git history of this file);
each names its source.  Skipped when ../shared/data is absent.
"""

import numpy as np
import pytest

import emgkit
from emgkit.channel_kinds import classify

pytestmark = pytest.mark.shared_data

NOT_EMG = "not emg"  # any kind but "emg": SOURCE.md says "not EMG" without saying what the signal is


def kinds(rec, **kw):
    return {k.name: k.kind for k in classify(rec, **kw)}


def check(found, expected):
    """``expected``: name -> kind or NOT_EMG; every channel must be listed."""
    assert set(found) == set(expected), f"channels differ: {sorted(set(found) ^ set(expected))}"
    wrong = {n: (found[n], want) for n, want in expected.items()
             if ((found[n] == "emg") if want == NOT_EMG else (found[n] != want))}
    assert not wrong, f"channel: (found, expected): {wrong}"


# -- biosppy_single: one raw EMG channel each, 12-bit counts around 2048 ------------------------------
@pytest.mark.parametrize("name", ["emg.txt", "emg_1.txt"])
def test_biosppy(shared_data, name):
    """SOURCE.md: one EMG channel; emg.txt is very low amplitude (33 distinct values, std 2 counts): still EMG."""
    from emgkit.datasets.readers import read_opensignals

    rec = read_opensignals(shared_data / "biosppy_single" / name)
    assert set(kinds(rec).values()) == {"emg"}


# -- c3d_bilateral_gait: EMG mixed with force plates (and PiG's Pin 1-16) --------------------------------
GAIT = {
    # file: (EMG analog indices, non-EMG indices -> expected kind)
    "Gait.c3d": (range(12, 28), {**{k: "force" for k in range(12)}}),
    "1123x01EMG.c3d": (range(0, 8), {}),  # force-plate channels after the EMG, if any: "force" (see below)
    "type-2a.c3d": (range(12, 20), {**{k: "force" for k in range(12)}}),
    "PiG_Motion-FlatFoot-Full.c3d": (range(28, 38), {**{k: "force" for k in range(12)},
                                                     **{k: NOT_EMG for k in range(12, 28)}}),
}


@pytest.mark.parametrize("name", sorted(GAIT))
def test_gait_c3d(shared_data, name):
    """SOURCE.md table: EMG at the listed analog indices; force-plate channels elsewhere; PiG Pin 1-16 not EMG."""
    pytest.importorskip("ezc3d")
    rec = emgkit.read(shared_data / "c3d_bilateral_gait" / name, emg_only=False)
    emg, other = GAIT[name]
    expected = {}
    for k, ch in enumerate(rec.channels):
        expected[ch.name] = "emg" if k in emg else other.get(k, "force")
    check(kinds(rec), expected)


# -- pyomeca_shoulder: 13 EMG, 6 auxiliary Voltage inputs, 19 all-zero unused sensors -----------------------
SHOULDER_EMG = {"Delt_ant.EMG1", "Delt_med.EMG2", "Delt_post.EMG3", "Biceps.EMG4", "Triceps.EMG5", "Trap_sup.EMG6",
                "Trap_inf.EMG7", "Gd_dent.EMG8", "Supra.EMG9", "Infra.EMG10", "Subscap.EMG11", "Pec.IM EMG12",
                "Gd_dors.IM EMG13"}


def _shoulder_expected(names, emg_names):
    out = {}
    for n in names:
        if n in emg_names:
            out[n] = "emg"
        elif n.startswith("Voltage"):
            out[n] = NOT_EMG  # "unidentified auxiliary analog inputs, not EMG"
        else:
            out[n] = "unknown"  # "identically zero (unused sensors)": no signal, so no kind can be told
    return out


def test_shoulder_c3d(shared_data):
    pytest.importorskip("ezc3d")
    rec = emgkit.read(shared_data / "pyomeca_shoulder" / "markers_analogs.c3d", emg_only=False)
    assert rec.n_channels == 38
    check(kinds(rec), _shoulder_expected(rec.channel_names, SHOULDER_EMG))


def test_shoulder_csv(shared_data):
    """The CSV export has sensor names only (EMG1 ... IM EMG16): same kinds, matched by sensor number."""
    rec = emgkit.read(shared_data / "pyomeca_shoulder" / "analogs.csv", emg_only=False)
    sensors = {n.split(".")[-1] for n in SHOULDER_EMG}  # EMG1 ... EMG11, IM EMG12, IM EMG13
    emg_names = {n for n in rec.channel_names if n.split(".")[-1] in sensors}
    assert len(emg_names) == 13
    check(kinds(rec), _shoulder_expected(rec.channel_names, emg_names))


# -- uci_lower_limb: 4 EMG (mV) and a knee goniometer (deg) ---------------------------------------------------
LOWER_LIMB = ["1Amar", "1Nmar", "2Apie", "2Npie", "3Asen", "3Nsen"]


def _with_angle(path):
    from emgkit.datasets.readers import aux_signal, read_uci_lower_limb

    rec = read_uci_lower_limb(path)
    angle = aux_signal(rec, "knee_angle")
    data = np.vstack([rec.data, angle[np.newaxis]])
    return emgkit.Recording(data, rec.fs, [*rec.channels, "FX"], unit="mV"), [rec.unit] * rec.n_channels + ["deg"]


@pytest.mark.parametrize("stem", LOWER_LIMB)
def test_lower_limb(shared_data, stem):
    """SOURCE.md: RF, BF, VM, ST are EMG in mV; FX is the knee flexion angle in degrees (goniometer)."""
    rec, units = _with_angle(shared_data / "uci_lower_limb" / f"{stem}.txt")
    expected = {n: "emg" for n in rec.channel_names[:-1]} | {"FX": "angle"}
    check(kinds(rec, units=units), expected)
    # the same file with no unit to tell: the goniometer (50 Hz up-sampled, smooth) is still not EMG by content
    blind = emgkit.Recording(rec.data, rec.fs, [*rec.channel_names[:-1], "CH5"], unit="mV")
    check(kinds(blind), {n: "emg" for n in rec.channel_names[:-1]} | {"CH5": NOT_EMG})


# -- uci_physical_action: 8 EMG channels in every file, some clipped for up to 75 % of samples ------------------
def test_physical_action(shared_data):
    """SOURCE.md: 8 EMG channels in all 40 files; clipping (Running R-Thi 75 %) does not make a channel non-EMG."""
    from emgkit.datasets.readers import read_uci_physical_action

    files = sorted((shared_data / "uci_physical_action").glob("sub0*/*/txt/*.txt"))
    assert len(files) == 40
    wrong = {}
    for path in files:
        found = kinds(read_uci_physical_action(path))
        bad = {n: k for n, k in found.items() if k != "emg"}
        if bad:
            wrong[f"{path.parent.parent.parent.name}/{path.stem}"] = bad
    assert not wrong, wrong

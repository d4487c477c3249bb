"""Muscle names as vendors and labs write them (Delsys, Noraxon, Vicon Plug-in Gait, CamelCase), and `info`'s hints."""

import numpy as np
import pytest

import emgkit
from emgkit.channels import parse_channel_name
from emgkit.cli import main

# label -> (muscle, side): each written from the vendor's or SENIAM's meaning of the abbreviation
CASES = {
    "Deltoid_emg": ("deltoid", None),
    "LDELT": ("deltoid", "L"),
    "R_Deltoideus_medius": ("deltoid_medial", "R"),
    "EMG 1: Biceps Brachii (R)": ("biceps_brachii", "R"),      # Delsys Trigno export
    "L BICEPS BRACHII: EMG 1": ("biceps_brachii", "L"),
    "RT TIB.ANT.": ("tibialis_anterior", "R"),                 # Noraxon MR3
    "RT BICEPS FEM.": ("biceps_femoris", "R"),
    "LT GLUT MED": ("gluteus_medius", "L"),
    "RT LAT. GASTRO": ("gastrocnemius_lateralis", "R"),
    "LT MED. GASTRO": ("gastrocnemius_medialis", "L"),
    "RT LOWER TRAP": ("trapezius_lower", "R"),
    "LT SEMITEND.": ("semitendinosus", "L"),
    "R Vast. Lat.": ("vastus_lateralis", "R"),
    "LTA": ("tibialis_anterior", "L"),                         # Vicon Plug-in Gait
    "RGAS": ("gastrocnemius", "R"),
    "LMH": ("hamstrings", "L"),
    "RLH": ("biceps_femoris", "R"),
    "RTibAnt": ("tibialis_anterior", "R"),                     # CamelCase
    "LGastroc": ("gastrocnemius", "L"),
    "BicepsBrachii_R": ("biceps_brachii", "R"),
    "R Internal Oblique": ("internal_oblique", "R"),
    "L Peroneus Brevis": ("peroneus_brevis", "L"),
    "LREC": ("rectus_femoris", "L"),                           # all capitals stay one word
    "EMG12": (None, None),
}


@pytest.mark.parametrize("label, expected", list(CASES.items()))
def test_vendor_labels(label, expected):
    assert parse_channel_name(label) == expected


def test_info_lists_unrecognised_names_with_the_closest_muscle(tmp_path, rng, capsys):
    path = tmp_path / "x.csv"
    np.savetxt(path, rng.standard_normal((2000, 2)) * 1e-4, delimiter=",", header="L Bicepz,R Bicepz", comments="")
    assert main(["info", str(path), "--fs", "1000"]) == 0
    out = capsys.readouterr().out
    assert "muscle names not recognised" in out
    assert "L Bicepz: closest known: biceps_brachii" in out


def test_info_is_quiet_when_every_muscle_is_known(capsys):
    assert main(["info", "sample:curls"]) == 0
    assert "not recognised" not in capsys.readouterr().out
    assert emgkit.datasets.load("curls").channels[0].muscle == "biceps_brachii"

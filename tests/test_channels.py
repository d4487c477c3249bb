import pytest

from emgkit.channels import Channel, add_synonyms, known_muscles, load_catalogue, parse_channel_name
from emgkit.errors import FileFormatError, InvalidInputError


@pytest.mark.parametrize(
    "label, muscle, side",
    [
        ("L Biceps", "biceps_brachii", "L"),
        ("R_BIC", "biceps_brachii", "R"),
        ("Left biceps brachii", "biceps_brachii", "L"),
        ("RF right", "rectus_femoris", "R"),
        ("R-Tri", "triceps_brachii", "R"),
        ("L Hamstring", "hamstrings", "L"),
        ("TA_L", "tibialis_anterior", "L"),
        # labels from the real files in ../shared/data
        ("R-Thi", "quadriceps", "R"),
        ("L-Ham", "hamstrings", "L"),
        ("LREC", "rectus_femoris", "L"),
        ("RTTI", "tibialis_anterior", "R"),
        ("R_ST", "semitendinosus", "R"),
        ("Right Biceps Femoris Caput Longu", "biceps_femoris", "R"),
        ("Left Tibialis Anterior", "tibialis_anterior", "L"),
        ("Delt_ant.EMG1", "deltoid_anterior", None),
        ("Pec.IM EMG12", "pectoralis_major", None),
        ("Recto Femoral", "rectus_femoris", None),
        ("EMG Semitendinoso", "semitendinosus", None),
        ("VM", "vastus_medialis", None),
    ],
)
def test_parse_known_labels(label, muscle, side):
    assert parse_channel_name(label) == (muscle, side)


@pytest.mark.parametrize("label", ["Voltage.1", "Sensor 12.EMG12", "Flexo-Extension", "Fx1", "xyz"])
def test_unparseable_labels_keep_muscle_none(label):
    muscle, _ = parse_channel_name(label)
    assert muscle is None
    assert Channel(label).muscle is None  # not an error


def test_channel_explicit_values_win_and_are_canonicalised():
    ch = Channel("EMG 3", muscle="Biceps", side="left")
    assert (ch.muscle, ch.side) == ("biceps_brachii", "L")
    assert Channel("L Biceps", side="R").side == "R"
    assert Channel("x", muscle="My Custom Muscle").muscle == "my_custom_muscle"
    assert Channel("L Biceps").region == "upper_arm"


def test_channel_rejects_bad_side_and_name():
    with pytest.raises(InvalidInputError, match="side must be 'L', 'R' or None"):
        Channel("x", side="middle")
    with pytest.raises(InvalidInputError, match="non-empty string"):
        Channel("  ")


def test_catalogue_is_extensible(tmp_path):
    add_synonyms({"bizeps": "biceps_brachii"})
    assert parse_channel_name("Bizeps links") == ("biceps_brachii", "L")
    toml = tmp_path / "extra.toml"
    toml.write_text('[muscles.flexor_hallucis_longus]\nsynonyms = ["fhl"]\nregion = "shank_back"\n')
    load_catalogue(toml)
    assert parse_channel_name("FHL_R") == ("flexor_hallucis_longus", "R")
    assert "flexor_hallucis_longus" in known_muscles()


def test_bad_catalogue_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[muscles.x\n")
    with pytest.raises(FileFormatError, match="not valid TOML"):
        load_catalogue(bad)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_catalogue(tmp_path / "missing.toml")

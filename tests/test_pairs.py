"""Pairing channels: bilateral, agonist/antagonist from the catalogue, explicit overrides, reasons."""

import pytest

from emgkit.channels import Channel
from emgkit.errors import FileFormatError, InvalidInputError
from emgkit.pairs import PairCatalogue, find_pairs

UCI_ACTION = ["R-Bic", "R-Tri", "L-Bic", "L-Tri", "R-Thi", "R-Ham", "L-Thi", "L-Ham"]


def test_uci_physical_action_layout():
    p = find_pairs(UCI_ACTION)
    assert {(b.muscle, b.left, b.right) for b in p.bilateral} == {
        ("biceps_brachii", "L-Bic", "R-Bic"), ("triceps_brachii", "L-Tri", "R-Tri"),
        ("quadriceps", "L-Thi", "R-Thi"), ("hamstrings", "L-Ham", "R-Ham"),
    }
    assert {(m.side, m.agonist, m.antagonist, m.joint) for m in p.agonist_antagonist} == {
        ("R", "R-Bic", "R-Tri", "elbow"), ("L", "L-Bic", "L-Tri", "elbow"),
        ("R", "R-Thi", "R-Ham", "knee"), ("L", "L-Thi", "L-Ham", "knee"),
    }
    assert p.unpaired == ()


def test_knee_group_pairs_every_agonist_with_every_antagonist():
    p = find_pairs(["RF", "BF", "VM", "ST"])
    assert {(m.agonist, m.antagonist) for m in p.agonist_antagonist} == {("RF", "BF"), ("RF", "ST"), ("VM", "BF"), ("VM", "ST")}
    assert all(m.side is None for m in p.agonist_antagonist)
    assert {u.channel for u in p.unpaired if u.kind == "bilateral"} == {"RF", "BF", "VM", "ST"}
    assert all("no side" in u.reason for u in p.unpaired)


def test_reasons_for_unpaired():
    p = find_pairs(["L Biceps", "R Biceps", "L Triceps", "Voltage.1", "L Deltoid Medial", "R Biceps 2"])
    reasons = {(u.channel, u.kind): u.reason for u in p.unpaired}
    assert "no right-side channel of triceps_brachii" in reasons[("L Triceps", "bilateral")]
    assert "muscle not recognised" in reasons[("Voltage.1", "bilateral")]
    assert "has no antagonist in the pair catalogue" in reasons[("L Deltoid Medial", "agonist_antagonist")]
    assert "give the pair explicitly" in reasons[("R Biceps", "bilateral")]  # two right biceps
    assert "no opposing muscle recorded on side R" in reasons[("R Biceps", "agonist_antagonist")]
    frame = p.to_frame()
    assert set(frame["status"]) == {"paired", "unpaired"}


def test_explicit_pairs_override_and_order():
    chans = [Channel("A", muscle="biceps_brachii", side="R"), Channel("B", muscle="biceps_brachii", side="L"),
             Channel("C", muscle="triceps_brachii", side="L")]
    p = find_pairs(chans, bilateral=[("A", "B")], agonist_antagonist=[("C", "B")], auto=False)
    assert [(b.left, b.right, b.source) for b in p.bilateral] == [("B", "A", "explicit")]  # left/right order fixed
    assert [(m.agonist, m.antagonist, m.side) for m in p.agonist_antagonist] == [("C", "B", "L")]
    with pytest.raises(InvalidInputError, match="Did you mean 'A'"):
        find_pairs(chans, bilateral=[("a", "B")])
    with pytest.raises(InvalidInputError, match="crosses sides"):
        find_pairs(chans, agonist_antagonist=[("A", "C")])
    with pytest.raises(InvalidInputError, match="with itself"):
        find_pairs(chans, bilateral=[("A", "A")])


def test_exclude():
    p = find_pairs(["L Biceps", "R Biceps", "Trigger"], exclude=["Trigger"])
    assert [u.kind for u in p.unpaired if u.channel == "Trigger"] == ["excluded"]


def test_user_catalogue(tmp_path):
    path = tmp_path / "pairs.toml"
    path.write_text('[[pairs]]\nname = "lateral"\njoint = "shoulder"\naction = "abduction"\n'
                    'agonists = ["deltoid_medial"]\nantagonists = ["latissimus_dorsi"]\n', encoding="utf-8")
    cat = PairCatalogue.from_toml(path)
    assert "lateral" in [r.name for r in cat.rules] and "elbow" in [r.name for r in cat.rules]
    p = find_pairs(["L Deltoid Medial", "L Latissimus"], catalogue=cat)
    assert [(m.agonist, m.action) for m in p.agonist_antagonist] == [("L Deltoid Medial", "abduction")]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[pairs]]\nname = "x"\njoint = "j"\naction = "a"\nagonists = ["bicep_brachii"]\nantagonists = ["triceps_brachii"]\n')
    with pytest.raises(FileFormatError, match="did you mean 'biceps_brachii'"):
        PairCatalogue.from_toml(bad)
    with pytest.raises(FileNotFoundError):
        PairCatalogue.from_toml(tmp_path / "missing.toml")


def test_builtin_catalogue_covers_the_issue():
    cat = PairCatalogue.default()
    joints = {r.joint for r in cat.rules}
    assert {"elbow", "knee", "ankle", "hip", "trunk", "shoulder girdle", "shoulder", "wrist"} <= joints
    assert cat.rules_between("tibialis_anterior", "soleus")[0].action == "dorsiflexion"

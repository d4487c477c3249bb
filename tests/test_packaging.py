"""The built wheel installs emgkit.kernels and emgkit.datasets, and nothing else at the top level."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    if not (REPO / "pyproject.toml").exists():
        pytest.skip("not running from a source tree")
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", "test-output", ".hypothesis")
    shutil.copytree(REPO, src / "emgkit", symlinks=True, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src / "emgkit")],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("emgkit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        entry = next(n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt"))
        return zf.namelist(), zf.read(entry).decode()


@pytest.mark.slow
def test_wheel_top_level_is_only_emgkit(wheel_names):
    wheel_names, _ = wheel_names
    tops = {n.split("/")[0] for n in wheel_names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"emgkit"}, f"unexpected top-level entries in the wheel: {tops - {'emgkit'}}"


@pytest.mark.slow
def test_wheel_contains_subpackages_and_data(wheel_names):
    names = set(wheel_names[0])
    source_packages = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "emgkit").glob("*/__init__.py")}
    for pkg in source_packages:  # every subpackage of the source tree ships (e.g. a new emgkit/xyz/)
        assert f"{pkg}/__init__.py" in names, f"{pkg} is missing from the wheel: add it to [tool.setuptools] packages"
    for required in (
        "emgkit/__init__.py",
        "emgkit/kernels/__init__.py",
        "emgkit/kernels/envelope.py",
        "emgkit/datasets/__init__.py",
        "emgkit/data/muscles.toml",
        "emgkit/data/bodymap.toml",
        "emgkit/data/pairs.toml",
        "emgkit/activation/__init__.py",
        "emgkit/figures/__init__.py",
        "emgkit/formats/__init__.py",
    ):
        assert required in names, f"{required} missing from the wheel"
    assert any(n.startswith("emgkit/datasets/samples/") and n.endswith(".h5") for n in names), "no sample recordings"


@pytest.mark.slow
def test_console_script_declared(wheel_names):
    _, entry_points = wheel_names
    assert "emgkit = emgkit.cli:main" in entry_points

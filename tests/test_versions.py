"""emgkit.show_versions, emgkit._versions.versions, ``emgkit show-versions`` and the ``emgkit --help`` epilog."""

import io
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import emgkit
from emgkit import _versions
from emgkit.cli import main

PACKAGES = ("numpy", "scipy", "numba", "h5py", "plotly", "pandas")
OPTIONAL = ("ezc3d", "pyedflib", "distributed", "mne")


def test_versions_dict_names_everything_in_order():
    v = _versions.versions()
    assert list(v) == ["emgkit", "python", "platform", *PACKAGES, *OPTIONAL]
    assert v["emgkit"] == emgkit.__version__
    assert v["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert v["numpy"] == metadata.version("numpy")
    assert all(isinstance(x, str) and x for x in v.values())
    assert json.loads(json.dumps(v)) == v  # what info.json records


def test_absent_package_is_not_installed(monkeypatch):
    monkeypatch.setattr(_versions, "OPTIONAL", {"nosuchpkg": ("emgkit-no-such-distribution", "emgkit_no_such_module")})
    v = _versions.versions()
    assert v["nosuchpkg"] == "not installed"


def test_version_without_metadata_comes_from_the_module(monkeypatch):
    """A package importable without distribution metadata (e.g. copied in) reports its ``__version__``."""
    monkeypatch.setattr(_versions, "OPTIONAL", {"json": ("emgkit-no-such-distribution", "json")})
    assert _versions.versions()["json"] == __import__("json").__version__


def test_show_versions_prints_every_package():
    buf = io.StringIO()
    emgkit.show_versions(file=buf)
    lines = buf.getvalue().splitlines()
    names = [line.split()[0] for line in lines]
    assert names == ["emgkit", "python", "platform", *PACKAGES, *OPTIONAL]
    found = _versions.versions()
    for line in lines:
        key, value = line.split(None, 1)
        assert value == found[key]


def test_show_versions_json():
    buf = io.StringIO()
    emgkit.show_versions(as_json=True, file=buf)
    assert json.loads(buf.getvalue()) == _versions.versions()


def test_cli_show_versions(capsys):
    assert main(["show-versions"]) == 0
    out = capsys.readouterr().out
    for name in ("emgkit", "python", "platform", *PACKAGES, *OPTIONAL):
        assert any(line.split()[0] == name for line in out.splitlines()), name
    assert main(["show-versions", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["emgkit"] == emgkit.__version__


def test_cli_show_versions_process_exits_0():
    done = subprocess.run([sys.executable, "-m", "emgkit.cli", "show-versions"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("emgkit")
    assert "numba" in done.stdout and "numba" not in done.stderr


def _help(env=None):
    done = subprocess.run([sys.executable, "-m", "emgkit.cli", "--help"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_epilog_names_docs_and_show_versions():
    env = {k: v for k, v in os.environ.items() if k != _versions.DOCS_URL_VARIABLE}
    done = subprocess.run([sys.executable, "-m", "emgkit.cli", "--help"], capture_output=True, text=True, timeout=120, env=env)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert _versions.DOCS_URL in out
    assert "EMGKIT_DOCS_URL" in out
    assert "emgkit show-versions" in out
    lines = out.splitlines()
    offline = next(i for i, line in enumerate(lines) if line.startswith("offline:"))
    folder = Path(lines[offline + 1].strip())  # the folder of the process that printed the help
    assert (folder / "channels.md").is_file(), f"the epilog names no folder of Markdown pages: {lines[offline:offline + 2]}"
    assert _versions.docs_dir() is not None


def test_docs_url_is_configurable(monkeypatch):
    monkeypatch.setenv("EMGKIT_DOCS_URL", "https://docs.example.org/emgkit/")
    assert _versions.docs_url() == "https://docs.example.org/emgkit/"
    assert "https://docs.example.org/emgkit/" in _help({"EMGKIT_DOCS_URL": "https://docs.example.org/emgkit/"})
    monkeypatch.setenv("EMGKIT_DOCS_URL", "  ")
    assert _versions.docs_url() == _versions.DOCS_URL


@pytest.mark.parametrize("statement", ["import emgkit._versions; emgkit._versions.versions()",
                                       "import emgkit.cli; emgkit.cli.build_parser().format_help()"])
def test_versions_and_help_load_nothing_heavy(statement):
    code = (f"import sys; {statement}; "
            "print(','.join(m for m in ('numba', 'h5py', 'plotly', 'pandas', 'scipy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"loaded {out}"

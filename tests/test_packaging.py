"""Packaging: the built wheel (only emgkit at the top level, its data, LICENSE, py.typed, the docs), its metadata,
a build without licence deprecation warnings, CITATION.cff, the changelog and the type hints of the public API."""

import ast
import datetime
import inspect
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import emgkit

REPO = Path(__file__).resolve().parents[1]
SOURCE_TREE = (REPO / "pyproject.toml").exists()
needs_source = pytest.mark.skipif(not SOURCE_TREE, reason="not running from a source tree")

# Exported names whose signatures have no type hints yet (empty: every exported function is annotated).
PENDING_HINTS: set[str] = set()

_BUILD = """
import sys
from setuptools import build_meta
print(build_meta.build_wheel(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from a copy of the source tree by setuptools' backend, as pip would, warnings shown."""
    if not SOURCE_TREE:
        pytest.skip("not running from a source tree")
    import setuptools

    have = tuple(int(p) for p in setuptools.__version__.split(".")[:2])
    assert have >= (77, 0), f"setuptools {setuptools.__version__} cannot build PEP 639 metadata: pip install -e '.[test]'"
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", "test-output", ".hypothesis",
                                    ".mypy_cache", ".pytest_cache", "emgkit-demo")
    shutil.copytree(REPO, src / "emgkit", symlinks=True, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-W", "default", "-c", _BUILD, str(out)], cwd=src / "emgkit",
                          capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "default"})
    assert done.returncode == 0, f"wheel build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    (path,) = out.glob("emgkit-*.whl")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        info = next(n.rsplit("/", 1)[0] for n in names if n.endswith(".dist-info/METADATA"))
        return {
            "names": names,
            "entry_points": zf.read(f"{info}/entry_points.txt").decode(),
            "metadata": zf.read(f"{info}/METADATA").decode(),
            "dist_info": info,
            "log": done.stderr,
        }


@pytest.fixture(scope="module")
def wheel_names(wheel):
    return wheel["names"], wheel["entry_points"]


@pytest.mark.slow
def test_wheel_top_level_is_only_emgkit(wheel_names):
    wheel_names, _ = wheel_names
    tops = {n.split("/")[0] for n in wheel_names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"emgkit"}, f"unexpected top-level entries in the wheel: {tops - {'emgkit'}}"


@pytest.mark.slow
def test_wheel_contains_subpackages_and_data(wheel_names):
    names = set(wheel_names[0])
    source_packages = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "emgkit").rglob("__init__.py")}
    for pkg in source_packages:  # every subpackage of the source tree ships (e.g. a new emgkit/xyz/ or emgkit/xyz/abc/)
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


@pytest.mark.slow
def test_wheel_ships_license_py_typed_and_docs(wheel):
    names = set(wheel["names"])
    assert f"{wheel['dist_info']}/licenses/LICENSE" in names, "LICENSE missing from the wheel (license-files)"
    assert "emgkit/py.typed" in names, "py.typed missing: type checkers would ignore emgkit's hints"
    pages = sorted(p.name for p in (REPO / "docs").glob("*.md"))
    assert pages, "no docs/*.md in the source tree"
    missing = [p for p in pages if f"emgkit/docs/{p}" not in names]
    assert not missing, f"docs pages missing from the wheel (package data of emgkit.docs): {missing}"


@pytest.mark.slow
def test_wheel_metadata(wheel):
    meta = wheel["metadata"]
    lines = set(meta.splitlines())
    assert "License-Expression: BSD-3-Clause" in lines
    assert "License-File: LICENSE" in lines
    for label in ("Homepage", "Documentation", "Source", "Changelog"):
        assert any(line.startswith(f"Project-URL: {label}, https://") for line in lines), f"Project-URL {label} missing"
    for version in ("3.11", "3.12", "3.13"):
        assert f"Classifier: Programming Language :: Python :: {version}" in lines
    assert not any(line.startswith("Classifier: License ::") for line in lines), "PEP 639: no licence classifiers"


@pytest.mark.slow
def test_build_emits_no_license_deprecation_warning(wheel):
    log = wheel["log"]
    warned = [line for line in log.splitlines() if "license" in line.lower() and ("deprecat" in line.lower() or "warning" in line.lower())]
    assert not warned, "the build warns about the licence metadata:\n" + "\n".join(warned)
    assert "SetuptoolsDeprecationWarning" not in log, log[-3000:]


# -- metadata files, checked on the source tree ----------------------------------------------------------------
@pytest.fixture(scope="module")
def pyproject():
    if not SOURCE_TREE:
        pytest.skip("not running from a source tree")
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


@needs_source
def test_license_file_and_spdx_expression(pyproject):
    project = pyproject["project"]
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License") and "emgkit developers" in text
    requires = " ".join(pyproject["build-system"]["requires"])
    assert "setuptools>=77" in requires, "PEP 639 license metadata needs setuptools>=77"


@needs_source
def test_docs_url_matches_project_urls(pyproject):
    from emgkit._versions import DOCS_URL

    assert pyproject["project"]["urls"]["Documentation"] == DOCS_URL


@needs_source
def test_citation_cff():
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors", "version", "license", "repository-code", "date-released"):
        assert doc.get(key), f"CITATION.cff lacks {key}"
    assert doc["cff-version"] == "1.2.0"
    assert doc["version"] == emgkit.__version__, "CITATION.cff's version differs from emgkit/_version.py"
    assert doc["license"] == "BSD-3-Clause"
    assert doc["authors"] == [{"name": "emgkit developers"}]
    assert doc["repository-code"].startswith("https://")
    released = doc["date-released"]
    assert isinstance(released, datetime.date) or datetime.date.fromisoformat(released)


@needs_source
def test_changelog_keeps_a_changelog():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog")
    assert "keepachangelog.com" in text
    assert "\n## [Unreleased]\n" in text
    assert "\n### Added\n" in text


# -- type hints -----------------------------------------------------------------------------------------------
def test_type_checkers_see_every_export():
    """emgkit/__init__.py's ``if TYPE_CHECKING`` imports name exactly the lazy exports, each from its module."""
    tree = ast.parse(Path(emgkit.__file__).read_text(encoding="utf-8"))
    seen = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom), ast.dump(imp)
                for alias in imp.names:
                    seen[alias.asname or alias.name] = "." * imp.level + (imp.module or "")
    assert seen == emgkit._EXPORTS, "update the TYPE_CHECKING imports in emgkit/__init__.py to match _EXPORTS"


def test_public_signatures_have_type_hints():
    missing = []
    for name in sorted(emgkit._EXPORTS):
        obj = getattr(emgkit, name)
        if name in PENDING_HINTS or inspect.isclass(obj):
            continue
        sig = inspect.signature(obj)
        bare = [p for p in sig.parameters if sig.parameters[p].annotation is inspect.Parameter.empty]
        if bare or sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{name}{sig}")
    for meth in ("__init__", "replace", "index", "select", "crop", "quality"):
        sig = inspect.signature(getattr(emgkit.Recording, meth))
        bare = [p for p in list(sig.parameters)[1:] if sig.parameters[p].annotation is inspect.Parameter.empty]
        if bare or sig.return_annotation is inspect.Signature.empty:
            missing.append(f"Recording.{meth}{sig}")
    assert not missing, "public functions without type hints:\n" + "\n".join(missing)


def test_pending_hints_are_still_missing():
    """A name leaves PENDING_HINTS once its signature is annotated (then the test above keeps it so)."""
    done = []
    for name in sorted(PENDING_HINTS):
        sig = inspect.signature(getattr(emgkit, name))
        if sig.return_annotation is not inspect.Signature.empty and all(
                p.annotation is not inspect.Parameter.empty for p in sig.parameters.values()):
            done.append(name)
    assert not done, f"annotated now: remove {done} from PENDING_HINTS in {__file__}"

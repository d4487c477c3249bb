"""Layering rules of docs/architecture.md, checked on the source.

Data flows one way: file -> Recording -> preprocess -> envelopes/activations ->
analysis tables -> figures/report/results -> command line.  A module may import
modules of its own rank or below, never above (at module level or inside a
function).  ``import emgkit`` loads none of the heavy dependencies.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import emgkit

ROOT = Path(emgkit.__file__).resolve().parent

# rank of every module; a new module must be placed here
RANKS = {
    "emgkit.kernels": 0,
    "emgkit._version": 0,
    "emgkit._lazy": 0,
    "emgkit._notes": 0,
    "emgkit.errors": 0,
    "emgkit._checks": 1,
    "emgkit._chunks": 1,
    "emgkit.channels": 1,
    "emgkit.config": 1,
    "emgkit.citations": 1,
    "emgkit.recording": 2,
    "emgkit.pairs": 2,
    "emgkit.quality": 2,
    "emgkit.quality_stream": 2,
    "emgkit._signal": 2,
    "emgkit.io": 3,
    "emgkit.hdf5_native": 3,
    "emgkit.hdf5_foreign": 3,
    "emgkit.tables": 3,
    "emgkit.formats": 3,
    "emgkit.datasets": 4,
    "emgkit.datasets.readers": 3,
    "emgkit.preprocess": 5,
    "emgkit.envelope": 6,
    "emgkit.activation": 7,
    "emgkit.activation.cli": 13,
    "emgkit.batch": 13,
    "emgkit.symmetry": 8,
    "emgkit.cocontraction": 8,
    "emgkit.fatigue": 8,
    "emgkit.cycles": 8,
    "emgkit._findings": 8,
    "emgkit.analysis": 9,
    "emgkit.decimate": 9,
    "emgkit.analysis_stream": 10,
    "emgkit.analysis_cli": 13,
    "emgkit.figures": 11,
    "emgkit.report_html": 12,
    "emgkit.convert": 12,
    "emgkit.cli": 99,
    "emgkit": 99,  # the package's lazy __init__
}


def _rank(module):
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in RANKS and (n > 1 or module == "emgkit"):
            return key, RANKS[key]
    return module, None


def _modules():
    for base, pkg in ((ROOT, "emgkit"), (ROOT / "kernels", "emgkit.kernels"), (ROOT / "datasets", "emgkit.datasets")):
        for path in sorted(base.rglob("*.py") if pkg != "emgkit" else base.glob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            yield ".".join([pkg, *parts]), path
    for sub in sorted(p for p in ROOT.iterdir() if p.is_dir() and not p.is_symlink() and (p / "__init__.py").exists()):
        for path in sorted(sub.rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            yield ".".join(["emgkit", *[p for p in rel.parts if p != "__init__"]]), path


def _imports(module, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    package = module if is_pkg else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names] if not node.module else [target]
            for name in names:
                yield name, node.lineno


def test_every_module_has_a_rank():
    missing = sorted({m for m, _ in _modules() if _rank(m)[1] is None})
    assert not missing, f"add these modules to RANKS in {__file__} and to docs/architecture.md: {missing}"


def test_layers_import_only_downwards():
    bad = []
    for module, path in _modules():
        _, own = _rank(module)
        for target, line in _imports(module, path):
            if not target.startswith("emgkit"):
                continue
            key, rank = _rank(target)
            if rank is not None and own is not None and rank > own and key != "emgkit":
                bad.append(f"{path.name}:{line} {module} (rank {own}) imports {key} (rank {rank})")
            if key == "emgkit" and module not in ("emgkit", "emgkit.cli") and target == "emgkit":
                bad.append(f"{path.name}:{line} {module} imports the top-level package; import the module instead")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_kernels_import_only_errors_from_emgkit():
    for module, path in _modules():
        if module.startswith("emgkit.kernels"):
            for target, line in _imports(module, path):
                allowed = not target.startswith("emgkit") or target.startswith(("emgkit.kernels", "emgkit.errors"))
                assert allowed, f"{path}:{line}: kernels may import only emgkit.errors from emgkit ({target})"


@pytest.mark.parametrize("statement", ["import emgkit", "import emgkit.cli"])
def test_import_is_light(statement):
    code = (
        f"import sys; {statement}; "
        "heavy = [m for m in ('numba', 'h5py', 'plotly', 'pandas', 'scipy', 'emgkit.kernels') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"'{statement}' imported heavy modules: {out}"


def test_public_names_resolve():
    for name in emgkit.__all__:
        assert getattr(emgkit, name) is not None, name

"""The documentation: every public name has an API entry, every relative link in the pages leads to a file.

The site itself is built by ``mkdocs build --strict`` in ``.ci/run`` (which also checks anchors); these tests
catch the two commonest breakages quickly, without MkDocs installed.
"""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import emgkit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API = DOCS / "api"
DIRECTIVE = re.compile(r"^::: ([\w.]+)\s*$", re.M)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")

if not API.is_dir():
    pytest.skip("not running from a source tree (docs/api is not here)", allow_module_level=True)


def public_modules():
    """emgkit's public submodules: those it exposes as attributes, and the figure modules."""
    import emgkit.figures

    names = sorted(emgkit._SUBMODULES - {"figures"})
    names += [f"figures.{m.name}" for m in pkgutil.iter_modules(emgkit.figures.__path__) if not m.name.startswith("_")]
    return ["emgkit." + n for n in names]


def public_objects():
    """``(listed name, object)`` of every public function and class (constants are left out)."""
    out = [(f"emgkit.{n}", getattr(emgkit, n)) for n in emgkit.__all__ if n != "__version__"]
    for mod_name in public_modules():
        mod = importlib.import_module(mod_name)
        out += [(f"{mod_name}.{n}", getattr(mod, n)) for n in getattr(mod, "__all__", [])]
    return [(name, obj) for name, obj in out if callable(obj)]


def documented():
    """``id`` of every object an API page has a ``::: path`` entry for."""
    ids = set()
    for page in API.glob("*.md"):
        for path in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            module, _, attr = path.rpartition(".")
            try:
                obj = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                obj = importlib.import_module(path)  # a module entry (raises if the path is wrong)
            ids.add(id(obj))
    return ids


def test_every_api_entry_names_a_real_object():
    """A ``::: path`` line that names nothing fails here before it fails the site build."""
    assert documented()


def test_every_public_function_has_an_api_entry():
    seen = documented()
    missing = sorted({name for name, obj in public_objects() if id(obj) not in seen})
    assert not missing, ("public names without an entry in docs/api/*.md (add '::: module.name' to the module's page):\n"
                         + "\n".join(missing))


def test_api_check_fails_on_a_missing_entry(tmp_path, monkeypatch):
    """The check above can fail: with the symmetry page gone, its functions are reported."""
    for page in API.glob("*.md"):
        if page.name != "symmetry.md":
            (tmp_path / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "API", tmp_path)
    seen = documented()
    missing = {name for name, obj in public_objects() if id(obj) not in seen}
    assert {"emgkit.symmetry_index", "emgkit.symmetry.symmetry_angle"} <= missing


def links(text):
    """Link targets of a Markdown text, outside code blocks and code spans."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [a or b for a, b in LINK.findall(text)]


def broken_links(page: Path):
    """Relative links of ``page`` whose file does not exist (web addresses and in-page anchors are skipped)."""
    bad = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if path.startswith("img/"):  # written by the examples hook while the site builds
            continue
        if not (page.parent / path).exists():
            bad.append(target)
    return bad


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")) + [ROOT / "README.md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_links_lead_to_files(page):
    bad = broken_links(page)
    assert not bad, f"{page.relative_to(ROOT)} links to missing files: {bad}"


def test_link_check_fails_on_a_missing_file(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("See [the science](science.md#fatigue), [site](https://example.org), `[x](nope.md)`.\n"
                    "And [gone](no-such-page.md).\n", encoding="utf-8")
    (tmp_path / "science.md").write_text("# Science\n", encoding="utf-8")
    assert broken_links(page) == ["no-such-page.md"]


def test_cli_reference_covers_every_command():
    """The generated command-line page has a section for every subcommand of ``emgkit``."""
    import argparse
    import sys

    sys.path.insert(0, str(ROOT / "tools" / "docs"))
    try:
        from cli_reference import cli_reference
    finally:
        sys.path.pop(0)
    from emgkit.cli import build_parser

    text = cli_reference()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = [name for name in sub.choices if f"## `emgkit {name}`" not in text]
    assert not missing
    assert "| `--out DIR` |" in text


def test_examples_hook_skips_with_a_reason_and_fails_on_errors(tmp_path):
    """An example that exits with 'skipped: ...' becomes a note on its page; any other failure stops the build."""
    pytest.importorskip("mkdocs")
    import sys

    sys.path.insert(0, str(ROOT / "tools" / "docs"))
    try:
        import examples
    finally:
        sys.path.pop(0)
    from mkdocs.exceptions import PluginError

    skip = tmp_path / "skip.py"
    skip.write_text("import sys\nsys.exit('skipped: no data here')\n", encoding="utf-8")
    assert examples._run(skip, tmp_path)[0] == "no data here"
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    with pytest.raises(PluginError, match="boom"):
        examples._run(broken, tmp_path)
    examples._results["skip"] = {"skipped": "no data here", "printed": "", "images": [], "report": None}
    page = examples.on_page_markdown("# Skip\n\n<!-- emgkit-example skip -->\n", None, None, None)
    assert "Not run when this site was built" in page and "no data here" in page
    examples._results.clear()

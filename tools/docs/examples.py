"""MkDocs hook: run the worked examples while the site builds and put their figures on the pages.

Each ``docs/examples/NAME.py`` is run as ``python NAME.py OUT_DIR`` in a fresh process.  Every ``*.html``
figure it writes to ``OUT_DIR`` (not ``report.html``) is drawn in headless Chromium (Playwright, Debian's
``chromium``) and saved as a PNG; ``report.html`` is published beside the page.  ``docs/examples/NAME.md``
holds the marker ``<!-- emgkit-example NAME -->``, replaced by the images (or by the reason the example was
skipped: a script that cannot run here, e.g. without its data, exits with a message starting
``skipped:``).  Any other failure stops the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
TIMEOUT_S = 600
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]
DRAWN_JS = "d => !!(d._fullLayout && d.querySelector('.main-svg'))"

_results: dict[str, dict] = {}


def _run(script: Path, out: Path) -> tuple[str | None, str]:
    """Run one example; ``(skip reason or None, its printed output)``."""
    env = dict(os.environ, PYTHONWARNINGS="ignore", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=TIMEOUT_S,
                          cwd=ROOT, env=env)
    message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    if proc.returncode != 0:
        if message.startswith("skipped:"):
            return message[len("skipped:"):].strip(), proc.stdout
        raise PluginError(f"docs example {script.name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return None, proc.stdout


def _screenshots(pages: list[Path]) -> dict[Path, bytes]:
    """PNG of the plotly figure in each HTML file, drawn in headless Chromium."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise PluginError("the worked examples need Debian's chromium to draw their figures (apt-get install chromium)")
    shots = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        for html in pages:
            page.goto(html.as_uri())
            page.wait_for_function(f"() => [...document.querySelectorAll('.plotly-graph-div')].every({DRAWN_JS})",
                                   timeout=60_000)
            shots[html] = page.locator(".plotly-graph-div").first.screenshot()
        browser.close()
    return shots


def on_files(files, config):
    """Run every example, add its PNGs (and report) to the site's files."""
    _results.clear()
    for script in sorted(EXAMPLES.glob("*.py")):
        name = script.stem
        with tempfile.TemporaryDirectory(prefix=f"emgkit-example-{name}-") as tmp:
            out = Path(tmp)
            skipped, printed = _run(script, out)
            result = {"skipped": skipped, "printed": printed, "images": [], "report": None}
            if skipped is None:
                figures = sorted(p for p in out.glob("*.html") if p.name != "report.html")
                for html, png in _screenshots(figures).items():
                    uri = f"examples/img/{name}/{html.stem}.png"
                    files.append(File.generated(config, uri, content=png))
                    result["images"].append((html.stem, f"img/{name}/{html.stem}.png"))
                if (out / "report.html").exists():
                    uri = f"examples/img/{name}/report.html"
                    files.append(File.generated(config, uri, content=(out / "report.html").read_bytes()))
                    result["report"] = f"img/{name}/report.html"
            _results[name] = result
    return files


def _markdown(name: str) -> str:
    result = _results.get(name)
    if result is None:
        raise PluginError(f"docs/examples/{name}.md names example {name!r}, but docs/examples/{name}.py does not exist")
    if result["skipped"] is not None:
        return f'!!! note "Not run when this site was built"\n    {result["skipped"]}\n'
    lines = ["What it printed:", "", "```text", result["printed"].rstrip(), "```", ""]
    if result["report"]:
        lines += [f"[Open the interactive report it wrote]({result['report']}) (one self-contained HTML file).", ""]
    for stem, src in result["images"]:
        caption = stem.split("-", 1)[-1].replace("-", " ").capitalize()
        lines += [f"**{caption}**", "", f"![{caption}]({src})", ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs hook signature)
    """Replace ``<!-- emgkit-example NAME -->`` with the example's output."""
    for name in list(_results):
        marker = f"<!-- emgkit-example {name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, _markdown(name))
    return markdown

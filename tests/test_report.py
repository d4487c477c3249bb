"""HTML reports, opened in real headless Chromium (Debian's chromium, driven by Playwright).

Set EMGKIT_REQUIRE_BROWSER=1 (CI does) to fail instead of skip when the browser is missing.
Screenshots go to test-output/screenshots/ in the repository (or $EMGKIT_TEST_OUTPUT).
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit import Channel
from emgkit.analysis import analyze
from emgkit.decimate import browser_traces, minmax_decimate
from emgkit.report_html import PLOTLYJS_NAME, report, write_plotlyjs

MALICIOUS = "<img src=x onerror=alert(1)>"
OUT = Path(os.environ.get("EMGKIT_TEST_OUTPUT", Path(__file__).resolve().parents[1] / "test-output")) / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
FIGURES = ["bodymap-0", "leftright-0", "leftright-1", "cocontraction-0", "cocontraction-1", "timing-0", "timing-1", "endurance-0"]


@pytest.fixture(scope="module")
def browser():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install playwright)"
    if CHROMIUM is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
    if reason:
        if os.environ.get("EMGKIT_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def open_report(browser, path, name):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    events = {"console_errors": [], "dialogs": [], "network": []}

    def offline(route):  # a report must never reach the network
        if route.request.url.startswith("file://"):
            return route.continue_()
        events["network"].append(route.request.url)
        return route.abort()

    page.route("**/*", offline)
    page.on("console", lambda m: m.type == "error" and events["console_errors"].append(m.text))
    page.on("pageerror", lambda e: events["console_errors"].append(str(e)))
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0", timeout=30000)
    page.wait_for_timeout(300)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}-first-screen.png"))
    page.screenshot(path=str(OUT / f"{name}-full.png"), full_page=True)
    return page, events


def rendered(page):
    """{figure id: number of drawn trace groups} for every plotly figure on the page."""
    return page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => "
        "[d.id, d.querySelectorAll('.scatterlayer .trace, .barlayer .trace, .boxlayer .trace').length]))"
    )


@pytest.fixture(scope="module")
def curls_report(tmp_path_factory):
    rec = emgkit.datasets.load("curls")
    result = analyze(rec)
    path = tmp_path_factory.mktemp("report") / "curls.html"
    report(result, path, traces=browser_traces(rec, result.config))
    return path, result


def test_report_renders_every_figure_without_errors(browser, curls_report):
    path, _ = curls_report
    page, events = open_report(browser, path, "curls")
    drawn = rendered(page)
    for fig in FIGURES + ["raw-0"]:
        assert drawn.get(f"fig-{fig}", 0) > 0, f"figure {fig} has no drawn traces: {drawn}"
    assert events["console_errors"] == [], events["console_errors"]
    assert events["network"] == [], f"the report tried to load {events['network']}"
    findings = page.locator("#findings-table tbody tr")
    assert findings.count() >= 2
    assert "right side" in page.locator("#findings-table").inner_text()
    page.close()


def test_report_is_offline_and_self_contained(curls_report):
    path, _ = curls_report
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text and "Plotly" in text  # plotly.js is inline
    assert 'id="fig-bodymap-0"' in text


def test_malicious_names_stay_inert(browser, tmp_path):
    rec = emgkit.datasets.simulate(duration_s=20, fs=1000, seed=5)
    names = [MALICIOUS, "R biceps_brachii", "L triceps <b>x</b>", "R triceps_brachii"]
    muscles = ["biceps_brachii", "biceps_brachii", "triceps_brachii", "triceps_brachii"]
    sides = ["L", "R", "L", "R"]
    rec = rec.replace(channels=[Channel(n, muscle=m, side=s) for n, m, s in zip(names, muscles, sides)],
                      meta={"subject": "<script>alert(2)</script>", "task": "'\"><svg onload=alert(3)>"})
    result = analyze(rec)
    path = report(result, tmp_path / "evil.html", traces=browser_traces(rec, result.config))
    page, events = open_report(browser, path, "malicious-names")
    assert events["dialogs"] == [], f"script from file text ran: {events['dialogs']}"
    assert page.evaluate("document.querySelectorAll('img[src=x], [onerror], [onload]').length") == 0
    assert "<script>alert(2)</script>" in page.title()  # shown as text
    assert MALICIOUS in page.locator("#methods").inner_text()
    page.close()


def test_directory_plotlyjs_is_linked_relatively(browser, tmp_path):
    rec = emgkit.datasets.load("trunk")
    result = analyze(rec)
    js = write_plotlyjs(tmp_path)
    sub = tmp_path / "subject1" / "session1"
    sub.mkdir(parents=True)
    path = report(result, sub / "report.html", plotlyjs=js)
    text = path.read_text(encoding="utf-8")
    assert f'<script src="../../{PLOTLYJS_NAME}"></script>' in text
    assert path.stat().st_size < 1_000_000
    page, events = open_report(browser, path, "trunk-directory-js")
    assert rendered(page).get("fig-bodymap-0", 0) > 0
    assert events["console_errors"] == []
    page.close()


def test_minmax_decimate_keeps_extremes(rng):
    x = rng.standard_normal((2, 10_000))
    x[0, 1234] = 50.0
    x[1, 8765] = -40.0
    t, y = minmax_decimate(x, fs=1000.0, n_buckets=100)
    assert y.shape == (2, 200) and t.shape == (200,)
    assert y[0].max() == 50.0 and y[1].min() == -40.0
    for c in range(2):  # each bucket keeps exactly its min and max
        blocks = x[c].reshape(100, 100)
        np.testing.assert_array_equal(np.sort(y[c].reshape(100, 2), axis=1), np.stack([blocks.min(1), blocks.max(1)], 1))
    assert np.all(np.diff(t) >= 0)
    t2, y2 = minmax_decimate(x[0, :150], fs=1000.0, n_buckets=100)
    np.testing.assert_array_equal(y2, x[0, :150])  # short records are kept whole


def test_batch_summary_page_in_browser(browser, tmp_path):
    """The batch summary: figures drawn, links to each report, the table sorts on a click, names inert."""
    from urllib.parse import unquote

    from emgkit.batch import run_batch

    src = tmp_path / "in"
    (src / "<b>s1</b>").mkdir(parents=True)
    for k, rel in enumerate(["<b>s1</b>/a.h5", "b.h5"]):
        rec = emgkit.datasets.simulate(duration_s=12, fs=1000, seed=20 + k)
        emgkit.write(rec, src / rel)
    (src / "broken.h5").write_text("not hdf5")
    out = tmp_path / "out"
    result = run_batch([src], out, workers=1)
    assert result.n_done == 2 and result.n_failed == 1
    page, events = open_report(browser, out / "summary.html", "batch-summary")
    assert events["console_errors"] == [] and events["dialogs"] == [] and events["network"] == []
    drawn = rendered(page)
    assert len(drawn) >= 2 and all(n > 0 for n in drawn.values()), drawn
    links = page.eval_on_selector_all("#recordings-table a", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 2 and all(link.endswith("report.html") for link in links)
    assert all((out / unquote(link)).exists() for link in links)
    first = lambda: page.eval_on_selector("#recordings-table tbody tr td", "e => e.textContent")  # noqa: E731
    page.click("#recordings-table th >> nth=0")
    before = first()
    page.click("#recordings-table th >> nth=0")
    assert first() != before, "clicking a header twice must reverse the order"
    assert "broken.h5" in page.locator("#failures-table").inner_text()
    assert "<b>s1</b>" in page.locator("#recordings-table").inner_text()  # the folder name shows as text
    assert page.evaluate("document.querySelectorAll('#recordings-table b').length") == 0
    page.close()

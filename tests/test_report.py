"""HTML reports, opened in real headless Chromium (Debian's chromium, driven by Playwright).

Set EMGKIT_REQUIRE_BROWSER=1 (CI does) to fail instead of skip when the browser is missing.
Screenshots go to test-output/screenshots/ in the repository (or $EMGKIT_TEST_OUTPUT).
"""

import json
import os
import re
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

import emgkit
from emgkit import Channel
from emgkit.analysis import analyze
from emgkit.decimate import browser_traces, minmax_decimate
from emgkit.errors import InvalidInputError
from emgkit.report_html import (BUNDLE_TRACES, PLOTLYJS_NAME, PLOTLYJS_VERSION, figure_html, plotlyjs_bundle, report,
                                write_plotlyjs)

MALICIOUS = "<img src=x onerror=alert(1)>"
OUT = Path(os.environ.get("EMGKIT_TEST_OUTPUT", Path(__file__).resolve().parents[1] / "test-output")) / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
FIGURES = ["bodymap-0", "leftright-0", "leftright-1", "cocontraction-0", "cocontraction-1", "timing-0", "timing-1", "endurance-0"]
# a figure is drawn when plotly has laid it out, its SVG root exists and it holds a trace group per visible trace
# (the benchmark, benchmarks/bench_report.py, times the same condition)
DRAWN_JS = """d => !!(d._fullLayout && d.querySelector('.main-svg')
  && d.querySelectorAll('.trace').length >= (d._fullData || []).filter(t => t.visible === true).length)"""
NO_IDLE_DRAWING = "window.requestIdleCallback = function () { return 0; };"  # only figures brought into view are drawn


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


def open_report(browser, path, name, *, init_script=None):
    """Open ``path`` offline, record console errors, dialogs and network requests; screenshot the first screen."""
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
    if init_script:
        page.add_init_script(init_script)
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_function(f"""() => Array.from(document.querySelectorAll('.plotly-graph-div'))
        .filter(d => d.getBoundingClientRect().top < window.innerHeight).every({DRAWN_JS})""", timeout=30000)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}-first-screen.png"))
    return page, events


def undrawn(page):
    """Ids of the figures on the page that are not drawn."""
    return page.evaluate(f"Array.from(document.querySelectorAll('.plotly-graph-div')).filter(d => !({DRAWN_JS})(d)).map(d => d.id)")


def draw_all(page, name=None, timeout=30000):
    """Bring every figure into view in turn, as a reader scrolling down would, and wait until it is drawn.

    Raises ``AssertionError`` naming the figures that were never drawn; with
    ``name``, a screenshot of the whole page goes to the screenshots folder.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for fig_id in page.evaluate("Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => d.id)"):
        page.evaluate("id => document.getElementById(id).scrollIntoView()", fig_id)
        try:
            page.wait_for_function(f"id => ({DRAWN_JS})(document.getElementById(id))", arg=fig_id, timeout=timeout)
        except PlaywrightTimeout:
            pass  # reported below, with every other figure that is missing
    missing = undrawn(page)
    assert not missing, f"figures never drawn: {missing}"
    if name:
        page.screenshot(path=str(OUT / f"{name}-full.png"), full_page=True)


def traces_missing_from_bundle(page):
    """Trace types that the page's figures use but its plotly.js does not have."""
    return page.evaluate("""() => {
        const have = new Set(Object.keys(Plotly.PlotSchema.get().traces));
        const used = Array.from(document.querySelectorAll('script[type="application/json"]'))
            .flatMap(s => JSON.parse(s.textContent).data.map(t => t.type || 'scatter'));
        return Array.from(new Set(used.filter(t => !have.has(t))));
    }""")


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
    draw_all(page, "curls")
    drawn = rendered(page)
    for fig in FIGURES + ["raw-0"]:
        assert drawn.get(f"fig-{fig}", 0) > 0, f"figure {fig} has no drawn traces: {drawn}"
    assert traces_missing_from_bundle(page) == []
    assert events["console_errors"] == [], events["console_errors"]
    assert events["network"] == [], f"the report tried to load {events['network']}"
    findings = page.locator("#findings-table tbody tr")
    assert findings.count() >= 2
    assert "right side" in page.locator("#findings-table").inner_text()
    page.close()


def test_figures_out_of_view_are_drawn_when_scrolled_to(browser, curls_report):
    """With idle drawing off, a figure far below the first screen waits for the reader; scrolling down draws every figure."""
    path, _ = curls_report
    page, events = open_report(browser, path, "curls-scrolled", init_script=NO_IDLE_DRAWING)
    page.wait_for_timeout(300)
    assert "fig-raw-0" in undrawn(page), "the last figure was drawn before anyone scrolled to it"
    page.mouse.move(650, 450)
    while page.evaluate("window.scrollY + window.innerHeight < document.documentElement.scrollHeight - 1"):
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(60)
    page.wait_for_function(f"() => Array.from(document.querySelectorAll('.plotly-graph-div')).every({DRAWN_JS})",
                           timeout=30000)
    assert events["console_errors"] == [], events["console_errors"]
    page.close()


def test_figures_out_of_view_are_drawn_without_scrolling(browser, curls_report):
    """The page draws the figures out of view while it is idle: printed, searched or jumped into, every figure is there."""
    path, _ = curls_report
    page, events = open_report(browser, path, "curls-idle")
    page.wait_for_function(f"() => Array.from(document.querySelectorAll('.plotly-graph-div')).every({DRAWN_JS})",
                           timeout=30000)
    assert page.evaluate("window.scrollY") == 0
    assert events["console_errors"] == [], events["console_errors"]
    page.close()


def test_printing_draws_every_figure(browser, curls_report):
    """Printing (here to PDF) draws the figures nobody scrolled to before the pages are laid out."""
    path, _ = curls_report
    page, events = open_report(browser, path, "curls-print", init_script=NO_IDLE_DRAWING)
    assert undrawn(page), "nothing left to draw: the test would prove nothing"
    assert page.pdf()[:5] == b"%PDF-"
    assert undrawn(page) == []
    assert events["console_errors"] == [], events["console_errors"]
    page.close()


def test_a_figure_that_never_draws_fails_the_checks(browser, curls_report, tmp_path):
    """A damaged figure is caught by the checks above, says so in its place and on the console; the others still draw."""
    path, _ = curls_report
    text = path.read_text(encoding="utf-8")
    head = '<script type="application/json" id="fig-timing-1-spec">'
    start = text.index(head) + len(head)
    damaged = tmp_path / "damaged.html"
    damaged.write_text(text[:start] + '{"data": [' + text[text.index("</script>", start):], encoding="utf-8")
    page, events = open_report(browser, damaged, "damaged")
    with pytest.raises(AssertionError, match="fig-timing-1"):
        draw_all(page, timeout=2000)
    assert undrawn(page) == ["fig-timing-1"]
    assert "could not be drawn" in page.locator("#fig-timing-1").inner_text()
    assert any("fig-timing-1" in e for e in events["console_errors"]), events["console_errors"]
    page.close()


def test_report_is_offline_and_self_contained(curls_report):
    path, _ = curls_report
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text
    assert f"plotly.js (basic - minified) v{PLOTLYJS_VERSION}" in text  # the shipped bundle, inline
    assert 'id="fig-bodymap-0"' in text and text.count('<script type="application/json"') == len(FIGURES) + 1
    assert path.stat().st_size < 2_500_000


def test_figure_json_cannot_end_its_script_element():
    title = "</script><script>alert(4)</script> <!-- & -->"
    out = figure_html(go.Figure(layout=dict(title=dict(text=title), height=300)), "fig-x")
    assert out.count("</script>") == 1 and "<!--" not in out
    assert 'style="height:300px"' in out  # the figure's room is kept before it is drawn
    spec = re.search(r'<script type="application/json" id="fig-x-spec">(.*)</script>', out).group(1)
    assert json.loads(spec)["layout"]["title"]["text"] == title


def test_shipped_plotlyjs_bundles():
    for kind in BUNDLE_TRACES:
        js = plotlyjs_bundle(kind)
        assert js.startswith(f"/**\n* plotly.js ({kind} - minified) v{PLOTLYJS_VERSION}\n"), js[:80]
        assert "</script" not in js.lower() and "<!--" not in js  # safe inside a <script> element
    licence = resources.files("emgkit").joinpath("data/plotly.js-LICENSE.txt").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Plotly" in licence
    with pytest.raises(InvalidInputError, match="basic"):
        plotlyjs_bundle("full")


def test_malicious_names_stay_inert(browser, tmp_path):
    rec = emgkit.datasets.simulate(duration_s=20, fs=1000, seed=5)
    names = [MALICIOUS, "R biceps_brachii", "L triceps <b>x</b>", "R triceps_brachii"]
    muscles = ["biceps_brachii", "biceps_brachii", "triceps_brachii", "triceps_brachii"]
    sides = ["L", "R", "L", "R"]
    rec = rec.replace(channels=[Channel(n, muscle=m, side=s) for n, m, s in zip(names, muscles, sides)],
                      meta={"subject": "<script>alert(2)</script>", "task": "'\"><svg onload=alert(3)>"})
    result = analyze(rec)
    path = report(result, tmp_path / "evil.html", traces=browser_traces(rec, result.config))
    assert "<img src=x" not in path.read_text(encoding="utf-8")
    page, events = open_report(browser, path, "malicious-names")
    draw_all(page, "malicious-names")
    assert events["dialogs"] == [], f"script from file text ran: {events['dialogs']}"
    assert page.evaluate("document.querySelectorAll('img[src=x], [onerror], [onload]').length") == 0
    assert "<script>alert(2)</script>" in page.title()  # shown as text
    assert MALICIOUS in page.locator("#methods").inner_text()
    assert MALICIOUS in page.locator("#fig-raw-0").inner_text()  # a subplot title, as text
    page.close()


def test_first_screen_lists_channels_used_and_left_out(browser, tmp_path):
    """Issue #12: the first screen shows every channel (kind, clipping, hum, noise, activity) beside the findings, escaped."""
    rec = emgkit.datasets.simulate(duration_s=20, fs=1000, seed=5, powerline_uv=150)
    dead = np.zeros((1, rec.n_samples))
    step = np.where((np.arange(rec.n_samples) // 1500) % 2 == 0, 0.0, 5.0)[None]
    data = np.vstack([rec.data, dead, step])
    chans = [*rec.channels, Channel(MALICIOUS + " dead"), Channel("Sync <b>in</b>")]
    rec = emgkit.Recording(data, rec.fs, chans, unit=rec.unit)
    result = analyze(rec)
    path = report(result, tmp_path / "channels.html")
    page, events = open_report(browser, path, "channels-first-screen")
    assert events["dialogs"] == [] and events["console_errors"] == []
    table = page.locator("#channels-table")
    box = table.bounding_box()
    assert box is not None and box["y"] < 900, f"the channels table starts below the first screen: {box}"
    rows = page.locator("#channels-table tbody tr")
    assert rows.count() == 6
    text = table.inner_text()
    assert MALICIOUS + " dead" in text and "Sync <b>in</b>" in text  # names shown as text, never as markup
    assert page.evaluate("document.querySelectorAll('#channels-table img, #channels-table b').length") == 0
    assert "dead" in page.locator("#channels-table tr.left-out").first.inner_text()
    assert page.locator("#channels-table tr.used").count() == 4
    assert "notched at 50 Hz" in text  # the simulated hum is notched and shown
    scope = page.locator("#findings-table tbody tr").first.inner_text()
    assert "Analysed 4 EMG channels" in scope and "Left out" in scope
    page.close()


@pytest.mark.parametrize("case", ["dead", "silent"])
def test_reports_with_nothing_or_little_compared_open_without_errors(browser, tmp_path, case):
    """An all-dead recording (empty tables) and one whose pairs are gated for no activity: every figure draws, no error."""
    if case == "dead":
        rec = emgkit.Recording(np.zeros((4, 8000)), 1000.0, ["L biceps", "R biceps", "L triceps", "R triceps"], unit="V")
    else:
        rec = emgkit.datasets.simulate(n_reps=4, fs=1000, seed=2)
        rec.data[:] = np.random.default_rng(1).normal(0, 1e-5, rec.data.shape) * np.array([[1.0], [1.5], [0.7], [1.2]])
    result = analyze(rec)
    path = report(result, tmp_path / f"{case}.html")
    page, events = open_report(browser, path, f"nothing-compared-{case}")
    draw_all(page)
    assert events["console_errors"] == [] and events["dialogs"] == []
    first = page.locator("#findings-table tbody tr").first.inner_text()
    assert "Not compared" in first
    page.close()


def test_directory_plotlyjs_is_linked_relatively(browser, tmp_path):
    rec = emgkit.datasets.load("trunk")
    result = analyze(rec)
    js = write_plotlyjs(tmp_path)
    assert js.read_text(encoding="utf-8") == plotlyjs_bundle("cartesian")  # box plots for the batch summary page
    sub = tmp_path / "subject1" / "session1"
    sub.mkdir(parents=True)
    path = report(result, sub / "report.html", plotlyjs=js)
    text = path.read_text(encoding="utf-8")
    assert f'<script src="../../{PLOTLYJS_NAME}"></script>' in text
    assert path.stat().st_size < 1_000_000
    page, events = open_report(browser, path, "trunk-directory-js")
    draw_all(page)
    assert rendered(page).get("fig-bodymap-0", 0) > 0
    assert traces_missing_from_bundle(page) == []
    assert events["console_errors"] == [] and events["network"] == []
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
    draw_all(page, "batch-summary")
    assert events["console_errors"] == [] and events["dialogs"] == [] and events["network"] == []
    drawn = rendered(page)
    assert len(drawn) >= 2 and all(n > 0 for n in drawn.values()), drawn
    assert traces_missing_from_bundle(page) == []
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

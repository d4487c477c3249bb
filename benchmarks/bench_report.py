"""Analysis and HTML report of a 16-channel recording: time to analyse, to write the report, its size, and time to open it in Chromium."""

import shutil
import statistics
import tempfile
import warnings
from pathlib import Path

MUSCLES = ("biceps_brachii", "triceps_brachii", "rectus_femoris", "biceps_femoris",
           "tibialis_anterior", "gastrocnemius_medialis", "rectus_abdominis", "erector_spinae")
SIZE_TARGET_MB = 10.0


def run(bench):
    import emgkit
    from emgkit.datasets import simulate
    from emgkit.decimate import browser_traces
    from emgkit.report_html import report

    n_channels, n = bench.shape
    duration = n / bench.fs
    muscles = MUSCLES[: max(1, n_channels // 2)]
    rec = simulate(duration_s=duration, fs=bench.fs, muscles=muscles, sides=("L", "R"), n_reps=max(3, int(duration / 4)), seed=1)
    label = f"{rec.n_channels} ch x {duration / 60:.1f} min at {bench.fs:g} Hz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = None

        def analyse():
            nonlocal result
            result = emgkit.analyze(rec)

        bench.time(f"analyze ({label})", analyse, repeat=1)
    folder = Path(tempfile.mkdtemp(prefix="emgkit-bench-report-"))
    try:
        path = folder / "report.html"
        traces = browser_traces(rec, result.config)
        bench.time("browser_traces (decimated raw + envelope)", lambda: browser_traces(rec, result.config), repeat=1)
        row = bench.time("report -> HTML file (plotly.js embedded)", lambda: report(result, path, traces=traces), repeat=1)
        size_mb = path.stat().st_size / 1e6
        row.note = f"{size_mb:.1f} MB (target <= {SIZE_TARGET_MB:g} MB)"
        _open_in_chromium(bench, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# In-page predicates, polled by Playwright once per animation frame.  A figure is *drawn* when plotly has laid it
# out (``_fullLayout``), its SVG root exists and it holds at least as many trace groups as it has visible traces
# (legend-only traces draw nothing; a range slider draws its traces a second time).  Each predicate returns
# ``performance.now()`` when it first holds: milliseconds since navigation start, to within one frame (~17 ms).
DRAWN_JS = """d => !!(d._fullLayout && d.querySelector('.main-svg')
  && d.querySelectorAll('.trace').length >= (d._fullData || []).filter(t => t.visible === true).length)"""
FIRST_SCREEN_JS = """() => {
  if (document.readyState === 'loading') return false;
  const drawn = %s;
  const seen = Array.from(document.querySelectorAll('.plotly-graph-div'))
    .filter(d => d.getBoundingClientRect().top < window.innerHeight);
  return seen.every(drawn) && performance.now();
}""" % DRAWN_JS
EVERY_FIGURE_JS = """scroll => {
  if (document.readyState === 'loading') return false;
  const drawn = %s;
  const todo = Array.from(document.querySelectorAll('.plotly-graph-div')).filter(d => !drawn(d));
  if (todo.length && scroll) todo[0].scrollIntoView();
  return !todo.length && performance.now();
}""" % DRAWN_JS
OPENS = 7  # timed openings of each kind (best is kept, median in the note), after one untimed opening


def _open_in_chromium(bench, path):
    """Time the report's opening in headless Chromium, from navigation start (in-page clock).

    Three rows: the first screen drawn (page parsed and every figure that
    reaches into the 1300 x 900 viewport drawn); every figure drawn with no
    interaction (figures out of view are drawn while the page is idle); and
    every figure drawn while the figures not yet drawn are brought into view
    one after the other (``scrollIntoView``), as a reader scrolling down.
    """
    names = {"first": "open report in headless Chromium: first screen drawn",
             "idle": "open report in headless Chromium until every figure is drawn",
             "scroll": "open report in headless Chromium, scrolling each figure into view"}
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        for name in names.values():
            bench.skip(name, "playwright not installed")
        return
    if chromium is None:
        for name in names.values():
            bench.skip(name, "Debian's chromium not installed")
        return
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    times = {key: [] for key in names}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=flags)
        for k in range(1 + 2 * OPENS):
            scroll = k % 2 == 0
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(path.as_uri(), wait_until="commit")
            first = page.wait_for_function(FIRST_SCREEN_JS, polling="raf", timeout=120000).json_value()
            every = page.wait_for_function(EVERY_FIGURE_JS, arg=scroll, polling="raf", timeout=120000).json_value()
            page.close()
            if k:  # the first opening warms the browser and the file cache up
                times["first"].append(first / 1e3)
                times["scroll" if scroll else "idle"].append(every / 1e3)
        browser.close()
    notes = {"first": "navigation start to the first 1300 x 900 screen drawn",
             "idle": "navigation start to every figure drawn, no interaction",
             "scroll": "navigation start to every figure drawn, each brought into view in turn"}
    for key, name in names.items():
        bench.add(name, min(times[key]), times=times[key], note=f"{notes[key]}; median {statistics.median(times[key]):.2f} s")

"""Analysis and HTML report of a 16-channel recording: time to analyse, to write the report, its size, and time to open it in Chromium."""

import shutil
import tempfile
import time
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


def _open_in_chromium(bench, path):
    name = "open report in headless Chromium until every figure is drawn"
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        bench.skip(name, "playwright not installed")
        return
    if chromium is None:
        bench.skip(name, "Debian's chromium not installed")
        return
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=flags)
        times = []
        for _ in range(2):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('.main-svg'))",
                timeout=120000)
            times.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    bench.add(name, min(times), times=times, note="page load + plotly drawing of all figures")

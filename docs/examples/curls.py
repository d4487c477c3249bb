"""The bundled curls sample, start to finish: read, analyse, print the findings, write the report and figures.

Run it as ``python docs/examples/curls.py OUT_DIR`` (default ``example-output/curls``).
"""

import sys
from pathlib import Path

import emgkit
from emgkit.datasets import load
from emgkit.figures.cocontraction import cci_bars, cocontraction_overlays
from emgkit.figures.fatigue import median_frequency
from emgkit.figures.symmetry import mirrored_envelopes, symmetry_bars
from emgkit.figures.timing import burst_chart, latency_differences

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example-output/curls")
out.mkdir(parents=True, exist_ok=True)

# 1. The recording: 4 channels (biceps and triceps, left and right), 1000 Hz
rec = load("curls")
print(rec)

# 2. The analysis with the literature defaults (docs/science.md); every table is a pandas DataFrame
result = emgkit.analyze(rec)
print(result.summary[["severity", "finding"]].to_string(index=False))
print(result.bilateral[["muscle", "metric", "left", "right", "symmetry_index", "flag"]].to_string(index=False))

# 3. The interactive report (one self-contained HTML file) and the tables on disk
emgkit.report(result, out / "report.html")
result.save(out / "analysis", overwrite=True)

# 4. The report's figures one by one, as you would use them in a notebook or a paper
figures = {
    "01-left-vs-right-envelopes": mirrored_envelopes(result.ensembles),
    "02-symmetry-index": symmetry_bars(result.bilateral),
    "03-agonist-vs-antagonist": cocontraction_overlays(result.ensembles, result.agonist_antagonist),
    "04-co-contraction-index": cci_bars(result.agonist_antagonist),
    "05-bursts": burst_chart(result.bursts, result.channels),
    "06-timing-differences": latency_differences(result.timing),
    "07-median-frequency": median_frequency(result.fatigue_windows, result.fatigue),
}
for name, fig in figures.items():
    fig.write_html(out / f"{name}.html")

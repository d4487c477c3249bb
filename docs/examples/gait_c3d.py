"""Bilateral gait from a C3D file with gait events: EMG of both legs, cycles from the file's events.

The file is ``PiG_Motion-FlatFoot-Full.c3d`` from BTKData (Vicon Nexus, 10 EMG channels, 12 gait events);
a copy lives in ``../shared/data/c3d_bilateral_gait`` beside emgkit's repository.  Reading C3D needs
``pip install "emgkit[c3d]"`` (ezc3d).  Run it as ``python docs/examples/gait_c3d.py OUT_DIR [C3D_FILE]``.
"""

import sys
from pathlib import Path

import emgkit
from emgkit.figures.cocontraction import cci_bars
from emgkit.figures.symmetry import mirrored_envelopes, symmetry_bars
from emgkit.figures.timing import burst_chart

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example-output/gait_c3d")
default = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "c3d_bilateral_gait" / "PiG_Motion-FlatFoot-Full.c3d"
path = Path(sys.argv[2]) if len(sys.argv) > 2 else default
if not path.exists():
    sys.exit(f"skipped: {path} is not here (the shared copy of BTKData's gait files; see docs/datasets.md)")
out.mkdir(parents=True, exist_ok=True)

# 1. Read the C3D: EMG channels only (force plates and other analogs are recognised and left out)
rec = emgkit.read(path)
print(rec)
events = rec.meta.get("events", [])
print(f"{len(events)} gait events:", ", ".join(f"{e['label']} {e['time_s']:.2f} s" for e in events))

# 2. Analyse: the cycles come from the file's gait events (foot strike to foot strike of each side)
result = emgkit.analyze(rec)
print(result.summary[["severity", "finding"]].to_string(index=False))

# 3. Report and figures
emgkit.report(result, out / "report.html")
figures = {
    "01-left-vs-right-over-the-gait-cycle": mirrored_envelopes(result.ensembles),
    "02-symmetry-index": symmetry_bars(result.bilateral),
    "03-co-contraction-index": cci_bars(result.agonist_antagonist),
    "04-bursts": burst_chart(result.bursts, result.channels),
}
for name, fig in figures.items():
    fig.write_html(out / f"{name}.html")

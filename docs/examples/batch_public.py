"""A batch over public data: download the UCI EMG Physical Action data set, convert it, analyse every file.

``emgkit.datasets.fetch`` downloads the archive once (cached, checksum verified) and converts it to emgkit
HDF5; without internet access set ``EMGKIT_DATA_MIRROR`` to a folder that holds the archive.
Run it as ``python docs/examples/batch_public.py OUT_DIR``.
"""

import sys
from pathlib import Path

from emgkit.batch import read_summary, run_batch
from emgkit.datasets import dataset_info, fetch
from emgkit.figures.batch import cci_distribution, si_distribution

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example-output/batch_public")
info = dataset_info("uci_physical_action")
print(info.title, "-", info.citation, "-", info.licence)

# 1. Download (once), verify and convert to native HDF5: one file per subject and action
try:
    files = fetch("uci_physical_action", out / "data", progress=False)
except OSError as exc:
    sys.exit(f"skipped: the data set could not be downloaded here ({exc})")
print(len(files), "recordings")

# 2. The first subject's 10 normal actions (files sort by subject, then group), analysed on every core;
#    each recording gets its tables and report
subject = sorted(f for f in files if "normal" in str(f).lower())[:10]
run_batch(subject, out / "results")  # also writes results/summary.html
tables = read_summary(out / "results")  # recordings, metrics and failures (pandas DataFrames)
print(tables["recordings"].head().to_string())

# 3. The summary figures: symmetry and co-contraction across recordings
si_distribution(tables["metrics"]).write_html(out / "01-symmetry-across-recordings.html")
cci_distribution(tables["metrics"]).write_html(out / "02-co-contraction-across-recordings.html")

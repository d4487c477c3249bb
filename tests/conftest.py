from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def rng():
    """A seeded generator: every test's random data is reproducible."""
    return np.random.default_rng(20261126)


@pytest.fixture
def shared_data():
    """Path of ../shared/data (the real public recordings); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is missing (clone beside ../shared)")
    return SHARED_DATA


# the data-set folder of each reader kind of read_shared; other kinds take paths relative to ../shared/data
_SHARED_FOLDERS = {"uci": "uci_physical_action", "lower": "uci_lower_limb", "biosppy": "biosppy_single"}


def read_shared(kind, rel):
    """One real recording of ../shared/data, read as its folder's SOURCE.md says; skips when the data are absent.

    ``kind``: ``"uci"`` (physical action), ``"lower"`` (lower limb) or ``"biosppy"`` (OpenSignals text), with
    ``rel`` relative to that data set's folder; any other kind reads ``rel`` (relative to ../shared/data) with
    ``emgkit.read`` keeping every channel (C3D needs ezc3d: skipped without it).
    """
    from emgkit.datasets import readers

    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is missing (clone beside ../shared)")
    if kind in _SHARED_FOLDERS:
        path = SHARED_DATA / _SHARED_FOLDERS[kind] / rel
        read = {"uci": readers.read_uci_physical_action, "lower": readers.read_uci_lower_limb, "biosppy": readers.read_opensignals}[kind]
        return read(path)
    path = SHARED_DATA / rel
    if path.suffix.lower() == ".c3d":
        pytest.importorskip("ezc3d")
    import emgkit

    return emgkit.read(path, emg_only=False)

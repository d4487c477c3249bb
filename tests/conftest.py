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

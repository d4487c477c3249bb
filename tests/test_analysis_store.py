"""The scratch store (raw files read by byte range, a one-piece cache per thread) against the in-memory store."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from emgkit.analysis.store import MemoryStore, ScratchStore


@pytest.fixture
def stores(tmp_path):
    rng = np.random.default_rng(3)
    n_ch, n, step, piece = 5, 1003, 7, 64
    filtered, env = rng.standard_normal((n_ch, n)), rng.random((n_ch, n))
    memory = MemoryStore(n_ch, n, step)
    memory.write(0, n, filtered, env)
    scratch = ScratchStore(tmp_path / "s", n_ch, n, step, piece, 2000.0)
    for a in range(0, n, 100):  # cores written in order, as the conditioning stage does
        b = min(n, a + 100)
        scratch.write(a, b, filtered[:, a:b], env[:, a:b])
    yield memory, scratch
    scratch.close()


def test_reads_equal_the_arrays(stores):
    memory, scratch = stores
    n = memory.shape[1]
    for rows in ([0, 1, 2, 3, 4], [3], [4, 1], slice(None)):
        for a, b in ((0, n), (0, 10), (60, 130), (990, n), (500, 500), (5, 69)):  # longer and shorter than a piece
            np.testing.assert_array_equal(scratch.filtered[rows, a:b], memory.filtered[rows, a:b])
            np.testing.assert_array_equal(scratch.env[rows, a:b], memory.env[rows, a:b])
    for c in range(5):
        np.testing.assert_array_equal(scratch.env_every(c), memory.env_every(c))
        np.testing.assert_array_equal(scratch.filtered[c, 17:40], memory.filtered[c, 17:40])


def test_returned_pieces_are_copies(stores):
    _, scratch = stores
    x = scratch.filtered[:, 10:20]
    expected = x.copy()
    x[:] = 0.0
    np.testing.assert_array_equal(scratch.filtered[:, 10:20], expected)


def test_threads_keep_their_own_cache(stores):
    memory, scratch = stores

    def walk(c):
        return [np.array_equal(scratch.filtered[c, a:a + 30], memory.filtered[c, a:a + 30]) for a in range(0, 970, 13)]

    with ThreadPoolExecutor(4) as pool:
        assert all(all(ok) for ok in pool.map(walk, [0, 1, 2, 3, 4] * 4))

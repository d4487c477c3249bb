"""Streamed quality table and clipped runs (emgkit.quality_stream) against emgkit.quality on the whole record."""

import numpy as np
import pytest

from emgkit._chunks import ArraySource
from emgkit.datasets.simulate import simulate
from emgkit.quality import assess, clipped_mask
from emgkit.quality_stream import assess_stream, clipped_runs_stream, mask_runs


class BoundedSource(ArraySource):
    """A source that refuses reads longer than ``limit`` samples: proof that nothing reads the whole record."""

    def __init__(self, data, fs, limit):
        super().__init__(data, fs)
        self.limit = limit

    def read(self, a, b, rows=None):
        assert b - a <= self.limit, f"read of {b - a} samples, limit {self.limit}"
        return super().read(a, b, rows)


@pytest.fixture(scope="module")
def rec():
    r = simulate(n_reps=4, fs=2000, powerline_uv=20, seed=2)
    data = r.data.copy()
    rail = 0.5 * np.abs(data[1]).max()
    data[1] = np.clip(data[1], -rail, rail)  # clipped at its own extremes
    data[3] = 0.1  # constant: flat, centred to zeros
    return r.replace(data=data, meta={**r.meta, "rail": float(rail)})


def same_table(ref, got):
    assert list(ref.columns) == list(got.columns)
    for col in ref.columns:
        a, b = ref[col].to_numpy(), got[col].to_numpy()
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=0, equal_nan=True, err_msg=col)
        else:
            assert (a == b).all(), col
    assert ref.attrs == got.attrs


@pytest.mark.parametrize("chunk", [997, 5000, 20000, 10**7])
@pytest.mark.parametrize("extra", [{}, {"adc_range": "rail"}, {"powerline_hz": 60}])
def test_assess_stream_equals_assess(rec, chunk, extra):
    meta = dict(rec.meta)
    if extra.get("adc_range") == "rail":
        meta["adc_range"] = [-meta["rail"], meta["rail"]]
    elif extra:
        meta.update(extra)
    whole = rec.replace(meta=meta)
    ref = assess(whole)
    limit = chunk + 2 * 10000 + 4000  # core, high-pass margin, 2 s Welch frame / 0.5 s window ahead
    got = assess_stream(BoundedSource(whole.data, whole.fs, max(limit, whole.n_samples if chunk > whole.n_samples else 0)),
                        whole.channels, unit=whole.unit, meta=meta, chunk=chunk)
    same_table(ref, got)
    assert got["flat"].tolist() == [False, False, False, True]
    assert got["clipped_fraction"].iloc[1] > 0.001


@pytest.mark.parametrize("chunk", [3, 997, 5000, 10**7])
def test_clipped_runs_stream_equals_clipped_mask(rec, chunk):
    for adc in (None, [-rec.meta["rail"], rec.meta["rail"]]):
        mask = clipped_mask(rec.data, adc)
        runs = clipped_runs_stream(ArraySource(rec.data, rec.fs), adc, chunk=chunk)
        for c in range(rec.n_channels):
            starts, stops = mask_runs(mask[c : c + 1])[0]
            np.testing.assert_array_equal(runs[c][0], starts)
            np.testing.assert_array_equal(runs[c][1], stops)
    assert len(runs[1][0]) > 0


def test_a_plateau_across_a_chunk_edge_is_one_run():
    x = np.zeros((1, 40))
    x[0, 8:13] = 5.0  # a 5-sample plateau at the maximum, cut by the chunk edge at 10
    x[0, 20] = -1.0
    runs = clipped_runs_stream(ArraySource(x, 100.0), chunk=10)
    np.testing.assert_array_equal(runs[0][0], [8])  # one run, not two pieces of 2 and 3 samples (shorter than 3: dropped)
    np.testing.assert_array_equal(runs[0][1], [13])

"""A real recording through every export and bridge and back (skipped without ../shared/data).

Expected outcome, written before running (source: ../shared/data/c3d_bilateral_gait/SOURCE.md and
``emgkit info`` of Gait.c3d: 16 analog EMG channels LREC ... RJUM, 1000 Hz, 4870 samples, in V):
every route gives back the same 16 channel names in order, the same muscles and sides, 1000 Hz and 4870
samples; HDF5, CSV (9 digits), MATLAB (float64) and xarray/pandas keep the samples to 1e-8 relative or
better; BDF (24-bit over +-bound per channel) to one quantisation step; MNE to float64 rounding.

Revised after the first run: the side of LGRF/RGRF comes from the C3D's descriptions ("L GRF"), not from the
label, so routes that carry only names (CSV, BDF, MATLAB, MNE) give back the muscles and sides the *names*
give; emgkit HDF5, BIDS (channels.tsv side/target_muscle), pandas and xarray (attrs) keep them all.
"""

import numpy as np
import pytest
import scipy.io as sio

import emgkit
from emgkit.bridges import from_dataframe, from_mne, from_xarray
from emgkit.convert import convert
from emgkit.formats._common import build_channels

pytest.importorskip("ezc3d", reason="reading C3D needs ezc3d: pip install 'emgkit[c3d]'")


@pytest.fixture
def gait(shared_data):
    return emgkit.read(shared_data / "c3d_bilateral_gait" / "Gait.c3d")


def _same_channels(back, rec, *, names_only=False):
    assert back.channel_names == rec.channel_names
    expected = build_channels(rec.channel_names)[0] if names_only else rec.channels  # the readers' rule for labels
    assert [(c.muscle, c.side) for c in back.channels] == [(c.muscle, c.side) for c in expected]
    assert back.fs == rec.fs and back.n_samples == rec.n_samples


def test_gait_c3d_is_what_its_source_says(gait):
    assert gait.n_channels == 16 and gait.fs == 1000.0 and gait.n_samples == 4870 and gait.unit == "V"


@pytest.mark.parametrize("to", ["h5", "csv", "bdf", "bids"])
def test_gait_c3d_through_every_export(gait, shared_data, tmp_path, to):
    if to in ("bdf", "bids"):
        pytest.importorskip("pyedflib", reason="BDF needs pyedflib")
    (result,) = convert([shared_data / "c3d_bilateral_gait" / "Gait.c3d"], tmp_path / to, to=to)
    assert result.ok, result.error
    back = emgkit.read(result.output)
    _same_channels(back, gait, names_only=to in ("csv", "bdf"))
    scale = {"V": 1.0, "uV": 1e-6}[back.unit]
    if to in ("bdf", "bids"):
        step = 2 * np.abs(gait.data).max(axis=1, keepdims=True) / (2**24 - 1) * 1.01
        assert np.all(np.abs(back.data * scale - gait.data) <= 2 * step)
    else:
        np.testing.assert_allclose(back.data * scale, gait.data, rtol=1e-8, atol=1e-15)


def test_gait_c3d_as_a_matlab_v5_file(gait, tmp_path):
    path = tmp_path / "gait.mat"
    sio.savemat(path, {"emg": gait.data.T, "fs": gait.fs, "labels": np.array(gait.channel_names, dtype=object)})
    back = emgkit.read(path)
    _same_channels(back, gait, names_only=True)
    np.testing.assert_array_equal(back.data, gait.data)


def test_gait_c3d_through_the_bridges(gait):
    _same_channels(from_dataframe(gait.to_dataframe()), gait)
    xr = pytest.importorskip("xarray", reason="xarray is not installed")
    da = gait.to_xarray()
    assert isinstance(da, xr.DataArray)
    _same_channels(from_xarray(da), gait)
    pytest.importorskip("mne", reason="MNE is not installed")
    back = from_mne(gait.to_mne())
    _same_channels(back, gait, names_only=True)
    np.testing.assert_allclose(back.data, gait.data, rtol=1e-12, atol=0)

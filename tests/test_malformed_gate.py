"""The input gate (emgkit._input) and the reader checks it relies on, in process (the corpus suite runs the CLI)."""

import os
import threading
import time

import h5py
import numpy as np
import pytest

import emgkit
from emgkit._checks import check_fs
from emgkit._input import check_input_path, check_meta, reader_errors, source_path
from emgkit._reader import check_hdf5_storage
from emgkit.errors import FileFormatError, InvalidInputError


@pytest.mark.parametrize("bad", [True, np.bool_(True), [1000, 2000], np.array([1.0, 2.0]), "2000", 0, -1.0,
                                 float("nan"), float("inf"), None])
def test_fs_must_be_one_finite_positive_number(bad):
    with pytest.raises(InvalidInputError, match="fs must be"):
        check_fs(bad)


@pytest.mark.parametrize("good", [1000, 2000.0, np.float32(1500), np.array([512.0]), np.int64(4000)])
def test_fs_accepts_numbers_and_one_element_arrays(good):
    assert check_fs(good) == float(np.asarray(good).reshape(-1)[0])


@pytest.mark.parametrize("meta, field", [
    ({"powerline_hz": 0}, "powerline_hz"), ({"powerline_hz": 49}, "powerline_hz"), ({"powerline_hz": "50"}, "powerline_hz"),
    ({"powerline_hz": True}, "powerline_hz"), ({"events": [{"time_s": float("nan")}]}, "time_s"),
    ({"events": [{"time_s": 1.0, "duration_s": float("inf")}]}, "duration_s"), ({"events": [{"time_s": "1"}]}, "time_s"),
])
def test_meta_fields_the_analysis_trusts_are_checked(meta, field):
    with pytest.raises(FileFormatError, match=rf"^rec\.h5: .*{field}"):
        check_meta(meta, "rec.h5")


def test_meta_that_is_fine_passes():
    check_meta({"powerline_hz": 50, "events": [{"time_s": 1.5, "duration_s": None}, "free text"]}, "rec.h5")
    check_meta({"powerline_hz": 60.0, "events": "not a list: kept as it is"}, "rec.h5")


def test_special_files_are_named_for_what_they_are(tmp_path):
    loop = tmp_path / "loop.h5"
    os.symlink(loop.name, loop)
    with pytest.raises(InvalidInputError, match="leads back to itself"):
        check_input_path(loop)
    dangling = tmp_path / "dangling.h5"
    os.symlink("gone.h5", dangling)
    with pytest.raises(FileNotFoundError, match="symbolic link to gone.h5, which does not exist"):
        check_input_path(dangling)
    with pytest.raises(InvalidInputError, match="is a folder"):
        check_input_path(tmp_path)
    with pytest.raises(InvalidInputError, match="character device"):
        check_input_path("/dev/null")


def test_a_fifo_without_writer_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "rec.csv"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    with pytest.raises(InvalidInputError, match="no data in 2 s"):
        check_input_path(fifo)
    assert time.monotonic() - t0 < 5


def test_a_pipe_is_copied_once_and_read_whole(tmp_path, rng):
    text = "time,L Biceps,R Biceps\n" + "\n".join(f"{k / 1000:.3f},{a:.6f},{b:.6f}"
                                                   for k, (a, b) in enumerate(rng.normal(0, 1, (6000, 2))))
    (tmp_path / "rec.csv").write_text(text)
    direct = emgkit.read(tmp_path / "rec.csv")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as fh:
            fh.write(text)
    thread = threading.Thread(target=writer)
    thread.start()
    piped = emgkit.read(fifo)
    thread.join()
    assert piped.channel_names == direct.channel_names and piped.n_samples == direct.n_samples == 6000
    np.testing.assert_array_equal(piped.data, direct.data)
    assert source_path(fifo) != fifo and source_path(fifo).read_text() == text


def test_reader_errors_name_the_file_and_keep_the_cause(tmp_path):
    path = tmp_path / "x.h5"
    with pytest.raises(FileFormatError, match=r"x\.h5: the demo reader could not make sense .*ZeroDivisionError") as info:
        with reader_errors(path, "demo"):
            1 / 0
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    with pytest.raises(FileFormatError, match=r"x\.h5: could not be read \(Input/output error\)"):
        with reader_errors(path, "demo"):
            raise OSError(5, "Input/output error")
    with pytest.raises(InvalidInputError, match=r"^.*x\.h5: the record lasts 0\.000 s"):
        with reader_errors(path, "demo"):
            raise InvalidInputError("the record lasts 0.000 s")


def test_nan_samples_error_names_the_file(tmp_path, rng):
    x = rng.normal(0, 1, (2, 1000))
    path = emgkit.write(emgkit.Recording(x, 1000.0, ["a", "b"]), tmp_path / "nan.h5")
    with h5py.File(path, "r+") as f:
        f["emg/data"][0, 10] = np.nan
    with pytest.raises(InvalidInputError, match=r"nan\.h5: non-finite samples"):
        emgkit.read(path)


def test_hdf5_declaring_more_than_it_holds_is_refused_before_reading(tmp_path):
    with h5py.File(tmp_path / "d.h5", "w") as f:
        chunked = f.create_dataset("chunked", shape=(8, 2**40), dtype="f4", chunks=(8, 4096))
        contiguous = f.create_dataset("contiguous", shape=(8, 10**6), dtype="f8")
        full = f.create_dataset("full", data=np.zeros((2, 100)), chunks=(2, 10))
        with pytest.raises(FileFormatError, match="only 0 are written"):
            check_hdf5_storage(chunked, "d.h5", f)
        with pytest.raises(FileFormatError, match="holds 0 bytes"):
            check_hdf5_storage(contiguous, "d.h5", f)
        check_hdf5_storage(full, "d.h5", f)


def test_rates_no_front_end_has_are_refused(tmp_path, rng):
    rows = "\n".join(f"{k * 1e-9:.12e},{v:.5f}" for k, v in enumerate(rng.normal(0, 1, 2000)))
    (tmp_path / "fast.csv").write_text("time,a\n" + rows)
    with pytest.raises(FileFormatError, match=r"fast\.csv: sampling rate 1e\+09 Hz is beyond any EMG front end \(at most 1e\+06 Hz\)"):
        emgkit.read(tmp_path / "fast.csv")


def test_duplicate_check_is_linear_for_200000_channels():
    names = [f"ch{k % 100_000}" for k in range(200_000)]
    t0 = time.monotonic()
    with pytest.raises(InvalidInputError, match=r"duplicate channel names \['ch0', 'ch1'.*\.\.\. 99990 more"):
        emgkit.Recording(np.zeros((200_000, 2), np.float32), 1000.0, names)
    assert time.monotonic() - t0 < 5


def test_colon_in_a_file_name_is_not_a_path_escape(tmp_path):
    from emgkit.batch.discovery import output_folder

    assert output_folder(tmp_path, "s1/trial_10:30.h5") == tmp_path / "s1" / "trial_10:30.h5"
    for bad in ("../x.h5", "/abs.h5", "a\\b.h5", "C:/x.h5"):
        with pytest.raises(InvalidInputError, match="outside the output folder"):
            output_folder(tmp_path, bad)

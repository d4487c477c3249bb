"""emgkit.datasets.fetch (datasets/public.py): the whole path (download, checksum, cache, unpack, convert) against local file:// archives."""

import hashlib
import json
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit.datasets.public import REGISTRY, clear_cache, dataset_info, fetch, fetchable
from emgkit.datasets.readers import read_uci_lower_limb, read_uci_physical_action
from emgkit.errors import FileFormatError, InvalidInputError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings not available: {DATA} is missing")

PA_FILES = ["sub01/Normal/txt/Walking.txt", "sub02/Aggressive/txt/Punching.txt"]
LL_FILES = ["1Nmar.txt", "2Asen.txt"]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _physical_action_zip(folder):
    """An archive laid out like UCI's: a top folder, sub<N>/<Category>/txt/<Action>.txt, plus non-data files."""
    path = folder / "emg+physical+action+data+set.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in PA_FILES:
            zf.write(DATA / "uci_physical_action" / rel, f"EMG Physical Action Data Set/{rel}")
        zf.writestr("EMG Physical Action Data Set/readme.txt", "EMG Physical Action Data Set\n")
        zf.writestr("EMG Physical Action Data Set/sub01/Normal/log/Walking.log", "DataLog File V1\n")
    return path


def _lower_limb_zip(folder):
    """Archive with a nested zip, as the lower-limb data set's folders may come."""
    inner = folder / "SEMG_DB1.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        for name in LL_FILES:
            sub = "N_TXT" if "N" in name else "A_TXT"
            zf.write(DATA / "uci_lower_limb" / name, f"SEMG_DB1/{sub}/{name}")
        zf.writestr("SEMG_DB1/N_LOG/1Nmar.log", "log\n")
    path = folder / "emg+dataset+in+lower+limb.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(inner, "SEMG_DB1.zip")
    inner.unlink()
    return path


def test_registry_entries_are_complete():
    assert fetchable() == ["uci_lower_limb", "uci_physical_action"]
    for name, info in REGISTRY.items():
        assert info.name == name and info.url.startswith("https://archive.ics.uci.edu/")
        assert info.licence == "CC BY 4.0" and info.citation and info.homepage.startswith("https://")
        assert info.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", info.sha256)
        assert info.sha256_note
        re.compile(info.pattern)
    assert "10.24432/C53W49" in dataset_info("uci_physical_action").citation
    with pytest.raises(InvalidInputError, match="Did you mean 'uci_lower_limb'"):
        dataset_info("uci_lower_limbs")


@needs_data
@pytest.mark.shared_data
def test_fetch_downloads_verifies_caches_and_converts(tmp_path):
    archive = _physical_action_zip(tmp_path)
    digest = _sha(archive)
    calls = []
    files = fetch("uci_physical_action", tmp_path / "data", url=archive.as_uri(), sha256=digest,
                  cache_dir=tmp_path / "cache", progress=lambda done, total: calls.append((done, total)))
    root = tmp_path / "data" / "uci_physical_action"
    assert files == sorted(root / "EMG Physical Action Data Set" / rel.replace(".txt", ".h5") for rel in PA_FILES)
    assert calls[0] == (0, archive.stat().st_size) and calls[-1] == (archive.stat().st_size,) * 2
    for rel, out in zip(sorted(PA_FILES), files):
        rec, ref = emgkit.read(out), read_uci_physical_action(DATA / "uci_physical_action" / rel)
        np.testing.assert_array_equal(rec.data, ref.data)
        assert rec.channel_names == ref.channel_names and rec.fs == 1000.0 and rec.meta["adc_range"] == [-4000, 4000]
        assert rec.meta["subject"] == rel.split("/")[0]
    manifest = (root / "dataset.json").read_text()
    assert digest in manifest and "CC BY 4.0" in manifest and archive.as_uri() in manifest
    assert (tmp_path / "cache" / "uci_physical_action" / archive.name).is_file()

    archive.unlink()  # the cache serves the second call: no download
    stamp = files[0].stat().st_mtime_ns
    again = fetch("uci_physical_action", tmp_path / "data", url=archive.as_uri(), sha256=digest,
                  cache_dir=tmp_path / "cache", progress=False)
    assert again == files and files[0].stat().st_mtime_ns == stamp  # existing outputs are kept
    files[0].write_bytes(b"damaged")
    fetch("uci_physical_action", tmp_path / "data", url=archive.as_uri(), sha256=digest,
          cache_dir=tmp_path / "cache", progress=False, overwrite=True)
    assert emgkit.read(files[0]).n_channels == 8  # rewritten from the cached archive
    clear_cache("uci_physical_action", cache_dir=tmp_path / "cache")
    with pytest.raises(OSError, match="could not download .*url='file:///path/to/archive'"):
        fetch("uci_physical_action", tmp_path / "data", url=archive.as_uri(), sha256=digest,
              cache_dir=tmp_path / "cache", progress=False)


@needs_data
@pytest.mark.shared_data
def test_checksum_mismatch_keeps_nothing(tmp_path):
    archive = _physical_action_zip(tmp_path)
    with pytest.raises(FileFormatError, match="checksum mismatch .*expected SHA-256 0{64}, got " + _sha(archive)):
        fetch("uci_physical_action", tmp_path / "data", url=archive.as_uri(), sha256="0" * 64,
              cache_dir=tmp_path / "cache", progress=False)
    assert not any((tmp_path / "cache").rglob("*.zip")) and not (tmp_path / "data").exists()
    with pytest.raises(InvalidInputError, match="sha256 must be 64 hexadecimal digits"):
        fetch("uci_physical_action", tmp_path / "data", url=archive.as_uri(), sha256="abc", progress=False)


@needs_data
@pytest.mark.shared_data
def test_mirror_variable_nested_zip_and_unpinned_checksum(tmp_path, monkeypatch, capsys):
    _lower_limb_zip(tmp_path)
    monkeypatch.setenv("EMGKIT_DATA_MIRROR", tmp_path.as_uri())
    monkeypatch.setenv("EMGKIT_CACHE_DIR", str(tmp_path / "cache"))
    assert REGISTRY["uci_lower_limb"].sha256 is None
    with pytest.raises(InvalidInputError, match="no SHA-256 .* does not trust a first download; pass sha256="):
        fetch("uci_lower_limb", tmp_path / "data")
    assert not (tmp_path / "cache").exists() and not (tmp_path / "data").exists()  # nothing downloaded
    digest = _sha(tmp_path / "emg+dataset+in+lower+limb.zip")
    files = fetch("uci_lower_limb", tmp_path / "data", sha256=digest)
    assert "downloading uci_lower_limb" in capsys.readouterr().err
    assert sorted(f.name for f in files) == ["1Nmar.h5", "2Asen.h5"]
    for f in files:
        ref = read_uci_lower_limb(DATA / "uci_lower_limb" / f.with_suffix(".txt").name)
        rec = emgkit.read(f)
        np.testing.assert_array_equal(rec.data, ref.data)
        assert rec.unit == "mV" and rec.channel_names == ref.channel_names
    manifest = json.loads((tmp_path / "data" / "uci_lower_limb" / "dataset.json").read_text())
    assert manifest["files_checked_against_pins"] == 2 and manifest["archive_sha256"] == digest
    cached = tmp_path / "cache" / "uci_lower_limb" / "emg+dataset+in+lower+limb.zip"
    cached.write_bytes(cached.read_bytes()[:-10])  # a damaged cache is noticed and downloaded again
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fetch("uci_lower_limb", tmp_path / "data", sha256=digest, progress=False)
    assert _sha(cached) == digest
    changed = tmp_path / "emg+dataset+in+lower+limb.zip"
    changed.write_bytes(changed.read_bytes() + b"\0")  # the upstream archive changes: refused
    cached.unlink()
    with pytest.raises(FileFormatError, match="checksum mismatch"):
        fetch("uci_lower_limb", tmp_path / "data", sha256=digest, progress=False)


def test_every_data_set_has_file_pins():
    from emgkit.datasets._pins import FILE_SHA256

    assert set(FILE_SHA256) == set(REGISTRY)
    for name, pins in FILE_SHA256.items():
        assert len(pins) >= 18 and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in pins.values())
        pattern = re.compile(REGISTRY[name].pattern, re.IGNORECASE)
        assert all(pattern.search(k if "/" in k else "x/" + k) for k in pins), name


@needs_data
@pytest.mark.shared_data
def test_pins_match_the_shared_copies():
    """The pins are the SHA-256 of the real files (../shared/data, SOURCE.md says where they come from)."""
    from emgkit.datasets._pins import FILE_SHA256

    for rel, digest in FILE_SHA256["uci_physical_action"].items():
        assert _sha(DATA / "uci_physical_action" / rel) == digest
    for name, digest in FILE_SHA256["uci_lower_limb"].items():
        assert _sha(DATA / "uci_lower_limb" / name) == digest


@needs_data
@pytest.mark.shared_data
def test_a_file_that_differs_from_its_pin_is_refused(tmp_path):
    path = tmp_path / "emg+physical+action+data+set.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(DATA / "uci_physical_action" / PA_FILES[1], f"EMG Physical Action Data Set/{PA_FILES[1]}")
        text = (DATA / "uci_physical_action" / PA_FILES[0]).read_bytes().replace(b"\t", b"\t1", 1)
        zf.writestr(f"EMG Physical Action Data Set/{PA_FILES[0]}", text)
    with pytest.raises(FileFormatError, match=r"Walking\.txt has SHA-256 [0-9a-f]{64}, not the pinned"):
        fetch("uci_physical_action", tmp_path / "data", url=path.as_uri(), sha256=_sha(path),
              cache_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("url", ["http://archive.ics.uci.edu/x.zip", "ftp://example.org/x.zip", "gopher://x/y"])
def test_only_https_or_local_copies(tmp_path, url):
    with pytest.raises(InvalidInputError, match="https only"):
        fetch("uci_physical_action", tmp_path / "data", url=url, cache_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "cache").exists()


def test_redirects_away_from_https_are_refused():
    import urllib.request

    from emgkit.datasets.public import _HttpsOnlyRedirects

    handler = _HttpsOnlyRedirects()
    req = urllib.request.Request("https://archive.ics.uci.edu/static/public/213/x.zip")
    for target in ("http://archive.ics.uci.edu/x.zip", "ftp://mirror.example/x.zip"):
        with pytest.raises(OSError, match="not https"):
            handler.redirect_request(req, None, 302, "Found", {}, target)
    assert handler.redirect_request(req, None, 302, "Found", {}, "https://mirror.example/x.zip").full_url.startswith(
        "https://mirror.example/")


def test_archive_larger_than_its_limit_is_refused(tmp_path, monkeypatch):
    import dataclasses

    big = tmp_path / "big.zip"
    big.write_bytes(b"\0" * 300_000)
    monkeypatch.setitem(REGISTRY, "uci_physical_action", dataclasses.replace(REGISTRY["uci_physical_action"], max_mb=0.1))
    with pytest.raises(OSError, match="larger than the 0.1 MB"):
        fetch("uci_physical_action", tmp_path / "data", url=big.as_uri(), sha256=_sha(big),
              cache_dir=tmp_path / "cache", progress=False)
    assert not any((tmp_path / "cache").rglob("*.zip")) and not any((tmp_path / "cache").rglob("*.part"))


def test_unsafe_or_empty_archives_are_refused(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../outside.txt", "1\t2\n")
    with pytest.raises(FileFormatError, match="would be written outside the folder"):
        fetch("uci_physical_action", tmp_path / "data", url=evil.as_uri(), sha256=_sha(evil),
              cache_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "outside.txt").exists()
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("data.rar", b"Rar!")
    with pytest.raises(FileFormatError, match=r"no uci_physical_action recording in the archive.*\['data.rar'\]"):
        fetch("uci_physical_action", tmp_path / "data2", url=empty.as_uri(), sha256=_sha(empty),
              cache_dir=tmp_path / "cache2", progress=False)
    notzip = tmp_path / "notzip.zip"
    notzip.write_bytes(b"plain bytes")
    with pytest.raises(FileFormatError, match="not a zip archive"):
        fetch("uci_physical_action", tmp_path / "data3", url=notzip.as_uri(), sha256=_sha(notzip),
              cache_dir=tmp_path / "cache3", progress=False)

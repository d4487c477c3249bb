"""Download public sEMG data sets, check them, cache them and convert them to emgkit native HDF5.

:func:`fetch` looks the data set up in :data:`REGISTRY` (source address,
licence, citation, SHA-256 of the archive), downloads the archive once into a
local cache (with progress), verifies its checksum, unpacks it into a
temporary folder (refusing members that would land outside it) and converts
every recording with the data set's reader into ``<dest>/<name>/``, next to a
``dataset.json`` that records the source, licence and checksum.

The download uses only the standard library (``urllib`` + ``hashlib``),
over **https only** (a redirect to another scheme is refused; ``http://``
and ``ftp://`` addresses are refused), stops at the data set's size limit
(:attr:`PublicDataset.max_mb`) and shows its progress.  Nothing is trusted
on first download: the archive must match its pinned SHA-256 (a data set
without a verified archive pin needs ``sha256=`` from the caller), and every
file of the archive with a pin in :mod:`emgkit.datasets._pins` (SHA-256 of
independent copies of the files) must match it.  ``file://`` addresses read
a local copy: pass ``url=`` or set the ``EMGKIT_DATA_MIRROR`` environment
variable (a folder address; the archive's file name is appended).  The cache folder is
``cache_dir=``, else ``$EMGKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/emgkit``
(``~/.cache/emgkit``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from emgkit.errors import FileFormatError, InvalidInputError

__all__ = ["fetch", "fetchable", "dataset_info", "clear_cache", "PublicDataset", "REGISTRY"]

CHUNK = 1 << 16
_FROM_REGISTRY = object()  # sha256 default: the registry's value


@dataclass(frozen=True)
class PublicDataset:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        Key for :func:`fetch`.
    title, homepage, citation, licence : str
        What it is, where it is described, how to cite it, its licence.
    url : str
        Address of the archive.
    archive : str
        File name of the archive in the cache.
    sha256 : str or None
        Expected SHA-256 of the archive (None: no pin could be obtained from a
        trustworthy source; :func:`fetch` then needs ``sha256=``).
    sha256_note : str
        Where the checksum comes from.
    reader : str
        Function of :mod:`emgkit.datasets.readers` that reads one file.
    pattern : str
        Regular expression (searched in the archive-relative POSIX path) of
        the files to convert.
    """

    name: str
    title: str
    homepage: str
    citation: str
    licence: str
    url: str
    archive: str
    sha256: str | None
    sha256_note: str
    reader: str
    pattern: str
    max_mb: float = 100.0  # the archive may not be larger (the download stops there)
    pin_by_name: bool = False  # file pins are keyed by file name instead of the path in the data set


REGISTRY: dict[str, PublicDataset] = {
    "uci_physical_action": PublicDataset(
        name="uci_physical_action",
        title="EMG Physical Action Data Set (4 subjects, 10 normal + 10 aggressive actions, 8 channels, 1000 Hz)",
        homepage="https://archive.ics.uci.edu/dataset/213/emg+physical+action+data+set",
        citation="Theodoridis, T. (2011). EMG Physical Action Data Set. UCI Machine Learning Repository. "
        "https://doi.org/10.24432/C53W49",
        licence="CC BY 4.0",
        url="https://archive.ics.uci.edu/static/public/213/emg+physical+action+data+set.zip",
        archive="emg+physical+action+data+set.zip",
        sha256="977088b740cb1063abb33efe58923e0bea6a71bdf354a8dbb13de44025f1a91f",
        sha256_note=(
            "archive: as pinned by public third-party code that downloads it from this address (not recomputed by "
            "emgkit, which cannot reach UCI from its build machines); its 40 text files of subjects 1-2 are "
            "also pinned from an independent copy (emgkit.datasets._pins) and checked at every fetch"
        ),
        reader="read_uci_physical_action",
        pattern=r"(^|/)txt/[^/]+\.txt$",
    ),
    "uci_lower_limb": PublicDataset(
        name="uci_lower_limb",
        title="EMG dataset in Lower Limb (22 subjects, normal/knee abnormality, gait/sitting/standing, 4 EMG + goniometer, 1000 Hz)",
        homepage="https://archive.ics.uci.edu/dataset/278/emg+dataset+in+lower+limb",
        citation="EMG dataset in Lower Limb. BASAN / Universidad Militar Nueva Granada (2012-2013). "
        "UCI Machine Learning Repository, https://archive.ics.uci.edu/dataset/278",
        licence="CC BY 4.0",
        url="https://archive.ics.uci.edu/static/public/278/emg+dataset+in+lower+limb.zip",
        archive="emg+dataset+in+lower+limb.zip",
        sha256=None,
        sha256_note=(
            "archive: no checksum from a trustworthy source was found, so fetch needs sha256= (the SHA-256 of a "
            "copy you trust); the 18 text files of subjects 1-3 are pinned from an independent copy "
            "(emgkit.datasets._pins) and checked at every fetch"
        ),
        reader="read_uci_lower_limb",
        pattern=r"(^|/)\d+[NA](mar|sen|pie)\.txt$",
        pin_by_name=True,
    ),
}


def fetchable() -> list[str]:
    """Names of the data sets :func:`fetch` knows, sorted."""
    return sorted(REGISTRY)


def dataset_info(name: str) -> PublicDataset:
    """The registry entry of ``name`` (source, licence, citation, checksum)."""
    if name not in REGISTRY:
        hint = difflib.get_close_matches(str(name), list(REGISTRY), n=1)
        extra = f" Did you mean {hint[0]!r}?" if hint else ""
        raise InvalidInputError(f"no public data set named {name!r}; known: {', '.join(fetchable())}.{extra}")
    return REGISTRY[name]


def _cache_root(cache_dir) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("EMGKIT_CACHE_DIR"):
        return Path(os.environ["EMGKIT_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "emgkit"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _reporter(progress, label):
    """A callable(done, total) printing to stderr, the caller's callable, or a no-op."""
    if callable(progress):
        return progress
    if not progress:
        return lambda done, total: None

    def report(done, total):
        mb = done / 1e6
        text = f"{mb:.1f} of {total / 1e6:.1f} MB ({100 * done / total:.0f} %)" if total else f"{mb:.1f} MB"
        end = "\n" if total and done >= total else ""
        print(f"\rdownloading {label}: {text}", end=end, file=sys.stderr, flush=True)

    return report


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another https address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme.lower() != "https":
            raise OSError(f"{req.full_url} redirects to {newurl}, which is not https; fetch follows https only")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _check_url(url) -> str:
    """``url`` when it is https:// or file:// (a local copy), else an error."""
    scheme = urllib.parse.urlsplit(str(url)).scheme.lower()
    if scheme not in ("https", "file"):
        raise InvalidInputError(
            f"fetch downloads over https only (or reads a local copy from file://...), got {url!r}; "
            "use the https address of the archive"
        )
    return str(url)


def _download(url: str, target: Path, expected: str, progress, label, max_bytes: int) -> str:
    """Stream ``url`` to ``target`` (via a temporary sibling) and return its SHA-256; checks ``expected``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    report = _reporter(progress, label)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    digest = hashlib.sha256()
    too_big = (f"{url} is larger than the {max_bytes / 1e6:g} MB this data set's archive can be; "
               "nothing was kept. Check the address")
    try:
        try:
            opener = urllib.request.build_opener(_HttpsOnlyRedirects)
            response = opener.open(_check_url(url), timeout=60)
        except (urllib.error.URLError, ValueError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OSError(
                f"could not download {url}: {reason}. Check the network, or download the archive yourself and pass "
                "url='file:///path/to/archive' (or set EMGKIT_DATA_MIRROR to its folder)"
            ) from None
        with response, os.fdopen(fd, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            if total > max_bytes:
                raise OSError(too_big)
            done = 0
            report(0, total)
            for block in iter(lambda: response.read(CHUNK), b""):
                done += len(block)
                if done > max_bytes:
                    raise OSError(too_big)
                out.write(block)
                digest.update(block)
                report(done, total)
            if total and done != total:
                raise OSError(f"download of {url} stopped after {done} of {total} bytes; try again")
        observed = digest.hexdigest()
        if observed != expected.lower():
            raise FileFormatError(
                f"checksum mismatch for {url}: expected SHA-256 {expected}, got {observed}. The download is corrupt "
                "or the archive changed upstream; nothing was kept. Retry, or pass sha256= with the checksum of "
                "a copy you trust"
            )
        os.replace(tmp, target)
        return observed
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _archive(info: PublicDataset, url, expected: str, cache_dir, progress) -> tuple[Path, str]:
    """The cached archive (downloaded when missing or stale) and its SHA-256 (always ``expected``)."""
    target = _cache_root(cache_dir) / info.name / info.archive
    if target.is_file():
        observed = _sha256(target)
        if observed == expected.lower():
            return target, observed
        target.unlink()  # stale or corrupt cache: fetch again
    return target, _download(url, target, expected, progress, info.name, int(info.max_mb * 1e6))


def _check_pins(info: PublicDataset, archive: Path, unpacked: Path, found: list[Path]) -> int:
    """Check every extracted data file that has a pinned SHA-256; returns how many were checked."""
    from ._pins import FILE_SHA256

    pins = FILE_SHA256.get(info.name, {})
    checked = 0
    for path in found:
        rel = path.relative_to(unpacked).as_posix()
        key = path.name if info.pin_by_name else next((k for k in pins if rel == k or rel.endswith("/" + k)), None)
        if key not in pins:
            continue
        observed = _sha256(path)
        if observed != pins[key]:
            raise FileFormatError(
                f"{archive}: {rel} has SHA-256 {observed}, not the pinned {pins[key]} (emgkit.datasets._pins); the "
                "archive differs from the published data set. Nothing was converted; delete the cached archive "
                "(clear_cache) and fetch again from the official address"
            )
        checked += 1
    return checked


def _extract(archive: Path, into: Path) -> None:
    """Unpack a zip archive (and zips inside it) into ``into``; members may not escape it."""
    root = into.resolve()
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise FileFormatError(f"{archive}: not a zip archive ({exc}); delete it from the cache and fetch again") from None
    with zf:
        for member in zf.infolist():
            dest = (into / member.filename).resolve()
            if dest != root and root not in dest.parents:
                raise FileFormatError(f"{archive}: member {member.filename!r} would be written outside the folder; refusing the archive")
        zf.extractall(into)
    for inner in sorted(into.rglob("*.zip")):
        _extract(inner, inner.with_suffix(""))
        inner.unlink()


def fetch(name: str, dest, *, url=None, sha256=_FROM_REGISTRY, cache_dir=None, progress=True, overwrite=False) -> list[Path]:
    """Download (once), verify and convert a public sEMG data set to emgkit native HDF5.

    Parameters
    ----------
    name : str
        One of :func:`fetchable` (``"uci_physical_action"``, ``"uci_lower_limb"``).
    dest : str or Path
        Folder for the converted files: they go to ``<dest>/<name>/``,
        mirroring the archive's folders, with ``.h5`` names.
    url : str, optional
        Download address (``https://...`` or ``file:///...``; ``http``,
        ``ftp`` and redirects away from https are refused).  Default:
        ``$EMGKIT_DATA_MIRROR/<archive name>`` when that variable is set,
        else the registry's address.
    sha256 : str, optional
        Expected SHA-256 of the archive.  Default: the registry's pin; a data
        set without one needs it here (there is no trust on first download
        and no way to skip the check).
    cache_dir : str or Path, optional
        Where archives are cached (module notes).
    progress : bool or callable, default True
        Print download progress to stderr, or call ``progress(done_bytes,
        total_bytes)`` (total 0 when unknown).
    overwrite : bool, default False
        Convert again over existing outputs; otherwise existing outputs
        (complete, since writes are atomic) are kept.

    Returns
    -------
    list of Path
        The native HDF5 files, sorted.

    Raises
    ------
    InvalidInputError
        Unknown data set name, an address that is not https/file, no
        checksum (neither pinned nor given).
    OSError
        The download failed or passed the size limit (the message says how
        to use a local copy).
    FileFormatError
        Archive or file checksum mismatch, a damaged or unsafe archive, or no
        recording of the data set in it.

    Examples
    --------
    >>> from emgkit.datasets.public import dataset_info, fetch
    >>> files = fetch("uci_physical_action", "data")        # doctest: +SKIP
    >>> dataset_info("uci_physical_action").licence
    'CC BY 4.0'
    """
    from emgkit.io import write

    from . import readers

    info = dataset_info(name)
    if url is None:
        mirror = os.environ.get("EMGKIT_DATA_MIRROR")
        url = f"{mirror.rstrip('/')}/{info.archive}" if mirror else info.url
    _check_url(url)
    expected = info.sha256 if sha256 is _FROM_REGISTRY else sha256
    if expected is None:
        raise InvalidInputError(
            f"{info.name}: no SHA-256 of {info.archive} from a trustworthy source is pinned in emgkit, and emgkit "
            "does not trust a first download; pass sha256='<64 hex digits>' computed from a copy you trust "
            "(sha256sum archive.zip). Its data files are still checked against emgkit's pins"
        )
    if not re.fullmatch(r"[0-9a-fA-F]{64}", str(expected)):
        raise InvalidInputError(f"sha256 must be 64 hexadecimal digits, got {expected!r}")
    archive, digest = _archive(info, url, expected, cache_dir, progress)

    out_root = Path(dest).expanduser() / info.name
    reader = getattr(readers, info.reader)
    pattern = re.compile(info.pattern, re.IGNORECASE)
    written = []
    with tempfile.TemporaryDirectory(prefix=f"emgkit-{info.name}-") as tmp:
        unpacked = Path(tmp)
        _extract(archive, unpacked)
        found = sorted(p for p in unpacked.rglob("*") if p.is_file() and pattern.search(p.relative_to(unpacked).as_posix()))
        if not found:
            listing = sorted(p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file())[:20]
            raise FileFormatError(
                f"{archive}: no {info.name} recording in the archive (looked for {info.pattern!r}); it holds "
                f"{listing or 'no files'}. If it holds another archive type (e.g. .rar), unpack it yourself"
            )
        n_pinned = _check_pins(info, archive, unpacked, found)
        for src in found:
            rel = src.relative_to(unpacked).with_suffix(".h5")
            out = out_root / rel
            if out.exists() and not overwrite:
                written.append(out)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            write(reader(src), out, overwrite=overwrite)
            written.append(out)
    manifest = {**asdict(info), "downloaded_from": url, "archive_sha256": digest, "files_checked_against_pins": n_pinned,
                "files": [p.relative_to(out_root).as_posix() for p in sorted(written)]}
    out_root.mkdir(parents=True, exist_ok=True)
    tmp_manifest = out_root / ".dataset.json.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_manifest, out_root / "dataset.json")
    return sorted(written)


def clear_cache(name: str, cache_dir=None) -> None:
    """Delete the cached archive of ``name`` (it is downloaded again by the next :func:`fetch`)."""
    folder = _cache_root(cache_dir) / dataset_info(name).name
    shutil.rmtree(folder, ignore_errors=True)

"""Readers for the formats researchers have: C3D, EDF/EDF+/BDF, delimited text and NWB.

Importing this package registers the readers in :data:`emgkit.io.FORMATS`, so
:func:`emgkit.read` and :func:`emgkit.open` recognise the files by content:

========================  ==========================================  ===========================
name                      recognised by                               needs
========================  ==========================================  ===========================
``nwb``                   HDF5 whose root says ``NWBFile``            h5py
``c3d``                   byte 2 = 0x50 and a known processor type    ``emgkit[c3d]`` (ezc3d)
``edf``                   ``"0       "`` / ``"\\xffBIOSEMI"`` header  ``emgkit[edf]`` (pyedflib)
``text``                  printable text with digits (tried last)     pandas
========================  ==========================================  ===========================

The readers' libraries are imported only when a file of their kind is read;
a missing optional library raises :class:`emgkit.errors.MissingDependencyError`
naming the extra to install.  What each reader reads and leaves out:
``docs/formats.md``.  Events follow :mod:`emgkit.formats.events`.
"""

from __future__ import annotations

from importlib import import_module

from ..io import FileFormat, is_hdf5, register_format

__all__ = ["register"]


def _lazy(module: str, name: str):
    """``emgkit.formats.<module>.<name>``, imported on first call."""

    def call(*args, **kwargs):
        return getattr(import_module(f"emgkit.formats.{module}"), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = f"{module}.{name}"
    return call


def register() -> None:
    """Add (or replace) the NWB, C3D, EDF/BDF and text entries of :data:`emgkit.io.FORMATS`."""
    register_format(
        FileFormat(
            name="nwb",
            description="NWB 2.x (ElectricalSeries or volts TimeSeries; option series=)",
            sniff=lambda path, head: is_hdf5(path, head) and _lazy("nwb", "sniff_nwb")(path, head),
            open=_lazy("nwb", "open_nwb"),
        ),
        before="hdf5",
    )
    register_format(
        FileFormat(
            name="c3d",
            description='C3D motion-capture files, analog EMG channels (pip install "emgkit[c3d]"; options emg_only=, group=)',
            sniff=_lazy("c3d", "sniff_c3d"),
            open=_lazy("c3d", "open_c3d"),
            read=_lazy("c3d", "read_c3d"),
        )
    )
    register_format(
        FileFormat(
            name="edf",
            description='EDF/EDF+/BDF/BDF+ (pip install "emgkit[edf]"; options mixed_rates=, resample_to=, emg_only=)',
            sniff=_lazy("edf", "sniff_edf"),
            open=_lazy("edf", "open_edf"),
            read=_lazy("edf", "read_edf"),
        )
    )
    register_format(
        FileFormat(
            name="text",
            description=(
                "delimited text: CSV/TSV/TXT columns, Vicon 'Devices' CSV, OpenSignals and the UCI data sets "
                "(options fs=, delimiter=, decimal=, time_column=, labels=, unit=, preset=)"
            ),
            sniff=_lazy("text", "sniff_text"),
            read=_lazy("text", "read_text"),
        )
    )


register()

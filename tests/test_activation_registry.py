"""The onset-method registry: the configuration, the command line and the detector accept exactly its methods and options."""

import argparse
import dataclasses

import pytest

from emgkit.activation import METHODS, REGISTRY
from emgkit.activation._registry import OPTIONS, resolve_options
from emgkit.activation.cli import add_onsets_parser, method_options
from emgkit.config import Config, OnsetConfig, load_config
from emgkit.errors import InvalidInputError

FROM_FILTERS = {"band_hz"}  # set by [filters] in the analysis, not in [onset]


def valid(option):
    """A value inside the option's bounds (and below every at_most partner's default)."""
    if option.kind == "band":
        return (20.0, 400.0)
    base = option.gt if option.gt is not None else option.ge
    if option.kind == "int":
        return int(base) if option.ge is not None else int(base) + 1
    return 0.5 if option.lt is not None else base + 2.5


def cli(*argv):
    p = argparse.ArgumentParser(prog="emgkit")
    add_onsets_parser(p.add_subparsers(dest="command"))
    return p.parse_args(["onsets", "file.h5", *argv])


def test_registry_is_consistent():
    assert METHODS == tuple(REGISTRY) and len(METHODS) == len(set(METHODS))
    for spec in REGISTRY.values():
        assert set(spec.defaults) <= set(OPTIONS)
        assert spec.kind in ("tkeo", "rectified", "bonato")
        assert "{unit}" in spec.statistic or spec.kind == "bonato"
        spec.statistic.format(unit="V", **spec.defaults)  # every placeholder is an option of the method
        assert resolve_options(spec.name, {}) == (spec.name, dict(spec.defaults))
    assert {name for spec in REGISTRY.values() for name in spec.defaults} == set(OPTIONS)


def test_config_has_exactly_the_registry_methods_and_options():
    fields = {f.name: f for f in dataclasses.fields(OnsetConfig)}
    assert tuple(fields["method"].metadata["choices"]) == METHODS
    assert set(fields) - {"method", "baseline"} == set(OPTIONS) - FROM_FILTERS


@pytest.mark.parametrize("method", METHODS)
def test_config_accepts_a_methods_options_and_refuses_the_others(method):
    spec = REGISTRY[method]
    for name, option in OPTIONS.items():
        if name in FROM_FILTERS:
            continue
        doc = {"onset": {"method": method, name: valid(option)}}
        if name in spec.defaults:
            assert load_config(doc).onset.options() == {name: valid(option)}
        else:
            with pytest.raises(InvalidInputError, match=rf"\[onset\] unknown option\(s\) \['{name}'\] for method='{method}'"):
                load_config(doc)
    assert Config().onset.method == "auto"


def test_config_checks_the_registry_bounds():
    with pytest.raises(InvalidInputError, match="onset.pfa must be < 1"):
        load_config({"onset": {"method": "bonato", "pfa": 1.5}})
    with pytest.raises(InvalidInputError, match="h_low=5.0 must not exceed h=3.0"):
        load_config({"onset": {"method": "hodges", "h_low": 5}})
    with pytest.raises(InvalidInputError, match="onset.method must be one of"):
        load_config({"onset": {"method": "tkoe"}})


@pytest.mark.parametrize("method", METHODS)
def test_cli_accepts_a_methods_options_and_refuses_the_others(method):
    spec = REGISTRY[method]
    for name, option in OPTIONS.items():
        value = valid(option)
        text = ",".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
        args = cli("--method", method, "--set", f"{name}={text}")
        if name in spec.defaults:
            assert method_options(args) == {name: value}
        else:
            with pytest.raises(InvalidInputError, match=rf"unknown option\(s\) \['{name}'\]"):
                method_options(args)


def test_cli_methods_are_the_registry():
    for method in METHODS:
        assert cli("--method", method).method == method
    with pytest.raises(SystemExit):
        cli("--method", "nope")

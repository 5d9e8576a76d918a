"""Every default has one source (stockflow.defaults): the schema, the shipped config and the
stage CLIs state the same values."""

import argparse

import pytest
import yaml
from stockflow import convert, defaults, download, synthesize
from stockflow.sources import origins
from support.workflow import REPO

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())


def schema_default(key: str):
    node = SCHEMA["properties"][key]
    if node.get("type") == "object":
        return {k: v["default"] for k, v in node["properties"].items() if "default" in v}
    return node["default"]


@pytest.mark.parametrize("key", list(defaults.CONFIG))
def test_schema_defaults_are_stockflows(key):
    assert schema_default(key) == defaults.CONFIG[key]


def test_every_defaulted_schema_key_is_in_stockflows_defaults():
    defaulted = {k for k, v in SCHEMA["properties"].items() if "default" in v}
    assert defaulted == set(defaults.CONFIG)


def test_the_shipped_config_states_the_defaults():
    shipped = yaml.safe_load((REPO / "config/config.yaml").read_text())
    for key, value in defaults.CONFIG.items():
        assert shipped[key] == value, key


def _options(ns: argparse.Namespace, keys) -> dict:
    return {k: getattr(ns, k) for k in keys}


def test_stage_clis_default_to_stockflows_defaults():
    src = download.parse_args(["t", "out.csv"])
    # every source.* key that is a download option (parallel is a Snakemake resource, key_env
    # and provider are the workflow's to fill in)
    # (bulk decides whether the workflow passes --bulk-dir)
    keys = [k for k in defaults.SOURCE if k not in ("parallel", "key_env", "bulk")]
    assert _options(src, keys) == {k: defaults.SOURCE[k] for k in keys}
    assert src.key_env == []

    syn = synthesize.parse_args(["t", "in.csv", "out.json"])
    assert _options(syn, defaults.SYNTH) == defaults.SYNTH

    p = argparse.ArgumentParser()
    convert.add_options(p)
    conv = p.parse_args([])
    assert _options(conv, defaults.CONVERT) == defaults.CONVERT
    assert {"format": conv.format, "complevel": conv.complevel, "complib": conv.complib} == (
        defaults.HDF5
    )


def test_library_functions_default_to_stockflows_defaults():
    import inspect

    sig = inspect.signature(convert.convert_file).parameters
    assert sig["fmt"].default == defaults.HDF5["format"]
    assert sig["complib"].default == defaults.HDF5["complib"]
    assert sig["memory_mb"].default == defaults.CONVERT["memory_mb"]
    assert sig["threads"].default == defaults.CONVERT["threads"]
    source = origins.Source(kind="embedded")
    for key in ("connect_timeout", "read_timeout", "retries", "backoff", "max_bytes"):
        assert getattr(source, key) == defaults.SOURCE[key], key

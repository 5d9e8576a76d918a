"""stockflow.registry against the rules Snakemake actually has: adding a rule is one edit."""

import json
import re
import subprocess
import sys

import pytest
from conftest import SNAKEFILE, write_config
from stockflow import registry

# Loads the workflow with Snakemake's own API and prints each rule's benchmark and log.
PROBE = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, ResourceSettings

with SnakemakeApi(OutputSettings()) as api:
    wf = api.workflow(ResourceSettings(cores=1), snakefile=Path(sys.argv[1]), workdir=Path(sys.argv[2]))
    print(json.dumps({
        rule.name: {"benchmark": rule.benchmark and str(rule.benchmark), "log": [str(x) for x in rule.log]}
        for rule in wf._workflow.rules
    }))
"""


def _plain(path: str | None) -> str | None:
    """A pattern as written in the rule: ``{ticker,aapl|ibm}`` -> ``{ticker}``."""
    return path and re.sub(r"\{(\w+),[^}]*\}", r"{\1}", path)


@pytest.fixture(scope="module")
def snakemake_rules(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("registry")
    write_config(work, cprofile=True)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(SNAKEFILE), str(work)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_rule_snakemake_has_is_in_the_registry_and_no_other(snakemake_rules):
    assert set(snakemake_rules) - {"all"} == set(registry.RULES)


def test_each_rule_takes_its_benchmark_and_log_from_the_registry(snakemake_rules):
    for name, rule in registry.RULES.items():
        got = snakemake_rules[name]
        assert _plain(got["benchmark"]) == rule.benchmark, name
        assert [_plain(p) for p in got["log"]] == [rule.log], name


def test_rules_have_their_own_colours_and_summarized_rules_a_work_file():
    drawn = [r for r in registry.RULES.values() if r.drawn]
    assert len({r.color for r in drawn}) == len(drawn)
    assert registry.OTHER_COLOR not in {r.color for r in drawn}
    for rule in registry.SUMMARIZED:
        assert rule.wildcard == "ticker" and "{ticker}" in rule.work, rule.name


def test_benchmark_and_work_files_per_job():
    rules = [registry.RULES["download"], registry.RULES["inventory"]]
    assert registry.benchmark_files(rules, ["a", "b"]) == [
        "benchmarks/download/a.tsv",
        "benchmarks/download/b.tsv",
        "benchmarks/inventory.tsv",
    ]
    assert registry.work_files(["a"]) == ["resources/quotes/a.csv", "results/json/a.json"]
    with pytest.raises(ValueError, match="cprofile_merge: jobs per stage"):
        registry.benchmark_files([registry.RULES["cprofile_merge"]], ["a"])

"""stockflow.registry against the rules Snakemake actually has: adding a rule is one edit."""

import json
import re
import subprocess
import sys

import pytest
from stockflow import StockflowError, registry
from support.workflow import SNAKEFILE, write_config

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
    return path and re.sub(r"\{(\w+),(?:[^{}]|\{[^{}]*\})*\}", r"{\1}", path)


def _rules(work, **config) -> dict:
    write_config(work, cprofile=True, **config)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(SNAKEFILE), str(work)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def snakemake_rules(tmp_path_factory) -> dict:
    return _rules(tmp_path_factory.mktemp("registry"))


def test_batch_jobs_replace_the_data_rules_by_one_rule_per_batch_and_stage(tmp_path):
    rules = _rules(tmp_path, tickers=["a", "b", "c"], batch_size=2, batch_jobs=True)
    data = {r.name for r in registry.SUMMARIZED}
    assert set(rules) - {"all"} == (set(registry.RULES) - data) | {
        registry.batch_rule(stage, shard) for stage in data for shard in ("0000", "0001")
    }
    for stage in data:
        got = rules[registry.batch_rule(stage, "0001")]
        assert got["benchmark"] == registry.batch_benchmark(stage, "0001")
        assert got["log"] == [registry.batch_log(stage, "0001")]


def test_every_rule_snakemake_has_is_in_the_registry_and_no_other(snakemake_rules):
    assert set(snakemake_rules) - {"all"} == set(registry.RULES)


def test_each_rule_takes_its_benchmark_and_log_from_the_registry(snakemake_rules):
    for name, rule in registry.RULES.items():
        got = snakemake_rules[name]
        assert _plain(got["benchmark"]) == rule.benchmark, name
        assert [_plain(p) for p in got["log"]] == [rule.log], name


def test_the_timeline_reads_the_per_run_jobs_and_shards_not_itself():
    names = {r.name for r in registry.TIMELINE_SINGLES}
    assert names == {"plot_ticker", "shard", "benchmark_summary", "inventory"}


def test_rules_have_their_own_colours():
    drawn = [r for r in registry.RULES.values() if r.drawn]
    assert len({r.color for r in drawn}) == len(drawn)
    assert registry.OTHER_COLOR not in {r.color for r in drawn}
    for rule in registry.SUMMARIZED:
        assert rule.wildcard == "ticker", rule.name


def test_benchmark_and_log_files_per_job():
    rules = [registry.RULES["download"], registry.RULES["plot_ticker"], registry.RULES["inventory"]]
    assert registry.benchmark_files(rules, ["a", "b"], ["b"]) == [
        "benchmarks/download/a.tsv",
        "benchmarks/download/b.tsv",
        "benchmarks/plot_ticker/b.tsv",
        "benchmarks/inventory.tsv",
    ]
    assert registry.log_files(rules[:1], ["a"], []) == ["logs/download/a.log"]
    with pytest.raises(ValueError, match="cprofile_merge: jobs per stage"):
        registry.benchmark_files([registry.RULES["cprofile_merge"]], ["a"], [])


def test_shards_batch_the_tickers_in_run_order():
    names = [f"t{i}" for i in range(250)]
    shards = registry.shards(names, 100)
    assert list(shards) == ["0000", "0001", "0002"]
    assert [len(v) for v in shards.values()] == [100, 100, 50]
    assert [t for part in shards.values() for t in part] == names
    shard_rule = registry.RULES["shard"]
    assert registry.benchmark_files([shard_rule], names, [], 100) == [
        f"benchmarks/shard/{k}.tsv" for k in shards
    ]


def test_a_benchmark_path_names_its_rule_value_and_root():
    rule, value, root = registry.job_of_benchmark("/cache/b/benchmarks/shard/0003.tsv")
    assert (rule.name, value, root) == ("shard", "0003", "/cache/b")
    rule, value, root = registry.job_of_benchmark("benchmarks/inventory.tsv")
    assert (rule.name, value, root) == ("inventory", None, ".")
    with pytest.raises(StockflowError, match="not the benchmark file of a rule"):
        registry.job_of_benchmark("benchmarks/nope.tsv")
    assert registry.at(".", "logs/x.log") == "logs/x.log"
    assert registry.at("/cache/bucket", "logs/x.log") == "/cache/bucket/logs/x.log"
    with pytest.raises(StockflowError, match="expected a path ending in"):
        registry.root_of("/a/other.txt", "logs/x.log")

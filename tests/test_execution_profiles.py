"""Snakemake's execution profiles (profiles/) are well-formed; the default one can never send
jobs to a cluster. (cProfile of jobs, config cprofile, is tests/test_cprofile.py.)
"""

import os

import yaml
from support.workflow import REPO

PROFILES = REPO / "profiles"


def load(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def test_default_profile_never_selects_a_cluster_executor():
    default = load("default")
    assert default.get("executor", "local") in ("local", "dryrun", "touch")
    assert not any(k.startswith(("slurm", "cluster-generic")) for k in default)


def test_cluster_profiles_select_their_executor_and_leave_resources_to_the_rules():
    assert load("slurm")["executor"] == "slurm"
    generic = load("cluster-generic")
    assert generic["executor"] == "cluster-generic"
    submit = generic["cluster-generic-submit-cmd"]
    for placeholder in ("{resources.mem_mb}", "{resources.runtime}", "{threads}"):
        assert placeholder in submit
    status = PROFILES / "cluster-generic" / generic["cluster-generic-status-cmd"].split()[0]
    assert status.is_file() and os.access(status, os.X_OK)


def test_slurm_s3_is_exactly_the_slurm_and_s3_profiles_without_a_shared_disk():
    combined = {**load("slurm"), **load("s3"), "shared-fs-usage": ["none"]}
    assert load("slurm-s3") == combined


def test_storage_profiles_hold_no_credentials():
    for name in ("s3", "slurm-s3"):
        text = (PROFILES / name / "config.yaml").read_text()
        keys = yaml.safe_load(text)
        assert not any("key" in k or "secret" in k or "endpoint" in k for k in keys), name

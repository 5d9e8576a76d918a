"""envs/*.yaml (for --sdm conda users) pin the same versions as pyproject.toml."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from support.workflow import REPO

CONDA_TO_PYPI = {"pytables": "tables"}


def pyproject_pins() -> dict[str, str]:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {}
    for dep in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)", dep)
        assert m, f"pyproject.toml: dependency {dep!r} is not pinned with =="
        pins[m.group(1).lower()] = m.group(2)
    return pins


def env_pins(path: Path) -> dict[str, str]:
    pins = {}
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep["pip"]:
                name, version = pip_dep.split("==")
                pins[name.lower()] = version
        elif "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=")
            pins[CONDA_TO_PYPI.get(name, name).lower()] = version
    return pins


ENV_FILES = sorted((REPO / "envs").glob("*.yaml"))


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_match_pyproject(path):
    pins, expected = env_pins(path), pyproject_pins()
    for name, version in pins.items():
        assert name in expected, f"{path.name}: {name} is not a dependency in pyproject.toml"
        assert version == expected[name], (
            f"{path.name}: {name}={version}, pyproject {expected[name]}"
        )


def test_every_rule_env_exists_and_every_runtime_dependency_is_in_some_env():
    referenced = set()
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for m in re.finditer(r'conda:\s*\n\s*"([^"]+)"', smk.read_text()):
            env = (smk.parent / m.group(1)).resolve()
            assert env.is_file(), f"{smk.name} references missing {m.group(1)}"
            referenced.add(env)
    assert referenced == {p.resolve() for p in ENV_FILES}
    covered = set().union(*(env_pins(p) for p in ENV_FILES))
    # snakemake itself runs outside the job envs, and so does its --report (pygments)
    assert covered == set(pyproject_pins()) - {"snakemake", "pygments"}

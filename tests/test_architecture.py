"""The package's layout as docs/ARCHITECTURE.md describes it: every module named, subpackages
that import nothing, one owner for the layout of resources/, no reference to a module that
does not exist."""

import ast
import importlib
import re
from pathlib import Path

import pytest
from stockflow import resources

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "workflow" / "stockflow"
ARCH = REPO / "docs" / "ARCHITECTURE.md"
MAX_TOP_MODULES = 20


def modules() -> list[str]:
    """Every module of the package as docs name it: ``download``, ``nightly/finished``."""
    return sorted(str(p.relative_to(PKG).with_suffix("")) for p in PKG.rglob("*.py"))


def owners_section() -> str:
    text = ARCH.read_text()
    return text[text.index("## Who owns what") : text.index("## What a night does")]


def named_in(section: str) -> set[str]:
    """Module names in backticks, with ``a/{b,c}`` spelled out."""
    names = set()
    for word in re.findall(r"`([a-z0-9_/{},]+)`", section):
        m = re.fullmatch(r"([a-z0-9_/]*)\{([a-z0-9_,]+)\}", word)
        names |= {m.group(1) + x for x in m.group(2).split(",")} if m else {word}
    return names


def test_every_module_is_named_in_who_owns_what():
    named = named_in(owners_section())
    # a subpackage is named by its heading, e.g. `nightly/`
    names = [m.removesuffix("__init__") if "/" in m else m for m in modules()]
    missing = [n for n in names if n not in named]
    assert not missing, f"docs/ARCHITECTURE.md 'Who owns what' does not name: {missing}"


def test_who_owns_what_names_no_module_that_is_gone():
    mods = {m.removesuffix("/__init__") for m in modules()} | {"__init__"}
    rows = re.findall(r"^\| `([a-z0-9_/{},]+)` \|", owners_section(), re.M)
    gone = [n for n in named_in(" ".join(f"`{r}`" for r in rows)) if n not in mods]
    assert not gone, f"named in 'Who owns what' but not in the package: {gone}"


def test_at_most_twenty_modules_at_the_top():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


@pytest.mark.parametrize("init", sorted(PKG.glob("*/**/__init__.py")), ids=str)
def test_a_subpackage_init_imports_nothing(init):
    tree = ast.parse(init.read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert not imports, f"{init}: every job is a fresh process; import where it is used"


def test_every_store_path_is_named_in_resources_only():
    literal = re.compile(r"""["'](resources/|\.stockflow/)""")
    found = [
        f"{p.relative_to(REPO)}:{i}"
        for p in PKG.rglob("*.py")
        if p.name != "resources.py"
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    assert not found, f"store paths outside stockflow/resources.py: {found}"
    assert {s.path.split("/")[0] for s in resources.STORES} == {"resources", ".stockflow"}


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_dotted_reference_names_a_module_that_exists():
    texts = [*PKG.rglob("*.py"), *REPO.glob("docs/*.md"), REPO / "README.md"]
    texts += [*REPO.glob("workflow/rules/*.smk"), REPO / "Snakefile"]
    ref = re.compile(r"(?<![\w/])stockflow(?:\.[a-z_]\w*)+")  # not placeholders (stockflow.X)
    stale = sorted(
        {
            f"{p.relative_to(REPO)}: {m.group(0)}"
            for p in texts
            for m in ref.finditer(p.read_text())
            if not _resolves(m.group(0).rstrip("."))
        }
    )
    assert not stale, "references to modules or names that do not exist:\n" + "\n".join(stale)


def test_every_module_path_in_docs_exists():
    texts = [*REPO.glob("docs/*.md"), REPO / "README.md", *REPO.glob("*/README.md")]
    texts += [*PKG.rglob("*.py"), *REPO.glob("workflow/rules/*.smk")]
    ref = re.compile(r"stockflow/([a-z0-9_/]+\.py)")
    gone = sorted(
        {
            f"{p.relative_to(REPO)}: {m.group(0)}"
            for p in texts
            for m in ref.finditer(p.read_text())
            if not (PKG / m.group(1)).is_file()
        }
    )
    assert not gone, "paths of modules that do not exist:\n" + "\n".join(gone)

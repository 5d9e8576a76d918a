"""The README stays a front page, and every relative link in the docs resolves (file and #anchor)."""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from support.workflow import REPO

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)


def doc_files(root: Path) -> list[Path]:
    docs = sorted((root / "docs").glob("*.md"))
    return [root / "README.md", *docs, root / "config/README.md", root / "bench/README.md"]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")  # GitHub numbers repeated headings
    return out


def broken_links(page: Path) -> list[str]:
    """Every relative link of a page whose file, or whose #anchor, does not exist."""
    text = INLINE_CODE.sub("", FENCE.sub("", page.read_text()))
    problems = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = unquote(target).partition("#")
        dest = (page.parent / path) if path else page
        if not dest.exists():
            problems.append(f"{page.name}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{page.name}: {target}: no heading with that anchor")
    return problems


@pytest.mark.parametrize("page", doc_files(REPO), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(page):
    assert page.exists()
    assert broken_links(page) == []


def test_the_checker_reports_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/a.md").write_text("# A page\n\n## Batch jobs (config `batch_jobs`)\n")
    (tmp_path / "README.md").write_text(
        "[ok](docs/a.md#batch-jobs-config-batch_jobs) [ok](#title) [web](https://example.org/x)\n"
        "# Title\n[gone](docs/gone.md) [bad anchor](docs/a.md#no-such-heading)\n"
        "```\n[in code](not/checked.md)\n```\n"
    )
    assert broken_links(tmp_path / "README.md") == [
        "README.md: docs/gone.md: no such file",
        "README.md: docs/a.md#no-such-heading: no heading with that anchor",
    ]


def test_slug_follows_github():
    assert slug("Scale: a market every night") == "scale-a-market-every-night"
    assert slug("Batch jobs (config `batch_jobs`)") == "batch-jobs-config-batch_jobs"
    assert slug("Reruns: only what changed") == "reruns-only-what-changed"


def test_readme_is_a_front_page():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    # .ci/run takes the line after "# 1. ..." and "# 2. ...": they open the first two code blocks
    blocks = re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S)
    assert [block.split(" ", 2)[:2] for block in blocks[:2]] == [["#", "1."], ["#", "2."]]
    assert "snakemake --cores" in blocks[0].splitlines()[1]
    assert "pytest" in blocks[1].splitlines()[1]

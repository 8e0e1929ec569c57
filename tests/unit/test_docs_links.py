"""Every relative link in README.md, CHANGELOG.md and docs/ leads somewhere: the file or folder
exists, and an anchor names a heading of its Markdown page (GitHub's heading ids). So does every
`docs/<page>.md#<anchor>` that code, tests and the template cite."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...
_CITATION = re.compile(r"\bdocs/[\w/.-]+?\.md(?:#[\w-]+)?")
CITING = sorted(
    path
    for pattern in ("src/**/*.py", "tests/**/*.py", "local_stack/**/*.py", "tools/**/*.py")
    for path in ROOT.glob(pattern)
) + [ROOT / name for name in ("template.yaml", "samconfig.toml", "Makefile")]


def _prose(text: str) -> str:
    """The page without code blocks and code spans, where brackets are not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def links(page: Path) -> list[str]:
    return [
        t for t in _LINK.findall(_prose(page.read_text(encoding="utf-8"))) if not _EXTERNAL.match(t)
    ]


def slug(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """The ids of a page's headings; a repeated id gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    ids = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        ids.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return frozenset(ids)


def broken(page: Path, target: str) -> str | None:
    """Why `target`, linked from `page`, leads nowhere; None when it resolves."""
    path, _, anchor = target.partition("#")
    destination = (page.parent / path).resolve() if path else page
    if not destination.exists():
        return f"{target}: no such file"
    if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
        return f"{target}: no heading with id #{anchor}"
    return None


def test_pages_to_check_exist() -> None:
    assert {"README.md", "contract.md", "settings.md"} <= {page.name for page in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_of_the_page_resolves(page: Path) -> None:
    problems = [problem for target in links(page) if (problem := broken(page, target))]
    assert problems == []


def test_slug_follows_github_rules() -> None:
    assert slug("`forwarder preview`") == "forwarder-preview"
    assert slug("Splitting oversize records") == "splitting-oversize-records"
    assert slug("Not Powertools' `BatchProcessor`") == "not-powertools-batchprocessor"


def test_a_missing_anchor_is_reported() -> None:
    assert broken(ROOT / "docs" / "contract.md", "#no-such-heading") is not None


def citations() -> list[tuple[str, str]]:
    """(file, `docs/<page>.md#<anchor>`) for every citation of the docs outside them."""
    return [
        (str(path.relative_to(ROOT)), cited)
        for path in CITING
        if path.is_file()
        for cited in _CITATION.findall(path.read_text(encoding="utf-8"))
    ]


def test_every_citation_of_the_docs_in_code_tests_and_template_resolves() -> None:
    problems = [
        f"{source}: {problem}"
        for source, cited in citations()
        if (problem := broken(ROOT / "README.md", cited))
    ]
    assert problems == []

"""The documentation stays true to the code: the CLI reference is the commands' own ``--help``, every command
is documented, and every relative link of the docs points at a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveytools.cli import COMMANDS
from surveytools.cli._reference import render_reference

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_cli_reference_matches_help():
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == render_reference(), (
        "docs/cli.md differs from the commands' --help; regenerate it with "
        "`python -m surveytools.cli._reference > docs/cli.md`")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_the_reference_and_the_index(name):
    assert f"## `surveytools {name}`" in (DOCS / "cli.md").read_text(encoding="utf-8")
    assert f"surveytools {name}" in (DOCS / "index.md").read_text(encoding="utf-8"), (
        f"docs/index.md does not mention 'surveytools {name}'")


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_relative_links_resolve(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links only in prose, not in code blocks
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (DOCS / path).resolve().exists():
            broken.append(target)
    assert not broken, f"docs/{page}: links to missing files: {', '.join(broken)}"

"""The Python examples of docs/api.md run, and print what the page shows.

Every ```python block of the guide is a doctest session; the blocks run in page order in one namespace (later
blocks use names defined earlier), from a scratch folder that links the repository's ``examples/``,
``questionnaires/`` and ``tests/`` so the relative paths of the page resolve and outputs stay out of the tree.
Line numbers in failures are lines of docs/api.md.
"""

from __future__ import annotations

import doctest
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "api.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, code) of each ```python block."""
    return [(text.count("\n", 0, m.start(1)), m.group(1)) for m in FENCE.finditer(text)]


def as_one_session(text: str) -> str:
    """The page with everything outside the python blocks blanked, so doctest line numbers are page lines."""
    lines = [""] * (text.count("\n") + 1)
    for start, code in python_blocks(text):
        for i, line in enumerate(code.split("\n")):
            lines[start + i] = line
    return "\n".join(lines)


def test_every_block_is_a_doctest_session():
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    for start, code in blocks:
        assert code.lstrip().startswith(">>> "), f"docs/api.md line {start}: write the example with >>> prompts"


@pytest.mark.slow
def test_api_guide_examples_run(tmp_path, monkeypatch):
    for name in ("examples", "questionnaires", "tests"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    text = GUIDE.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(as_one_session(text), {"__name__": "api_md"}, "docs/api.md",
                                                str(GUIDE), 0)
    assert len(test.examples) >= 40
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.run(test, out=report.append, clear_globs=False)
    assert result.failed == 0, "".join(report)

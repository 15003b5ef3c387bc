"""The package's layering: no circular imports, no import from a lower layer to a higher one, and every module
imports on its own in a fresh interpreter.

Layers, lowest first (a module may import from its own layer and the ones below):

0. core: exceptions, the questionnaire and the survey, the estimator base and model-file format, small helpers;
1. io: reading exports and writing files;
2. quality: data-quality checks;
3. analysis: the stages (reliability, correlation, factor, segment, typing tool, profile, crm, voc...);
4. report: renderers;
5. pipeline: project files and ``surveytools run``;
6. cli: the click commands.

The imports are read with :mod:`ast`: every ``import`` and ``from ... import`` (also those inside functions),
but not those under ``if TYPE_CHECKING:``. Cycles are looked for among module-level imports (the ones that can
fail at import time).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "surveytools"

LAYERS = ["core", "io", "quality", "analysis", "report", "pipeline", "cli"]

#: Module (or package) prefix -> layer; the longest matching prefix wins.
LAYER_OF = {
    "surveytools": "core",                      # the package root: curated API, imports the rest lazily
    "surveytools.exceptions": "core",
    "surveytools.questionnaire": "core",
    "surveytools.survey": "core",
    "surveytools.estimator": "core",
    "surveytools._modelfile": "core",
    "surveytools._json": "core",
    "surveytools._threads": "core",
    "surveytools.io.atomic": "core",            # atomic writes, used by every layer (questionnaire.save too)
    "surveytools.io.limits": "core",            # limits on hostile input files (YAML of questionnaires too)
    "surveytools.io": "io",
    "surveytools.datasets": "io",               # the bundled example study (generated files)
    "surveytools.report.xlsx_safe": "io",       # formula-safe cell writing for every xlsx output (no imports)
    "surveytools.report.i18n": "core",          # labels and number formats in en/es, used by results and reports
    "surveytools.report._strings_sections": "core",  # the report sections' texts, merged into i18n.STRINGS
    "surveytools.report._strings_summaries": "core",  # the summaries' further texts, merged into i18n.STRINGS
    "surveytools.quality": "quality",
    "surveytools.reliability": "analysis",
    "surveytools.scoring": "analysis",
    "surveytools.correlation": "analysis",
    "surveytools.factor": "analysis",
    "surveytools.segment": "analysis",
    "surveytools.assignments": "analysis",
    "surveytools.segments": "io",               # the Segments data type (read/write/align), beside Survey
    "surveytools.naming": "analysis",
    "surveytools.weight": "analysis",
    "surveytools.comparisons": "analysis",
    "surveytools.waves": "analysis",
    "surveytools.crosstab": "analysis",
    "surveytools.typing_tool": "analysis",
    "surveytools.profile": "analysis",
    "surveytools.crm": "analysis",
    "surveytools.crm_extend": "analysis",       # segments for every customer from CRM fields
    "surveytools.crm_features": "analysis",
    "surveytools.crm_sql": "analysis",
    "surveytools.voc": "analysis",
    "surveytools.kpis": "analysis",             # KPIs per segment from customers and transactions (DuckDB)
    "surveytools.text": "analysis",             # open-ended comments: lemmas, phrases, code frames, themes
    "surveytools.text.pii": "core",             # masking of e-mails/phones in any shown comment (no imports)
    "surveytools.perceptual": "analysis",
    "surveytools.summary": "io",                # Summary documents of results (summary() and every report use them):
                                                # beside the import report, the lowest result with a summary()
    "surveytools.report": "report",
    "surveytools.stages": "pipeline",           # one module per stage: options table + run (uses the library)
    "surveytools.project": "pipeline",
    "surveytools.pipeline": "pipeline",
    "surveytools.cli": "cli",
    "surveytools.__main__": "cli",
}

#: Imports allowed against the layer order, each with its reason (keep this empty when you can).
ALLOWED_UPWARD = {
    ("surveytools.io.importer", "surveytools.quality"):
        "the deprecated import_survey(check_quality=True); goes with it",
    ("surveytools.summary.sections.segments", "surveytools.perceptual"):
        "the profile section's perceptual map is a correspondence analysis of the profile's means, drawn when a "
        "report is built (lazily imported)",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(name: str) -> list[tuple[str, bool]]:
    """``(imported surveytools module, at module level)`` for every import statement of a module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def resolve(mod: str) -> str:
        while mod and mod not in MODULES:
            mod = mod.rpartition(".")[0]
        return mod

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] == "surveytools":
                for alias in node.names:  # "from pkg import submodule" imports the submodule
                    sub = f"{mod}.{alias.name}"
                    found.append((sub if sub in MODULES else resolve(mod), top))
            return
        if isinstance(node, ast.Import):
            found.extend((resolve(a.name), top) for a in node.names if a.name.split(".")[0] == "surveytools")
            return
        inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return [(m, top) for m, top in found if m and m != name]


def layer(name: str) -> str:
    key = max((k for k in LAYER_OF if name == k or name.startswith(k + ".")), key=len)
    return LAYER_OF[key]


def test_every_module_has_a_layer():
    assert all(layer(m) in LAYERS for m in MODULES)
    assert len(MODULES) > 50   # the walk found the package


def test_no_import_from_a_lower_layer_to_a_higher_one():
    bad = []
    for name in MODULES:
        for dep, _ in _imports(name):
            if LAYERS.index(layer(dep)) > LAYERS.index(layer(name)) and (name, dep) not in ALLOWED_UPWARD:
                bad.append(f"{name} ({layer(name)}) imports {dep} ({layer(dep)})")
    assert not bad, "imports against the layer order:\n" + "\n".join(sorted(set(bad)))
    for (name, dep) in ALLOWED_UPWARD:  # no stale allowances
        assert dep in {d for d, _ in _imports(name)}, (name, dep)


def test_no_circular_imports_at_module_level():
    graph = {name: {d for d, top in _imports(name) if top} for name in MODULES}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt, stack)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [])
    assert not cycles, "circular imports:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_nothing_imports_the_deprecated_assignments_module():
    """surveytools.assignments is a deprecated alias of surveytools.segments kept for users (it warns when
    imported): no module of the package may use it (the root's lazy table only names it for users)."""
    users = sorted(name for name in MODULES if name != "surveytools.assignments"
                   and "surveytools.assignments" in {d for d, _ in _imports(name)})
    assert not users, f"modules importing the deprecated surveytools.assignments: {users}"


def test_the_layer_test_sees_imports():
    deps = dict(_imports("surveytools.typing_tool.model"))
    assert "surveytools.typing_tool.lda" in deps and deps["surveytools.typing_tool.lda"] is True
    assert deps.get("surveytools.typing_tool.exports") is False   # imported inside a method
    assert "surveytools.typing_tool.model" not in dict(_imports("surveytools.typing_tool.exports"))  # TYPE_CHECKING


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    # one interpreter; before each module every surveytools module is forgotten, so each import starts cold
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {sorted(MODULES)!r}:\n"
        "    for m in [m for m in sys.modules if m == 'surveytools' or m.startswith('surveytools.')]:\n"
        "        del sys.modules[m]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr


def test_import_surveytools_stays_light():
    code = ("import sys, surveytools\n"
            "heavy = [m for m in ('pandas', 'numpy', 'sklearn', 'scipy', 'openpyxl') if m in sys.modules]\n"
            "print(','.join(heavy))")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "sklearn" not in res.stdout and "openpyxl" not in res.stdout

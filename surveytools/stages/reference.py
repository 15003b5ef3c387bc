"""Render the project-file reference (``docs/project-reference.md``) from the stages' options tables.

Run ``python -m surveytools.stages.reference > docs/project-reference.md`` after changing a table; a test fails
when the committed page drifts from the tables.
"""

from __future__ import annotations

from typing import Any

from . import all_stages


def _value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


def render_reference() -> str:
    """The project-file keys of every stage, as Markdown."""
    parts = ["# Project-file reference", "",
             "Generated from the stages' options tables by "
             "`python -m surveytools.stages.reference > docs/project-reference.md`; do not edit by hand. "
             "Each section also takes `enabled: false` (or `<section>: false`) to switch its stage off; a top-level "
             "`seed` and `language` are the defaults of the keys marked *study*. See [project.md](project.md).", ""]
    for stage in all_stages():
        if not stage.section:
            continue
        cmd = f" (command `surveytools {stage.command}`)" if stage.command else ""
        opt_in = "Runs only when the project file has this section." if stage.opt_in else ""
        parts += [f"## `{stage.section}:`{cmd}", "", *([opt_in, ""] if opt_in else []), "| key | type | default | example | meaning |",
                  "|---|---|---|---|---|"]
        for o in stage.project_options:
            kind = o.type if o.type != "choice" else " \\| ".join(str(c) for c in o.choices or () if c is not None)
            default = f"*study {o.study}*" if o.study else f"`{_value(o.default)}`"
            note = f" ({o.project_only})" if o.project_only else ""
            example = f"`{_value(o.example)}`" if o.example is not None else ""
            parts.append(f"| `{o.name}` | {kind} | {default} | {example} | {o.help.replace('|', '/')}{note} |")
        outputs = [o.output for o in stage.options if o.output]
        if outputs:
            parts += ["", "Writes " + ", ".join(f"`{f}`" for f in outputs) + " in the output folder."]
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(render_reference())

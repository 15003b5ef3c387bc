"""``surveytools crm``: segments onto customer lists."""

from __future__ import annotations

import click


@click.group(name="crm")
def group() -> None:
    """Take survey segments into CRM customer lists.

    \b
    Examples:
      surveytools crm join --survey clean.csv --segments segments.csv --crm customers.csv -o customers_seg.parquet
      surveytools crm join --survey clean.csv --crm customers.parquet --on email=EmailAddress --gmail-dots -o out.csv
    """


def _join() -> click.Command:
    """``crm join``, generated from its stage declaration (surveytools.stages.crm)."""
    from ..stages import get_stage
    from ._stage import make_command

    return make_command(get_stage("crm"), name="join")


command = _join()
group.add_command(command)

"""``surveytools crm``: segments onto customer lists (``crm join`` and ``crm extend``, generated from their stages
:mod:`surveytools.stages.crm` and :mod:`surveytools.stages.crm_extend`)."""

from __future__ import annotations

from ._stage import stage_group

group = stage_group("crm", {"join": "crm", "extend": "crm_extend"}, help="""Take survey segments into CRM customer lists.

    \b
    Examples:
      surveytools crm join --survey clean.csv --segments segments.csv --crm customers.csv -o customers_seg.parquet
      surveytools crm join --survey clean.csv --crm customers.parquet --on email=EmailAddress --gmail-dots -o out.csv
      surveytools crm extend joined.parquet --min-probability 0.5 -o customers_segmented.parquet
    """)

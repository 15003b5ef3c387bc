"""Text of respondents' comments: masking personal data before it reaches a report (:mod:`.pii`)."""

from __future__ import annotations

from .pii import mask_pii, mask_pii_series

__all__ = ["mask_pii", "mask_pii_series"]

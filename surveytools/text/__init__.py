"""Text analysis of open-ended comments in Spanish and English.

* :mod:`~surveytools.text.pii` masks e-mails, phone numbers and long digit runs (used by every report).
* :mod:`~surveytools.text.normalize`: folding, stop words, negators, lemmas.
* :mod:`~surveytools.text.corpus`: comments -> sparse matrix of lemmas, negations and phrases.
* :mod:`~surveytools.text.codeframe`: code frames (themes from keywords, phrases, regexes), validated YAML.
* :mod:`~surveytools.text.themes`: theme shares by segment with tests, quotes, theme discovery (NMF).
"""

from __future__ import annotations

from .corpus import Corpus, build_corpus
from .pii import mask_pii, mask_series

__all__ = ["Corpus", "build_corpus", "mask_pii", "mask_series"]

"""Known ordered answer scales (Spanish and English) and "no answer" labels, for drafting questionnaires.

Each scale is a tuple of points from lowest to highest; each point is a tuple of synonyms (the first is the
canonical label, used for a point no respondent chose). :func:`match_scale` finds the smallest known scale
holding every label of a column, so "Muy en desacuerdo" < "Bastante en desacuerdo" < ... < "Muy de acuerdo"
is ordered even when one of its points was never chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..questionnaire import normalize_label

__all__ = ["KnownScale", "KNOWN_SCALES", "MISSING_LABELS", "match_scale", "is_missing_label"]


@dataclass(frozen=True)
class KnownScale:
    """An ordered answer scale.

    Attributes
    ----------
    family
        ``agree``, ``frequency``, ``satisfaction``, ``likelihood``, ``importance`` or ``rating``.
    language
        ``es`` or ``en``.
    points
        Synonyms of each point, lowest first.
    """

    family: str
    language: str
    points: tuple[tuple[str, ...], ...]

    @property
    def size(self) -> int:
        """Number of points."""
        return len(self.points)

    def position(self) -> dict[str, int]:
        """Normalized label -> 0-based point."""
        return {normalize_label(s): k for k, syn in enumerate(self.points) for s in syn}

    def name(self) -> str:
        """Option-set name in the scale's language: ``acuerdo5``, ``agree5``..."""
        es = {"agree": "acuerdo", "frequency": "frecuencia", "satisfaction": "satisfaccion",
              "likelihood": "probabilidad", "importance": "importancia", "rating": "valoracion"}
        base = es[self.family] if self.language == "es" else self.family
        return f"{base}{self.size}"


def _s(family: str, language: str, *points: str) -> KnownScale:
    return KnownScale(family, language, tuple(tuple(p.split("|")) for p in points))


#: Known scales; a point's synonyms are separated by ``|``.
KNOWN_SCALES: tuple[KnownScale, ...] = (
    # ---- agreement, Spanish
    _s("agree", "es", "Muy en desacuerdo", "Bastante en desacuerdo", "Algo en desacuerdo", "Algo de acuerdo",
       "Bastante de acuerdo", "Muy de acuerdo"),
    _s("agree", "es", "Totalmente en desacuerdo|Completamente en desacuerdo|Muy en desacuerdo", "En desacuerdo",
       "Ni de acuerdo ni en desacuerdo|Ni en acuerdo ni en desacuerdo|Neutral|Indiferente", "De acuerdo",
       "Totalmente de acuerdo|Completamente de acuerdo|Muy de acuerdo"),
    _s("agree", "es", "Totalmente en desacuerdo|Muy en desacuerdo", "En desacuerdo", "De acuerdo",
       "Totalmente de acuerdo|Muy de acuerdo"),
    _s("agree", "es", "Totalmente en desacuerdo|Muy en desacuerdo", "En desacuerdo", "Algo en desacuerdo",
       "Ni de acuerdo ni en desacuerdo", "Algo de acuerdo", "De acuerdo", "Totalmente de acuerdo|Muy de acuerdo"),
    _s("agree", "es", "Nada de acuerdo", "Poco de acuerdo", "Algo de acuerdo", "Bastante de acuerdo",
       "Muy de acuerdo|Totalmente de acuerdo"),
    # ---- agreement, English
    _s("agree", "en", "Strongly disagree", "Disagree", "Neither agree nor disagree|Neutral", "Agree",
       "Strongly agree"),
    _s("agree", "en", "Strongly disagree", "Somewhat disagree", "Neither agree nor disagree|Neutral",
       "Somewhat agree", "Strongly agree"),
    _s("agree", "en", "Strongly disagree", "Disagree", "Agree", "Strongly agree"),
    _s("agree", "en", "Strongly disagree", "Moderately disagree", "Slightly disagree", "Slightly agree",
       "Moderately agree", "Strongly agree"),
    _s("agree", "en", "Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree|Neutral",
       "Somewhat agree", "Agree", "Strongly agree"),
    _s("agree", "en", "Very inaccurate", "Moderately inaccurate", "Slightly inaccurate", "Slightly accurate",
       "Moderately accurate", "Very accurate"),
    # ---- frequency
    _s("frequency", "es", "Nunca", "Casi nunca|Rara vez|Pocas veces", "A veces|Algunas veces|De vez en cuando",
       "A menudo|Con frecuencia|Frecuentemente|Muchas veces|Bastantes veces", "Siempre|Muy a menudo"),
    _s("frequency", "es", "Nunca", "Casi nunca|Rara vez", "A veces|Algunas veces", "Casi siempre", "Siempre"),
    _s("frequency", "es", "Nunca", "Casi nunca|Rara vez", "A veces|Algunas veces", "A menudo|Con frecuencia",
       "Casi siempre", "Siempre"),
    _s("frequency", "en", "Never", "Rarely|Seldom|Almost never", "Sometimes|Occasionally",
       "Often|Frequently|Usually|Very often", "Always"),
    _s("frequency", "en", "Never", "Almost never|Rarely", "Sometimes", "Almost always", "Always"),
    _s("frequency", "en", "Never", "Rarely", "Sometimes", "Often", "Almost always", "Always"),
    # ---- satisfaction
    _s("satisfaction", "es", "Muy insatisfecho/a|Muy insatisfecho|Muy insatisfecha",
       "Insatisfecho/a|Insatisfecho|Insatisfecha|Algo insatisfecho/a|Poco satisfecho/a|Poco satisfecho",
       "Ni satisfecho/a ni insatisfecho/a|Ni satisfecho ni insatisfecho|Neutral|Indiferente",
       "Satisfecho/a|Satisfecho|Satisfecha|Bastante satisfecho/a|Bastante satisfecho",
       "Muy satisfecho/a|Muy satisfecho|Muy satisfecha"),
    _s("satisfaction", "es", "Nada satisfecho/a|Nada satisfecho", "Poco satisfecho/a|Poco satisfecho",
       "Algo satisfecho/a|Algo satisfecho", "Bastante satisfecho/a|Bastante satisfecho",
       "Muy satisfecho/a|Muy satisfecho"),
    _s("satisfaction", "en", "Very dissatisfied|Extremely dissatisfied", "Dissatisfied|Somewhat dissatisfied",
       "Neither satisfied nor dissatisfied|Neutral", "Satisfied|Somewhat satisfied",
       "Very satisfied|Extremely satisfied"),
    _s("satisfaction", "en", "Not at all satisfied", "Slightly satisfied", "Moderately satisfied", "Very satisfied",
       "Extremely satisfied|Completely satisfied"),
    # ---- likelihood
    _s("likelihood", "es", "Muy improbable|Nada probable", "Improbable|Poco probable",
       "Ni probable ni improbable|Neutral", "Probable|Bastante probable", "Muy probable"),
    _s("likelihood", "es", "Seguro que no|Definitivamente no", "Probablemente no",
       "Puede que sí, puede que no|Quizás|Tal vez", "Probablemente sí", "Seguro que sí|Definitivamente sí"),
    _s("likelihood", "en", "Very unlikely|Extremely unlikely|Not at all likely", "Unlikely|Somewhat unlikely",
       "Neither likely nor unlikely|Neutral", "Likely|Somewhat likely", "Very likely|Extremely likely"),
    _s("likelihood", "en", "Definitely will not|Definitely not", "Probably will not|Probably not",
       "Might or might not|Maybe", "Probably will|Probably", "Definitely will|Definitely"),
    # ---- importance
    _s("importance", "es", "Nada importante", "Poco importante", "Algo importante|Moderadamente importante",
       "Bastante importante|Importante", "Muy importante|Imprescindible"),
    _s("importance", "en", "Not at all important|Not important", "Slightly important|Low importance",
       "Moderately important|Somewhat important|Neutral", "Very important|Important",
       "Extremely important"),
    # ---- quality ratings
    _s("rating", "es", "Muy malo|Muy mala|Pésimo", "Malo|Mala", "Regular|Normal", "Bueno|Buena",
       "Muy bueno|Muy buena|Excelente"),
    _s("rating", "en", "Very poor|Terrible", "Poor", "Fair|Average", "Good", "Very good|Excellent"),
    _s("rating", "en", "Poor", "Fair", "Good", "Very good", "Excellent"),
)

#: Labels that mean "no answer" / "don't know" (normalized).
MISSING_LABELS: frozenset[str] = frozenset(normalize_label(s) for s in (
    "No sé", "No lo sé", "No sabe", "NS", "NC", "NS/NC", "Ns/Nc", "NS / NC", "No sabe / No contesta",
    "No sabe/No contesta", "No contesta", "Prefiero no contestar", "Prefiero no responder", "Prefiero no decirlo",
    "No aplica", "No procede", "Sin opinión", "N/A", "NA", "Don't know", "Dont know", "Do not know",
    "Not sure", "Prefer not to say", "Prefer not to answer", "Not applicable", "No opinion", "No answer",
    "Refused", "DK/NA", "DK", "Unsure",
))


def is_missing_label(label: str) -> bool:
    """Whether a label means "no answer" or "don't know"."""
    return normalize_label(label) in MISSING_LABELS


def match_scale(labels: Iterable[str]) -> KnownScale | None:
    """The smallest known scale whose points hold every label (missing labels left out), or None.

    Two labels on one point (synonyms) are allowed; a set of fewer than two labels matches nothing.
    """
    keys = {normalize_label(lab) for lab in labels} - MISSING_LABELS
    if len(keys) < 2:
        return None
    best: KnownScale | None = None
    for scale in KNOWN_SCALES:
        pos = scale.position()
        if keys <= pos.keys() and len({pos[k] for k in keys}) >= 2:
            if best is None or scale.size < best.size:
                best = scale
    return best

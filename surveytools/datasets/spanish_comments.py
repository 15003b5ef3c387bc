"""Simulated Spanish customer comments with known themes (for tests, benchmarks and the docs).

Each respondent belongs to one of five segments; each of six themes enters a comment independently with a
probability that depends on the segment (:data:`THEME_P`). A theme is written as one of several sentences
with inflection variety ("precio", "precios", "caros", "cara"), negation ("no volveré", "nunca vuelvo") and
accents sometimes dropped; comments without a theme are short fillers ("Nada", "Todo bien"). Some comments
carry an e-mail address, a phone number or a card number, so masking can be checked. The true themes of
every comment are returned with it.

The matching code frame is :data:`CODEFRAME_YAML`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["THEMES", "THEME_P", "CODEFRAME_YAML", "simulate_comments"]

#: Theme -> sentences that express it (every sentence holds one of the code frame's keywords or phrases).
THEMES: dict[str, tuple[str, ...]] = {
    "precio": ("los precios han subido mucho", "el precio de la fruta es alto", "todo está muy caro",
               "la carne es cara", "los productos frescos son caros", "echo de menos más ofertas",
               "las ofertas del folleto valen la pena", "me gustaría tener más descuentos",
               "los cupones caducan enseguida", "buscaba marcas más baratas", "los precios no son baratos",
               "precio demasiado alto para la calidad"),
    "personal": ("el personal es muy amable", "las dependientas son amables", "el trato es muy cercano",
                 "la cajera fue muy amable conmigo", "los dependientes me atendieron fenomenal",
                 "el trato del personal ha empeorado", "nadie me atendió en la pescadería",
                 "el dependiente no fue amable"),
    "digital": ("la aplicación se cuelga a menudo", "la app falla al pagar", "la web es muy lenta",
                "pagar con el movil es comodo", "las aplicaciones deberían mejorar",
                "no encuentro nada en la app", "la aplicacion no carga"),
    "sostenibilidad": ("sobra plástico en la fruta", "demasiados plásticos en los envases",
                       "quiero más productos ecológicos", "deberían vender productos locales",
                       "el envase no es reciclable", "los envases de plastico sobran",
                       "apoyo a los productores locales"),
    "espera": ("las colas son muy largas", "hay que esperar mucho en caja", "esperé media hora para pagar",
               "la entrega a domicilio llegó tarde", "el pedido llegó tarde otra vez",
               "las entregas siempre se retrasan", "demasiada cola los sábados"),
    "abandono": ("no volveré a comprar aquí", "no vuelvo más", "nunca volveré", "no volvería a esta tienda",
                 "no volveremos nunca"),
}

#: P(theme in a comment | segment 1..5), rows = segments, columns = THEMES order.
THEME_P = np.array([
    [0.55, 0.10, 0.08, 0.05, 0.12, 0.06],
    [0.12, 0.50, 0.04, 0.08, 0.10, 0.02],
    [0.15, 0.08, 0.55, 0.10, 0.12, 0.04],
    [0.15, 0.10, 0.06, 0.50, 0.08, 0.03],
    [0.10, 0.08, 0.15, 0.04, 0.50, 0.10],
])

FILLERS = ("Nada", "Todo bien", "Sin comentarios", "ok", "Gracias", "En general bien", "Nada más que añadir")
TONES = ("", "", "Estoy contento en general. ", "Regular. ", "Muy decepcionado. ", "Seguid así. ")
PII = (" Mi teléfono es 612 345 678.", " Escribidme a lucia.martin@correo.es", " Llamad al +34 699112233.",
       " Mi tarjeta 4111 1111 1111 1111 no funcionó.", " (555) 123-4567 es mi número.")
SEGMENT_SHARES = np.array([0.28, 0.24, 0.18, 0.16, 0.14])

#: A code frame for these comments (keywords in their dictionary form).
CODEFRAME_YAML = """\
language: es
themes:
  precio:
    label: Precio y ofertas
    keywords: [precio, caro, barato, oferta, descuento, cupón]
  personal:
    label: Trato del personal
    keywords: [personal, amable, dependiente, cajero, trato, atender]
  digital:
    label: App y web
    keywords: [aplicación, app, web, móvil]
  sostenibilidad:
    label: Sostenibilidad
    keywords: [plástico, envase, ecológico, local, reciclable]
  espera:
    label: Colas y entregas
    keywords: [cola, esperar, entrega, retrasar]
    phrases: [llegar tarde]
  abandono:
    label: No volvería
    keywords: [no volver]
"""


def simulate_comments(n: int, seed: int = 0, *, answer_rate: float = 0.8, pii_rate: float = 0.03,
                      accent_drop: float = 0.1) -> pd.DataFrame:
    """Simulate ``n`` respondents' segments and comments with known themes.

    Returns
    -------
    pandas.DataFrame
        ``segment`` (1..5), ``weight`` (survey weights, mean 1), ``comment`` (None for no answer) and one
        boolean column per theme (``theme_<name>``: the comment expresses it).
    """
    rng = np.random.default_rng(seed)
    seg = rng.choice(len(SEGMENT_SHARES), size=n, p=SEGMENT_SHARES)
    names = list(THEMES)
    has = rng.random((n, len(names))) < THEME_P[seg]
    answered = rng.random(n) < answer_rate
    pick = [rng.integers(0, len(THEMES[t]), size=n) for t in names]
    pools = [np.asarray(THEMES[t], dtype=object) for t in names]
    parts = np.empty((n, len(names)), dtype=object)
    for j in range(len(names)):
        parts[:, j] = np.where(has[:, j], pools[j][pick[j]], "")
    frame = pd.DataFrame(parts, columns=names)
    body = frame.apply(lambda col: col.where(col == "", col + ". "), axis=0).sum(axis=1).str.strip()
    tone = np.asarray(TONES, dtype=object)[rng.integers(0, len(TONES), size=n)]
    filler = np.asarray(FILLERS, dtype=object)[rng.integers(0, len(FILLERS), size=n)]
    comment = np.where(body == "", filler + ".", tone + body.str[:1].str.upper() + body.str[1:])
    comment = pd.Series(comment, dtype="object")
    drop = rng.random(n) < accent_drop
    if drop.any():
        tr = str.maketrans("áéíóú", "aeiou")
        comment[drop] = comment[drop].str.translate(tr)
    pii = rng.random(n) < pii_rate
    if pii.any():
        comment[pii] = comment[pii] + np.asarray(PII, dtype=object)[rng.integers(0, len(PII), size=int(pii.sum()))]
    comment[~answered] = None
    has[~answered] = False
    out = pd.DataFrame({"segment": seg + 1, "weight": rng.gamma(4.0, 0.25, size=n), "comment": comment})
    for j, t in enumerate(names):
        out[f"theme_{t}"] = has[:, j]
    return out

"""Generate the bundled example study: Mercavista, a (fictitious) Spanish retail loyalty survey.

``surveytools demo`` writes the study with :func:`generate`; ``examples/retail_loyalty/`` holds the files it
writes with the default seed (``python examples/retail_loyalty/generate.py`` regenerates them). Writes:

``export_qualtrics.xlsx``
    A Qualtrics "Download data table" export (Excel, "Use choice text"): row 1 column ids, row 2 question
    texts ("Question - Sub-item"), row 3 ``{"ImportId": ...}`` JSON, then one row per response.
``questionnaire.yaml``
    The surveytools questionnaire of the export.
``customers.csv``
    The retailer's CRM extract (20,000 customers; e-mails in mixed case and spacing).
``truth.csv``
    What the generator knows and an analyst would not: each response's true segment, careless-response
    type and CRM customer id.
``README.md``
    The study, the files, and the true generating model with the numbers of this run.
``project.yaml``
    The surveytools project file that runs every stage of the study.

Everything is drawn from one seeded ``numpy.random.Generator`` (PCG64), so the same seed regenerates
every file byte for byte (the workbook is re-zipped with fixed timestamps). Only numpy, pandas and
openpyxl are used.

Usage::

    python examples/retail_loyalty/generate.py            # regenerate the committed files
    python examples/retail_loyalty/generate.py --out /tmp/study --seed 7
    python -m surveytools.datasets.retail_loyalty --out /tmp/study
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

SEED = 20240531
N_PERSONS_CRM = 20_000          # customers in the CRM (before duplicate accounts)
N_RESPONDENTS = 2_000           # distinct people who answered
CUSTOMER_SHARE = 0.85           # respondents who are customers
N_DUPLICATE_ACCOUNTS = 36       # CRM customers with a second account under the same e-mail
FIELD_START = datetime(2024, 5, 6, 0, 0, 0)
FIELD_DAYS = 21
AS_OF = date(2024, 5, 31)       # date of the CRM extract
STORE = "Mercavista"
ZIP_TIME = (2024, 5, 31, 12, 0, 0)
_STAMP = "2024-05-31T12:00:00Z"

# --------------------------------------------------------------------------- the attitude model
DIMENSIONS = [
    # key, scale id, Spanish label, English label
    ("P", "price_sensitivity", "Sensibilidad al precio", "price sensitivity"),
    ("L", "brand_loyalty", "Lealtad a la marca", "brand loyalty"),
    ("I", "innovativeness", "Innovación", "innovativeness"),
    ("E", "environmental_concern", "Preocupación medioambiental", "environmental concern"),
    ("C", "convenience", "Orientación a la comodidad", "convenience orientation"),
    ("S", "social_influence", "Influencia social", "social influence"),
]
DIM_INDEX = {k: i for i, (k, *_r) in enumerate(DIMENSIONS)}

# item id, dimension, reverse-keyed, loading, threshold shift (+ = harder to agree), text
ITEMS = [
    ("price1", "P", False, 0.82, -0.10, "Comparo precios entre tiendas antes de comprar"),
    ("price2", "P", False, 0.78, 0.20, "Estoy dispuesto/a a ir a otra tienda para ahorrar un poco"),
    ("price3", "P", False, 0.80, -0.25, "Las ofertas y promociones deciden dónde hago la compra"),
    ("price4", "P", True, 0.66, 0.05, "No me importa pagar más si el producto me gusta"),
    ("loyal1", "L", False, 0.83, 0.00, "Prefiero comprar siempre en la misma tienda"),
    ("loyal2", "L", False, 0.76, 0.15, "Me siento identificado/a con las marcas que compro"),
    ("loyal3", "L", False, 0.79, 0.30, "Me cuesta cambiar de marca aunque otra esté en oferta"),
    ("loyal4", "L", True, 0.67, -0.10, "Cambio de tienda con facilidad si encuentro algo mejor"),
    ("innov1", "I", False, 0.84, 0.20, "Me gusta probar productos nuevos antes que los demás"),
    ("innov2", "I", False, 0.79, 0.10, "Estoy al tanto de las últimas novedades y tendencias"),
    ("innov3", "I", False, 0.75, 0.35, "Uso nuevas formas de pago y aplicaciones de compra en cuanto aparecen"),
    ("innov4", "I", True, 0.64, -0.20, "Prefiero los productos de siempre a las novedades"),
    ("eco1", "E", False, 0.84, -0.20, "Tengo en cuenta el impacto ambiental de lo que compro"),
    ("eco2", "E", False, 0.78, 0.30, "Estoy dispuesto/a a pagar más por productos sostenibles"),
    ("eco3", "E", False, 0.76, -0.05, "Evito los productos con demasiado envase de plástico"),
    ("eco4", "E", True, 0.65, 0.10, "El origen ecológico de un producto me da igual"),
    ("conv1", "C", False, 0.81, -0.30, "Valoro sobre todo comprar rápido y sin complicaciones"),
    ("conv2", "C", False, 0.74, 0.10, "Prefiero la tienda más cercana aunque sea algo más cara"),
    ("conv3", "C", False, 0.78, 0.25, "Uso la compra online o la entrega a domicilio para ahorrar tiempo"),
    ("conv4", "C", True, 0.66, 0.00, "No me importa dedicar tiempo a hacer la compra"),
    ("social1", "S", False, 0.82, 0.15, "Las opiniones de mis amigos influyen en lo que compro"),
    ("social2", "S", False, 0.80, 0.35, "Me fijo en lo que se recomienda en las redes sociales"),
    ("social3", "S", False, 0.76, 0.20, "Me gusta comprar marcas que otros valoran"),
    ("social4", "S", True, 0.64, -0.15, "Lo que compran los demás no influye en mis decisiones"),
]
ITEM_INDEX = {it[0]: j for j, it in enumerate(ITEMS)}
BASE_THRESHOLDS = np.array([-1.55, -0.65, 0.25, 1.20])  # on the standardized response scale

ATTENTION_ID = "attention"
ATTENTION_TEXT = "Para comprobar que está leyendo, marque «De acuerdo» en esta fila"
ATTENTION_EXPECT = 4

# The two grid questions, in presentation order (reverse-keyed items spread through the second grid).
GRID_Q1 = ["price1", "loyal1", "innov1", "eco1", "conv1", "social1",
           "price2", "loyal2", "innov2", "eco2", "conv2", "social2"]
GRID_Q2 = ["price3", "loyal4", "innov3", "eco4", "conv3", "social4", ATTENTION_ID,
           "price4", "loyal3", "innov4", "eco3", "conv4", "social3"]
Q1_STEM = "¿En qué medida está de acuerdo con las siguientes afirmaciones sobre su forma de comprar?"
Q2_STEM = "Y ahora, ¿en qué medida está de acuerdo con estas otras afirmaciones?"

AGREE = {1: "Totalmente en desacuerdo", 2: "En desacuerdo", 3: "Ni de acuerdo ni en desacuerdo",
         4: "De acuerdo", 5: "Totalmente de acuerdo"}
DONT_KNOW = "No sé"
SATISFACTION = {1: "Muy insatisfecho/a", 2: "Insatisfecho/a", 3: "Ni satisfecho/a ni insatisfecho/a",
                4: "Satisfecho/a", 5: "Muy satisfecho/a"}
GENDER = {1: "Hombre", 2: "Mujer", 3: "Otro"}
REGION = {1: "Noroeste", 2: "Noreste", 3: "Comunidad de Madrid", 4: "Centro", 5: "Este", 6: "Sur",
          7: "Canarias"}
REGION_P = np.array([0.10, 0.13, 0.15, 0.12, 0.25, 0.20, 0.05])
INCOME = {1: "Menos de 1.500 €", 2: "De 1.500 a 2.499 €", 3: "De 2.500 a 3.999 €", 4: "4.000 € o más"}
NO_ANSWER = "Prefiero no contestar"

# Within a segment the six attitudes vary independently (sd SD_WITHIN); all their correlation in the
# population comes from the segment differences. Five centroids span only four dimensions, so with
# segments this well separated, within-segment correlations (e.g. innovativeness with social influence
# and convenience) would leave innovativeness without a factor of its own: parallel analysis and MAP then
# retain 4-5 factors instead of the six scales. SD_WITHIN = 0.40 keeps the segments apart enough for
# every criterion of `segment --k auto` to choose k = 5 (at 0.55 they overlapped and k was a tie-break).
PHI_WITHIN = np.eye(6)
SD_WITHIN = 0.40


@dataclass(frozen=True)
class Segment:
    name_es: str
    name_en: str
    share: float                       # in the customer population
    centroid: tuple[float, ...]        # P L I E C S, before standardization
    age_mean: float
    female: float
    income_p: tuple[float, float, float, float]
    words: tuple[str, ...]             # comment fragments typical of the segment


SEGMENTS = [
    Segment("Cazadores de ofertas", "Bargain hunters", 0.28, (1.2, -0.6, 0.0, -0.3, -0.2, 0.1), 43, 0.55,
            (0.34, 0.36, 0.22, 0.08),
            ("los precios han subido demasiado", "me gustaría recibir más cupones de descuento",
             "las ofertas del folleto son lo mejor", "comparo con otros supermercados y a veces sale más barato",
             "deberían ampliar la marca propia más económica", "echo de menos las promociones de 3x2",
             "el programa de puntos da muy poco ahorro")),
    Segment("Fieles de siempre", "Loyal regulars", 0.24, (-0.5, 1.2, -0.6, 0.1, 0.3, -0.4), 55, 0.52,
            (0.20, 0.35, 0.30, 0.15),
            ("llevo muchos años comprando aquí", "el personal de la tienda es muy amable",
             "confío en la calidad de siempre", "me conocen en mi tienda de barrio",
             "la carnicería y la pescadería son excelentes", "no cambiaría de tienda",
             "el trato cercano de los dependientes")),
    Segment("Innovadores conectados", "Connected trend-seekers", 0.18, (-0.1, -0.3, 1.2, 0.0, 0.4, 1.1), 33, 0.45,
            (0.20, 0.30, 0.30, 0.20),
            ("la aplicación móvil debería tener más funciones", "me gustaría ver más productos nuevos",
             "vi la campaña en instagram y me encantó", "pagar con el móvil en caja es muy cómodo",
             "echo de menos novedades internacionales", "mis amigos me recomendaron la app",
             "más colaboraciones con influencers")),
    Segment("Consumidores conscientes", "Conscious consumers", 0.16, (-0.3, 0.2, 0.2, 1.4, -0.5, 0.0), 44, 0.62,
            (0.12, 0.28, 0.35, 0.25),
            ("sobra plástico en los envases de fruta", "quiero más productos ecológicos y de proximidad",
             "deberían eliminar las bolsas de plástico", "valoro los productos de comercio justo",
             "más información sobre el origen sostenible", "apoyo a los productores locales",
             "reducir el desperdicio de alimentos")),
    Segment("Prácticos con prisa", "Busy convenience seekers", 0.14, (-0.4, -0.1, 0.0, -0.6, 1.3, -0.3), 39, 0.47,
            (0.15, 0.30, 0.33, 0.22),
            ("la entrega a domicilio llega tarde", "las colas en caja son demasiado largas",
             "necesito un horario de apertura más amplio", "la recogida en tienda es muy rápida",
             "más cajas de autopago por favor", "el pedido online debería ser más ágil",
             "no tengo tiempo para esperar")),
]
K = len(SEGMENTS)

TONE = {
    "Detractor": ("Estoy bastante descontento.", "La experiencia ha empeorado últimamente.",
                  "No estoy satisfecho con el servicio.", "Muy decepcionado."),
    "Passive": ("En general bien.", "Correcto, sin más.", "Está bien, aunque se puede mejorar.", ""),
    "Promoter": ("Estoy muy contento.", "Seguid así.", "Me encanta comprar en Mercavista.",
                 "Todo perfecto."),
}
SHORT_COMMENTS = ("Nada", "nada más", "No", "ok", "Todo bien", "-", "Sin comentarios")

# NPS and CSAT: linear predictors on the standardized attitudes (P L I E C S)
NPS_WEIGHTS = np.array([-0.30, 0.50, 0.10, 0.10, 0.15, 0.05])
NPS_NOISE = 0.75
NPS_P = np.array([0.02, 0.01, 0.02, 0.03, 0.03, 0.06, 0.08, 0.15, 0.22, 0.18, 0.20])  # 0..10
CSAT_P = np.array([0.04, 0.08, 0.18, 0.42, 0.28])
CSAT_R = 0.75

# Careless responding and other data problems (shares of the distinct respondents)
SHARE_SPEEDERS = 0.022
SHARE_STRAIGHTLINERS = 0.016
SHARE_PARTIAL = 0.018
ITEM_NONRESPONSE = 0.005
ITEM_DONT_KNOW = 0.003
N_DUP_COPIES = 3       # double submissions: identical answers, a new ResponseId seconds later
N_DUP_RETAKES = 3      # the same person answering again (same e-mail, new answers)

# Post-stratification targets: gender (Hombre, Mujer) x age band (18-34, 35-54, 55+)
WEIGHT_TARGETS = np.array([[0.14, 0.18, 0.17], [0.14, 0.18, 0.19]])

FIRST_NAMES = ("maria", "carmen", "ana", "laura", "lucia", "marta", "elena", "sara", "paula", "cristina",
               "isabel", "pilar", "rosa", "raquel", "silvia", "beatriz", "nuria", "irene", "alba", "sofia",
               "antonio", "jose", "manuel", "francisco", "david", "juan", "javier", "daniel", "carlos",
               "miguel", "alejandro", "rafael", "pablo", "sergio", "jorge", "alberto", "luis", "fernando",
               "andres", "ruben")
LAST_NAMES = ("garcia", "rodriguez", "gonzalez", "fernandez", "lopez", "martinez", "sanchez", "perez",
              "gomez", "martin", "jimenez", "ruiz", "hernandez", "diaz", "moreno", "munoz", "alvarez",
              "romero", "alonso", "gutierrez", "navarro", "torres", "dominguez", "vazquez", "ramos", "gil",
              "ramirez", "serrano", "blanco", "molina", "morales", "suarez", "ortega", "delgado", "castro",
              "ortiz", "rubio", "marin", "sanz", "nunez")
# Reserved example domains (RFC 2606): the addresses are fictitious and undeliverable by construction.
DOMAINS = ("example.com", "example.net", "example.org", "correo.example.com", "mail.example.net")
DOMAIN_P = np.array([0.40, 0.25, 0.15, 0.12, 0.08])


# =========================================================================== helpers

def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def _normal_ppf(p: np.ndarray) -> np.ndarray:
    """Inverse normal CDF by bisection on erf (numpy only; used for a dozen cut points)."""
    p = np.asarray(p, dtype=float)
    lo, hi = np.full(p.shape, -10.0), np.full(p.shape, 10.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _normal_cdf(mid) < p
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def population_moments() -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the raw attitudes over the segment mixture (exact, not sampled)."""
    pi = np.array([s.share for s in SEGMENTS])
    mu = np.array([s.centroid for s in SEGMENTS])
    within = SD_WITHIN ** 2 * PHI_WITHIN
    mean = pi @ mu
    cov = within + (mu - mean).T @ np.diag(pi) @ (mu - mean)
    return mean, cov


def draw_people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Segment, standardized attitudes and demographics of ``n`` people from the population."""
    pi = np.array([s.share for s in SEGMENTS])
    seg = rng.choice(K, size=n, p=pi)
    chol = np.linalg.cholesky(SD_WITHIN ** 2 * PHI_WITHIN)
    raw = np.array([s.centroid for s in SEGMENTS])[seg] + rng.standard_normal((n, 6)) @ chol.T
    mean, cov = population_moments()
    eta = (raw - mean) / np.sqrt(np.diag(cov))
    age = np.clip(np.rint(np.array([s.age_mean for s in SEGMENTS])[seg] + 12.5 * rng.standard_normal(n)), 18, 84)
    u = rng.random(n)
    female = np.array([s.female for s in SEGMENTS])[seg]
    gender = np.where(u < 0.01, 3, np.where(u < 0.02, 0, np.where(u < 0.02 + female * 0.98, 2, 1)))  # 0: no answer
    region = rng.choice(np.arange(1, 8), size=n, p=REGION_P)
    income_p = np.array([s.income_p for s in SEGMENTS])[seg]
    income = 1 + (rng.random((n, 1)) > np.cumsum(income_p, axis=1)).sum(axis=1)
    income = np.where(rng.random(n) < 0.07, 0, np.minimum(income, 4))
    return {"segment": seg, "eta": eta, "age": age.astype(int), "gender": gender, "region": region,
            "income": income}


def make_emails(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct fictitious addresses, lower case (name.surname[NN]@example domain)."""
    first = rng.choice(len(FIRST_NAMES), size=n)
    last = rng.choice(len(LAST_NAMES), size=n)
    last2 = rng.choice(len(LAST_NAMES), size=n)
    style = rng.random(n)
    number = rng.integers(1, 99, size=n)
    domain = rng.choice(len(DOMAINS), size=n, p=DOMAIN_P)
    seen: set[str] = set()
    out = []
    for i in range(n):
        f, a, b = FIRST_NAMES[first[i]], LAST_NAMES[last[i]], LAST_NAMES[last2[i]]
        local = (f"{f}.{a}" if style[i] < 0.45 else f"{f}{a}{number[i]}" if style[i] < 0.75
                 else f"{f[0]}{a}.{b}" if style[i] < 0.9 else f"{f}_{a}{number[i]}")
        addr = f"{local}@{DOMAINS[domain[i]]}"
        k = 2
        while addr in seen:
            addr = f"{local}{k}@{DOMAINS[domain[i]]}"
            k += 1
        seen.add(addr)
        out.append(addr)
    return np.array(out, dtype=object)


def messy_case(rng: np.random.Generator, emails: np.ndarray, messy: float) -> np.ndarray:
    """E-mails as people and CRM systems type them: capitals, upper case, stray spaces."""
    u = rng.random(len(emails))
    v = rng.random(len(emails))
    out = []
    for e, a, b in zip(emails, u, v, strict=True):
        if a < messy * 0.45:
            local, dom = e.split("@")
            e = ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + dom
        elif a < messy * 0.7:
            e = e.upper()
        elif a < messy * 0.8:
            local, dom = e.split("@")
            e = local + "@" + dom.capitalize()
        if b < messy * 0.25:
            e = " " + e
        elif b < messy * 0.5:
            e = e + "  "
        out.append(e)
    return np.array(out, dtype=object)


def likert(rng: np.random.Generator, eta: np.ndarray) -> np.ndarray:
    """Codes 1..5 of the 24 attitude items: y* = lambda * sign * eta_d + sqrt(1 - lambda^2) * e, cut."""
    n = len(eta)
    out = np.empty((n, len(ITEMS)), dtype=float)
    eps = rng.standard_normal((n, len(ITEMS)))
    for j, (_iid, dim, rev, lam, shift, _t) in enumerate(ITEMS):
        ystar = (-lam if rev else lam) * eta[:, DIM_INDEX[dim]] + math.sqrt(1 - lam ** 2) * eps[:, j]
        out[:, j] = 1 + (ystar[:, None] > BASE_THRESHOLDS + shift).sum(axis=1)
    return out


def ordinal_from(z: np.ndarray, probs: np.ndarray, first_code: int) -> np.ndarray:
    """Cut a standard-normal-ish score into categories with the given target probabilities."""
    cuts = _normal_ppf(np.cumsum(probs)[:-1])
    return first_code + (z[:, None] > cuts).sum(axis=1)


def nps_and_csat(rng: np.random.Generator, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, cov = population_moments()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    var = NPS_WEIGHTS @ corr @ NPS_WEIGHTS + NPS_NOISE ** 2
    z = (eta @ NPS_WEIGHTS + NPS_NOISE * rng.standard_normal(len(eta))) / math.sqrt(var)
    nps = ordinal_from(z, NPS_P, 0)
    c = CSAT_R * z + math.sqrt(1 - CSAT_R ** 2) * rng.standard_normal(len(eta))
    return nps, ordinal_from(c, CSAT_P, 1)


def nps_group(nps: np.ndarray) -> np.ndarray:
    return np.where(nps >= 9, "Promoter", np.where(nps >= 7, "Passive", "Detractor"))


def response_ids(rng: np.random.Generator, n: int) -> list[str]:
    alphabet = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, 15))]
    ids = ["R_" + "".join(row) for row in chars]
    if len(set(ids)) != n:  # 62^15 makes this practically impossible; keep the ids unique regardless
        raise RuntimeError("response id collision; change the seed")
    return ids


def comments(rng: np.random.Generator, seg: np.ndarray, groups: np.ndarray, answer_rate: np.ndarray
             ) -> list[str | None]:
    """Open-ended comments: a tone sentence by NPS group plus one or two fragments typical of the segment."""
    out: list[str | None] = []
    u = rng.random(len(seg))
    short = rng.random(len(seg))
    n_frag = rng.integers(1, 3, size=len(seg))
    tone_pick = rng.integers(0, 4, size=len(seg))
    frag_pick = rng.integers(0, 7, size=(len(seg), 2))
    other = rng.integers(0, K, size=len(seg))
    mix = rng.random(len(seg))
    for i in range(len(seg)):
        if u[i] >= answer_rate[i]:
            out.append(None)
            continue
        if short[i] < 0.12:
            out.append(SHORT_COMMENTS[int(frag_pick[i, 0]) % len(SHORT_COMMENTS)])
            continue
        s = seg[i] if mix[i] < 0.85 else other[i]  # some comments sound like another segment
        words = SEGMENTS[s].words
        frags = [words[frag_pick[i, 0]]]
        if n_frag[i] == 2 and frag_pick[i, 1] != frag_pick[i, 0]:
            frags.append(words[frag_pick[i, 1]])
        body = "; ".join(frags)
        body = body[0].upper() + body[1:] + "."
        tone = TONE[str(groups[i])][tone_pick[i]]
        out.append((tone + " " + body).strip() if tone else body)
    return out


# =========================================================================== the CRM

def simulate_crm(rng: np.random.Generator, people: dict[str, np.ndarray], emails: np.ndarray
                 ) -> pd.DataFrame:
    """Customer KPIs that follow the attitudes: loyalty -> orders and recency, price -> discounts and
    smaller baskets, convenience -> online, innovativeness and social influence -> the app."""
    eta = people["eta"]
    n = len(eta)
    price, loyal, innov, eco, conv, social = (eta[:, k] for k in range(6))
    mu = np.exp(1.55 + 0.45 * loyal + 0.15 * conv - 0.05 * price + 0.10 * innov)
    orders = rng.poisson(rng.gamma(2.0, mu / 2.0))
    aov = np.exp(3.55 - 0.18 * price + 0.12 * eco + 0.08 * innov + 0.25 * rng.standard_normal(n))
    revenue = np.round(orders * aov * np.exp(0.15 * rng.standard_normal(n)), 2)
    p_disc = 1 / (1 + np.exp(-(-1.0 + 1.0 * price)))
    discounts = rng.binomial(orders, p_disc)
    gap = np.minimum(rng.exponential(365 / (orders + 1)), 364)
    lapsed = 366 + rng.integers(0, 540, size=n)
    days = np.where(orders > 0, np.floor(gap), lapsed).astype(int)
    last = np.array([AS_OF - timedelta(days=int(d)) for d in days])
    rank = pd.Series(revenue).rank(method="first", ascending=False).to_numpy() / n
    tier = np.where(rank <= 0.05, "Platino", np.where(rank <= 0.20, "Oro", np.where(rank <= 0.50, "Plata", "Bronce")))
    age = people["age"]
    util = np.column_stack([0.6 * loyal + 0.02 * (age - 45), 0.2 + 0.8 * conv + 0.2 * innov,
                            -0.4 + 0.6 * innov + 0.5 * social - 0.03 * (age - 45)])
    gumbel = -np.log(-np.log(rng.random((n, 3))))
    channel = np.array(["Tienda", "Online", "App"])[np.argmax(util + gumbel, axis=1)]
    return pd.DataFrame({"email": emails, "orders": orders, "revenue": revenue, "last_purchase_date": last,
                         "loyalty_tier": tier, "preferred_channel": channel, "discounts_used": discounts})


# =========================================================================== the study

def simulate(seed: int = SEED) -> dict[str, object]:
    """Draw the whole study. Returns the export table, the CRM table, the truth table and run facts."""
    rng = np.random.default_rng(seed)

    # ---- the customer population and the CRM
    crm_people = draw_people(rng, N_PERSONS_CRM)
    new_people = draw_people(rng, N_RESPONDENTS)  # pool for respondents who are not customers
    all_emails = make_emails(rng, N_PERSONS_CRM + N_RESPONDENTS)
    crm_emails, new_emails = all_emails[:N_PERSONS_CRM], all_emails[N_PERSONS_CRM:]
    crm = simulate_crm(rng, crm_people, crm_emails)
    customer_no = rng.choice(np.arange(100_000, 1_000_000), size=N_PERSONS_CRM + N_DUPLICATE_ACCOUNTS,
                             replace=False)
    crm.insert(0, "customer_id", [f"C{c}" for c in customer_no[:N_PERSONS_CRM]])
    # duplicate accounts: the same person registered again (same address, typed differently, few orders)
    dup_src = rng.choice(N_PERSONS_CRM, size=N_DUPLICATE_ACCOUNTS, replace=False)
    dup = crm.iloc[dup_src].copy()
    dup["customer_id"] = [f"C{c}" for c in customer_no[N_PERSONS_CRM:]]
    dup["orders"] = rng.integers(0, 3, size=N_DUPLICATE_ACCOUNTS)
    dup["revenue"] = np.round(dup["orders"].to_numpy() * rng.uniform(15, 60, size=N_DUPLICATE_ACCOUNTS), 2)
    dup["discounts_used"] = np.minimum(dup["discounts_used"].to_numpy(), dup["orders"].to_numpy())
    dup["loyalty_tier"] = "Bronce"
    crm_out = pd.concat([crm, dup], ignore_index=True)
    crm_out["email"] = messy_case(rng, crm_out["email"].to_numpy(), messy=0.6)
    crm_out = crm_out.sort_values("customer_id", kind="stable").reset_index(drop=True)

    # ---- who answered: customers (more often the active ones) and non-customers
    n_cust = int(round(CUSTOMER_SHARE * N_RESPONDENTS))
    p = np.sqrt(1.0 + crm["orders"].to_numpy())
    chosen = rng.choice(N_PERSONS_CRM, size=n_cust, replace=False, p=p / p.sum())
    n_new = N_RESPONDENTS - n_cust
    seg = np.concatenate([crm_people["segment"][chosen], new_people["segment"][:n_new]])
    eta = np.concatenate([crm_people["eta"][chosen], new_people["eta"][:n_new]])
    demo = {k: np.concatenate([crm_people[k][chosen], new_people[k][:n_new]])
            for k in ("age", "gender", "region", "income")}
    email_true = np.concatenate([crm_emails[chosen], new_emails[:n_new]])
    customer_id = np.concatenate([crm["customer_id"].to_numpy()[chosen], np.full(n_new, "", dtype=object)])
    order = rng.permutation(N_RESPONDENTS)  # shuffle customers and non-customers
    seg, eta, email_true, customer_id = seg[order], eta[order], email_true[order], customer_id[order]
    demo = {k: v[order] for k, v in demo.items()}
    n = N_RESPONDENTS

    # ---- answers
    X = likert(rng, eta)
    nps, csat = nps_and_csat(rng, eta)
    attention = np.full(n, float(ATTENTION_EXPECT))
    slips = rng.random(n) < 0.012  # a few attentive people slip too
    attention[slips] = rng.choice([3.0, 5.0], size=int(slips.sum()))
    careless = np.full(n, "", dtype=object)
    idx = rng.permutation(n)
    n_speed = int(round(SHARE_SPEEDERS * n))
    n_straight = int(round(SHARE_STRAIGHTLINERS * n))
    n_partial = int(round(SHARE_PARTIAL * n))
    speeders = idx[:n_speed]
    straight = idx[n_speed:n_speed + n_straight]
    partial = idx[n_speed + n_straight:n_speed + n_straight + n_partial]
    careless[speeders] = "speeder"
    careless[straight] = "straightliner"
    careless[partial] = "partial"
    # speeders click at random, everywhere
    X[speeders] = rng.integers(1, 6, size=(n_speed, len(ITEMS)))
    attention[speeders] = rng.integers(1, 6, size=n_speed)
    nps[speeders] = rng.integers(0, 11, size=n_speed)
    csat[speeders] = rng.integers(1, 6, size=n_speed)
    # straightliners give one answer to every row of both grids (the attention row included)
    line = rng.choice([3, 4, 5, 2, 1], size=n_straight, p=[0.35, 0.35, 0.2, 0.05, 0.05]).astype(float)
    X[straight] = line[:, None]
    attention[straight] = line
    # item nonresponse and "No sé" among the others
    careful = careless == ""
    blank = (rng.random(X.shape) < ITEM_NONRESPONSE) & careful[:, None]
    dont_know = (rng.random(X.shape) < ITEM_DONT_KNOW) & careful[:, None] & ~blank
    X[blank] = np.nan
    codes_dk = np.where(dont_know, 1, 0)

    # ---- durations (seconds), dates, metadata
    # Careful respondents take at least 180 s: safely above the speeder cut of the questionnaire
    # (0.4 x the median interview of about 430 s, i.e. about 171 s), so no careful respondent is a speeder.
    duration = np.rint(np.exp(np.log(430) + 0.38 * rng.standard_normal(n))).clip(180, None)
    lingerers = rng.random(n) < 0.01
    duration[lingerers] = rng.integers(3_000, 40_000, size=int(lingerers.sum()))
    duration[speeders] = rng.integers(55, 150, size=n_speed)
    duration[straight] = np.rint(np.exp(np.log(210) + 0.3 * rng.standard_normal(n_straight))).clip(110, None)
    # partials: stopped after grid 1 (35%), grid 2 (60%) or the NPS page (75%)
    stop = rng.choice([1, 2, 3], size=n_partial, p=[0.4, 0.35, 0.25])
    progress = np.full(n, 100)
    progress[partial] = np.array([35, 60, 75])[stop - 1]
    duration[partial] = np.rint(duration[partial] * np.array([0.35, 0.6, 0.75])[stop - 1])
    day = rng.integers(0, FIELD_DAYS, size=n)
    second = rng.integers(8 * 3600, 23 * 3600, size=n)
    start = np.array([FIELD_START + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, second, strict=True)])

    # ---- demographics and e-mail as typed in the survey
    age = demo["age"].astype(float)
    oor = rng.choice(np.flatnonzero(careful), size=2, replace=False)
    age[oor[0]], age[oor[1]] = 150, 17  # a typo and an under-age respondent
    gives_email = rng.random(n) < 0.94
    email_typed = messy_case(rng, email_true, messy=0.25)
    email_typed = np.where(gives_email, email_typed, None)

    groups = nps_group(nps)
    comment_rate = np.where(careless == "speeder", 0.1, 0.55)
    comment = np.array(comments(rng, seg, groups, comment_rate), dtype=object)

    table = {
        "start": start, "duration": duration.astype(int), "progress": progress,
        "X": X, "dk": codes_dk, "attention": attention, "nps": nps.astype(float), "csat": csat.astype(float),
        "comment": comment, "gender": demo["gender"], "age": age, "region": demo["region"],
        "income": demo["income"], "email": email_typed, "segment": seg + 1, "careless": careless,
        "customer_id": customer_id, "eta": eta,
    }
    # partial responses: everything after the stopping point is blank
    for r, st in zip(partial, stop, strict=True):
        if st == 1:  # answered grid 1 only
            for j in (ITEM_INDEX[i] for i in GRID_Q2 if i != ATTENTION_ID):
                table["X"][r, j] = np.nan
            table["dk"][r, [ITEM_INDEX[i] for i in GRID_Q2 if i != ATTENTION_ID]] = 0
            table["attention"][r] = np.nan
        if st <= 2:
            table["nps"][r] = np.nan
        table["csat"][r] = np.nan
        table["comment"][r] = None
        table["gender"][r] = -1
        table["age"][r] = np.nan
        table["region"][r] = -1
        table["income"][r] = -1
        table["email"][r] = None

    # ---- duplicates: double submissions (identical answers) and retakes (new answers, same e-mail)
    candidates = np.flatnonzero(careful & gives_email & (np.arange(n) != oor[0]) & (np.arange(n) != oor[1]))
    src = rng.choice(candidates, size=N_DUP_COPIES + N_DUP_RETAKES, replace=False)
    extra = {k: (v[src].copy() if isinstance(v, np.ndarray) else v) for k, v in table.items()}
    retake = np.arange(N_DUP_COPIES + N_DUP_RETAKES) >= N_DUP_COPIES
    new_X = likert(rng, eta[src])
    extra["X"][retake] = new_X[retake]
    extra["dk"][retake] = 0
    extra["careless"] = np.where(retake, "duplicate-retake", "duplicate-copy").astype(object)
    extra["email"] = messy_case(rng, email_true[src], messy=1.0)
    gap_s = np.where(retake, rng.integers(3_600, 5 * 86_400, size=len(src)), rng.integers(2, 20, size=len(src)))
    extra["start"] = np.array([s + timedelta(seconds=int(g)) for s, g in zip(table["start"][src], gap_s, strict=True)])
    extra["duration"] = np.where(retake, np.rint(table["duration"][src] * 0.8), table["duration"][src]).astype(int)
    full = {k: np.concatenate([table[k], extra[k]]) for k in table}

    # ---- order rows as Qualtrics does (by recorded date) and give them ids
    end = np.array([s + timedelta(seconds=int(d)) for s, d in zip(full["start"], full["duration"], strict=True)])
    order = np.argsort(end, kind="stable")
    full = {k: v[order] for k, v in full.items()}
    end = end[order]
    full["response_id"] = np.array(response_ids(rng, len(order)), dtype=object)
    full["end"] = end

    # ---- post-stratification weights (gender x age band); others weight 1; mean 1
    g = full["gender"]
    a = full["age"]
    band = np.where(a < 35, 0, np.where(a < 55, 1, 2))
    ok = np.isin(g, [1, 2]) & (a >= 18) & (a <= 99)
    cell = np.where(ok, (g - 1) * 3 + band, -1)
    counts = np.bincount(cell[ok], minlength=6).astype(float)
    share = counts / counts.sum()
    w = np.ones(len(g))
    w[ok] = WEIGHT_TARGETS.ravel()[cell[ok]] / share[cell[ok]]
    full["weight"] = np.round(w / w.mean(), 4)
    return {"table": full, "crm": crm_out, "seed": seed}


# =========================================================================== writers

META_COLUMNS = [
    # row 1, row 2, row 3 ImportId (+ time zone)
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "Europe/Madrid"}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "Europe/Madrid"}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "Europe/Madrid"}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
]
NPS_TEXT = f"En una escala de 0 a 10, ¿qué probabilidad hay de que recomiende {STORE} a un amigo o familiar?"
CSAT_TEXT = f"En general, ¿cuál es su grado de satisfacción con {STORE}?"
COMMENT_TEXT = f"¿Hay algo más que quiera contarnos sobre su experiencia en {STORE}?"
GENDER_TEXT = "¿Con qué género se identifica?"
AGE_TEXT = "¿Qué edad tiene? (años)"
REGION_TEXT = "¿En qué zona vive?"
INCOME_TEXT = "¿Cuáles son los ingresos netos mensuales de su hogar?"
EMAIL_TEXT = "Si desea participar en el sorteo de una tarjeta regalo de 100 €, indique su correo electrónico"


def _item_text(iid: str) -> str:
    return ATTENTION_TEXT if iid == ATTENTION_ID else ITEMS[ITEM_INDEX[iid]][5]


def _qid_columns() -> list[tuple[str, str, dict[str, str], str]]:
    """(column id, question text, ImportId JSON, field) for every question column, in export order."""
    cols = []
    for q, stem, grid in ((1, Q1_STEM, GRID_Q1), (2, Q2_STEM, GRID_Q2)):
        for k, iid in enumerate(grid, start=1):
            cols.append((f"Q{q}_{k}", f"{stem} - {_item_text(iid)}", {"ImportId": f"QID{q}_{k}"}, iid))
    cols += [
        ("Q3", NPS_TEXT, {"ImportId": "QID3"}, "nps"),
        ("Q3_NPS_GROUP", f"{NPS_TEXT} - Group", {"ImportId": "QID3_NPS_GROUP"}, "nps_group"),
        ("Q4", CSAT_TEXT, {"ImportId": "QID4"}, "csat"),
        ("Q5", COMMENT_TEXT, {"ImportId": "QID5_TEXT"}, "comment"),
        ("Q6", GENDER_TEXT, {"ImportId": "QID6"}, "gender"),
        ("Q7", AGE_TEXT, {"ImportId": "QID7_TEXT"}, "age"),
        ("Q8", REGION_TEXT, {"ImportId": "QID8"}, "region"),
        ("Q9", INCOME_TEXT, {"ImportId": "QID9"}, "income"),
        ("Q10", EMAIL_TEXT, {"ImportId": "QID10_TEXT"}, "email"),
        ("weight", "weight", {"ImportId": "weight"}, "weight"),
    ]
    return cols


def _fmt(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def export_rows(sim: dict[str, object]) -> tuple[list[str], list[list[object]]]:
    """Header (row 1) and data rows of the export, as cell values ("choice text")."""
    t: dict = sim["table"]  # type: ignore[assignment]
    qcols = _qid_columns()
    header = [c[0] for c in META_COLUMNS] + [c[0] for c in qcols]
    rows: list[list[object]] = []
    n = len(t["response_id"])
    for r in range(n):
        finished = t["progress"][r] == 100
        meta = [_fmt(t["start"][r]), _fmt(t["end"][r]), "IP Address", None, int(t["progress"][r]),
                int(t["duration"][r]), "True" if finished else "False", _fmt(t["end"][r]), t["response_id"][r],
                None, None, None, None, None, None, "anonymous", "ES"]
        vals: list[object] = []
        for _col, _text, _imp, field in qcols:
            if field in ITEM_INDEX:
                j = ITEM_INDEX[field]
                if t["dk"][r, j]:
                    vals.append(DONT_KNOW)
                else:
                    x = t["X"][r, j]
                    vals.append(None if np.isnan(x) else AGREE[int(x)])
            elif field == ATTENTION_ID:
                x = t["attention"][r]
                vals.append(None if np.isnan(x) else AGREE[int(x)])
            elif field == "nps":
                x = t["nps"][r]
                vals.append(None if np.isnan(x) else int(x))
            elif field == "nps_group":
                x = t["nps"][r]
                vals.append(None if np.isnan(x) else str(nps_group(np.array([x]))[0]))
            elif field == "csat":
                x = t["csat"][r]
                vals.append(None if np.isnan(x) else SATISFACTION[int(x)])
            elif field == "comment":
                vals.append(t["comment"][r])
            elif field == "gender":
                g = int(t["gender"][r])
                vals.append(None if g < 0 else NO_ANSWER if g == 0 else GENDER[g])
            elif field == "age":
                x = t["age"][r]
                vals.append(None if np.isnan(x) else int(x))
            elif field == "region":
                g = int(t["region"][r])
                vals.append(None if g < 0 else REGION[g])
            elif field == "income":
                g = int(t["income"][r])
                vals.append(None if g < 0 else NO_ANSWER if g == 0 else INCOME[g])
            elif field == "email":
                vals.append(t["email"][r])
            elif field == "weight":
                vals.append(float(t["weight"][r]))
        rows.append(meta + vals)
    return header, rows


def _deterministic_zip(data: bytes) -> bytes:
    """Re-zip an xlsx with fixed entry timestamps so equal contents give equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + _STAMP.encode() + rb"\g<2>", content)
            dst.writestr(zi, content, compresslevel=9)
    return out.getvalue()


def write_export(sim: dict[str, object], path: Path) -> None:
    header, rows = export_rows(sim)
    qcols = _qid_columns()
    row2 = [c[1] for c in META_COLUMNS] + [c[1] for c in qcols]
    row3 = [json.dumps(c[2], ensure_ascii=False, separators=(",", ":")) for c in META_COLUMNS] + \
           [json.dumps(c[2], ensure_ascii=False, separators=(",", ":")) for c in qcols]
    wb = Workbook(write_only=True)
    stamp = datetime(*ZIP_TIME)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "Qualtrics"
    ws = wb.create_sheet("Sheet0")
    ws.append(header)
    ws.append(row2)
    ws.append(row3)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))


def write_crm(sim: dict[str, object], path: Path) -> None:
    crm: pd.DataFrame = sim["crm"]  # type: ignore[assignment]
    out = crm.copy()
    out["last_purchase_date"] = [d.isoformat() for d in out["last_purchase_date"]]
    out["revenue"] = [f"{v:.2f}" for v in out["revenue"]]
    out.to_csv(path, index=False, lineterminator="\n")


TRANSACTIONS_SEED_OFFSET = 15   # the transactions use their own random stream: the other files stay as they were


def simulate_transactions(crm: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Purchases and returns behind the CRM figures, with Spanish column names.

    For every customer: ``orders`` purchases in the 12 months to the extract (the last one on
    ``last_purchase_date``, the others uniform over the window before it), whose amounts split ``revenue``
    (Dirichlet shares, rounded to cents, the last one absorbing the rounding); ``discounts_used`` of them carry
    a discount (``descuento`` = 5-20% of the amount, otherwise 0); 80% on the preferred channel. Before the
    window: Poisson(0.8 x orders) purchases in the previous year, and for customers without orders one purchase
    on their last purchase date (or just before the window, for the few duplicate accounts whose CRM record shows
    a recent date without orders) plus Poisson(1) earlier ones. About 2% of purchases in the window get a return
    (negative amount, part of the purchase) 1-20 days later, never after the extract date. Sorted by date, then
    customer.
    """
    rng = np.random.default_rng([seed, TRANSACTIONS_SEED_OFFSET])
    as_of = pd.Timestamp(AS_OF)
    channels = np.array(["Tienda", "Online", "App"])
    ids, days, amounts, disc, chan = [], [], [], [], []
    for cid, n, rev, last, n_disc, pref in zip(crm["customer_id"], crm["orders"], crm["revenue"],
                                               crm["last_purchase_date"], crm["discounts_used"],
                                               crm["preferred_channel"], strict=True):
        gap = (AS_OF - last).days
        if n > 0:
            d = np.concatenate([rng.integers(gap, 365, size=n - 1), [gap]])
            cents = np.round(rng.dirichlet(np.full(n, 4.0)) * rev, 2)
            cents[-1] = round(rev - cents[:-1].sum(), 2)
            flag = np.zeros(n, dtype=bool)
            flag[rng.choice(n, size=min(n_disc, n), replace=False)] = True
            before = rng.poisson(0.8 * n)
            d = np.concatenate([d, rng.integers(365, 730, size=before)])
        else:  # a duplicate account can show a recent last purchase with no orders: its purchases go before the window
            before = rng.poisson(1.0)
            gap = max(gap, 365)
            d = np.concatenate([[gap], rng.integers(gap + 1, gap + 366, size=before)])
            cents = np.zeros(0)
            flag = np.zeros(0, dtype=bool)
        extra = len(d) - len(cents)
        cents = np.concatenate([cents, np.round(np.exp(3.5 + 0.3 * rng.standard_normal(extra)), 2)])
        flag = np.concatenate([flag, rng.random(extra) < 0.25])
        ch = np.where(rng.random(len(d)) < 0.8, pref, channels[rng.integers(0, 3, size=len(d))])
        ids.append(np.full(len(d), cid, dtype=object))
        days.append(d)
        amounts.append(cents)
        disc.append(np.where(flag, np.round(cents * rng.uniform(0.05, 0.20, size=len(d)), 2), 0.0))
        chan.append(ch)
    tx = pd.DataFrame({"id_cliente": np.concatenate(ids), "dias": np.concatenate(days),
                       "importe": np.concatenate(amounts), "canal": np.concatenate(chan),
                       "descuento": np.concatenate(disc)})
    in_window = np.flatnonzero((tx["dias"].to_numpy() < 365) & (tx["importe"].to_numpy() > 0))
    ret = rng.choice(in_window, size=int(round(0.02 * len(in_window))), replace=False)
    returns = tx.iloc[np.sort(ret)].copy()
    returns["dias"] = np.maximum(returns["dias"].to_numpy() - rng.integers(1, 21, size=len(returns)), 0)
    returns["importe"] = -np.round(returns["importe"].to_numpy() * rng.uniform(0.2, 1.0, size=len(returns)), 2)
    returns["descuento"] = 0.0
    tx = pd.concat([tx, returns], ignore_index=True)
    tx["fecha"] = as_of - pd.to_timedelta(tx["dias"], unit="D")
    tx = tx.sort_values(["fecha", "id_cliente"], kind="stable").reset_index(drop=True)
    return tx[["id_cliente", "fecha", "importe", "canal", "descuento"]]


def write_transactions(sim: dict[str, object], path: Path, seed: int = SEED) -> None:
    """The transactions as a Spanish spreadsheet would export them: ``;`` separated, dates dd/mm/yyyy,
    decimal commas, gzip-compressed (deterministic: no time stamp in the gzip header)."""
    import gzip

    tx = simulate_transactions(sim["crm"], seed)  # type: ignore[arg-type]
    body = ["id_cliente;fecha;importe;canal;descuento"]
    fecha = tx["fecha"].dt.strftime("%d/%m/%Y")
    money = lambda v: f"{v:.2f}".replace(".", ",")  # noqa: E731
    for cid, f, imp, ch, dsc in zip(tx["id_cliente"], fecha, tx["importe"], tx["canal"], tx["descuento"],
                                   strict=True):
        body.append(f"{cid};{f};{money(imp)};{ch};{money(dsc)}")
    data = ("\n".join(body) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


KPI_MAP_YAML = """# KPI map for 'surveytools kpis' (see docs/kpis.md): the columns in the files' own language.
transactions: {customer: id_cliente, date: fecha, amount: importe, channel: canal, discount: descuento}
customers: {id: customer_id, segment: segment, tier: loyalty_tier}
as_of: 2024-05-31
window_days: 365
lapsed: {min_orders: 2, inactive_days: 180}
vip: {top_share: 0.10}
custom:
  ticket_mediano: median(importe)
  pedidos_app: count(*) FILTER (WHERE canal = 'App' AND importe >= 0)
"""


def write_truth(sim: dict[str, object], path: Path) -> None:
    t: dict = sim["table"]  # type: ignore[assignment]
    eta = t["eta"]
    frame = pd.DataFrame({
        "ResponseId": t["response_id"],
        "segment": t["segment"],
        "segment_name": [SEGMENTS[s - 1].name_es for s in t["segment"]],
        "careless": t["careless"],
        "customer_id": t["customer_id"],
    })
    for k, (_key, scale, *_r) in enumerate(DIMENSIONS):
        frame[f"true_{scale}"] = [f"{v:.4f}" for v in eta[:, k]]
    frame.to_csv(path, index=False, lineterminator="\n")


def questionnaire_yaml() -> str:
    """The questionnaire of the export (YAML), with comments."""
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)

    lines = [
        f"# {STORE} loyalty study 2024: questionnaire of examples/retail_loyalty/export_qualtrics.xlsx",
        "# (written by generate.py; edit the generator, not this file). Answers are Spanish labels",
        "# (Qualtrics \"choice text\" export); `column` names the Qualtrics column of each item.",
        f"title: {STORE} - estudio de fidelización 2024",
        "language: es",
        "respondent_id: ResponseId",
        "weight: weight",
        "",
        "option_sets:",
        "  agree5:",
        "    codes: {" + ", ".join(f"{k}: {q(v)}" for k, v in AGREE.items()) + "}",
        f"    missing: [{q(DONT_KNOW)}]",
        "  satisfaction5:",
        "    codes: {" + ", ".join(f"{k}: {q(v)}" for k, v in SATISFACTION.items()) + "}",
        "",
        "items:",
        f"  # Q1 and Q2: two agreement grids; the {ATTENTION_ID!r} row of Q2 is an attention check",
    ]
    for qn, grid in ((1, GRID_Q1), (2, GRID_Q2)):
        for k, iid in enumerate(grid, start=1):
            extra = f", expect: {ATTENTION_EXPECT}" if iid == ATTENTION_ID else ""
            lines.append(f"  {iid}: {{text: {q(_item_text(iid))}, options: agree5, column: Q{qn}_{k}{extra}}}")
    lines += [
        f"  nps: {{text: {q(NPS_TEXT)}, type: nps, column: Q3}}",
        f"  csat: {{text: {q(CSAT_TEXT)}, options: satisfaction5, column: Q4}}",
        f"  comment: {{text: {q(COMMENT_TEXT)}, type: text, column: Q5}}",
        f"  gender: {{text: {q(GENDER_TEXT)}, type: categorical, column: Q6,",
        "           codes: {" + ", ".join(f"{k}: {q(v)}" for k, v in GENDER.items()) + f"}}, missing: [{q(NO_ANSWER)}]}}",
        f"  age: {{text: {q(AGE_TEXT)}, type: numeric, column: Q7, range: [18, 99]}}",
        f"  region: {{text: {q(REGION_TEXT)}, type: categorical, column: Q8,",
        "           codes: {" + ", ".join(f"{k}: {q(v)}" for k, v in REGION.items()) + "}}",
        f"  income: {{text: {q(INCOME_TEXT)}, type: categorical, column: Q9,",
        "           codes: {" + ", ".join(f"{k}: {q(v)}" for k, v in INCOME.items()) + f"}}, missing: [{q(NO_ANSWER)}]}}",
        f"  email: {{text: {q(EMAIL_TEXT)}, type: email, column: Q10}}",
        "",
        "# Six psychographic dimensions, four items each; a leading '-' marks the reverse-keyed item.",
        "scales:",
    ]
    for key, scale, label_es, _en in DIMENSIONS:
        keys = [("-" if rev else "") + iid for iid, dim, rev, *_r in ITEMS if dim == key]
        lines.append(f"  {scale}: {{label: {q(label_es)}, items: [{', '.join(keys)}]}}")
    lines += [
        "",
        "quality:",
        "  duration: Duration (in seconds)   # Qualtrics metadata column",
        "  speeder_fraction: 0.4             # faster than 40% of the median interview is a speeder",
        "  min_answered: 0.5",
        "  straightline_min_items: 4",
        "  batteries:                        # the grids as respondents saw them (default: the scales)",
        f"    grid_q1: [{', '.join(GRID_Q1)}]",
        f"    grid_q2: [{', '.join(GRID_Q2)}]",
        "",
    ]
    return "\n".join(lines)


def readme(sim: dict[str, object]) -> str:
    """README.md: the study, the files, and the true model with this run's numbers."""
    t: dict = sim["table"]  # type: ignore[assignment]
    crm: pd.DataFrame = sim["crm"]  # type: ignore[assignment]
    n_rows = len(t["response_id"])
    careless = pd.Series(t["careless"]).value_counts()
    seg_counts = np.bincount(t["segment"][~np.isin(t["careless"], ["duplicate-copy", "duplicate-retake"])],
                             minlength=K + 1)[1:]
    _, cov = population_moments()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    mean, _ = population_moments()
    z_centroids = (np.array([s.centroid for s in SEGMENTS]) - mean) / sd
    is_cust = (t["customer_id"] != "") & ~np.isin(t["careless"], ["duplicate-copy", "duplicate-retake"])
    keys = [d[0] for d in DIMENSIONS]

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    out = [
        f"# Example study: {STORE} retail loyalty survey (fictitious)",
        "",
        f"{STORE} is an invented Spanish supermarket chain. In May 2024 it surveyed shoppers about their",
        "shopping attitudes, satisfaction and likelihood to recommend, to segment its customers",
        "psychographically and to target its loyalty programme. Everything here is simulated by",
        "`generate.py` from the model below, so an analysis can be checked against the truth.",
        "",
        "Regenerate (byte for byte, with the same seed):",
        "",
        "```",
        "python examples/retail_loyalty/generate.py             # seed " + str(SEED),
        "python examples/retail_loyalty/generate.py --out /tmp/study --seed 7",
        "```",
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        f"| `export_qualtrics.xlsx` | Qualtrics \"Download data table\" Excel export with choice text: row 1 column ids, row 2 question texts (\"Question - Sub-item\"), row 3 `{{\"ImportId\": ...}}`, then {n_rows:,} responses |",
        "| `questionnaire.yaml` | the surveytools questionnaire: items mapped to Qualtrics columns, Spanish labels, scales with reverse keys, data-quality rules |",
        f"| `customers.csv` | the CRM extract of {AS_OF.isoformat()}: {len(crm):,} customer records; e-mails in mixed case and spacing |",
        "| `truth.csv` | per response: true segment, careless-response type, CRM customer id, true attitude scores |",
        "| `transacciones.csv.gz` | the purchases and returns behind the CRM figures (`id_cliente;fecha;importe;canal;descuento`, dates dd/mm/yyyy, decimal commas), for `surveytools kpis` |",
        "| `kpis.yaml` | the KPI map: which columns hold the customer, date, amount, channel and discount |",
        "| `generate.py` | the seeded generator (numpy, pandas, openpyxl) |",
        "",
        "Try:",
        "",
        "```",
        "surveytools import examples/retail_loyalty/export_qualtrics.xlsx -q examples/retail_loyalty/questionnaire.yaml -o clean.parquet",
        "surveytools quality examples/retail_loyalty/export_qualtrics.xlsx -q examples/retail_loyalty/questionnaire.yaml",
        "surveytools run examples/retail_loyalty/project.yaml   # ... crm join, then kpis on the transactions",
        "```",
        "",
        "## The questionnaire",
        "",
        "- **Q1, Q2**: two agreement grids (\"Totalmente en desacuerdo\" 1 .. \"Totalmente de acuerdo\" 5, plus",
        "  \"No sé\", declared missing) with 24 attitude items, four per dimension, one of them reverse-keyed,",
        f"  spread over the grids; row 7 of Q2 is an attention check (\"marque «De acuerdo»\", expected code {ATTENTION_EXPECT}).",
        "- **Q3** likelihood to recommend (NPS, 0-10; Qualtrics adds `Q3_NPS_GROUP`), **Q4** satisfaction (5 points),",
        "  **Q5** open comment, **Q6-Q9** gender, age, region, household income (\"Prefiero no contestar\" is",
        "  missing), **Q10** e-mail (for a prize draw; the key to the CRM), `weight` (embedded data).",
        "",
        "## The true model",
        "",
        "**Segments.** Five segments with population shares below. Each person's six attitudes are the",
        f"segment centroid plus independent normal noise with sd {SD_WITHIN:.2f} (no correlation within a segment:",
        "the attitudes correlate only through the segment differences); attitudes are then standardized over",
        "the population mixture. Centroids in population sd units:",
        "",
        row(["segment", "English", "share", *keys, "respondents"]),
        row(["---"] * (4 + len(keys))),
    ]
    for k, s in enumerate(SEGMENTS):
        out.append(row([f"{k + 1} {s.name_es}", s.name_en, f"{s.share:.2f}",
                        *[f"{v:+.2f}" for v in z_centroids[k]], str(int(seg_counts[k]))]))
    out += [
        "",
        "(P price sensitivity, L brand loyalty, I innovativeness, E environmental concern, C convenience",
        "orientation, S social influence.) Respondents over-represent active customers (invitation",
        "probability grows with the square root of 1 + orders), so their segment mix differs a little from",
        "the population shares.",
        "",
        "**Population correlations of the attitudes** (within-segment correlations plus segment differences):",
        "",
        row(["", *keys]),
        row(["---"] * (1 + len(keys))),
    ]
    for i, k in enumerate(keys):
        out.append(row([k, *[f"{corr[i, j]:.2f}" for j in range(6)]]))
    out += [
        "",
        "**Items.** `y* = lambda * eta_d + sqrt(1 - lambda^2) * e` (with `-lambda` for the reverse-keyed item),",
        f"cut at thresholds {', '.join(f'{v:+.2f}' for v in BASE_THRESHOLDS)} plus an item shift into codes 1..5.",
        "",
        row(["item", "dimension", "reversed", "loading", "shift", "text"]),
        row(["---"] * 6),
    ]
    for iid, dim, rev, lam, shift, text in ITEMS:
        out.append(row([iid, dim, "yes" if rev else "", f"{lam:.2f}", f"{shift:+.2f}", text]))
    out += [
        "",
        f"**NPS** (0-10): `z = {' '.join(f'{w:+.2f}*{k}' for w, k in zip(NPS_WEIGHTS, keys, strict=True))}"
        f" + {NPS_NOISE} e`, standardized and cut to the target distribution "
        f"{', '.join(f'{p:.2f}' for p in NPS_P)} (codes 0..10): brand loyalty is the main driver, price",
        f"sensitivity the main detractor. **Satisfaction** = {CSAT_R} z + noise, cut to "
        f"{', '.join(f'{p:.2f}' for p in CSAT_P)}.",
        "",
        "**Comments** (about 55% answer): a tone sentence by NPS group (detractor / passive / promoter) and",
        "one or two phrases typical of the segment (85%; 15% borrow another segment's), so the distinctive",
        "words differ by segment (ofertas, cupones, precios / años, personal, amable / app, móvil,",
        "novedades / plástico, ecológicos, locales / entrega, colas, horario).",
        "",
        "**CRM.** For every customer: orders in the last 12 months ~ Poisson-gamma with mean",
        "`exp(1.55 + 0.45 L + 0.15 C - 0.05 P + 0.10 I)`; average order value `exp(3.55 - 0.18 P + 0.12 E +",
        "0.08 I + 0.25 e)` euros; revenue = orders x value x noise; discounts used ~ Binomial(orders,",
        "logistic(-1 + P)); days since last purchase ~ Exponential(mean 365 / (orders + 1)), 366-905 days",
        "for customers without orders; loyalty tier by revenue rank (Platino top 5%, Oro next 15%, Plata",
        "next 30%, Bronce the rest); preferred channel by a multinomial logit (Tienda: L and age; Online: C;",
        f"App: I, S and youth). {N_DUPLICATE_ACCOUNTS} customers have a second account with the same e-mail",
        "(typed differently) and a couple of orders.",
        "",
        "**Transactions** (`transacciones.csv.gz`, their own random stream). Each customer's `orders` in the",
        "12 months to the extract, the last on `last_purchase_date`, with amounts that split `revenue`;",
        "`discounts_used` of them carry a discount (5-20% of the amount); 80% on the preferred channel. Before",
        "the window: Poisson(0.8 x orders) purchases in the previous year (customers without orders: one on",
        "their last purchase date and Poisson(1) earlier ones). About 2% of purchases in the window are partly",
        "returned 1-20 days later (negative amounts).",
        "",
        f"**Linking.** {int(is_cust.sum()):,} of the {N_RESPONDENTS:,} distinct respondents "
        f"({is_cust.mean():.0%}) are customers; 94% leave their e-mail (partial responses never reach the",
        "question). E-mails in the CRM and in the survey differ in case and white space; normalize before",
        "joining. Addresses use the reserved example domains of RFC 2606 and are fictitious.",
        "",
        "## Data problems planted (for `surveytools quality`)",
        "",
        row(["problem", "responses", "how"]),
        row(["---"] * 3),
        row(["speeders", str(int(careless.get("speeder", 0))),
             "random answers everywhere, 55-149 s (median interview about 430 s)"]),
        row(["straightliners", str(int(careless.get("straightliner", 0))),
             "one answer to every row of both grids (the attention row included), about 210 s"]),
        row(["partial responses", str(int(careless.get("partial", 0))),
             "Finished False, Progress 35/60/75, later questions blank"]),
        row(["double submissions", str(int(careless.get("duplicate-copy", 0))),
             "identical answers and e-mail (typed differently), a new ResponseId seconds later"]),
        row(["retakes", str(int(careless.get("duplicate-retake", 0))),
             "same person and e-mail hours or days later, new answers"]),
        row(["out-of-range age", "2", "150 and 17 (the range is 18-99)"]),
        row(["attention slips", "about 1%", "careful respondents who missed the check"]),
        row(["item nonresponse", f"{ITEM_NONRESPONSE:.1%} of grid cells", "blank, among careful respondents"]),
        row(["\"No sé\"", f"{ITEM_DONT_KNOW:.1%} of grid cells", "declared missing in the questionnaire"]),
        "",
        f"Seed {SEED}; {n_rows:,} rows in the export ({N_RESPONDENTS:,} people + "
        f"{N_DUP_COPIES + N_DUP_RETAKES} duplicates).",
        "",
    ]
    return "\n".join(out)


TARGETS_YAML = """\
# Population targets of the Mercavista study (shoppers aged 18+), for 'surveytools weight' and the
# project's weight stage: shares by label (or code); bands [lower, upper) for age.
targets:
  gender: {Hombre: 0.485, Mujer: 0.505, Otro: 0.01}
  age:
    bins: [0, 35, 55, 200]
    shares: [0.27, 0.37, 0.36]
  region:
    Noroeste: 0.10
    Noreste: 0.15
    Comunidad de Madrid: 0.14
    Centro: 0.11
    Este: 0.22
    Sur: 0.22
    Canarias: 0.06
cap: 5            # no weight above 5 x the mean weight
missing: ignore   # a respondent without an answer is left out of that margin only
"""

PROJECT_YAML = """\
# surveytools project file for the Mercavista loyalty study (see README.md).
# Run it with:   surveytools run project.yaml -o mercavista-output
# Paths are relative to this file.
title: Mercavista - segmentación psicográfica 2024
language: es
questionnaire: questionnaire.yaml
output: output

data:
  export: export_qualtrics.xlsx
  unknown_labels: error          # a label missing from the questionnaire stops the import

quality:
  exclude: [speeder, straightlining, attention-check, partial, duplicate-id, duplicate-email]

weight:
  targets: targets.yaml          # population shares by gender, age band and region (raking)
  cap: 5

reliability:
  missing: pairwise

tables:                          # banner tables: answers by gender and region, with column letters
  banner: [gender, region]
  rows: [nps, csat, income, price_sensitivity, brand_loyalty, innovativeness, environmental_concern, convenience,
         social_influence]

factor:
  items: [price_sensitivity, brand_loyalty, innovativeness, environmental_concern, convenience, social_influence]
  n_factors: auto
  method: minres
  rotation: oblimin

segment:
  basis: factors
  k: 2-8
  method: kmeans
  seed: 20240531
  bootstrap: 20

typing_tool:
  max_items: 12

crm:
  file: customers.csv
  on: email

crm_extend:                      # a segment for every customer from a model on CRM fields
  features: auto
  min_probability: 0.4           # below: no segment (source 'none')
  seed: 20240601                 # the model's seed (default: the study's seed, here segment.seed)

kpis:                            # KPIs per segment from the purchases (after the CRM join)
  transactions: transacciones.csv.gz
  map: kpis.yaml

voc:
  nps: nps
  csat: csat
  text: comment
  drivers: scales

report:
  formats: [xlsx, html, pptx]
"""


def generate(out: Path | str, seed: int = SEED) -> dict[str, Path]:
    """Write every file of the study into ``out``; returns name -> path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sim = simulate(seed)
    paths = {
        "export": out / "export_qualtrics.xlsx",
        "questionnaire": out / "questionnaire.yaml",
        "customers": out / "customers.csv",
        "truth": out / "truth.csv",
        "readme": out / "README.md",
        "project": out / "project.yaml",
        "targets": out / "targets.yaml",
        "transactions": out / "transacciones.csv.gz",
        "kpi_map": out / "kpis.yaml",
    }
    write_export(sim, paths["export"])
    paths["questionnaire"].write_text(questionnaire_yaml(), encoding="utf-8")
    write_crm(sim, paths["customers"])
    write_truth(sim, paths["truth"])
    paths["readme"].write_text(readme(sim), encoding="utf-8")
    paths["project"].write_text(PROJECT_YAML, encoding="utf-8")
    paths["targets"].write_text(TARGETS_YAML, encoding="utf-8")
    write_transactions(sim, paths["transactions"], seed)
    paths["kpi_map"].write_text(KPI_MAP_YAML, encoding="utf-8")
    return paths


def main(argv: list[str] | None = None, default_out: Path | None = None) -> None:
    """Command line of the generator (``--out DIR --seed N``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=default_out, required=default_out is None,
                        help="output folder" + (f" (default: {default_out})" if default_out else ""))
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    args = parser.parse_args(argv)
    for name, path in generate(args.out, args.seed).items():
        sys.stdout.write(f"{name:14s} {path}\n")


if __name__ == "__main__":  # pragma: no cover
    main()

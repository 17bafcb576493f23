"""French formatting shared by every layer (rules messages, CLI, template filters): dates and
amounts as the French administration writes them, through babel (locale fr_FR)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal
from num2words import num2words

LOCALE = "fr_FR"
NBSP = "\u00a0"
"""No-break space: before « : ; ! ? », inside « », between a number and its unit."""
NNBSP = "\u202f"
"""Narrow no-break space: babel's thousands separator in fr_FR."""


def date_fr(d: dt.date) -> str:
    """« 1er avril 2026 », « 21 août 2026 »."""
    jour = "1er" if d.day == 1 else str(d.day)
    return f"{jour} {format_date(d, 'MMMM y', locale=LOCALE)}"


def montant_fr(m: Decimal | int | float, unite: str = "€ HT") -> str:
    """« 216 000 € HT », « 39 999,99 € HT »: no cents on round amounts (thresholds),
    a narrow no-break space between thousands, a no-break space before the unit."""
    q = Decimal(str(m)) if isinstance(m, float) else Decimal(m)
    motif = "#,##0" if q == q.to_integral_value() else "#,##0.00"
    texte = format_decimal(q, format=motif, locale=LOCALE, decimal_quantization=True)
    return f"{texte}{NBSP}{unite}" if unite else texte


# --------------------------------------------------------------------------- names and articles

VOYELLES = "AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸŒÆaeiouyàâäéèêëîïôöùûüÿœæ"


@lru_cache(maxsize=1)
def h_aspires() -> tuple[frozenset[str], tuple[str, ...]]:
    """Place names whose initial h is aspirated (« de Hautefort », never « d'Hautefort »):
    names and prefixes from ``data/francais.yaml``, kept as data with their source."""
    data = yaml.safe_load(files("cctp_builder").joinpath("data/francais.yaml").read_text("utf-8"))
    h = data["h_aspire"]
    return frozenset(n.casefold() for n in h["noms"]), tuple(p.casefold() for p in h["prefixes"])


def commence_par_voyelle(nom: str) -> bool:
    """True when « de » elides before ``nom``: a vowel, or a silent h (« d'Hyères »)."""
    nom = nom.strip()
    if not nom:
        return False
    if nom[0] in VOYELLES:
        return True
    if nom[0] in "Hh":
        noms, prefixes = h_aspires()
        premier = nom.split(" ")[0].casefold()
        return premier not in noms and nom.split("-")[0].casefold() not in noms \
            and not premier.startswith(prefixes)
    return False


def _article(nom: str) -> tuple[str, str]:
    """(« le » | « les » | « », rest) for a name that begins with the article Le or Les."""
    for article in ("Le ", "Les "):
        if nom.startswith(article) and len(nom) > len(article):
            return article.strip().lower(), nom[len(article):]
    return "", nom


def de(nom: str) -> str:
    """« de » before a place or person name: « d'Oraison », « du Castellet » (Le Castellet),
    « des Mées » (Les Mées), « de La Roque », « d'Hyères », « de Hautefort »."""
    nom = nom.strip()
    article, reste = _article(nom)
    if article == "le":
        return f"du {reste}"
    if article == "les":
        return f"des {reste}"
    return f"d'{nom}" if commence_par_voyelle(nom) else f"de {nom}"


def a(nom: str) -> str:
    """« à » before a place name: « à Oraison », « au Castellet », « aux Mées »."""
    nom = nom.strip()
    article, reste = _article(nom)
    if article == "le":
        return f"au {reste}"
    if article == "les":
        return f"aux {reste}"
    return f"à {nom}"


def compte(n: int, singulier: str, pluriel: str | None = None, *, feminin: bool = False,
           lettres: bool = True) -> str:
    """A counted noun that agrees: « aucune réunion », « une tranche optionnelle »,
    « deux tranches optionnelles », « 25 réunions » (figures above twenty)."""
    n = int(n)
    pluriel = pluriel or " ".join(m if m.endswith(("s", "x", "z")) else m + "s"
                                  for m in singulier.split(" "))
    if n <= 0:
        return f"{'aucune' if feminin else 'aucun'} {singulier}"
    if n == 1:
        return f"{'une' if feminin else 'un'} {singulier}"
    nombre = num2words(n, lang="fr") if lettres and n <= 20 else str(n)
    return f"{nombre} {pluriel}"


# --------------------------------------------------------------------------- civility

_FEMININS = {"maire": "maire", "président": "présidente", "vice-président": "vice-présidente",
             "adjoint": "adjointe", "directeur": "directrice", "directeur général": "directrice "
             "générale", "conseiller": "conseillère", "délégué": "déléguée"}


def qualite_accordee(qualite: str, civilite: str | None) -> str:
    """The title in lower case, in the feminine for « Madame » (« présidente »)."""
    q = qualite.strip()
    base = q[0].lower() + q[1:] if q else q
    if civilite == "Madame":
        return _FEMININS.get(base.casefold(), base)
    return base


def article_defini(mot: str, civilite: str | None) -> str:
    """« le maire », « la maire », « l'adjointe »."""
    if commence_par_voyelle(mot):
        return f"l'{mot}"
    return f"{'la' if civilite == 'Madame' else 'le'} {mot}"

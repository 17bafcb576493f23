"""Input hygiene: working notes left in contractual text, stale data, slug-like references,
deadlines on non-working days. Every finding is a located warning."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import holidays
from pydantic import BaseModel

from .errors import Constat
from .models import Consultation

NOTES_DE_TRAVAIL = re.compile(
    r"(à\s+vérifier|a\s+verifier|à\s+compléter|a\s+completer|\bTODO\b|\bTBD\b|invent[ée]|"
    r"\?\?|\s\?\s*$|\(\?\))", re.IGNORECASE)
"""Working notes that must not reach a contractual piece."""

ANCIENNETE_POPULATION_ANS = 5

_JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _textes(obj: Any, chemin: str = "") -> Iterator[tuple[str, str]]:
    """Every free-text value of the model with its field path (« operation.enjeux »)."""
    if isinstance(obj, BaseModel):
        for nom in type(obj).model_fields:
            yield from _textes(getattr(obj, nom), f"{chemin}.{nom}" if chemin else nom)
    elif isinstance(obj, list | tuple):
        for i, x in enumerate(obj):
            yield from _textes(x, f"{chemin}.{i}")
    elif isinstance(obj, str):
        yield chemin, obj


def notes_de_travail(projet: Consultation) -> list[Constat]:
    out = []
    for chemin, texte in _textes(projet):
        if chemin.endswith((".fichier", "marche.reference")):
            continue
        m = NOTES_DE_TRAVAIL.search(texte)
        if m:
            out.append(Constat(chemin, f"note de travail « {m.group(0).strip()} » dans un texte "
                                       "repris tel quel dans les pièces : reformulez-la ou "
                                       "vérifiez le point avant publication.", "avertissement"))
    return out


def population(projet: Consultation) -> list[Constat]:
    a = projet.acheteur
    annee = projet.calendrier.date_envoi_publication.year
    if a.population_annee and annee - a.population_annee > ANCIENNETE_POPULATION_ANS:
        return [Constat("acheteur.population_annee", f"population de {a.population_annee}, plus "
                        f"de {ANCIENNETE_POPULATION_ANS} ans avant la consultation ({annee}) : "
                        "reprenez le dernier millésime de l'INSEE.", "avertissement")]
    return []


_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+){2,}$")


def reference(projet: Consultation) -> list[Constat]:
    ref = projet.marche.reference
    if _SLUG.match(ref) and not re.search(r"\d{4}", ref):
        d = projet.calendrier.date_envoi_publication
        return [Constat("marche.reference", f"« {ref} » ressemble à un identifiant de fichier "
                        "plutôt qu'à un numéro de marché ; un numéro d'ordre de la commune, "
                        f"par exemple « {d.year}-{d.month:02d} », se lit mieux dans les pièces.",
                        "avertissement")]
    return []


def visite(projet: Consultation) -> list[Constat]:
    v = projet.calendrier.visite_site
    if v and v.obligatoire and v.date is None and not (
            v.modalites and "rendez-vous" in v.modalites.lower()):
        return [Constat("calendrier.visite_site", "visite obligatoire sans date : indiquez la "
                        "date de la visite collective, ou « sur rendez-vous » dans modalites.",
                        "avertissement")]
    return []


def jours_non_ouvres(projet: Consultation) -> list[Constat]:
    c = projet.calendrier
    dates: list[tuple[str, dt.date]] = [("calendrier.date_envoi_publication",
                                         c.date_envoi_publication),
                                        ("calendrier.date_limite_remise",
                                         c.date_limite_remise.date())]
    if c.date_limite_questions:
        dates.append(("calendrier.date_limite_questions", c.date_limite_questions))
    if c.visite_site and c.visite_site.date:
        dates.append(("calendrier.visite_site.date", c.visite_site.date))
    feries = holidays.country_holidays("FR", years={d.year for _, d in dates}, language="fr")
    out = []
    for chemin, d in dates:
        if d in feries:
            out.append(Constat(chemin, f"le {d.day} {_mois(d)} {d.year} est férié "
                               f"({feries[d]}) : choisissez un jour ouvré.", "avertissement"))
        elif d.weekday() >= 5:
            out.append(Constat(chemin, f"le {d.day} {_mois(d)} {d.year} est un "
                               f"{_JOURS[d.weekday()]} : choisissez un jour ouvré.",
                               "avertissement"))
    return out


def jour_ouvre(d: dt.date) -> dt.date:
    """``d`` or the next day that is neither a weekend nor a French public holiday."""
    feries = holidays.country_holidays("FR", years={d.year, d.year + 1})
    while d.weekday() >= 5 or d in feries:
        d += dt.timedelta(days=1)
    return d


def _mois(d: dt.date) -> str:
    return ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
            "septembre", "octobre", "novembre", "décembre")[d.month - 1]


def verifier(projet: Consultation) -> list[Constat]:
    """Every hygiene warning of a project."""
    return (notes_de_travail(projet) + population(projet) + reference(projet) + visite(projet)
            + jours_non_ouvres(projet))

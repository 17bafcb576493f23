"""Load an offers file with the project loader's machinery: same size and structure limits,
same French messages located by file:line:col and field path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Constat, ProjetInvalide
from ..francais import date_fr
from ..loader import lire_donnees, situer
from ..messages import message_pydantic
from ..models import Consultation
from ..models.base import modele_du_champ
from ..resolution import suggestion
from .modele import Offres
from .notation import verifier
from .service import delai_suspension


class OffresInvalides(ProjetInvalide):
    """The offers file cannot be read, does not validate, or does not match the project."""


def _champs(loc: tuple[Any, ...]) -> list[str]:
    cible: Any = Offres
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if str(part) not in getattr(cible, "model_fields", {}):
            continue  # a key of a dict of models (« notes »)
        suivant = modele_du_champ(cible, str(part))
        if suivant is None:
            return []
        cible = suivant
    return sorted(getattr(cible, "model_fields", {}))


def _message(err: Any) -> Constat:
    if err.get("type") == "extra_forbidden":
        loc = tuple(err.get("loc", ()))
        cle = str(loc[-1]) if loc else ""
        chemin = ".".join(str(p) for p in loc)
        return Constat(chemin, f"clé inconnue « {cle} »." + suggestion(cle, _champs(loc)))
    return message_pydantic(err)


def verifier_dates(projet: Consultation, offres: Offres) -> list[Constat]:
    """The order of the award dates, and the standstill period of formal procedures."""
    a = offres.attribution
    out: list[Constat] = []
    limite = projet.calendrier.date_limite_remise
    if offres.ouverture and offres.ouverture.date < limite:
        out.append(Constat("ouverture.date", "les plis ne peuvent pas être ouverts avant la date "
                           "et l'heure limites de remise des offres."))
    ordre = [("date_envoi_lettres", a.date_envoi_lettres), ("date_signature", a.date_signature),
             ("date_notification", a.date_notification), ("date_demarrage", a.date_demarrage)]
    connues = [(n, d) for n, d in ordre if d is not None]
    for (n1, d1), (n2, d2) in zip(connues, connues[1:], strict=False):
        if d2 < d1:
            out.append(Constat(f"attribution.{n2}", f"cette date précède « {n1} » "
                               f"({d1.isoformat()})."))
    if connues and connues[0][1] < limite.date():
        out.append(Constat(f"attribution.{connues[0][0]}", "cette date précède la date limite de "
                           "remise des offres."))
    delai = delai_suspension(projet, offres)
    if delai and a.date_envoi_lettres and a.date_signature:
        au_plus_tot = a.date_envoi_lettres + dt.timedelta(days=delai)
        if a.date_signature < au_plus_tot:
            out.append(Constat("attribution.date_signature", f"délai de suspension non respecté : "
                               f"le marché ne peut pas être signé avant le {date_fr(au_plus_tot)} "
                               f"({delai} jours après l'envoi des lettres de rejet)."))
    return out


def charger_offres(chemin: str | Path, projet: Consultation) -> Offres:
    """Read, validate and check an offers file against its project; raise ``OffresInvalides``
    with every located error."""
    chemin = Path(chemin)
    nom = str(chemin)
    try:
        donnees, positions = lire_donnees(chemin)
    except ProjetInvalide as exc:
        raise OffresInvalides(constats=exc.constats, fichier=nom) from None
    try:
        offres = Offres.model_validate(donnees)
    except ValidationError as exc:
        constats = [_message(e) for e in exc.errors(include_url=False)]
        raise OffresInvalides(constats=situer(constats, nom, positions), fichier=nom) from None
    constats = situer(verifier(projet, offres) + verifier_dates(projet, offres), nom, positions)
    if any(c.gravite == "erreur" for c in constats):
        raise OffresInvalides(constats=constats, fichier=nom)
    return offres


"""Load an offers file with the project loader's machinery: same size and structure limits,
same French messages located by file:line:col and field path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Constat, ProjetInvalide
from ..loader import lire_donnees, situer
from ..messages import message_pydantic
from ..models import Consultation
from ..models.base import modele_du_champ
from ..resolution import suggestion
from .modele import Offres
from .notation import verifier


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


def _message(err: dict[str, Any]) -> Constat:
    if err.get("type") == "extra_forbidden":
        loc = tuple(err.get("loc", ()))
        cle = str(loc[-1]) if loc else ""
        chemin = ".".join(str(p) for p in loc)
        return Constat(chemin, f"clé inconnue « {cle} »." + suggestion(cle, _champs(loc)))
    return message_pydantic(err)


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
    constats = situer(verifier(projet, offres), nom, positions)
    if any(c.gravite == "erreur" for c in constats):
        raise OffresInvalides(constats=constats, fichier=nom)
    return offres


"""French messages for pydantic validation errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .errors import Constat
from .models import Consultation
from .models.base import modele_du_champ
from .resolution import suggestion

_MESSAGES = {
    "missing": "champ obligatoire manquant.",
    "string_type": "une chaîne de caractères est attendue.",
    "string_too_short": "ce texte ne peut pas être vide.",
    "string_too_long": "ce texte est trop long ({max_length} caractères au plus).",
    "int_type": "un nombre entier est attendu.",
    "int_parsing": "un nombre entier est attendu.",
    "int_from_float": "un nombre entier est attendu (sans décimale).",
    "float_type": "un nombre est attendu.",
    "float_parsing": "un nombre est attendu.",
    "decimal_type": "un montant numérique est attendu (ex. 62000 ou 62000.50).",
    "decimal_parsing": "un montant numérique est attendu (ex. 62000 ou 62000.50).",
    "decimal_max_places": "{decimal_places} décimales au plus.",
    "decimal_max_digits": "montant trop grand.",
    "bool_type": "« true » ou « false » est attendu.",
    "bool_parsing": "« true » ou « false » est attendu.",
    "date_type": "une date au format AAAA-MM-JJ est attendue.",
    "date_parsing": "une date au format AAAA-MM-JJ est attendue.",
    "date_from_datetime_parsing": "une date au format AAAA-MM-JJ est attendue.",
    "date_from_datetime_inexact": "une date sans heure est attendue (AAAA-MM-JJ).",
    "datetime_type": "une date et une heure sont attendues (AAAA-MM-JJTHH:MM).",
    "datetime_parsing": "une date et une heure sont attendues (AAAA-MM-JJTHH:MM).",
    "datetime_from_date_parsing": "une date et une heure sont attendues (AAAA-MM-JJTHH:MM).",
    "list_type": "une liste est attendue (éléments précédés de « - »).",
    "dict_type": "un objet est attendu (des clés « nom: valeur » indentées).",
    "model_type": "un objet est attendu (des clés « nom: valeur » indentées).",
    "model_attributes_type": "un objet est attendu (des clés « nom: valeur » indentées).",
    "greater_than": "la valeur doit être supérieure à {gt}.",
    "greater_than_equal": "la valeur doit être au moins {ge}.",
    "less_than": "la valeur doit être inférieure à {lt}.",
    "less_than_equal": "la valeur doit être au plus {le}.",
    "too_short": "au moins {min_length} élément(s) attendu(s).",
    "too_long": "au plus {max_length} éléments.",
    "url_parsing": "adresse web invalide (ex. https://marches.exemple.fr).",
    "url_scheme": "l'adresse doit commencer par http:// ou https://.",
    "finite_number": "un nombre fini est attendu.",
}

_MOTIFS = {
    "code_postal": "code postal à 5 chiffres attendu (ex. 04190).",
    "telephone": "numéro de téléphone français attendu (ex. 04 92 00 12 34).",
    "email": "adresse électronique invalide (ex. mairie@commune.fr).",
    "reference": "référence invalide : lettres, chiffres, tirets, points ou « _ », 40 au plus.",
    "code": "code invalide : « TF », « TO1 », « TO2 »… pour une tranche ; minuscules, chiffres "
            "et « _ » pour une phase.",
    "module": "clé de module invalide (minuscules, chiffres et « _ »).",
}


def _champs(modele: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names allowed at ``loc`` (the location of an unknown key)."""
    cible: Any = modele
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        cible = modele_du_champ(cible, part)
        if cible is None:
            return []
    return sorted(getattr(cible, "model_fields", {}))


def message_pydantic(err: ErrorDetails) -> Constat:
    """Turn one pydantic error into a French finding (path without line yet)."""
    loc = tuple(err.get("loc", ()))
    chemin = ".".join(str(p) for p in loc)
    genre = err.get("type", "")
    ctx = err.get("ctx") or {}
    if genre == "extra_forbidden":
        cle = str(loc[-1]) if loc else ""
        message = f"clé inconnue « {cle} »." + suggestion(cle, _champs(Consultation, loc))
    elif genre == "value_error":
        message = str(ctx.get("error", err.get("msg", ""))).rstrip(".") + "."
    elif genre == "string_pattern_mismatch":
        message = _MOTIFS.get(str(loc[-1]) if loc else "", "format invalide.")
    elif genre in ("literal_error", "enum"):
        attendu = ctx.get("expected", "")
        message = f"valeur non admise ; valeurs possibles : {attendu}."
    elif genre in ("decimal_type", "decimal_parsing") and loc and loc[-1] in (
            "poids", "taux_pourcentage"):
        message = "un nombre est attendu (ex. 35 ou 12.5), sans le signe %."
    elif genre in _MESSAGES:
        try:
            message = _MESSAGES[genre].format(**ctx)
        except (KeyError, IndexError):
            message = _MESSAGES[genre]
    else:
        message = f"valeur invalide ({err.get('msg', genre)})."
    return Constat(chemin, message)

"""Common building blocks of the project model: base class, identifier checks, amounts."""

from __future__ import annotations

import datetime as dt
import re
import typing
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

SEMAINES_PAR_MOIS = Decimal("4.345")
"""Weeks in an average month (365.25 / 7 / 12, rounded): the one conversion of a duration in
weeks into months (validation of tranches, legal test of the advance)."""


class Modele(BaseModel):
    """Base of every model class: unknown keys are refused, values are immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        validate_default=True,
    )


def luhn_valide(chiffres: str) -> bool:
    """Luhn checksum, as used by SIREN and SIRET numbers."""
    total = 0
    for i, c in enumerate(reversed(chiffres)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


_SIREN_LA_POSTE = "356000000"


def _verifier_siret(v: str) -> str:
    v = re.sub(r"[\s.]", "", v)
    if not re.fullmatch(r"\d{14}", v):
        raise ValueError("le SIRET doit compter exactement 14 chiffres")
    # La Poste's establishments follow a sum-of-digits rule instead of Luhn.
    if v.startswith(_SIREN_LA_POSTE):
        if sum(int(c) for c in v) % 5 != 0:
            raise ValueError("SIRET de La Poste invalide (somme des chiffres non multiple de 5)")
        return v
    if not luhn_valide(v[:9]):
        raise ValueError("le SIREN (9 premiers chiffres du SIRET) ne respecte pas la clé de Luhn")
    if not luhn_valide(v):
        raise ValueError("le SIRET ne respecte pas la clé de contrôle (algorithme de Luhn)")
    return v


def _verifier_insee(v: str) -> str:
    v = v.strip().upper()
    if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", v):
        raise ValueError(
            "le code INSEE de la commune compte 5 caractères : 5 chiffres, "
            "ou 2A/2B suivis de 3 chiffres pour la Corse (ex. 04112, 2A004)"
        )
    if v.startswith("20"):
        raise ValueError("le code INSEE d'une commune de Corse commence par 2A ou 2B, pas par 20")
    if v[:2] == "00":
        raise ValueError("aucun département ne porte le code 00")
    return v


CPV_POIDS = (3, 7, 1, 3, 7, 1, 3, 7)


def cpv_chiffre_controle(huit_chiffres: str) -> int:
    """Check digit of a CPV code: weighted sum (3, 7, 1, …) modulo 10.

    Derived from published codes (45233120-6, 71410000-5, 71241000-9 …).
    """
    return sum(int(c) * p for c, p in zip(huit_chiffres, CPV_POIDS, strict=True)) % 10


def _verifier_cpv(v: str) -> str:
    v = v.strip()
    if not re.fullmatch(r"\d{8}-\d", v):
        raise ValueError("un code CPV s'écrit avec 8 chiffres, un tiret et un chiffre de contrôle "
                         "(ex. 71410000-5)")
    return v


def departement_de_insee(code_insee: str) -> str:
    """Département code of a commune from its INSEE code (97x for overseas)."""
    if code_insee.startswith("97"):
        return code_insee[:3]
    return code_insee[:2]


Siret = Annotated[str, AfterValidator(_verifier_siret)]
CodeInsee = Annotated[str, AfterValidator(_verifier_insee)]
CodeCpv = Annotated[str, AfterValidator(_verifier_cpv)]
Montant = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
MontantPositif = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Pourcentage = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Texte = Annotated[str, Field(min_length=1, max_length=20_000)]
TexteCourt = Annotated[str, Field(min_length=1, max_length=400)]


def _pas_un_nombre(v: Any) -> Any:
    """Refuse numbers where a date is expected (pydantic would read them as timestamps)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError("une date s'écrit AAAA-MM-JJ (ex. 2026-12-07), pas sous forme de nombre")
    if isinstance(v, bool):
        raise ValueError("une date s'écrit AAAA-MM-JJ (ex. 2026-12-07)")
    return v


Date = Annotated[dt.date, BeforeValidator(_pas_un_nombre)]
DateHeure = Annotated[dt.datetime, BeforeValidator(_pas_un_nombre)]


def modele_de(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model class inside an annotation (``Site``, ``list[Site]``,
    ``Site | None``…), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        trouve = modele_de(arg)
        if trouve is not None:
            return trouve
    return None


def modele_du_champ(classe: type, nom: str) -> type[BaseModel] | None:
    """The model class of field ``nom`` of ``classe``, or None (not a field, not a model)."""
    champ = getattr(classe, "model_fields", {}).get(nom)
    return modele_de(champ.annotation) if champ is not None else None

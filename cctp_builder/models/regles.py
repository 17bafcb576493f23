"""Pydantic model of the rules data file (``data/regles.yaml``), and its JSON Schema.

Pure: no I/O. :mod:`cctp_builder.rules` reads the file, validates it with
:class:`FichierRegles` and turns every error into one French message
(:func:`messages_fr`); editors validate the file against :func:`schema_regles`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

UNITES_DECIMALES = frozenset({"EUR_HT", "EUR", "pourcentage", "points", "coefficient"})
UNITES_ENTIERES = frozenset({"jours", "mois"})
Unite = Literal["EUR_HT", "EUR", "pourcentage", "points", "coefficient", "jours", "mois", "date"]

Texte = Annotated[str, Field(min_length=1, pattern=r"\S")]


class EntreeRegle(BaseModel):
    """One entry of ``regles``: a value in force from ``en_vigueur_du`` to ``au`` included."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, title="Entrée de règle",
        json_schema_extra={"description": "Une valeur en vigueur de « en_vigueur_du » à « au » "
                                          "inclus, avec sa référence et sa source."})

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$",
                             description="Identifiant, en minuscules ASCII (seuil_dispense…)")]
    libelle: Texte = Field(description="Libellé en français")
    valeur: Any = Field(description="Nombre pour les unités monétaires, entier pour jours et "
                                    "mois, date pour « date », donnée libre sinon")
    unite: Unite | None
    en_vigueur_du: dt.date | None = Field(description="Premier jour d'application, AAAA-MM-JJ "
                                                      "sans guillemets ; null : depuis toujours")
    au: dt.date | None = Field(description="Dernier jour d'application inclus ; null : en "
                                           "vigueur")
    reference: Texte = Field(description="Référence juridique, telle qu'écrite dans les pièces")
    source: Annotated[str, Field(pattern=r"^https?://\S+$",
                                 description="Adresse http(s) de la source")]
    a_verifier: bool = Field(description="true tant que le texte n'a pas été lu sur Légifrance")
    note: Texte | None = None

    @model_validator(mode="after")
    def _coherence(self) -> EntreeRegle:
        if self.en_vigueur_du and self.au and self.au < self.en_vigueur_du:
            raise ValueError("la date de fin précède la date d'entrée en vigueur")
        v, unite = self.valeur, self.unite
        if unite in UNITES_DECIMALES and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ValueError(f"valeur : nombre attendu pour l'unité {unite}, reçu {v!r}")
        if unite in UNITES_ENTIERES and (isinstance(v, bool) or not isinstance(v, int)):
            raise ValueError(f"valeur : nombre entier attendu pour l'unité {unite}, reçu {v!r}")
        if unite == "date" and (not isinstance(v, dt.date) or isinstance(v, dt.datetime)):
            raise ValueError(f"valeur : date attendue au format AAAA-MM-JJ (sans guillemets) "
                             f"pour l'unité « date », reçu {v!r}")
        return self

    def valeur_typee(self) -> Any:
        """The value as the code uses it: Decimal for monetary and ratio units."""
        if self.unite in UNITES_DECIMALES:
            return Decimal(str(self.valeur))
        return self.valeur


class FichierRegles(BaseModel):
    """The whole rules file: its review date and its entries."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True,
        title="Règles de la commande publique (cctp_builder)",
        json_schema_extra={"description": "Seuils, délais, articles et dates d'effet, datés et "
                                          "sourcés : cctp_builder/data/regles.yaml."})

    version: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                  description="Date de la revue, « AAAA-MM-JJ » entre guillemets")]
    regles: list[EntreeRegle] = Field(min_length=1)


def _lieu(loc: tuple[int | str, ...], brut: Any) -> str:
    if len(loc) >= 2 and loc[0] == "regles" and isinstance(loc[1], int):
        rang = loc[1]
        try:
            ident = brut["regles"][rang].get("id")
        except (AttributeError, IndexError, KeyError, TypeError):
            ident = None
        nom = f" « {ident} »" if isinstance(ident, str) else ""
        champ = ".".join(str(p) for p in loc[2:])
        return f"règle n° {rang + 1}{nom}" + (f", {champ}" if champ else "")
    return ".".join(str(p) for p in loc) or "fichier"


def _message(err: Any) -> str:
    genre, loc, recu = err["type"], err["loc"], err.get("input")
    champ = str(loc[-1]) if loc else ""
    if len(loc) == 1 and genre in ("extra_forbidden", "missing"):
        quoi = "inconnue" if genre == "extra_forbidden" else "manquante"
        return f"clés racine attendues : version, regles (clé {quoi} : {champ})"
    if genre == "extra_forbidden":
        return f"clés inconnues ['{champ}']"
    if genre == "missing":
        return f"clés manquantes ['{champ}']"
    if genre == "literal_error" and champ == "unite":
        return f"unité inconnue {recu!r}"
    if genre == "string_pattern_mismatch" and champ == "id":
        return f"identifiant en minuscules ASCII attendu, reçu {recu!r}"
    if genre == "string_pattern_mismatch" and champ == "source":
        return "la source doit être une adresse http(s)"
    if champ == "version":
        return f"date de revue « AAAA-MM-JJ » entre guillemets attendue, reçu {recu!r}"
    if genre in ("date_type", "date_parsing"):
        return f"date attendue au format AAAA-MM-JJ (sans guillemets), reçu {recu!r}"
    if genre == "bool_type":
        return f"{champ} doit valoir true ou false"
    if genre in ("string_type", "string_too_short", "string_pattern_mismatch"):
        return f"texte non vide attendu, reçu {recu!r}"
    if genre == "too_short" and champ == "regles":
        return "« regles » doit être une liste non vide"
    if genre == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    return f"{err['msg']} (reçu {recu!r})"


def messages_fr(exc: ValidationError, brut: Any) -> list[str]:
    """One located French message per error: « règle n° 3 « seuil_x », unite : … »."""
    return [f"{_lieu(tuple(e['loc']), brut)} : {_message(e)}" for e in exc.errors()]


def schema_regles() -> str:
    """The JSON Schema of ``regles.yaml`` (for editors), as stable, indented JSON."""
    schema = FichierRegles.model_json_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


__all__ = ["EntreeRegle", "FichierRegles", "messages_fr", "schema_regles"]

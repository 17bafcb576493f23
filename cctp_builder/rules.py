"""Dated, sourced procurement rules (``data/regles.yaml``).

The YAML file is the only place where thresholds, legal delays, dates of effect and article
references live; :func:`decide` and the templates read them from here. Everything is pure
except :meth:`Regles.charger`, which reads the packaged file once and caches it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from .donnees_yaml import lire_yaml
from .errors import CctpError, RegleIntrouvable
from .francais import date_fr
from .models.regles import EntreeRegle, FichierRegles, messages_fr

__all__ = [
    "LIBELLES_PROCEDURE",
    "PROCEDURES",
    "Procedure",
    "Publicite",
    "Regle",
    "Regles",
    "ReglesInvalides",
    "Tribunal",
    "jour",
]

Procedure = Literal["dispense", "mapa", "appel_offres_ouvert"]
Publicite = Literal["aucune_obligatoire", "libre", "boamp_ou_jal", "boamp_et_joue"]

PROCEDURES: tuple[Procedure, ...] = ("dispense", "mapa", "appel_offres_ouvert")
"""Procedures from the lightest to the most demanding."""

LIBELLES_PROCEDURE: dict[str, str] = {
    "dispense": "marché sans publicité ni mise en concurrence préalables (dispense)",
    "mapa": "procédure adaptée (MAPA)",
    "appel_offres_ouvert": "appel d'offres ouvert",
}


class ReglesInvalides(CctpError, ValueError):
    """The rules data file is malformed (unknown key, bad type, overlapping periods…)."""


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Regle:
    """One rule entry, in force from ``en_vigueur_du`` to ``au`` (both inclusive, None = open)."""

    id: str
    libelle: str
    valeur: Any
    unite: str | None
    en_vigueur_du: dt.date | None
    au: dt.date | None
    reference: str
    source: str
    a_verifier: bool
    note: str | None = None

    def en_vigueur(self, le: dt.date) -> bool:
        le = jour(le)
        return (self.en_vigueur_du is None or self.en_vigueur_du <= le) and (
            self.au is None or le <= self.au)

    def periode_fr(self) -> str:
        """« du 1er janvier 2026 au 31 décembre 2027 », « à partir du 1er avril 2026 »…"""
        du, au = self.en_vigueur_du, self.au
        if du and au:
            return f"du {date_fr(du)} au {date_fr(au)}"
        if du:
            return f"à partir du {date_fr(du)}"
        return f"jusqu'au {date_fr(au)}" if au else "sans limite de date"


@dataclass(frozen=True)
class Tribunal:
    """The tribunal administratif competent for a département, and its appeal court."""

    departement: str
    nom: str
    adresse: str | None
    code_postal: str | None
    ville: str | None
    appel: str | None
    reference: str
    a_verifier: bool = False
    note: str | None = None

    @property
    def adresse_postale(self) -> str | None:
        """« 16 avenue Feuchères, 30000 Nîmes », or None while a part is unknown."""
        if self.adresse and self.code_postal and self.ville:
            return f"{self.adresse}, {self.code_postal} {self.ville}"
        return None


_CLES_TRIBUNAL = frozenset({"nom", "adresse", "code_postal", "ville", "appel", "a_verifier",
                            "note"})
_DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")
_ID_TRIBUNAUX = "tribunaux_administratifs"


def jour(le: dt.date) -> dt.date:
    """The calendar day of a date or datetime (TypeError for anything else)."""
    if isinstance(le, dt.datetime):
        return le.date()
    if not isinstance(le, dt.date):
        raise TypeError(f"date attendue, reçu {le!r}")
    return le


def _figer(v: Any) -> Any:
    """Read-only copy of a YAML value (mappings and lists become immutable)."""
    if isinstance(v, Mapping):
        return MappingProxyType({k: _figer(x) for k, x in v.items()})
    if isinstance(v, list):
        return tuple(_figer(x) for x in v)
    return v


def _texte(v: Any, ou: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ReglesInvalides(f"{ou} : texte non vide attendu, reçu {v!r}")
    return v.strip()


def _verifier_tribunaux(valeur: Any, ou: str) -> None:
    if not isinstance(valeur, Mapping) or not valeur:
        raise ReglesInvalides(f"{ou} : table des départements attendue")
    for dep, t in valeur.items():
        lieu = f"{ou}, département {dep!r}"
        if not isinstance(dep, str) or not _DEPARTEMENT.match(dep):
            raise ReglesInvalides(f"{lieu} : code de département entre guillemets attendu "
                                  f"(« 04 »)")
        if not isinstance(t, Mapping):
            raise ReglesInvalides(f"{lieu} : description du tribunal attendue")
        inconnues = set(t) - _CLES_TRIBUNAL
        if inconnues:
            raise ReglesInvalides(f"{lieu} : clés inconnues {sorted(inconnues)}")
        _texte(t.get("nom"), f"{lieu}, nom")
        for cle in ("adresse", "code_postal", "ville", "appel"):
            if t.get(cle) is not None:
                _texte(t[cle], f"{lieu}, {cle}")
        if t.get("code_postal") is not None and not re.fullmatch(r"\d{5}", t["code_postal"]):
            raise ReglesInvalides(f"{lieu} : code postal à 5 chiffres attendu")


def _regle(e: EntreeRegle, rang: int) -> Regle:
    """The runtime rule of a validated entry (values frozen, references on one line)."""
    if e.id == _ID_TRIBUNAUX:
        _verifier_tribunaux(e.valeur, f"règle n° {rang} « {e.id} »")
    return Regle(
        id=e.id,
        libelle=e.libelle.strip(),
        valeur=_figer(e.valeur_typee()),
        unite=e.unite,
        en_vigueur_du=e.en_vigueur_du,
        au=e.au,
        reference=" ".join(e.reference.split()),
        source=e.source,
        a_verifier=e.a_verifier,
        note=None if e.note is None else " ".join(e.note.split()),
    )


def _chevauchent(a: Regle, b: Regle) -> bool:
    debut_a, debut_b = a.en_vigueur_du or dt.date.min, b.en_vigueur_du or dt.date.min
    fin_a, fin_b = a.au or dt.date.max, b.au or dt.date.max
    return debut_a <= fin_b and debut_b <= fin_a


class Regles:
    """The set of rules of one data file, looked up by identifier and date."""

    def __init__(self, version: str, regles: Iterable[Regle]) -> None:
        self.version = version
        self._toutes = tuple(regles)
        par_id: dict[str, list[Regle]] = {}
        for r in self._toutes:
            for autre in par_id.get(r.id, []):
                if _chevauchent(r, autre):
                    raise ReglesInvalides(
                        f"règle « {r.id} » : les périodes « {autre.periode_fr()} » et "
                        f"« {r.periode_fr()} » se chevauchent")
            par_id.setdefault(r.id, []).append(r)
        self._par_id = par_id

    # -- loading

    @classmethod
    def charger(cls) -> Regles:
        """The rules shipped with the package (read once, then cached)."""
        return _regles_du_paquet()

    @classmethod
    def depuis_fichier(cls, path: str | Path) -> Regles:
        path = Path(path)
        return cls.depuis_texte(path.read_text(encoding="utf-8"), origine=str(path))

    @classmethod
    def depuis_texte(cls, texte: str, origine: str = "regles.yaml") -> Regles:
        try:
            brut = lire_yaml(texte)
        except yaml.YAMLError as exc:
            raise ReglesInvalides(f"{origine} : YAML illisible ({exc})") from exc
        try:
            return cls._depuis_donnees(brut)
        except ReglesInvalides as exc:
            raise ReglesInvalides(f"{origine} : {exc}") from None

    @classmethod
    def _depuis_donnees(cls, brut: Any) -> Regles:
        if not isinstance(brut, Mapping):
            raise ReglesInvalides("le fichier doit contenir les clés « version » et "
                                  "« regles »")
        try:
            fichier = FichierRegles.model_validate(brut)
        except ValidationError as exc:
            raise ReglesInvalides("\n".join(messages_fr(exc, brut))) from None
        return cls(fichier.version,
                   (_regle(e, rang) for rang, e in enumerate(fichier.regles, start=1)))

    # -- lookup

    def toutes(self) -> tuple[Regle, ...]:
        return self._toutes

    def identifiants(self) -> tuple[str, ...]:
        return tuple(self._par_id)

    def get(self, id: str, le: dt.date) -> Regle:
        le = jour(le)
        candidates = self._par_id.get(id)
        if not candidates:
            raise RegleIntrouvable(f"Aucune règle « {id} » dans les données réglementaires "
                                   f"(version du {self.version}).")
        for r in candidates:
            if r.en_vigueur(le):
                return r
        periodes = " ; ".join(r.periode_fr() for r in candidates)
        raise RegleIntrouvable(
            f"La règle « {id} » n'est pas définie pour le {date_fr(le)} (périodes connues : "
            f"{periodes}). Mettez à jour cctp_builder/data/regles.yaml.")

    def valeur(self, id: str, le: dt.date) -> Any:
        return self.get(id, le).valeur

    def reference(self, id: str, le: dt.date) -> str:
        return self.get(id, le).reference

    def a_verifier(self, le: dt.date | None = None) -> list[Regle]:
        """Rules flagged « à vérifier », all of them or those in force on ``le``."""
        return [r for r in self._toutes if r.a_verifier and (le is None or r.en_vigueur(le))]

    def tribunal(self, departement: str | int, le: dt.date) -> Tribunal | None:
        """The competent tribunal administratif, or None when the table lacks the département."""
        regle = self.get(_ID_TRIBUNAUX, le)
        code = str(departement).strip().upper()
        if code.isdigit() and len(code) == 1:
            code = code.zfill(2)
        t = regle.valeur.get(code)
        if t is None:
            return None
        return Tribunal(
            departement=code, nom=t["nom"], adresse=t.get("adresse"),
            code_postal=t.get("code_postal"), ville=t.get("ville"), appel=t.get("appel"),
            reference=regle.reference, a_verifier=bool(t.get("a_verifier", regle.a_verifier)),
            note=t.get("note"),
        )


@functools.lru_cache(maxsize=1)
def _regles_du_paquet() -> Regles:
    ressource = files("cctp_builder") / "data" / "regles.yaml"
    return Regles.depuis_texte(ressource.read_text(encoding="utf-8"),
                               origine="cctp_builder/data/regles.yaml")

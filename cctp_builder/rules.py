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
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from .errors import CctpError, RegleIntrouvable
from .francais import date_fr, montant_fr

__all__ = [
    "LIBELLES_PROCEDURE",
    "PROCEDURES",
    "Decision",
    "Procedure",
    "Publicite",
    "Regle",
    "Regles",
    "ReglesInvalides",
    "Tribunal",
    "date_fr",
    "decide",
    "lire_tribunaux",
    "tribunal_du_departement",
    "tribunaux",
    "format_decision",
    "montant_fr",
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
        le = _jour(le)
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
    """The tribunal administratif competent for a département, its appeal court and greffe."""

    departement: str
    nom: str
    adresse: str | None
    code_postal: str | None
    ville: str | None
    appel: str | None
    reference: str
    a_verifier: bool = False
    note: str | None = None
    greffe_courriel: str | None = None
    site: str | None = None
    source: str | None = None
    releve_le: dt.date | None = None

    @property
    def adresse_postale(self) -> str | None:
        """« 16 avenue Feuchères, 30000 Nîmes », or None while a part is unknown."""
        if self.adresse and self.code_postal and self.ville:
            return f"{self.adresse}, {self.code_postal} {self.ville}"
        return None

    @property
    def greffe(self) -> str | None:
        """How to reach the greffe: « greffe.ta-x@juradm.fr, https://x.tribunal-… », or None."""
        parts = [p for p in (self.greffe_courriel, self.site) if p]
        return ", ".join(parts) or None


_CLES_RACINE = frozenset({"version", "regles"})
_CLES_REGLE = frozenset({"id", "libelle", "valeur", "unite", "en_vigueur_du", "au", "reference",
                         "source", "a_verifier", "note"})
_CLES_FACULTATIVES = frozenset({"note"})
_CLES_TRIBUNAL = frozenset({"nom", "departements", "adresse", "code_postal", "ville",
                            "greffe_courriel", "site", "appel", "source", "releve_le",
                            "a_verifier", "note"})
_CLES_TABLE = frozenset({"reference", "source", "releve_le", "a_verifier", "note"})
_UNITES_DECIMALES = frozenset({"EUR_HT", "EUR", "pourcentage", "points", "coefficient"})
_UNITES_ENTIERES = frozenset({"jours", "mois"})
_UNITES = _UNITES_DECIMALES | _UNITES_ENTIERES | {"date", None}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")


def _jour(le: dt.date) -> dt.date:
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


def _date_ou_rien(v: Any, ou: str) -> dt.date | None:
    if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
        return v
    raise ReglesInvalides(f"{ou} : date attendue au format AAAA-MM-JJ (sans guillemets), "
                          f"reçu {v!r}")


def _texte(v: Any, ou: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ReglesInvalides(f"{ou} : texte non vide attendu, reçu {v!r}")
    return v.strip()


def _valeur(v: Any, unite: str | None, ou: str) -> Any:
    if unite in _UNITES_DECIMALES:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ReglesInvalides(f"{ou} : nombre attendu pour l'unité {unite}, reçu {v!r}")
        return Decimal(str(v))
    if unite in _UNITES_ENTIERES:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ReglesInvalides(f"{ou} : nombre entier attendu pour l'unité {unite}, "
                                  f"reçu {v!r}")
        return v
    if unite == "date":
        if _date_ou_rien(v, ou) is None:
            raise ReglesInvalides(f"{ou} : une date est attendue pour l'unité « date »")
        return v
    return _figer(v)


def _lire_regle(brut: Any, rang: int) -> Regle:
    ou = f"règle n° {rang}"
    if not isinstance(brut, Mapping):
        raise ReglesInvalides(f"{ou} : une entrée (clé: valeur) est attendue")
    ident = brut.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise ReglesInvalides(f"{ou} : identifiant en minuscules ASCII attendu, reçu {ident!r}")
    ou = f"règle n° {rang} « {ident} »"
    inconnues = set(brut) - _CLES_REGLE
    if inconnues:
        raise ReglesInvalides(f"{ou} : clés inconnues {sorted(inconnues)}")
    manquantes = _CLES_REGLE - _CLES_FACULTATIVES - set(brut)
    if manquantes:
        raise ReglesInvalides(f"{ou} : clés manquantes {sorted(manquantes)}")
    unite = brut["unite"]
    if unite not in _UNITES:
        raise ReglesInvalides(f"{ou} : unité inconnue {unite!r}")
    du = _date_ou_rien(brut["en_vigueur_du"], f"{ou}, en_vigueur_du")
    au = _date_ou_rien(brut["au"], f"{ou}, au")
    if du and au and au < du:
        raise ReglesInvalides(f"{ou} : la date de fin précède la date d'entrée en vigueur")
    source = _texte(brut["source"], f"{ou}, source")
    if not source.startswith(("https://", "http://")):
        raise ReglesInvalides(f"{ou} : la source doit être une adresse http(s)")
    if not isinstance(brut["a_verifier"], bool):
        raise ReglesInvalides(f"{ou} : a_verifier doit valoir true ou false")
    note = brut.get("note")
    return Regle(
        id=ident,
        libelle=_texte(brut["libelle"], f"{ou}, libelle"),
        valeur=_valeur(brut["valeur"], unite, f"{ou}, valeur"),
        unite=unite,
        en_vigueur_du=du,
        au=au,
        reference=" ".join(_texte(brut["reference"], f"{ou}, reference").split()),
        source=source,
        a_verifier=brut["a_verifier"],
        note=None if note is None else " ".join(_texte(note, f"{ou}, note").split()),
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
            brut = yaml.safe_load(texte)
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
        inconnues, manquantes = set(brut) - _CLES_RACINE, _CLES_RACINE - set(brut)
        if inconnues or manquantes:
            raise ReglesInvalides(f"clés racine attendues : version, regles (inconnues : "
                                  f"{sorted(inconnues)}, manquantes : {sorted(manquantes)})")
        version = brut["version"]
        try:
            dt.date.fromisoformat(version)
        except (TypeError, ValueError):
            raise ReglesInvalides(f"version : date de revue « AAAA-MM-JJ » entre guillemets "
                                  f"attendue, reçu {version!r}") from None
        if not isinstance(brut["regles"], list) or not brut["regles"]:
            raise ReglesInvalides("« regles » doit être une liste non vide")
        return cls(version, (_lire_regle(r, i) for i, r in enumerate(brut["regles"], start=1)))

    # -- lookup

    def toutes(self) -> tuple[Regle, ...]:
        return self._toutes

    def identifiants(self) -> tuple[str, ...]:
        return tuple(self._par_id)

    def get(self, id: str, le: dt.date) -> Regle:
        le = _jour(le)
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

    def tribunal(self, departement: str | int, le: dt.date | None = None) -> Tribunal | None:
        """The competent tribunal administratif (data/tribunaux.yaml), or None when unknown.

        ``le`` is accepted for symmetry with the dated rules; the table is not dated.
        """
        return tribunal_du_departement(departement)


@functools.lru_cache(maxsize=1)
def _regles_du_paquet() -> Regles:
    ressource = files("cctp_builder") / "data" / "regles.yaml"
    return Regles.depuis_texte(ressource.read_text(encoding="utf-8"),
                               origine="cctp_builder/data/regles.yaml")


# --------------------------------------------------------------------------- tribunals


def _departement(code: str | int) -> str:
    texte = str(code).strip().upper()
    return texte.zfill(2) if texte.isdigit() and len(texte) == 1 else texte


def lire_tribunaux(texte: str, origine: str = "tribunaux.yaml") -> dict[str, Tribunal]:
    """The département → tribunal table of a tribunaux.yaml text (checked, every key known)."""
    try:
        brut = yaml.safe_load(texte)
    except yaml.YAMLError as exc:
        raise ReglesInvalides(f"{origine} : YAML illisible ({exc})") from exc
    if not isinstance(brut, Mapping) or set(brut) != {"version", "ressort", "appel", "tribunaux"}:
        raise ReglesInvalides(f"{origine} : clés racine attendues : version, ressort, appel, "
                              f"tribunaux")
    for cle in ("ressort", "appel"):
        table = brut[cle]
        if not isinstance(table, Mapping) or set(table) - _CLES_TABLE:
            raise ReglesInvalides(f"{origine}, {cle} : clés attendues {sorted(_CLES_TABLE)}")
        _texte(table.get("reference"), f"{origine}, {cle}, reference")
    reference = " ".join(brut["ressort"]["reference"].split())
    out: dict[str, Tribunal] = {}
    if not isinstance(brut["tribunaux"], list) or not brut["tribunaux"]:
        raise ReglesInvalides(f"{origine} : « tribunaux » doit être une liste non vide")
    for rang, t in enumerate(brut["tribunaux"], start=1):
        ou = f"{origine}, tribunal n° {rang}"
        if not isinstance(t, Mapping):
            raise ReglesInvalides(f"{ou} : description du tribunal attendue")
        inconnues = set(t) - _CLES_TRIBUNAL
        if inconnues:
            raise ReglesInvalides(f"{ou} : clés inconnues {sorted(inconnues)}")
        nom = _texte(t.get("nom"), f"{ou}, nom")
        for cle in ("adresse", "code_postal", "ville", "appel", "source"):
            _texte(t.get(cle), f"{ou} ({nom}), {cle}")
        if not re.fullmatch(r"\d{5}", t["code_postal"]):
            raise ReglesInvalides(f"{ou} ({nom}) : code postal à 5 chiffres attendu")
        if not str(t["source"]).startswith(("https://", "http://")):
            raise ReglesInvalides(f"{ou} ({nom}) : la source doit être une adresse http(s)")
        releve = _date_ou_rien(t.get("releve_le"), f"{ou} ({nom}), releve_le")
        if releve is None:
            raise ReglesInvalides(f"{ou} ({nom}) : date du relevé (releve_le) attendue")
        if not isinstance(t.get("a_verifier"), bool):
            raise ReglesInvalides(f"{ou} ({nom}) : a_verifier doit valoir true ou false")
        deps = t.get("departements")
        if not isinstance(deps, list) or not deps:
            raise ReglesInvalides(f"{ou} ({nom}) : liste des départements attendue")
        for dep in deps:
            if not isinstance(dep, str) or not _DEPARTEMENT.match(dep):
                raise ReglesInvalides(f"{ou} ({nom}) : code de département entre guillemets "
                                      f"attendu (« 04 »), reçu {dep!r}")
            if dep in out:
                raise ReglesInvalides(f"{ou} ({nom}) : le département {dep} relève déjà du "
                                      f"{out[dep].nom}")
            note = t.get("note")
            out[dep] = Tribunal(
                departement=dep, nom=nom, adresse=t["adresse"], code_postal=t["code_postal"],
                ville=t["ville"], appel=t["appel"], reference=reference,
                a_verifier=t["a_verifier"], note=None if note is None else " ".join(note.split()),
                greffe_courriel=t.get("greffe_courriel"), site=t.get("site"),
                source=t["source"], releve_le=releve)
    return out


@functools.lru_cache(maxsize=1)
def _tribunaux_du_paquet() -> Mapping[str, Tribunal]:
    ressource = files("cctp_builder") / "data" / "tribunaux.yaml"
    return MappingProxyType(lire_tribunaux(ressource.read_text(encoding="utf-8"),
                                           origine="cctp_builder/data/tribunaux.yaml"))


def tribunaux() -> Mapping[str, Tribunal]:
    """Every département code (« 04 », « 2A », « 971 ») → its tribunal administratif."""
    return _tribunaux_du_paquet()


def tribunal_du_departement(departement: str | int) -> Tribunal | None:
    """The tribunal administratif of a département (R221-3 CJA), or None if the code is unknown."""
    return _tribunaux_du_paquet().get(_departement(departement))


# The decision built from these rules lives in ``decision.py``; re-exported here so that
# ``from cctp_builder.rules import decide`` keeps working.
from .decision import Decision, decide, format_decision  # noqa: E402

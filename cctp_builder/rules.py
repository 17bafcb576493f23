"""Dated, sourced procurement rules (``data/regles.yaml``) and the procedure decision.

The YAML file is the only place where thresholds, legal delays, dates of effect and article
references live; :func:`decide` and the templates read them from here. Everything is pure
except :meth:`Regles.charger`, which reads the packaged file once and caches it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from .errors import CctpError, RegleIntrouvable

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


# --------------------------------------------------------------------------- formatting helpers

_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre")


def date_fr(d: dt.date) -> str:
    """« 1er avril 2026 », « 21 août 2026 »."""
    jour = "1er" if d.day == 1 else str(d.day)
    return f"{jour} {_MOIS[d.month - 1]} {d.year}"


def montant_fr(m: Decimal | int, unite: str = "€ HT") -> str:
    """« 216 000 € HT », « 39 999,99 € HT » (non-breaking spaces)."""
    q = Decimal(m).quantize(Decimal("0.01"))
    entier, _, cents = f"{q:f}".partition(".")
    signe = "-" if entier.startswith("-") else ""
    entier = entier.lstrip("-")
    groupes = []
    while entier:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    texte = signe + "\u00a0".join(groupes or ["0"])
    if cents != "00":
        texte += f",{cents}"
    return f"{texte}\u00a0{unite}" if unite else texte


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


_CLES_RACINE = frozenset({"version", "regles"})
_CLES_REGLE = frozenset({"id", "libelle", "valeur", "unite", "en_vigueur_du", "au", "reference",
                         "source", "a_verifier", "note"})
_CLES_FACULTATIVES = frozenset({"note"})
_CLES_TRIBUNAL = frozenset({"nom", "adresse", "code_postal", "ville", "appel", "a_verifier",
                            "note"})
_UNITES_DECIMALES = frozenset({"EUR_HT", "EUR", "pourcentage", "points", "coefficient"})
_UNITES_ENTIERES = frozenset({"jours", "mois"})
_UNITES = _UNITES_DECIMALES | _UNITES_ENTIERES | {"date", None}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")
_ID_TRIBUNAUX = "tribunaux_administratifs"


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
    if ident == _ID_TRIBUNAUX:
        _verifier_tribunaux(brut["valeur"], ou)
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


# --------------------------------------------------------------------------- decision


def _json(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple | list):
        return [_json(x) for x in v]
    if isinstance(v, Mapping):
        return {k: _json(x) for k, x in v.items()}
    return v


@dataclass(frozen=True)
class Decision:
    """What the rules require of a consultation of a given amount, date and duration."""

    procedure: Procedure
    procedure_libelle: str
    base_legale: str
    procedure_minimale: Procedure
    montant_estime_ht: Decimal
    date_consultation: dt.date
    duree_mois: float | None
    depot_electronique: bool
    publicite: Publicite
    publicite_libelle: str
    avis_requis: bool
    dce_gratuit_profil_acheteur: bool
    echanges_electroniques: bool
    delai_minimum_jours: int | None
    delai_recommande_jours: int | None
    avance_obligatoire: bool
    avance_taux_minimum: Decimal
    critere_environnemental_obligatoire: bool
    critere_environnemental_depuis: dt.date
    ponderation_obligatoire: bool
    donnees_essentielles: bool
    seuil_dispense: Decimal
    seuil_publicite: Decimal
    seuil_formalise: Decimal
    seuil_dce_gratuit: Decimal
    seuil_donnees_essentielles: Decimal
    seuil_avance_montant: Decimal
    seuil_avance_duree_mois: int
    references: Mapping[str, str] = field(default_factory=dict, hash=False)
    regles_a_verifier: tuple[str, ...] = ()
    details_a_verifier: tuple[tuple[str, str, str], ...] = ()
    """(id, libellé, note) of each flagged rule used, for display."""
    notes: tuple[str, ...] = ()
    version_regles: str = ""

    @property
    def est_formalisee(self) -> bool:
        return self.procedure == "appel_offres_ouvert"

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict: amounts as numbers, dates as ISO strings."""
        out = {name: _json(getattr(self, name)) for name in self.__dataclass_fields__}
        out["est_formalisee"] = self.est_formalisee
        return out


class _Lecteur:
    """Reads rules at one date and remembers which ones a decision used."""

    def __init__(self, regles: Regles, le: dt.date) -> None:
        self.regles, self.le = regles, le
        self.utilisees: dict[str, Regle] = {}

    def __call__(self, ident: str) -> Regle:
        r = self.regles.get(ident, self.le)
        self.utilisees[ident] = r
        return r

    def v(self, ident: str) -> Any:
        return self(ident).valeur

    def ref(self, ident: str) -> str:
        return self(ident).reference


def _montant(montant_ht: Decimal | float | int) -> Decimal:
    if isinstance(montant_ht, bool) or not isinstance(montant_ht, Decimal | float | int):
        raise ValueError(f"Montant estimé invalide : {montant_ht!r} (nombre attendu, en € HT).")
    if isinstance(montant_ht, float) and not math.isfinite(montant_ht):
        raise ValueError(f"Montant estimé invalide : {montant_ht!r}.")
    m = Decimal(str(montant_ht)) if isinstance(montant_ht, float) else Decimal(montant_ht)
    if not m.is_finite():
        raise ValueError(f"Montant estimé invalide : {montant_ht!r}.")
    if m < 0:
        raise ValueError(f"Le montant estimé ne peut pas être négatif ({montant_fr(m)}).")
    return m


def _procedure_minimale(m: Decimal, lire: _Lecteur) -> Procedure:
    if m < lire.v("seuil_dispense_services"):
        return "dispense"
    if m < lire.v("seuil_procedure_formalisee_services"):
        return "mapa"
    return "appel_offres_ouvert"


def _publicite(procedure: Procedure, m: Decimal, lire: _Lecteur) -> tuple[Publicite, str, str]:
    if procedure == "dispense":
        return ("aucune_obligatoire",
                "Aucune publicité ni mise en concurrence obligatoire : choisir une offre "
                "pertinente, faire une bonne utilisation des deniers publics et ne pas contracter "
                "systématiquement avec le même opérateur économique.",
                lire.ref("seuil_dispense_services"))
    if procedure == "appel_offres_ouvert":
        return ("boamp_et_joue",
                "Avis de marché au Bulletin officiel des annonces des marchés publics (BOAMP) et "
                "au Journal officiel de l'Union européenne (JOUE).",
                lire.ref("publicite_procedure_formalisee"))
    if m < lire.v("seuil_publicite_boamp_jal"):
        return ("libre",
                "Publicité adaptée, dont l'acheteur choisit librement les modalités selon les "
                "caractéristiques du marché (montant, objet).",
                lire.ref("seuil_publicite_boamp_jal"))
    return ("boamp_ou_jal",
            "Avis d'appel à la concurrence au Bulletin officiel des annonces des marchés publics "
            "(BOAMP) ou dans un journal habilité à recevoir des annonces légales (JAL).",
            lire.ref("seuil_publicite_boamp_jal"))


_REGLE_PROCEDURE: dict[str, str] = {
    "dispense": "seuil_dispense_services",
    "mapa": "procedure_adaptee",
    "appel_offres_ouvert": "procedure_appel_offres_ouvert",
}


def decide(montant_ht: Decimal | float | int, le: dt.date, duree_mois: float | None = None, *,
           depot_electronique: bool = True, procedure: Procedure | None = None,
           regles: Regles | None = None) -> Decision:
    """Procedure, publicity, delays and obligations for a consultation sent on ``le``.

    ``montant_ht`` is the estimated value (all tranches and options). ``procedure`` is the one
    the buyer chose; a more demanding one than required is honoured, a lighter one is replaced
    by the required one (and noted). Every threshold and date is read from the rules data.
    """
    m = _montant(montant_ht)
    le = _jour(le)
    if duree_mois is not None and (isinstance(duree_mois, bool) or duree_mois < 0):
        raise ValueError(f"Durée du marché invalide : {duree_mois!r} mois.")
    regles = regles or Regles.charger()
    lire = _Lecteur(regles, le)
    notes: list[str] = []
    refs: dict[str, str] = {"valeur_estimee": lire.ref("valeur_estimee")}

    minimale = _procedure_minimale(m, lire)
    retenue = minimale
    if procedure is not None:
        if procedure not in PROCEDURES:
            raise ValueError(f"Procédure inconnue : {procedure!r} "
                             f"(attendu : {', '.join(PROCEDURES)}).")
        if PROCEDURES.index(procedure) >= PROCEDURES.index(minimale):
            retenue = procedure
        else:
            notes.append(f"La procédure déclarée ({LIBELLES_PROCEDURE[procedure]}) n'est pas "
                         f"permise pour {montant_fr(m)} : la procédure requise "
                         f"({LIBELLES_PROCEDURE[minimale]}) est retenue.")
    refs["procedure"] = lire.ref(_REGLE_PROCEDURE[retenue])

    publicite, publicite_libelle, refs["publicite"] = _publicite(retenue, m, lire)
    avis = retenue != "dispense"
    dce_gratuit = avis and m >= lire.v("seuil_dce_gratuit_profil_acheteur")
    refs["dce_gratuit"] = lire.ref("seuil_dce_gratuit_profil_acheteur")
    electronique = retenue != "dispense"
    refs["echanges_electroniques"] = lire.ref(
        "echanges_electroniques" if electronique else "echanges_electroniques_dispense")

    delai_min = delai_reco = None
    if retenue == "appel_offres_ouvert":
        ident = "delai_ao_ouvert_electronique" if depot_electronique else "delai_ao_ouvert"
        delai_min, refs["delai"] = lire.v(ident), lire.ref(ident)
    elif retenue == "mapa":
        delai_reco = lire.v("delai_mapa_recommande")
        refs["delai"] = lire.ref("delai_mapa_recommande")
    else:
        refs["delai"] = lire.ref("seuil_dispense_services")

    seuil_avance, duree_avance = lire.v("avance_seuil_montant"), lire.v("avance_seuil_duree_mois")
    taux_avance = lire.v("avance_taux_minimum")
    refs["avance"] = lire.ref("avance_seuil_montant")
    if duree_mois is None:
        avance = False
        notes.append(f"Durée du marché non renseignée : l'obligation de verser une avance (plus "
                     f"de {montant_fr(seuil_avance)} et plus de {duree_avance} mois) n'a pas pu "
                     f"être appréciée.")
    else:
        avance = m > seuil_avance and duree_mois > duree_avance

    depuis = lire.v("critere_environnemental_obligatoire_depuis")
    refs["critere_environnemental"] = lire.ref("critere_environnemental_obligatoire_depuis")
    critere_env = le >= depuis and retenue != "dispense"
    if le >= depuis and retenue == "dispense":
        notes.append("Marché passé sans mise en concurrence : aucun critère d'attribution n'est "
                     "exigé, donc pas de critère environnemental obligatoire.")

    ponderation = retenue == "appel_offres_ouvert"
    refs["ponderation"] = lire.ref("ponderation_criteres")
    donnees = m >= lire.v("seuil_donnees_essentielles")
    refs["donnees_essentielles"] = lire.ref("seuil_donnees_essentielles")
    seuils = {k: lire.v(i) for k, i in (
        ("seuil_dispense", "seuil_dispense_services"),
        ("seuil_publicite", "seuil_publicite_boamp_jal"),
        ("seuil_formalise", "seuil_procedure_formalisee_services"),
        ("seuil_dce_gratuit", "seuil_dce_gratuit_profil_acheteur"),
        ("seuil_donnees_essentielles", "seuil_donnees_essentielles"))}
    a_verifier = [r for r in lire.utilisees.values() if r.a_verifier]

    return Decision(
        procedure=retenue,
        procedure_libelle=LIBELLES_PROCEDURE[retenue],
        base_legale=refs["procedure"],
        procedure_minimale=minimale,
        montant_estime_ht=m,
        date_consultation=le,
        duree_mois=duree_mois,
        depot_electronique=depot_electronique,
        publicite=publicite,
        publicite_libelle=publicite_libelle,
        avis_requis=avis,
        dce_gratuit_profil_acheteur=dce_gratuit,
        echanges_electroniques=electronique,
        delai_minimum_jours=delai_min,
        delai_recommande_jours=delai_reco,
        avance_obligatoire=avance,
        avance_taux_minimum=taux_avance,
        critere_environnemental_obligatoire=critere_env,
        critere_environnemental_depuis=depuis,
        ponderation_obligatoire=ponderation,
        donnees_essentielles=donnees,
        **seuils,
        seuil_avance_montant=seuil_avance,
        seuil_avance_duree_mois=duree_avance,
        references=refs,
        regles_a_verifier=tuple(r.id for r in a_verifier),
        details_a_verifier=tuple((r.id, r.libelle, r.note or r.reference) for r in a_verifier),
        notes=tuple(notes),
        version_regles=regles.version,
    )


def _oui_non(b: bool, oui: str, non: str) -> str:
    return oui if b else non


def format_decision(decision: Decision) -> str:
    """Multi-line French summary for the command line, each item with its reference."""
    d, r = decision, decision.references
    if d.delai_minimum_jours is not None:
        delai = (f"{d.delai_minimum_jours} jours au moins après l'envoi de l'avis "
                 f"({'remise électronique' if d.depot_electronique else 'remise sur papier'})")
    elif d.delai_recommande_jours is not None:
        delai = (f"pas de minimum légal, un délai raisonnable ; {d.delai_recommande_jours} jours "
                 f"au moins conseillés par cctp_builder")
    else:
        delai = "aucun délai imposé"
    if d.duree_mois is None:
        avance = "non appréciée (durée du marché inconnue)"
    elif d.avance_obligatoire:
        avance = f"obligatoire, au moins {d.avance_taux_minimum:g} % du montant TTC"
    else:
        avance = (f"facultative (obligatoire au-delà de {montant_fr(d.seuil_avance_montant)} "
                  f"et de {d.seuil_avance_duree_mois} mois)")
    depuis = date_fr(d.critere_environnemental_depuis)
    if d.critere_environnemental_obligatoire:
        critere = f"obligatoire (consultations engagées à partir du {depuis})"
    elif d.date_consultation >= d.critere_environnemental_depuis:
        critere = "non exigé, faute de critères d'attribution sans mise en concurrence"
    else:
        critere = f"pas encore obligatoire (il le sera à partir du {depuis})"
    items = [
        ("Valeur estimée", "toutes tranches, options et lots compris", "valeur_estimee"),
        ("Procédure", d.procedure_libelle, "procedure"),
        ("Publicité", d.publicite_libelle.rstrip("."), "publicite"),
        ("Documents gratuits sur le profil d'acheteur",
         _oui_non(d.dce_gratuit_profil_acheteur, "obligatoire", "non obligatoire")
         + f" (dès qu'un avis est publié et que le montant atteint "
           f"{montant_fr(d.seuil_dce_gratuit)})", "dce_gratuit"),
        ("Échanges électroniques",
         _oui_non(d.echanges_electroniques, "obligatoires", "non imposés"),
         "echanges_electroniques"),
        ("Délai de remise des offres", delai, "delai"),
        ("Avance", avance, "avance"),
        ("Critère environnemental", critere, "critere_environnemental"),
        ("Pondération des critères",
         _oui_non(d.ponderation_obligatoire, "obligatoire",
                  "facultative, mais à annoncer aux candidats si elle est utilisée"),
         "ponderation"),
        ("Données essentielles",
         _oui_non(d.donnees_essentielles, "à publier", "non requises")
         + f" (à partir de {montant_fr(d.seuil_donnees_essentielles)})", "donnees_essentielles"),
    ]
    lignes = [f"Consultation du {date_fr(d.date_consultation)}, montant estimé "
              f"{montant_fr(d.montant_estime_ht)}", ""]
    lignes += [f"{titre} : {texte} — {r[cle]}" for titre, texte, cle in items]
    lignes += [f"Remarque : {n}" for n in d.notes]
    lignes += ["", "Règles à vérifier sur Légifrance :"]
    lignes += [f"  - {ident} ({libelle}) : {note}" for ident, libelle, note in d.details_a_verifier]
    if not d.details_a_verifier:
        lignes.append("  aucune")
    if d.version_regles:
        lignes.append(f"(données réglementaires revues le "
                      f"{date_fr(dt.date.fromisoformat(d.version_regles))})")
    return "\n".join(lignes) + "\n"

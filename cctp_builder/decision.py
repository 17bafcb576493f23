"""The procedure decision: what the rules require for an amount, a date and a duration.

Pure: every threshold, delay and reference comes from :class:`~cctp_builder.rules.Regles`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .francais import date_fr, montant_fr
from .rules import LIBELLES_PROCEDURE, PROCEDURES, Procedure, Publicite, Regle, Regles, jour

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
    avance_tranches: tuple[str, ...] = ()
    """For a marché à tranches: the tranches for which the advance is due (empty otherwise)."""

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
    le = jour(le)
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

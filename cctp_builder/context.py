"""Build the template context of a project: the only names templates may use."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .analysis import AnalyseProjet, analyse_de
from .catalogue import ENGAGEMENTS_ECOQUARTIER
from .echelles import echelle
from .equipe import competences_equipe
from .errors import ProjetInvalide, RegleIntrouvable
from .legal import decision_pour
from .models import (
    Acheteur,
    Calendrier,
    Concertation,
    Consultation,
    Critere,
    Donnees,
    Livrables,
    Marche,
    Notation,
    Operation,
    Pilotage,
    SousCritere,
)
from .models.annexes import noms_annexes
from .models.pieces import FORMES_KIT, Piece
from .resolution import Resolution, resoudre
from .rules import Regles, Tribunal


@dataclass(frozen=True)
class Derogation:
    """A derogation to the CCAG-PI made by the CCAP."""

    article: str
    objet: str


@dataclass(frozen=True)
class ChapitreMemoire:
    """One chapter of the cadre de mémoire technique: a sub-criterion (or a criterion)."""

    numero: int
    critere: Critere
    sous_critere: SousCritere | None

    @property
    def nom(self) -> str:
        return self.sous_critere.nom if self.sous_critere else self.critere.nom

    @property
    def poids(self) -> Decimal | None:
        return self.sous_critere.poids if self.sous_critere else self.critere.poids

    @property
    def elements(self) -> list[str]:
        return list(self.sous_critere.elements if self.sous_critere else self.critere.elements)

    @property
    def pages_max(self) -> int | None:
        return self.sous_critere.pages_max if self.sous_critere else None


def chapitres_memoire(projet: Consultation) -> list[ChapitreMemoire]:
    """Chapters of the mémoire technique, in the order and with the weights of the RC."""
    out: list[ChapitreMemoire] = []
    for c in projet.criteres:
        if c.type in ("prix", "cout"):
            continue
        sous: list[SousCritere | None] = [*c.sous_criteres] or [None]
        for s in sous:
            out.append(ChapitreMemoire(len(out) + 1, c, s))
    return out


def derogations(projet: Consultation, regles: Regles) -> list[Derogation]:
    """Every derogation to the CCAG-PI that the CCAP makes, from the clauses actually used."""
    le = projet.calendrier.date_envoi_publication
    m = projet.marche
    out: list[Derogation] = []
    if m.penalites.regime == "forfaitaire":
        out.append(Derogation(regles.reference("penalites_diviseur_ccag_pi", le),
                              "pénalités de retard forfaitaires au lieu de la formule du CCAG-PI"))
    if m.propriete_resultats.regime == "cession_exclusive":
        out.append(Derogation(regles.reference("ccag_pi_propriete_intellectuelle", le),
                              "cession exclusive des droits sur les résultats à l'acheteur"))
    return out


def _tribunal(projet: Consultation, regles: Regles, le: Any) -> Tribunal | None:
    """The project's own tribunal if given, else the one the rules know for the département."""
    connu = regles.tribunal(projet.acheteur.departement, le)
    propre = projet.acheteur.tribunal
    if propre is None:
        return connu
    return Tribunal(departement=projet.acheteur.departement, nom=propre.nom,
                    adresse=propre.adresse, code_postal=propre.code_postal, ville=propre.ville,
                    appel=propre.appel or (connu.appel if connu else None),
                    reference=connu.reference if connu else
                    "article R221-3 du code de justice administrative",
                    greffe_courriel=propre.greffe_courriel, site=propre.site)


def _valeur_ou_rien(regles: Regles, ident: str, le: Any) -> Any:
    """The rule's value at ``le``, or None when no entry is in force (e.g. before a reform)."""
    try:
        return regles.valeur(ident, le)
    except RegleIntrouvable:
        return None


def forme_kit(demandee: str, procedure: str) -> str:
    """« complet » or « allege »: « auto » gives the light kit under the dispense threshold."""
    if demandee == "auto":
        return "allege" if procedure == "dispense" else "complet"
    if demandee not in FORMES_KIT:
        raise ValueError(f"forme de kit inconnue : {demandee!r}")
    return demandee


def build_context(source: Consultation | AnalyseProjet, piece: Piece | None = None,
                  kit: str | None = None) -> dict[str, Any]:
    """Every variable a template may use (see docs/architecture.md), read from the project's
    analysis (resolution and decision computed once, see :mod:`cctp_builder.analysis`).
    ``kit`` (« auto », « complet », « allege ») overrides the project's ``kit`` field."""
    analyse = analyse_de(source)
    projet = analyse.projet
    if projet is None:
        raise ProjetInvalide(constats=analyse.resultat.constats,
                             fichier=analyse.source.nom if analyse.source else None)
    regles = Regles.charger()
    le = projet.calendrier.date_envoi_publication
    res = analyse.resolution or resoudre(projet)
    # A project with findings has no decision in its analysis; the context still needs one
    # (``decision_pour`` raises a French error when it cannot be made).
    decision = analyse.decision or decision_pour(projet, regles, res)
    forme = forme_kit(kit or projet.kit, decision.procedure)
    tranches = res.tranches
    op = projet.operation
    return {
        "acheteur": projet.acheteur,
        "operation": projet.operation,
        "marche": projet.marche,
        "calendrier": projet.calendrier,
        "pilotage": projet.pilotage,
        "concertation": projet.concertation,
        "livrables": projet.livrables,
        "donnees": projet.donnees,
        "notation": projet.notation,
        "criteres": projet.criteres,
        "competences": projet.competences,
        "financement": projet.financement,
        "missions_exclues": projet.missions_exclues,
        "etudes": res.etudes,
        "cles_etudes": [e.cle for e in res.etudes],
        "tranches": tranches,
        "tranche_ferme": tranches[0],
        "tranches_optionnelles": [t for t in tranches if not t.est_ferme],
        "montant_total_ht": projet.valeur_estimee_ht,
        "duree_totale_semaines": sum(t.duree_semaines for t in tranches),
        "procedure": decision,
        "regle": lambda ident: regles.valeur(ident, le),
        "ref": lambda ident: regles.reference(ident, le),
        "regle_si": lambda ident: _valeur_ou_rien(regles, ident, le),
        "tribunal": _tribunal(projet, regles, le),
        "engagements_ecoquartier": ENGAGEMENTS_ECOQUARTIER,
        "derogations": derogations(projet, regles),
        "chapitres_memoire": chapitres_memoire(projet),
        "pieces": FORMES_KIT[forme],
        "forme_kit": forme,
        "doc": piece,
        "version_regles": regles.version,
        **contexte_projet(projet, res),
        "echelle": lambda objet: echelle(objet, op.surface_totale_ha, op.est_batiment),
    }


def contexte_projet(projet: Consultation, res: Resolution) -> dict[str, Any]:
    """Names computed from the operation profile, the meetings, the sequence and the annexes."""
    phases = res.phases
    return {
        "phases": phases,
        "reunions": res.reunions,
        "cotech": projet.pilotage.cotech is not None,
        "leve_topographique_au_marche": any(
            p.etude_cle == "etudes_techniques" and p.code == "topographie" for p in phases),
        "competences_equipe": competences_equipe(projet, res),
        "conflit_interets": [e for e in res.etudes if e.conflit_interets],
        "annexes": [AnnexeKit(i + 1, a.titre, nom, a.genre) for i, (nom, a) in enumerate(
            zip(noms_annexes(projet.annexes), projet.annexes, strict=True))],
        "plan_site": next((a.titre for a in projet.annexes if a.genre == "plan_site"), None),
        "planning": planning(res),
    }


@dataclass(frozen=True)
class AnnexeKit:
    """An annex as the pieces cite it."""

    numero: int
    titre: str
    fichier: str
    genre: str


@dataclass(frozen=True)
class LignePlanning:
    """One row of the planning chart: a phase, its weeks and its bar."""

    numero: int
    nom: str
    debut_semaine: int
    fin_semaine: int
    barre: str


@dataclass(frozen=True)
class Planning:
    """The planning chart of one tranche, one mark per month or half-month."""

    tranche: str
    unite: str  # "mois" or "quinzaine"
    periodes: int
    lignes: list[LignePlanning]


PLEIN = "\u2588"
VIDE = "\u2591"


def planning(res: Resolution) -> list[Planning]:
    """A chart per tranche: half-months up to 6 months, months beyond; the phase's execution
    is the full block, its validation time is not shaded."""
    out: list[Planning] = []
    for t in res.tranches:
        total = max((p.fin_semaine for p in t.phases), default=0)
        pas, unite = (52 / 24, "quinzaine") if total <= 26 else (52 / 12, "mois")
        n = max(1, math.ceil(total / pas - 1e-9))
        lignes = []
        for p in t.phases:
            fin = p.debut_semaine + p.duree_semaines
            barre = "".join(PLEIN if (p.debut_semaine < (i + 1) * pas and fin > i * pas)
                            else VIDE for i in range(n))
            lignes.append(LignePlanning(p.numero, p.nom, p.debut_semaine, fin, barre))
        out.append(Planning(t.code, unite, n, lignes))
    return out


NOMS_CONTEXTE: frozenset[str] = frozenset({
    "acheteur", "operation", "marche", "calendrier", "pilotage", "concertation", "livrables",
    "donnees", "notation", "criteres", "competences", "financement", "missions_exclues", "etudes",
    "cles_etudes", "tranches", "tranche_ferme", "tranches_optionnelles", "montant_total_ht",
    "duree_totale_semaines", "procedure", "regle", "regle_si", "ref", "tribunal",
    "engagements_ecoquartier",
    "derogations", "chapitres_memoire", "pieces", "forme_kit", "doc", "version_regles", "etude",
    "analyse", "lettre",  # award documents (cctp_builder.analyse)
    "phases", "reunions", "cotech", "leve_topographique_au_marche", "competences_equipe",
    "conflit_interets", "annexes", "plan_site", "planning", "echelle",
})
"""Top-level names known to templates (used by ``templates check``)."""


TYPES_CONTEXTE: dict[str, type] = {
    "acheteur": Acheteur, "operation": Operation, "marche": Marche, "calendrier": Calendrier,
    "pilotage": Pilotage, "concertation": Concertation, "livrables": Livrables,
    "donnees": Donnees, "notation": Notation,
}
"""Model class of the context names that are model objects (``templates check`` uses it to
report attributes that do not exist)."""

"""Legal checks of a project against the rules: procedure, delays, criteria, advance.

``decision_pour(projet)`` computes the :class:`~cctp_builder.decision.Decision` of a project;
``check(projet, decision)`` lists what the project does that the rules forbid (« erreur ») or
advise against (« avertissement »), each finding citing its legal reference.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from .decision import Decision, decide
from .errors import Constat, ProjetInvalide
from .francais import date_fr, montant_fr
from .models import Consultation
from .models.base import SEMAINES_PAR_MOIS
from .resolution import Resolution, resoudre
from .rules import LIBELLES_PROCEDURE, PROCEDURES, Regles

__all__ = ["check", "decision_pour"]

_ENVIRONNEMENT = re.compile(
    r"environnement|écolog|ecolog|carbone|climat|biodiversit|sobriét|énergé|energe|"
    r"bas[- ]carbone|durabilit|déchets|dechets|émission|emission", re.IGNORECASE)


def decision_pour(projet: Consultation, regles: Regles | None = None,
                  resolution: Resolution | None = None) -> Decision:
    """The decision for a project: estimated value of all tranches, date of sending, duration.

    The procedure declared in ``marche.procedure`` is honoured when the rules allow it (a more
    demanding one than required); otherwise the required one is used and ``check`` reports it.
    Raises ``ProjetInvalide`` when the estimated value is unknown (no amount on a tranche and no
    ``montant_total_ht``): the procedure cannot be chosen without it.
    """
    montant = projet.valeur_estimee_ht
    if montant is None:
        manquantes = [t.code for t in projet.tranches if t.montant_estime_ht is None]
        c = Constat("montant_total_ht",
                    f"la valeur estimée du marché est inconnue (montant absent pour "
                    f"{', '.join(manquantes)}) : renseignez le montant estimé de chaque tranche "
                    f"ou montant_total_ht ; la procédure en dépend.")
        raise ProjetInvalide(constats=[c])
    # Electronic submission: required for every procedure with competition (R2132-7), and the
    # model has no switch for paper submission.
    decision = decide(montant, projet.calendrier.date_envoi_publication,
                      projet.marche.duree_mois, depot_electronique=True,
                      procedure=projet.marche.procedure, regles=regles)
    if len(projet.tranches) > 1:
        decision = _avance_par_tranche(projet, decision, regles or Regles.charger(),
                                       resolution or resoudre(projet))
    return decision


def _avance_par_tranche(projet: Consultation, d: Decision, regles: Regles,
                        res: Resolution) -> Decision:
    """In a marché à tranches the advance is due tranche by tranche: amount of the tranche
    above the threshold and its own execution longer than the duration set by the rules."""
    le = projet.calendrier.date_envoi_publication
    dues = tuple(
        t.code for t in res.tranches
        if t.montant_estime_ht is not None and t.montant_estime_ht > d.seuil_avance_montant
        and Decimal(t.duree_semaines) / SEMAINES_PAR_MOIS > d.seuil_avance_duree_mois)
    reference = regles.reference("avance_marche_a_tranches", le)
    return replace(d, avance_obligatoire=bool(dues), avance_tranches=dues,
                   references={**d.references, "avance": reference})


def check(projet: Consultation, decision: Decision,
          regles: Regles | None = None) -> list[Constat]:
    """Findings of the legal checks (« erreur » / « avertissement »), with their paths."""
    regles = regles or Regles.charger()
    return [
        *_procedure(projet, decision, regles),
        *_delai(projet, decision),
        *_critere_environnemental(projet, decision, regles),
        *_condition_environnementale(projet, decision, regles),
        *_ponderation(projet, decision),
        *_avance(projet, decision),
    ]


def _procedure(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    declaree = projet.marche.procedure
    if declaree is None or PROCEDURES.index(declaree) >= PROCEDURES.index(d.procedure_minimale):
        return []
    if d.procedure_minimale == "appel_offres_ouvert":
        ref = regles.reference("seuil_procedure_formalisee_services", d.date_consultation)
        seuil = (f"atteint le seuil européen de procédure formalisée, "
                 f"{montant_fr(d.seuil_formalise)} ({ref})")
    else:
        ref = regles.reference("seuil_dispense_services", d.date_consultation)
        seuil = f"atteint le seuil de dispense, {montant_fr(d.seuil_dispense)} ({ref})"
    return [Constat(
        "marche.procedure",
        f"la procédure déclarée ({LIBELLES_PROCEDURE[declaree]}) n'est pas permise : la valeur "
        f"estimée du besoin, {montant_fr(d.montant_estime_ht)}, {seuil} pour une consultation "
        f"envoyée le {date_fr(d.date_consultation)} ; la procédure requise est : "
        f"{d.procedure_libelle} ({d.references['procedure']}). Supprimez « procedure » pour "
        f"retenir la procédure calculée, ou corrigez-la.")]


def _delai(projet: Consultation, d: Decision) -> list[Constat]:
    cal = projet.calendrier
    jours = cal.delai_reponse_jours
    duree = "d'un jour" if jours == 1 else f"de {jours} jours"
    periode = (f"du {date_fr(cal.date_envoi_publication)} au "
               f"{date_fr(cal.date_limite_remise.date())}")
    if d.delai_minimum_jours is not None and jours < d.delai_minimum_jours:
        return [Constat(
            "calendrier.date_limite_remise",
            f"le délai de remise des offres est {duree} ({periode}) : en "
            f"{d.procedure_libelle}, il doit être d'au moins {d.delai_minimum_jours} jours à "
            f"compter de l'envoi de l'avis ({d.references['delai']}).")]
    if d.delai_recommande_jours is not None and jours < d.delai_recommande_jours:
        return [Constat(
            "calendrier.date_limite_remise",
            f"le délai de remise des offres n'est que {duree} ({periode}) : le code exige un "
            f"délai raisonnable, sans minimum chiffré en procédure adaptée "
            f"({d.references['delai'].split(' (')[0]}) ; pour une étude, cctp_builder conseille "
            f"au moins "
            f"{d.delai_recommande_jours} jours.", "avertissement")]
    return []


def _sous_criteres_environnementaux(projet: Consultation) -> list[tuple[str, str, str]]:
    out = []
    for i, c in enumerate(projet.criteres):
        for j, s in enumerate(c.sous_criteres):
            if _ENVIRONNEMENT.search(" ".join([s.nom, *s.elements])):
                out.append((f"criteres.{i}.sous_criteres.{j}", s.nom, c.nom))
    return out


def _critere_environnemental(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    if not d.critere_environnemental_obligatoire:
        return []
    if any(c.type == "environnemental" for c in projet.criteres):
        return []
    ref = d.references["critere_environnemental"]
    depuis = date_fr(d.critere_environnemental_depuis)
    if len(projet.criteres) == 1 and projet.criteres[0].type == "cout":
        return [Constat(
            "criteres.0",
            f"critère unique du coût : il n'est admis depuis le {depuis} que s'il intègre les "
            f"caractéristiques environnementales des offres ({ref}) ; dites-le dans ses "
            f"éléments appréciés.", "avertissement")]
    sous = _sous_criteres_environnementaux(projet)
    if sous:
        ref_sous = regles.reference("critere_environnemental_sous_critere", d.date_consultation)
        return [Constat(
            chemin,
            f"l'appréciation environnementale ne figure que dans le sous-critère « {nom} » du "
            f"critère « {critere} » : aucune source n'établit qu'un sous-critère satisfait "
            f"l'obligation de l'{ref_sous} ; par prudence, faites-en un critère distinct de type "
            f"« environnemental », pondéré, avec ses éléments appréciés.", "avertissement")
            for chemin, nom, critere in sous]
    return [Constat(
        "criteres",
        f"aucun critère environnemental (type « environnemental ») : pour une consultation "
        f"envoyée le {date_fr(d.date_consultation)}, au moins un critère doit prendre en compte "
        f"les caractéristiques environnementales des offres depuis le {depuis} ({ref}).")]


def _condition_environnementale(projet: Consultation, d: Decision,
                                regles: Regles) -> list[Constat]:
    regle = regles.get("condition_execution_environnementale_obligatoire_depuis",
                       d.date_consultation)
    if d.date_consultation < regle.valeur or projet.marche.clause_environnementale:
        return []
    return [Constat(
        "marche.clause_environnementale",
        f"aucune condition d'exécution environnementale : pour une consultation envoyée à "
        f"partir du {date_fr(regle.valeur)}, les conditions d'exécution doivent prendre en "
        f"compte des considérations relatives à l'environnement ({regle.reference}).",
        "avertissement")]


def _ponderation(projet: Consultation, d: Decision) -> list[Constat]:
    if not d.ponderation_obligatoire:
        return []
    return [Constat(
        f"criteres.{i}.poids",
        f"le critère « {c.nom} » n'est pas pondéré : en {d.procedure_libelle}, la "
        f"pondération des critères est obligatoire ({d.references['ponderation']}).")
        for i, c in enumerate(projet.criteres) if c.poids is None]


def _avance(projet: Consultation, d: Decision) -> list[Constat]:
    if not d.avance_obligatoire:
        return []
    avance = projet.marche.avance
    if d.avance_tranches:
        motif = (f"la tranche {', '.join(d.avance_tranches)} dépasse "
                 f"{montant_fr(d.seuil_avance_montant)} et s'exécute en plus de "
                 f"{d.seuil_avance_duree_mois} mois")
    else:
        motif = (f"le marché dépasse {montant_fr(d.seuil_avance_montant)} "
                 f"({montant_fr(d.montant_estime_ht)}) et dure plus de "
                 f"{d.seuil_avance_duree_mois} mois ({projet.marche.duree_mois} mois)")
    if not avance.versee:
        return [Constat(
            "marche.avance.versee",
            f"l'avance ne peut pas être refusée : {motif}, elle est donc obligatoire "
            f"({d.references['avance']}) ; au moins {d.avance_taux_minimum:g} % du montant TTC.")]
    if avance.taux_pourcentage < d.avance_taux_minimum:
        return [Constat(
            "marche.avance.taux_pourcentage",
            f"le taux d'avance de {avance.taux_pourcentage:g} % est inférieur au minimum de "
            f"{d.avance_taux_minimum:g} % ({d.references['avance']}) : {motif}.")]
    return []

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


_FORMULE_MOLLE = re.compile(
    r"privil[ée]gi\w*|favoris\w*|encourag\w*|s'efforce\w*|autant que possible|"
    r"dans la mesure du possible|lorsque c'est possible|quand c'est possible|si possible|"
    r"de préférence|le cas échéant|idéalement|si nécessaire", re.IGNORECASE)
_REFERENCES_ENTREPRISE = re.compile(r"\bréférences?\b", re.IGNORECASE)
_MOTS_VIDES = frozenset({"de", "des", "du", "la", "le", "les", "et", "en", "à", "au", "aux",
                         "d", "l", "un", "une", "pour", "par", "sur", "dans"})


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
        *_groupement(projet, decision, regles),
        *_indemnite_attente(projet, decision, regles),
        *_variation_prix(projet, decision, regles),
        *_prix_compare(projet, decision, regles),
        *_critere_environnemental_doublons(projet),
        *_references_entreprise(projet, decision, regles),
        *_supports_publicite(projet, decision),
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
    clause = projet.marche.clause_environnementale
    if clause:
        molles = sorted({m.group(0).lower() for m in _FORMULE_MOLLE.finditer(clause)})
        if not molles:
            return []
        ref = regles.reference("condition_execution_environnementale_verifiable",
                               d.date_consultation)
        return [Constat(
            "marche.clause_environnementale",
            f"la condition d'exécution environnementale contient une formule d'intention "
            f"({', '.join(f'« {m} »' for m in molles)}) : une condition d'exécution est une "
            f"obligation dont la commune contrôle le respect ({ref}) ; écrivez ce que le "
            f"titulaire doit faire, avec un nombre ou un fait vérifiable.", "avertissement")]
    if d.date_consultation < regle.valeur:
        return []
    return [Constat(
        "marche.clause_environnementale",
        f"aucune condition d'exécution environnementale (clause_environnementale) : pour une "
        f"consultation envoyée à partir du {date_fr(regle.valeur)}, les conditions d'exécution "
        f"doivent prendre en compte des considérations relatives à l'environnement "
        f"({regle.reference}) ; le CCAP, le RC et le CCTP citent ce texte.")]


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


def _groupement(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    m = projet.marche
    if m.groupement != "solidaire" or m.groupement_justification:
        return []
    ref = regles.reference("groupement_forme_imposee", d.date_consultation)
    return [Constat(
        "marche.groupement_justification",
        f"le groupement attributaire ne peut être tenu de devenir solidaire que si cette forme "
        f"est nécessaire à la bonne exécution du marché, ce que les documents de la "
        f"consultation justifient ({ref}) : écrivez cette justification, ou retenez "
        f"« conjoint » (mandataire solidaire).")]


def _indemnite_attente(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    out = []
    ref = regles.reference("indemnite_attente_declenchement", d.date_consultation)
    for i, t in enumerate(projet.tranches):
        if t.type != "optionnelle" or t.indemnite_attente is None:
            continue
        apres, maxi = t.indemnite_attente_apres_mois, t.delai_affermissement_mois
        if apres is None:
            out.append(Constat(
                f"tranches.{i}.indemnite_attente_apres_mois",
                f"l'indemnité d'attente de la tranche {t.code} n'a pas de fait générateur daté : "
                f"fixez le nombre de mois après la notification au-delà duquel l'affermissement "
                f"y ouvre droit ({ref})."))
        elif maxi is not None and apres >= maxi:
            out.append(Constat(
                f"tranches.{i}.indemnite_attente_apres_mois",
                f"l'indemnité d'attente de la tranche {t.code} ne pourrait jamais être due : elle "
                f"court à partir de {apres} mois après la notification, alors que la tranche doit "
                f"être affermie au plus tard {maxi} mois après ({ref}) ; choisissez un délai "
                f"inférieur à {maxi} mois."))
    return out


def _variation_prix(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    prix = projet.marche.prix
    if prix.variation == "revisable":
        return []
    seuil = regles.get("prix_ferme_duree_max_conseillee_mois", d.date_consultation)
    if projet.marche.duree_mois <= seuil.valeur:
        return []
    ref = regles.reference("prix_revisable_aleas_majeurs", d.date_consultation)
    indice = regles.valeur("indice_variation_etudes", d.date_consultation)
    return [Constat(
        "marche.prix.variation",
        f"des prix fermes sur {projet.marche.duree_mois} mois exposent les parties à l'évolution "
        f"des conditions économiques : un prix ferme n'est admis que s'il ne les expose pas à "
        f"des aléas majeurs ({ref}). Au-delà de {seuil.valeur} mois, cctp_builder conseille "
        f"des prix révisables (variation: revisable), selon l'indice {indice} : le CCAP "
        f"imprime alors la formule de révision.", "avertissement")]


def _prix_compare(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    if d.procedure == "dispense" and not any(c.type in ("prix", "cout") for c in projet.criteres):
        return []
    n = projet.notation
    ref = regles.reference("comparaison_prix_ht_ttc", d.date_consultation)
    if "prix_compare" not in n.model_fields_set:
        return [Constat(
            "notation.prix_compare",
            f"la comparaison des prix hors taxes ou toutes taxes comprises n'est pas déclarée ; "
            f"le RC retient « TTC », le prix que la commune paie. Déclarez-la (prix_compare), "
            f"et dites si la commune récupère la TVA sur cette dépense (tva_recuperee) ({ref}).",
            "avertissement")]
    if n.prix_compare == "TTC" and n.tva_recuperee:
        return [Constat(
            "notation.prix_compare",
            f"la commune déclare récupérer la TVA sur cette dépense mais compare les prix TTC : "
            f"le prix qu'elle supporte réellement est le prix HT, et la comparaison TTC "
            f"désavantage de 20 % les candidats assujettis ({ref}) ; retenez « HT ».",
            "avertissement")]
    if n.prix_compare == "HT" and n.tva_recuperee is False:
        return [Constat(
            "notation.prix_compare",
            f"la commune ne récupère pas la TVA sur cette dépense mais compare les prix HT : "
            f"une telle notation a été censurée, le prix réellement payé étant le prix TTC "
            f"({ref}) ; retenez « TTC ».", "avertissement")]
    return []


def _mots(texte: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"\w+", texte.lower()) if w not in _MOTS_VIDES)


def _critere_environnemental_doublons(projet: Consultation) -> list[Constat]:
    """An element scored under the environmental criterion and again under a technical one."""
    techniques: list[tuple[str, str]] = []
    for i, c in enumerate(projet.criteres):
        if c.type == "environnemental" or c.type in ("prix", "cout"):
            continue
        techniques += [(f"criteres.{i}.elements.{k}", e) for k, e in enumerate(c.elements)]
        for j, sc in enumerate(c.sous_criteres):
            techniques += [(f"criteres.{i}.sous_criteres.{j}.elements.{k}", e)
                           for k, e in enumerate(sc.elements)]
    out = []
    for c in projet.criteres:
        if c.type != "environnemental":
            continue
        env = list(c.elements) + [e for sc in c.sous_criteres for e in sc.elements]
        for e in env:
            mots = _mots(e)
            for chemin, t in techniques:
                autre = _mots(t)
                if mots and autre and (mots <= autre or autre <= mots):
                    out.append(Constat(
                        chemin,
                        f"l'élément « {t} » d'un critère technique recoupe l'élément « {e} » du "
                        f"critère environnemental « {c.nom} » : un même élément ne doit pas être "
                        f"noté deux fois ; retirez-le de l'un des deux critères.",
                        "avertissement"))
    return out


def _references_entreprise(projet: Consultation, d: Decision, regles: Regles) -> list[Constat]:
    """Firm references scored at the award stage (only staff experience may be, R2152-7 2°)."""
    ref = regles.reference("critere_qualification_personnel", d.date_consultation)
    out = []
    for i, c in enumerate(projet.criteres):
        if c.type in ("prix", "cout"):
            continue
        lieux = [(f"criteres.{i}", c.nom), *[(f"criteres.{i}.elements.{k}", e)
                                             for k, e in enumerate(c.elements)]]
        for j, sc in enumerate(c.sous_criteres):
            lieux.append((f"criteres.{i}.sous_criteres.{j}", sc.nom))
            lieux += [(f"criteres.{i}.sous_criteres.{j}.elements.{k}", e)
                      for k, e in enumerate(sc.elements)]
        for chemin, texte in lieux:
            if _REFERENCES_ENTREPRISE.search(texte):
                out.append(Constat(
                    chemin,
                    f"« {texte} » : les références de l'entreprise relèvent de la candidature ; "
                    f"au stade des offres, seules la qualification et l'expérience des personnes "
                    f"affectées au marché peuvent être notées ({ref}). Écrivez par exemple "
                    f"« expérience des intervenants sur des études comparables ».",
                    "avertissement"))
    return out


def _supports_publicite(projet: Consultation, d: Decision) -> list[Constat]:
    if d.publicite != "boamp_ou_jal" or projet.marche.publicite_supports:
        return []
    return [Constat(
        "marche.publicite_supports",
        f"au-delà de {montant_fr(d.seuil_publicite)}, l'avis est publié au BOAMP ou dans un "
        f"journal d'annonces légales ({d.references['publicite']}) : nommez le support choisi "
        f"(publicite_supports), que le RC et l'avis citent ; le profil d'acheteur seul ne "
        f"suffit pas.", "avertissement")]

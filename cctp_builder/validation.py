"""Cross-field checks of a project, and the list of items left « à compléter »."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from .errors import Constat
from .francais import montant_fr
from .models import Consultation
from .models.base import SEMAINES_PAR_MOIS, cpv_chiffre_controle
from .models.libelles import REPERES
from .resolution import Resolution

if TYPE_CHECKING:
    from .decision import Decision

Verification = Callable[[Consultation], list[Constat]]


def _criteres(p: Consultation) -> list[Constat]:
    out: list[Constat] = []
    poids = [c.poids for c in p.criteres]
    if any(w is not None for w in poids):
        if any(w is None for w in poids):
            out.append(Constat("criteres", "pondérez tous les critères, ou aucun."))
        else:
            total = sum((w for w in poids if w is not None), Decimal(0))
            if total != 100:
                out.append(Constat("criteres", f"la somme des pondérations des critères vaut "
                                   f"{total:g} au lieu de 100."))
    for i, c in enumerate(p.criteres):
        if c.sous_criteres and c.poids is not None:
            somme = sum((s.poids for s in c.sous_criteres), Decimal(0))
            if somme != c.poids:
                out.append(Constat(f"criteres.{i}.sous_criteres",
                                   f"les sous-critères de « {c.nom} »"
                                   f" totalisent {somme:g} points alors que le critère en vaut "
                                   f"{c.poids:g}."))
        if c.type in ("environnemental", "autre") and not c.elements and not c.sous_criteres:
            out.append(Constat(f"criteres.{i}.elements",
                               f"le critère « {c.nom} » doit dire ce qui est apprécié et "
                               "comment (éléments appréciés) : un critère seulement nommé "
                               "expose la procédure à l'annulation."))
    if not any(c.type in ("prix", "cout") for c in p.criteres):
        out.append(Constat("criteres", "aucun critère de prix ou de coût : ajoutez un critère de "
                           "type « prix » ou « cout »."))
    noms = [c.nom for c in p.criteres]
    for n in {n for n in noms if noms.count(n) > 1}:
        out.append(Constat("criteres", f"le critère « {n} » figure deux fois."))
    return out


def _calendrier(p: Consultation) -> list[Constat]:
    cal, out = p.calendrier, []
    remise = cal.date_limite_remise.date()
    if remise <= cal.date_envoi_publication:
        out.append(Constat("calendrier.date_limite_remise", "la date limite de remise des offres "
                           "doit suivre la date d'envoi à la publication."))
    if cal.date_limite_questions is not None and not (
            cal.date_envoi_publication <= cal.date_limite_questions < remise):
        out.append(Constat("calendrier.date_limite_questions", "la date limite des questions doit "
                           "se situer entre l'envoi à la publication et la remise des offres."))
    if cal.demarrage_previsionnel is not None and cal.demarrage_previsionnel <= remise:
        out.append(Constat("calendrier.demarrage_previsionnel", "le démarrage prévisionnel doit "
                           "suivre la date limite de remise des offres."))
    visite = cal.visite_site
    if visite is not None and visite.date is not None and not (
            cal.date_envoi_publication <= visite.date < remise):
        out.append(Constat("calendrier.visite_site.date", "la visite de site doit avoir lieu entre "
                           "l'envoi à la publication et la remise des offres."))
    return out


def _tranches(p: Consultation) -> list[Constat]:
    out: list[Constat] = []
    codes = [t.code for t in p.tranches]
    if codes[0] != "TF":
        out.append(Constat("tranches.0.code", "la première tranche doit être la tranche ferme "
                           "(code « TF »)."))
    if codes.count("TF") > 1:
        out.append(Constat("tranches", "un marché n'a qu'une tranche ferme."))
    for c in {c for c in codes if codes.count(c) > 1 and c != "TF"}:
        out.append(Constat("tranches", f"le code de tranche « {c} » figure deux fois."))
    for i, t in enumerate(p.tranches):
        if t.type == "ferme" and (t.delai_affermissement_mois or t.indemnite_attente
                                  or t.indemnite_dedit):
            out.append(Constat(f"tranches.{i}", "la tranche ferme n'a ni délai d'affermissement "
                               "ni indemnité d'attente ou de dédit."))
    somme = p.somme_tranches_ht
    if somme is not None and p.montant_total_ht is not None and somme != p.montant_total_ht:
        out.append(Constat("montant_total_ht", f"le montant total déclaré ({p.montant_total_ht} € "
                           f"HT) diffère de la somme des tranches ({somme} € HT)."))
    return out


def _durees(p: Consultation, res: Resolution) -> list[Constat]:
    """The computed sequence against the contract's duration and the affirmation delays.

    Error: the firm tranche, or an optional tranche started right after the firm tranche,
    cannot end within ``marche.duree_mois``. Warning: an optional tranche affirmed at the end
    of its delay cannot end in time, or the margin is under one month.
    """
    out = []
    duree = Decimal(p.marche.duree_mois)
    tf = res.tranches[0] if res.tranches else None
    tf_mois = Decimal(tf.duree_calendaire_semaines) / SEMAINES_PAR_MOIS if tf else Decimal(0)
    for i, t in enumerate(res.tranches):
        mois = Decimal(t.duree_calendaire_semaines) / SEMAINES_PAR_MOIS
        detail = (f"{t.duree_semaines} semaines d'exécution sur le chemin critique, "
                  f"{t.duree_calendaire_semaines} avec les temps de validation")
        if t.est_ferme:
            if mois > duree:
                out.append(Constat("marche.duree_mois", f"la tranche ferme demande {_fr(mois)} "
                                   f"mois ({detail}), plus que la durée du marché ({duree} mois) : "
                                   "calendrier impossible."))
            elif mois > duree - 1:
                out.append(Constat("marche.duree_mois", f"la tranche ferme demande {_fr(mois)} "
                                   f"mois ({detail}) pour un marché de {duree} mois : calendrier "
                                   "tendu.",
                                   "avertissement"))
            continue
        au_plus_tot = tf_mois + mois
        if au_plus_tot > duree:
            out.append(Constat(f"tranches.{i}", f"la tranche {t.code}, même affermie dès la fin de "
                               f"la tranche ferme, s'achèverait après {_fr(au_plus_tot)} mois "
                               f"({detail}), au-delà de la durée du marché ({duree} mois) : "
                               "calendrier impossible."))
            continue
        fin = Decimal(t.delai_affermissement_mois or 0) + mois
        if fin > duree:
            out.append(Constat(f"tranches.{i}.delai_affermissement_mois", f"la tranche {t.code} "
                               f"affermie au terme de son délai s'achèverait après {_fr(fin)} mois "
                               f"({detail}), au-delà de la durée du marché ({duree} mois) : "
                               "calendrier tendu.", "avertissement"))
    return out


def _fr(x: Decimal) -> str:
    """« 5,1 » : one decimal, French comma."""
    return f"{x:.1f}".replace(".", ",")


def _reunions_declarees(p: Consultation, res: Resolution) -> list[Constat]:
    """The former declared meeting counts, when they contradict the computed ones."""
    out = []
    calcul = res.reunions
    for cle, instance in (("copil", p.pilotage.copil), ("cotech", p.pilotage.cotech)):
        if instance is not None and instance.nombre_reunions is not None \
                and instance.nombre_reunions != calcul[cle]:
            out.append(Constat(f"pilotage.{cle}.nombre_reunions", f"{instance.nombre_reunions} "
                               f"réunion(s) déclarée(s), mais les phases retenues en prévoient "
                               f"{calcul[cle]} : les pièces impriment le nombre calculé ; "
                               "supprimez ce champ ou ajustez les réunions des phases.",
                               "avertissement"))
    if p.pilotage.cotech is not None and calcul["cotech"] == 0:
        out.append(Constat("pilotage.cotech", "un comité technique est décrit mais aucune phase "
                           "retenue ne le réunit : il n'est pas cité dans les pièces.",
                           "avertissement"))
    return out


def _marche(p: Consultation) -> list[Constat]:
    m, out = p.marche, []
    if m.allotissement.alloti and not m.allotissement.lots:
        out.append(Constat("marche.allotissement.lots", "le marché est déclaré alloti mais aucun "
                           "lot n'est décrit."))
    if not m.allotissement.alloti and not m.allotissement.justification:
        out.append(Constat("marche.allotissement.justification",
                           "un marché non alloti doit justifier ce choix (article L2113-11 du "
                           "code de la commande publique)."))
    if m.prix.forme != "global_forfaitaire":
        out.append(Constat("marche.prix.forme", f"prix « {m.prix.forme} » : cctp_builder produit "
                           "une décomposition du prix global et forfaitaire (DPGF), pas encore de "
                           "bordereau de prix unitaires ; retenez « global_forfaitaire »."))
    if m.penalites.regime == "forfaitaire" and m.penalites.montant_journalier is None:
        out.append(Constat("marche.penalites.montant_journalier", "indiquez le montant journalier "
                           "des pénalités forfaitaires."))
    pr = m.propriete_resultats
    if pr.regime == "cession_exclusive" and not pr.justification:
        out.append(Constat("marche.propriete_resultats.justification", "une cession exclusive des "
                           "résultats déroge au CCAG-PI : justifiez-la."))
    for chemin, code in [("marche.cpv.principal", m.cpv.principal)] + [
            (f"marche.cpv.secondaires.{i}", c) for i, c in enumerate(m.cpv.secondaires)]:
        attendu = cpv_chiffre_controle(code[:8])
        if int(code[-1]) != attendu:
            out.append(Constat(chemin, f"le chiffre de contrôle du code CPV {code} devrait être "
                               f"{attendu} : vérifiez le code.", "avertissement"))
    for i, n in enumerate(p.operation.ecoquartier.engagements_prioritaires):
        if not 1 <= n <= 20:
            out.append(Constat(f"operation.ecoquartier.engagements_prioritaires.{i}",
                               "la charte ÉcoQuartier compte 20 engagements : "
                               f"« {n} » n'existe pas."))
    return out


_A_COMPLETER: list[tuple[str, Callable[[Consultation], object]]] = [
    ("acheteur.siret", lambda p: p.acheteur.siret),
    ("acheteur.representant.nom", lambda p: p.acheteur.representant.nom),
    ("acheteur.contact.telephone", lambda p: p.acheteur.contact.telephone),
    ("acheteur.contact.email", lambda p: p.acheteur.contact.email),
    ("acheteur.profil_acheteur_url", lambda p: p.acheteur.profil_acheteur_url),
    ("acheteur.comptable_assignataire", lambda p: p.acheteur.comptable_assignataire),
    ("acheteur.population", lambda p: p.acheteur.population),
    ("operation.enjeux", lambda p: p.operation.enjeux),
    ("operation.programme", lambda p: p.operation.programme),
    ("calendrier.date_limite_questions", lambda p: p.calendrier.date_limite_questions),
    ("calendrier.demarrage_previsionnel", lambda p: p.calendrier.demarrage_previsionnel),
    ("donnees.fournies", lambda p: p.donnees.fournies),
]
"""Optional fields whose absence leaves a marker; labels from ``models.libelles.REPERES``."""


def a_completer(p: Consultation) -> list[Constat]:
    """Optional fields left empty: they will show as « [À compléter : …] » markers."""
    out = [Constat(chemin, f"à compléter : {REPERES[chemin]} (un repère surligné figurera dans "
                           "les pièces).", "a_completer")
           for chemin, lire in _A_COMPLETER if lire(p) in (None, "", [])]
    for i, t in enumerate(p.tranches):
        if t.montant_estime_ht is None:
            out.append(Constat(f"tranches.{i}.montant_estime_ht", f"à compléter : montant estimé "
                               f"de la tranche {t.code}.", "a_completer"))
        if t.type == "optionnelle" and t.delai_affermissement_mois is None:
            out.append(Constat(f"tranches.{i}.delai_affermissement_mois", f"à compléter : "
                               f"{REPERES['tranches.delai_affermissement_mois']} de la tranche "
                               f"{t.code}.", "a_completer"))
    return out


def _commune(p: Consultation) -> list[Constat]:
    """A commune's INSEE code, name and postal code against the reference table (warnings)."""
    from .communes import verifier_commune

    a = p.acheteur
    if a.type != "commune":
        return []
    return verifier_commune(a.code_insee, a.nom, a.adresse.code_postal)


def forme_du_kit(kit: str, decision: Decision) -> list[Constat]:
    """Warn when the kit's form does not fit the amount: a full kit under the dispense
    threshold, a light kit for a MAPA with publicity or a formal procedure."""
    valeur = f" (valeur estimée {montant_fr(decision.montant_estime_ht)})"
    if kit == "complet" and decision.procedure == "dispense":
        return [Constat("kit", f"kit complet demandé pour un marché sous le seuil de dispense"
                        f"{valeur} : le kit allégé (lettre de consultation, cahier des charges, "
                        "devis) suffit et sera plus lisible pour les prestataires.",
                        "avertissement")]
    if kit == "allege" and decision.procedure != "dispense":
        if decision.procedure != "mapa" or decision.avis_requis:
            return [Constat("kit", f"kit allégé demandé pour un marché qui exige un avis de "
                            f"publicité (valeur estimée {montant_fr(decision.montant_estime_ht)}, "
                            f"{decision.procedure_libelle}) : "
                            "le kit complet (règlement, CCAP, acte d'engagement, avis) est "
                            "attendu.", "avertissement")]
        return [Constat("kit", f"kit allégé demandé au-dessus du seuil de dispense{valeur} : "
                        "possible pour une petite procédure adaptée, mais la lettre de "
                        "consultation doit être diffusée selon une publicité adaptée et les "
                        "critères annoncés à tous.", "avertissement")]
    return []


VERIFICATIONS: list[Verification] = [_criteres, _calendrier, _tranches, _marche, _commune]


def verifier(projet: Consultation, res: Resolution) -> list[Constat]:
    """Coherence findings on a structurally valid project, from its resolution (computed once
    by :func:`cctp_builder.analysis.analyser`, which adds the legal checks and the items
    « à compléter »)."""
    constats = list(res.constats)
    if not res.constats:
        constats.extend(_durees(projet, res))
        constats.extend(_reunions_declarees(projet, res))
    from .hygiene import verifier as hygiene  # input hygiene warnings (holidays, notes…)

    constats.extend(hygiene(projet))
    for verif in VERIFICATIONS:
        constats.extend(verif(projet))
    return constats

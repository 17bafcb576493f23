"""decp.json: the données essentielles of the awarded contract, format DECP 2.0.3
(139bercy/format-commande-publique), built from the project and the offers file."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import CctpError

if TYPE_CHECKING:
    from .service import Analyse

PROCEDURES = {
    "mapa": "Procédure adaptée",
    "appel_offres_ouvert": "Appel d'offres ouvert",
    "dispense": "Marché passé sans publicité ni mise en concurrence préalable",
}
FORMES_PRIX = {"global_forfaitaire": "Forfaitaire", "unitaire": "Unitaire", "mixte": "Mixte"}
TYPES_PRIX = {"ferme": "Définitif ferme", "ferme_actualisable": "Définitif actualisable",
              "revisable": "Définitif révisable"}
GROUPEMENTS = {"non": "Pas de groupement", "conjoint": "Conjoint", "solidaire": "Solidaire"}


def _nombre(d: Decimal) -> float | int:
    return int(d) if d == d.to_integral_value() else float(d)


def _sirets(analyse: Analyse) -> list[str]:
    gagnant = analyse.attributaire
    if gagnant is None:
        return []
    candidat = gagnant.offre.candidat
    if candidat.groupement != "non":
        return [m.siret for m in candidat.membres if m.siret]
    return [candidat.siret] if candidat.siret else []


def manques(analyse: Analyse) -> list[str]:
    """What the données essentielles still lack (empty when decp.json can be written)."""
    projet, gagnant = analyse.projet, analyse.attributaire
    if gagnant is None:
        return ["un attributaire"]
    att = analyse.attribution
    manque = []
    if projet.acheteur.siret is None:
        manque.append("le SIRET de l'acheteur (acheteur.siret du fichier projet)")
    if att.date_notification is None:
        manque.append("la date de notification (attribution.date_notification du fichier "
                      "des offres)")
    if not _sirets(analyse):
        manque.append(f"le SIRET du titulaire {gagnant.nom} (candidat.siret, ou celui de "
                      "chaque membre du groupement)")
    identifiant = att.identifiant_decp or projet.marche.reference
    if len(identifiant) > 16:
        manque.append("un identifiant de 16 caractères au plus (attribution.identifiant_decp), "
                      f"la référence « {identifiant} » étant trop longue pour le format DECP")
    return manque


def donnees_essentielles(analyse: Analyse) -> bytes:
    """The DECP 2.0.3 document of the awarded contract (``{"marches": {"marche": [...]}}``)."""
    manque = manques(analyse)
    if manque:
        raise CctpError("données essentielles (decp.json) : il manque " + " ; ".join(manque)
                        + ".")
    projet, gagnant, att = analyse.projet, analyse.attributaire, analyse.attribution
    assert gagnant is not None and att.date_notification is not None
    candidat = gagnant.offre.candidat
    sirets = _sirets(analyse)
    identifiant = att.identifiant_decp or projet.marche.reference
    m = projet.marche
    env = []
    if m.clause_environnementale:
        env.append("Clause environnementale")
    if any(c.type == "environnemental" for c in projet.criteres):
        env.append("Critère environnemental")
    marche: dict[str, Any] = {
        "id": identifiant,
        "acheteur": {"id": projet.acheteur.siret},
        "nature": "Marché",
        "objet": " ".join(m.objet.split())[:1000],
        "codeCPV": m.cpv.principal,
        "techniques": {"technique": ["Sans objet"]},
        "modalitesExecution": {"modaliteExecution":
                               ["Tranches"] if len(projet.tranches) > 1 else ["Sans objet"]},
        "marcheInnovant": False,
        "ccag": "Prestations intellectuelles",
        "offresRecues": analyse.offres_recues,
        "attributionAvance": m.avance.versee,
        "typeGroupementOperateurs": GROUPEMENTS[candidat.groupement],
        "procedure": PROCEDURES[analyse.procedure.procedure],
        "lieuExecution": {"code": projet.acheteur.code_insee, "typeCode": "Code commune"},
        "dureeMois": m.duree_mois,
        "dateNotification": att.date_notification.isoformat(),
        "datePublicationDonnees": (att.date_publication_donnees
                                   or att.date_notification).isoformat(),
        "montant": _nombre(gagnant.prix_ht),
        "typesPrix": {"typePrix": [TYPES_PRIX[m.prix.variation]]},
        "formePrix": FORMES_PRIX[m.prix.forme],
        "sousTraitanceDeclaree": candidat.sous_traitance,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": s}} for s in sirets],
        "considerationsSociales": {"considerationSociale": ["Pas de considération sociale"]},
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": env or ["Pas de considération environnementale"]},
    }
    if m.avance.versee:
        marche["tauxAvance"] = _nombre(m.avance.taux_pourcentage / 100)
    doc = {"marches": {"marche": [marche]}}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

"""The commented starter offers file written by ``cctp-builder analyse init``: one example
offer carrying every sub-criterion of the project's RC, with the RC's barème."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from ..models import Consultation
from .notation import bareme, unites


def _q(texte: str) -> str:
    """A YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(texte, ensure_ascii=False)


def _montant(m: Decimal | None) -> str:
    return str(m) if m is not None else "10000"


def offres_de_depart(projet: Consultation, fichier: str = "offres.yaml",
                     fichier_projet: str = "projet.yaml") -> str:
    """The starter text; it validates as is against ``projet``."""
    echelle = list(bareme(projet.notation))
    defaut = echelle[1] if len(echelle) > 1 else (echelle[0] if echelle else "satisfaisant")
    recue = projet.calendrier.date_limite_remise - dt.timedelta(days=1)
    lignes = [
        "# yaml-language-server: $schema=schema-offres.json",
        "# (schéma pour l'éditeur : cctp-builder analyse schema > schema-offres.json)",
        f"# Fichier des offres du marché {projet.marche.reference}, pour :",
        f"#   cctp-builder analyse build {fichier_projet} {fichier} -o dce",
        "# Une entrée par pli reçu (y compris hors délai ou irrégulier). Les notes suivent le RC :",
        f"# barème « {projet.notation.bareme_technique} ».",
        "# Les prix sont HT, par tranche, tels qu'à l'acte d'engagement ; l'outil calcule le prix",
        f"# comparé ({projet.notation.prix_compare}), les notes, le classement et les lettres.",
        "version: 1",
        f"reference: {_q(projet.marche.reference)}",
        "",
        "ouverture:",
        f"  date: {(projet.calendrier.date_limite_remise + dt.timedelta(hours=2)).isoformat()}",
        "  # par: le maire et la secrétaire générale",
        "",
        "offres:",
        "  - candidat:",
        "      nom: Atelier Exemple",
        "      # siret: \"…\"                    # 14 chiffres (clé de Luhn contrôlée)",
        "      adresse:",
        "        ligne: 1 rue de l'Exemple",
        "        code_postal: \"13001\"",
        "        commune: Marseille",
        "      email: contact@atelier-exemple.fr",
        "      groupement: non                # non, conjoint ou solidaire (avec « membres »)",
        f"    recue_le: {recue.isoformat()}   # registre des dépôts du profil d'acheteur",
        "    statut: reguliere                # reguliere, irreguliere, inacceptable, inappropriee",
        "    # motif: …                       # obligatoire si l'offre n'est pas régulière",
        "    prix:                            # € HT par tranche",
    ]
    for t in projet.tranches:
        lignes.append(f"      {t.code}: {_montant(t.montant_estime_ht)}")
    lignes.append("    notes:")
    for u in unites(projet):
        lignes.append(f"      {_q(u.nom)}:   # {u.critere.nom}, {u.poids} points")
        if u.par_elements:
            lignes.append("        appreciations:   # une par élément, dans l'ordre du RC :")
            for e in u.elements:
                lignes.append(f"          - {_q(defaut)}   # {e}")
        else:
            lignes.append(f"        appreciation: {_q(defaut)}")
        lignes.append("        commentaire: >-")
        lignes.append("          Justifiez l'appréciation par ce que contient le mémoire "
                      "technique.")
    lignes += [
        "",
        "attribution:",
        "  # date_rapport: AAAA-MM-JJ",
        "  # date_envoi_lettres: AAAA-MM-JJ   # lettres d'information et de rejet",
        "  envoi_electronique: true",
        "  delai_pieces_jours: 8              # délai pour les certificats de l'attributaire",
        "  # date_signature: AAAA-MM-JJ",
        "  # date_notification: AAAA-MM-JJ    # requise pour les données essentielles",
        "  # date_demarrage: AAAA-MM-JJ       # ordre de service n° 1 (tranche ferme)",
    ]
    return "\n".join(lignes) + "\n"

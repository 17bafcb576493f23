"""The commented starter project written by ``cctp-builder init``."""

from __future__ import annotations

import datetime as dt
import json
import math

import yaml

from . import communes
from .catalogue import catalogue
from .communes import Commune, avec_preposition, nom_acheteur
from .errors import CctpError
from .hygiene import jour_ouvre
from .models import Consultation
from .resolution import resoudre, suggestion

_ACHETEUR_EXEMPLE = """\
acheteur:
  nom: Commune de Saint-Exemple          # nom officiel de l'acheteur
  type: commune                          # commune, epci, syndicat_mixte ou autre
  code_insee: "04001"                    # code officiel géographique (5 caractères)
  # siret: "21040001000000"              # 14 chiffres (clé de Luhn contrôlée)
  population: 1200                       # population municipale INSEE…
  population_annee: 2022                 # … et son millésime
  adresse:
    ligne: 1 place de la Mairie
    code_postal: "04000"
    commune: Saint-Exemple
  representant:
    # civilite: Madame                   # Madame ou Monsieur : « Madame la Maire », « La maire, »
    qualite: Maire                       # signataire du marché, sans civilité
    # nom: Prénom Nom
  contact:
    # nom: Prénom Nom, secrétaire générale
    email: mairie@saint-exemple.fr
    # telephone: 04 92 00 00 00
  # intercommunalite: Communauté de communes …
  # profil_acheteur_url: https://…       # plateforme où le DCE est publié
"""

_ENTETE = """\
# yaml-language-server: $schema=schema-projet.json
# (schéma pour l'éditeur : cctp-builder schema > schema-projet.json, dans ce dossier)
# Fichier projet cctp_builder : une consultation pour des études pré-opérationnelles.
# Remplacez les valeurs d'exemple par celles de votre commune, puis lancez :
#   cctp-builder validate {fichier}
#   cctp-builder build {fichier} -o dce
# Un champ facultatif laissé vide devient dans les pièces un repère surligné
# « [À compléter : …] » ; « validate » les liste. Le schéma complet : cctp-builder schema.
version: 1
# kit: auto                              # auto, complet ou allege (allégé sous la dispense)

{acheteur}
operation:
  nom: Quartier durable du Centre        # nom du projet
  enjeux: >-
    Décrivez en quelques phrases pourquoi la commune engage ces études : besoins en
    logements, site retenu, ambitions.
  sites:
    - nom: Le Pré communal
      # localisation: situation par rapport au bourg, accès, parcelles cadastrales
      # occupation: prairie, friche, terrain de sport…
      surface_ha: 2.0                    # périmètre opérationnel, en hectares
      # perimetre_etude_ha: 8            # périmètre d'étude, plus large
      statut_foncier: communal           # communal, epf, prive ou mixte
      zonage: 1AU
      contraintes: []                    # réseaux, servitudes, ABF, paysage…
      risques: []                        # inondation, argiles, feux de forêt…
  documents_planification:
    - type: plu                          # scot, plu, plui, carte_communale, plh, pnr…
      nom: Plan local d'urbanisme {de_commune}
  # programme:                          # programme pressenti, s'il est connu
  #   logements:
  #     - type: logements locatifs sociaux
  #       nombre: 8
  #   equipements: [une placette]
  ecoquartier:
    demarche: reflexion                  # aucune, reflexion, charte_signee, ecoprojet…
    engagements_prioritaires: [1, 6, 19] # numéros des 20 engagements ÉcoQuartier

# Modules d'étude retenus (liste complète : cctp-builder etudes).
etudes:
{etudes}
# Tranche ferme (TF) et tranches optionnelles (TO1, TO2…). Chaque phase de chaque
# étude appartient à une seule tranche : « module » (toutes ses phases) ou « module/phase ».
tranches:
  - code: TF
    intitule: Études pré-opérationnelles
    montant_estime_ht: {montant}         # € HT : la somme des tranches détermine la procédure
    phases:
{phases}
marche:
  reference: EXE-{annee}-01              # sert aussi de nom au dossier du kit
  objet: Études pré-opérationnelles du quartier durable du Centre {a_commune}
  allotissement:
    alloti: false
    justification: >-
      Les études s'enchaînent et portent sur un même site ; la commune ne pourrait pas
      coordonner plusieurs titulaires (article L2113-11 du code de la commande publique).
  duree_mois: {duree_mois}
  # Condition d'exécution environnementale (article L2112-2), exigée depuis le 21 août 2026 :
  clause_environnementale: >-
    Le titulaire tient les réunions techniques à distance lorsque leur objet le permet,
    organise ses déplacements sur site en transport collectif ou en covoiturage, et remet
    ses livrables sous forme numérique, les tirages papier étant limités aux exemplaires
    demandés.
  # Supports de l'avis (au-delà de 90 000 € HT : BOAMP ou journal d'annonces légales)
  publicite_supports: [Bulletin officiel des annonces des marchés publics (BOAMP)]

# Comparaison des prix : TTC (le prix que la commune paie) tant qu'elle ne récupère pas la TVA
notation:
  prix_compare: TTC
  tva_recuperee: false

# Critères d'attribution : les pondérations totalisent 100 ; un critère environnemental
# défini (éléments appréciés) est obligatoire pour les consultations lancées depuis le
# 21 août 2026 (voir : cctp-builder procedure --amount 75000 --date AAAA-MM-JJ).
criteres:
  - nom: Valeur technique
    type: technique
    poids: 55
    sous_criteres:
      - nom: Compréhension du site et des enjeux
        poids: 20
      - nom: Méthode et planning
        poids: 20
      - nom: Équipe
        poids: 15
  - nom: Prix
    type: prix
    poids: 35
  - nom: Performance environnementale de la prestation
    type: environnemental
    poids: 10
    elements:
      - organisation des réunions et des déplacements pour limiter les émissions
      - dématérialisation des livrables

calendrier:
  date_envoi_publication: {envoi}
  date_limite_remise: {remise}T12:00:00
  # date_limite_questions: AAAA-MM-JJ
  # demarrage_previsionnel: AAAA-MM-JJ

# donnees:
#   fournies: [plan local d'urbanisme, cadastre numérique]
#   a_charge_titulaire: [levé topographique]

pilotage:
  copil:
    composition: [le maire et les adjoints, la direction départementale des territoires]
  # le nombre de réunions est calculé à partir des phases ; le comité technique est facultatif
  cotech:
    composition: [le secrétaire général, le CAUE]
"""


def _yaml_texte(valeur: str) -> str:
    return json.dumps(valeur, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _acheteur_de(commune: Commune) -> str:
    """The ``acheteur`` block of a real commune, from the reference table."""
    src = communes.source()
    lignes = [
        "acheteur:",
        f"  nom: {_yaml_texte(nom_acheteur(commune.nom))}"
        f"    # {src['paquet']} {src['version']}",
        "  type: commune",
        f'  code_insee: "{commune.code_insee}"',
    ]
    if commune.siren:
        lignes.append(f'  # siret: "{commune.siren}NNNNN"       # SIREN {commune.siren} de la '
                      "commune suivi des 5 chiffres du NIC de la mairie (avis de situation "
                      "SIRENE) : à compléter")
    if commune.population:
        lignes.append(f"  population: {commune.population}"
                      f"                  # population municipale légale, découpage "
                      f"{src.get('millesime_cog')}")
        lignes.append("  # population_annee: AAAA            # millésime INSEE de cette "
                      "population : à vérifier sur insee.fr")
    cp = commune.codes_postaux[0] if commune.codes_postaux else None
    lignes += [
        f"  # département : {commune.departement} ({commune.departement_nom}) ; région : "
        f"{commune.region_nom}",
        "  adresse:",
        "    ligne: place de la Mairie           # numéro et voie de la mairie : à vérifier",
        f'    code_postal: "{cp}"' if cp else '    code_postal: "00000"        # à compléter',
        f"    commune: {_yaml_texte(commune.nom)}",
        "  representant:",
        "    qualite: Maire",
        "    # nom: Prénom Nom",
        "  contact: {}",
        "    # nom: Prénom Nom, secrétaire générale",
        "    # email: mairie@…",
    ]
    if commune.intercommunalite:
        lignes.append(f"  intercommunalite: {_yaml_texte(commune.intercommunalite)}")
    lignes.append("  # profil_acheteur_url: https://…       # plateforme où le DCE est publié")
    return "\n".join(lignes) + "\n"


def projet_de_depart(etudes: list[str], aujourd_hui: dt.date | None = None, *,
                     fichier: str = "projet.yaml", commune: Commune | None = None) -> str:
    """A commented project file with the chosen study modules, valid as written.

    With ``commune`` (from :mod:`cctp_builder.communes`), the buyer is that commune.
    """
    cat = catalogue()
    inconnus = [e for e in etudes if e not in cat]
    if inconnus:
        raise CctpError(f"module(s) inconnu(s) : {', '.join(inconnus)}."
                        + suggestion(inconnus[0], sorted(cat)) + " Liste : cctp-builder etudes.")
    if not etudes:
        raise CctpError("choisissez au moins un module d'étude (--etudes).")
    jour = aujourd_hui or dt.date.today()
    envoi = jour_ouvre(jour + dt.timedelta(days=14))
    remise = jour_ouvre(envoi + dt.timedelta(days=42))
    lignes_etudes = "\n".join(f"  - module: {e}    # {cat[e].titre}" for e in etudes)
    lignes_phases = "\n".join(f"      - {e}" for e in etudes)
    nom = commune.nom if commune else "Saint-Exemple"

    def texte(duree_mois: int) -> str:
        return _ENTETE.format(fichier=fichier, etudes=lignes_etudes, phases=lignes_phases,
                              acheteur=_acheteur_de(commune) if commune else _ACHETEUR_EXEMPLE,
                              de_commune=avec_preposition(nom, "de"),
                              a_commune=avec_preposition(nom, "à"),
                              montant=25000 * len(etudes), annee=envoi.year,
                              envoi=envoi.isoformat(), remise=remise.isoformat(),
                              duree_mois=duree_mois)

    # the contract lasts as long as the computed sequence, plus two months of margin
    res = resoudre(Consultation.model_validate(yaml.safe_load(texte(12))))
    semaines = max((t.duree_calendaire_semaines for t in res.tranches), default=0)
    return texte(max(12, math.ceil(semaines / 4.345) + 2))

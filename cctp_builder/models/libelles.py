"""French labels of the codes used in project files (statut foncier, procedure, …)."""

LIBELLES: dict[str, str] = {
    # acheteur.type
    "commune": "commune",
    "epci": "établissement public de coopération intercommunale",
    "syndicat_mixte": "syndicat mixte",
    "autre": "autre personne publique",
    # statut foncier
    "communal": "maîtrise foncière communale",
    "epf": "portage par l'établissement public foncier",
    "prive": "propriété privée",
    "mixte": "maîtrise foncière mixte (publique et privée)",
    # procédures
    "dispense": "marché passé sans publicité ni mise en concurrence préalables",
    "mapa": "procédure adaptée",
    "appel_offres_ouvert": "appel d'offres ouvert",
    # concertation
    "reunion_publique": "réunion publique",
    "atelier": "atelier participatif",
    "balade_urbaine": "balade urbaine",
    "permanence": "permanence",
    "questionnaire": "questionnaire",
    "exposition": "exposition",
    "atelier_enfants": "atelier avec les enfants",
    # financement
    "acquis": "acquis",
    "sollicite": "sollicité",
    "envisage": "envisagé",
    # tranches
    "ferme": "tranche ferme",
    "optionnelle": "tranche optionnelle",
}


REPERES: dict[str, str] = {
    "acheteur.siret": "SIRET de l'acheteur",
    "acheteur.representant.nom": "nom du signataire",
    "acheteur.contact.nom": "nom et fonction du contact",
    "acheteur.contact.telephone": "téléphone du contact",
    "acheteur.contact.email": "adresse électronique de la mairie",
    "acheteur.profil_acheteur_url": "adresse du profil d'acheteur",
    "acheteur.comptable_assignataire": "comptable public assignataire (service de gestion "
                                       "comptable)",
    "acheteur.population": "population municipale",
    "acheteur.population_annee": "millésime INSEE",
    "acheteur.intercommunalite": "intercommunalité de rattachement",
    "operation.enjeux": "enjeux du projet et intentions des élus, en quelques phrases",
    "operation.programme": "programme pressenti",
    "calendrier.date_limite_questions": "date limite de réception des questions",
    "calendrier.demarrage_previsionnel": "date prévisionnelle de démarrage",
    "calendrier.visite_site.date": "date de la visite",
    "donnees.fournies": "liste des données fournies (document d'urbanisme, cadastre, "
                        "orthophotographie, plans des réseaux, études existantes)",
    "tranches.delai_affermissement_mois": "délai d'affermissement",
    "marche.clause_environnementale": "condition d'exécution environnementale",
    "marche.allotissement.justification": "motifs de la non-division en lots",
    "marche.penalites.montant_journalier": "montant journalier des pénalités",
}
"""One label per « [À compléter : …] » marker, the same in every piece and in ``validate``'s
list (field path → label; a test checks the templates against it)."""


DESCRIPTIONS_MODELES: dict[str, str] = {
    "Acheteur": "L'acheteur : identité, identifiants, représentant et contact.",
    "Adresse": "Adresse postale.",
    "Annexe": "Fichier annexé au dossier de consultation, copié dans le kit.",
    "Batiment": "Bâtiment concerné par une réhabilitation ou un changement d'usage.",
    "Cadre": "Protection ou cadre qui s'applique au site au-delà des documents d'urbanisme.",
    "Allotissement": "Division en lots (article L2113-10) ou motifs de la non-division "
                     "(article L2113-11).",
    "Avance": "Avance versée au titulaire (articles R2191-3 et suivants).",
    "Calendrier": "Dates de la consultation.",
    "Competence": "Compétence exigée dans l'équipe.",
    "Concertation": "Concertation attendue du titulaire.",
    "Contact": "Contact administratif ou technique pour la consultation.",
    "Cpv": "Codes CPV du marché.",
    "Critere": "Critère d'attribution.",
    "MaitriseFonciere": "Maîtrise foncière chiffrée, au-delà du statut de chaque site.",
    "Dispositif": "Format de participation du public.",
    "DocumentPlanification": "Document de planification qui encadre le projet.",
    "Donnees": "Données fournies par l'acheteur et données à produire par le titulaire.",
    "EcoQuartier": "Ambitions ÉcoQuartier, par numéro d'engagement de la charte (1 à 20).",
    "EtudeAnterieure": "Étude ou démarche antérieure remise au titulaire.",
    "EtudeChoisie": "Module d'étude choisi dans le catalogue, avec ses adaptations au projet.",
    "Instance": "Instance de pilotage : comité de pilotage ou comité technique.",
    "LigneLogement": "Type de logement du programme pressenti.",
    "Livrables": "Formats et exemplaires des livrables.",
    "Lot": "Lot, lorsque le marché est alloti.",
    "Marche": "Le marché public.",
    "Notation": "Notation et comparaison des prix.",
    "Operation": "L'opération que les études préparent.",
    "Penalites": "Pénalités de retard : formule du CCAG-PI ou dérogation explicite.",
    "Phase": "Phase d'une étude : contenu, durée, livrables, réunions, validation.",
    "Pilotage": "Gouvernance des études.",
    "Prix": "Forme et variation des prix.",
    "Programme": "Programme pressenti.",
    "ProprieteResultats": "Régime d'utilisation des résultats (propriété intellectuelle).",
    "Pse": "Prestation supplémentaire éventuelle.",
    "Representant": "Signataire pour l'acheteur (représentant du pouvoir adjudicateur).",
    "Site": "Site de l'opération.",
    "SourceFinancement": "Source de financement des études.",
    "SousCritere": "Sous-critère : ce qui est apprécié et son poids dans le critère.",
    "Tranche": "Tranche ferme ou optionnelle (articles R2113-4 à R2113-6 du code de la "
               "commande publique).",
    "TribunalCompetent": "Tribunal administratif compétent, lorsque les règles ne le "
                         "connaissent pas (ou pour compléter ses coordonnées).",
    "VisiteSite": "Visite de site proposée aux candidats.",
}
"""French description of each model in the JSON Schema (the docstrings are in English)."""

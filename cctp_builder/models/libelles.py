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

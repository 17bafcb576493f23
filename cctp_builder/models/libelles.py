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

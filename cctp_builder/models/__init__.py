"""Pydantic v2 model of a consultation (pure: no I/O)."""

from .acheteur import Acheteur, Adresse, Contact, Representant, TribunalCompetent
from .annexes import Annexe
from .consultation import Consultation
from .etudes import EtudeChoisie, Phase, Tranche
from .marche import (
    Allotissement,
    Avance,
    Cpv,
    Critere,
    Lot,
    Marche,
    Notation,
    Penalites,
    Prix,
    ProprieteResultats,
    Pse,
    SousCritere,
)
from .operation import (
    Batiment,
    Cadre,
    DocumentPlanification,
    EcoQuartier,
    EtudeAnterieure,
    LigneLogement,
    MaitriseFonciere,
    Operation,
    Programme,
    Site,
)
from .organisation import (
    Calendrier,
    Competence,
    Concertation,
    Dispositif,
    Donnees,
    Instance,
    Livrables,
    Pilotage,
    SourceFinancement,
    VisiteSite,
)

__all__ = [
    "Acheteur", "Adresse", "Allotissement", "Annexe", "Avance", "Batiment", "Cadre",
    "Calendrier", "Competence", "MaitriseFonciere",
    "Concertation", "Consultation", "Contact", "Cpv", "Critere", "Dispositif",
    "DocumentPlanification", "Donnees", "EcoQuartier", "EtudeAnterieure", "EtudeChoisie",
    "Instance", "LigneLogement", "Livrables", "Lot", "Marche", "Notation", "Operation",
    "Penalites", "Phase", "Pilotage", "Prix", "Programme", "ProprieteResultats", "Pse",
    "Representant", "Site", "SourceFinancement", "SousCritere", "Tranche", "TribunalCompetent",
    "VisiteSite",
]

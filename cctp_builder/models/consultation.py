"""The root of the model: one consultation (dossier de consultation des entreprises)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from .acheteur import Acheteur
from .annexes import Annexe
from .base import Modele, Montant, TexteCourt
from .etudes import EtudeChoisie, Tranche
from .marche import Critere, Marche, Notation
from .operation import Operation
from .organisation import (
    Calendrier,
    Competence,
    Concertation,
    Donnees,
    Livrables,
    Pilotage,
    SourceFinancement,
)

FormeKit = Literal["auto", "complet", "allege"]


class Consultation(Modele):
    """Everything the kit needs to know about one consultation."""

    version: Literal[1] = Field(default=1, description="Version du format de fichier projet")
    kit: FormeKit = Field(
        default="auto",
        description="Forme du dossier : « auto » (allégé sous le seuil de dispense, complet "
        "au-dessus), « complet » (les sept pièces) ou « allege » (lettre de consultation, "
        "cahier des charges et devis)",
    )
    acheteur: Acheteur = Field(description="L'acheteur public")
    operation: Operation = Field(description="L'opération que les études préparent")
    etudes: list[EtudeChoisie] = Field(
        min_length=1, max_length=20, description="Modules d'étude retenus (clés du catalogue)"
    )
    tranches: list[Tranche] = Field(
        min_length=1, max_length=21, description="Tranche ferme (TF) puis tranches optionnelles"
    )
    montant_total_ht: Montant | None = Field(
        default=None,
        description="Montant total estimé (€ HT), contrôlé contre la somme des tranches",
    )
    marche: Marche = Field(description="Le marché")
    criteres: list[Critere] = Field(min_length=1, max_length=10,
                                    description="Critères d'attribution")
    notation: Notation = Field(default_factory=Notation, description="Notation du prix")
    calendrier: Calendrier = Field(description="Calendrier de la consultation")
    pilotage: Pilotage = Field(description="Gouvernance des études")
    concertation: Concertation = Field(
        default_factory=Concertation, description="Concertation attendue du titulaire"
    )
    livrables: Livrables = Field(default_factory=Livrables, description="Formats des livrables")
    competences: list[Competence] = Field(
        default_factory=list, description="Compétences exigées dans l'équipe (en plus du catalogue)"
    )
    donnees: Donnees = Field(default_factory=Donnees, description="Données fournies / à produire")
    missions_exclues: list[TexteCourt] = Field(
        default_factory=list, description="Prestations expressément exclues du marché"
    )
    financement: list[SourceFinancement] = Field(
        default_factory=list, description="Plan de financement des études (facultatif)"
    )
    annexes: list[Annexe] = Field(
        default_factory=list, max_length=30,
        description="Pièces annexées au dossier (plan du site, extrait du PLU, études "
                    "antérieures), copiées dans le kit",
    )

    @property
    def somme_tranches_ht(self) -> Decimal | None:
        """Sum of the tranche estimates, or None when one is missing."""
        montants = [t.montant_estime_ht for t in self.tranches]
        connus = [m for m in montants if m is not None]
        if len(connus) != len(montants):
            return None
        return sum(connus, Decimal("0"))

    @property
    def valeur_estimee_ht(self) -> Decimal | None:
        """Estimated value (R2121-1): all tranches count; declared total as fallback."""
        somme = self.somme_tranches_ht
        return somme if somme is not None else self.montant_total_ht

"""Study modules and their phases; tranches that group the phases."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Modele, Montant, Texte, TexteCourt


class Phase(Modele):
    """One phase of a study: content, duration, deliverables, meetings, validation."""

    code: str = Field(
        pattern=r"^[a-z0-9_]{1,40}$",
        description="Identifiant court de la phase (ex. « diagnostic »), unique dans l'étude",
    )
    nom: TexteCourt = Field(description="Intitulé de la phase")
    duree_semaines: int = Field(ge=1, le=156,
                                description="Durée d'exécution de la phase (semaines)")
    contenu: list[TexteCourt] = Field(
        default_factory=list, description="Tâches attendues du titulaire dans la phase"
    )
    livrables: list[TexteCourt] = Field(
        default_factory=list, description="Livrables remis à l'issue de la phase"
    )
    reunions: list[TexteCourt] = Field(
        default_factory=list, description="Réunions prévues pendant la phase"
    )
    validation: TexteCourt = Field(
        default="validation par le comité de pilotage",
        description="Modalité de validation de la phase par la maîtrise d'ouvrage",
    )
    depend_de: list[str] = Field(
        default_factory=list,
        description="Phases qui doivent être validées avant celle-ci : « module/phase », ou "
                    "« module » pour toutes ses phases (la phase précédente du même module "
                    "est implicite)",
    )


class EtudeChoisie(Modele):
    """A study module chosen from the catalog, with optional project-specific overrides."""

    module: str = Field(
        pattern=r"^[a-z0-9_]{1,40}$",
        description="Clé du module dans le catalogue (voir `cctp-builder etudes`)",
    )
    precisions: Texte | None = Field(
        default=None, description="Attentes propres au projet pour ce module"
    )
    phases: list[Phase] | None = Field(
        default=None,
        description="Phases propres au projet ; à défaut, celles du catalogue",
    )


class Tranche(Modele):
    """A tranche ferme or optionnelle (art. R2113-4 to R2113-6 of the code)."""

    code: str = Field(
        pattern=r"^(TF|TO[0-9]{1,2})$",
        description="« TF » pour la tranche ferme, « TO1 », « TO2 »…",
    )
    intitule: TexteCourt = Field(description="Intitulé de la tranche")
    phases: list[str] = Field(
        min_length=1,
        description="Phases comprises : « module » (toutes ses phases) ou « module/phase »",
    )
    montant_estime_ht: Montant | None = Field(
        default=None, description="Montant estimé de la tranche (€ HT)"
    )
    delai_affermissement_mois: int | None = Field(
        default=None, ge=1, le=60,
        description="Délai maximal d'affermissement après la notification (mois), "
                    "tranche optionnelle",
    )
    indemnite_attente: Montant | None = Field(
        default=None, description="Indemnité d'attente (€ HT), si prévue"
    )
    indemnite_attente_apres_mois: int | None = Field(
        default=None, ge=1, le=60,
        description="Délai après la notification du marché (mois) au-delà duquel l'affermissement "
        "ouvre droit à l'indemnité d'attente ; inférieur au délai d'affermissement",
    )
    indemnite_dedit: Montant | None = Field(
        default=None, description="Indemnité de dédit (€ HT), si prévue"
    )
    description: Texte | None = Field(default=None,
                                      description="Objet et justification de la tranche")

    @property
    def type(self) -> Literal["ferme", "optionnelle"]:
        return "ferme" if self.code == "TF" else "optionnelle"

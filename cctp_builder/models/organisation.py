"""Calendar, governance, public participation, deliverables, skills, data and funding."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Date, DateHeure, Modele, Montant, Pourcentage, Texte, TexteCourt


class VisiteSite(Modele):
    """Site visit offered to bidders."""

    obligatoire: bool = Field(default=False, description="La visite est-elle obligatoire ?")
    date: Date | None = Field(default=None, description="Date de la visite collective")
    modalites: TexteCourt | None = Field(default=None, description="Rendez-vous, inscription")


class Calendrier(Modele):
    """Dates of the consultation."""

    date_envoi_publication: Date = Field(
        description="Date d'envoi de l'avis à la publication (date de la consultation)"
    )
    date_limite_questions: Date | None = Field(
        default=None, description="Date limite de réception des questions des candidats"
    )
    date_limite_remise: DateHeure = Field(
        description="Date et heure limites de remise des offres (ex. 2026-12-18T12:00)"
    )
    validite_offres_jours: int = Field(
        default=120, ge=30, le=365, description="Durée de validité des offres (jours)"
    )
    demarrage_previsionnel: Date | None = Field(
        default=None, description="Démarrage prévisionnel des prestations"
    )
    visite_site: VisiteSite | None = Field(default=None,
                                           description="Visite de site, le cas échéant")

    @property
    def delai_reponse_jours(self) -> int:
        return (self.date_limite_remise.date() - self.date_envoi_publication).days


class Instance(Modele):
    """A steering body: COPIL or COTECH."""

    composition: list[TexteCourt] = Field(
        default_factory=list, description="Membres (élus, services, partenaires)"
    )
    nombre_reunions: int | None = Field(
        default=None, ge=0, le=50,
        description="Ancien champ : le nombre de réunions est désormais calculé à partir des "
                    "réunions déclarées dans chaque phase ; une valeur différente est signalée",
    )


class Pilotage(Modele):
    """Governance of the studies."""

    copil: Instance = Field(description="Comité de pilotage (décisionnel)")
    cotech: Instance | None = Field(
        default=None,
        description="Comité technique (suivi), facultatif : sans lui, les réunions techniques "
                    "des phases se tiennent avec les services de la commune",
    )
    comptes_rendus_titulaire: bool = Field(
        default=True, description="Les comptes rendus sont-ils rédigés par le titulaire ?"
    )
    delai_compte_rendu_jours: int = Field(
        default=7, ge=1, le=30, description="Délai de remise des comptes rendus (jours)"
    )
    delai_validation_semaines: int = Field(
        default=2, ge=0, le=12,
        description="Temps de validation de la maîtrise d'ouvrage par phase (semaines, hors délai)",
    )


TypeDispositif = Literal[
    "reunion_publique", "atelier", "balade_urbaine", "permanence", "questionnaire",
    "exposition", "atelier_enfants",
]


class Dispositif(Modele):
    """A participation format."""

    type: TypeDispositif = Field(description="Format du dispositif")
    nombre: int = Field(ge=1, le=50, description="Nombre de séances")
    public: TexteCourt | None = Field(default=None, description="Public visé")


class Concertation(Modele):
    """Public participation asked of the consultant."""

    objectifs: Texte | None = Field(default=None,
                                    description="Ce que la commune attend du dialogue")
    dispositifs: list[Dispositif] = Field(default_factory=list, description="Dispositifs prévus")
    bilan: bool = Field(default=True, description="Le titulaire rédige-t-il le bilan ?")


class Livrables(Modele):
    """Formats and copies of deliverables."""

    exemplaires_papier: int = Field(default=2, ge=0, le=50, description="Exemplaires papier")
    formats_modifiables: list[TexteCourt] = Field(
        default_factory=lambda: ["DOCX", "XLSX", "PPTX"], description="Formats modifiables exigés"
    )
    formats_sig: list[TexteCourt] = Field(
        default_factory=lambda: ["GeoPackage", "Shapefile"], description="Formats SIG exigés"
    )
    projection: TexteCourt = Field(default="RGF93 / Lambert-93", description="Projection SIG")
    format_pdf: bool = Field(default=True, description="Une version PDF est-elle exigée ?")
    synthese_a3: bool = Field(default=True,
                              description="Une synthèse A3 par phase est-elle exigée ?")


class Competence(Modele):
    """A skill required in the team."""

    domaine: TexteCourt = Field(description="Domaine de compétence")
    exigence: Literal["obligatoire", "souhaitee"] = Field(
        default="obligatoire", description="Compétence obligatoire ou souhaitée"
    )
    precision: TexteCourt | None = Field(default=None, description="Qualification, expérience")


class Donnees(Modele):
    """Data the buyer provides and data the consultant must produce."""

    fournies: list[TexteCourt] = Field(
        default_factory=list, description="Données et documents fournis par la commune"
    )
    a_charge_titulaire: list[TexteCourt] = Field(
        default_factory=list, description="Données à produire par le titulaire"
    )


class SourceFinancement(Modele):
    """A funding source of the studies."""

    financeur: TexteCourt = Field(description="Financeur (État, Région, ADEME, EPF…)")
    dispositif: TexteCourt | None = Field(default=None, description="Dispositif ou programme")
    taux_pourcentage: Pourcentage | None = Field(default=None, description="Taux d'aide (%)")
    montant: Montant | None = Field(default=None, description="Montant attendu (€)")
    statut: Literal["acquis", "sollicite", "envisage"] = Field(
        default="envisage", description="État de la demande"
    )

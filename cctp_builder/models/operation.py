"""The operation: the site(s), the planning context and the intended programme."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Modele, Texte, TexteCourt

StatutFoncier = Literal["communal", "epf", "prive", "mixte"]
TypeDocument = Literal[
    "scot", "plu", "plui", "carte_communale", "rnu", "plh", "pnr", "pcaet", "pprn", "pprif",
    "ppri", "sdage", "autre",
]


class Site(Modele):
    """One site of the operation."""

    nom: TexteCourt = Field(description="Nom d'usage du site (ex. « Les Aires »)")
    localisation: TexteCourt | None = Field(
        default=None, description="Situation par rapport au centre-bourg, accès, parcelles"
    )
    surface_ha: float = Field(gt=0, le=10_000, description="Surface du périmètre opérationnel (ha)")
    perimetre_etude_ha: float | None = Field(
        default=None, gt=0, le=100_000,
        description="Surface du périmètre d'étude, plus large que le périmètre opérationnel (ha)",
    )
    statut_foncier: StatutFoncier = Field(description="Maîtrise foncière actuelle")
    zonage: TexteCourt | None = Field(
        default=None, description="Zonage du document d'urbanisme (ex. « 1AU », « U »)"
    )
    occupation: TexteCourt | None = Field(
        default=None, description="Occupation actuelle (friche, prairie, terrain de sport…)"
    )
    contraintes: list[TexteCourt] = Field(
        default_factory=list,
        description="Contraintes connues (réseaux, servitudes, ABF, paysage, biodiversité…)",
    )
    risques: list[TexteCourt] = Field(
        default_factory=list, description="Risques naturels et technologiques connus"
    )


class DocumentPlanification(Modele):
    """A planning document that frames the project."""

    type: TypeDocument = Field(description="Nature du document")
    nom: TexteCourt = Field(description="Intitulé (ex. « SCoT de la Haute-Provence »)")
    etat: TexteCourt | None = Field(
        default=None, description="Date d'approbation ou état d'avancement"
    )


class EtudeAnterieure(Modele):
    """A previous study or approach the consultant will receive."""

    titre: TexteCourt = Field(description="Intitulé de l'étude")
    auteur: TexteCourt | None = Field(default=None, description="Auteur ou bureau d'études")
    annee: int | None = Field(default=None, ge=1950, le=2100, description="Année de remise")


class LigneLogement(Modele):
    """A housing type of the intended programme."""

    type: TexteCourt = Field(
        description="Type de logement (ex. « individuel groupé », « locatif social »)"
    )
    nombre: int = Field(ge=0, le=100_000, description="Nombre de logements envisagé")


class Programme(Modele):
    """The intended programme (programme pressenti)."""

    logements: list[LigneLogement] = Field(
        default_factory=list, description="Logements envisagés, par type"
    )
    equipements: list[TexteCourt] = Field(
        default_factory=list, description="Équipements et espaces publics envisagés"
    )
    activites: list[TexteCourt] = Field(
        default_factory=list, description="Commerces, services ou activités envisagés"
    )
    observations: Texte | None = Field(default=None, description="Précisions sur le programme")

    @property
    def total_logements(self) -> int:
        return sum(ligne.nombre for ligne in self.logements)


DemarcheEcoQuartier = Literal["aucune", "reflexion", "charte_signee", "ecoprojet", "label_etape_2"]


class EcoQuartier(Modele):
    """ÉcoQuartier ambitions, referencing the 20 engagements by number."""

    demarche: DemarcheEcoQuartier = Field(
        default="reflexion", description="État de la démarche ÉcoQuartier de la commune"
    )
    engagements_prioritaires: list[int] = Field(
        default_factory=list,
        description="Numéros (1 à 20) des engagements de la charte ÉcoQuartier jugés prioritaires",
    )
    ambitions: Texte | None = Field(default=None, description="Ambitions exprimées par les élus")


class Operation(Modele):
    """The operation that the studies prepare."""

    nom: TexteCourt = Field(description="Nom du projet (ex. « Quartier durable des Aires »)")
    enjeux: Texte | None = Field(
        default=None, description="Contexte et enjeux du projet, en quelques phrases"
    )
    sites: list[Site] = Field(min_length=1, max_length=20, description="Site(s) de l'opération")
    documents_planification: list[DocumentPlanification] = Field(
        default_factory=list, description="SCoT, PLU/PLUi, PLH, PNR, plans de prévention…"
    )
    etudes_anterieures: list[EtudeAnterieure] = Field(
        default_factory=list, description="Études et démarches antérieures transmises au titulaire"
    )
    programme: Programme | None = Field(default=None, description="Programme pressenti")
    ecoquartier: EcoQuartier = Field(
        default_factory=EcoQuartier, description="Ambitions ÉcoQuartier"
    )

    @property
    def surface_totale_ha(self) -> float:
        return round(sum(s.surface_ha for s in self.sites), 4)

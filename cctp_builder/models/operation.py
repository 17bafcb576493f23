"""The operation: the site(s), the planning context and the intended programme."""

from __future__ import annotations

from typing import ClassVar, Literal

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
    parcelles: list[TexteCourt] = Field(
        default_factory=list,
        description="Parcelles cadastrales concernées (ex. « AB 112 », « AB 113 »)",
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


NatureOperation = Literal[
    "extension", "densification", "renouvellement_centre_bourg", "rehabilitation_batiment",
    "espace_public",
]
ModeGestion = Literal[
    "a_definir", "location_communale", "cession_operateur", "bail_emphyteotique",
    "regie_communale", "concession",
]


class MaitriseFonciere(Modele):
    """Land control in figures, beyond the status of each site."""

    communal_ha: float | None = Field(
        default=None, ge=0, le=10_000, description="Surface déjà propriété de la commune (ha)"
    )
    epf_ha: float | None = Field(
        default=None, ge=0, le=10_000,
        description="Surface portée par l'établissement public foncier (ha)",
    )
    prive_ha: float | None = Field(
        default=None, ge=0, le=10_000, description="Surface restant à des propriétaires privés (ha)"
    )
    acquisitions: list[TexteCourt] = Field(
        default_factory=list, description="Acquisitions envisagées ou en cours"
    )
    mode_gestion: ModeGestion = Field(
        default="a_definir",
        description="Mode de réalisation ou de gestion pressenti (location communale, cession "
                    "à un opérateur…)",
    )


TypeCadre = Literal[
    "pnr", "site_inscrit", "site_classe", "abords_mh", "spr", "reserve_naturelle", "natura2000",
    "znieff", "loi_montagne", "loi_littoral", "old", "zone_sismique", "autre",
]


class Cadre(Modele):
    """A protection or framework that applies to the site beyond the planning documents."""

    type: TypeCadre = Field(description="Nature de la protection ou du cadre")
    nom: TexteCourt = Field(description="Intitulé (ex. « abords de l'église Saint-Pierre »)")
    precision: TexteCourt | None = Field(
        default=None, description="Précision (niveau de sismicité, date de l'arrêté…)"
    )


EtatBatiment = Literal["bon", "moyen", "degrade", "ruine"]


class Batiment(Modele):
    """The building concerned, for a rehabilitation or a conversion."""

    nom: TexteCourt = Field(description="Désignation du bâtiment (ex. « ancienne école »)")
    surface_plancher_m2: int | None = Field(
        default=None, ge=1, le=100_000, description="Surface de plancher existante (m²)"
    )
    niveaux: int | None = Field(default=None, ge=1, le=30, description="Nombre de niveaux")
    etat: EtatBatiment | None = Field(default=None, description="État général apparent")
    epoque: TexteCourt | None = Field(
        default=None, description="Date ou époque de construction (ex. « 1884 »)"
    )
    usage_actuel: TexteCourt | None = Field(default=None, description="Usage actuel ou dernier")
    usage_envisage: TexteCourt | None = Field(
        default=None, description="Usage envisagé par la commune"
    )


class Operation(Modele):
    """The operation that the studies prepare."""

    # methods the templates may call (exposed by the plain-data views, render/vues.py)
    METHODES_MODELE: ClassVar[tuple[str, ...]] = ("a_cadre",)

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
    nature: NatureOperation = Field(
        default="extension",
        description="Nature de l'opération : extension, densification, renouvellement de "
                    "centre-bourg, réhabilitation d'un bâtiment, espace public",
    )
    foncier: MaitriseFonciere = Field(
        default_factory=MaitriseFonciere, description="Maîtrise foncière chiffrée"
    )
    cadres: list[Cadre] = Field(
        default_factory=list,
        description="Protections et cadres autour du site (PNR, site inscrit, abords de "
                    "monument historique, OLD, zone sismique…)",
    )
    batiment: Batiment | None = Field(
        default=None, description="Bâtiment concerné (réhabilitation, reconversion)"
    )

    @property
    def surface_totale_ha(self) -> float:
        return round(sum(s.surface_ha for s in self.sites), 4)

    @property
    def consomme_enaf(self) -> bool:
        """Only an extension consumes natural, agricultural or forest land."""
        return self.nature == "extension"

    @property
    def est_batiment(self) -> bool:
        return self.nature == "rehabilitation_batiment"

    @property
    def tout_communal(self) -> bool:
        """All the land of the operation belongs to the commune (no private owner involved)."""
        return all(s.statut_foncier == "communal" for s in self.sites) and not (
            self.foncier.prive_ha or self.foncier.epf_ha)

    def a_cadre(self, *types: str) -> bool:
        return any(c.type in types for c in self.cadres)

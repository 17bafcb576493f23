"""The buyer (acheteur): the commune or group that procures the study."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl

from .base import CodeInsee, Modele, Siret, TexteCourt, departement_de_insee


class Adresse(Modele):
    """Postal address."""

    ligne: TexteCourt = Field(description="Numéro et voie (ex. « 1 place de la Mairie »)")
    code_postal: str = Field(pattern=r"^\d{5}$", description="Code postal à 5 chiffres")
    commune: TexteCourt = Field(description="Commune de l'adresse")

    def __str__(self) -> str:
        return f"{self.ligne}, {self.code_postal} {self.commune}"


class Representant(Modele):
    """Person who signs for the buyer (pouvoir adjudicateur)."""

    qualite: TexteCourt = Field(
        default="Maire", description="Qualité du signataire (ex. « Maire », « Président »)"
    )
    nom: TexteCourt | None = Field(default=None, description="Prénom et nom du signataire")


class Contact(Modele):
    """Administrative or technical contact for the consultation."""

    nom: TexteCourt | None = Field(default=None, description="Nom et fonction du contact")
    email: str | None = Field(
        default=None,
        pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
        description="Adresse électronique",
    )
    telephone: str | None = Field(
        default=None,
        pattern=r"^(\+33 ?|0)[1-9]([ .-]?\d{2}){4}$",
        description="Téléphone (ex. 04 92 00 00 00)",
    )


class TribunalCompetent(Modele):
    """The tribunal administratif, when the rules data does not know it (or to complete it)."""

    nom: TexteCourt = Field(description="Nom (ex. « Tribunal administratif de Lyon »)")
    adresse: TexteCourt = Field(description="Numéro et voie")
    code_postal: str = Field(pattern=r"^\d{5}$", description="Code postal à 5 chiffres")
    ville: TexteCourt = Field(description="Ville")
    appel: TexteCourt | None = Field(default=None, description="Cour administrative d'appel")
    greffe_courriel: str | None = Field(
        default=None, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
        description="Adresse électronique du greffe",
    )
    site: TexteCourt | None = Field(default=None, description="Site internet du tribunal")


TypeAcheteur = Literal["commune", "epci", "syndicat_mixte", "autre"]


class Acheteur(Modele):
    """The buyer: identity, legal identifiers, representative and contact."""

    nom: TexteCourt = Field(description="Nom officiel (ex. « Commune de Valmoirac »)")
    type: TypeAcheteur = Field(default="commune", description="Nature juridique de l'acheteur")
    code_insee: CodeInsee = Field(
        description="Code officiel géographique INSEE de la commune (5 caractères, 2A/2B en Corse)"
    )
    siret: Siret | None = Field(default=None, description="SIRET à 14 chiffres (clé de Luhn)")
    population: int | None = Field(
        default=None, ge=1, le=10_000_000, description="Population municipale (INSEE)"
    )
    population_annee: int | None = Field(
        default=None, ge=1990, le=2100, description="Millésime de la population INSEE"
    )
    adresse: Adresse = Field(description="Adresse de la mairie ou du siège")
    representant: Representant = Field(
        default_factory=Representant, description="Représentant du pouvoir adjudicateur"
    )
    contact: Contact = Field(default_factory=Contact, description="Contact pour la consultation")
    intercommunalite: TexteCourt | None = Field(
        default=None, description="EPCI de rattachement (communauté de communes, d'agglomération…)"
    )
    comptable_assignataire: TexteCourt | None = Field(
        default=None,
        description="Comptable public assignataire des paiements (ex. « Service de gestion "
        "comptable de Digne-les-Bains »)",
    )
    profil_acheteur_url: HttpUrl | None = Field(
        default=None, description="URL du profil d'acheteur (plateforme de dématérialisation)"
    )
    tribunal: TribunalCompetent | None = Field(
        default=None,
        description="Tribunal administratif compétent pour les recours ; à défaut, celui que "
        "les règles connaissent pour le département (table de l'article R221-3 du code de "
        "justice administrative, data/tribunaux.yaml)",
    )

    @property
    def departement(self) -> str:
        return departement_de_insee(self.code_insee)

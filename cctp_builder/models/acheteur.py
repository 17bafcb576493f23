"""The buyer (acheteur): the commune or group that procures the study."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, HttpUrl, TypeAdapter, model_validator

from ..francais import article_defini, qualite_accordee
from .base import CodeInsee, Modele, Siret, TexteCourt, departement_de_insee

_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _url_telle_quelle(valeur: str) -> str:
    """Check an http(s) URL but keep it exactly as written (no added « / »)."""
    valeur = valeur.strip()
    _HTTP_URL.validate_python(valeur)
    return valeur


UrlTelleQuelle = Annotated[str, AfterValidator(_url_telle_quelle)]


class Adresse(Modele):
    """Postal address."""

    ligne: TexteCourt = Field(description="Numéro et voie (ex. « 1 place de la Mairie »)")
    code_postal: str = Field(pattern=r"^\d{5}$", description="Code postal à 5 chiffres")
    commune: TexteCourt = Field(description="Commune de l'adresse")

    def __str__(self) -> str:
        return f"{self.ligne}, {self.code_postal} {self.commune}"


Civilite = Literal["Madame", "Monsieur"]

_CIVILITES_ECRITES = (("Madame la ", "Madame"), ("Madame le ", "Madame"), ("Mme ", "Madame"),
                      ("Monsieur le ", "Monsieur"), ("M. ", "Monsieur"))


class Representant(Modele):
    """Person who signs for the buyer (pouvoir adjudicateur)."""

    civilite: Civilite | None = Field(
        default=None,
        description="Civilité du signataire, « Madame » ou « Monsieur » : elle accorde la "
        "qualité (« Madame la Maire », « la maire », « la présidente ») et la signature",
    )
    qualite: TexteCourt = Field(
        default="Maire", description="Qualité du signataire, sans civilité (ex. « Maire », "
        "« Président »)"
    )
    nom: TexteCourt | None = Field(default=None, description="Prénom et nom du signataire")

    @model_validator(mode="before")
    @classmethod
    def _civilite_dans_la_qualite(cls, data: Any) -> Any:
        """« qualite: Madame la Maire » is read as civility Madame and title Maire."""
        if isinstance(data, dict) and isinstance(data.get("qualite"), str):
            q = data["qualite"].strip()
            for prefixe, civilite in _CIVILITES_ECRITES:
                if q.casefold().startswith(prefixe.casefold()) and len(q) > len(prefixe):
                    data = {**data, "qualite": q[len(prefixe):].strip()}
                    data.setdefault("civilite", civilite)
                    break
        return data

    @property
    def fonction(self) -> str:
        """The title in lower case, agreeing with the civility: « maire », « présidente »."""
        return qualite_accordee(self.qualite, self.civilite)

    @property
    def fonction_article(self) -> str:
        """« le maire », « la maire », « le président », « l'adjointe »."""
        return article_defini(self.fonction, self.civilite)

    @property
    def appellation(self) -> str:
        """How a letter addresses or names the signatory: « Madame la Maire »; without a
        civility, « le maire »."""
        if self.civilite is None:
            return self.fonction_article
        titre = self.fonction[0].upper() + self.fonction[1:]
        return f"{self.civilite} {article_defini(titre, self.civilite)}"

    @property
    def designation(self) -> str:
        """The signatory in a list of facts: « Claire Martin, maire », else « Madame la Maire »
        or « Le maire »."""
        if self.nom:
            return f"{self.nom}, {self.fonction}"
        texte = self.appellation
        return texte[0].upper() + texte[1:]

    @property
    def signature(self) -> str:
        """The signature line: « La maire, », « Le président, »."""
        texte = self.fonction_article
        return f"{texte[0].upper()}{texte[1:]},"


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
    profil_acheteur_url: UrlTelleQuelle | None = Field(
        default=None, description="URL du profil d'acheteur (plateforme de dématérialisation), "
        "reproduite dans les pièces telle qu'écrite", json_schema_extra={"format": "uri"},
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

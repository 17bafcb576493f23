"""The offers file (« fichier des offres »): what the commune received and how it judged it.

Pure pydantic, no I/O. The checks against the project (criteria, tranches, barème) live in
``chargement.py`` because they need both files.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..models.acheteur import Adresse
from ..models.base import Date, DateHeure, Modele, Montant, Siret, Texte, TexteCourt

Statut = Literal["reguliere", "irreguliere", "inacceptable", "inappropriee"]

_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"


class Membre(Modele):
    """A member of a groupement d'opérateurs économiques."""

    nom: TexteCourt = Field(description="Raison sociale du membre")
    siret: Siret | None = Field(default=None, description="SIRET à 14 chiffres")
    role: Literal["mandataire", "cotraitant"] = Field(
        default="cotraitant", description="Mandataire ou cotraitant"
    )


class Candidat(Modele):
    """The bidder (a firm or a groupement, represented by its mandataire)."""

    nom: TexteCourt = Field(description="Raison sociale (du mandataire pour un groupement)")
    siret: Siret | None = Field(default=None, description="SIRET à 14 chiffres (clé de Luhn)")
    adresse: Adresse = Field(description="Adresse du siège (du mandataire)")
    email: str = Field(pattern=_EMAIL, description="Adresse électronique de contact")
    groupement: Literal["non", "conjoint", "solidaire"] = Field(
        default="non", description="Forme du groupement, « non » pour un candidat seul"
    )
    membres: list[Membre] = Field(
        default_factory=list, description="Membres du groupement, mandataire compris"
    )
    assujetti_tva: bool = Field(
        default=True, description="Le candidat est-il assujetti à la TVA ?"
    )
    sous_traitance: bool = Field(
        default=False, description="Le candidat a-t-il déclaré des sous-traitants ?"
    )

    @model_validator(mode="after")
    def _groupement(self) -> Candidat:
        if self.groupement != "non" and len(self.membres) < 2:
            raise ValueError("un groupement compte au moins deux membres : listez-les sous "
                             "« membres » (mandataire compris)")
        if self.groupement == "non" and self.membres:
            raise ValueError("« membres » ne vaut que pour un groupement : indiquez "
                             "« groupement: conjoint » ou « solidaire », ou retirez les membres")
        return self


class Note(Modele):
    """The appreciation of one sub-criterion (or criterion without sub-criteria)."""

    appreciation: TexteCourt | None = Field(
        default=None, description="Appréciation du barème du RC (ex. « satisfaisant »)"
    )
    appreciations: list[TexteCourt] | None = Field(
        default=None,
        description="Une appréciation par élément, dans l'ordre du RC, quand le RC fait la "
        "moyenne des éléments d'un critère sans sous-critère",
    )
    commentaire: Texte = Field(description="Justification écrite de l'appréciation")


class TourNegociation(Modele):
    """One round of negotiation with a bidder (MAPA)."""

    numero: int = Field(ge=1, le=5, description="Numéro du tour")
    date: Date = Field(description="Date de remise de l'offre négociée")
    prix: dict[str, Montant] = Field(
        default_factory=dict, description="Prix HT négociés par tranche (code → montant)"
    )
    objet: TexteCourt | None = Field(default=None, description="Points négociés")


class Offre(Modele):
    """One offer received."""

    candidat: Candidat = Field(description="Le candidat")
    recue_le: DateHeure = Field(description="Date et heure de réception (registre des dépôts)")
    candidature_admise: bool = Field(
        default=True, description="La candidature est-elle recevable (capacités, pièces) ?"
    )
    motif_candidature: Texte | None = Field(
        default=None, description="Motif du rejet de la candidature, le cas échéant"
    )
    statut: Statut = Field(
        default="reguliere",
        description="Offre régulière, irrégulière, inacceptable ou inappropriée",
    )
    motif: Texte | None = Field(
        default=None, description="Motif, si l'offre n'est pas régulière"
    )
    regularisee: bool = Field(
        default=False,
        description="L'offre irrégulière a-t-elle été régularisée (ou rendue régulière par la "
        "négociation) ?",
    )
    prix: dict[str, Montant] = Field(
        description="Prix HT de l'offre par tranche (code → montant), tel qu'à l'acte "
        "d'engagement"
    )
    prix_pse: dict[str, Montant] = Field(
        default_factory=dict,
        description="Prix HT des prestations supplémentaires éventuelles (« PSE1 », « PSE2 »…)",
    )
    prix_lignes: dict[str, Montant] = Field(
        default_factory=dict,
        description="Prix HT par ligne de la DPGF (« module/phase » → montant), facultatif",
    )
    notes: dict[str, Note] = Field(
        default_factory=dict,
        description="Appréciation de chaque sous-critère technique et environnemental du RC",
    )
    negociation: list[TourNegociation] = Field(
        default_factory=list, description="Tours de négociation, le cas échéant"
    )
    offre_anormalement_basse: Literal["justifiee", "non_justifiee"] | None = Field(
        default=None,
        description="Suite donnée à la demande de justification, si l'offre a été signalée",
    )
    justification_prix: Texte | None = Field(
        default=None, description="Résumé des justifications du prix apportées par le candidat"
    )

    @model_validator(mode="after")
    def _motifs(self) -> Offre:
        if self.statut != "reguliere" and not self.motif:
            raise ValueError("une offre qui n'est pas régulière doit en donner le motif "
                             "(« motif »)")
        if not self.candidature_admise and not self.motif_candidature:
            raise ValueError("une candidature non admise doit en donner le motif "
                             "(« motif_candidature »)")
        if self.regularisee and self.statut == "reguliere":
            raise ValueError("« regularisee » ne vaut que pour une offre irrégulière ou "
                             "inacceptable")
        return self

    @property
    def prix_retenus(self) -> dict[str, Montant]:
        """Prices of the last negotiation round that gives them, else the initial ones."""
        retenus = dict(self.prix)
        for tour in sorted(self.negociation, key=lambda t: t.numero):
            retenus.update(tour.prix)
        return retenus


class Ouverture(Modele):
    """Opening of the plis."""

    date: DateHeure = Field(description="Date et heure d'ouverture des plis")
    par: TexteCourt | None = Field(default=None, description="Qui a ouvert les plis")


class Cao(Modele):
    """Commission d'appel d'offres (procédures formalisées)."""

    date_reunion: Date | None = Field(default=None, description="Date de la réunion de la CAO")
    membres: list[TexteCourt] = Field(default_factory=list, description="Membres présents")


class Attribution(Modele):
    """Dates and choices of the award and notification."""

    date_rapport: Date | None = Field(default=None, description="Date du rapport d'analyse")
    date_envoi_lettres: Date | None = Field(
        default=None, description="Date d'envoi des lettres d'information et de rejet"
    )
    envoi_electronique: bool = Field(
        default=True, description="Les lettres de rejet partent-elles par voie électronique ?"
    )
    delai_pieces_jours: int = Field(
        default=8, ge=1, le=30,
        description="Délai laissé à l'attributaire pour produire ses certificats (jours)",
    )
    date_signature: Date | None = Field(default=None, description="Date de signature du marché")
    date_notification: Date | None = Field(
        default=None, description="Date de notification du marché au titulaire"
    )
    date_demarrage: Date | None = Field(
        default=None, description="Date de démarrage de la tranche ferme (ordre de service n° 1)"
    )
    date_publication_donnees: Date | None = Field(
        default=None,
        description="Date de publication des données essentielles (par défaut, la date de "
        "notification)",
    )
    identifiant_decp: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.-]{1,16}$",
        description="Identifiant du marché pour les données essentielles (16 caractères au "
        "plus ; par défaut, la référence du marché)",
    )


class Offres(Modele):
    """The offers file: every offer received for one consultation."""

    version: Literal[1] = Field(default=1, description="Version du format du fichier des offres")
    reference: str = Field(description="Référence du marché (celle du fichier projet)")
    ouverture: Ouverture | None = Field(default=None, description="Ouverture des plis")
    offres: list[Offre] = Field(min_length=1, max_length=50, description="Offres reçues")
    pse_retenues: list[str] = Field(
        default_factory=list,
        description="Prestations supplémentaires éventuelles retenues (« PSE1 »…), dont le prix "
        "entre dans le prix comparé",
    )
    cao: Cao | None = Field(default=None, description="Commission d'appel d'offres")
    attribution: Attribution = Field(
        default_factory=Attribution, description="Attribution et notification"
    )

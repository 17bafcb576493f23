"""The contract (marché): object, CPV, lots, prices, advance, penalties, intellectual property."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from .base import CodeCpv, Modele, Montant, Pourcentage, Texte, TexteCourt

Procedure = Literal["dispense", "mapa", "appel_offres_ouvert"]


class Lot(Modele):
    """A lot, when the contract is divided (allotissement)."""

    numero: int = Field(ge=1, le=50, description="Numéro du lot")
    intitule: TexteCourt = Field(description="Intitulé du lot")
    etudes: list[str] = Field(default_factory=list, description="Modules d'étude du lot")


class Allotissement(Modele):
    """Division into lots (L2113-10) or its justification (L2113-11)."""

    alloti: bool = Field(default=False, description="Le marché est-il divisé en lots ?")
    lots: list[Lot] = Field(default_factory=list, description="Lots, si le marché est alloti")
    justification: Texte | None = Field(
        default=None,
        description="Motifs de la non-division en lots (obligatoires si le marché n'est pas "
                    "alloti)",
    )


class Cpv(Modele):
    """CPV codes of the contract."""

    principal: CodeCpv = Field(default="71410000-5", description="Code CPV principal")
    secondaires: list[CodeCpv] = Field(default_factory=list, description="Codes CPV secondaires")


class Prix(Modele):
    """Price form and variation."""

    forme: Literal["global_forfaitaire", "unitaire", "mixte"] = Field(
        default="global_forfaitaire",
        description="Forme des prix : globaux et forfaitaires (DPGF), unitaires (BPU) ou mixtes",
    )
    variation: Literal["ferme", "ferme_actualisable", "revisable"] = Field(
        default="ferme_actualisable", description="Mode de variation des prix"
    )
    indice: TexteCourt = Field(default="Syntec", description="Indice de référence (ex. Syntec)")
    detail_jours: bool = Field(
        default=True,
        description="La DPGF demande-t-elle le détail en jours × taux journalier par phase ?",
    )


class Pse(Modele):
    """A prestation supplémentaire éventuelle."""

    intitule: TexteCourt = Field(description="Intitulé de la PSE")
    description: Texte | None = Field(default=None, description="Contenu de la PSE")


class Avance(Modele):
    """Advance payment (R2191-3 and following)."""

    versee: bool = Field(default=True, description="Une avance est-elle versée au titulaire ?")
    taux_pourcentage: Pourcentage = Field(
        default=Decimal("5"), description="Taux de l'avance (% du montant TTC de la tranche)"
    )


class Penalites(Modele):
    """Late-delivery penalties: CCAG-PI formula or an explicit derogation."""

    regime: Literal["ccag_pi", "forfaitaire"] = Field(
        default="ccag_pi",
        description="« ccag_pi » : formule de l'article 14 du CCAG-PI ; « forfaitaire » : "
                    "dérogation",
    )
    montant_journalier: Montant | None = Field(
        default=None, description="Montant par jour de retard (€ HT) si le régime est forfaitaire"
    )


class ProprieteResultats(Modele):
    """Intellectual-property regime of the results."""

    regime: Literal["ccag_pi", "cession_exclusive"] = Field(
        default="ccag_pi",
        description="Régime unique du CCAG-PI 2021 ou cession exclusive (dérogation au CCAG-PI)",
    )
    justification: Texte | None = Field(
        default=None, description="Motif de la cession exclusive, le cas échéant"
    )


class Marche(Modele):
    """The public contract itself."""

    reference: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
        description="Référence du marché (lettres, chiffres, tiret ; sert de nom de dossier)",
    )
    objet: Texte = Field(description="Objet précis du marché")
    cpv: Cpv = Field(default_factory=Cpv, description="Codes CPV")
    procedure: Procedure | None = Field(
        default=None,
        description="Procédure retenue ; à défaut, celle que les règles déduisent du montant",
    )
    allotissement: Allotissement = Field(default_factory=Allotissement, description="Lots")
    prix: Prix = Field(default_factory=Prix, description="Forme et variation des prix")
    variantes: bool = Field(default=False, description="Les variantes sont-elles autorisées ?")
    pse: list[Pse] = Field(default_factory=list,
                           description="Prestations supplémentaires éventuelles")
    negociation: Literal["non", "possible"] = Field(
        default="possible", description="Négociation (procédure adaptée seulement)"
    )
    avance: Avance = Field(default_factory=Avance, description="Avance")
    penalites: Penalites = Field(default_factory=Penalites, description="Pénalités de retard")
    propriete_resultats: ProprieteResultats = Field(
        default_factory=ProprieteResultats, description="Propriété des résultats"
    )
    duree_mois: int = Field(ge=1, le=120, description="Durée du marché (mois), toutes tranches")
    groupement: Literal["libre", "conjoint", "solidaire"] = Field(
        default="libre", description="Forme de groupement imposée au titulaire, le cas échéant"
    )
    sous_traitance: bool = Field(default=True, description="La sous-traitance est-elle admise ?")
    clause_environnementale: Texte | None = Field(
        default=None,
        description="Condition d'exécution environnementale (art. L2112-2)",
    )


class SousCritere(Modele):
    """A sub-criterion: what is assessed and its weight inside its criterion."""

    nom: TexteCourt = Field(description="Intitulé du sous-critère")
    poids: Pourcentage = Field(description="Pondération en points sur 100 (part du total)")
    elements: list[TexteCourt] = Field(
        default_factory=list, description="Éléments appréciés (ce que le mémoire doit montrer)"
    )
    pages_max: int | None = Field(
        default=None, ge=1, le=200, description="Nombre de pages conseillé dans le mémoire"
    )


TypeCritere = Literal["prix", "cout", "technique", "environnemental", "delai", "autre"]


class Critere(Modele):
    """An award criterion."""

    nom: TexteCourt = Field(description="Intitulé du critère")
    type: TypeCritere = Field(description="Nature du critère")
    poids: Pourcentage | None = Field(
        default=None,
        description="Pondération en points sur 100 (obligatoire en procédure formalisée)",
    )
    elements: list[TexteCourt] = Field(
        default_factory=list, description="Éléments appréciés, s'il n'y a pas de sous-critères"
    )
    sous_criteres: list[SousCritere] = Field(default_factory=list, description="Sous-critères")


class Notation(Modele):
    """How prices are scored and compared."""

    methode_prix: Literal["proportionnelle_inverse", "lineaire"] = Field(
        default="proportionnelle_inverse",
        description="« proportionnelle_inverse » : note = Pmin/P × poids ; « lineaire » : "
                    "écart au moins-disant",
    )
    prix_compare: Literal["HT", "TTC"] = Field(
        default="TTC", description="Les prix sont-ils comparés hors taxes ou toutes taxes ?"
    )
    bareme_technique: TexteCourt = Field(
        default="très satisfaisant (100 %), satisfaisant (70 %), peu satisfaisant (40 %), "
        "insuffisant (10 %), absent (0 %)",
        description="Barème de notation des éléments techniques",
    )

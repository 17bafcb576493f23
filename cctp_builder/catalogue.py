"""Catalog of study modules shipped as data (``cctp_builder/data/etudes.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import Field, ValidationError

from .donnees_yaml import lire_yaml
from .errors import CctpError
from .models.base import Modele, Texte, TexteCourt
from .models.etudes import Phase


class ModuleEtude(Modele):
    """One study module of the catalog, with its default phases."""

    cle: str = Field(pattern=r"^[a-z0-9_]{1,40}$", description="Clé du module")
    titre: TexteCourt = Field(description="Intitulé de l'étude")
    resume: Texte = Field(description="Objet de l'étude en une ou deux phrases")
    engagements: list[int] = Field(description="Engagements ÉcoQuartier servis (1 à 20)")
    competences: list[TexteCourt] = Field(description="Compétences requises")
    phases: list[Phase] = Field(min_length=1, description="Phases par défaut")
    conflit_interets: bool = Field(
        default=False,
        description="L'étude aide la commune à choisir un contractant ultérieur (maître d'œuvre, "
        "aménageur) : le CCAP et le RC portent la clause d'incompatibilité",
    )

    @property
    def intitule(self) -> str:
        """The module's title (the name used by ``etudes --json``)."""
        return self.titre


class Catalogue(Modele):
    """The whole catalog."""

    modules: list[ModuleEtude]


ENGAGEMENTS_ECOQUARTIER: dict[int, str] = {
    1: "Réaliser les projets répondant aux besoins de tous en s'appuyant sur les ressources "
       "et contraintes du territoire",
    2: "Formaliser et mettre en œuvre un processus de pilotage et une gouvernance élargie",
    3: "Intégrer la dimension financière tout au long du projet dans une approche en coût global",
    4: "Prendre en compte les pratiques des usagers et les contraintes des gestionnaires",
    5: "Mettre en œuvre des démarches d'évaluation et d'amélioration continue",
    6: "Travailler en priorité sur la ville existante et proposer une densité adaptée pour "
       "lutter contre l'étalement urbain",
    7: "Mettre en œuvre les conditions du vivre-ensemble et de la solidarité",
    8: "Assurer un cadre de vie sûr et sain",
    9: "Mettre en œuvre une qualité urbaine, paysagère et architecturale",
    10: "Valoriser le patrimoine, l'histoire et l'identité du site",
    11: "Contribuer à un développement économique local, équilibré et solidaire",
    12: "Favoriser la diversité des fonctions et leur proximité",
    13: "Optimiser la consommation des ressources et des matériaux et développer les filières "
        "locales et les circuits courts",
    14: "Privilégier les mobilités douces et le transport collectif",
    15: "Favoriser la transition numérique vers la ville intelligente",
    16: "Produire un urbanisme permettant d'anticiper et de s'adapter au changement climatique "
        "et aux risques",
    17: "Viser la sobriété énergétique et la diversification des sources au profit des "
        "énergies renouvelables et de récupération",
    18: "Limiter la production des déchets, développer et consolider des filières de "
        "valorisation et de recyclage",
    19: "Préserver la ressource en eau et en assurer une gestion qualitative et économe",
    20: "Préserver et valoriser la biodiversité, les sols et les milieux naturels",
}
"""Short wording of the 20 engagements (charte 2016). Engagements 4 to 20 are paraphrased
from secondary sources: check the exact wording on the ÉcoQuartier platform."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, ModuleEtude]:
    """The study modules by key, loaded once from the packaged data."""
    texte = (resources.files("cctp_builder") / "data" / "etudes.yaml").read_text("utf-8")
    try:
        cat = Catalogue.model_validate(lire_yaml(texte))
    except ValidationError as exc:  # a packaging defect, caught by the test suite
        raise CctpError(f"Catalogue des études invalide : {exc}") from exc
    return {m.cle: m for m in cat.modules}


def catalogue_json() -> list[dict[str, Any]]:
    """The catalog as ``etudes --json`` prints it: modules, phases and their dependencies
    (the previous phase of the same module made explicit)."""
    out: list[dict[str, Any]] = []
    for m in catalogue().values():
        phases = []
        for i, p in enumerate(m.phases):
            deps = ([f"{m.cle}/{m.phases[i - 1].code}"] if i else []) + list(p.depend_de)
            phases.append({"code": p.code, "nom": p.nom, "duree_semaines": p.duree_semaines,
                           "depend_de": deps, "reunions": list(p.reunions)})
        out.append({"cle": m.cle, "intitule": m.titre, "resume": m.resume,
                    "competences": list(m.competences), "engagements": list(m.engagements),
                    "conflit_interets": m.conflit_interets, "phases": phases})
    return out

"""After the publication: the offers file, the scoring by the RC's own rules, the rapport
d'analyse des offres, the letters to every bidder, the notification and the données
essentielles, from the same project file.

Public API::

    charger_offres(chemin, projet) -> Offres
    analyser_offres(projet, offres_ou_chemin) -> Analyse
    construire_analyse(analyse, out_dir, *, force=False) -> list[Path]
    rendre_analyse(analyse) -> dict[str, bytes]
    lettre_tranche(analyse, code, "affermir" | "renoncer", date) -> (nom, bytes)
    offres_de_depart(projet, fichier) -> str
"""

from .chargement import OffresInvalides, charger_offres
from .depart import offres_de_depart
from .documents import (
    avertissements,
    construire_analyse,
    ecrire_lettre_tranche,
    lettre_tranche,
    rendre_analyse,
)
from .modele import Offres
from .service import Analyse, AnalyseImpossible, analyser_offres

__all__ = [
    "Analyse",
    "AnalyseImpossible",
    "Offres",
    "OffresInvalides",
    "analyser_offres",
    "avertissements",
    "charger_offres",
    "construire_analyse",
    "ecrire_lettre_tranche",
    "lettre_tranche",
    "offres_de_depart",
    "rendre_analyse",
]

"""cctp_builder: tender kits (DCE) for the pre-operational studies of small French communes."""

from ._version import __version__
from .analyse import (
    Analyse,
    AnalyseImpossible,
    Offres,
    OffresInvalides,
    analyser_offres,
    charger_offres,
    construire_analyse,
)
from .errors import (
    CctpError,
    Constat,
    ConversionPdfImpossible,
    ModeleInvalide,
    ProjetInvalide,
    RegleIntrouvable,
    Resultat,
    SortieExistante,
)
from .kit import build_kit, render_kit, render_piece
from .loader import analyser_projet, load_project
from .models import Consultation

__all__ = [
    "Analyse",
    "AnalyseImpossible",
    "CctpError",
    "Consultation",
    "Constat",
    "ConversionPdfImpossible",
    "ModeleInvalide",
    "Offres",
    "OffresInvalides",
    "ProjetInvalide",
    "RegleIntrouvable",
    "Resultat",
    "SortieExistante",
    "__version__",
    "analyser_offres",
    "analyser_projet",
    "build_kit",
    "charger_offres",
    "construire_analyse",
    "load_project",
    "render_kit",
    "render_piece",
]

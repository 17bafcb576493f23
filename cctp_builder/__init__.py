"""cctp_builder: tender kits (DCE) for the pre-operational studies of small French communes."""

from .errors import (
    Constat,
    ConversionPdfImpossible,
    CctpError,
    ModeleInvalide,
    ProjetInvalide,
    RegleIntrouvable,
    Resultat,
    SortieExistante,
)
from .loader import analyser_projet, load_project
from .models import Consultation

__version__ = "0.1.0"

__all__ = [
    "CctpError",
    "Consultation",
    "Constat",
    "ConversionPdfImpossible",
    "ModeleInvalide",
    "ProjetInvalide",
    "RegleIntrouvable",
    "Resultat",
    "SortieExistante",
    "__version__",
    "analyser_projet",
    "load_project",
]

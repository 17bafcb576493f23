"""cctp_builder: tender kits (DCE) for the pre-operational studies of small French communes."""

from ._version import __version__
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
    "build_kit",
    "load_project",
    "render_kit",
    "render_piece",
]

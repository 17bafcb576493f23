"""cctp_builder: tender kits (DCE) for the pre-operational studies of small French communes.

The public names below are imported on first use (PEP 562), so that ``import cctp_builder``
and ``cctp-builder --version`` stay cheap: the renderer, pydantic and the rules are loaded
only by the code that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
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

_OU: dict[str, str] = {
    "CctpError": "errors",
    "Constat": "errors",
    "ConversionPdfImpossible": "errors",
    "ModeleInvalide": "errors",
    "ProjetInvalide": "errors",
    "RegleIntrouvable": "errors",
    "Resultat": "errors",
    "SortieExistante": "errors",
    "analyser_projet": "loader",
    "build_kit": "kit",
    "load_project": "loader",
    "render_kit": "kit",
    "render_piece": "kit",
    "Consultation": "models",
}

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


def __getattr__(nom: str) -> Any:
    module = _OU.get(nom)
    if module is None:
        raise AttributeError(f"module 'cctp_builder' has no attribute {nom!r}")
    valeur = getattr(importlib.import_module(f".{module}", __name__), nom)
    globals()[nom] = valeur  # later look-ups skip this function
    return valeur


def __dir__() -> list[str]:
    """The public names and the module's dunders (not the helpers imported above)."""
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__")})

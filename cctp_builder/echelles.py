"""Drawing scales by object and site size, read from ``data/echelles.yaml``."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .errors import CctpError

OBJETS: tuple[str, ...] = ("territoire", "bourg", "site", "plan", "ilot", "batiment", "detail")
"""From the coarsest to the finest object."""

_JETON = re.compile(r"\{echelle:([a-z]+)\}")


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    texte = (resources.files("cctp_builder") / "data" / "echelles.yaml").read_text("utf-8")
    return dict(yaml.safe_load(texte))


def classe_site(surface_ha: float, batiment: bool = False) -> str:
    """The size class of an operation (« batiment » for a building rehabilitation)."""
    if batiment:
        return "batiment"
    for c in _table()["classes"]:
        if c["max_ha"] is None or surface_ha <= c["max_ha"]:
            return str(c["classe"])
    raise CctpError("table des échelles : aucune classe sans borne")  # packaging defect


def denominateur(objet: str, surface_ha: float, batiment: bool = False) -> int:
    """The scale denominator for an object (2000 for 1/2 000)."""
    try:
        return int(_table()["echelles"][objet][classe_site(surface_ha, batiment)])
    except KeyError as exc:
        raise CctpError(f"échelle inconnue pour l'objet « {objet} » ; objets : "
                        f"{', '.join(OBJETS)}.") from exc


def format_echelle(n: int) -> str:
    """« 1/1 000 », with a no-break space between thousands."""
    chiffres = f"{n:,}".replace(",", "\u00a0")
    return f"1/{chiffres}"


def echelle(objet: str, surface_ha: float, batiment: bool = False) -> str:
    """The printed scale of an object for this operation."""
    return format_echelle(denominateur(objet, surface_ha, batiment))


def remplacer_echelles(texte: str, surface_ha: float, batiment: bool = False) -> str:
    """Replace every ``{echelle:objet}`` token of a catalogue text."""
    return _JETON.sub(lambda m: echelle(m.group(1), surface_ha, batiment), texte)


def jetons(texte: str) -> list[str]:
    """The objects named by the scale tokens of a text, in order."""
    return _JETON.findall(texte)

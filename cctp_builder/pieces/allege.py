"""The light kit: plans of the letter of consultation and of the cahier des charges.

Neither piece has a cover page or a table of contents: the letter opens on its title and
date, the cahier on its title block. The cahier's study section is written from the resolved
phases of the catalogue (``cahier/02_etudes``), not from the full study modules of the CCTP,
so that a 20 k€ study stays about fifteen pages in all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..models.pieces import PIECES_ALLEGEES

CODES_ALLEGES: frozenset[str] = frozenset(p.code for p in PIECES_ALLEGEES)


class _Noms(Protocol):
    def names(self) -> Iterable[str]: ...


def plan_allege(ts: _Noms, code: str) -> list[tuple[str, dict[str, Any]]]:
    """The fragments of a light Word piece (« lettre » or « cahier »), in name order."""
    return [(nom, {}) for nom in ts.names() if nom.startswith(f"{code}/")]

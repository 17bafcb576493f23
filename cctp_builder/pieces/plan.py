"""The plan of a Word piece: its template fragments, in order.

See docs/architecture.md, « Plan of a piece ».
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..render import TemplateSet
from ..resolution import EtudeResolue

EMPLACEMENT_ETUDES = "_etudes"
"""The fragment whose name ends with this suffix is followed by the chosen study modules."""


def plan_piece(ts: TemplateSet, code: str,
               etudes: Iterable[EtudeResolue]) -> list[tuple[str, dict[str, Any]]]:
    """The fragments of the Word piece ``code``, in order, with their extra context."""
    plan: list[tuple[str, dict[str, Any]]] = [("commun/page_de_garde", {})]
    for nom in ts.names():
        if not nom.startswith(f"{code}/"):
            continue
        plan.append((nom, {}))
        if nom.endswith(EMPLACEMENT_ETUDES):
            plan.extend((f"etudes/{e.cle}", {"etude": e}) for e in etudes)
    return plan

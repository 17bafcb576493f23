"""The pieces of a tender kit: the plan of each Word piece and the DPGF workbook.

The table of pieces (numbers, titles, file names) is pure data in
:mod:`cctp_builder.models.pieces`, re-exported here.
"""

from __future__ import annotations

from ..models.pieces import PAR_CODE, PIECES, Piece
from .plan import plan_piece

__all__ = ["PAR_CODE", "PIECES", "Piece", "plan_piece"]
